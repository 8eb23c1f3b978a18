"""Build the committed lexicons: words, abbreviations, gazetteer, administrative terms.

``python -m vnrestore.build lexicons [--corpora DIR] [--out lexicons]``

Sources (see the ``## Lexicons`` section this writes into ``lexicons/README.md``):
- underthesea's Viet74K word list and its administrative-units mapping (vietnamadminunits);
- collocations and all-caps abbreviations counted in the training documents of the corpora
  (held-out documents are never read);
- the hand-written lists in ``data/`` next to this module (general knowledge of Vietnamese
  administration, not taken from any test document; see each file's header).

Every output is plain UTF-8 text, NFC, old tone style, sorted, so the runtime loader only
has to read and split (see :mod:`vnrestore.lexicon`).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from array import array
from collections import Counter
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import regex

from ..lexicon import abbrev_key  # the runtime's key, so build and lookup agree
from ..vietnamese import is_syllable, nfc, place_tone
from .corpus import default_corpora_dir, iter_documents

PHRASE_SOURCES = ("legal",)
ABBREV_SOURCES = ("legal", "news", "wiki")
MIN_COUNT = 20  # an n-gram seen fewer times is noise at this corpus size
MIN_PMI = 3.5  # nats; "ủy ban" ~ 9, "của các" ~ 1
MAX_N = 4
# An n-gram is a fragment when one extension by a syllable covers this share of it.
FRAGMENT_SHARE = 0.9
FRAGMENT_GLUED = 0.5  # ... or the edge syllable forms a dictionary word this often
TOP_ADMIN_COLLOCATIONS = 150  # strongest mined phrases that also go to admin_terms.txt
MIN_ABBREV_COUNT = 10
# A marked abbreviation owns its mark-stripped key only if it makes up this share of every
# all-caps spelling with that key ("HĐ" vs "HD" = hướng dẫn are too close to call).
ABBREV_DOMINANCE = 0.8
MAX_WORDS_BYTES = 3_000_000

# Runs of letters and horizontal spaces: anything else (punctuation, digits, line breaks)
# ends a phrase, so no n-gram straddles a sentence or a list item.
_RUN = regex.compile(r"\p{L}+(?:[ \t]+\p{L}+)*")
_CAPS = regex.compile(r"(?<![\p{L}\p{N}])\p{Lu}{2,8}(?![\p{L}\p{N}])")


# --- hand-written lists (data/) -----------------------------------------------------------
# Plain files rather than literals in this module, so a reviewer reads them as data and a
# change to one shows up as a change of data; each file's header says what it holds.

def _data_lines(name: str, strip: bool = True) -> list[str]:
    """The entries of ``data/NAME``: lines that are neither blank nor ``#`` comments."""
    text = (resources.files("vnrestore.build") / "data" / name).read_text(encoding="utf-8")
    lines = (ln.strip() if strip else ln for ln in text.splitlines())
    return [ln for ln in lines if ln.strip() and not ln.startswith("#")]


@lru_cache(maxsize=1)
def boundary_words() -> frozenset[str]:
    """Function words, which make a poor first or last syllable of a collocation
    ("quy định của")."""
    return frozenset(w for line in _data_lines("boundary_words.txt") for w in line.split())


@lru_cache(maxsize=1)
def hand_admin_terms() -> tuple[str, ...]:
    """The hand-written administrative terms as written (``admin_terms`` validates them)."""
    return tuple(_data_lines("admin_terms.txt"))


def formulas() -> tuple[list[str], list[str]]:
    """The hand-written document formulas (NFC, old tone style) and the invalid ones: a
    formula is 2-10 words and punctuation marks, each word a syllable or an upper-case
    abbreviation."""
    from ..tokenize import Kind, tokenize

    good: list[str] = []
    bad: list[str] = []
    for line in _data_lines("formulas.txt"):
        text = " ".join(place_tone(w, "old") for w in nfc(line).split())
        tokens = [t for t in tokenize(text) if t.kind is not Kind.SPACE]
        ok = 2 <= len(tokens) <= 10 and all(
            (t.kind is Kind.PUNCT or norm_syllable(t.text) or t.text.isupper())
            and not t.code for t in tokens)
        (good if ok else bad).append(text)
    return good, bad


@lru_cache(maxsize=1)
def hand_abbreviations() -> tuple[tuple[str, str], ...]:
    """(abbreviation, expansion) in file order.  Entries sharing a mark-stripped key with
    another one ("HĐ" hội đồng vs "HD" hướng dẫn) are dropped by the build, so listing both
    is how an ambiguity is recorded."""
    rows = []
    for line in _data_lines("abbreviations.tsv", strip=False):  # keep the tab of an empty
        abbr, tab, expansion = line.partition("\t")            # expansion
        if not tab or "\t" in expansion:
            raise ValueError(f"data/abbreviations.tsv: not ABBREVIATION<TAB>expansion: "
                             f"{line!r}")
        rows.append((abbr, expansion))
    return tuple(rows)


@lru_cache(maxsize=1)
def unit_prefixes() -> tuple[str, ...]:
    """Kinds of administrative unit, removed from place names; the first match wins."""
    return tuple(_data_lines("unit_prefixes.txt"))


# --- normalization -----------------------------------------------------------------------

@lru_cache(maxsize=500_000)
def norm_syllable(word: str) -> str | None:
    """Lowercase old-style form of a syllable, or None if ``word`` is not one."""
    w = place_tone(nfc(word).lower(), "old")
    return w if is_syllable(w) else None


def norm_phrase(text: str) -> str | None:
    """Lowercase old-style phrase, or None if any part is not a Vietnamese syllable."""
    out = [norm_syllable(w) for w in text.split()]
    return " ".join(out) if out and None not in out else None  # type: ignore[arg-type]


def title_name(name: str) -> str:
    """"thường xuân" -> "Thường Xuân", tones in old style.

    Only first letters are raised: the source is in proper case already, and lowering the
    rest would spoil "Cây Trường II" or "Cư M'gar".
    """
    return " ".join(place_tone(w[:1].upper() + w[1:], "old") for w in name.split())


# --- counting ----------------------------------------------------------------------------

@dataclass
class Counts:
    """Syllable ids and n-gram counts over the phrase corpus."""

    vocab: dict[str, int] = field(default_factory=dict)
    ngrams: list[Counter] = field(default_factory=list)  # index n -> Counter of id tuples
    tokens: int = 0
    documents: int = 0
    _words: list[str] = field(default_factory=list, repr=False)

    def word(self, i: int) -> str:
        if len(self._words) != len(self.vocab):
            self._words = sorted(self.vocab, key=self.vocab.__getitem__)
        return self._words[i]


def encode_documents(corpora: Path, sources: Sequence[str], counts: Counts) -> list[array]:
    """Every run of consecutive syllables as an array of ids (non-syllables split runs)."""
    runs: list[array] = []
    vocab = counts.vocab
    for _, _, text in iter_documents(corpora, sources):
        counts.documents += 1
        for m in _RUN.finditer(nfc(text)):  # some legal files are NFD
            cur = array("I")
            for w in m.group().split():
                s = norm_syllable(w)
                if s is None:
                    if cur:
                        runs.append(cur)
                    cur = array("I")
                    continue
                cur.append(vocab.setdefault(s, len(vocab)))
            if cur:
                runs.append(cur)
    return runs


def count_ngrams(runs: list[array], counts: Counts, max_n: int, min_count: int) -> None:
    """Apriori counting: an n-gram is counted only if both its (n-1)-gram parts are frequent."""
    uni: Counter = Counter()
    for r in runs:
        uni.update(r)
    counts.tokens = sum(uni.values())
    counts.ngrams = [Counter(), Counter({(k,): v for k, v in uni.items()})]
    for n in range(2, max_n + 1):
        prev = {g for g, c in counts.ngrams[n - 1].items() if c >= min_count}
        cur: Counter = Counter()
        for r in runs:
            for i in range(len(r) - n + 1):
                g = tuple(r[i : i + n])
                if g[:-1] in prev and g[1:] in prev:
                    cur[g] += 1
        # Unigrams stay complete (PMI denominators); longer n-grams keep the frequent ones.
        counts.ngrams.append(Counter({g: c for g, c in cur.items() if c >= min_count}))


def pmi(counts: Counts, gram: tuple[int, ...]) -> float:
    """Weakest association over the binary splits: log c(g) N / (c(left) c(right))."""
    c = counts.ngrams[len(gram)][gram]
    best = math.inf
    for k in range(1, len(gram)):
        left = counts.ngrams[k].get(gram[:k], 0)
        right = counts.ngrams[len(gram) - k].get(gram[k:], 0)
        if not left or not right:
            return -math.inf
        best = min(best, math.log(c * counts.tokens / (left * right)))
    return best


def extensions(counts: Counts) -> dict[tuple[int, ...], tuple[Counter, Counter]]:
    """For each n-gram, counts of the syllables seen just before and just after it.

    Function words are left out: a phrase followed by "của" is still whole.
    """
    stop = {counts.vocab[w] for w in boundary_words() if w in counts.vocab}
    ext: dict[tuple[int, ...], tuple[Counter, Counter]] = {}
    for n in range(3, len(counts.ngrams)):
        for gram, c in counts.ngrams[n].items():
            if gram[0] not in stop:
                ext.setdefault(gram[1:], (Counter(), Counter()))[0][gram[0]] += c
            if gram[-1] not in stop:
                ext.setdefault(gram[:-1], (Counter(), Counter()))[1][gram[-1]] += c
    return ext


def is_fragment(counts: Counts, gram: tuple[int, ...], c: int, sides: tuple[Counter, Counter],
                dictionary: Container[str]) -> bool:
    """Is ``gram`` mostly a piece of something longer?

    True when one neighbour follows from it almost always ("ủy ban nhân" -> "dân"; a
    specifier that is merely common, "ủy ban nhân dân" -> "cấp", does not count), or when
    its edge syllable usually forms a dictionary word with the neighbour ("trí công việc"
    inside "vị trí / bố trí công việc").
    """
    for side, ext in enumerate(sides):
        top = ext.most_common(1)
        # A MAX_N-gram is kept even so: the longer phrase could not be listed instead.
        if len(gram) < MAX_N and top and top[0][1] >= FRAGMENT_SHARE * c:
            return True
        edge = counts.word(gram[-1] if side else gram[0])
        glued = sum(n for w, n in ext.items() if (
            f"{edge} {counts.word(w)}" if side else f"{counts.word(w)} {edge}") in dictionary)
        if glued >= FRAGMENT_GLUED * c:
            return True
    return False


def mine_phrases(counts: Counts, min_count: int, min_pmi: float,
                 dictionary: Container[str] = frozenset()) -> dict[str, float]:
    """Collocations: frequent, strongly associated, whole, no function word at either end.

    The longest n-grams (MAX_N + 1) are counted only to tell fragments (see ``is_fragment``).
    Returns phrase -> count x PMI, for ranking.
    """
    ext = extensions(counts)
    stop = boundary_words()
    empty: tuple[Counter, Counter] = (Counter(), Counter())
    out: dict[str, float] = {}
    for n in range(2, min(len(counts.ngrams), MAX_N + 1)):
        for gram, c in counts.ngrams[n].items():
            if c < min_count:
                continue
            words = [counts.word(i) for i in gram]
            if words[0] in stop or words[-1] in stop:
                continue
            a = pmi(counts, gram)
            if a >= min_pmi and not is_fragment(counts, gram, c, ext.get(gram, empty),
                                                 dictionary):
                out[" ".join(words)] = c * a
    return out


# --- abbreviations -----------------------------------------------------------------------

def count_caps(corpora: Path, sources: Sequence[str]) -> Counter:
    """Counts of all-caps tokens (2-8 letters) in the training documents."""
    caps: Counter = Counter()
    for _, _, text in iter_documents(corpora, sources):
        caps.update(_CAPS.findall(nfc(text)))
    return caps


# A capitalized word inside a sentence: after a lowercase letter (and a comma) and a space.
_CAPITALIZED = regex.compile(r"(?<=\p{Ll},? )\p{Lu}\p{Ll}+(?![\p{L}\p{N}])")


def count_capitalized(corpora: Path, sources: Sequence[str]) -> Counter:
    """How often each syllable is written capitalized inside a sentence in the training
    documents (names, mostly: "anh Thanh", "tỉnh Hải Dương"), by its lowercase form."""
    found: Counter = Counter()
    for _, _, text in iter_documents(corpora, sources):
        found.update(w.lower() for w in _CAPITALIZED.findall(nfc(text)))
    out: Counter = Counter()
    for word, c in found.items():
        syllable = norm_syllable(word)
        if syllable is not None:
            out[syllable] += c
    return out


def restores_marks(abbr: str) -> bool:
    """Does the entry change its key back into something else ("HDND" -> "HĐND")?"""
    return abbrev_key(abbr) != abbr.upper()


def spellings(caps: Counter) -> dict[str, Counter]:
    """All-caps spellings in the corpora grouped by key: "HDND" -> {HĐND: n, HDND: m}."""
    out: dict[str, Counter] = {}
    for tok, c in caps.items():
        out.setdefault(abbrev_key(tok), Counter())[tok] = c
    return out


def unsafe(abbr: str, seen: Counter) -> str | None:
    """Why the stripped key must not be turned into ``abbr``, or None if it may."""
    key = abbrev_key(abbr)
    if is_syllable(key.lower()):
        return f"key {key} is itself a syllable"
    total = sum(seen.values())
    # Codes such as "NĐ-CP" are never one caps token; their parts are judged one by one.
    mine = seen.get(abbr, 0) if regex.fullmatch(r"\p{Lu}+", abbr) else total
    if total >= MIN_ABBREV_COUNT and mine < ABBREV_DOMINANCE * total:
        rivals = ", ".join(f"{t} {c}" for t, c in seen.most_common(3))
        return f"the corpora spell {key} several ways ({rivals})"
    return None


def build_abbreviations(caps: Counter, min_count: int = MIN_ABBREV_COUNT
                        ) -> tuple[list[tuple[str, str]], list[str]]:
    """Hand-written entries plus mined marked all-caps tokens, one form per key.

    A key listed twice by hand is ambiguous by decision ("HĐ" hội đồng / "HD" hướng dẫn).
    Otherwise the hand-written form, else the commonest mined one, must pass ``unsafe``.
    Returns the (abbreviation, expansion) rows and a reason for each dropped key.
    """
    hand: dict[str, dict[str, str]] = {}
    for abbr, expansion in hand_abbreviations():
        hand.setdefault(abbrev_key(abbr), {}).setdefault(nfc(abbr), nfc(expansion))
    mined: dict[str, str] = {}
    for tok, c in caps.most_common():
        if c < min_count:
            break
        if restores_marks(tok) and not is_syllable(tok):
            mined.setdefault(abbrev_key(tok), tok)
    seen = spellings(caps)
    keep: list[tuple[str, str]] = []
    dropped: list[str] = []
    for key in sorted(hand.keys() | mined.keys()):
        forms = hand.get(key, {})
        if len(forms) > 1:
            dropped.append(f"{key}: ambiguous by hand ({' / '.join(forms)})")
            continue
        abbr = next(iter(forms), None) or mined[key]
        why = unsafe(abbr, seen.get(key, Counter())) if restores_marks(abbr) else None
        if why:
            dropped.append(f"{abbr}: {why}")
        else:
            keep.append((abbr, forms.get(abbr, "")))
    return keep, dropped


# --- word lists --------------------------------------------------------------------------

def default_underthesea_file(*parts: str) -> Path:
    import importlib.util

    spec = importlib.util.find_spec("underthesea")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("underthesea is not installed; pass --viet74k/--mapping")
    return Path(next(iter(spec.submodule_search_locations)), *parts)


def load_viet74k(path: Path) -> set[str]:
    """Multi-syllable (2-4) entries made only of Vietnamese syllables."""
    out: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        p = norm_phrase(line)
        if p and 2 <= p.count(" ") + 1 <= MAX_N:
            out.add(p)
    return out


def strip_unit(name: str) -> str:
    for prefix in unit_prefixes():
        if name.startswith(prefix + " "):
            return name[len(prefix) + 1 :]
    return name


def load_gazetteer(path: Path) -> set[str]:
    """Province, district and commune names (old and new), unit prefix removed."""
    data = json.loads(path.read_text(encoding="utf-8"))
    raw: set[str] = set()
    for table in ("province_names", "old_province_names"):
        for info in data.get(table, {}).values():
            raw.update((info.get("name", ""), info.get("short", "")))
    for row in data.get("ward_mapping", []):
        raw.update(row.get(k) or "" for k in ("old_province", "old_district", "old_ward",
                                                "new_province", "new_ward"))
    names: set[str] = set()
    for r in raw:
        # "Bà Rịa - Vũng Tàu", "Xuân Hương - Đà Lạt": each side is a name of its own.
        names.update(title_name(part) for part in strip_unit(nfc(r).strip()).split(" - "))
    # Numbered wards ("Phường 1") are not names.
    return {n for n in names if n and not any(ch.isdigit() for ch in n)}


def admin_terms(mined: dict[str, float]) -> tuple[set[str], set[str], list[str]]:
    """Hand-written terms (validated), the strongest mined collocations, invalid entries."""
    terms: set[str] = set()
    bad: list[str] = []
    for line in hand_admin_terms():
        line = line.split("#")[0].strip()
        if not line:
            continue
        p = norm_phrase(line)
        if p is None or " " not in p:
            bad.append(line)
        else:
            terms.add(p)
    top = sorted(mined, key=lambda p: -mined[p])[:TOP_ADMIN_COLLOCATIONS]
    return terms, set(top), bad


# --- output ------------------------------------------------------------------------------

def write_lines(path: Path, lines: Iterable[str], header: str = "") -> int:
    rows = list(lines)
    text = (header + "\n" if header else "") + "\n".join(rows) + "\n"
    path.write_text(text, encoding="utf-8")
    return len(rows)


@dataclass
class Report:
    stats: dict[str, object] = field(default_factory=dict)
    dropped_abbreviations: list[str] = field(default_factory=list)


def readme_section(r: Report) -> str:
    s = r.stats
    dropped = "\n".join(f"  - {d}" for d in r.dropped_abbreviations[:40]) or "  - (none)"
    more = len(r.dropped_abbreviations) - 40
    if more > 0:
        dropped += f"\n  - ... and {more} more (printed by the build)"
    table = "\n".join("| " + " | ".join(row) + " |" for row in (
        ("file", "entries", "what", "sources"), ("---",) * 4,
        ("`words.txt`", f"{s['words']}", f"2-{MAX_N}-syllable words and phrases, lowercase",
         f"Viet74K: {s['words_viet74k']}; mined: {s['words_mined']}"
         f" ({s['words_mined_new']} not in Viet74K)"),
        ("`admin_terms.txt`", f"{s['admin_terms']}", "administrative terms, lowercase",
         f"hand-written: {s['admin_hand']}; added from the top {TOP_ADMIN_COLLOCATIONS}"
         f" mined collocations: {s['admin_mined']}"),
        ("`formulas.txt`", f"{s['formulas']}",
         "document formulas as written, punctuation and abbreviations included",
         "hand-written (header, footer and signature blocks of Nghị định 30/2020/NĐ-CP)"),
        ("`gazetteer.txt`", f"{s['gazetteer']}", "place names, title case, no unit prefix",
         "underthesea `address/data/mapping.json`"),
        ("`abbreviations.tsv`", f"{s['abbreviations']}",
         "`ABBREV<TAB>expansion` (expansion may be empty)",
         f"hand-written: {s['abbrev_hand']}; mined from corpora: {s['abbrev_mined']}"),
        ("`capitalized.tsv`", f"{s['capitalized']}",
         "`syllable<TAB>count`: times written capitalized inside a sentence",
         "counted in the training documents of the corpora"),
    ))
    return f"""## Lexicons

Built by `python -m vnrestore.build lexicons --corpora ../shared/corpora --out lexicons`
(`src/vnrestore/build/lexicons.py`; the hand-written lists are in `src/vnrestore/build/data/`).
Loaded by `vnrestore.lexicon` (`get_lexicon()`, `load_lexicon(user_files)`). All files are UTF-8,
NFC, tone marks in the old style ("hòa", "thủy"), one entry per line, `#` starts a comment line.
Only held-in (training) corpus documents are read: a document is held out iff
`crc32("source/id") % 20 == 0`.

{table}

- **Viet74K** (`underthesea/corpus/data/Viet74K.txt`, underthesea {s['underthesea']},
  Apache-2.0): entries of {MAX_N} syllables at most whose every syllable is a valid Vietnamese
  syllable; hyphenated loanwords and longer idioms are left out.
- **Mined collocations**: from the training documents of `{', '.join(PHRASE_SOURCES)}`
  ({s['phrase_docs']} documents, {s['phrase_tokens']:,} syllables). Runs of syllables between
  punctuation; 2-{MAX_N}-grams with count >= {MIN_COUNT} and PMI >= {MIN_PMI} nats for
  *every* binary split (so "ủy ban nhân dân" qualifies but "quy định của" does not), neither
  starting nor ending on a function word. Only the phrase list is committed, never text.
- **Gazetteer**: provinces (old 63 and new 34), districts and communes/wards before and after
  the 2025 reorganisation, from underthesea's copy of the vietnamadminunits data
  ({s['mapping_source']} {s['mapping_version']}, MIT licence; underthesea itself is
  Apache-2.0). Unit prefixes removed
  ({', '.join(unit_prefixes())}), numbered wards dropped, "A - B" compounds split.
- **Abbreviations**: a hand-written list of administrative abbreviations with expansions,
  plus every all-caps token of 2-8 letters that carries marks, is not a syllable and occurs
  >= {MIN_ABBREV_COUNT} times in the training documents of `{', '.join(ABBREV_SOURCES)}`. The
  decoder looks an abbreviation up by its mark-stripped upper-case key ("HDND" -> "HĐND"),
  so an entry is dropped when its key is ambiguous: two entries share it, the key is itself a
  syllable (ĐU -> "du"), or the corpora spell it another way in more than
  {round((1 - ABBREV_DOMINANCE) * 100)}% of cases. Dropped here ({len(r.dropped_abbreviations)}):
{dropped}
- **Capitalized counts**: every syllable written with a capital inside a sentence (after a
  lowercase letter, or its comma, and a space) in the training documents of
  `{', '.join(ABBREV_SOURCES)}`, by its lowercase old-style form: names, mostly ("anh
  Thanh", "tỉnh Hải Dương"). The restorer reads a capitalized word of marks-stripped
  text by these shares (`RestoreConfig.name_prior`). Counts only; no text.
- **Hand-written lists** (`src/vnrestore/build/data/`): general knowledge of Vietnamese
  administration; nothing was copied from the seed documents in `../shared/seeds`.
- **Corpora attribution**: the abbreviation and capitalized counts include Vietnamese
  Wikipedia articles (CC BY-SA 4.0, https://vi.wikipedia.org, by the Wikipedia
  contributors); news and legal text were used for counting only. No corpus text is
  committed.
"""


def update_readme(path: Path, section: str) -> None:
    """Replace (or append) only the ``## Lexicons`` section; other sections stay as they are."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# lexicons/\n"
    m = regex.search(r"(?ms)^## Lexicons\n.*?(?=^## |\Z)", text)
    if m:
        text = text[: m.start()] + section + ("\n" if m.end() < len(text) else "") + \
            text[m.end() :]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m vnrestore.build lexicons",
                                description=__doc__.split("\n\n")[0])
    p.add_argument("--corpora", type=Path, default=None, help="default: ../shared/corpora")
    p.add_argument("--out", type=Path, default=Path("lexicons"))
    p.add_argument("--viet74k", type=Path, help="default: underthesea's Viet74K.txt")
    p.add_argument("--mapping", type=Path, help="default: underthesea's address mapping.json")
    p.add_argument("--phrase-sources", default=",".join(PHRASE_SOURCES))
    p.add_argument("--abbrev-sources", default=",".join(ABBREV_SOURCES))
    p.add_argument("--min-count", type=int, default=MIN_COUNT)
    p.add_argument("--min-pmi", type=float, default=MIN_PMI)
    p.add_argument("--min-abbrev-count", type=int, default=MIN_ABBREV_COUNT)
    return p.parse_args(list(argv))


def available(corpora: Path, sources: str) -> list[str]:
    """The requested sources that exist in ``corpora`` (a fixture may hold only one)."""
    return [s for s in sources.split(",") if s and (corpora / f"{s}.jsonl.gz").exists()]


def main(argv: Sequence[str] = ()) -> int:
    args = parse_args(argv)
    corpora: Path = args.corpora or default_corpora_dir()
    start = time.perf_counter()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    report = Report()
    s = report.stats

    def log(msg: str) -> None:
        print(f"[lexicons {time.perf_counter() - start:6.1f}s] {msg}", file=sys.stderr)

    viet74k = load_viet74k(args.viet74k or default_underthesea_file("corpus", "data",
                                                                     "Viet74K.txt"))
    log(f"Viet74K: {len(viet74k)} multi-syllable entries")

    counts = Counts()
    runs = encode_documents(corpora, available(corpora, args.phrase_sources), counts)
    count_ngrams(runs, counts, MAX_N + 1, args.min_count)
    del runs
    mined = mine_phrases(counts, args.min_count, args.min_pmi, viet74k)
    log(f"mined {len(mined)} collocations from {counts.documents} documents")

    words = viet74k | set(mined)
    n_words = write_lines(out / "words.txt", sorted(words))
    if (out / "words.txt").stat().st_size > MAX_WORDS_BYTES:
        log("warning: words.txt is larger than 3 MB")

    hand_terms, top_terms, bad = admin_terms(mined)
    if bad:
        raise SystemExit(f"data/admin_terms.txt has invalid entries: {bad}")
    n_terms = write_lines(out / "admin_terms.txt", sorted(hand_terms | top_terms))
    good_formulas, bad = formulas()
    if bad:
        raise SystemExit(f"data/formulas.txt has invalid entries: {bad}")
    n_formulas = write_lines(out / "formulas.txt", good_formulas)

    mapping_path = args.mapping or default_underthesea_file("address", "data", "mapping.json")
    names = load_gazetteer(mapping_path)
    n_names = write_lines(out / "gazetteer.txt", sorted(names))
    meta = json.loads(mapping_path.read_text(encoding="utf-8")).get("metadata", {})

    caps = count_caps(corpora, available(corpora, args.abbrev_sources))
    rows, report.dropped_abbreviations = build_abbreviations(caps, args.min_abbrev_count)
    hand = {nfc(a) for a, _ in hand_abbreviations()}
    n_abbr = write_lines(out / "abbreviations.tsv", (f"{a}\t{e}" for a, e in rows),
                         "# ABBREVIATION<TAB>expansion; looked up by mark-stripped upper-case key")
    for d in report.dropped_abbreviations:
        log(f"abbreviation dropped: {d}")
    capitalized = count_capitalized(corpora, available(corpora, args.abbrev_sources))
    n_capitalized = write_lines(out / "capitalized.tsv",
                                (f"{w}\t{c}" for w, c in capitalized.most_common()),
                                "# SYLLABLE<TAB>times written capitalized inside a sentence")

    s.update(words=n_words, words_viet74k=len(viet74k), words_mined=len(mined),
             words_mined_new=len(set(mined) - viet74k), admin_terms=n_terms,
             admin_hand=len(hand_terms), admin_mined=len(top_terms - hand_terms),
             formulas=n_formulas,
             gazetteer=n_names,
             abbreviations=n_abbr, abbrev_hand=sum(a in hand for a, _ in rows),
             abbrev_mined=sum(a not in hand for a, _ in rows), capitalized=n_capitalized,
             underthesea=_version(),
             mapping_source=meta.get("source", "?"), mapping_version=meta.get("version", "?"),
             phrase_docs=counts.documents, phrase_tokens=counts.tokens)
    update_readme(out / "README.md", readme_section(report))
    log(f"wrote {n_words} words, {n_terms} admin terms, {n_names} names, "
        f"{n_abbr} abbreviations to {out}/")
    return 0


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("underthesea")
    except PackageNotFoundError:
        return "?"


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
