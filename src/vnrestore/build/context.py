"""Build the model of a word's wider neighbourhood into ``lexicons/context.npy``.

    python -m vnrestore.build context --corpora ../shared/corpora --out lexicons

The trigram model sees two words back; "chị"/"chỉ", "lợn"/"lớn", "bà"/"ba" are often
told apart by words further away ("anh", "nuôi", "cụ").  For every LM id ``r`` and each
of the ``--contexts`` most frequent syllables ``c`` (the vocabulary is sorted by count),
the builder counts how often ``c`` stands ``--near`` to ``--far`` words from ``r``,
either side, in the training documents of the LM's corpora (held-out documents never),
and stores

    S[r, c] = ln P(c near r) / P(c near any word)

with absolute discounting (``--discount``) of the counts of at least ``--min-count``; the
mass taken off, and that of the smaller counts, is the share of every other context
(so a pair seen less often than ``--min-count`` never stands on its own).  Values are
int8 in steps of 1/``--steps`` nat.  Only these statistics are written, pruned as the
LM is: no text can be read back from them.  Uses the LM build's cached token streams
(``.cache/lm``) and the LM's vocabulary (``lexicons/vocab.txt``), so build the LM first.
"""

from __future__ import annotations

import argparse
import datetime
import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ..context import FILE, META, vocab_sha1
from ..lm import EOS_ID, read_vocab
from .corpus import SOURCES, repo_root
from .lm import Config as LMConfig
from .lm import load_streams, log, to_global


@dataclass(frozen=True)
class Config:
    corpora: Path
    out: Path
    cache: Path | None
    sources: tuple[str, ...] = SOURCES
    contexts: int = 2000  # columns: the most frequent syllables (LM ids below this)
    near: int = 2  # distances near..far either side (1 is the trigram's own)
    far: int = 6
    discount: float = 0.75
    min_count: int = 3
    steps: int = 16  # int8 codes per nat
    max_docs: int | None = None
    workers: int = 2  # tokenizing processes, when the LM build's cache is not there
    argv: tuple[str, ...] = ()


def count(stream: np.ndarray, size: int, contexts: int, near: int, far: int,
          into: np.ndarray) -> None:
    """Add to ``into`` (size x contexts, flat) the pairs (word, context within near..far
    of it); <unk>, <s> and </s> never count as either (<num> and punctuation do)."""
    s = stream.astype(np.int64)
    for d in range(near, far + 1):
        for a, b in ((s[:-d], s[d:]), (s[d:], s[:-d])):
            keep = (a > EOS_ID) & (b > EOS_ID) & (b < contexts)
            into += np.bincount(a[keep] * contexts + b[keep], minlength=into.size)


def log_ratios(counts: np.ndarray, discount: float, min_count: int) -> np.ndarray:
    """S[r, c] (see the module docstring) of a (words x contexts) count matrix; rows and
    columns never seen are 0 (no evidence either way)."""
    counts = counts.astype(np.float64)
    row = counts.sum(axis=1)
    col = counts.sum(axis=0)
    p_ctx = col / max(col.sum(), 1.0)
    kept = counts >= min_count
    mass = np.where(kept, counts - discount, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        left = np.clip(1.0 - mass.sum(axis=1) / row, 1e-6, 1.0)
        share = np.where(kept, mass / row[:, None], left[:, None] * p_ctx[None, :])
        out = np.log(share / p_ctx[None, :])
    out[(row == 0)[:, None] | (col == 0)[None, :]] = 0.0
    return out


def quantize(values: np.ndarray, steps: int) -> np.ndarray:
    return np.clip(np.rint(values * steps), -127, 127).astype(np.int8)


def build(cfg: Config) -> dict:
    t_all = time.perf_counter()
    vocab = read_vocab(cfg.out)
    contexts = min(cfg.contexts, len(vocab))
    table = np.zeros(len(vocab) * contexts, dtype=np.int64)
    lm_cfg = LMConfig(corpora=cfg.corpora, out=cfg.out, cache=cfg.cache,
                      max_docs=cfg.max_docs, workers=cfg.workers)
    tokens = {}
    for source in cfg.sources:
        t0 = time.perf_counter()
        train, _ = to_global(load_streams(lm_cfg, source), vocab)
        count(train, len(vocab), contexts, cfg.near, cfg.far, table)
        tokens[source] = int(len(train))
        log(f"context: {source} counted ({len(train):,} stream ids)", t0)
    counts = table.reshape(len(vocab), contexts)
    codes = quantize(log_ratios(counts, cfg.discount, cfg.min_count), cfg.steps)
    cfg.out.mkdir(parents=True, exist_ok=True)
    np.save(cfg.out / FILE, codes)
    meta = {
        "shape": list(codes.shape), "near": cfg.near, "far": cfg.far, "steps": cfg.steps,
        "discount": cfg.discount, "min_count": cfg.min_count,
        "pairs_kept": int((counts >= cfg.min_count).sum()),
        "vocab_sha1": vocab_sha1(vocab),
        "train_stream_ids": tokens,
        "command": "python -m vnrestore.build context " + " ".join(cfg.argv),
        "built": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "build_seconds": round(time.perf_counter() - t_all, 1),
    }
    (cfg.out / META).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    log(f"wrote {cfg.out / FILE} {codes.shape}, {meta['pairs_kept']:,} pairs kept", t_all)
    return meta


def parse_args(argv: Sequence[str]) -> Config:
    root = repo_root()
    p = argparse.ArgumentParser(prog="python -m vnrestore.build context", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpora", type=Path, default=root.parent / "shared" / "corpora")
    p.add_argument("--out", type=Path, default=root / "lexicons")
    p.add_argument("--cache", type=Path, default=root / ".cache" / "lm")
    p.add_argument("--no-cache", action="store_true")
    p.add_argument("--sources", default=",".join(SOURCES))
    defaults = Config(Path(), Path(), None)
    for name in ("contexts", "near", "far", "min_count", "steps", "max_docs", "workers"):
        p.add_argument("--" + name.replace("_", "-"), type=int, default=getattr(defaults, name))
    p.add_argument("--discount", type=float, default=defaults.discount)
    a = p.parse_args(list(argv))
    return Config(corpora=a.corpora, out=a.out, cache=None if a.no_cache else a.cache,
                  sources=tuple(s for s in a.sources.split(",") if s), contexts=a.contexts,
                  near=a.near, far=a.far, discount=a.discount, min_count=a.min_count,
                  steps=a.steps, max_docs=a.max_docs, workers=a.workers, argv=tuple(argv))


def main(argv: Sequence[str] | None = None) -> int:
    cfg = parse_args(argv or [])
    log("config: " + json.dumps({k: str(v) for k, v in asdict(cfg).items()}))
    build(cfg)
    return 0
