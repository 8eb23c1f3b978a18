"""A cache model of a document's own words (Kuhn & De Mori's cache language model).

A document repeats its topic words far more often than the corpora do: an article about
pig farming says "lợn" where the language model, over all its news, says "lớn".  Once a
document is decoded, a reading that its neighbourhood (``window`` words around a
position) reads often, relative to its corpus frequency, is made cheaper:

    gain = ln(1 + weight x P_near(reading) / P_corpus(reading))

the log of the cache model's share when ``weight`` of the probability mass comes from
the document itself and the rest from a unigram model (the trigram model's context is
left to the decoder).  Readings near fewer than ``least`` times gain nothing: one
occurrence is no evidence of a topic.  Pure array code: the pipeline decides where it
applies and decodes again.
"""

from __future__ import annotations

import numpy as np


def cache_gains(read: np.ndarray, offered: np.ndarray, at: np.ndarray, own: np.ndarray,
                counts: np.ndarray, *, weight: float, window: int, least: int,
                first_word: int) -> np.ndarray:
    """The gain (nats) of each offered reading.

    ``read``: the LM id decoded at every position of the document (ids below
    ``first_word`` are not words and are not counted); ``offered``: LM ids of the readings
    to price, ``at``: the position of each, ``own``: whether it is the reading decoded
    there (that occurrence is not its own evidence); ``counts``: corpus count + 1 of
    every LM id."""
    half = window // 2
    words = np.flatnonzero(read >= first_word)
    if not len(words) or not len(offered):
        return np.zeros(len(offered))
    # Sorted keys (reading, position): the occurrences of a reading within the window
    # around a position are one range of them.
    span = len(read) + 2 * half + 1
    keys = np.sort(read[words] * span + words + half)
    low = np.searchsorted(keys, offered * span + at, "left")
    near = np.searchsorted(keys, offered * span + at + 2 * half, "right") - low - own
    rate = weight * float(counts[first_word:].sum()) / min(len(words), 2 * half)
    valid = (offered >= first_word) & (near >= least)
    return np.where(valid, np.log1p(np.maximum(near, 0) * rate / counts[offered]), 0.0)
