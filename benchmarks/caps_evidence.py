"""The evidence behind ``RestoreConfig.caps_keep``: how the corpora write an all-capital
word inside a sentence of small letters.

    python benchmarks/caps_evidence.py [--corpora ../shared/corpora]

Over the training documents (held-out ones never), in paragraphs of four words or more
that are not mostly capitals, every word of two letters or more in capitals whose
neighbouring words are not: is it written without marks (an abbreviation as written:
MU, EU, CIA, AP) or with them (a word in capitals: TỰ, NÔNG)?  Counted over all such
words and over those whose letters spell a Vietnamese syllable (the ones a restorer
could turn into a word).
"""

from __future__ import annotations

import argparse
import gzip
import json
from collections import Counter
from pathlib import Path

import regex

from vnrestore.build.corpus import is_heldout
from vnrestore.candidates import Inventory
from vnrestore.data import lexicon_dir
from vnrestore.vietnamese import has_marks, strip_marks

WORD = regex.compile(r"\p{L}+")


def count(corpora: Path) -> tuple[Counter[str], Counter[str]]:
    plain: Counter[str] = Counter()
    marked: Counter[str] = Counter()
    for path in sorted(corpora.glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                doc = json.loads(line)
                if is_heldout(doc["source"], doc["id"]):
                    continue
                for para in doc["text"].split("\n"):
                    words = WORD.findall(para)
                    caps = [len(w) >= 2 and w.isupper() for w in words]
                    if len(words) < 4 or 2 * sum(caps) > len(words):
                        continue
                    for i, w in enumerate(words):
                        if caps[i] and not (i and caps[i - 1]) and \
                                not (i + 1 < len(words) and caps[i + 1]):
                            (marked if has_marks(w) else plain)[strip_marks(w).lower()] += 1
    return plain, marked


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--corpora", type=Path,
                   default=Path(__file__).resolve().parents[1].parent / "shared" / "corpora")
    plain, marked = count(p.parse_args().corpora)
    spells = Inventory.load(lexicon_dir() / "syllables.tsv").by_skeleton
    for name, keep in (("all", lambda k: True), ("spelling a syllable", spells.__contains__)):
        a = sum(n for k, n in plain.items() if keep(k))
        b = sum(n for k, n in marked.items() if keep(k))
        print(f"{name}: {a:,} as written, {b:,} with marks ({a / max(a + b, 1):.1%})")
    print("commonest as written:", ", ".join(
        f"{k.upper()} {n}" for k, n in plain.most_common() if spells.__contains__(k))[:300])


if __name__ == "__main__":
    main()
