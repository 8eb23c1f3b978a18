"""A model of a word's wider neighbourhood: which readings its surrounding words favour.

The trigram model sees two words back.  Past that, the words around a position still
tell its readings apart: "chị" goes with "anh", "em", "nói"; "lợn" with "nuôi", "thịt";
"bà" with "cụ", "cháu".  Once a document is decoded, each reading of a word gains

    gain = weight x sum over the words c decoded near..far words away (either side)
           of S[reading, c],   S[r, c] = ln P(c near r) / P(c near any word)

(a naive-Bayes log-likelihood ratio of the neighbourhood; ``vnrestore.build.context``
counts it over the corpora).  Readings the model does not know (names, foreign words,
<unk>) gain 0, which is what a neighbourhood tells about a word that has none on
record.  Pure array code over LM ids; the pipeline decides where it applies and decodes
the positions it could change again, as for the document's own words (``doccache``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FILE = "context.npy"
BLOCK = 1 << 15  # readings priced at once
META = "context_meta.json"


@dataclass(frozen=True)
class ContextModel:
    table: np.ndarray  # int8 codes (LM ids x contexts): S in steps of 1 / steps nat
    steps: int
    near: int
    far: int
    first_word: int

    @classmethod
    def load(cls, directory: Path, vocab: Sequence[str], first_word: int
             ) -> ContextModel | None:
        """The model in ``directory``, memory-mapped; None when it is not there or was
        built for another vocabulary than ``vocab``, the LM's (a rebuilt LM: rebuild it
        too)."""
        path, meta_path = directory / FILE, directory / META
        if not path.is_file() or not meta_path.is_file():
            return None
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        table = np.load(path, mmap_mode="r")
        if table.shape[0] != len(vocab) or meta.get("vocab_sha1") != vocab_sha1(vocab):
            return None
        return cls(np.asarray(table), int(meta["steps"]), int(meta["near"]),
                   int(meta["far"]), first_word)

    def most(self, read: np.ndarray, weight: float) -> np.ndarray:
        """Every reading may gain (the hot readings of ``document._Decoded``)."""
        return np.full(self.table.shape[0], np.inf)

    def gains(self, read: np.ndarray, offered: np.ndarray, at: np.ndarray,
              own: np.ndarray, weight: float) -> np.ndarray:
        """The gain (nats) of each offered reading: ``offered`` LM ids, ``at`` the
        position of each in ``read`` (the LM ids decoded, paragraph padding included:
        ids below ``first_word`` are no context).  ``own`` is unused: the position
        itself is never its own context."""
        out = np.zeros(len(offered))
        padded = np.concatenate([np.zeros(self.far, dtype=np.int32), read.astype(np.int32),
                                 np.zeros(self.far, dtype=np.int32)])
        # In blocks: a (rows x window) array per block, not per document (memory).
        for lo in range(0, len(offered), BLOCK):
            hi = lo + BLOCK
            out[lo:hi] = self._sums(padded, offered[lo:hi], at[lo:hi])
        return out * (weight / self.steps)

    def _sums(self, padded: np.ndarray, offered: np.ndarray, at: np.ndarray) -> np.ndarray:
        """The summed codes of each offered reading's window (``padded``: the read ids
        with ``far`` zeros either side)."""
        offsets = np.r_[-self.far:-self.near + 1, self.near:self.far + 1]
        ctx = padded[at[:, None] + self.far + offsets]
        valid = (ctx >= self.first_word) & (ctx < self.table.shape[1])
        known = (offered >= self.first_word) & (offered < self.table.shape[0])
        codes = self.table[np.where(known, offered, 0)[:, None], np.where(valid, ctx, 0)]
        codes[~valid] = 0
        return np.where(known, codes.sum(axis=1, dtype=np.int32), 0)


def vocab_sha1(vocab: Sequence[str]) -> str:
    """The fingerprint of the LM vocabulary the model is built on."""
    return hashlib.sha1("\n".join(vocab).encode()).hexdigest()
