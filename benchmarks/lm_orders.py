"""Higher-order LMs (issue 14), measured before engineering them into the decoder.

    python benchmarks/lm_orders.py build NAME --order N [--prune 1,2,2] [--legal-weight 2]
    python benchmarks/lm_orders.py eval NAME [--beam 16] [--sets a,b]

``build`` estimates an interpolated modified Kneser-Ney model of any order from the
builder's cached token streams (``.cache/lm``, the vocabulary of ``lexicons/`` so the
candidates' LM ids stay valid) and stores it unquantized (float32) in
.cache/exp/NAME/ngram.npz, with its perplexity on the dev gold texts.  ``eval`` decodes
the dev sets' candidate lattices (``Restorer._block_slots``, exactly what the production
decoder sees) with one simple beam search that recombines hypotheses on the last N-1
words, so a trigram and a 4-gram are compared under the same search.  Dev sets only.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from vnrestore.build import lm as B  # noqa: E402
from vnrestore.lm import BOS_ID, EOS_ID, UNK_ID  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EXP = ROOT / ".cache" / "exp"
BENCH = ROOT / ".cache" / "bench"
UD = ROOT.parent / "shared" / "corpora" / "ud-vtb"
DEV_TEXTS = {"legal": BENCH / "dev-legal-20000.gold.txt", "news": BENCH / "dev-news-20000.gold.txt",
             "wiki": BENCH / "dev-wiki-20000.gold.txt", "ud": UD / "dev.txt"}


# ---------------------------------------------------------------- estimation


def repad(stream: np.ndarray, order: int) -> np.ndarray:
    """A builder stream (``<s> <s> w.. </s>`` per sentence) with ``order - 1`` pads."""
    extra = order - 3
    if extra <= 0:
        return stream
    starts = np.flatnonzero((stream[:-1] == BOS_ID) & (stream[1:] == BOS_ID))
    return np.insert(stream, np.repeat(starts, extra), BOS_ID)


def ngram_keys(stream: np.ndarray, order: int, size: int) -> np.ndarray:
    s = stream.astype(np.uint64)
    n = np.uint64(size)
    key = s[: len(s) - order + 1].copy()
    for k in range(1, order):
        key = key * n + s[k : len(s) - order + 1 + k]
    return key[stream[order - 1:] != BOS_ID]


def estimate(keys: np.ndarray, c: np.ndarray, raw: np.ndarray, size: int, order: int,
             prune: dict[int, int], dtype=np.float32) -> dict[str, np.ndarray]:
    """Interpolated modified KN of any order in backoff form: per order k, sorted keys,
    ln P and ln bow (0 where no stored (k+1)-gram has the context)."""
    n = np.uint64(size)
    K = {order: keys}
    C = {order: c.astype(np.int64)}
    R = {order: raw.astype(np.int64)}
    tails, adj = {}, {order: C[order]}
    for k in range(order - 1, 0, -1):
        kk, inv, cont = np.unique(K[k + 1] % (n ** np.uint64(k)), return_inverse=True,
                                  return_counts=True)
        tails[k + 1] = inv
        C[k] = np.bincount(inv, weights=C[k + 1], minlength=len(kk)).astype(np.int64)
        R[k] = np.bincount(inv, weights=R[k + 1], minlength=len(kk)).astype(np.int64)
        K[k] = kk
        if k > 1:
            first = kk // (n ** np.uint64(k - 1))
            adj[k] = np.where(first == BOS_ID, C[k], cont)
    # unigrams over the whole vocabulary: continuation counts N1+(. w)
    adj1 = np.bincount((K[2] % n).astype(np.intp), minlength=size)
    uniform = np.full(size, 1.0 / (size - 1))
    uniform[BOS_ID] = 0.0
    d = {1: B.discounts(adj1)}
    P = {1: B.interpolate(np.zeros(size, np.int64), adj1, d[1], uniform)}
    for k in range(2, order + 1):
        d[k] = B.discounts(adj[k])
        lower = P[1][(K[2] % n).astype(np.intp)] if k == 2 else P[k - 1][tails[k]]
        P[k] = B.interpolate(K[k] // n, adj[k], d[k], lower)
    # pruning with closure: tails and contexts of kept n-grams are kept
    keep = {order: R[order] >= prune.get(order, 1)}
    extras: dict[int, np.ndarray] = {}
    for k in range(order - 1, 1, -1):
        keep[k] = R[k] >= prune.get(k, 1)
        keep[k][tails[k + 1][keep[k + 1]]] = True
        ctx = np.unique(K[k + 1][keep[k + 1]] // n)
        pos = np.minimum(np.searchsorted(K[k], ctx), len(K[k]) - 1)
        found = K[k][pos] == ctx
        keep[k][pos[found]] = True
        extras[k] = ctx[~found]  # only <s>^k
    out: dict[str, np.ndarray] = {}
    lp1 = np.log(np.maximum(P[1], 1e-300))
    lp1[BOS_ID] = B.LOG_ZERO
    q = {1: lp1.astype(dtype).astype(np.float64)}
    stored_keys = {1: np.arange(size, dtype=np.uint64)}
    for k in range(2, order + 1):
        kk = K[k][keep[k]]
        lp = np.log(P[k][keep[k]])
        ex = extras.get(k, np.zeros(0, np.uint64))
        allk = np.concatenate([kk, ex])
        srt = np.argsort(allk, kind="stable")
        stored_keys[k] = allk[srt]
        q[k] = np.concatenate([lp, np.full(len(ex), B.LOG_ZERO)])[srt].astype(dtype).astype(
            np.float64)
    # backoff weights of each order-k context from the quantized stored values
    for k in range(1, order):
        hk = stored_keys[k + 1]
        real = q[k + 1] > B.LOG_ZERO / 2
        ctx = hk[real] // n
        p_hi = np.exp(q[k + 1][real])
        tail = hk[real] % (n ** np.uint64(k))
        if k == 1:
            p_lo = np.exp(q[1][tail.astype(np.intp)])
            p_lo[tail.astype(np.intp) == BOS_ID] = 0.0
        else:
            at = np.searchsorted(stored_keys[k], tail)
            p_lo = np.exp(q[k][at])
        cx, lb = B.backoff_weights(ctx, p_hi, p_lo)
        bow = np.zeros(len(stored_keys[k]))
        at = np.searchsorted(stored_keys[k], cx) if k > 1 else cx.astype(np.intp)
        lb = lb.astype(dtype).astype(np.float64)
        lb[lb == 0] = 1e-7
        bow[at] = lb
        out[f"bow{k}"] = bow.astype(dtype)
    for k in range(1, order + 1):
        out[f"keys{k}"] = stored_keys[k]
        out[f"logp{k}"] = q[k].astype(dtype)
    out["discounts"] = np.array([d[k][1:] for k in range(1, order + 1)])
    return out


class NGram:
    """Query side of an ``estimate`` model: vectorized ln P(w | history)."""

    def __init__(self, arrays: dict[str, np.ndarray], vocab: list[str]) -> None:
        self.order = sum(1 for k in arrays if k.startswith("keys"))
        self.size = len(vocab)
        self.vocab = vocab
        self.index = {t: i for i, t in enumerate(vocab)}
        self.keys = {k: arrays[f"keys{k}"] for k in range(2, self.order + 1)}
        self.logp = {k: arrays[f"logp{k}"].astype(np.float64) for k in range(1, self.order + 1)}
        self.bow = {k: arrays[f"bow{k}"].astype(np.float64) for k in range(1, self.order)}

    def _find(self, k: int, key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        keys = self.keys[k]
        pos = np.minimum(np.searchsorted(keys, key), len(keys) - 1)
        return keys[pos] == key, pos

    def logprob(self, hist: np.ndarray, w: np.ndarray) -> np.ndarray:
        """hist: (n, order-1) ids, oldest first; w: (n,)."""
        n = np.uint64(self.size)
        hist = hist.astype(np.uint64)
        w = w.astype(np.uint64)
        m = len(w)
        out = np.zeros(m)
        done = np.zeros(m, dtype=bool)
        for k in range(self.order, 1, -1):
            ctx = hist[:, self.order - k]
            for j in range(self.order - k + 1, self.order - 1):
                ctx = ctx * n + hist[:, j]
            todo = np.flatnonzero(~done)
            if not len(todo):
                break
            hit, pos = self._find(k, ctx[todo] * n + w[todo])
            out[todo[hit]] += self.logp[k][pos[hit]]
            done[todo[hit]] = True
            rest = todo[~hit]
            if k - 1 == 1:
                out[rest] += self.bow[1][ctx[rest].astype(np.intp)]
            else:
                chit, cpos = self._find(k - 1, ctx[rest])
                out[rest[chit]] += self.bow[k - 1][cpos[chit]]
        rest = np.flatnonzero(~done)
        out[rest] += self.logp[1][w[rest].astype(np.intp)]
        return out

    def perplexity(self, path: Path) -> dict:
        from vnrestore.lm import lm_tokens

        hist_rows, ws = [], []
        pad = [BOS_ID] * (self.order - 1)
        for sent in lm_tokens(path.read_text(encoding="utf-8")):
            ids = pad + [self.index.get(t, UNK_ID) for t in sent] + [EOS_ID]
            for i in range(self.order - 1, len(ids)):
                hist_rows.append(ids[i - self.order + 1 : i])
                ws.append(ids[i])
        lp = self.logprob(np.array(hist_rows), np.array(ws))
        return {"tokens": len(ws), "perplexity": round(float(np.exp(-lp.mean())), 2)}


def build(name: str, order: int, prune: list[int], legal_weight: int, ud: int,
          min_count: int) -> None:
    out = EXP / name
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    cfg = B.Config(corpora=ROOT.parent / "shared" / "corpora", out=out,
                   cache=ROOT / ".cache" / "lm")
    streams = [B.load_streams(cfg, s) for s in B.SOURCES]
    if ud:
        streams.append(B.text_streams("ud", UD / "train.txt"))
    vocab = B.make_vocab(B.syllable_counts(streams), min_count)
    size = len(vocab)
    parts = []
    for s in streams:
        train, _ = B.to_global(s, vocab)
        k, c = np.unique(ngram_keys(repad(train, order), order, size), return_counts=True)
        w = legal_weight if s.source == "legal" else (ud if s.source == "ud" else 1)
        parts.append((k, c, w))
    keys, c, raw, _ = B.merge_counts(parts)
    del parts
    pr = {k + 2: p for k, p in enumerate(prune)}  # --prune 1,2,2 = orders 2,3,4
    arrays = estimate(keys, c, raw, size, order, pr)
    seconds = time.perf_counter() - t0
    np.savez(out / "ngram.npz", **arrays)
    (out / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    model = NGram(arrays, vocab)
    ppl = {k: model.perplexity(p) for k, p in DEV_TEXTS.items() if p.exists()}
    counts = {f"{k}-grams": int(len(arrays[f"keys{k}"])) for k in range(2, order + 1)}
    info = {"order": order, "prune": prune, "legal_weight": legal_weight, "ud": ud,
            "min_count": min_count, "vocab": size, "build_seconds": round(seconds, 1),
            "counts": counts, "perplexity": ppl}
    (out / "ngram.json").write_text(json.dumps(info, indent=1), encoding="utf-8")
    print(json.dumps(info))


# ---------------------------------------------------------------- beam search


def beam_decode(lm: NGram, lattices, pair_keys: np.ndarray, lm_weight: float,
                pair_bonus: float, beam: int) -> list[list[int]]:
    """Best candidate index per position of each lattice: a beam search per block, all
    blocks stepped together; hypotheses with the same last N-1 ids are recombined."""
    order, size = lm.order, np.int64(lm.size)
    nb = len(lattices)
    lengths = np.array([len(lat) for lat in lattices])
    order_b = np.argsort(-lengths, kind="stable")
    lat_sorted = [lattices[i] for i in order_b]
    len_sorted = lengths[order_b]
    id_cache: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def arrays(cands):
        hit = id_cache.get(id(cands))
        if hit is None:
            ids = np.array([lm.index.get(c.lm_token, UNK_ID) for c in cands], dtype=np.int64)
            cost = np.array([c.channel + c.prior for c in cands])
            hit = id_cache[id(cands)] = (ids, cost, cands)
        return hit[0], hit[1]

    # hypotheses: flat arrays, grouped by block (blocks in sorted order, a prefix active)
    hb = np.arange(nb)  # block of each hypothesis
    hist = np.full((nb, order - 1), BOS_ID, dtype=np.int64)
    score = np.zeros(nb)
    backs: list[tuple[np.ndarray, np.ndarray]] = []  # per step: (parent hyp, cand index)
    hyp_block_steps = []
    steps = int(len_sorted.max()) if nb else 0
    for j in range(steps + 1):
        n_active = int(np.sum(len_sorted > j)) if j < steps else 0
        if j == steps:
            break
        live = hb < n_active
        # finished blocks are set aside below; here only live hypotheses expand
        parents = np.flatnonzero(live)
        cand_ids, cand_cost, starts, sizes = [], [], [], []
        off = 0
        for b in range(n_active):
            ids, cost = arrays(lat_sorted[b][j])
            cand_ids.append(ids)
            cand_cost.append(cost)
            starts.append(off)
            sizes.append(len(ids))
            off += len(ids)
        cid = np.concatenate(cand_ids)
        ccost = np.concatenate(cand_cost)
        starts_a, sizes_a = np.array(starts), np.array(sizes)
        pb = hb[parents]
        fan = sizes_a[pb]
        e_par = np.repeat(parents, fan)
        e_c = np.arange(fan.sum()) - np.repeat(np.cumsum(fan) - fan, fan)
        e_slot = starts_a[hb[e_par]] + e_c
        w = cid[e_slot]
        h = hist[e_par]
        lp = lm.logprob(h, w)
        bonus = np.zeros(len(w))
        if len(pair_keys):
            key = (h[:, -1] << 32) | w
            at = np.minimum(np.searchsorted(pair_keys, key), len(pair_keys) - 1)
            bonus[pair_keys[at] == key] = pair_bonus
        s = score[e_par] + ccost[e_slot] - lm_weight * lp - bonus
        newhist = np.concatenate([h[:, 1:], w[:, None]], axis=1)
        blk = hb[e_par]
        # recombine on (block, new history), then keep the best `beam` per block
        rk = blk.astype(np.int64)
        for col in range(order - 1):
            rk = rk * size + newhist[:, col]
        srt = np.lexsort((s, rk))
        first = np.ones(len(srt), dtype=bool)
        first[1:] = rk[srt][1:] != rk[srt][:-1]
        cand = srt[first]
        srt2 = cand[np.lexsort((s[cand], blk[cand]))]
        b2 = blk[srt2]
        rank = np.arange(len(srt2)) - np.searchsorted(b2, b2, side="left")
        kept = srt2[rank < beam]
        # finished blocks (length == j+1 reached) keep going only to the EOS below
        backs.append((e_par[kept], e_c[kept]))
        hyp_block_steps.append(blk[kept])
        hb, hist, score = blk[kept], newhist[kept], s[kept]
        # blocks ending at this step: add </s> and freeze their best hypothesis
        ending = np.flatnonzero(len_sorted == j + 1)
        if len(ending):
            mask = np.isin(hb, ending)
            idx = np.flatnonzero(mask)
            fin = score[idx] - lm_weight * lm.logprob(hist[idx], np.full(len(idx), EOS_ID))
            for b in ending:
                sel = idx[hb[idx] == b]
                best = sel[np.argmin(fin[np.searchsorted(idx, sel)])]
                _FINAL[b] = (j, best)
    # backtrace
    result: list[list[int]] = [[] for _ in range(nb)]
    for b in range(nb):
        if len_sorted[b] == 0:
            continue
        j, hyp = _FINAL[b]
        picks = []
        while j >= 0:
            par, c = backs[j]
            picks.append(int(c[hyp]))
            hyp = int(par[hyp]) if j > 0 else -1
            j -= 1
        result[order_b[b]] = picks[::-1]
    _FINAL.clear()
    return result


_FINAL: dict[int, tuple[int, int]] = {}


def eval_model(name: str, beam: int, only: list[str] | None) -> dict:
    """Decode every dev set's lattices with the beam search under model NAME."""
    from quick_dev import dev_sets

    from vnrestore import pipeline
    from vnrestore.channel import ChannelParams
    from vnrestore.decode import _pick
    from vnrestore.evaluate import score_lines
    from vnrestore.normalize import normalize_text
    from vnrestore.pipeline import _apply, _blocks
    from vnrestore.tokenize import Kind, tokenize

    d = EXP / name
    with np.load(d / "ngram.npz") as z:
        arrays = {k: z[k] for k in z.files}
    vocab = (d / "vocab.txt").read_text(encoding="utf-8").split("\n")[:-1]
    lm = NGram(arrays, vocab)
    restorer = pipeline.get_restorer()
    assert restorer.lm.vocab == vocab, "the model must share the lexicons' vocabulary"
    scores, secs = {}, {}
    for set_name, (inp, gold, source) in dev_sets().items():
        if only and set_name not in only:
            continue
        text = inp.read_text(encoding="utf-8")
        normalized = normalize_text(text)
        tokens = tokenize(normalized)
        params = ChannelParams.estimate((t.text for t in tokens if t.kind is Kind.WORD),
                                        restorer.generator.inventory.by_skeleton.__contains__)
        params = params.for_source(source)
        starts = [0, *(t.start + len(t.text) for t in tokens if t.kind is Kind.NEWLINE)]
        prepared = [restorer._block_slots(b, params, starts) for b in _blocks(tokens)]
        lattices = [[c for _, c in slots] for slots, _ in prepared]
        dec = restorer.decoders[source]
        t0 = time.perf_counter()
        picks = beam_decode(lm, lattices, dec._pair_keys, dec.lm_weight, dec.pair_bonus, beam)
        secs[set_name] = round(time.perf_counter() - t0, 1)
        changes = [ch for (slots, fixed), p in zip(prepared, picks, strict=True)
                   for ch in restorer._block_changes(slots, fixed, [_pick(i) for i in p], "old")]
        out = _apply(normalized, changes)
        Path(f"/tmp/beam-{name}-{set_name}.txt").write_text(out, encoding="utf-8")
        s = score_lines(gold.read_text(encoding="utf-8").split("\n"), out.split("\n"))
        scores[set_name] = round(100 * s.word_acc, 3)
        print(f"  {set_name} {scores[set_name]:.2f} ({secs[set_name]} s)", flush=True)
    row = {"name": name, "beam": beam, "scores": scores, "decode_seconds": secs}
    with open(EXP / "orders.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps(row) + "\n")
    return row


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["build", "eval"])
    ap.add_argument("name")
    ap.add_argument("--order", type=int, default=3)
    ap.add_argument("--prune", default="1,1,1", help="min raw count per order 2,3,4,..")
    ap.add_argument("--legal-weight", type=int, default=2)
    ap.add_argument("--ud", type=int, default=0, help="weight of UD train text (0: not used)")
    ap.add_argument("--min-count", type=int, default=3)
    ap.add_argument("--beam", type=int, default=16)
    ap.add_argument("--sets", default=None)
    a = ap.parse_args(argv)
    if a.cmd == "build":
        build(a.name, a.order, [int(x) for x in a.prune.split(",")], a.legal_weight, a.ud,
              a.min_count)
    else:
        eval_model(a.name, a.beam, a.sets.split(",") if a.sets else None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
