"""Turning input bytes into NFC text: UTF-8/16, legacy Vietnamese encodings, VIQR.

Detection (``decode_bytes(data)`` without an encoding), first rule that applies:

1. A byte-order mark: UTF-8 (``utf-8-sig``), UTF-32 or UTF-16 LE/BE.
2. Known binary signatures (PDF, PNG, JPEG, GIF, TIFF, WebP, ZIP/Office, OLE2, gzip, ELF):
   ``InputError("binary file (PDF document); not text ...")`` with a hint what to do.
3. NUL bytes: UTF-16 without BOM when one byte of each pair is mostly NUL (ASCII-range
   characters), otherwise binary.  Many other control bytes also mean binary.
4. Valid UTF-8 is UTF-8.  It is read as VIQR only on strong evidence (``looks_like_viqr``):
   at least two words with a shape mark (``a^ e^ o^ a( o+ u+``; one if the text has at most
   four words) that make Vietnamese syllables, words that convert making up 30% of the
   ASCII words, and words with non-ASCII letters under a quarter of those.  Tone-only
   patterns (``tai.``, ``ve'``) and ``dd`` are common in OCR output: never enough alone.
5. Otherwise TCVN3, VNI and Windows-1258 each decode a sample (256 KB from the line of the
   first non-ASCII byte).  Words with non-ASCII letters are scored valid/invalid with
   ``is_syllable``; the best (valid - invalid) wins if valid >= 2 x invalid (ties go to
   Windows-1258, which reads punctuation-only data like Windows-1252), else ``InputError``
   (saying "damaged or mixed" when nearly all of it is UTF-8).

Legacy decoding is line-local (a VNI mark byte follows its letter on the same line), which
is what lets :mod:`vnrestore.files` stream huge inputs chunk by chunk through ``Codec``.
See ``_legacy_tables`` for what each legacy encoding can and cannot represent.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache

import regex

from ._legacy_tables import (
    TCVN3_MAP,
    VIQR_SHAPES,
    VIQR_TONES,
    VNI_PAIRS,
    VNI_SINGLES,
)
from .errors import InputError, UsageError
from .vietnamese import is_syllable, place_tone

SAMPLE_BYTES = 256 * 1024  # legacy scoring and VIQR evidence look at this much
_OCR_HINT = "run `vnrestore ocr` on it to get its text"
_SAVE_HINT = "save it as plain text (.txt) first"
# (signature, offset, what it is, what to do)
_MAGIC: tuple[tuple[bytes, int, str, str], ...] = (
    (b"%PDF-", 0, "PDF document", _OCR_HINT),
    (b"\x89PNG\r\n\x1a\n", 0, "PNG image", _OCR_HINT),
    (b"\xff\xd8\xff", 0, "JPEG image", _OCR_HINT),
    (b"GIF87a", 0, "GIF image", _OCR_HINT),
    (b"GIF89a", 0, "GIF image", _OCR_HINT),
    (b"II*\x00", 0, "TIFF image", _OCR_HINT),
    (b"MM\x00*", 0, "TIFF image", _OCR_HINT),
    (b"RIFF", 0, "WebP image", _OCR_HINT),  # only with "WEBP" at offset 8
    (b"PK\x03\x04", 0, "ZIP archive, e.g. .docx or .odt", _SAVE_HINT),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 0, "MS Office document, e.g. .doc", _SAVE_HINT),
    (b"\x1f\x8b", 0, "gzip-compressed", "decompress it first"),
    (b"\x7fELF", 0, "executable", ""),
)
_BOMS: tuple[tuple[bytes, str, str], ...] = (  # longest first: UTF-32 LE starts like UTF-16 LE
    (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16"),
)
# Control bytes that do occur in text files: tab, LF, VT, FF, CR, DOS end-of-file, ESC.
_TEXT_CONTROLS = frozenset(b"\t\n\v\f\r\x1a\x1b")


# --- binary data --------------------------------------------------------------------------

def _utf16_order(data: bytes) -> str | None:
    """'le' or 'be' when the NUL bytes of ``data`` fall like UTF-16 text's, else None."""
    sample = data[:4096]
    pairs = len(sample) // 2
    if pairs < 1:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    # ASCII-range characters have a NUL high byte; the other byte is rarely NUL.
    if odd >= 0.3 * pairs and even <= 0.05 * pairs:
        order = "le"
    elif even >= 0.3 * pairs and odd <= 0.05 * pairs:
        order = "be"
    else:
        return None
    # The pattern alone also fits binary data such as "abc\0def\0...", which decodes to
    # CJK: UTF-16 text written by a Vietnamese user is mostly Latin letters and marks.
    text = sample[: pairs * 2].decode(f"utf-16-{order}", "replace")
    return order if _latin_share(text) >= 0.9 else None


def _latin_share(text: str) -> float:
    """Share of characters that Vietnamese text is made of: Latin (with Vietnamese
    letters and combining marks), punctuation, digits, white space."""
    ok = sum(1 for c in text if c < "\u0250" or "\u0300" <= c < "\u0370"
             or "\u1e00" <= c < "\u1f00" or "\u2000" <= c < "\u2070" or c == "\u20ab")
    return ok / max(len(text), 1)


def _bom(data: bytes) -> tuple[str, str] | None:
    for bom, name, python in _BOMS:
        if data.startswith(bom):
            return name, python
    return None


def _binary_reason(kind: str, hint: str = "") -> str:
    return f"binary file ({kind}); not text" + (f": {hint}" if hint else "")


def is_binary(data: bytes) -> str | None:
    """Why ``data`` is not text (an InputError reason), or None if it may be text.

    UTF-16/32 (with a BOM, or UTF-16 recognisable by its NUL pattern) counts as text.
    """
    for magic, offset, kind, hint in _MAGIC:
        if data.startswith(magic, offset) and (magic != b"RIFF" or data.startswith(b"WEBP", 8)):
            return _binary_reason(kind, hint)
    if _bom(data) is not None:
        return None
    sample = data[:65536]
    if 0 in sample or (len(data) > len(sample) and 0 in data):
        return None if _utf16_order(data) else _binary_reason("contains NUL bytes")
    odd = len(sample.translate(None, delete=bytes(range(32, 256)) + bytes(_TEXT_CONTROLS)))
    odd += sample.count(0x7F)
    if odd and odd > 0.01 * len(sample):
        return _binary_reason("control characters")
    return None


# --- codecs -------------------------------------------------------------------------------

def _charmap(overrides: dict[int, str]) -> str:
    """A 256-char decoding table: ASCII, Windows-1252 punctuation, Latin-1, ``overrides``.

    Bytes Windows-1252 leaves undefined map to U+FFFE, which makes charmap_decode fail.
    """
    chars = []
    for b in range(256):
        if b in overrides:
            chars.append(overrides[b])
            continue
        try:
            chars.append(bytes([b]).decode("cp1252"))
        except UnicodeDecodeError:
            chars.append("\ufffe")
    return "".join(chars)


_TCVN3_TABLE = _charmap(TCVN3_MAP)
_VNI_TABLE = _charmap({})  # VNI marks are Latin-1 letters; pairs are joined afterwards


@dataclass(frozen=True)
class Codec:
    """How to turn bytes into text: a byte decoder plus a line-local text step.

    ``python`` names a Python codec; ``table`` a charmap (TCVN3, VNI).  ``post`` is the
    text step ("", "tcvn3", "vni", "viqr"); it only ever looks within a line, so it can run
    on any chunk that ends at a line boundary.
    """

    name: str  #: the name reported to the user
    label: str  #: for messages
    python: str = ""
    table: str = ""
    post: str = ""
    wide: bool = False  #: UTF-16/32: NUL bytes are normal

    def finish(self, text: str) -> str:
        """The text step, then NFC (Windows-1258 writes tones as combining marks)."""
        if self.post == "vni":
            text = _vni_join(text)
        elif self.post == "tcvn3":
            text = _tcvn3_caps(text)
        elif self.post == "viqr":
            text = viqr_to_unicode(text)
        return unicodedata.normalize("NFC", text)

    def decoder(self, name: str = "<stdin>") -> StreamDecoder:
        return StreamDecoder(self, name)


UTF8 = Codec("utf-8", "UTF-8", python="utf-8")
UTF8_SIG = Codec("utf-8-sig", "UTF-8", python="utf-8-sig")
CP1258 = Codec("cp1258", "Windows-1258", python="cp1258")
TCVN3 = Codec("tcvn3", "TCVN3", table=_TCVN3_TABLE, post="tcvn3")
VNI = Codec("vni", "VNI", table=_VNI_TABLE, post="vni")
VIQR = Codec("viqr", "VIQR", python="utf-8-sig", post="viqr")
_LEGACY = (CP1258, TCVN3, VNI)  # order breaks ties: punctuation-only data is Windows-1258
_ALIASES = {
    "tcvn3": TCVN3, "tcvn": TCVN3, "abc": TCVN3, "vn3": TCVN3, "tcvn5712": TCVN3,
    "vni": VNI, "vni-windows": VNI, "vni-win": VNI,
    "viqr": VIQR,
    "utf-8": replace(UTF8_SIG, name="utf-8"),  # a stray BOM is never content
    "cp1258": CP1258,
}


def _unicode_codec(name: str, python: str) -> Codec:
    """UTF-16 or UTF-32, where NUL bytes are normal."""
    return Codec(name, name.upper(), python=python, wide=True)


def codec_for(encoding: str) -> Codec:
    """The codec for a user-given encoding name; UsageError if there is none."""
    key = encoding.strip().lower().replace("_", "-")
    if key in _ALIASES:
        return _ALIASES[key]
    try:
        info = codecs.lookup(key)
        if not getattr(info, "_is_text_encoding", True):  # base64, rot13, zlib ...
            raise LookupError(key)
        canonical = info.name
    except LookupError:
        raise UsageError(
            f"unknown encoding {encoding!r}; use utf-8, utf-16, cp1258, tcvn3, vni, viqr "
            "or another Python codec name") from None
    if canonical in _ALIASES:
        return _ALIASES[canonical]
    if canonical.startswith(("utf-16", "utf-32")):
        return _unicode_codec(canonical, canonical)
    return Codec(canonical, canonical, python=canonical)


class StreamDecoder:
    """Bytes to (not yet ``finish``-ed) text, block by block; errors become InputError."""

    def __init__(self, codec: Codec, name: str = "<stdin>") -> None:
        self.codec, self.name, self.offset = codec, name, 0
        self._inc = None if codec.table else codecs.getincrementaldecoder(codec.python)()

    def decode(self, data: bytes, final: bool = False) -> str:
        pending = 0
        try:
            if self._inc is None:
                return codecs.charmap_decode(data, "strict", self.codec.table)[0]
            state = self._inc.getstate()
            pending = len(state[0]) if isinstance(state[0], bytes) else 0
            return self._inc.decode(data, final)
        except UnicodeDecodeError as exc:
            where = self.offset - pending + exc.start
            bad = exc.object[exc.start:exc.start + 1]
            what = f"byte 0x{bad.hex()} at offset {where}" if bad else "cut off at the end"
            raise InputError(self.name, f"not valid {self.codec.label} ({what}); "
                                        "give the right --encoding") from None
        finally:
            self.offset += len(data)


# --- legacy text steps --------------------------------------------------------------------

_VNI_MARKS = "".join(sorted({k[1] for k in VNI_PAIRS}))
_VNI_RE = re.compile(f"([aAeEoOuUyYôöÔÖ])([{_VNI_MARKS}])|[{''.join(VNI_SINGLES)}]")


def _vni_sub(m: re.Match[str]) -> str:
    pair = m.group()
    if pair in VNI_PAIRS:
        return VNI_PAIRS[pair]
    # Not a pair ("uâ"): the first character alone (ô is ơ), the mark byte as it is.
    return VNI_SINGLES.get(pair[0], pair[0]) + pair[1:]


def _vni_join(text: str) -> str:
    """VNI text read through Latin-1 ("Vieät") -> Unicode ("Việt")."""
    return _VNI_RE.sub(_vni_sub, text)


# A word typed in the uppercase .VnTimeH font: capital ASCII letters and lowercase codes.
_CAPS_WORD = regex.compile(r"\b(?=(?:\p{L}*\p{Lu}){2})(?!\p{L}*[a-z])\p{L}*(?![a-z])\p{Ll}\p{L}*")


def _tcvn3_caps(text: str) -> str:
    """"CéNG HßA" -> "CỘNG HÒA": TCVN3 has no capital toned letters (see _legacy_tables)."""
    return _CAPS_WORD.sub(lambda m: m.group().upper(), text)


# --- VIQR ---------------------------------------------------------------------------------

# An escaped literal, or a word: optional dd/d9 (đ), letters, a shape mark after a vowel
# that takes it, a tone mark after a vowel or shape mark.  A word starts after a non-letter
# or after an escaped d: "\dda" is a literal "d" then the word "da" (see _encode_viqr).
_VIQR_RE = re.compile(r"""
    \\(?P<esc>[\\^(+`?~.'dD])
  | (?:(?<![A-Za-z])|(?<=\\[dD]))(?P<word>
        (?:[Dd][Dd9](?=[A-Za-z]))? [A-Za-z]
        (?: [A-Za-z]
          | (?<=[AaEeOo])\^ | (?<=[Aa])\( | (?<=[OoUu])\+
          | (?<=[AaEeIiOoUuYy^(+])[`?~.']
        )*)
""", re.X)
_VIQR_HINT = re.compile(r"[AaEeOo]\^|[Aa]\(|[OoUu]\+")
_CONSONANTS = re.compile(r"^[b-df-hj-np-tv-zđB-DF-HJ-NP-TV-ZĐ]+")
_NON_ASCII_WORD = regex.compile(r"\p{L}*[^\x00-\x7f\P{L}]\p{L}*")


@dataclass(frozen=True)
class _ViqrWord:
    text: str  #: converted (NFC), plus a trailing literal mark if there was one
    syllable: bool  #: a valid Vietnamese syllable, tone where Vietnamese puts it
    shaped: bool  #: had a shape mark (^ ( +)


def _well_placed(word: str) -> bool:
    """Is the tone on the vowel Vietnamese puts it on (either style)?  VIQR writes the tone
    after that vowel, so "nay." is "nay" and a full stop, not "naỵ"."""
    return word in (place_tone(word, "old"), place_tone(word, "new"))


def _viqr_apply(tok: str) -> _ViqrWord | None:
    """Apply the marks of one VIQR word; None if unchanged, two tones or not Vietnamese."""
    out: list[str] = []
    shaped = tones = 0
    if len(tok) > 2 and tok[0] in "Dd" and tok[1] in "Dd9":
        out.append("Đ" if tok[0] == "D" else "đ")
        tok = tok[2:]
    for ch in tok:
        if ch in VIQR_SHAPES:
            out[-1] += VIQR_SHAPES[ch]
            shaped += 1
        elif ch in VIQR_TONES:
            out[-1] += VIQR_TONES[ch]
            tones += 1
        else:
            out.append(ch)
    word = unicodedata.normalize("NFC", "".join(out))
    if tones > 1 or word == tok or not _well_placed(word):
        return None
    syllable = is_syllable(word)
    if syllable or (shaped and _name_rhyme(word)):
        return _ViqrWord(word, syllable, bool(shaped))
    return None


def _name_rhyme(word: str) -> bool:
    """Shape marks are unambiguous, so names outside the syllable grammar ("Kro^ng",
    "DDa('k La('k") convert when their rhyme is Vietnamese; tone-only words ("he'll") must
    be syllables."""
    rhyme = _CONSONANTS.sub("", word)
    return is_syllable(rhyme) or (rhyme[-1:] in "kK" and is_syllable(rhyme[:-1] + "c"))


@lru_cache(maxsize=65536)
def _viqr_word(tok: str) -> _ViqrWord | None:
    """The conversion of a VIQR word, reading a last mark character as punctuation
    ("nga`y." is "ngày.") when it cannot be a tone."""
    w = _viqr_apply(tok)
    if w is None and len(tok) > 1 and tok[-1] in VIQR_TONES:
        w = _viqr_apply(tok[:-1])
        if w is not None:
            w = replace(w, text=w.text + tok[-1])
    return w


def _viqr_sub(m: re.Match[str]) -> str:
    if m.group("esc") is not None:
        return m.group("esc")
    tok = m.group("word")
    if "DD" in tok and tok.isalpha() and tok.isupper():
        return tok.replace("DD", "Đ")  # acronyms: "HDDND" is HĐND, "NDD" NĐ
    w = _viqr_word(tok)
    return tok if w is None else w.text


def viqr_to_unicode(text: str) -> str:
    """RFC 1456 VIQR ("Vie^.t Nam", "ddu+o+`ng") -> Unicode, word by word.

    A word converts only if the result is Vietnamese (see ``_viqr_apply``), so English and
    code in between survive.  ``\\`` escapes a mark character (``ddi\\.`` is "đi.").  A
    final "." or "?" that cannot be a tone (the word has one, or it would sit on the wrong
    vowel: "nay.") is punctuation; otherwise, as in RFC 1456, it is the tone ("ddi." is "đị").
    """
    return _VIQR_RE.sub(_viqr_sub, text)


def looks_like_viqr(text: str) -> bool:
    """Strong evidence only: OCR output and ordinary text must never be converted."""
    sample = text[:SAMPLE_BYTES]
    if not _VIQR_HINT.search(sample):  # the cheap test that settles almost every input
        return False
    strong = weak = words = 0
    for m in _VIQR_RE.finditer(sample):
        tok = m.group("word")
        if tok is None:
            continue
        words += 1
        w = _viqr_word(tok)
        after = sample[m.end():m.end() + 1]
        if w is None or not w.syllable or len(w.text) < 2 or after.isdigit():
            continue  # "a^2" is algebra; "U+" or "C++" is not a word
        strong += w.shaped
        weak += not w.shaped
    if strong < 2 and not (strong == 1 and words <= 4):
        return False
    if 4 * len(_NON_ASCII_WORD.findall(sample)) > strong + weak:
        return False  # already Unicode Vietnamese
    return strong + weak >= 0.3 * words


# --- detection ----------------------------------------------------------------------------

_LETTER_WORD = regex.compile(r"\p{L}[\p{L}\p{M}]*")
_NON_ASCII_BYTE = re.compile(rb"[\x80-\xff]")


def _syllable_score(text: str) -> tuple[int, int]:
    """(valid, invalid) counts of the words that contain non-ASCII letters."""
    good = bad = 0
    for w in _LETTER_WORD.findall(text):
        if w.isascii():
            continue
        if is_syllable(unicodedata.normalize("NFC", w)):
            good += 1
        else:
            bad += 1
    return good, bad


def _legacy_candidates(sample: bytes) -> list[tuple[int, int, Codec]]:
    """(score, -rank, codec) of each legacy codec that decodes the sample plausibly."""
    found = []
    for rank, codec in enumerate(_LEGACY):
        try:
            text = codec.finish(codec.decoder().decode(sample, final=False))
        except InputError:
            continue
        good, bad = _syllable_score(text)
        if good >= 2 * bad and (good or not bad):
            found.append((good - bad, -rank, codec))
    return sorted(found, key=lambda t: (t[0], t[1]), reverse=True)


def _sample(data: bytes) -> bytes:
    """Up to SAMPLE_BYTES from the line of the first non-ASCII byte: the evidence."""
    m = _NON_ASCII_BYTE.search(data)
    start = data.rfind(b"\n", 0, m.start()) + 1 if m else 0
    return data[start:start + SAMPLE_BYTES]


def _undecodable_reason(data: bytes) -> str:
    text = _sample(data).decode("utf-8", "replace")
    bad = text.count("\ufffd")
    non_ascii = sum(1 for c in text if ord(c) > 127)
    where = 0
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        where = exc.start
    if bad * 20 < non_ascii:  # nearly all of it is UTF-8
        return (f"not valid UTF-8 (byte 0x{data[where]:02x} at offset {where}); the rest is "
                "UTF-8, so the file is damaged or mixes encodings")
    return ("not UTF-8 and not a Vietnamese legacy encoding (TCVN3, VNI, Windows-1258); "
            "give the right --encoding")


def _valid_utf8(data: bytes, complete: bool) -> str | None:
    try:
        return codecs.getincrementaldecoder("utf-8")().decode(data, final=complete)
    except UnicodeDecodeError:
        return None


def detect(data: bytes, name: str = "<stdin>", *, complete: bool = True) -> Codec:
    """Choose the codec for ``data`` (see the module docstring); InputError if none fits.

    ``complete=False`` means ``data`` is only the start of the input (streaming), so a
    multi-byte character cut off at its end is not an error.
    """
    bom = _bom(data)
    if bom is not None:
        return _unicode_codec(*bom) if bom[0] != "utf-8-sig" else UTF8_SIG
    reason = is_binary(data)
    if reason:
        raise InputError(name, reason)
    order = _utf16_order(data)  # NUL bytes that is_binary let through
    if order:
        return _unicode_codec(f"utf-16-{order}", f"utf-16-{order}")
    text = _valid_utf8(data, complete)
    if text is not None:
        return VIQR if looks_like_viqr(text) else UTF8
    candidates = _legacy_candidates(_sample(data))
    if not candidates:
        raise InputError(name, _undecodable_reason(data))
    return candidates[0][2]


def check_not_binary(data: bytes, codec: Codec, name: str) -> None:
    """For a forced encoding: still refuse PDFs, images and NUL-filled data."""
    if codec.wide:
        return
    reason = is_binary(data)
    if reason is None and 0 in data:
        reason = _binary_reason("contains NUL bytes")
    if reason:
        raise InputError(name, reason)


def decode_bytes(data: bytes, encoding: str | None = None, name: str = "<stdin>"
                 ) -> tuple[str, str]:
    """Decode a whole input: (NFC text, name of the encoding used).

    ``encoding`` overrides detection ("utf-8", "utf-16", "cp1258", "tcvn3", "vni", "viqr"
    or any Python codec name).  InputError (with ``name``) for binary or undecodable data;
    UsageError for an unknown encoding name.
    """
    if encoding:
        codec = codec_for(encoding)
        check_not_binary(data, codec, name)
    else:
        codec = detect(data, name)
    text = codec.decoder(name).decode(data, final=True)
    return codec.finish(text), codec.name

