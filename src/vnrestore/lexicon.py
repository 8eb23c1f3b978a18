"""The lexicons the decoder consults: known phrases, abbreviations, place names, user terms.

Nothing is read at import.  ``get_lexicon()`` reads the committed files once (plain text,
already NFC / lowercase / old tone style, so loading is read + split, well under 0.15 s);
``load_lexicon(user_files)`` adds the user's own terms on top of that cached default.

- ``words``: lowercase multi-syllable words and phrases (words.txt, admin_terms.txt, the
  gazetteer lowercased, the user's terms), whose consecutive syllables the decoder rewards;
- ``names``: place names in their proper case (gazetteer.txt, capitalised user terms);
- ``abbreviation("HDND") -> "HĐND"``: lookup by mark-stripped upper-case key;
- ``terms``: administrative terms (admin_terms.txt), which the decoder supports as whole
  phrases, not only pair by pair;
- ``formulas``: the footers and signature blocks of official documents with their
  punctuation and abbreviations ("Lưu: VT", formulas.txt), as written;
- ``user_terms``: the user's entries exactly as written (case and tone style kept), so the
  decoder can let them win ties.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import regex

from .vietnamese import nfc, place_tone, strip_marks

TERMS_FILE = "admin_terms.txt"
FORMULAS_FILE = "formulas.txt"
PHRASE_FILES = ("words.txt", TERMS_FILE)
GAZETTEER_FILE = "gazetteer.txt"
ABBREVIATIONS_FILE = "abbreviations.tsv"
_SEPARATORS = regex.compile(r"([-/&.])")
_ABBREVIATION = regex.compile(r"[\p{Lu}\p{N}]*\p{Lu}[\p{Lu}\p{N}]*(?:[-/&][\p{Lu}\p{N}]+)*")


def abbrev_key(token: str) -> str:
    """The lookup key of an abbreviation: no marks, upper case ("NĐ-CP" -> "ND-CP")."""
    return strip_marks(nfc(token)).upper()


@dataclass(frozen=True, eq=False)
class Lexicon:
    words: frozenset[str]
    names: frozenset[str]
    abbreviations: Mapping[str, str]  # mark-stripped upper-case key -> marked form
    user_terms: tuple[str, ...] = ()
    terms: frozenset[str] = frozenset()  # administrative terms, lowercase
    formulas: tuple[str, ...] = ()  # document formulas as written ("Lưu: VT")

    def abbreviation(self, token: str) -> str | None:
        """The marked form of a known abbreviation, looked up by its stripped key.

        A code glued from parts is rebuilt part by part ("ND-CP" -> "NĐ-CP", "57-KL/TW"
        stays); None when no part is a known abbreviation.
        """
        hit = self.abbreviations.get(abbrev_key(token))
        if hit is not None or not _SEPARATORS.search(token):
            return hit
        parts = _SEPARATORS.split(token)
        known = [self.abbreviations.get(abbrev_key(p)) if i % 2 == 0 else None
                 for i, p in enumerate(parts)]
        if not any(known):
            return None
        return "".join(k or p for k, p in zip(known, parts, strict=True))

    def with_user_terms(self, terms: Iterable[str]) -> Lexicon:
        """This lexicon plus the user's terms; their abbreviations override the defaults."""
        terms = tuple(dict.fromkeys(terms))
        if not terms:
            return self
        abbreviations = dict(self.abbreviations)
        names = set(self.names)
        for t in terms:
            if _ABBREVIATION.fullmatch(t) and len(t) > 1:
                abbreviations[abbrev_key(t)] = t
            elif t[:1].isupper():
                names.add(t)
        return Lexicon(self.words | {_phrase_form(t) for t in terms}, frozenset(names),
                       abbreviations, self.user_terms + terms, self.terms, self.formulas)


def _phrase_form(term: str) -> str:
    """How a user's term enters ``words``: lowercase, old tone style, like the rest."""
    return " ".join(place_tone(w, "old") for w in term.lower().split())


def _lines(path: Path) -> list[str]:
    """Non-empty, non-comment lines of a committed file (already normalized)."""
    return [ln for ln in path.read_text(encoding="utf-8").split("\n")
            if ln and not ln.startswith("#")]


def _abbreviations(rows: Iterable[str]) -> dict[str, str]:
    """key -> form; a key claimed by two different forms is ambiguous and left out."""
    out: dict[str, str] = {}
    clash: set[str] = set()
    for row in rows:
        form = row.split("\t", 1)[0].strip()
        if not form:
            continue
        key = abbrev_key(form)
        if out.setdefault(key, form) != form:
            clash.add(key)
    for key in clash:
        del out[key]
    return out


def read_user_terms(path: Path) -> list[str]:
    """A user lexicon: one term per line, ``#`` starts a comment.  Read like any input
    (UTF-8 or -16, legacy Vietnamese encodings detected); a file that cannot be read is
    a UsageError naming it, as the lexicon is an option, not an input."""
    from .errors import InputError, UsageError
    from .files import read_text

    try:
        text = read_text(Path(path))
    except InputError as exc:
        raise UsageError(f"--lexicon {exc}") from None
    terms = []
    for line in text.splitlines():
        term = " ".join(nfc(line.split("#", 1)[0]).split())
        if term:
            terms.append(term)
    return terms


def read_lexicon(directory: Path) -> Lexicon:
    """The committed lexicons of ``directory`` (every file must exist)."""
    words: set[str] = set()
    for name in PHRASE_FILES:
        words.update(_lines(directory / name))
    names = _lines(directory / GAZETTEER_FILE)
    words.update(n.lower() for n in names)
    return Lexicon(frozenset(words), frozenset(names),
                   _abbreviations(_lines(directory / ABBREVIATIONS_FILE)),
                   terms=frozenset(_lines(directory / TERMS_FILE)),
                   formulas=tuple(_lines(directory / FORMULAS_FILE)))


@lru_cache(maxsize=1)
def get_lexicon() -> Lexicon:
    """The default lexicon (``vnrestore.data.lexicon_dir()``), read once per process."""
    from .data import lexicon_dir

    return read_lexicon(lexicon_dir())


def load_lexicon(extra_files: Sequence[Path] = (), directory: Path | None = None) -> Lexicon:
    """The default (or ``directory``'s) lexicon plus the terms of the user's files.

    Raises UsageError for a file that is missing or cannot be read as text.
    """
    base = get_lexicon() if directory is None else read_lexicon(Path(directory))
    terms: list[str] = []
    for path in extra_files:
        terms.extend(read_user_terms(Path(path)))
    return base.with_user_terms(terms)
