"""Vietnamese syllable structure: marks, tone placement, validity.

Every other stage speaks in terms of these helpers, so they are pure functions of a
string and cheap enough to call per token.  A syllable is split into onset, nucleus
(vowels carrying the shape marks ă â ê ô ơ ư) and coda, plus one of six tones.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import regex

# Combining tone marks in NFD: grave, acute, tilde, hook above, dot below.
TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"
TONE_NAMES = ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")
# Shape marks: breve (ă), circumflex (â ê ô), horn (ơ ư).
SHAPE_MARKS = "\u0306\u0302\u031b"

ONSETS = (
    "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr",
    "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "",
)
CODAS = ("ng", "nh", "ch", "c", "m", "n", "p", "t", "")
VOWELS = "aăâeêioôơuưy"
# Nuclei (vowel clusters, tone removed, including glides written as vowels).
NUCLEI = frozenset("""
a ă â e ê i o ô ơ u ư y
ai ao au ay âu ây eo êu ia iê iu oa oă oe oi ôi ơi oo ua uâ uê ui uô uơ uy ưa ưi ươ ưu yê
oai oao oay oeo uây uôi uya uyê uyu ươi ươu iêu yêu uêu
""".split())

_WORD = regex.compile(r"\p{L}+")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@lru_cache(maxsize=65536)
def strip_tone(word: str) -> str:
    """Remove the tone mark but keep vowel shapes: "Người" -> "Ngươi"."""
    d = unicodedata.normalize("NFD", word)
    return nfc("".join(c for c in d if c not in TONE_MARKS))


@lru_cache(maxsize=65536)
def tone_of(word: str) -> int:
    """Index into TONE_NAMES of the word's (first) tone mark, 0 for none."""
    for c in unicodedata.normalize("NFD", word):
        i = TONE_MARKS.find(c)
        if i >= 0:
            return i + 1
    return 0


@lru_cache(maxsize=65536)
def strip_marks(word: str) -> str:
    """Remove every mark, đ -> d: the skeleton OCR without Vietnamese tends to keep."""
    d = unicodedata.normalize("NFD", word.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in d if not unicodedata.combining(c))


def has_marks(word: str) -> bool:
    return strip_marks(word) != word


def _split(base: str) -> tuple[str, str, str] | None:
    """Split a toneless lowercase syllable into (onset, nucleus, coda), or None."""
    for onset in ONSETS:
        if not base.startswith(onset):
            continue
        rest = base[len(onset):]
        # "gi" and "qu" own their vowel only when another vowel follows ("gìn" is g+in).
        if onset in ("gi", "qu") and (not rest or rest[0] not in VOWELS):
            continue
        for coda in CODAS:
            if coda and not rest.endswith(coda):
                continue
            nucleus = rest[: len(rest) - len(coda)]
            if nucleus in NUCLEI:
                return onset, nucleus, coda
    return None


@lru_cache(maxsize=131072)
def is_syllable(word: str) -> bool:
    """Is ``word`` (any case) a well-formed Vietnamese syllable?

    Stop-final syllables (-c -ch -p -t) only take the acute or dot tone.
    """
    w = word.lower()
    if not w or not _WORD.fullmatch(w):
        return False
    d = unicodedata.normalize("NFD", w)
    if sum(c in TONE_MARKS for c in d) > 1:
        return False
    parts = _split(strip_tone(w))
    if parts is None:
        return False
    if parts[2] in ("c", "ch", "p", "t") and tone_of(w) not in (0, 2, 5):
        return False
    return True


def _tone_index(onset: str, nucleus: str, coda: str, style: str) -> int:
    """Which vowel of the nucleus carries the tone."""
    for i, ch in enumerate(nucleus):
        if ch in "ơê":
            return i
    for i, ch in enumerate(nucleus):
        if ch in "ăâôư":
            # "ươ" takes it on ơ (handled above); "ưa", "ưu" on ư.
            return i
    if len(nucleus) == 1:
        return 0
    if coda:
        return len(nucleus) - 1
    if len(nucleus) == 3:
        return 1
    if nucleus in ("oa", "oe", "uy"):
        return 1 if style == "new" else 0
    return 0


@lru_cache(maxsize=131072)
def place_tone(word: str, style: str = "old") -> str:
    """Put the word's tone on the vowel the chosen style wants ("hoà" -> "hòa" for old).

    Case is kept; words that are not syllables come back unchanged.
    """
    tone = tone_of(word)
    if not tone:
        return word
    base = strip_tone(word)
    parts = _split(base.lower())
    if parts is None:
        return word
    onset, nucleus, coda = parts
    i = len(onset) + _tone_index(onset, nucleus, coda, style)
    d = base[i] + TONE_NAMES[tone]
    return nfc(base[:i] + d + base[i + 1 :])


def with_tone(word: str, tone: int, style: str = "old") -> str:
    """The toneless syllable ``word`` with tone number ``tone`` (0..5) placed by ``style``."""
    if tone == 0:
        return word
    parts = _split(word.lower())
    if parts is None:
        return word
    onset, nucleus, coda = parts
    i = len(onset) + _tone_index(onset, nucleus, coda, style)
    return nfc(word[:i] + word[i] + TONE_NAMES[tone] + word[i + 1 :])


def restyle(text: str, style: str = "old") -> str:
    """Apply one tone-placement style to every syllable of ``text``."""
    return _WORD.sub(lambda m: place_tone(m.group(), style), text)


def match_case(template: str, word: str) -> str:
    """Give ``word`` the case pattern of ``template`` (UPPER, Title or lower)."""
    if template.islower():  # the common case, and quick
        return word
    letters = [c for c in template if c.isalpha()]
    if not letters:
        return word
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return word.upper()
    # Title case needs a capital in first place: a digit or symbol read for a letter
    # carries no case ("1A" = là), nor a capital I read for l ("Idi" = lợi: one glyph in
    # many fonts).
    first = template[0]
    if first.isupper() and not (first == "I" and word[:1] == "l"):
        return word[:1].upper() + word[1:]
    return word


# The combining marks Vietnamese writes: grave, acute, circumflex, tilde, breve, hook
# above, horn, dot below.
_VIETNAMESE_MARKS = frozenset("\u0300\u0301\u0302\u0303\u0306\u0309\u031b\u0323")


@lru_cache(maxsize=65536)
def has_foreign_letter(word: str) -> bool:
    """Does ``word`` have a letter neither Vietnamese nor English writes (ï, ø, ç, ß)?"""
    for c in word:
        if c.isascii() or not c.isalpha() or c in "đĐ":
            continue
        d = unicodedata.normalize("NFD", c)
        if not d[0].isascii() or any(m not in _VIETNAMESE_MARKS for m in d[1:]):
            return True
    return False

