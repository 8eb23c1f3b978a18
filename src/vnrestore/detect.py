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

import math
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from .config import RestoreConfig
    from .tokenize import Para

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


def groups(paras: list[Para], config: RestoreConfig,
           feats: dict[int, Features] | None = None) -> list[list[Para]]:
    """Runs of paragraphs alike in having Vietnamese-only letters or not (``features``).
    A paragraph too short to tell takes its predecessor's side; a run joins the run
    before it unless it has ``config.region_words`` words, or starts a page (form feed)
    with a few lines' worth (a stray line is not a part, a page is)."""
    runs: list[tuple[bool, int, list[Para]]] = []  # (marked, words, paragraphs)
    for para in paras:
        f = features(para.words) if feats is None else feats[id(para)]
        marked = f.viet_share >= config.viet_share_min
        page = "\f" in para.tokens[0].text
        if runs and not page and (f.words < _PARAGRAPH_EVIDENCE or runs[-1][0] == marked):
            side, n, members = runs[-1]
            runs[-1] = (side, n + f.words, members + [para])
        else:
            runs.append((marked, f.words, [para]))
    merged: list[tuple[bool, int, list[Para]]] = []
    for side, n, members in runs:
        enough = _PAGE_EVIDENCE if "\f" in members[0].tokens[0].text else config.region_words
        if merged and (merged[-1][0] == side or n < enough):
            prev_side, prev_n, prev = merged[-1]
            merged[-1] = (prev_side if prev_n >= n else side, prev_n + n, prev + members)
        else:
            merged.append((side, n, members))
    if len(merged) > 1 and merged[0][1] < _PAGE_EVIDENCE:  # a short head joins the next
        side, n, members = merged.pop(0)
        merged[0] = (merged[0][0], merged[0][1] + n, members + merged[0][2])
    return [members for _, _, members in merged] or [paras]


_PARAGRAPH_EVIDENCE = 8  # words a paragraph needs to say which side it is on
_PAGE_EVIDENCE = 30  # words a page needs to be judged on its own


def sample(paras: list[Para], words: int) -> list[Para]:
    """Paragraphs spread evenly over the document, about ``words`` words in all."""
    total = sum(len(p.words) for p in paras)
    if total <= words:
        return paras
    step = total / words  # take a paragraph whenever the running count passes a mark
    out, seen, mark = [], 0, 0.0
    for para in paras:
        size = len(para.words)
        if seen >= mark:
            out.append(para)
            mark += size * step
        seen += size
    return out


def on_grid(rate: float) -> float:
    """``rate`` rounded to one of four steps a decade: an estimate is not finer than
    that, and documents (and chunks of one) alike then share their candidates' cache."""
    return float(10 ** (round(math.log10(rate) * 4) / 4))
