"""Stage 4: choose the best reading of a paragraph with a second-order Viterbi search.

The score of a path is the sum of channel costs, extra priors, and -ln P of every
syllable given the two before it under the trigram language model, minus a bonus for
consecutive syllables that form a known phrase.

How it is fast (decode_many of a whole document: ~10x the former per-paragraph search):

* Every paragraph of a call is laid out on one chain ``<s> <s> para </s> <s> <s> para </s>``
  and the chain is cut wherever two consecutive positions have a single candidate: the
  trigram context is fixed there, so the pieces (*segments*) are independent, and the
  stretches between them need no search at all.
* All segments are searched together, one numpy step per position *index* rather than
  per position and paragraph: segments are sorted longest first, so those still running at
  step ``j`` are a prefix of the batch.  The trigram search keeps its states in flat
  arrays without padding, so its work is the number of real trigrams.
* Candidates far from the best by their max-marginal under a bigram model (a
  first-order forward-backward pass, ``K**2`` instead of ``K**3`` lookups per position)
  are dropped before the trigram search; positions left with one candidate cut the
  chain further.  This is the only approximation; ``prune=False`` gives the exact search.
* The backoff terms are shared: one search of the bigram table per state (v, w) gives
  ln P(w | v) and the context weight of the next step, and a trigram is looked up only
  where its context has stored trigrams: ~4x less LM work than asking ln P(w | u v) per
  transition.  Each distinct query of a chunk is asked once, in sorted order (the LM's
  binary searches then walk its tables forward; unsorted they cost ~8x more).
* The bigram pass prices each pair of candidate lists once per decoder: the generator
  shares one tuple per word, and a document repeats its word pairs.
* Lattices decoded before and changed at a few positions (the names the pipeline makes
  consistent, the words its caches make cheaper) are searched again only around the
  changes, the rest held (``redecode``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple, overload

import numpy as np

from .candidates import Candidate, Repriced
from .config import DEFAULT, RestoreConfig

if TYPE_CHECKING:
    from .lm import LanguageModelLike

BOS, EOS = 1, 2
# Lattices are decoded in chunks of about this many positions to bound memory (a chunk
# is a batch of independent paragraphs, so it never changes the output): the bigram pass
# and the search hold a few arrays per trigram state.  A 1 MB garbled file at 17
# readings a word peaked at ~450 MB with 8192, 386-394 with 4096, 352-374 with 3072; CPU
# the same for 4096 and 3072 (3 interleaved runs each), 8192 3% less.
CHUNK_POSITIONS = 3072
ARRAY_CACHE = 100_000  # positions' (ids, costs) arrays kept by the decoder
_INF = np.inf


class Decision(NamedTuple):
    """The chosen candidate of one position, with its posterior-like confidence."""

    choice: int  # into the position's candidate list
    confidence: float  # in [0, 1]
    scores: tuple[float, ...]  # local cost of every candidate, chosen context fixed
    lm: tuple[float, ...] = ()  # the context part of each score (LM and phrase bonus)


# Decisions without a confidence, shared (a document has ~10^5 positions; a NamedTuple
# per position cost as much as a fifth of the search).
_PICKS = tuple(Decision(i, math.nan, ()) for i in range(64))


def _pick(index: int) -> Decision:
    return _PICKS[index] if index < len(_PICKS) else Decision(index, math.nan, ())


@dataclass
class _Chain:
    """Candidates of a run of positions, flattened: position ``g`` owns the slots
    ``start[g] : start[g] + size[g]`` of ``ids`` (LM ids) and ``cost``."""

    ids: np.ndarray
    cost: np.ndarray
    start: np.ndarray
    size: np.ndarray
    term: np.ndarray  # position carries an LM term (False for the <s> pads and the tail)
    # Per position, the identity of its candidate list: equal types have the same LM ids
    # (0 = <s> pad or tail, 1 = </s>, -1 = a list of its own).  None once pruned.
    types: np.ndarray | None = None

    def padded(self, values: np.ndarray, pos: np.ndarray, width: int,
               fill: float) -> np.ndarray:
        """``values`` of the slots of positions ``pos`` as a (len(pos), width) array."""
        col = np.arange(width)
        idx = self.start[pos, None] + col
        valid = col < self.size[pos, None]
        return np.where(valid, values[np.minimum(idx, len(values) - 1)], fill)

    def keep(self, mask: np.ndarray) -> tuple[_Chain, np.ndarray]:
        """The chain with only the slots in ``mask``, and each kept slot's former index
        within its position."""
        slots = np.flatnonzero(mask)
        owner = np.repeat(np.arange(len(self.size)), self.size)[slots]
        size = np.bincount(owner, minlength=len(self.size))
        start = np.cumsum(size) - size
        chain = _Chain(self.ids[slots], self.cost[slots], start, size, self.term)
        return chain, slots - self.start[owner]


class _StepCosts:
    """Bigram step costs of the type pairs seen so far: sorted keys, each with the offset
    of its flat table in ``pool``."""

    LIMIT = 4_000_000  # floats kept (32 MB); then the cache starts over

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.keys = np.zeros(0, dtype=np.int64)
        self.offsets = np.zeros(0, dtype=np.int64)
        self.pool = np.zeros(0)
        self.used = 0

    def find(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(offset of each key's table, found mask); unknown and negative keys are new."""
        if self.used > self.LIMIT:
            self.clear()
        if not len(self.keys):
            return np.zeros(len(keys), dtype=np.int64), np.zeros(len(keys), dtype=bool)
        at = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        found = (self.keys[at] == keys) & (keys >= 0)
        return np.where(found, self.offsets[at], 0), found

    def add(self, keys: np.ndarray, tables: np.ndarray, sizes: np.ndarray) -> np.ndarray:
        """Store the flat ``tables`` (one per key, in order, of ``sizes``) and return
        their offsets.  Negative keys (lists of their own) are stored but not kept."""
        offsets = self.used + np.cumsum(sizes) - sizes
        end = self.used + len(tables)
        if end > len(self.pool):  # grow by doubling (appended to per chunk), up to LIMIT
            pool = np.zeros(max(min(2 * len(self.pool), self.LIMIT), end, 1024))
            pool[: self.used] = self.pool[: self.used]
            self.pool = pool
        self.pool[self.used : end] = tables
        self.used = end
        kept = keys >= 0
        merged = np.concatenate([self.keys, keys[kept]])
        order = np.argsort(merged, kind="stable")
        self.keys = merged[order]
        self.offsets = np.concatenate([self.offsets, offsets[kept]])[order]
        return offsets


@dataclass
class _Batch:
    """Segments searched side by side.  Segment ``s`` covers the positions
    ``base[s] : base[s] + length[s]``; the first two and the last two have a single
    candidate.  Row ``offsets[j] + s`` holds step ``j`` (>= 2) of segment ``s`` when
    ``s < counts[j]`` (longest segments first), at chain position ``pos[row]``; ``prev``
    is the row of the same segment one step earlier (-1 at step 2)."""

    base: np.ndarray
    length: np.ndarray
    counts: np.ndarray
    offsets: np.ndarray
    pos: np.ndarray
    prev: np.ndarray
    _spans: list[slice] | None = None

    @classmethod
    def build(cls, base: np.ndarray, length: np.ndarray) -> _Batch:
        order = np.argsort(-length, kind="stable")
        base, length = base[order], length[order]
        steps = int(length[0]) if len(length) else 0
        counts = np.searchsorted(-length, -np.arange(steps), side="left")
        counts[:2] = 0  # steps 0 and 1 are the fixed left context: no rows
        offsets = np.cumsum(counts) - counts
        step = np.repeat(np.arange(steps), counts)
        seg = np.arange(len(step)) - offsets[step]
        prev = np.where(step > 2, offsets[step - 1] + seg, -1)
        return cls(base, length, counts, offsets, base[seg] + step, prev)

    def rows(self, j: int) -> slice:
        """The rows of step ``j`` (Python ints: the search loops call this per step)."""
        if self._spans is None:
            ends = (self.offsets + self.counts).tolist()
            self._spans = [slice(a, b) for a, b in zip(self.offsets.tolist(), ends, strict=True)]
        return self._spans[j]


def _grid(sizes: Sequence[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]]:
    """Every combination of candidate indices of every row (last index fastest):
    (row of each combination, index along each dimension)."""
    n = np.prod(sizes, axis=0)
    row = np.repeat(np.arange(len(n)), n)
    rest = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
    out = []
    for k in reversed(sizes[1:]):
        k = k[row]
        quotient = rest // k
        out.append(rest - quotient * k)
        rest = quotient
    out.append(rest)  # below the first size already
    return row, out[::-1]


def _unique(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """np.unique(key, return_inverse=True) for non-negative int64 keys, faster: the keys
    are sorted with their index packed into the low bits (a plain sort beats argsort by
    a third), and the inverse comes from a cumulative sum."""
    n = len(key)
    shift = max(n - 1, 1).bit_length()
    if n and int(key.max()) < 1 << (63 - shift):
        packed = np.sort((key << shift) | np.arange(n))
        ordered, order = packed >> shift, packed & ((1 << shift) - 1)
    else:
        order = np.argsort(key, kind="stable")
        ordered = key[order]
    new = np.empty(n, dtype=bool)
    new[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
    inverse = np.empty(n, dtype=np.intp)
    inverse[order] = np.cumsum(new) - 1
    return ordered[new], inverse


def _local_index(chain: _Chain) -> np.ndarray:
    """Index of every slot within its position's candidate list."""
    return np.arange(len(chain.ids)) - np.repeat(chain.start, chain.size)


def _segments(size: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(first position, length) of every segment: a maximal run of positions with more
    than one candidate and no two single-candidate positions in a row, with the two
    positions on either side (single, so they fix the context)."""
    multi = np.flatnonzero(size > 1)
    if not len(multi):
        return multi, multi
    cut = np.flatnonzero(np.diff(multi) > 2) + 1
    first = multi[np.r_[0, cut]]
    last = multi[np.r_[cut - 1, len(multi) - 1]]
    return first - 2, last - first + 5


class _Held(Sequence[Candidate]):
    """A position held at one reading (``cands[choice]``) while its neighbours are searched
    again: the decoder slices the arrays it keeps for ``cands`` (a new one-candidate list
    per held position cost a sixth of ``redecode``)."""

    __slots__ = ("cands", "choice")

    def __init__(self, cands: Sequence[Candidate], choice: int) -> None:
        self.cands, self.choice = cands, choice

    def __len__(self) -> int:
        return 1

    @overload
    def __getitem__(self, i: int) -> Candidate: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[Candidate]: ...
    def __getitem__(self, i):
        return [self.cands[self.choice]][i]


def _runs(positions: list[int]) -> list[list[int]]:
    """Sorted positions in runs of positions two or fewer apart (sharing a trigram)."""
    out: list[list[int]] = []
    for j in positions:
        if out and j - out[-1][-1] <= 2:
            out[-1].append(j)
        else:
            out.append([j])
    return out


class Decoder:
    """Second-order Viterbi decoding of candidate lattices under the trigram LM."""

    def __init__(self, lm: LanguageModelLike,
                 pairs: Iterable[tuple[int, int]] | np.ndarray = (),
                 pair_bonus: float = DEFAULT.pair_bonus, lm_weight: float = 1.0,
                 prune: bool = True, config: RestoreConfig = DEFAULT) -> None:
        """``pairs``: LM id pairs (a, b) of known phrases, or their keys ``a << 32 | b``;
        each such step earns ``pair_bonus`` nats.  ``config`` gives the pruning knobs."""
        self.lm = lm
        self.lm_weight = lm_weight
        self.pair_bonus = pair_bonus
        self.prune = prune
        self.keep_min, self.keep_max = config.keep_min, config.keep_max
        self.keep_margin, self.identity_margin = config.keep_margin, config.identity_margin
        self._cache: dict[int, tuple[Sequence[Candidate], np.ndarray, np.ndarray, int]] = {}
        self._types = 1  # the last type given to a candidate tuple
        self._steps = _StepCosts()
        if not isinstance(pairs, np.ndarray):
            pairs = np.array([(a << 32) | b for a, b in pairs], dtype=np.int64)
        self._pair_keys = np.unique(pairs.astype(np.int64))  # sorted, for vector lookups
        self._bits: np.ndarray | None = None  # _pair_bits
        self._pair_radix = 0

    @classmethod
    def for_channel(cls, lm: LanguageModelLike, pairs: np.ndarray, config: RestoreConfig,
                    channel: str) -> Decoder:
        """The decoder of text priced by the channel table ``channel`` under ``config``."""
        return cls(lm, pairs, config.pair_bonus, config.lm_weight(channel), config=config)

    def decode(self, lattice: Sequence[Sequence[Candidate]]) -> list[Decision]:
        return self.decode_many([lattice])[0]

    def decode_many(self, lattices: Sequence[Sequence[Sequence[Candidate]]],
                    confidence: bool = True) -> list[list[Decision]]:
        """Decode independent paragraphs; each is its own sentence (<s> <s> ... </s>).
        ``confidence=False`` skips the confidences and local scores (NaN and empty):
        about a sixth of the work, and only reports and markers need them."""
        out: list[list[Decision]] = []
        chunk: list[Sequence[Sequence[Candidate]]] = []
        size = 0
        for lattice in lattices:
            if chunk and size + len(lattice) > CHUNK_POSITIONS:
                out.extend(self._decode_chunk(chunk, confidence))
                chunk, size = [], 0
            chunk.append(lattice)
            size += len(lattice)
        if chunk:
            out.extend(self._decode_chunk(chunk, confidence))
        return out

    def redecode(self, lattices: Sequence[Sequence[Sequence[Candidate]]],
                 before: Sequence[Sequence[Decision]], changed: Sequence[Iterable[int]],
                 confidence: bool, reach: int) -> list[list[Decision]]:
        """The decisions of lattices decoded before as ``before`` whose candidates have
        since changed only at the positions ``changed`` (same number of candidates):
        the positions at most ``reach`` from a change are searched again, the others
        keep their readings (the search over the whole lattice with those held).
        Searched positions two or fewer apart share a trigram and are searched
        together, each run between the two positions on either side as decoded, which
        hold every term that involves it; with ``confidence``, those neighbours are
        scored again around the new readings."""
        runs: list[list[Sequence[Candidate]]] = []
        where: list[tuple[int, int, list[int]]] = []  # lattice, run start, searched
        for i, (lattice, ks) in enumerate(zip(lattices, changed, strict=True)):
            live = sorted({j for k in ks for j in range(max(0, k - reach),
                                                         min(len(lattice), k + reach + 1))})
            for group in _runs(live):
                a, b = max(0, group[0] - 2), min(len(lattice), group[-1] + 3)
                searched = set(group)
                runs.append([lattice[j] if j in searched
                             else _Held(lattice[j], before[i][j].choice) for j in range(a, b)])
                where.append((i, a, group))
        out = [list(decs) for decs in before]
        for (i, a, group), found in zip(where, self.decode_many(runs, confidence),
                                        strict=True):
            for j in group:
                out[i][j] = found[j - a]
        if confidence and where:  # the held neighbours of each run, in the new context
            held: dict[int, set[int]] = {}
            for i, _, group in where:
                held.setdefault(i, set()).update(
                    range(max(0, group[0] - 2), min(len(lattices[i]), group[-1] + 3)))
                held[i].difference_update(group)
            todo = sorted(i for i, js in held.items() if js)
            near = [sorted(held[i]) for i in todo]
            for i, js, found in zip(todo, near, self.rescore(
                    [lattices[i] for i in todo], [[d.choice for d in out[i]] for i in todo],
                    near), strict=True):
                for j, dec in zip(js, found, strict=True):
                    out[i][j] = dec
        return out

    def rescore(self, lattices: Sequence[Sequence[Sequence[Candidate]]],
                choices: Sequence[Sequence[int]],
                positions: Sequence[Sequence[int]] | None = None) -> list[list[Decision]]:
        """The local scores and confidences of every candidate with the neighbours fixed
        as ``choices`` say (no search: cheap), as ``decode_many`` gives with its own;
        ``positions``: only those of each lattice (in that order)."""
        out: list[list[Decision]] = []
        for start in range(0, len(lattices), 256):  # bounded arrays, as decode_many
            part = lattices[start:start + 256]
            chain, real = self._chain(part)
            choice = np.zeros(len(chain.size), dtype=np.intp)
            choice[real] = [c for picks in choices[start:start + 256] for c in picks]
            lengths = [len(lat) for lat in part]
            if positions is not None:  # each position is scored on its own
                at = np.cumsum([0] + lengths)
                wanted = positions[start:start + 256]
                real = np.array([real[at[i] + k] for i, ks in enumerate(wanted) for k in ks],
                                dtype=np.int64)
                lengths = [len(ks) for ks in wanted]
            out.extend(self._decisions(chain, _local_index(chain), chain.size, real, choice,
                                       lengths))
        return out

    # -- one chunk ---------------------------------------------------------------------

    def _decode_chunk(self, lattices: Sequence[Sequence[Sequence[Candidate]]],
                      confidence: bool = True) -> list[list[Decision]]:
        """The decisions of ``lattices``."""
        chain, real = self._chain(lattices)
        search, index = self._pruned(chain) if self.prune else (chain, _local_index(chain))
        # Positions left with one candidate keep it; the segments get searched.
        choice = index[search.start]
        base, length = _segments(search.size)
        if len(base):
            self._viterbi(search, _Batch.build(base, length), index, choice)
        lengths = [len(lat) for lat in lattices]
        if not confidence:
            picks = iter(choice[real].tolist())
            return [[_pick(next(picks)) for _ in range(n)] for n in lengths]
        return self._decisions(search, index, chain.size, real, choice, lengths)

    def _chain(self, lattices: Sequence[Sequence[Sequence[Candidate]]]
               ) -> tuple[_Chain, np.ndarray]:
        """The chain of all lattices, and the chain position of each real position.
        Two single-candidate tail positions without LM terms end the chain, so every
        segment has its two right neighbours."""
        sizes: list[int] = []
        kinds: list[int] = []  # per position: 0 = <s> pad or tail, 1 = real, 2 = </s>
        ids: list[np.ndarray] = []
        costs: list[np.ndarray] = []
        types: list[int] = []
        pad = (np.array([BOS]), np.zeros(1), 0)
        end = (np.array([EOS]), np.zeros(1), 1)
        for lattice in lattices:
            if lattice:
                sizes += [1, 1, *map(len, lattice), 1]
                kinds += [0, 0, *[1] * len(lattice), 2]
                parts = [pad, pad, *map(self._arrays, lattice), end]
                ids += [p[0] for p in parts]
                costs += [p[1] for p in parts]
                types += [p[2] for p in parts]
        size = np.array(sizes + [1, 1], dtype=np.int64)
        kind = np.array(kinds + [0, 0], dtype=np.int8)
        chain = _Chain(np.concatenate([*ids, [BOS, BOS]]), np.concatenate([*costs, [0.0, 0.0]]),
                       np.cumsum(size) - size, size, kind > 0,
                       np.array(types + [0, 0], dtype=np.int64))
        return chain, np.flatnonzero(kind == 1)

    def readings(self, cands: Sequence[Candidate]) -> tuple[np.ndarray, np.ndarray]:
        """(LM ids, costs) of one position's candidates, as the search weighs them."""
        ids, costs, _ = self._arrays(cands)
        return ids, costs

    def context_costs(self, window: np.ndarray, term: np.ndarray) -> np.ndarray:
        """The context part of the local score (as ``Decision.lm``) of the middle id of
        each row of ``window`` (n x 5 LM ids: two neighbours either side as decoded);
        ``term`` (n x 2): whether each right neighbour has an LM term (not the padding
        past a paragraph's end)."""
        a2, a1, x, n1, n2 = window.T
        radix = int(window.max()) + 1
        lp = -self.lm_weight * self._lm_part(
            self.lm.logprob, radix, np.concatenate([a2, a1, x]),
            np.concatenate([a1, x, n1]), np.concatenate([x, n1, n2])).reshape(3, -1)
        out = lp[0] + np.where(term[:, 0], lp[1], 0.0) + np.where(term[:, 1], lp[2], 0.0)
        return out - self._bonus(a1, x) - np.where(term[:, 0], self._bonus(x, n1), 0.0)

    def _arrays(self, cands: Sequence[Candidate]) -> tuple[np.ndarray, np.ndarray, int]:
        """(LM ids, costs, type) of one position's candidates.  Computed once per shared
        tuple (the generator hands every occurrence of a word the same one): a document's
        positions are mostly repeats, and per-candidate Python work was ~1/5 of decoding.
        The type (>= 2) names the tuple for the bigram step tables; a list gets -1."""
        hit = self._cache.get(id(cands))
        if hit is not None and hit[0] is cands:
            return hit[1], hit[2], hit[3]
        # type(), not isinstance(): these are Sequences, whose ABC check costs ~10x more
        # (the search asks for ~10^6 positions' arrays).
        if type(cands) is Repriced:  # the base's ids and type, its own costs
            ids, costs, kind = self._arrays(cands.base)
            return ids, costs - cands.gains, kind
        if type(cands) is _Held:
            ids, costs, _ = self._arrays(cands.cands)
            at = slice(cands.choice, cands.choice + 1)
            return ids[at], costs[at], -1
        ids = self.lm.ids([c.lm_token for c in cands])
        costs = np.array([c.channel + c.prior for c in cands], dtype=np.float64)
        if not isinstance(cands, tuple):
            return ids, costs, -1
        if len(self._cache) >= ARRAY_CACHE:
            self._cache.clear()
            self._steps.clear()  # its types are about to be reused
        self._types += 1
        # Keyed by identity, as the tuple is immutable; holding it keeps the id its own.
        self._cache[id(cands)] = (cands, ids, costs, self._types)
        return ids, costs, self._types

    # -- scores --------------------------------------------------------------------------

    def _lm_part(self, fn, radix: int, *cols: np.ndarray):
        """``fn(*cols)`` (an LM query), asked once per distinct id tuple and in sorted
        order: the LM's binary searches then walk its tables forward."""
        if not len(cols[0]):
            return np.zeros(0)
        key = cols[0]
        for col in cols[1:]:
            key = key * radix + col
        uniq, inverse = _unique(key)
        parts = []
        for _ in cols[1:]:
            uniq, last = np.divmod(uniq, radix)
            parts.append(last)
        out = fn(uniq, *parts[::-1])
        return tuple(x[inverse] for x in out) if isinstance(out, tuple) else out[inverse]

    def _trigram(self, u: np.ndarray, v: np.ndarray, w: np.ndarray) -> np.ndarray:
        """ln P of the stored trigrams, NaN for the others."""
        hit, p3 = self.lm.trigram(u, v, w)
        out = np.full(len(u), np.nan)
        out[hit] = p3
        return out

    @staticmethod
    def _radix(chain: _Chain) -> int:
        """Base of the int64 trigram keys: above every LM id of the chain."""
        radix = int(chain.ids.max()) + 1
        if radix**3 >= 2**63:
            raise ValueError(f"vocabulary too large for int64 trigram keys: {radix}")
        return radix

    def _bonus(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Bonus (nats) for consecutive syllables that form a known phrase."""
        out = np.zeros(len(a))
        if len(self._pair_keys) and len(a):
            bits = self._pair_bits()
            if bits is not None:  # one gather per pair, not a binary search
                radix = self._pair_radix
                valid = (a >= 0) & (a < radix) & (b >= 0) & (b < radix)
                idx = np.where(valid, a * radix + b, 0)
                hit = valid & (((bits[idx >> 3] >> (7 - (idx & 7))) & 1) == 1)
            else:
                key = (a << 32) | b
                at = np.minimum(np.searchsorted(self._pair_keys, key),
                                len(self._pair_keys) - 1)
                hit = self._pair_keys[at] == key
            out[hit] = self.pair_bonus
        return out

    def _pair_bits(self) -> np.ndarray | None:
        """The phrase pairs as a bit set over ``a * radix + b`` (radix above every id of
        a pair), built on first use; None when it would take more than 32 MB."""
        if self._bits is None:
            first, second = self._pair_keys >> 32, self._pair_keys & 0xFFFFFFFF
            radix = int(max(first.max(), second.max())) + 1
            self._pair_radix = radix
            if radix * radix > 1 << 28:
                self._bits = np.zeros(0, dtype=np.uint8)
            else:
                idx = first * radix + second
                bits = np.zeros((radix * radix + 7) // 8, dtype=np.uint8)
                np.bitwise_or.at(bits, idx >> 3, (1 << (7 - (idx & 7))).astype(np.uint8))
                self._bits = bits
        return self._bits if len(self._bits) else None

    def _bigram_steps(self, chain: _Chain, pos: np.ndarray, width: int) -> np.ndarray:
        """(rows, width, width) costs of the steps into chain positions ``pos`` under the
        bigram model ln P(w | v), minus the phrase bonus; padding and positions without
        an LM term cost 0.

        The costs of a step depend only on the candidate lists of its two positions, and
        a document repeats its word pairs (a third of those of 200k words of news are
        distinct), so each pair of types is computed once per decoder (``_StepCosts``)."""
        k1, k2 = chain.size[pos - 1], chain.size[pos]
        assert chain.types is not None, "the bigram pass runs on the unpruned chain"
        t1, t2 = chain.types[pos - 1], chain.types[pos]
        key = np.where((t1 >= 0) & (t2 >= 0), (t1 << 32) | t2, -1 - np.arange(len(pos)))
        uniq, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        offset, found = self._steps.find(uniq)
        new = np.flatnonzero(~found)
        if len(new):
            rows = first[new]
            offset[new] = self._steps.add(uniq[new], self._step_table(chain, pos[rows]),
                                           k1[rows] * k2[rows])
        off = offset[inverse]
        row, (a, b) = _grid([k1, k2])
        out = np.zeros((len(pos), width, width))
        out[row, a, b] = self._steps.pool[off[row] + a * k2[row] + b]
        return out

    def _step_table(self, chain: _Chain, pos: np.ndarray) -> np.ndarray:
        """The step costs into positions ``pos``, row by row, each (a, b) table flat."""
        row, (a, b) = _grid([chain.size[pos - 1], chain.size[pos]])
        live = chain.term[pos][row]
        v = chain.ids[chain.start[pos - 1][row] + a]
        w = chain.ids[chain.start[pos][row] + b]
        out = np.zeros(len(row))
        out[live] = self._lm_part(self._pair_cost, self._radix(chain), v[live], w[live])
        return out

    def _pair_cost(self, v: np.ndarray, w: np.ndarray) -> np.ndarray:
        return -self.lm_weight * self.lm.bigram(v, w) - self._bonus(v, w)

    # -- pruning -------------------------------------------------------------------------

    def _pruned(self, chain: _Chain) -> tuple[_Chain, np.ndarray]:
        """The chain restricted to the candidates worth a trigram search, and each kept
        slot's index in its original candidate list."""
        base, length = _segments(chain.size)
        big = np.flatnonzero(chain.size > self.keep_min)
        if not len(big):
            return chain, _local_index(chain)
        # Only the segments holding a position to prune need the bigram pass.
        need = np.unique(np.searchsorted(base, big, side="right") - 1)
        marginal = self._max_marginals(chain, _Batch.build(base[need], length[need]), big)
        gap = marginal - marginal.min(axis=1, keepdims=True)
        order = np.argsort(marginal, axis=1, kind="stable")
        rank = np.empty_like(order)
        np.put_along_axis(rank, order, np.arange(order.shape[1])[None, :], axis=1)
        n = np.clip((gap < self.keep_margin).sum(axis=1), self.keep_min, self.keep_max)
        keep = rank < n[:, None]
        keep[:, 0] |= gap[:, 0] < self.identity_margin
        mask = np.ones(len(chain.ids), dtype=bool)
        col = np.arange(order.shape[1])
        valid = col < chain.size[big, None]
        slots = chain.start[big, None] + col
        mask[slots[valid]] = keep[valid]
        return chain.keep(mask)

    def _max_marginals(self, chain: _Chain, batch: _Batch, want: np.ndarray) -> np.ndarray:
        """Bigram max-marginal (cost of the best path through each candidate) of every
        candidate of the positions ``want``, as (len(want), max size), inf-padded."""
        width = int(chain.size.max())
        step = self._bigram_steps(chain, batch.pos, width)
        cost = chain.padded(chain.cost, batch.pos, width, _INF)
        steps = len(batch.counts)
        alpha = [np.zeros((0, width))] * steps
        alpha[1] = np.full((len(batch.base), width), _INF)
        alpha[1][:, 0] = 0.0
        for j in range(2, steps):
            rows = batch.rows(j)
            n = rows.stop - rows.start
            alpha[j] = (alpha[j - 1][:n, :, None] + step[rows]).min(axis=1) + cost[rows]
        # Backward pass; each segment ends on a single candidate (beta 0 there).
        beta = np.zeros((len(batch.base), width))
        marginal = np.full((len(chain.size), width), _INF)
        for j in range(steps - 1, 1, -1):
            rows = batch.rows(j)
            n = rows.stop - rows.start
            beta[:n] = (step[rows] + (cost[rows] + beta[:n])[:, None, :]).min(axis=2)
            marginal[batch.pos[rows] - 1] = alpha[j - 1][:n] + beta[:n]
        return marginal[want]

    # -- search --------------------------------------------------------------------------

    def _viterbi(self, chain: _Chain, batch: _Batch, index: np.ndarray,
                 choice: np.ndarray) -> None:
        """Second-order Viterbi over all segments at once; writes the original candidate
        index of every searched position into ``choice``.

        States and transitions live in flat arrays without padding, so the work is the
        number of real trigrams.  Row r (position g) has the states (a, b) = candidates
        of (g-1, g) at ``state[r] + a * k2[r] + b``; state 0 is the start of every
        segment, whose first two positions are single.  Transitions are grouped by the
        state they enter, the candidate h of g-2 varying fastest.
        """
        pos = batch.pos
        k1, k2 = chain.size[pos - 1], chain.size[pos]
        n_state = k1 * k2
        state = 1 + np.cumsum(n_state) - n_state
        srow, (sa, sb) = _grid([k1, k2])
        sg = pos[srow]
        # Per state: the cost of its candidate b, the phrase bonus of (a, b), and its
        # transitions: how many (fan, one per h) and where they start.
        cost = chain.cost[chain.start[sg] + sb]
        bonus = self._bonus(chain.ids[chain.start[sg - 1] + sa], chain.ids[chain.start[sg] + sb])
        bonus[~chain.term[sg]] = 0.0
        fan = chain.size[sg - 2]
        first = np.cumsum(fan) - fan
        step, source = self._transitions(chain, batch, state, (srow, sa, sb))
        step -= np.repeat(bonus, fan)  # the bonus of the state each transition enters
        back = np.zeros(1 + len(srow), dtype=np.intp)
        score = np.zeros(1 + len(srow))
        # Per step: its states s0:s1 and their transitions t0:t1 (Python ints).
        state_at = np.r_[0, np.cumsum(n_state)]  # by row: states of the rows before
        trans_at = np.r_[first, len(step)]  # by state: transitions of the states before
        spans = [batch.rows(j) for j in range(2, len(batch.counts))]
        s_lo = state_at[[r.start for r in spans]]
        s_hi = state_at[[r.stop for r in spans]]
        bounds = zip(s_lo.tolist(), s_hi.tolist(), trans_at[s_lo].tolist(),
                     trans_at[s_hi].tolist(), strict=True)
        for s0, s1, t0, t1 in bounds:
            total = score[source[t0:t1]] + step[t0:t1]
            begin = first[s0:s1] - t0
            best = np.minimum.reduceat(total, begin)
            # argmin per state (= h): its first transition reaching the minimum.
            hit = np.flatnonzero(total == np.repeat(best, fan[s0:s1]))
            back[1 + s0 : 1 + s1] = hit[np.searchsorted(hit, begin)] - begin
            score[1 + s0 : 1 + s1] = best + cost[s0:s1]
        self._backtrace(chain, batch, state, back, index, choice)

    def _transitions(self, chain: _Chain, batch: _Batch, state: np.ndarray,
                     states: tuple[np.ndarray, np.ndarray, np.ndarray]
                     ) -> tuple[np.ndarray, np.ndarray]:
        """(LM cost, source state) of every transition (h, a) -> (a, b), in the order of
        the states ``(row, a, b)`` they enter, h fastest.

        The backoff terms are shared: one search of the bigram table per state (v, w)
        gives both ln P(w | v) for the transitions entering it and bow2(v w) for those
        leaving it, and a trigram is looked up only where its context has stored
        trigrams (bow2 != 0), about half of them."""
        pos, ids, start, radix = batch.pos, chain.ids, chain.start, self._radix(chain)
        srow, sa, sb = states
        sg = pos[srow]
        v, w = ids[start[sg - 1] + sa], ids[start[sg] + sb]
        low, bow = self._lm_part(self.lm.pairs, radix, v, w)
        # Transition t enters state ``target[t]`` from candidate h of position g-2.
        fan = chain.size[sg - 2]
        target = np.repeat(np.arange(len(srow)), fan)
        h = np.arange(len(target)) - np.repeat(np.cumsum(fan) - fan, fan)
        row = srow[target]
        prev = batch.prev[row]
        source = np.where(prev >= 0, state[prev] + h * chain.size[pos - 1][row] + sa[target], 0)
        # A transition's context is its source state; the first row of a segment leaves
        # state 0, whose context is the segment's first two (single) positions.
        first = np.flatnonzero(batch.prev < 0)
        g = pos[first]
        entry = np.zeros(len(pos))
        entry[first] = self._lm_part(self.lm.context, radix, ids[start[g - 2]], ids[start[g - 1]])
        lp = np.where(prev >= 0, np.r_[0.0, bow][source], entry[row])
        need = np.flatnonzero(lp)
        lp += low[target]
        if len(need):
            t = target[need]
            u = ids[start[sg[t] - 2] + h[need]]
            p3 = self._lm_part(self._trigram, radix, u, v[t], w[t])
            hit = ~np.isnan(p3)
            lp[need[hit]] = p3[hit]
        step = np.where(chain.term[sg][target], -self.lm_weight * lp, 0.0)
        return step, source

    @staticmethod
    def _backtrace(chain: _Chain, batch: _Batch, state: np.ndarray, back: np.ndarray,
                   index: np.ndarray, choice: np.ndarray) -> None:
        """Follow the back pointers of every segment from its final (single, single)
        state, writing the original candidate indices into ``choice``."""
        pos, k1, k2 = batch.pos, chain.size[batch.pos - 1], chain.size[batch.pos]
        rows = np.arange(len(pos))
        cur = np.zeros(len(batch.base), dtype=np.intp)
        steps = len(batch.counts)
        for j in range(steps - 1, 1, -1):
            r = rows[batch.rows(j)]
            n = len(r)
            done = batch.counts[j + 1] if j + 1 < steps else 0
            cur[done:n] = state[r[done:]]  # segments whose last step is j start here
            h = back[cur[:n]]
            a = (cur[:n] - state[r]) // k2[r]
            p = pos[r] - 2
            choice[p] = index[chain.start[p] + h]
            prev = batch.prev[r]
            cur[:n] = np.where(prev >= 0, state[prev] + h * k1[r] + a, 0)

    # -- confidences ---------------------------------------------------------------------

    def _decisions(self, chain: _Chain, index: np.ndarray, sizes: np.ndarray,
                   real: np.ndarray, choice: np.ndarray, lengths: list[int]
                   ) -> list[list[Decision]]:
        """Local posterior over the candidates the search weighed (``chain``, the pruned
        chain; ``index``: each slot's index in its full candidate list of ``sizes``): vary
        one position, keep the neighbours as decoded.  Every term that involves the
        position counts, the phrase bonus included, so the decoded reading is never less
        probable than an alternative (an exact search is optimal position by position).
        Candidates dropped before the search score inf (probability 0)."""
        if not len(real):
            return [[] for _ in lengths]
        owner = np.repeat(np.arange(len(chain.size)), chain.size)
        chosen = index == choice[owner]  # one slot per position: the decoded one
        local_choice = np.empty(len(chain.size), dtype=np.intp)
        local_choice[owner[chosen]] = np.flatnonzero(chosen) - chain.start[owner[chosen]]
        picked = chain.ids[chain.start + local_choice]
        row, (c,) = _grid([chain.size[real]])
        g = real[row]
        own = chain.ids[chain.start[g] + c]
        u = np.concatenate([picked[g - 2], picked[g - 1], own])
        v = np.concatenate([picked[g - 1], own, picked[g + 1]])
        w = np.concatenate([own, picked[g + 1], picked[g + 2]])
        lp = -self.lm_weight * self._lm_part(self.lm.logprob, self._radix(chain), u, v, w)
        lp = lp.reshape(3, -1)
        local = chain.cost[chain.start[g] + c] + lp[0]
        local += np.where(chain.term[g + 1], lp[1], 0.0)
        local += np.where(chain.term[g + 2], lp[2], 0.0)
        local -= np.where(chain.term[g], self._bonus(picked[g - 1], own), 0.0)
        local -= np.where(chain.term[g + 1], self._bonus(own, picked[g + 1]), 0.0)
        first = np.cumsum(chain.size[real]) - chain.size[real]
        low = np.minimum.reduceat(local, first)
        p = np.exp(-(local - low[row]))
        conf = p[first + local_choice[real]] / np.add.reduceat(p, first)
        # Scores in the order of each position's full candidate list.
        full_first = np.cumsum(sizes[real]) - sizes[real]
        full = np.full(int(sizes[real].sum()), np.inf)
        full[full_first[row] + index[chain.start[g] + c]] = local
        context = np.full(len(full), np.inf)
        context[full_first[row] + index[chain.start[g] + c]] = \
            local - chain.cost[chain.start[g] + c]
        scores, confs, picks = full.tolist(), conf.tolist(), choice[real].tolist()
        lms = context.tolist()
        bounds = full_first.tolist() + [len(full)]
        out: list[list[Decision]] = []
        k = 0
        for n in lengths:
            out.append([Decision(picks[i], confs[i], tuple(scores[bounds[i]:bounds[i + 1]]),
                                 tuple(lms[bounds[i]:bounds[i + 1]]))
                        for i in range(k, k + n)])
            k += n
        return out
