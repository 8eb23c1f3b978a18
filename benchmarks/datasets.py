"""Dev sets from documents the models never saw (the held-out 5% of ../shared/corpora).

Raw corpus text is never committed: these sets are rebuilt into .cache/bench/ on demand,
deterministically (same documents, same lines every time).
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from vnrestore.build.corpus import default_corpora_dir, iter_documents
from vnrestore.vietnamese import strip_marks

CACHE = Path(__file__).resolve().parents[1] / ".cache" / "bench"
MIN_CHARS = 40
TEST_WORDS = 20000  # words per source of the benchmark's test sets


def heldout_lines(source: str, words: int, corpora: Path | None = None,
                  skip_words: int = 0) -> list[str]:
    """Prose lines of held-out documents of ``source`` until ``words`` words.

    ``skip_words``: first pass over the documents that a ``heldout_lines(source,
    skip_words)`` set draws from, whole (a dev set that shares no document with it).
    """
    out: list[str] = []
    total = skipped = 0
    for _, _, text in iter_documents(corpora or default_corpora_dir(), [source], heldout=True):
        lines = _prose(text)
        if skipped < skip_words:
            skipped += sum(len(line.split()) for line in lines)
            continue
        for line in lines:
            out.append(line)
            total += len(line.split())
            if total >= words:
                return out
    return out


def _prose(text: str) -> list[str]:
    lines = (" ".join(line.split()) for line in unicodedata.normalize("NFC", text).split("\n"))
    return [line for line in lines if len(line) >= MIN_CHARS and not line.startswith("==")]


def strip_all(line: str) -> str:
    """Remove every mark, đ -> d (the "marks stripped" task)."""
    return strip_marks(line)


def make_sets(words: int = 20000, corpora: Path | None = None, *,
              dev: bool = False) -> dict[str, tuple[Path, Path]]:
    """{name: (input, gold)} for correct and stripped text of each source.

    ``dev=True``: the same from the held-out documents after those of the benchmark's
    20,000-word test sets, for choosing parameters without looking at the test sets.
    """
    CACHE.mkdir(parents=True, exist_ok=True)
    sets = {}
    prefix = "dev-" if dev else ""
    for source in ("legal", "news", "wiki"):
        gold = CACHE / f"{prefix}{source}-{words}.gold.txt"
        stripped = CACHE / f"{prefix}{source}-{words}.stripped.txt"
        if not gold.exists() or not stripped.exists():
            lines = heldout_lines(source, words, corpora, skip_words=TEST_WORDS if dev else 0)
            gold.write_text("\n".join(lines) + "\n", encoding="utf-8")
            stripped.write_text("\n".join(map(strip_all, lines)) + "\n", encoding="utf-8")
        sets[f"{prefix}{source}-stripped"] = (stripped, gold)
        sets[f"{prefix}{source}-correct"] = (gold, gold)
    return sets


UD = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "ud-vtb"


def ud_sets(split: str = "dev") -> dict[str, tuple[Path, Path]]:
    """UD Vietnamese VTB sentences (news prose with dialogue and names; out of domain):
    {name: (input, gold)} with every mark removed and as they are."""
    CACHE.mkdir(parents=True, exist_ok=True)
    lines = [" ".join(line.split()) for line in
             (UD / f"{split}.txt").read_text(encoding="utf-8").split("\n") if line.strip()]
    gold = CACHE / f"ud-{split}.gold.txt"
    stripped = CACHE / f"ud-{split}.stripped.txt"
    if not gold.exists() or not stripped.exists():
        gold.write_text("\n".join(lines) + "\n", encoding="utf-8")
        stripped.write_text("\n".join(map(strip_all, lines)) + "\n", encoding="utf-8")
    return {f"ud-{split}-stripped": (stripped, gold), f"ud-{split}-correct": (gold, gold)}
