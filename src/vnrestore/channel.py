"""Stage 3a: the OCR error channel, -ln P(observed | true syllable), in nats.

A token is either read exactly, or the OCR dropped all its marks (the commonest
error of a non-Vietnamese OCR model), or it was garbled in some other way.  The
first two are whole-syllable events whose rates are estimated per document
(``ChannelParams.estimate``); garbling is a weighted edit distance whose costs say
how easily one glyph is read as another (6 for ô/ơ, "ir" for ư, d for ơ, ...).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from .vietnamese import is_syllable, strip_marks

# Observed string -> true base letter it often stands for, cost in nats (lowercased;
# "þ" marks an observed capital P at the start of a word, which OCR reads for Đ).
CONFUSIONS: dict[tuple[str, str], float] = {
    ("6", "o"): 0.5, ("0", "o"): 1.2, ("1", "l"): 0.6, ("1", "i"): 1.0, ("4", "a"): 0.8,
    ("3", "a"): 1.2, ("2", "a"): 1.5, ("8", "b"): 1.5, ("9", "g"): 1.5, ("5", "s"): 1.5,
    ("d", "o"): 1.0, ("b", "o"): 1.2, ("g", "o"): 1.3, ("c", "e"): 1.6, ("é", "o"): 0.9,
    ("è", "o"): 1.0, ("e", "o"): 1.4, ("é", "a"): 1.4, ("o", "e"): 1.6, ("o", "a"): 1.6,
    ("w", "u"): 0.5, ("j", "i"): 0.9, ("y", "u"): 1.0, ("u", "y"): 1.4, ("i", "a"): 1.0,
    ("i", "u"): 1.2, ("i", "e"): 1.3, ("t", "u"): 1.2, ("l", "i"): 1.2, ("i", "l"): 1.2,
    ("¢", "o"): 0.8, ("¢", "e"): 0.8, ("¢", "c"): 1.2, ("€", "e"): 0.6, ("¥", "y"): 0.6,
    ("&", "a"): 0.6, ("&", "o"): 0.8, ("@", "o"): 0.6, ("@", "a"): 0.8,
    ("þ", "d"): 0.3, ("þ", "p"): 0.6, ("a", "o"): 1.6, ("u", "o"): 1.8,
    ("ir", "u"): 0.6, ("it", "u"): 0.8, ("tr", "u"): 1.0, ("ti", "u"): 0.9, ("ii", "u"): 0.7,
    ("tt", "u"): 1.1, ("rr", "u"): 1.1, ("rn", "m"): 0.8, ("cl", "d"): 1.2, ("ri", "n"): 1.5,
    ("li", "h"): 1.5, ("|", "i"): 0.5, ("l", "t"): 1.5, ("s", "a"): 2.0, ("n", "u"): 1.5,
    ("u", "n"): 1.5, ("c", "o"): 1.6, ("o", "c"): 1.6, ("x", "a"): 2.0,
}
# Characters OCR inserts for a mark; reading past them is cheap.
JUNK = frozenset("’‘'`´\\§£^*\"~¢¥")
INSERT = 2.5  # an observed character the true word does not have
DELETE = 3.2  # a true character the OCR lost
DELETE_VOWEL = 1.4  # marked vowels are faint and the commonest loss ("di" = đối)
SUBSTITUTE = 3.2
MARK_KEPT_WRONG = 0.8  # same letter, other marks ("Ké" for Kế)
MARK_LOST = 0.25  # one char lost its marks inside a garbled word

_OPS_FROM: dict[str, list[tuple[str, str, float]]] = {}
for (_obs, _true), _cost in CONFUSIONS.items():
    _OPS_FROM.setdefault(_obs[0], []).append((_obs, _true, _cost))


def _base(ch: str) -> str:
    return strip_marks(ch)


def _sub(o: str, t: str) -> float:
    if o == t:
        return 0.0
    ob, tb = _base(o), _base(t)
    if ob == tb:
        return MARK_LOST if ob == o else MARK_KEPT_WRONG
    cost = CONFUSIONS.get((o, tb))
    if cost is None and ob != o:
        cost = CONFUSIONS.get((ob, tb))
        cost = None if cost is None else cost + 0.3
    if cost is None:
        return SUBSTITUTE
    return cost + (0.0 if t == tb else MARK_LOST)


@lru_cache(maxsize=262144)
def edit_cost(observed: str, true: str) -> float:
    """Weighted edit distance: observed OCR string (lowercased) vs a true syllable."""
    n, m = len(observed), len(true)
    inf = math.inf
    d = [[inf] * (m + 1) for _ in range(n + 1)]
    d[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            here = d[i][j]
            if here == inf:
                continue
            if i < n:
                o = observed[i]
                ins = 0.3 if o in JUNK else INSERT
                if here + ins < d[i + 1][j]:
                    d[i + 1][j] = here + ins
                if j < m:
                    c = here + _sub(o, true[j])
                    if c < d[i + 1][j + 1]:
                        d[i + 1][j + 1] = c
                    for obs, tb, cost in _OPS_FROM.get(o, ()):
                        k = len(obs)
                        if k > 1 and observed.startswith(obs, i) and _base(true[j]) == tb:
                            c = here + cost + (0.0 if true[j] == tb else MARK_LOST)
                            if c < d[i + k][j + 1]:
                                d[i + k][j + 1] = c
            if j < m:
                t = true[j]
                dele = DELETE_VOWEL if _base(t) in "aeiouy" and t != _base(t) else DELETE
                if here + dele < d[i][j + 1]:
                    d[i][j + 1] = here + dele
    return d[n][m]


# Primary reading of OCR stand-ins when building the lookup skeleton.
_PRIMARY = str.maketrans({"6": "o", "0": "o", "1": "l", "4": "a", "3": "a", "þ": "d",
                          "¢": "o", "€": "e", "¥": "y", "&": "a", "@": "o", "|": "i", "w": "u",
                          "j": "i"})


def skeleton(observed: str) -> str:
    """Mark-less key of an observed (lowercased) token: "d6i" -> "doi", "x&" -> "xa"."""
    s = strip_marks(observed.translate(_PRIMARY))
    return "".join(c for c in s if c not in JUNK)


def observed_form(token: str) -> str:
    """The lowercased OCR string the channel reads, keeping the signal of a capital P."""
    if token[:1] == "P" and len(token) > 1 and token[1] not in "hH":
        token = "þ" + token[1:]
    return token.lower()


@dataclass(frozen=True)
class ChannelParams:
    """Per-document error rates.  ``drop``: P(a marked syllable lost every mark);
    ``garble``: P(a token was misread in some other way)."""

    drop: float = 0.01
    garble: float = 0.01

    # Share of unmarked syllables in clean Vietnamese prose (corpus sample: 0.08-0.22).
    CLEAN_PLAIN_SHARE = 0.15
    # Share of unexplained lowercase tokens in clean prose (held-out sample: 0.015-0.02).
    CLEAN_ODD_SHARE = 0.02

    @classmethod
    def estimate(cls, words: Iterable[str],
                 known: Callable[[str], bool] | None = None) -> ChannelParams:
        """Estimate the rates from the word tokens of a document or block.

        ``drop`` comes from the share of unmarked syllables; ``garble`` from the share of
        lowercase or digit-bearing tokens that no known syllable explains (``known`` tells
        whether a skeleton belongs to one).  Capitalized unknown words are names or foreign
        words in clean text, so they are not evidence of garbling.
        """
        valid = plain = odd = total = 0
        for w in words:
            if not any(c.isalpha() for c in w):
                continue
            total += 1
            if is_syllable(w):
                valid += 1
                plain += strip_marks(w) == w
            if not w.isalpha() or (w[0].islower() and known is not None
                                   and not known(skeleton(w.lower()))):
                odd += 1
        if total < 3 or valid == 0:
            return cls()
        # Shrink toward "clean" for small samples so a short line is not over-corrected.
        prior = 5
        plain_share = (plain + prior * cls.CLEAN_PLAIN_SHARE) / (valid + prior)
        drop = (plain_share - cls.CLEAN_PLAIN_SHARE) / (1 - cls.CLEAN_PLAIN_SHARE)
        drop = min(max(drop, 0.001), 0.95)
        odd_share = (odd + prior * cls.CLEAN_ODD_SHARE) / (total + prior)
        garble = min(max((odd_share - cls.CLEAN_ODD_SHARE) * 3, 0.001), 0.6)
        return cls(drop=drop, garble=garble)

    # Floor of the garble rate for Tesseract-vie output (dev: 60% fewer word errors at
    # 0.01, while correct text would lose ~0.1% of its words at that rate).
    VIE_OCR_GARBLE = 0.01

    def for_source(self, source: str) -> ChannelParams:
        if source == "vie-ocr":
            return ChannelParams(self.drop, max(self.garble, self.VIE_OCR_GARBLE))
        return self

    def cost(self, observed: str, true: str) -> float:
        """-ln P(observed | true) for a lowercased OCR string and a lowercase syllable."""
        if observed == true:
            return -math.log((1 - self.drop) * (1 - self.garble)) if true != strip_marks(true) \
                else -math.log(1 - self.garble)
        if observed == strip_marks(true):
            return -math.log(self.drop)
        return -math.log(self.garble) + edit_cost(observed, true)
