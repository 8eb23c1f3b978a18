"""The Viterbi decoder against brute force over every path of small random lattices."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace

import numpy as np
import pytest

from vnrestore import decode
from vnrestore.candidates import Candidate, Repriced
from vnrestore.decode import BOS, EOS, Decoder

VOCAB = 12  # ids 0..11; 1 = <s>, 2 = </s>


class ToyLM:
    """A random trigram model in backoff form, with the LM's query methods: some
    trigrams are stored, the others back off to ``bow(u v) + bigram(v w)``, where
    ``bow`` is 0 exactly for the contexts without a stored trigram (as in the real
    model, which the decoder relies on).  ``noise`` scales the trigram-specific part;
    ``table`` holds the composed ln P(w | u v) for brute force."""

    def __init__(self, seed: int, noise: float = 1.0) -> None:
        rng = np.random.default_rng(seed)
        logit = 2 * rng.normal(size=(VOCAB, VOCAB))
        self.big = logit - np.log(np.exp(logit).sum(axis=1, keepdims=True))
        self.stored = rng.random((VOCAB,) * 3) < 0.4
        self.stored[rng.random((VOCAB, VOCAB)) < 0.3] = False  # contexts without trigrams
        self.tri = self.big[None] + noise * rng.normal(size=(VOCAB,) * 3)
        self.bow = np.where(self.stored.any(axis=2), 0.5 * rng.normal(size=(VOCAB,) * 2), 0.0)
        self.table = np.where(self.stored, self.tri, self.bow[:, :, None] + self.big[None])

    def id(self, token: str) -> int:
        return int(token[1:])

    def ids(self, tokens) -> np.ndarray:
        return np.array([self.id(t) for t in tokens], dtype=np.int64)

    def logprob(self, u, v, w) -> np.ndarray:
        return self.table[np.asarray(u), np.asarray(v), np.asarray(w)]

    def trigram(self, u, v, w) -> tuple[np.ndarray, np.ndarray]:
        hit = self.stored[u, v, w]
        return hit, self.tri[u, v, w][hit]

    def context(self, u, v) -> np.ndarray:
        return self.bow[u, v]

    def bigram(self, v, w) -> np.ndarray:
        return self.big[v, w]

    def pairs(self, v, w) -> tuple[np.ndarray, np.ndarray]:
        return self.big[v, w], self.bow[v, w]


def _lattice(rng: np.random.Generator, n: int, max_k: int) -> list[list[Candidate]]:
    out = []
    for _ in range(n):
        k = int(rng.integers(1, max_k + 1))
        ids = rng.choice([0, *range(3, VOCAB)], size=k, replace=False)
        out.append([Candidate(f"w{i}", f"w{i}", float(rng.exponential()), 0.0) for i in ids])
    return out


def _path_cost(lm: ToyLM, lattice, path, bonus) -> float:
    ids = [BOS, BOS, *(lm.id(lattice[t][k].lm_token) for t, k in enumerate(path)), EOS]
    total = sum(lattice[t][k].channel + lattice[t][k].prior for t, k in enumerate(path))
    for t in range(2, len(ids)):
        total -= lm.table[ids[t - 2], ids[t - 1], ids[t]] + bonus.get((ids[t - 1], ids[t]), 0)
    return total


def _local_scores(lm: ToyLM, lattice, path, t: int, bonus) -> list[float]:
    """Cost of every candidate of position t with the other positions as in ``path``:
    every term that involves it, the phrase bonus of its two pairs included."""
    ids = [BOS, BOS, *(lm.id(lattice[i][k].lm_token) for i, k in enumerate(path)), EOS]
    out = []
    for c in lattice[t]:
        ids[t + 2] = lm.id(c.lm_token)
        score = c.channel + c.prior
        for s in range(t + 2, min(t + 5, len(ids))):
            score -= lm.table[ids[s - 2], ids[s - 1], ids[s]]
        for s in range(t + 2, min(t + 4, len(ids))):
            score -= bonus.get((ids[s - 1], ids[s]), 0)
        out.append(score)
    return out


def _check(lm: ToyLM, decoder: Decoder, lattices, bonus) -> None:
    for lattice, decisions in zip(lattices, decoder.decode_many(lattices), strict=True):
        assert len(decisions) == len(lattice)
        paths = list(itertools.product(*(range(len(p)) for p in lattice)))
        costs = [_path_cost(lm, lattice, p, bonus) for p in paths]
        path = tuple(d.choice for d in decisions)
        assert _path_cost(lm, lattice, path, bonus) == pytest.approx(min(costs), abs=1e-9)
        for t, d in enumerate(decisions):
            local = _local_scores(lm, lattice, path, t, bonus)
            assert d.scores == pytest.approx(local, abs=1e-9)
            p = np.exp(-(np.array(local) - min(local)))
            assert d.confidence == pytest.approx(p[d.choice] / p.sum(), abs=1e-9)
            # The decoded reading is the likeliest of its position (the report's promise).
            assert d.scores[d.choice] <= min(d.scores) + 1e-9


@pytest.mark.parametrize("seed", range(6))
def test_exact_search_matches_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    lm = ToyLM(seed)
    bonus = {(int(a), int(b)): 0.7 for a, b in rng.integers(3, VOCAB, size=(10, 2))}
    # Mostly multi-candidate positions, and some runs of single ones that cut segments.
    lattices = [_lattice(rng, int(rng.integers(0, 7)), int(rng.choice([1, 2, 4])))
                for _ in range(12)]
    _check(lm, Decoder(lm, bonus, 0.7, prune=False), lattices, bonus)
    # Pruning never goes below keep_min candidates: with no longer list it changes nothing.
    decoder = Decoder(lm, bonus, 0.7)
    decoder.keep_min = 4
    _check(lm, decoder, lattices, bonus)


def test_one_block_at_a_time_together_and_in_chunks_agree(monkeypatch) -> None:
    rng = np.random.default_rng(7)
    lm = ToyLM(7)
    lattices = [_lattice(rng, int(rng.integers(0, 30)), 9) for _ in range(8)]
    decoder = Decoder(lm, {})
    together = decoder.decode_many(lattices)
    assert together == [decoder.decode(lat) for lat in lattices]
    monkeypatch.setattr(decode, "CHUNK_POSITIONS", 20)
    assert decoder.decode_many(lattices) == together


def test_shared_candidate_tuples_reuse_bigram_blocks_without_changing_anything(
        monkeypatch) -> None:
    # Words repeat: the generator gives every occurrence the same tuple, and the decoder
    # computes the bigram steps of each pair of tuples once, across chunks and calls.
    rng = np.random.default_rng(5)
    words = [tuple(p) for p in _lattice(rng, 6, 9)]
    lattices = [[words[i] for i in rng.integers(0, len(words), int(rng.integers(1, 25)))]
                for _ in range(12)]
    as_lists = [[list(p) for p in lat] for lat in lattices]  # no sharing: nothing cached
    monkeypatch.setattr(decode, "CHUNK_POSITIONS", 30)
    lm = ToyLM(5)
    want = Decoder(lm, [(4, 5)], 0.7).decode_many(as_lists)
    shared = Decoder(lm, [(4, 5)], 0.7)
    assert shared.decode_many(lattices) == want
    assert len(shared._steps.keys) > 0
    assert shared.decode_many(lattices[::-1]) == want[::-1]  # now all from the cache


def test_repriced_candidates_decode_as_candidates_with_those_priors() -> None:
    """The document passes lower the priors of one position's candidates without new
    Candidate objects (``Repriced``): the search sees exactly the lowered costs, and
    reuses the shared tuple's LM ids and bigram step tables."""
    rng = np.random.default_rng(9)
    words = [tuple(p) for p in _lattice(rng, 6, 9)]
    lattices = [[words[i] for i in rng.integers(0, len(words), int(rng.integers(1, 25)))]
                for _ in range(8)]
    repriced, explicit = [], []
    for lat in lattices:
        a, b = list(lat), list(lat)
        for k in rng.integers(0, len(lat), 3):
            gains = 3 * rng.random(len(lat[k])) * (rng.random(len(lat[k])) < 0.7)
            a[k] = Repriced(Repriced(lat[k], gains / 2), gains / 2)  # gains add up
            b[k] = tuple(replace(c, prior=c.prior - g) for c, g in zip(lat[k], gains, strict=True))
        repriced.append(a)
        explicit.append(b)
    for got, want in zip(repriced[0], explicit[0], strict=True):
        assert [c.text for c in got] == [c.text for c in want]
        assert [c.prior for c in got] == pytest.approx([c.prior for c in want])
    lm = ToyLM(9)
    assert Decoder(lm, [(4, 5)], 0.7).decode_many(repriced) == \
        Decoder(lm, [(4, 5)], 0.7).decode_many(explicit)


def test_skipping_confidences_keeps_the_choices() -> None:
    rng = np.random.default_rng(11)
    lattices = [_lattice(rng, int(rng.integers(0, 30)), 9) for _ in range(8)]
    decoder = Decoder(ToyLM(11), {})
    full = decoder.decode_many(lattices)
    quick = decoder.decode_many(lattices, confidence=False)
    assert [[d.choice for d in block] for block in quick] == \
        [[d.choice for d in block] for block in full]
    assert all(math.isnan(d.confidence) and d.scores == () for block in quick for d in block)


@pytest.mark.parametrize("high", [50, 2**62])  # packed sort, and argsort when keys are wide
def test_unique_matches_numpy(high: int) -> None:
    key = np.random.default_rng(0).integers(0, high, size=1000)
    key[::7] = key[0]
    uniq, inverse = decode._unique(key)
    want, want_inverse = np.unique(key, return_inverse=True)
    assert np.array_equal(uniq, want) and np.array_equal(inverse, want_inverse)


def test_pruned_search_is_close_and_scores_the_candidates_it_weighed() -> None:
    rng = np.random.default_rng(3)
    lm = ToyLM(3, noise=0.5)
    lattices = [_lattice(rng, 8, 9) for _ in range(10)]
    exact = Decoder(lm, {}, prune=False).decode_many(lattices)
    decoder = Decoder(lm, {})
    decoder.keep_margin = 4.0  # prunes about a quarter of the candidates here
    pruned = decoder.decode_many(lattices)
    same = dropped = 0
    for lattice, a, b in zip(lattices, exact, pruned, strict=True):
        path = [d.choice for d in b]
        for t, d in enumerate(b):
            assert len(d.scores) == len(lattice[t])
            local = _local_scores(lm, lattice, path, t, {})
            # Candidates pruned before the search have no score (probability 0); the
            # decoded one is the likeliest of those the search weighed.
            weighed = [i for i, x in enumerate(d.scores) if math.isfinite(x)]
            dropped += len(d.scores) - len(weighed)
            assert [d.scores[i] for i in weighed] == pytest.approx([local[i] for i in weighed],
                                                                   abs=1e-9)
            assert d.choice in weighed and d.scores[d.choice] == min(d.scores)
        same += [d.choice for d in a] == path
    assert same >= 8 and dropped > 0


def test_trivial_inputs() -> None:
    lm = ToyLM(0)
    decoder = Decoder(lm, {})
    assert decoder.decode([]) == []
    assert decoder.decode_many([]) == []
    single = [[Candidate("w3", "w3", 0.5)], [Candidate("w4", "w4", 0.0)]]
    out = decoder.decode(single)
    assert [d.choice for d in out] == [0, 0]
    assert all(d.confidence == 1.0 for d in out)
    expected = 0.5 - lm.table[BOS, BOS, 3] - lm.table[BOS, 3, 4] - lm.table[3, 4, EOS]
    assert out[0].scores[0] == pytest.approx(expected)
    assert not math.isnan(out[1].confidence)


def _changed_lattices(rng, lattices, reach):
    """Two changes per lattice whose positions to search are two apart (they share a
    trigram), as the pipeline's caches make readings cheaper."""
    after, changed = [], []
    for lat in lattices:
        start = int(rng.integers(0, len(lat) - 2 * reach - 2))
        new = list(lat)
        for k in (start, start + 2 * reach + 2):
            new[k] = tuple(replace(c, prior=c.prior - 4 * rng.random()) for c in lat[k])
        after.append(new)
        changed.append([start, start + 2 * reach + 2])
    return after, changed


@pytest.mark.parametrize(("seed", "reach"), [(s, r) for s in range(3) for r in (0, 1, 3)])
def test_redecode_is_the_search_with_the_words_out_of_reach_held(seed, reach) -> None:
    """The specification of redecode: decoding each lattice whole with every position
    further than ``reach`` from a change held at its reading before, and reporting every
    position as the decoder reports a decoded lattice (its local scores, neighbours as
    decoded)."""
    rng = np.random.default_rng(seed)
    lm = ToyLM(seed)
    decoder = Decoder(lm, [(5, 6), (7, 3)], 0.7, prune=False)
    lattices = [[tuple(c) for c in _lattice(rng, int(rng.integers(9, 16)), 3)]
                for _ in range(3)]
    before = decoder.decode_many(lattices)
    after, changed = _changed_lattices(rng, lattices, reach)
    held = [[cands if any(abs(j - k) <= reach for k in ks) else (cands[d.choice],)
             for j, (cands, d) in enumerate(zip(lat, decs, strict=True))]
            for lat, decs, ks in zip(after, before, changed, strict=True)]
    want = [[lat[j].index(short[j][e.choice]) for j, e in enumerate(es)]
            for lat, short, es in zip(after, held, decoder.decode_many(held), strict=True)]
    got = decoder.redecode(after, before, changed, True, reach)
    assert [[d.choice for d in ds] for ds in got] == want
    assert got == decoder.rescore(after, want)
    quick = decoder.redecode(after, before, changed, False, reach)
    assert [[d.choice for d in ds] for ds in quick] == want


def test_redecode_reaching_everything_is_decoding_again() -> None:
    rng = np.random.default_rng(21)
    lm = ToyLM(21)
    decoder = Decoder(lm, [(4, 5), (6, 7)], 0.7)
    lattices = [[tuple(p) for p in _lattice(rng, int(rng.integers(8, 40)), 5)]
                for _ in range(10)]
    before = decoder.decode_many(lattices)
    after, changed = _changed_lattices(rng, lattices, 1)
    want = decoder.decode_many(after)
    assert decoder.redecode(after, before, changed, True, 99) == want
    assert want != before  # the change mattered somewhere


def test_rescore_of_some_positions_is_that_of_all() -> None:
    rng = np.random.default_rng(4)
    lattices = [_lattice(rng, int(rng.integers(1, 20)), 6) for _ in range(6)]
    decoder = Decoder(ToyLM(4), [(4, 5)], 0.7)
    choices = [[d.choice for d in block] for block in decoder.decode_many(lattices, False)]
    full = decoder.rescore(lattices, choices)
    wanted = [sorted({0, len(lat) - 1, len(lat) // 2}) for lat in lattices]
    some = decoder.rescore(lattices, choices, wanted)
    assert some == [[block[k] for k in ks] for block, ks in zip(full, wanted, strict=True)]


def test_phrase_bonus_bit_set_matches_the_sorted_keys() -> None:
    rng = np.random.default_rng(8)
    pairs = {(int(a), int(b)) for a, b in rng.integers(0, 40, size=(200, 2))}
    decoder = Decoder(ToyLM(8), pairs, 0.7)
    a, b = rng.integers(-1, 45, size=(2, 5000))
    known = np.array(sorted(pairs))  # the pairs themselves, then mostly others
    a[: len(known)], b[: len(known)] = known.T
    fast = decoder._bonus(a, b)
    assert decoder._pair_bits() is not None
    decoder._bits = np.zeros(0, dtype=np.uint8)  # as for an id range too wide for bits
    slow = decoder._bonus(a, b)
    want = np.array([0.7 if (x, y) in pairs else 0.0
                     for x, y in zip(a.tolist(), b.tolist(), strict=True)])
    assert np.array_equal(fast, want) and np.array_equal(slow, want)


@pytest.mark.parametrize("seed", range(3))
def test_context_costs_are_the_local_scores_less_the_candidate_cost(seed: int) -> None:
    """What the document cache asks before decoding a word again: the context part of a
    reading's local score, neighbours as decoded, as the decisions report it."""
    rng = np.random.default_rng(seed)
    lm = ToyLM(seed)
    bonus = {(int(a), int(b)): 0.7 for a, b in rng.integers(3, VOCAB, size=(10, 2))}
    decoder = Decoder(lm, bonus, 0.7, lm_weight=1.3, prune=False)  # every reading scored
    lattice = _lattice(rng, 7, 4)
    decisions = decoder.decode_many([lattice])[0]
    read = [BOS, BOS, *(lm.id(lattice[t][d.choice].lm_token) for t, d in
                        enumerate(decisions)), EOS, BOS]
    term = [False, False, *[True] * len(lattice), True, False]
    for t, d in enumerate(decisions):
        window = np.array([[*read[t:t + 2], lm.id(c.lm_token), *read[t + 3:t + 5]]
                           for c in lattice[t]], dtype=np.int64)
        right = np.array([term[t + 3:t + 5]] * len(lattice[t]), dtype=bool)
        assert decoder.context_costs(window, right) == pytest.approx(d.lm, abs=1e-9)
