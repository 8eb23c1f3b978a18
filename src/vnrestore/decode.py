"""Stage 4: choose the best reading of a block with a second-order Viterbi search.

The score of a path is the sum of channel costs, extra priors, and -ln P of every
syllable given the two before it under the trigram language model.  All LM lookups
of a block are made in one vectorized call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .candidates import Candidate

BOS, EOS = 1, 2


@dataclass(frozen=True, slots=True)
class Decision:
    """The chosen candidate of one position, with its posterior-like confidence."""

    index: int  # into the position's candidate list
    confidence: float  # in [0, 1]
    scores: tuple[float, ...]  # local cost of every candidate, chosen context fixed


class Decoder:
    def __init__(self, lm, pair_bonus: dict[tuple[int, int], float] | None = None,
                 lm_weight: float = 1.0) -> None:
        self.lm = lm
        self.lm_weight = lm_weight
        self.pair_bonus = pair_bonus or {}

    def _ids(self, lattice: Sequence[Sequence[Candidate]]) -> list[np.ndarray]:
        return [self.lm.ids([c.lm_token for c in cands]) for cands in lattice]

    def _costs(self, lattice: Sequence[Sequence[Candidate]]) -> list[np.ndarray]:
        return [np.array([c.channel + c.prior for c in cands]) for cands in lattice]

    def _bonus(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Bonus (nats) for consecutive syllables that form a known phrase."""
        out = np.zeros((len(a), len(b)))
        if self.pair_bonus:
            for i, x in enumerate(a.tolist()):
                for j, y in enumerate(b.tolist()):
                    out[i, j] = self.pair_bonus.get((x, y), 0.0)
        return out

    def decode(self, lattice: Sequence[Sequence[Candidate]]) -> list[Decision]:
        n = len(lattice)
        if n == 0:
            return []
        ids = [np.array([BOS]), np.array([BOS]), *self._ids(lattice), np.array([EOS])]
        costs = [np.zeros(1), np.zeros(1), *self._costs(lattice), np.zeros(1)]
        # One LM call for every trigram of the lattice (+ the end-of-sentence step).
        shapes, us, vs, ws = [], [], [], []
        for t in range(2, len(ids)):
            u, v, w = np.meshgrid(ids[t - 2], ids[t - 1], ids[t], indexing="ij")
            shapes.append(u.shape)
            us.append(u.ravel()), vs.append(v.ravel()), ws.append(w.ravel())
        flat = -self.lm_weight * self.lm.logprob(np.concatenate(us), np.concatenate(vs),
                                                 np.concatenate(ws))
        tables, at = [], 0
        for shape in shapes:
            size = int(np.prod(shape))
            tables.append(flat[at : at + size].reshape(shape))
            at += size
        # score[a, b]: best cost of a path ending in (position t-1 = a, position t = b).
        score = np.zeros((1, 1))
        back: list[np.ndarray] = []
        for t in range(2, len(ids)):
            step = tables[t - 2] - self._bonus(ids[t - 1], ids[t])[None, :, :]
            total = score[:, :, None] + step  # (h, a, b)
            arg = total.argmin(axis=0)
            score = np.take_along_axis(total, arg[None], axis=0)[0] + costs[t][None, :]
            back.append(arg)
        # Trace back from the end state (last real position, EOS).
        sel = [0] * len(ids)
        sel[-2] = int(score[:, 0].argmin())
        for t in range(len(ids) - 1, 3, -1):
            sel[t - 2] = int(back[t - 2][sel[t - 1], sel[t]])
        choice = sel[2 : 2 + n]
        return self._confidences(lattice, ids, costs, tables, choice)

    def _confidences(self, lattice, ids, costs, tables, choice) -> list[Decision]:
        """Local posterior: vary one position, keep the neighbours as decoded."""
        full = [0, 0, *choice, 0]
        out = []
        for k in range(len(lattice)):
            t = k + 2
            local = costs[t].copy()
            local += tables[t - 2][full[t - 2], full[t - 1], :]
            if t + 1 < len(ids):
                local += tables[t - 1][full[t - 1], :, full[t + 1]]
            if t + 2 < len(ids):
                local += tables[t][:, full[t + 1], full[t + 2]]
            p = np.exp(-(local - local.min()))
            p /= p.sum()
            out.append(Decision(choice[k], float(p[choice[k]]), tuple(local.tolist())))
        return out
