"""Character tables of the pre-Unicode Vietnamese encodings that ``encoding`` decodes.

TCVN3 (ABC, TCVN 5712:1993 "VN3", the .VnTime fonts)
    One byte per letter.  Only the lowercase marked letters (0xB5..0xFE, plus ă â ê ô ơ ư đ at
    0xA8..0xAE) and the seven uppercase *base* letters Ă Â Ê Ô Ơ Ư Đ (0xA1..0xA7) exist.
    Uppercase letters with a tone (Ấ, Ệ, Ộ ...) have no code: documents got them by switching
    to the uppercase font (.VnTimeH), which draws the *lowercase* codes as capitals.  In a
    plain-text file that font switch is lost, so such letters come out lowercase.  The
    decoder upper-cases a word that has two or more capitals and no ASCII lowercase letter
    ("CéNG" -> "CỘNG"); a capitalized word ("Ấn" stored as "Ên") stays lowercase ("ấn").
    The 60 capital toned letters are therefore the ones TCVN3 cannot round-trip; the
    encoder refuses them unless asked to fold them to lowercase.
    (The rarer full-repertoire variant TCVN 5712 "VN1", which puts capitals in control-code
    positions, is not supported.)
VNI (VNI-Windows fonts)
    A base letter followed by a mark byte ("Vieät" = Việt: e + 0xE4), except ơ ư đ ỵ and the
    i-letters, which have one byte of their own.  Marks after a capital use the capital form
    of the mark byte (0x20 lower).  Every one of the 134 marked letters is representable.
Windows-1258
    Python's ``cp1258`` codec; tones are combining characters, so the decoder NFC-normalizes.

Bytes 0x80..0x9F that the tables leave free are read as Windows-1252 punctuation (curly
quotes, dashes), which is what these files contain in practice; bytes Windows-1252 leaves
undefined make the decoding fail.
"""

from __future__ import annotations

import unicodedata

# Lowercase precomposed letters in tone order: none, grave, hook, tilde, acute, dot below.
_TONE_ORDER = ("", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323")
_BASES = "aăâeêioôơuưy"


def _nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)


def _with_tone(base: str, tone: str) -> str:
    return _nfc(base + tone)


# --- TCVN3 --------------------------------------------------------------------------------
# byte -> letter.  Rows list, for each base, the bytes of grave, hook, tilde, acute, dot.
_TCVN3_TONED = {
    "a": (0xB5, 0xB6, 0xB7, 0xB8, 0xB9),
    "ă": (0xBB, 0xBC, 0xBD, 0xBE, 0xC6),
    "â": (0xC7, 0xC8, 0xC9, 0xCA, 0xCB),
    "e": (0xCC, 0xCE, 0xCF, 0xD0, 0xD1),
    "ê": (0xD2, 0xD3, 0xD4, 0xD5, 0xD6),
    "i": (0xD7, 0xD8, 0xDC, 0xDD, 0xDE),
    "o": (0xDF, 0xE1, 0xE2, 0xE3, 0xE4),
    "ô": (0xE5, 0xE6, 0xE7, 0xE8, 0xE9),
    "ơ": (0xEA, 0xEB, 0xEC, 0xED, 0xEE),
    "u": (0xEF, 0xF1, 0xF2, 0xF3, 0xF4),
    "ư": (0xF5, 0xF6, 0xF7, 0xF8, 0xF9),
    "y": (0xFA, 0xFB, 0xFC, 0xFD, 0xFE),
}
_TCVN3_PLAIN = {
    0xA1: "Ă", 0xA2: "Â", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư", 0xA7: "Đ",
    0xA8: "ă", 0xA9: "â", 0xAA: "ê", 0xAB: "ô", 0xAC: "ơ", 0xAD: "ư", 0xAE: "đ",
}


def _tcvn3_map() -> dict[int, str]:
    m = dict(_TCVN3_PLAIN)
    for base, codes in _TCVN3_TONED.items():
        for code, tone in zip(codes, _TONE_ORDER[1:], strict=True):
            m[code] = _with_tone(base, tone)
    return m


TCVN3_MAP: dict[int, str] = _tcvn3_map()


# --- VNI ----------------------------------------------------------------------------------
# Mark bytes (lowercase forms; the capital form is 0x20 lower) in tone order
# none, grave, hook, tilde, acute, dot.  "None" is absent for the plain tones.
_VNI_TONES = (None, 0xF8, 0xFB, 0xF5, 0xF9, 0xEF)  # ø û õ ù ï
_VNI_BREVE = (0xEA, 0xE8, 0xFA, 0xFC, 0xE9, 0xEB)  # ê è ú ü é ë  (ă ằ ẳ ẵ ắ ặ)
_VNI_CIRC = (0xE2, 0xE0, 0xE5, 0xE3, 0xE1, 0xE4)  # â à å ã á ä  (â ầ ẩ ẫ ấ ậ)
# Letters with a byte of their own: ơ ư đ ỵ í ì ỉ ĩ ị.
_VNI_SINGLE = {
    0xF4: "ơ", 0xF6: "ư", 0xF1: "đ", 0xEE: "ỵ",
    0xED: "í", 0xEC: "ì", 0xE6: "ỉ", 0xF3: "ĩ", 0xF2: "ị",
}


def _vni_pairs() -> dict[str, str]:
    """Two-character (as read through Latin-1) sequences -> letter, both cases."""
    lower: dict[str, str] = {}
    plain_bases = {"a": "a", "e": "e", "o": "o", "u": "u", "y": "y", "ô": "ơ", "ö": "ư"}
    for raw, letter in plain_bases.items():
        for mark, tone in zip(_VNI_TONES, _TONE_ORDER, strict=True):
            if mark is not None and not (letter == "y" and tone == "\u0323"):  # ỵ is single
                lower[raw + chr(mark)] = _with_tone(letter, tone)
    for raw, letter, marks in (("a", "ă", _VNI_BREVE), ("a", "â", _VNI_CIRC),
                               ("e", "ê", _VNI_CIRC), ("o", "ô", _VNI_CIRC)):
        for mark, tone in zip(marks, _TONE_ORDER, strict=True):
            lower[raw + chr(mark)] = _with_tone(letter, tone)
    pairs = dict(lower)
    for raw, letter in lower.items():
        pairs[raw[0].upper() + chr(ord(raw[1]) - 0x20)] = letter.upper()
    return pairs


def _vni_singles() -> dict[str, str]:
    singles = {chr(code): letter for code, letter in _VNI_SINGLE.items()}
    singles.update({chr(code - 0x20): letter.upper() for code, letter in _VNI_SINGLE.items()})
    return singles


VNI_PAIRS: dict[str, str] = _vni_pairs()
VNI_SINGLES: dict[str, str] = _vni_singles()


# --- VIQR (RFC 1456) ----------------------------------------------------------------------
VIQR_SHAPES = {"(": "\u0306", "^": "\u0302", "+": "\u031b"}
VIQR_TONES = {"`": "\u0300", "?": "\u0309", "~": "\u0303", "'": "\u0301", ".": "\u0323"}


def all_vietnamese_letters() -> str:
    """The 134 marked Vietnamese letters (67 lowercase, then their capitals)."""
    lower = []
    for base in _BASES:
        for tone in _TONE_ORDER:
            letter = _with_tone(base, tone)
            if letter != base or base not in "aeiouy":
                lower.append(letter)
    lower.append("đ")
    s = "".join(lower)
    return s + s.upper()
