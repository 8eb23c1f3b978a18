"""Making legacy-encoded copies of Unicode text (TCVN3, VNI, Windows-1258, VIQR).

Only the tests need this (vnrestore reads these encodings, it never writes them), so it
lives here rather than in the package.
"""

from __future__ import annotations

import unicodedata

from vnrestore._legacy_tables import TCVN3_MAP, VIQR_SHAPES, VIQR_TONES, VNI_PAIRS, VNI_SINGLES
from vnrestore.encoding import CP1258, TCVN3, VIQR, VNI, codec_for

_TCVN3_ENC = {c: bytes([b]) for b, c in TCVN3_MAP.items()}
_VNI_ENC = {c: k.encode("latin-1") for k, c in {**VNI_SINGLES, **VNI_PAIRS}.items()}
_VIQR_MARKS = {v: k for k, v in {**VIQR_SHAPES, **VIQR_TONES}.items()}
# Which preceding characters make the decoder read a mark character as a mark.
_VIQR_ABSORBS = {"^": "AaEeOo", "(": "Aa", "+": "OoUu",
                 **dict.fromkeys(VIQR_TONES, "AaEeIiOoUuYy^(+")}


def _punct_1252(ch: str) -> bytes | None:
    """Windows-1252 bytes 0x80..0xA0 (quotes, dashes, NBSP): shared by TCVN3 and VNI files."""
    try:
        b = ch.encode("cp1252")
    except UnicodeEncodeError:
        return None
    return b if 0x80 <= b[0] <= 0xA0 else None


def _unwritable(ch: str, errors: str) -> bytes:
    if errors == "replace":
        return b"?"
    raise ValueError(f"{ch!r} (U+{ord(ch):04X}) cannot be written in this encoding")


def _fold(ch: str, table: dict[str, bytes], errors: str) -> bytes:
    if errors != "strict" and ch.lower() in table:
        return table[ch.lower()]  # what an uppercase-font (.VnTimeH) document stores
    return _unwritable(ch, errors)


def _encode_table(text: str, table: dict[str, bytes], errors: str) -> bytes:
    out = bytearray()
    for ch in text:
        if ch.isascii():
            out += ch.encode()
        elif ch in table:
            out += table[ch]
        else:
            out += _punct_1252(ch) or _fold(ch, table, errors)
    return bytes(out)


def _encode_cp1258(text: str, errors: str) -> bytes:
    out = bytearray()
    for ch in text:
        # Windows-1258 has ê, ơ ... but writes most tones as a following combining mark.
        d = unicodedata.normalize("NFD", ch)
        tone = "".join(c for c in d if c in "\u0300\u0301\u0303\u0309\u0323")
        base = unicodedata.normalize("NFC", "".join(c for c in d if c not in tone))
        for form in (ch, base + tone):
            try:
                out += form.encode("cp1258")
                break
            except UnicodeEncodeError:
                pass
        else:
            out += _unwritable(ch, errors)
    return bytes(out)


def _viqr_letter(ch: str, errors: str) -> str:
    if ch in "đĐ":
        return "dd" if ch == "đ" else "DD"
    d = unicodedata.normalize("NFD", ch)
    if not d[0].isascii() or not all(c in _VIQR_MARKS for c in d[1:]):
        return _unwritable(ch, errors).decode()
    marks = sorted(d[1:], key=lambda c: c in VIQR_TONES.values())  # shape before tone
    return d[0] + "".join(_VIQR_MARKS[c] for c in marks)


def _encode_viqr(text: str, errors: str) -> bytes:
    out: list[str] = []
    prev = ""  # last character written
    for i, ch in enumerate(text):
        if ch.isascii():
            piece = ch
            if prev and prev in _VIQR_ABSORBS.get(ch, ""):
                piece = "\\" + ch  # "đi." must not become "đị"
            elif ch == "\\":
                piece = "\\\\"
            elif ch in "Dd" and text[i + 1:i + 2] in ("D", "d", "9", "Đ", "đ"):
                piece = "\\" + ch  # a literal "dd" must not be read as đ
        elif unicodedata.category(ch).startswith("L"):
            piece = _viqr_letter(ch, errors)
        else:
            piece = ch  # non-letters outside ASCII stay as UTF-8
        out.append(piece)
        prev = piece[-1]
    return "".join(out).encode("utf-8")


def encode_legacy(text: str, encoding: str, errors: str = "strict") -> bytes:
    """Encode Unicode ``text`` in a legacy encoding: "tcvn3", "vni", "cp1258" or "viqr".

    ``decode_bytes`` of the result gives ``text`` back (NFC) for Vietnamese text with ASCII
    and common punctuation (VIQR: for words that are Vietnamese syllables).  A character
    the encoding lacks is a ValueError (``errors="strict"``) or "?" (``"replace"``).
    TCVN3 has no capital toned letters: ``"fold"`` (and ``"replace"``) write the lowercase
    code an uppercase-font document would contain; the decoder re-capitalizes all-caps
    words of two or more capitals, so most headings survive.
    """
    if errors not in ("strict", "fold", "replace"):
        raise ValueError(f"errors must be 'strict', 'fold' or 'replace', not {errors!r}")
    text = unicodedata.normalize("NFC", text)
    codec = codec_for(encoding)
    if codec is TCVN3:
        return _encode_table(text, _TCVN3_ENC, errors)
    if codec is VNI:
        return _encode_table(text, _VNI_ENC, errors)
    if codec is VIQR:
        return _encode_viqr(text, errors)
    if codec is CP1258:
        return _encode_cp1258(text, errors)
    raise ValueError(f"not a legacy Vietnamese encoding: {encoding!r}")
