"""Where a text comes from, read off the text itself.

Four kinds of input reach vnrestore, and each needs its own channel and weights:

* ``clean``: correct Vietnamese (typed, or OCR'd well): leave it alone;
* ``stripped``: every mark lost (a non-Vietnamese keyboard, an old converter);
* ``garbled``: OCR by a model without Vietnamese (marks lost or misread, digits and
  symbols for letters: "Két luan s6 57-KL/TW ciia");
* ``vie-ocr``: OCR by Tesseract's Vietnamese model: marks present, and some misread
  into other valid syllables ("thâm" for "thẩm") that no per-word count can see.

The first split is cheap and sharp (``features``): a writer that knows Vietnamese puts
letters that exist only in Vietnamese (ă ơ ư đ ĩ ũ, and the toned letters of the
Vietnamese Unicode block: ạ ả ấ ... ỹ) into about 40% of its words; a model for English
or French, or a text stripped of marks, into almost none.  Among texts without them,
the share of tokens no syllable explains separates garbled OCR from stripped text
(``ChannelParams.estimate``).  Among texts with them, clean text and Tesseract-vie output
differ only in how often a word was misread: that rate is estimated by the decoder
itself (``pipeline.Restorer.estimate``), by expectation-maximization on a sample: decode
at a starting rate, count the words it changes, decode again at that rate.  On clean
text the count collapses toward zero; on OCR output it settles near its error rate.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

READINGS = ("clean", "stripped", "garbled", "vie-ocr")
_ONLY_VIETNAMESE = frozenset("ăĂơƠưƯđĐĩĨũŨ")


class Features(NamedTuple):
    words: int  # word tokens with a letter
    viet_share: float  # share of them with a letter only Vietnamese has
    viet: int = 0  # how many (a text's share from its parts' counts)


_VIET = re.compile("[ăĂơƠưƯđĐĩĨũŨ\u1ea0-\u1ef9]")
_LETTER = re.compile(r"[^\W\d_]")


def vietnamese_only(word: str) -> bool:
    """Does ``word`` have a letter that only Vietnamese writes (ư, ạ, ỹ ...)?"""
    return not word.isascii() and _VIET.search(word) is not None


def features(words: Iterable[str]) -> Features:
    total = viet = 0
    search, letter = _VIET.search, _LETTER.search
    for w in words:  # per paragraph, on the hot path: plain loops
        if letter(w):
            total += 1
            if not w.isascii() and search(w):
                viet += 1
    return Features(total, viet / total if total else 0.0, viet)


def reading(lang: str, drop: float, garble: float, clean_garble: float = 0.02,
            clean_vie: float = 0.001) -> str:
    """The name of what an estimate says the text is (see ``READINGS``)."""
    if lang == "vie":
        return "vie-ocr" if garble > clean_vie else "clean"
    if garble >= clean_garble:
        return "garbled"
    return "stripped" if drop >= 0.3 else "clean"
