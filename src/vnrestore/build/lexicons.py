"""Build the committed lexicons: words, abbreviations, gazetteer, administrative terms.

``python -m vnrestore.build lexicons [--corpora DIR] [--out lexicons]``

Sources (see the ``## Lexicons`` section this writes into ``lexicons/README.md``):
- underthesea's Viet74K word list and its administrative-units mapping (vietnamadminunits);
- collocations and all-caps abbreviations counted in the training documents of the corpora
  (held-out documents are never read);
- the hand-written lists at the end of this module (general knowledge of Vietnamese
  administration, not taken from any test document).

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
UNIT_PREFIXES = ("Thành phố", "Thị xã", "Thị trấn", "Đặc khu", "Tỉnh", "Huyện", "Quận", "Xã",
                 "Phường")
MAX_WORDS_BYTES = 3_000_000

# Runs of letters and horizontal spaces: anything else (punctuation, digits, line breaks)
# ends a phrase, so no n-gram straddles a sentence or a list item.
_RUN = regex.compile(r"\p{L}+(?:[ \t]+\p{L}+)*")
_CAPS = regex.compile(r"(?<![\p{L}\p{N}])\p{Lu}{2,8}(?![\p{L}\p{N}])")


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
    stop = {counts.vocab[w] for w in BOUNDARY_WORDS if w in counts.vocab}
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
    empty = (Counter(), Counter())
    out: dict[str, float] = {}
    for n in range(2, min(len(counts.ngrams), MAX_N + 1)):
        for gram, c in counts.ngrams[n].items():
            if c < min_count:
                continue
            words = [counts.word(i) for i in gram]
            if words[0] in BOUNDARY_WORDS or words[-1] in BOUNDARY_WORDS:
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
    for abbr, expansion in ABBREVIATIONS:
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
    for prefix in UNIT_PREFIXES:
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
    for line in ADMIN_TERMS.splitlines():
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
        ("`gazetteer.txt`", f"{s['gazetteer']}", "place names, title case, no unit prefix",
         "underthesea `address/data/mapping.json`"),
        ("`abbreviations.tsv`", f"{s['abbreviations']}",
         "`ABBREV<TAB>expansion` (expansion may be empty)",
         f"hand-written: {s['abbrev_hand']}; mined from corpora: {s['abbrev_mined']}"),
    ))
    return f"""## Lexicons

Built by `python -m vnrestore.build lexicons --corpora ../shared/corpora --out lexicons`
(`src/vnrestore/build/lexicons.py`, which also holds the hand-written lists).
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
  ({', '.join(UNIT_PREFIXES)}), numbered wards dropped, "A - B" compounds split.
- **Abbreviations**: a hand-written list of administrative abbreviations with expansions,
  plus every all-caps token of 2-8 letters that carries marks, is not a syllable and occurs
  >= {MIN_ABBREV_COUNT} times in the training documents of `{', '.join(ABBREV_SOURCES)}`. The
  decoder looks an abbreviation up by its mark-stripped upper-case key ("HDND" -> "HĐND"),
  so an entry is dropped when its key is ambiguous: two entries share it, the key is itself a
  syllable (ĐU -> "du"), or the corpora spell it another way in more than
  {round((1 - ABBREV_DOMINANCE) * 100)}% of cases. Dropped here ({len(r.dropped_abbreviations)}):
{dropped}
- **Hand-written lists** (in the builder): general knowledge of Vietnamese administration;
  nothing was copied from the seed documents in `../shared/seeds`.
- **Corpora attribution**: the abbreviation counts include Vietnamese Wikipedia articles
  (CC BY-SA 4.0, https://vi.wikipedia.org, by the Wikipedia contributors); news and legal
  text were used for counting only. No corpus text is committed.
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
        raise SystemExit(f"ADMIN_TERMS has invalid entries: {bad}")
    n_terms = write_lines(out / "admin_terms.txt", sorted(hand_terms | top_terms))

    mapping_path = args.mapping or default_underthesea_file("address", "data", "mapping.json")
    names = load_gazetteer(mapping_path)
    n_names = write_lines(out / "gazetteer.txt", sorted(names))
    meta = json.loads(mapping_path.read_text(encoding="utf-8")).get("metadata", {})

    caps = count_caps(corpora, available(corpora, args.abbrev_sources))
    rows, report.dropped_abbreviations = build_abbreviations(caps, args.min_abbrev_count)
    hand = {nfc(a) for a, _ in ABBREVIATIONS}
    n_abbr = write_lines(out / "abbreviations.tsv", (f"{a}\t{e}" for a, e in rows),
                         "# ABBREVIATION<TAB>expansion; looked up by mark-stripped upper-case key")
    for d in report.dropped_abbreviations:
        log(f"abbreviation dropped: {d}")

    s.update(words=n_words, words_viet74k=len(viet74k), words_mined=len(mined),
             words_mined_new=len(set(mined) - viet74k), admin_terms=n_terms,
             admin_hand=len(hand_terms), admin_mined=len(top_terms - hand_terms),
             gazetteer=n_names,
             abbreviations=n_abbr, abbrev_hand=sum(a in hand for a, _ in rows),
             abbrev_mined=sum(a not in hand for a, _ in rows), underthesea=_version(),
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

# --- hand-written lists (general knowledge of Vietnamese administration) ----------------

# Words that make a poor first or last syllable of a collocation ("quy định của").
BOUNDARY_WORDS = frozenset("""
của và các những được có là theo trong cho với này đó đây thì mà để từ đến tại về khi nếu
do bởi vì hoặc hay cũng đã đang sẽ không chưa một mọi mỗi từng phải nhưng như ở bị nào gì
ai ra vào lên trên dưới sau trước nên rằng còn chỉ rất đều vẫn lại qua bằng thêm gồm
""".split())

ADMIN_TERMS = """
# Party organs and offices
ban chấp hành
ban chấp hành trung ương
ban chấp hành đảng bộ
ban thường vụ
ban thường vụ huyện ủy
ban thường vụ tỉnh ủy
ban thường vụ thành ủy
ban thường vụ đảng ủy
ban bí thư
bộ chính trị
ban tuyên giáo
ban tuyên giáo trung ương
ban tuyên giáo huyện ủy
ban tuyên giáo tỉnh ủy
ban tổ chức
ban tổ chức trung ương
ban dân vận
ban kiểm tra
ủy ban kiểm tra
ban nội chính
ban kinh tế
ban cán sự đảng
đảng đoàn
văn phòng huyện ủy
văn phòng tỉnh ủy
huyện ủy
tỉnh ủy
thành ủy
thị ủy
quận ủy
đảng ủy
đảng bộ
chi bộ
chi ủy
cấp ủy
đảng viên
bí thư
phó bí thư
bí thư chi bộ
tổ chức đảng
tổ chức cơ sở đảng
đại hội đảng
đại hội đảng bộ
đảng cộng sản việt nam
trung ương đảng
thường trực huyện ủy
thường trực tỉnh ủy
ủy viên
ủy viên ban thường vụ
ủy viên ban chấp hành
trưởng ban
phó trưởng ban
trung tâm chính trị
trung tâm bồi dưỡng chính trị
học viện chính trị quốc gia hồ chí minh
# State bodies
quốc hội
ủy ban thường vụ quốc hội
đại biểu quốc hội
đoàn đại biểu quốc hội
chính phủ
thủ tướng
thủ tướng chính phủ
phó thủ tướng
chủ tịch nước
văn phòng chính phủ
ủy ban nhân dân
hội đồng nhân dân
thường trực hội đồng nhân dân
đại biểu hội đồng nhân dân
văn phòng hội đồng nhân dân và ủy ban nhân dân
chủ tịch
phó chủ tịch
chủ tịch ủy ban nhân dân
phó chủ tịch ủy ban nhân dân
chủ tịch hội đồng nhân dân
bộ trưởng
thứ trưởng
giám đốc
phó giám đốc
trưởng phòng
phó trưởng phòng
chánh văn phòng
phó chánh văn phòng
chánh thanh tra
văn phòng
thanh tra
thanh tra chính phủ
thanh tra huyện
thanh tra tỉnh
kiểm toán nhà nước
ngân hàng nhà nước
kho bạc nhà nước
ngân hàng chính sách xã hội
bảo hiểm xã hội
bảo hiểm y tế
bảo hiểm thất nghiệp
chi cục thuế
cục thuế
tổng cục
cục trưởng
chi cục
viện kiểm sát nhân dân
tòa án nhân dân
thi hành án dân sự
công an
công an huyện
công an tỉnh
công an xã
công an nhân dân
quân đội nhân dân
ban chỉ huy quân sự
bộ chỉ huy quân sự
bộ đội biên phòng
đồn biên phòng
dân quân tự vệ
nghĩa vụ quân sự
# Ministries and departments
bộ nội vụ
bộ tư pháp
bộ tài chính
bộ kế hoạch và đầu tư
bộ công an
bộ quốc phòng
bộ ngoại giao
bộ giáo dục và đào tạo
bộ y tế
bộ công thương
bộ xây dựng
bộ giao thông vận tải
bộ nông nghiệp và phát triển nông thôn
bộ nông nghiệp và môi trường
bộ tài nguyên và môi trường
bộ thông tin và truyền thông
bộ văn hóa thể thao và du lịch
bộ lao động thương binh và xã hội
bộ khoa học và công nghệ
ủy ban dân tộc
sở nội vụ
sở tư pháp
sở tài chính
sở kế hoạch và đầu tư
sở giáo dục và đào tạo
sở y tế
sở công thương
sở xây dựng
sở giao thông vận tải
sở thông tin và truyền thông
sở văn hóa thể thao và du lịch
sở lao động thương binh và xã hội
sở tài nguyên và môi trường
sở nông nghiệp và phát triển nông thôn
sở khoa học và công nghệ
sở ngoại vụ
phòng nội vụ
phòng tư pháp
phòng tài chính kế hoạch
phòng giáo dục và đào tạo
phòng y tế
phòng văn hóa và thông tin
phòng văn hóa thông tin
phòng tài nguyên và môi trường
phòng nông nghiệp và phát triển nông thôn
phòng kinh tế
phòng kinh tế và hạ tầng
phòng kinh tế hạ tầng
phòng quản lý đô thị
phòng lao động thương binh và xã hội
phòng dân tộc
trung tâm y tế
trung tâm văn hóa
trung tâm văn hóa thông tin
trung tâm văn hóa thông tin và thể thao
trung tâm văn hóa thể thao và truyền thông
trung tâm dịch vụ nông nghiệp
trung tâm giáo dục nghề nghiệp
trung tâm giáo dục thường xuyên
đài phát thanh
đài truyền thanh
đài phát thanh và truyền hình
ban quản lý
ban quản lý dự án
ban chỉ đạo
tổ công tác
hội đồng thi đua khen thưởng
# Front and mass organisations
mặt trận tổ quốc
mặt trận tổ quốc việt nam
ủy ban mặt trận tổ quốc
ban công tác mặt trận
đoàn thể
các đoàn thể
tổ chức chính trị xã hội
đoàn thanh niên
đoàn thanh niên cộng sản hồ chí minh
hội liên hiệp phụ nữ
hội phụ nữ
hội nông dân
hội cựu chiến binh
cựu chiến binh
liên đoàn lao động
công đoàn
hội chữ thập đỏ
hội người cao tuổi
hội khuyến học
hội cựu thanh niên xung phong
thanh niên xung phong
# Kinds of documents
kế hoạch
nghị quyết
kết luận
quyết định
chỉ thị
công văn
tờ trình
báo cáo
thông báo
hướng dẫn
thông tư
thông tư liên tịch
nghị định
pháp lệnh
hiến pháp
bộ luật
điều lệ
quy chế
quy định
chương trình
chương trình hành động
đề án
dự án
phương án
biên bản
công điện
giấy mời
giấy phép
văn bản
văn bản quy phạm pháp luật
nghị quyết liên tịch
quy chế phối hợp
kết luận số
nơi nhận
như trên
lưu văn thư
văn thư
thay mặt
ký thay
thừa lệnh
thừa ủy quyền
bản sao
bản chính
sao y bản chính
# National heading
cộng hòa xã hội chủ nghĩa việt nam
độc lập
tự do
hạnh phúc
độc lập tự do hạnh phúc
xã hội chủ nghĩa
chủ nghĩa xã hội
chủ nghĩa mác lê nin
tư tưởng hồ chí minh
học tập và làm theo tư tưởng đạo đức phong cách hồ chí minh
# Units and levels
thành phố
thành phố trực thuộc trung ương
thị xã
thị trấn
cấp tỉnh
cấp huyện
cấp xã
trung ương
địa phương
cơ sở
địa bàn
trên địa bàn
đơn vị hành chính
thôn bản
khu dân cư
tổ dân phố
khu phố
trưởng thôn
trưởng bản
xã phường thị trấn
cơ quan
đơn vị
cơ quan đơn vị
ban ngành
các ban ngành
ban ngành đoàn thể
# Policy vocabulary
thông tin đối ngoại
công tác thông tin đối ngoại
hoạt động thông tin đối ngoại
thông tin tuyên truyền
công tác tuyên truyền
tuyên truyền
quản lý nhà nước
kinh tế xã hội
phát triển kinh tế xã hội
quốc phòng an ninh
an ninh quốc phòng
an ninh chính trị
trật tự an toàn xã hội
an ninh trật tự
hệ thống chính trị
cải cách hành chính
thủ tục hành chính
ngân sách
ngân sách nhà nước
kinh phí
kinh phí thực hiện
dự toán
nguồn vốn
đầu tư công
nông thôn mới
xây dựng nông thôn mới
chương trình mục tiêu quốc gia
giảm nghèo
giảm nghèo bền vững
an sinh xã hội
chính sách xã hội
dân tộc thiểu số
đồng bào dân tộc thiểu số
vùng đồng bào dân tộc thiểu số và miền núi
miền núi
vùng sâu vùng xa
biên giới
biển đảo
chủ quyền
lãnh thổ
toàn vẹn lãnh thổ
chủ quyền biển đảo
đối ngoại
đối ngoại nhân dân
hội nhập quốc tế
hợp tác quốc tế
người việt nam ở nước ngoài
chuyển đổi số
chính quyền điện tử
chính quyền số
cổng thông tin điện tử
trang thông tin điện tử
mạng xã hội
báo chí
phát thanh
truyền hình
truyền thanh cơ sở
cán bộ
công chức
viên chức
người lao động
cán bộ công chức viên chức
đội ngũ cán bộ
thi đua
khen thưởng
thi đua khen thưởng
kỷ luật
kiểm tra giám sát
kiểm tra
giám sát
tiếp công dân
khiếu nại tố cáo
phòng chống tham nhũng
thực hành tiết kiệm chống lãng phí
đường lối
chủ trương
chính sách
pháp luật
chủ trương đường lối
quan điểm
nhiệm vụ
giải pháp
mục tiêu
mục đích
yêu cầu
nội dung
tổ chức thực hiện
phân công nhiệm vụ
trách nhiệm
chế độ báo cáo
định kỳ
đột xuất
sơ kết
tổng kết
đánh giá
triển khai
thực hiện
ban hành
phối hợp
chỉ đạo
lãnh đạo
quản lý
điều hành
tham mưu
đề xuất
kiến nghị
theo dõi
đôn đốc
tổng hợp
năm học
giáo dục
đào tạo
y tế
văn hóa
thể thao
du lịch
môi trường
tài nguyên
đất đai
quy hoạch
kế hoạch sử dụng đất
giải phóng mặt bằng
xây dựng cơ bản
kết cấu hạ tầng
hạ tầng
giao thông
giao thông nông thôn
thủy lợi
nông nghiệp
lâm nghiệp
thủy sản
chăn nuôi
trồng trọt
doanh nghiệp
hợp tác xã
kinh tế tập thể
thương mại
dịch vụ
công nghiệp
tiểu thủ công nghiệp
làng nghề
khu công nghiệp
cụm công nghiệp
phòng cháy chữa cháy
phòng chống thiên tai
tìm kiếm cứu nạn
an toàn thực phẩm
vệ sinh an toàn thực phẩm
an toàn giao thông
dân số
kế hoạch hóa gia đình
trẻ em
bình đẳng giới
người có công
thương binh
liệt sĩ
gia đình chính sách
bảo trợ xã hội
việc làm
dạy nghề
giáo dục nghề nghiệp
mầm non
tiểu học
trung học cơ sở
trung học phổ thông
phổ thông
đại học
cao đẳng
trung cấp
tôn giáo
tín ngưỡng
công tác dân tộc
dân chủ
nhân quyền
quyền con người
dân chủ ở cơ sở
quy chế dân chủ
dư luận xã hội
luận điệu sai trái
thế lực thù địch
diễn biến hòa bình
tự diễn biến
tự chuyển hóa
bảo vệ nền tảng tư tưởng của đảng
bí mật nhà nước
bảo vệ bí mật nhà nước
phát ngôn
người phát ngôn
cung cấp thông tin
họp báo
đồng chí
nhân dân
quần chúng nhân dân
đồng thuận
khối đại đoàn kết toàn dân tộc
đại đoàn kết
sức mạnh tổng hợp
công nghiệp hóa hiện đại hóa
tăng trưởng kinh tế
chuyển dịch cơ cấu kinh tế
thu hút đầu tư
xúc tiến đầu tư
quảng bá
hình ảnh
tiềm năng
lợi thế
di tích
di sản
lễ hội
văn hóa văn nghệ
thể dục thể thao
""".strip()

# (abbreviation, expansion).  Entries sharing a mark-stripped key with another one
# ("HĐ" hội đồng vs "HD" hướng dẫn) are dropped by the build, so listing both is how an
# ambiguity is recorded.
ABBREVIATIONS: tuple[tuple[str, str], ...] = tuple(
    tuple(line.split("\t")) for line in """
UBND	Ủy ban nhân dân
HĐND	Hội đồng nhân dân
HĐND-UBND	Hội đồng nhân dân - Ủy ban nhân dân
TTHĐND	Thường trực Hội đồng nhân dân
BCH	Ban Chấp hành
BCHTW	Ban Chấp hành Trung ương
BTV	Ban Thường vụ
BBT	Ban Bí thư
MTTQ	Mặt trận Tổ quốc
MTTQVN	Mặt trận Tổ quốc Việt Nam
UBMTTQ	Ủy ban Mặt trận Tổ quốc
UBMTTQVN	Ủy ban Mặt trận Tổ quốc Việt Nam
TW	Trung ương
TƯ	Trung ương
NĐ	Nghị định
NĐ-CP	Nghị định của Chính phủ
NQ	Nghị quyết
NQ-CP	Nghị quyết của Chính phủ
NQ/TW	Nghị quyết của Trung ương
NQ-HĐND	Nghị quyết của Hội đồng nhân dân
NQLT	Nghị quyết liên tịch
QĐ	Quyết định
QĐ-TTg	Quyết định của Thủ tướng Chính phủ
QĐ-UBND	Quyết định của Ủy ban nhân dân
QĐ-BTC	Quyết định của Bộ Tài chính
QĐ/TW	Quyết định của Trung ương
QĐ-CT	Quyết định của Chủ tịch
CT	Chỉ thị; Chủ tịch
CT-TTg	Chỉ thị của Thủ tướng Chính phủ
CT/TW	Chỉ thị của Trung ương
KL	Kết luận
KL/TW	Kết luận của Trung ương
KH	Kế hoạch
KH-UBND	Kế hoạch của Ủy ban nhân dân
TB	Thông báo
BC	Báo cáo
TTr	Tờ trình
CV	Công văn
HD	Hướng dẫn
HĐ	Hợp đồng; Hội đồng
TT	Thông tư; Thị trấn
TTLT	Thông tư liên tịch
TT-BTC	Thông tư của Bộ Tài chính
TT-BNV	Thông tư của Bộ Nội vụ
TTg	Thủ tướng
CP	Chính phủ
QH	Quốc hội
UBTVQH	Ủy ban Thường vụ Quốc hội
ĐBQH	Đại biểu Quốc hội
ĐĐBQH	Đoàn đại biểu Quốc hội
ĐB	Đại biểu
CĐ	Công điện; Cao đẳng; Công đoàn
VPCP	Văn phòng Chính phủ
BNV	Bộ Nội vụ
BTC	Bộ Tài chính; Ban Tổ chức
BTP	Bộ Tư pháp
BCA	Bộ Công an
BQP	Bộ Quốc phòng
BNG	Bộ Ngoại giao
BYT	Bộ Y tế
BCT	Bộ Công Thương; Bộ Chính trị
BXD	Bộ Xây dựng
BGDĐT	Bộ Giáo dục và Đào tạo
BGTVT	Bộ Giao thông vận tải
BTNMT	Bộ Tài nguyên và Môi trường
BTTTT	Bộ Thông tin và Truyền thông
BVHTTDL	Bộ Văn hóa, Thể thao và Du lịch
BLĐTBXH	Bộ Lao động - Thương binh và Xã hội
BKHĐT	Bộ Kế hoạch và Đầu tư
BKHCN	Bộ Khoa học và Công nghệ
BNNPTNT	Bộ Nông nghiệp và Phát triển nông thôn
NHNN	Ngân hàng Nhà nước
BTG	Ban Tuyên giáo
BTGTU	Ban Tuyên giáo Tỉnh ủy
BTGHU	Ban Tuyên giáo Huyện ủy
BDV	Ban Dân vận
BTCTW	Ban Tổ chức Trung ương
UBKT	Ủy ban Kiểm tra
BNC	Ban Nội chính
HU	Huyện ủy
TU	Tỉnh ủy
ThU	Thành ủy
QU	Quận ủy
ĐU	Đảng ủy
ĐUK	Đảng ủy Khối
BTVHU	Ban Thường vụ Huyện ủy
BTVTU	Ban Thường vụ Tỉnh ủy
TTHU	Thường trực Huyện ủy
TTTU	Thường trực Tỉnh ủy
ĐCSVN	Đảng Cộng sản Việt Nam
TCCSĐ	Tổ chức cơ sở đảng
ĐV	Đảng viên; Đơn vị
UVBTV	Ủy viên Ban Thường vụ
UVBCH	Ủy viên Ban Chấp hành
ĐTN	Đoàn Thanh niên
ĐTNCS	Đoàn Thanh niên Cộng sản
TNCS	Thanh niên Cộng sản
HLHPN	Hội Liên hiệp Phụ nữ
LHPN	Liên hiệp Phụ nữ
HND	Hội Nông dân
HCCB	Hội Cựu chiến binh
CCB	Cựu chiến binh
LĐLĐ	Liên đoàn Lao động
TLĐLĐVN	Tổng Liên đoàn Lao động Việt Nam
QLNN	Quản lý nhà nước
KT-XH	Kinh tế - xã hội
KTXH	Kinh tế - xã hội
QP-AN	Quốc phòng - an ninh
QPAN	Quốc phòng - an ninh
ANQP	An ninh - quốc phòng
ANTT	An ninh trật tự
ANCT	An ninh chính trị
TTATXH	Trật tự an toàn xã hội
CCHC	Cải cách hành chính
TTHC	Thủ tục hành chính
CNTT	Công nghệ thông tin
CĐS	Chuyển đổi số
NTM	Nông thôn mới
XDNTM	Xây dựng nông thôn mới
MTQG	Mục tiêu quốc gia
CTMTQG	Chương trình mục tiêu quốc gia
DTTS	Dân tộc thiểu số
DTTS&MN	Dân tộc thiểu số và miền núi
KT	Ký thay; Kinh tế
TM	Thay mặt
TL	Thừa lệnh
TUQ	Thừa ủy quyền
VT	Văn thư
VP	Văn phòng
VPUB	Văn phòng Ủy ban
VPHU	Văn phòng Huyện ủy
VPTU	Văn phòng Tỉnh ủy
VHTT	Văn hóa - Thông tin
VH-TT	Văn hóa - Thông tin
VHTTDL	Văn hóa, Thể thao và Du lịch
TN&MT	Tài nguyên và Môi trường
TNMT	Tài nguyên và Môi trường
NN&PTNT	Nông nghiệp và Phát triển nông thôn
NNPTNT	Nông nghiệp và Phát triển nông thôn
GD&ĐT	Giáo dục và Đào tạo
GDĐT	Giáo dục và Đào tạo
LĐTB&XH	Lao động - Thương binh và Xã hội
LĐTBXH	Lao động - Thương binh và Xã hội
KH&CN	Khoa học và Công nghệ
KHCN	Khoa học và Công nghệ
KH&ĐT	Kế hoạch và Đầu tư
KHĐT	Kế hoạch và Đầu tư
TC-KH	Tài chính - Kế hoạch
TCKH	Tài chính - Kế hoạch
KT-HT	Kinh tế - Hạ tầng
KTHT	Kinh tế - Hạ tầng
TT&TT	Thông tin và Truyền thông
TTTT	Thông tin và Truyền thông
TTĐN	Thông tin đối ngoại
TTYT	Trung tâm Y tế
TTVH	Trung tâm Văn hóa
TTVHTT	Trung tâm Văn hóa - Thông tin
TTCT	Trung tâm Chính trị
PTTH	Phát thanh - Truyền hình
BHXH	Bảo hiểm xã hội
BHYT	Bảo hiểm y tế
BHTN	Bảo hiểm thất nghiệp
THPT	Trung học phổ thông
THCS	Trung học cơ sở
TH	Tiểu học
MN	Mầm non
PTDTBT	Phổ thông dân tộc bán trú
PTDTNT	Phổ thông dân tộc nội trú
GDTX	Giáo dục thường xuyên
GDNN	Giáo dục nghề nghiệp
GDNN-GDTX	Giáo dục nghề nghiệp - Giáo dục thường xuyên
ĐH	Đại học; Đại hội
ĐHQG	Đại học Quốc gia
CA	Công an
CAND	Công an nhân dân
QĐND	Quân đội nhân dân
BCHQS	Ban Chỉ huy quân sự
BĐBP	Bộ đội Biên phòng
VKSND	Viện kiểm sát nhân dân
TAND	Tòa án nhân dân
HĐXX	Hội đồng xét xử
THADS	Thi hành án dân sự
KBNN	Kho bạc Nhà nước
NHCSXH	Ngân hàng Chính sách xã hội
NSNN	Ngân sách nhà nước
XDCB	Xây dựng cơ bản
GPMB	Giải phóng mặt bằng
ĐTXD	Đầu tư xây dựng
QSDĐ	Quyền sử dụng đất
GCNQSDĐ	Giấy chứng nhận quyền sử dụng đất
PCCC	Phòng cháy chữa cháy
PCTT	Phòng chống thiên tai
TKCN	Tìm kiếm cứu nạn
PCTT&TKCN	Phòng chống thiên tai và Tìm kiếm cứu nạn
ATTP	An toàn thực phẩm
VSATTP	Vệ sinh an toàn thực phẩm
ATGT	An toàn giao thông
TNGT	Tai nạn giao thông
VSMT	Vệ sinh môi trường
KHHGĐ	Kế hoạch hóa gia đình
DS-KHHGĐ	Dân số - Kế hoạch hóa gia đình
BVCSTE	Bảo vệ, chăm sóc trẻ em
HTX	Hợp tác xã
DN	Doanh nghiệp
DNNN	Doanh nghiệp nhà nước
BQL	Ban Quản lý
BQLDA	Ban Quản lý dự án
BCĐ	Ban Chỉ đạo
CB	Cán bộ
CC	Công chức
VC	Viên chức
CBCC	Cán bộ, công chức
CBCCVC	Cán bộ, công chức, viên chức
CNVC	Công nhân viên chức
CNVCLĐ	Công nhân, viên chức, lao động
NLĐ	Người lao động
PCT	Phó Chủ tịch
GĐ	Giám đốc
PGĐ	Phó Giám đốc
TP	Thành phố; Trưởng phòng
PTP	Phó Trưởng phòng
CVP	Chánh Văn phòng
UV	Ủy viên
BT	Bí thư
PBT	Phó Bí thư
QC	Quy chế
QCPH	Quy chế phối hợp
CTr	Chương trình
GM	Giấy mời
BB	Biên bản
VBQPPL	Văn bản quy phạm pháp luật
HĐTĐKT	Hội đồng Thi đua - Khen thưởng
TĐKT	Thi đua - Khen thưởng
HĐQT	Hội đồng quản trị
HĐTV	Hội đồng thành viên
NVQS	Nghĩa vụ quân sự
DQTV	Dân quân tự vệ
KVPT	Khu vực phòng thủ
ĐBSCL	Đồng bằng sông Cửu Long
TPHCM	Thành phố Hồ Chí Minh
HCM	Hồ Chí Minh
CHXHCN	Cộng hòa xã hội chủ nghĩa
CHXHCNVN	Cộng hòa xã hội chủ nghĩa Việt Nam
XHCN	Xã hội chủ nghĩa
VN	Việt Nam
UBDT	Ủy ban Dân tộc
TDTT	Thể dục thể thao
VHNT	Văn hóa nghệ thuật
TĐC	Tái định cư
GTVT	Giao thông vận tải
GTNT	Giao thông nông thôn
QL	Quốc lộ
ĐT	Đường tỉnh; Điện thoại; Đào tạo
CNH	Công nghiệp hóa
HĐH	Hiện đại hóa
CNH-HĐH	Công nghiệp hóa - hiện đại hóa
TX	Thị xã
UBKTTU	Ủy ban Kiểm tra Tỉnh ủy
UBKTHU	Ủy ban Kiểm tra Huyện ủy
""".strip().splitlines())


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
