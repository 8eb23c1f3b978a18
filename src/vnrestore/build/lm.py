"""Build the syllable trigram language model into ``lexicons/``.

    python -m vnrestore.build lm --corpora ../shared/corpora --out lexicons

Stages (each timed):
1. tokenize every training and held-out document with ``vnrestore.lm.lm_tokens``
   (2 worker processes) into int32 id streams, one per source, cached in ``.cache/lm``;
2. vocabulary: base tokens, then syllables with count >= ``--min-count``;
3. trigram counts per source with ``np.unique`` on packed uint64 keys (cached);
4. for each ``--legal-weight``: merge the sources (legal counts multiplied), estimate
   interpolated modified Kneser-Ney, prune, convert to backoff form, quantize, and
   measure held-out perplexity; the weight with the best mean log-perplexity over the
   legal and news held-out sets is written out.

Streams are padded per sentence as ``<s> <s> w1 .. wn </s>``; an n-gram whose last token
is ``<s>`` is never a prediction (it only joins two sentences) and is dropped.
Only derived statistics are written; the raw text never leaves the cache.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import multiprocessing
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import regex

from ..lm import BASE_TOKENS, BOS_ID, EOS_ID, TOKENIZER_VERSION, UNK_ID, LanguageModel, lm_tokens
from .corpus import HELDOUT_MODULUS, SOURCES, corpus_files, is_heldout, iter_documents, repo_root

LOG_ZERO = -99.0  # stored for P(<s> | ...), which is exactly 0
LLOYD_ROUNDS = 12  # k-means rounds of the 8-bit codebooks
BATCH_CHARS = 2_000_000  # text per worker job: big enough to amortize pickling
FALLBACK_DISCOUNTS = np.array([0.0, 0.5, 1.0, 1.5])  # for toy corpora without n1..n4
ARRAY_NAMES = ("lm3_keys", "lm3_logp", "lm2_keys", "lm2_logp", "lm2_bow", "lm1_logp", "lm1_bow")


@dataclass
class Config:
    corpora: Path
    out: Path
    cache: Path | None  # None: no caching
    sources: tuple[str, ...] = SOURCES
    legal_weights: tuple[int, ...] = (2,)
    min_count: int = 3
    prune2: int = 2
    prune3: int = 2
    max_docs: int | None = None
    workers: int = 2
    dev: tuple[Path, ...] = ()  # extra plain-text files to report perplexity on
    # Plain-text training sources beside the corpora (one sentence a line), by name; all
    # training text (no held-out part).  E.g. ud=../shared/corpora/ud-vtb/train.txt.
    extra: tuple[tuple[str, Path], ...] = ()
    quant: str = "q8"  # stored log-probs and weights: f16 or q8 (8-bit codebook)
    keys: str = "u32"  # n-gram keys: u64, or u32 (low halves + bucket starts)
    # Sources whose n-grams are all kept, whatever the pruning thresholds (e.g. the
    # statutory legal text and the CC BY-SA Wikipedia, while news singletons are pruned).
    keep_all: tuple[str, ...] = ()
    prune_unk: int = 2  # trigrams with <unk> need at least this count
    # Count multipliers of the sources other than legal (legal: legal_weights); default 1.
    weights: tuple[tuple[str, int], ...] = ()
    argv: tuple[str, ...] = ()  # the command line that made this config, for the record


@dataclass
class Streams:
    """One source, tokenized: source-local vocabulary and padded id streams."""

    source: str
    vocab: list[str]  # starts with BASE_TOKENS, so special ids are shared by all sources
    train: np.ndarray  # int32
    heldout: np.ndarray  # int32
    docs: dict[str, int] = field(default_factory=dict)


@dataclass
class Arrays:
    """The stored model (see vnrestore.lm for the formula) plus build statistics."""

    tables: dict[str, np.ndarray]
    stats: dict


def log(msg: str, t0: float | None = None) -> None:
    took = f" ({time.perf_counter() - t0:.1f} s)" if t0 is not None else ""
    print(f"[lm] {msg}{took}", flush=True)


# ---------------------------------------------------------------- stage 1: tokenize


def _encode_batch(job: tuple[bool, list[str]]) -> tuple[bool, list[str], np.ndarray]:
    """Worker: texts -> (heldout flag, batch vocabulary, padded int32 id stream)."""
    heldout, texts = job
    index = {t: i for i, t in enumerate(BASE_TOKENS)}
    out: list[int] = []
    for text in texts:
        for sent in lm_tokens(text):
            out += (BOS_ID, BOS_ID)
            out += [index.setdefault(t, len(index)) for t in sent]
            out.append(EOS_ID)
    return heldout, list(index), np.array(out, dtype=np.int32)


def _batches(cfg: Config, source: str, docs: dict[str, int]
             ) -> Iterator[tuple[bool, list[str]]]:
    """Group a source's documents into jobs, training and held-out kept apart."""
    pending: dict[bool, list[str]] = {False: [], True: []}
    size = {False: 0, True: 0}
    n = 0
    for src, doc_id, text in iter_documents(cfg.corpora, [source], heldout=None):
        if cfg.max_docs is not None and n >= cfg.max_docs:
            break
        n += 1
        held = is_heldout(src, doc_id)
        docs["heldout" if held else "train"] += 1
        pending[held].append(text)
        size[held] += len(text)
        if size[held] >= BATCH_CHARS:
            yield held, pending[held]
            pending[held], size[held] = [], 0
    for held in (False, True):
        if pending[held]:
            yield held, pending[held]


def tokenize_source(cfg: Config, source: str) -> Streams:
    docs = {"train": 0, "heldout": 0}
    index = {t: i for i, t in enumerate(BASE_TOKENS)}
    parts: dict[bool, list[np.ndarray]] = {False: [], True: []}
    jobs = _batches(cfg, source, docs)
    # Results are merged as they arrive, so the main process works while the pool does.
    pool = multiprocessing.get_context("fork").Pool(cfg.workers) if cfg.workers > 1 else None
    try:
        results = pool.imap(_encode_batch, jobs) if pool else map(_encode_batch, jobs)
        for held, vocab, ids in results:
            remap = np.array([index.setdefault(t, len(index)) for t in vocab], dtype=np.int32)
            parts[held].append(remap[ids])
    finally:
        if pool:
            pool.close()
            pool.join()
    cat = {h: np.concatenate(p) if p else np.zeros(0, np.int32) for h, p in parts.items()}
    return Streams(source, list(index), cat[False], cat[True], docs)


def text_streams(name: str, path: Path) -> Streams:
    """A plain-text training source (one sentence a line) as Streams (no held-out part)."""
    index = {t: i for i, t in enumerate(BASE_TOKENS)}
    out: list[int] = []
    lines = 0
    for sent in lm_tokens(path.read_text(encoding="utf-8")):
        lines += 1
        out += (BOS_ID, BOS_ID)
        out += [index.setdefault(t, len(index)) for t in sent]
        out.append(EOS_ID)
    return Streams(name, list(index), np.array(out, dtype=np.int32), np.zeros(0, np.int32),
                   {"train": lines, "heldout": 0})


def _fingerprint(cfg: Config, source: str) -> str:
    """Cache key of a source's token streams: input files, split, tokenizer, limits."""
    files = corpus_files(cfg.corpora, [source])
    parts = [f"{p.resolve()}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in files]
    parts += [source, str(cfg.max_docs), str(TOKENIZER_VERSION), str(HELDOUT_MODULUS)]
    return hashlib.sha1("|".join(parts).encode()).hexdigest()[:12]


def load_streams(cfg: Config, source: str) -> Streams:
    """Tokenized source, from the cache when it is there."""
    if cfg.cache is None:
        return tokenize_source(cfg, source)
    stem = cfg.cache / f"tokens-{source}-{_fingerprint(cfg, source)}"
    npz, meta = stem.with_suffix(".npz"), stem.with_suffix(".json")
    if npz.exists() and meta.exists():
        info = json.loads(meta.read_text(encoding="utf-8"))
        with np.load(npz) as z:
            return Streams(source, info["vocab"], z["train"], z["heldout"], info["docs"])
    streams = tokenize_source(cfg, source)
    cfg.cache.mkdir(parents=True, exist_ok=True)
    np.savez(npz, train=streams.train, heldout=streams.heldout)
    meta.write_text(json.dumps({"vocab": streams.vocab, "docs": streams.docs}), encoding="utf-8")
    return streams


# ---------------------------------------------------------------- stage 2: vocabulary


def syllable_counts(streams: Sequence[Streams]) -> Counter[str]:
    """Raw training counts of every syllable (base tokens excluded)."""
    counts: Counter[str] = Counter()
    for s in streams:
        freq = np.bincount(s.train, minlength=len(s.vocab))
        for tok, n in zip(s.vocab[len(BASE_TOKENS):], freq[len(BASE_TOKENS):].tolist(),
                          strict=True):
            counts[tok] += n
    return counts


def make_vocab(counts: Counter[str], min_count: int) -> list[str]:
    kept = sorted((t for t, n in counts.items() if n >= min_count), key=lambda t: (-counts[t], t))
    vocab = list(BASE_TOKENS) + kept
    if len(vocab) >= 65536:
        raise ValueError(f"vocabulary of {len(vocab)} does not fit 16 bits; raise --min-count")
    return vocab


def to_global(streams: Streams, vocab: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The source's train and held-out streams in global ids (rare syllables -> <unk>)."""
    index = {t: i for i, t in enumerate(vocab)}
    remap = np.array([index.get(t, UNK_ID) for t in streams.vocab], dtype=np.int64)
    return remap[streams.train], remap[streams.heldout]


# ---------------------------------------------------------------- stage 3: counting


def trigram_keys(stream: np.ndarray, size: int) -> np.ndarray:
    """Packed keys (u*V+v)*V+w of every trigram of a padded stream, minus joins (w = <s>)."""
    s = stream.astype(np.uint64)
    n = np.uint64(size)
    keys = (s[:-2] * n + s[1:-1]) * n + s[2:]
    return keys[stream[2:] != BOS_ID]


def count_trigrams(stream: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    return np.unique(trigram_keys(stream, size), return_counts=True)


def merge_counts(parts: Sequence[tuple[np.ndarray, np.ndarray, int]],
                 kept: Sequence[bool] | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """Sum (keys, counts, weight) tables into one sorted table: keys, weighted counts,
    raw counts, and (when ``kept`` flags some parts) the raw counts of those parts.

    Weighted counts feed the estimate; raw counts decide pruning, so that upweighting
    a source does not keep its singletons (evidence is the raw count, not the weight).
    An n-gram seen in a ``kept`` part is never pruned.
    """
    keys = np.concatenate([k for k, _, _ in parts])
    raw = np.concatenate([c for _, c, _ in parts]).astype(np.int64)
    weights = np.concatenate([np.full(len(k), w, np.int64) for k, _, w in parts])
    uniq, inverse = np.unique(keys, return_inverse=True)
    columns = [raw * weights, raw]
    if kept is not None and any(kept):
        flag = np.concatenate([np.full(len(k), f, bool) for (k, _, _), f in zip(parts, kept,
                                                                               strict=True)])
        columns.append(np.where(flag, raw, 0))
    merged = [np.bincount(inverse, weights=x, minlength=len(uniq)).astype(np.int64)
              for x in columns]
    return uniq, merged[0], merged[1], (merged[2] if len(merged) > 2 else None)


# ---------------------------------------------------------------- stage 4: Kneser-Ney


def discounts(counts: np.ndarray) -> np.ndarray:
    """Modified KN discounts [0, D1, D2, D3+] from the counts-of-counts n1..n4."""
    n = [int(np.count_nonzero(counts == k)) for k in (1, 2, 3, 4)]
    if min(n) == 0:
        return FALLBACK_DISCOUNTS.copy()
    y = n[0] / (n[0] + 2 * n[1])
    d = np.array([0.0, 1 - 2 * y * n[1] / n[0], 2 - 3 * y * n[2] / n[1], 3 - 4 * y * n[3] / n[2]])
    return np.clip(d, 0.0, np.array([0.0, 0.99, 1.98, 2.97]))


def _groups(ctx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(start offsets, group index of each item) for a sorted context array."""
    starts = np.flatnonzero(np.concatenate([[True], ctx[1:] != ctx[:-1]]))
    sizes = np.diff(np.append(starts, len(ctx)))
    return starts, np.repeat(np.arange(len(starts)), sizes)


def interpolate(ctx: np.ndarray, counts: np.ndarray, d: np.ndarray, lower: np.ndarray
                ) -> np.ndarray:
    """Interpolated KN: (c - D(c)) / c(ctx) + gamma(ctx) * lower, for items sorted by ctx."""
    starts, grp = _groups(ctx)
    disc = d[np.minimum(counts, 3)]
    denom = np.add.reduceat(counts.astype(np.float64), starts)
    gamma = np.add.reduceat(disc, starts) / denom  # = (D1 n1 + D2 n2 + D3 n3+) / c(ctx)
    return (counts - disc) / denom[grp] + gamma[grp] * lower


def backoff_weights(ctx: np.ndarray, p_kept: np.ndarray, lower_kept: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
    """(contexts, ln bow) making each context's backoff distribution sum to one."""
    starts, _ = _groups(ctx)
    num = 1.0 - np.add.reduceat(p_kept, starts)
    den = 1.0 - np.add.reduceat(lower_kept, starts)
    return ctx[starts], np.log(np.maximum(num, 1e-12) / np.maximum(den, 1e-12))


def quantize(values: np.ndarray, quant: str, reserved: tuple[float, ...] = ()
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(stored array, its values as float64, codebook or None).

    ``f16``: float16, and a value that is not ``reserved`` but rounds to 0 becomes the
    smallest float16 (so 0 keeps meaning "reserved 0").  ``q8``: uint8 codes; each
    ``reserved`` value has a code of its own (in order, from 0) holding it exactly, the
    others are binned by equal-population quantiles, each bin stored as its mean (the
    binning of KenLM's quantization); a bin whose mean is 0 gets 1e-9 instead."""
    values = np.asarray(values, dtype=np.float64)
    if quant == "f16":
        stored = values.astype(np.float16)
        if 0.0 in reserved:
            stored[(stored == 0) & (values != 0)] = np.finfo(np.float16).smallest_subnormal
        return stored, stored.astype(np.float64), None
    if quant != "q8":
        raise ValueError(f"unknown quantization {quant!r}")
    codes = np.zeros(len(values), dtype=np.uint8)
    book = np.zeros(256)
    free = np.ones(len(values), dtype=bool)
    for code, value in enumerate(reserved):
        hit = values == value
        codes[hit] = code
        book[code] = value
        free &= ~hit
    bins = 256 - len(reserved)
    rest = values[free]
    if len(rest):
        distinct = np.unique(rest)
        if len(distinct) <= bins:
            edges = distinct[1:]
        else:  # 1-D k-means (Lloyd), from equal-population bins
            edges = np.unique(np.quantile(rest, np.linspace(0, 1, bins + 1)[1:-1]))
            for _ in range(LLOYD_ROUNDS):
                local = np.searchsorted(edges, rest, side="right")
                cnt = np.bincount(local, minlength=len(edges) + 1)
                centre = np.bincount(local, weights=rest, minlength=len(edges) + 1)[cnt > 0] \
                    / cnt[cnt > 0]
                edges = (centre[1:] + centre[:-1]) / 2
        local = np.searchsorted(edges, rest, side="right")
        sums = np.bincount(local, weights=rest, minlength=bins)
        cnt = np.bincount(local, minlength=bins)
        centre = np.divide(sums, cnt, out=np.zeros(bins), where=cnt > 0)
        centre[(centre == 0) & (cnt > 0)] = 1e-9
        book[len(reserved):] = centre[:bins]
        codes[free] = local + len(reserved)
    return codes, book[codes], book


def narrow_keys(keys: np.ndarray, size: int, order: int, name: str) -> dict[str, np.ndarray]:
    """uint64 keys as uint32 low halves (+ bucket starts of each high half when keys of
    this order can reach 2**32); see vnrestore.lm."""
    out = {f"{name}_keys": (keys & np.uint64(0xFFFFFFFF)).astype(np.uint32)}
    if size**order > 1 << 32:
        top = -(-(size**order) // (1 << 32))  # buckets needed for every possible key
        bounds = np.arange(top + 1, dtype=np.uint64) << np.uint64(32)
        out[f"{name}_buckets"] = np.searchsorted(keys, bounds).astype(np.int64)
    return out


def estimate(keys3: np.ndarray, c3: np.ndarray, raw3: np.ndarray, free3: np.ndarray | None,
             size: int, prune2: int, prune3: int, quant: str = "f16", keys: str = "u64",
             prune_unk: int = 1) -> Arrays:
    """Interpolated modified KN trigram model, pruned, in quantized backoff form.

    ``c3``: (weighted) trigram counts for the estimate; ``raw3``: counts for pruning;
    ``free3``: counts in sources whose n-grams are never pruned (None: no such source).
    ``quant``: ``f16`` or ``q8`` (see ``quantize``); ``keys``: ``u64`` or ``u32`` (compact,
    see ``narrow_keys``).
    """
    n = np.uint64(size)
    # Bigrams are exactly the trigram tails (the padding gives every token two predecessors).
    keys2, tail, cont2 = np.unique(keys3 % (n * n), return_inverse=True, return_counts=True)
    c2 = np.bincount(tail, weights=c3, minlength=len(keys2)).astype(np.int64)  # weighted
    evidence2 = np.bincount(tail, weights=raw3, minlength=len(keys2))
    v2, w2 = (keys2 // n).astype(np.intp), (keys2 % n).astype(np.intp)
    # <s> cannot be extended to the left, so its bigrams keep raw counts (as KenLM does).
    adj2 = np.where(v2 == BOS_ID, c2, cont2)
    adj1 = np.bincount(w2, minlength=size)  # continuation counts N1+(. w)
    d1, d2, d3 = discounts(adj1), discounts(adj2), discounts(c3)

    uniform = np.full(size, 1.0 / (size - 1))
    uniform[BOS_ID] = 0.0  # <s> is never predicted
    p1 = interpolate(np.zeros(size, np.int64), adj1, d1, uniform)
    p2 = interpolate(v2, adj2, d2, p1[w2])
    p3 = interpolate(keys3 // n, c3, d3, p2[tail])

    keep3 = raw3 >= prune3
    if free3 is not None:
        keep3 |= free3 > 0
    if prune_unk > 1:  # <unk> stands for every foreign word: its rare contexts are noise
        u3, v3 = keys3 // (n * n), keys3 // n % n
        keep3 &= ~(((u3 == UNK_ID) | (v3 == UNK_ID) | (keys3 % n == UNK_ID))
                   & (raw3 < prune_unk))
    ctx3 = keys3[keep3] // n
    keep2 = evidence2 >= prune2
    if free3 is not None:
        keep2 |= np.bincount(tail, weights=free3, minlength=len(keys2)) > 0
    keep2[tail[keep3]] = True  # a stored trigram's tail is a stored bigram (if prune3 < prune2)
    pos = np.minimum(np.searchsorted(keys2, ctx3), len(keys2) - 1)
    keep2[pos[keys2[pos] == ctx3]] = True  # every stored trigram context is a stored bigram
    extra = np.setdiff1d(ctx3, keys2[keep2])  # only (<s>, <s>): P(<s> | <s>) = 0

    lp1 = np.log(np.maximum(p1, 1e-300)).astype(np.float32)
    lp1[BOS_ID] = LOG_ZERO
    n_kept2 = int(keep2.sum())
    # Stored (quantized) values; backoff weights are computed from the dequantized ones,
    # so the stored model normalizes.  (<s>, <s>) is stored with P = 0 (LOG_ZERO).
    l2, deq2, book2 = quantize(np.concatenate([np.log(p2[keep2]),
                                               np.full(len(extra), LOG_ZERO)]),
                               quant, reserved=(LOG_ZERO,))
    lp3, deq3, book3 = quantize(np.log(p3[keep3]), quant)
    if quant == "q8":
        # Coarse codes can round a context's probabilities up past a total of 1, which
        # would leave nothing to back off to; the weights are computed from the exact
        # values instead (as KenLM's quantization does) and the model sums to one only
        # up to the codes' error.
        deq2 = np.concatenate([np.log(p2[keep2]), np.full(len(extra), LOG_ZERO)])
        deq3 = np.log(p3[keep3])
    q1 = np.exp(lp1.astype(np.float64))
    q1[BOS_ID] = 0.0
    q2 = np.exp(deq2[:n_kept2])
    ctx1, lbow1 = backoff_weights(v2[keep2], q2, q1[w2[keep2]])
    bow1 = np.zeros(size, np.float32)
    bow1[ctx1] = lbow1
    q2_of_tail = q2[np.searchsorted(np.flatnonzero(keep2), tail[keep3])]
    ctx2, lbow2 = backoff_weights(ctx3, np.exp(deq3), q2_of_tail)

    k2 = np.concatenate([keys2[keep2], extra])
    order = np.argsort(k2, kind="stable")
    l2 = l2[order]
    k2 = k2[order]
    # bow2 is 0 exactly for the contexts without a stored trigram: the decoder skips
    # their trigram lookups, so a stored context's weight is never stored as 0.
    raw_b2 = np.zeros(len(k2))
    raw_b2[np.searchsorted(k2, ctx2)] = np.where(lbow2 == 0, 1e-9, lbow2)
    b2, _, book_b2 = quantize(raw_b2, quant, reserved=(0.0,))
    tables = {"lm3_keys": keys3[keep3], "lm3_logp": lp3, "lm2_keys": k2, "lm2_logp": l2,
              "lm2_bow": b2, "lm1_logp": lp1, "lm1_bow": bow1}
    for name, book in (("lm3_logp", book3), ("lm2_logp", book2), ("lm2_bow", book_b2)):
        if book is not None:
            tables[f"{name}_codebook"] = book
    if keys == "u32":
        tables.update(narrow_keys(tables["lm3_keys"], size, 3, "lm3"))
        tables.update(narrow_keys(tables["lm2_keys"], size, 2, "lm2"))
    stats = {"trigrams_total": int(len(keys3)), "trigrams_kept": int(keep3.sum()),
             "bigrams_total": int(len(keys2)), "bigrams_kept": int(len(k2)),
             "discounts": {"1": d1[1:].round(4).tolist(), "2": d2[1:].round(4).tolist(),
                           "3": d3[1:].round(4).tolist()}}
    return Arrays(tables, stats)


# ---------------------------------------------------------------- evaluation


def perplexity(model: LanguageModel, stream: np.ndarray) -> dict:
    """Per-token perplexity of a padded stream (every token and </s>, never <s>)."""
    at = np.flatnonzero(stream[2:] != BOS_ID) + 2
    if len(at) == 0:
        return {"tokens": 0, "perplexity": None, "nats_per_token": None, "unk_rate": None}
    lp = np.concatenate([model.logprob(stream[c - 2], stream[c - 1], stream[c])
                         for c in np.array_split(at, max(1, len(at) // 1_000_000))])
    return {"tokens": int(len(at)), "perplexity": round(float(np.exp(-lp.mean())), 2),
            "nats_per_token": round(float(-lp.mean()), 5),
            "unk_rate": round(float(np.mean(stream[at] == UNK_ID)), 4)}


def text_stream(path: Path, vocab: list[str]) -> np.ndarray:
    """A plain text file as a padded global-id stream (for --dev perplexities)."""
    index = {t: i for i, t in enumerate(vocab)}
    out: list[int] = []
    for sent in lm_tokens(path.read_text(encoding="utf-8")):
        out += [BOS_ID, BOS_ID, *(index.get(t, UNK_ID) for t in sent), EOS_ID]
    return np.array(out, dtype=np.int64)


def objective(ppl: dict[str, dict]) -> float:
    """ln-perplexity of the legal and news held-out sets taken together (lower is better).

    Legal and news are the users' kind of text; pooling by tokens keeps the small legal
    set (a few laws, very repetitive) from dictating the weight on its own.
    """
    wanted = [p for s, p in ppl.items() if s in ("legal", "news") and p["tokens"]]
    wanted = wanted or [p for s, p in ppl.items() if not s.startswith("dev:") and p["tokens"]]
    total = sum(p["tokens"] for p in wanted)
    if not total:
        return 0.0
    return sum(p["tokens"] * p["nats_per_token"] for p in wanted) / total


# ---------------------------------------------------------------- output


def write_model(out: Path, vocab: list[str], counts: Counter[str], arrays: Arrays,
                meta: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    with open(out / "syllables.tsv", "w", encoding="utf-8") as fh:
        for tok in vocab[len(BASE_TOKENS):]:
            fh.write(f"{tok}\t{counts[tok]}\n")
    for stale in out.glob("lm[123]_*.npy"):  # a former build's files of another form
        stale.unlink()
    for name, table in arrays.tables.items():
        np.save(out / f"{name}.npy", table)
    meta["files_bytes"] = {f"{n}.npy": (out / f"{n}.npy").stat().st_size for n in arrays.tables}
    (out / "lm_meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n",
                                      encoding="utf-8")


def _compact(meta: dict) -> tuple[bool, bool]:
    """(uint32 keys, 8-bit codes) of a build's metadata."""
    return meta.get("keys", "uint64") != "uint64", "8-bit" in meta.get("quantization", "")


def _array_rows(meta: dict) -> str:
    c = meta["counts"]
    narrow, q8 = _compact(meta)
    value = "8-bit code into `lm3_logp_codebook.npy`" if q8 else "float16"
    value2 = "8-bit codes into `lm2_logp_codebook.npy` / `lm2_bow_codebook.npy`" if q8 \
        else "float16"
    keys3 = "uint32: the low 32 bits of the sorted keys `(u*V+v)*V+w`, `lm3_buckets.npy` " \
        "giving where each value of the high bits starts" if narrow else \
        "sorted uint64 keys `(u*V+v)*V+w`"
    keys2 = "uint32 keys `v*V+w`" if narrow else "keys `v*V+w`"
    files3 = "`lm3_keys.npy`, `lm3_buckets.npy`, `lm3_logp.npy`" if narrow else \
        "`lm3_keys.npy`, `lm3_logp.npy`"
    return (f"| {files3} | {c['trigrams_kept']:,} trigrams: {keys3}; ln P(w \\| u v) {value} |\n"
            f"| `lm2_keys.npy`, `lm2_logp.npy`, `lm2_bow.npy` | {c['bigrams_kept']:,} bigrams: "
            f"{keys2}, ln P(w \\| v), ln backoff weight of `v w` as a trigram context ({value2}; "
            "exactly 0 when no trigram of that context is stored, which the decoder relies on) |")


def _pruning_note(th: dict) -> str:
    if th["prune3"] <= 1 and th["prune2"] <= 1:
        out = "singletons kept: every bigram and trigram of the training text is stored"
    else:
        out = (f"trigrams with count < {th['prune3']} and bigrams with count < "
               f"{th['prune2']} dropped")
    if th.get("keep_all"):
        out += f" (except those seen in {', '.join(th['keep_all'])}, all kept)"
    if th.get("prune_unk", 1) > 1:
        out += f", but trigrams holding `<unk>` need a count >= {th['prune_unk']}"
    return out


def _weights_note(meta: dict) -> str:
    if _compact(meta)[1]:
        return ("backoff weights computed from the unquantized values (as KenLM does: "
                "recomputing them from 8-bit codes can round a context's total past one), "
                "then quantized; the codebooks are 1-D k-means (Lloyd) of each array;")
    return ("backoff weights recomputed from the quantized values so that every context "
            "sums to one;")


def readme_section(meta: dict) -> str:
    """The ``## Language model`` section of lexicons/README.md, from the build's metadata."""
    th, c, held = meta["thresholds"], meta["counts"], meta["heldout"]
    mb = sum(meta["files_bytes"].values()) / 1e6
    docs = ", ".join(f"{s} {v['docs']['train']:,} (held out {v['docs']['heldout']:,})"
                     for s, v in meta["sources"].items())
    ppl = "\n".join(f"| {s} | {v['tokens']:,} | {v['perplexity']} | {v['unk_rate'] or 0:.2%} |"
                    for s, v in held.items() if v["tokens"])
    weights = ", ".join(f"{s} x{w}" for s, w in meta["weights"].items())
    return f"""## Language model

Built by `python -m vnrestore.build lm --corpora ../shared/corpora --out lexicons`
(`src/vnrestore/build/lm.py`; counts are cached in `.cache/lm/`, `--no-cache` to redo them).
Loaded by `vnrestore.lm.get_model()` (memory-mapped). Tokenization: `vnrestore.lm.lm_tokens`
(NFC, one sentence per line, syllables lowercase with old-style tones, other words `<unk>`,
digit runs `<num>`, punctuation `.,:;-()/?!"%` kept, other symbols dropped).

| file | what |
| --- | --- |
| `vocab.txt` | {meta['vocab_size']:,} tokens, line number = id: `<unk> <s> </s> <num>`, \
punctuation, then syllables with count >= {th['min_count']} by descending count |
| `syllables.tsv` | `syllable<TAB>count` for every vocabulary syllable (training count) |
{_array_rows(meta)}
| `lm1_logp.npy`, `lm1_bow.npy` | unigram ln P(w) and ln backoff weight (float32) |
| `lm_meta.json` | everything below, machine-readable |

- **Model**: order 3, interpolated modified Kneser-Ney (discounts from counts-of-counts;
  `<s>` bigrams keep raw counts), stored in backoff form; {_weights_note(meta)}
  natural logs.
- **Training data**: training documents only ({docs}); a document is held out iff
  `crc32("source/id") % 20 == 0` (`vnrestore.build.corpus.is_heldout`).
  Source weights: {weights} (legal counts multiplied; the weight among
  {meta['legal_weights_tried']} with the lowest perplexity on the legal+news held-out set).
- **Pruning** (on unweighted counts): {_pruning_note(th)} ({c['trigrams_total']:,} -> \
{c['trigrams_kept']:,} trigrams, {c['bigrams_total']:,} -> {c['bigrams_kept']:,} bigrams); \
{mb:.1f} MB of arrays. Singletons are kept only from text that may be redistributed \
(statutory legal text; Wikipedia, CC BY-SA): unpruned n-grams of the unlicensed news could \
re-chain its sentences, and ../shared/README.md allows pruned counts of it only. Dev-set \
word accuracy of marks-stripped news (`benchmarks/lm_research.md`): 97.38% with all \
singletons pruned, 97.47% as built, 97.87% with the news singletons too (not taken). \
`lm_meta.json` records the command and the sha256 of every input.
- **Held-out perplexity** (per token incl. `</s>`; `<unk>` is a token; `dev:` rows are
  the seed gold text, reported only, never used to choose anything):

| held-out set | tokens | perplexity | `<unk>` |
| --- | --- | --- | --- |
{ppl}

- **Provenance**: only derived statistics (n-gram probabilities and syllable counts) are
  committed, never corpus text. Counts from the Wikipedia part come from Vietnamese Wikipedia
  articles, CC BY-SA 4.0 (https://vi.wikipedia.org); legal (VLC legal corpus, statutory text)
  and news text were used for counting only. Built {meta['built']} in {meta['build_seconds']} s.
"""


def update_readme(path: Path, section: str) -> None:
    """Replace (or append) only the ``## Language model`` section; keep the others."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# lexicons/\n"
    m = regex.search(r"(?ms)^## Language model\n.*?(?=^## |\Z)", text)
    if m:
        text = text[: m.start()] + section + ("\n" if text[m.end():] else "") + text[m.end():]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")


def build(cfg: Config) -> dict:
    """Run every stage; returns the metadata written to lm_meta.json."""
    t_all = time.perf_counter()
    streams = []
    for source in cfg.sources:
        t0 = time.perf_counter()
        s = load_streams(cfg, source)
        streams.append(s)
        log(f"{source}: {s.docs} docs, {len(s.train):,} train / {len(s.heldout):,} held-out "
            "stream ids", t0)
    for name, path in cfg.extra:
        streams.append(text_streams(name, path))
        log(f"{name}: {streams[-1].docs['train']:,} lines of {path}, "
            f"{len(streams[-1].train):,} stream ids")
    t0 = time.perf_counter()
    counts = syllable_counts(streams)
    vocab = make_vocab(counts, cfg.min_count)
    log(f"vocabulary: {len(vocab):,} tokens ({len(counts):,} distinct syllables seen)", t0)

    t0 = time.perf_counter()
    tables, heldout = {}, {}
    for s in streams:
        train, held = to_global(s, vocab)
        tables[s.source] = count_trigrams(train, len(vocab))
        if len(held):
            heldout[s.source] = held
    for path in cfg.dev:
        heldout[f"dev:{path.name}"] = text_stream(path, vocab)
    log("trigram counts: " + ", ".join(f"{k} {len(v[0]):,}" for k, v in tables.items()), t0)

    best: tuple[float, int, Arrays, dict] | None = None
    for weight in cfg.legal_weights:
        t0 = time.perf_counter()
        other = dict(cfg.weights)
        parts = [(k, c, weight if src == "legal" else other.get(src, 1))
                 for src, (k, c) in tables.items()]
        kept = [src in cfg.keep_all for src in tables]
        arrays = estimate(*merge_counts(parts, kept), len(vocab), cfg.prune2, cfg.prune3,
                          cfg.quant, cfg.keys, cfg.prune_unk)
        model = LanguageModel(cfg.out, vocab, arrays.tables, {})
        ppl = {src: perplexity(model, h) for src, h in heldout.items()}
        score = objective(ppl)
        log(f"legal x{weight}: {arrays.stats['trigrams_kept']:,} trigrams, "
            f"{arrays.stats['bigrams_kept']:,} bigrams; held-out perplexity "
            + ", ".join(f"{k} {v['perplexity']}" for k, v in ppl.items())
            + f"; legal+news {np.exp(score):.2f}", t0)
        if best is None or score < best[0]:
            best = (score, weight, arrays, ppl)
    assert best is not None
    _, weight, arrays, ppl = best
    meta = _meta(cfg, vocab, streams, weight, arrays, ppl)
    meta["build_seconds"] = round(time.perf_counter() - t_all, 1)
    write_model(cfg.out, vocab, counts, arrays, meta)
    update_readme(cfg.out / "README.md", readme_section(meta))
    log(f"wrote {cfg.out} (legal x{weight})", t_all)
    return meta


def _input_hashes(cfg: Config) -> dict[str, str]:
    """sha256 of every input file (corpora, extra texts), by file name."""
    paths = corpus_files(cfg.corpora, cfg.sources) + [p for _, p in cfg.extra]
    out = {}
    for path in paths:
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            while data := fh.read(1 << 20):
                digest.update(data)
        out[Path(path).name] = digest.hexdigest()
    return out


def _meta(cfg: Config, vocab: list[str], streams: Sequence[Streams], weight: int,
          arrays: Arrays, ppl: dict) -> dict:
    return {
        "order": 3,
        "vocab_size": len(vocab),
        "smoothing": "interpolated modified Kneser-Ney, pruned, backoff form",
        "log_base": "e",
        "quantization": "lm1 float32; lm2/lm3 logp and bow "
                        + ("float16" if cfg.quant == "f16" else "8-bit codebooks"),
        "keys": "uint64" if cfg.keys == "u64" else "uint32 + buckets",
        "tokenizer_version": TOKENIZER_VERSION,
        "sources": {s.source: {"docs": s.docs, "train_stream_ids": int(len(s.train))}
                    for s in streams},
        "weights": {s.source: weight if s.source == "legal" else
                    dict(cfg.weights).get(s.source, 1) for s in streams},
        "extra_text": {name: str(path) for name, path in cfg.extra},
        "legal_weights_tried": list(cfg.legal_weights),
        "thresholds": {"min_count": cfg.min_count, "prune2": cfg.prune2, "prune3": cfg.prune3,
                       "keep_all": list(cfg.keep_all), "prune_unk": cfg.prune_unk},
        "max_docs": cfg.max_docs,
        "heldout_split": f"crc32(source/id) % {HELDOUT_MODULUS} == 0",
        # What a rebuild needs to be the same build: the command, and the inputs' hashes.
        "command": "python -m vnrestore.build lm " + " ".join(cfg.argv),
        "inputs": _input_hashes(cfg),
        "heldout": ppl,
        "counts": arrays.stats,
        "built": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


def parse_args(argv: Sequence[str]) -> Config:
    root = repo_root()
    p = argparse.ArgumentParser(prog="python -m vnrestore.build lm", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpora", type=Path, default=root.parent / "shared" / "corpora",
                   help="directory of {source}.jsonl.gz, or one .jsonl.gz file")
    p.add_argument("--out", type=Path, default=root / "lexicons")
    p.add_argument("--cache", type=Path, default=root / ".cache" / "lm")
    p.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    p.add_argument("--sources", default=",".join(SOURCES))
    p.add_argument("--legal-weight", default="2",
                   help="integer count multiplier for legal; a list (1,2,3) picks the best")
    p.add_argument("--min-count", type=int, default=3, help="vocabulary: min syllable count")
    p.add_argument("--prune2", type=int, default=2, help="keep bigrams with count >= this")
    p.add_argument("--prune3", type=int, default=2, help="keep trigrams with count >= this")
    p.add_argument("--max-docs", type=int, default=None, help="first N documents per source")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--quant", choices=("f16", "q8"), default="q8",
                   help="stored log-probs: float16, or 8-bit codes into a 256-value codebook")
    p.add_argument("--keys", choices=("u64", "u32"), default="u32",
                   help="n-gram keys: uint64, or uint32 low halves with bucket starts")
    p.add_argument("--prune-unk", type=int, default=2,
                   help="keep trigrams holding <unk> with count >= this")
    # Singletons only from sources whose text may be redistributed (statutory text, and
    # Wikipedia under CC BY-SA): unpruned n-grams of the unlicensed news could re-chain
    # its sentences, and shared/README.md allows pruned counts of it only.
    p.add_argument("--keep-all", default="legal,wiki",
                   help="comma-separated sources whose n-grams are never pruned")
    p.add_argument("--extra-text", action="append", default=[], metavar="NAME=PATH",
                   help="a plain-text training source, one sentence a line (repeatable)")
    p.add_argument("--weight", action="append", default=[], metavar="SOURCE=N",
                   help="count multiplier of a source other than legal (repeatable)")
    p.add_argument("--dev", type=Path, nargs="*", default=None,
                   help="plain-text files to report perplexity on (default: the seed gold)")
    a = p.parse_args(list(argv))
    return Config(corpora=a.corpora, out=a.out, cache=None if a.no_cache else a.cache,
                  sources=tuple(s for s in a.sources.split(",") if s),
                  legal_weights=tuple(int(w) for w in a.legal_weight.split(",")),
                  min_count=a.min_count, prune2=a.prune2, prune3=a.prune3,
                  max_docs=a.max_docs, workers=a.workers, quant=a.quant, keys=a.keys,
                  keep_all=tuple(x for x in a.keep_all.split(",") if x), prune_unk=a.prune_unk,
                  extra=tuple((n, Path(p)) for n, _, p in (e.partition("=") for e in a.extra_text)),
                  weights=tuple((n, int(w)) for n, _, w in (e.partition("=") for e in a.weight)),
                  dev=tuple(a.dev if a.dev is not None else _default_dev(root)),
                  argv=tuple(argv))


def _default_dev(root: Path) -> list[Path]:
    gold = root.parent / "shared" / "seeds" / "thuong-xuan-2024.gold.txt"
    return [gold] if gold.is_file() else []


def main(argv: Sequence[str] | None = None) -> int:
    cfg = parse_args(argv or [])
    log("config: " + json.dumps({k: str(v) for k, v in asdict(cfg).items()}))
    build(cfg)
    return 0
