"""A cache model of a document's own words (Kuhn & De Mori's cache language model).

A document repeats its topic words far more often than the corpora do: an article about
pig farming says "lợn" where the language model, over all its news, says "lớn".  Once a
document is decoded, a reading that its neighbourhood (``window`` words around a
position) reads often, relative to its corpus frequency, is made cheaper:

    gain = ln(1 + weight x P_near(reading) / P_corpus(reading))

the log of the cache model's share when ``weight`` of the probability mass comes from
the document itself and the rest from a unigram model (the trigram model's context is
left to the decoder).  Readings near fewer than ``least`` times gain nothing: one
occurrence is no evidence of a topic.  Pure array code over LM ids (ids below
``first_word`` are not words: never counted, never priced); the pipeline decides where
it applies and decodes again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class WordCache:
    window: int
    least: int
    first_word: int
    counts: np.ndarray  # corpus count + 1 of every LM id

    def most(self, read: np.ndarray, weight: float) -> np.ndarray:
        """The most each LM id can gain anywhere in the document ``read`` (the LM id
        decoded at every position), from its most occurrences in any one window: it
        tells the readings worth looking at."""
        at = np.flatnonzero(read >= self.first_word)
        ids = read[at]
        order = np.lexsort((at, ids))
        ids, at = ids[order], at[order]
        # Occurrences within a window that starts at each occurrence: the most of them.
        span = len(read) + self.window + 1
        keys = ids * span + at
        inside = np.searchsorted(keys, keys + self.window // 2 * 2, "right") \
            - np.arange(len(keys))
        near = np.zeros(len(self.counts), dtype=np.int64)
        np.maximum.at(near, ids, inside)
        gain = np.log1p(near * self._rate(read, weight) / self.counts)
        gain[near < self.least] = 0.0
        return gain

    def gains(self, read: np.ndarray, offered: np.ndarray, at: np.ndarray,
              own: np.ndarray, weight: float) -> np.ndarray:
        """The gain (nats) of each offered reading: ``offered`` LM ids, ``at`` the
        position of each in ``read``, ``own`` whether it is the reading decoded there
        (that occurrence is not its own evidence)."""
        half = self.window // 2
        words = np.flatnonzero(read >= self.first_word)
        if not len(words) or not len(offered):
            return np.zeros(len(offered))
        # Sorted keys (reading, position): the occurrences of a reading within the
        # window around a position are one range of them.
        span = len(read) + 2 * half + 1
        keys = np.sort(read[words] * span + words + half)
        low = np.searchsorted(keys, offered * span + at, "left")
        near = np.searchsorted(keys, offered * span + at + 2 * half, "right") - low - own
        valid = (offered >= self.first_word) & (near >= self.least)
        return np.where(valid, np.log1p(np.maximum(near, 0) * self._rate(read, weight)
                                        / self.counts[offered]), 0.0)

    def _rate(self, read: np.ndarray, weight: float) -> float:
        """P_near / P_corpus of a reading seen once in the window, per corpus count."""
        words = int((read >= self.first_word).sum())
        return weight * float(self.counts[self.first_word:].sum()) \
            / max(1, min(words, self.window // 2 * 2))
