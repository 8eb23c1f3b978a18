"""Learn the OCR error channel from synthetic scans (``python -m vnrestore.build channel``).

Input: JSONL(.gz) records ``{"doc", "page", "font", "level", "lang", "source", "ocr"}``
(one aligned line each, from ``scripts/make_synthetic.py --split train``).  Only training
documents may be used: held-out dev sets (``.cache/synth/dev-*``, ``benchmarks/data``) and
the seeds are refused.

1. Tokens: each OCR line is aligned with its source line at the token level
   (whitespace tokens, Levenshtein opcodes over their mark-less keys; unequal replace
   blocks are resolved by a small DP with 1:1 pairs, 2:1 merges and 1:2 splits).  A 1:1
   pair whose true token is a Vietnamese syllable is *exact*, *stripped* (all marks lost:
   the per-document drop rate prices those) or *garbled*; only garbled pairs train the
   edit model, which prices ``-ln P(observed | true, garbled)``.
2. Characters: EM with Viterbi alignments, starting from the hand-written costs of
   ``vnrestore.channel``: align every garbled pair, count the operations (a true char read
   as itself, as the same letter with other marks, as another char or 2-3 chars, lost; an
   extra observed char), and re-estimate ``-ln P(op | true char)`` with hierarchical
   add-k smoothing (true char -> its base letter -> operation type).
3. Tokens again: frequent (observed, true) garbled pairs (count >= ``--min-token``) get a
   direct cost, ``-ln`` of their relative frequency smoothed toward the edit model.

Writes ``lexicons/channel_{lang}.tsv`` per OCR language (format: lexicons/README.md).
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from ..channel import ChannelModel, LearnedModel, canonical, distance, observed_form, skeleton
from ..tokenize import Kind, tokenize
from ..vietnamese import is_syllable, strip_marks

# Smoothing: P(s | t) = (c(s,t) + K_CHAR * B(s | base t)) / (N_t + K_CHAR), with
# B(e | b) = (c(e,b) + K_BASE * G(type e) / card(type)) / (N_b + K_BASE).
K_CHAR = 3.0
K_BASE = 20.0
K_INSERT = 20.0
# Number of outcomes an operation type spreads its mass over (for unseen outcomes).
CARD = {"=": 1, "~": 6, "del": 1, "sub1": 60, "subk": 3000}
# Cost of an unseen 2-3-char reading during the first (hand-cost) alignment: a little
# under substitution + insertion, so that such readings can be discovered.
DISCOVER_MULTI = 5.2
MIN_TOKEN_COUNT = 3
TOKEN_PRIOR = 5.0  # Dirichlet weight of the edit model in the token table
MAX_SKELETON_DIST = 0.67  # normalized distance beyond which a pair is a misalignment


# ----------------------------------------------------------------------------- tokens


def _word(chunk: str) -> str | None:
    """The single word token the pipeline would see in a whitespace chunk, else None."""
    words = [t.text for t in tokenize(chunk) if t.kind in (Kind.WORD, Kind.NUMBER)]
    return words[0] if len(words) == 1 else None


def _key(word: str | None, i: int, side: str) -> str:
    return f"\x00{side}{i}" if word is None else skeleton(observed_form(word))


def _sim_cost(obs: str | None, true: str | None) -> float:
    if obs is None or true is None:
        return 1.0
    return Levenshtein.normalized_distance(skeleton(observed_form(obs)),
                                           strip_marks(true.lower()))


def _block_pairs(ocr: list[str | None], src: list[str | None]
                 ) -> Iterator[tuple[str, str | None, str | None]]:
    """Resolve a replace block: ("pair"|"merge"|"split", observed, true) by a small DP."""
    n, m = len(ocr), len(src)
    inf = math.inf
    d = [[inf] * (m + 1) for _ in range(n + 1)]
    back: dict[tuple[int, int], tuple[int, int, str]] = {}
    d[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            if d[i][j] == inf:
                continue
            moves = [(1, 0, "skip", 1.0), (0, 1, "skip", 1.0)]
            if i < n and j < m:
                moves.append((1, 1, "pair", _sim_cost(ocr[i], src[j])))
            o1, o2 = (ocr[i], ocr[i + 1]) if i + 1 < n else (None, None)
            s1, s2 = (src[j], src[j + 1]) if j + 1 < m else (None, None)
            if o1 and o2 and j < m:
                moves.append((2, 1, "merge", _sim_cost(o1 + o2, src[j]) + 0.1))
            if s1 and s2 and i < n:
                moves.append((1, 2, "split", _sim_cost(ocr[i], s1 + s2) + 0.1))
            for di, dj, kind, c in moves:
                a, b = i + di, j + dj
                if a <= n and b <= m and d[i][j] + c < d[a][b]:
                    d[a][b] = d[i][j] + c
                    back[(a, b)] = (i, j, kind)
    out = []
    i, j = n, m
    while (i, j) != (0, 0):
        pi, pj, kind = back[(i, j)]
        if kind == "pair":
            out.append(("pair", ocr[pi], src[pj]))
        elif kind == "merge":
            out.append(("merge", (ocr[pi] or "") + (ocr[pi + 1] or ""), src[pj]))
        elif kind == "split":
            out.append(("split", ocr[pi], f"{src[pj]} {src[pj + 1]}"))
        i, j = pi, pj
    return reversed(out)


def token_pairs(ocr_line: str, source_line: str
                ) -> Iterator[tuple[str, str | None, str | None]]:
    """Aligned tokens of one line: ("pair"|"merge"|"split", observed, true) in original case."""
    ocr = [_word(c) for c in unicodedata.normalize("NFC", ocr_line).split()]
    src = [_word(c) for c in unicodedata.normalize("NFC", source_line).split()]
    a = [_key(w, i, "o") for i, w in enumerate(ocr)]
    b = [_key(w, i, "s") for i, w in enumerate(src)]
    # Runs of non-equal opcodes form one block: equal-length blocks pair 1:1, others go
    # through the small DP (merges, splits, skips).
    blocks: list[tuple[bool, int, int, int, int]] = []
    for op in Levenshtein.opcodes(a, b):
        same = op.tag == "equal"
        if blocks and not same and not blocks[-1][0]:
            prev = blocks[-1]
            blocks[-1] = (False, prev[1], op.src_end, prev[3], op.dest_end)
        else:
            blocks.append((same, op.src_start, op.src_end, op.dest_start, op.dest_end))
    for same, i0, i1, j0, j1 in blocks:
        if same or i1 - i0 == j1 - j0:
            for i, j in zip(range(i0, i1), range(j0, j1), strict=True):
                yield "pair", ocr[i], src[j]
        elif i1 > i0 and j1 > j0 and max(i1 - i0, j1 - j0) <= 8:
            yield from _block_pairs(ocr[i0:i1], src[j0:j1])


@dataclass
class LangData:
    lines: int = 0
    pairs: Counter = field(default_factory=Counter)  # garbled (observed, true) -> count
    kinds: Counter = field(default_factory=Counter)  # exact / stripped / garbled / ...
    levels: Counter = field(default_factory=Counter)
    fonts: Counter = field(default_factory=Counter)
    engines: Counter = field(default_factory=Counter)  # OCR engine and version per line


def _forbidden(path: Path) -> bool:
    p = str(path.resolve())
    return ("/benchmarks/data/" in p or "/seeds/" in p or path.name.startswith("dev-")
            or "heldout" in path.name)


def read_data(paths: Iterable[Path], langs: Iterable[str] | None = None) -> dict[str, LangData]:
    data: dict[str, LangData] = defaultdict(LangData)
    wanted = set(langs) if langs else None
    for path in paths:
        if _forbidden(path):
            raise SystemExit(f"refusing held-out data: {path}")
        opener = gzip.open if path.name.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                if not line.strip():
                    continue
                rec = json.loads(line)
                lang = rec.get("lang", "eng")
                if wanted is not None and lang not in wanted:
                    continue
                ld = data[lang]
                ld.lines += 1
                ld.levels[rec.get("level", "?")] += 1
                ld.fonts[rec.get("font", "?")] += 1
                ld.engines[rec.get("engine", "not recorded")] += 1
                for kind, obs, true in token_pairs(rec["ocr"], rec["source"]):
                    if kind != "pair":
                        ld.kinds[kind] += 1
                        continue
                    if obs is None or true is None:
                        continue
                    true_l = canonical(unicodedata.normalize("NFC", true.lower()))
                    if not is_syllable(true_l):
                        ld.kinds["other"] += 1
                        continue
                    o = canonical(observed_form(obs))
                    if o == true_l:
                        ld.kinds["exact"] += 1
                    elif o == strip_marks(true_l):
                        ld.kinds["stripped"] += 1
                    elif _sim_cost(obs, true_l) > MAX_SKELETON_DIST or len(o) > 2 * len(true_l) + 2:
                        ld.kinds["misaligned"] += 1
                    else:
                        ld.kinds["garbled"] += 1
                        ld.pairs[(o, true_l)] += 1
    return dict(data)


# ----------------------------------------------------------------------------- characters


def _base(ch: str) -> str:
    return strip_marks(ch)


def _multi_ok(s: str, t: str) -> bool:
    """A 2-3-char reading worth considering: none of its chars is the true letter itself
    (that is a 1:1 reading plus an insertion)."""
    b = _base(t)
    return not any(c == t or _base(c) == b for c in s)


def align(model: ChannelModel, observed: str, true: str, discover: float | None = None
          ) -> tuple[float, list[tuple[str, str]]]:
    """Viterbi alignment: cost and operations (observed part, true char); ("", t) is a
    deletion, (o, "") an insertion.  ``discover``: cost of 2-3-char readings the model
    does not know (None: only the model's own)."""
    n, m = len(observed), len(true)
    inf = math.inf
    d = [[inf] * (m + 1) for _ in range(n + 1)]
    back: dict[tuple[int, int], tuple[int, int]] = {}
    d[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            here = d[i][j]
            if here == inf:
                continue
            steps: list[tuple[int, int, float]] = []
            if i < n:
                steps.append((i + 1, j, model.insert(observed[i])))
                if j < m:
                    t = true[j]
                    steps.append((i + 1, j + 1, model.sub(observed[i], t)))
                    for k in (2, 3):
                        if i + k > n:
                            break
                        s = observed[i:i + k]
                        c = model.multi(s, t)
                        if c is None and discover is not None and _multi_ok(s, t):
                            c = discover
                        if c is not None:
                            steps.append((i + k, j + 1, c))
            if j < m:
                steps.append((i, j + 1, model.delete(true[j])))
            for a, b, c in steps:
                if here + c < d[a][b]:
                    d[a][b] = here + c
                    back[(a, b)] = (i, j)
    ops = []
    i, j = n, m
    while (i, j) != (0, 0):
        pi, pj = back[(i, j)]
        ops.append((observed[pi:i], true[pj:j]))
        i, j = pi, pj
    ops.reverse()
    return d[n][m], ops


def _event(s: str, t: str) -> tuple[str, str]:
    """(pooled event, type) of reading true char ``t`` as ``s``."""
    if s == t:
        return "=", "="
    if s == "":
        return "", "del"
    if len(s) == 1 and _base(s) == _base(t):
        return "~", "~"
    return s, "sub1" if len(s) == 1 else "subk"


def estimate(name: str, sub_counts: Counter, ins_counts: Counter, positions: int,
             evidence: Counter, k_char: float = K_CHAR, k_base: float = K_BASE) -> LearnedModel:
    """Smoothed costs from operation counts (see the module doc)."""
    by_t: dict[str, Counter] = defaultdict(Counter)
    for (s, t), c in sub_counts.items():
        by_t[t][s] += c
    by_b: dict[str, Counter] = defaultdict(Counter)
    by_type: Counter = Counter()
    raw_by_b: dict[str, set[str]] = defaultdict(set)
    for t, cnt in by_t.items():
        for s, c in cnt.items():
            e, typ = _event(s, t)
            by_b[_base(t)][e] += c
            by_type[typ] += c
            if typ in ("sub1", "subk"):
                raw_by_b[_base(t)].add(s)
    n_all = sum(by_type.values())
    glob = {typ: (by_type[typ] + 1) / (n_all + len(CARD)) / CARD[typ] for typ in CARD}

    def backoff(e: str, typ: str, b: str) -> float:
        nb = sum(by_b[b].values())
        return (by_b[b][e] + k_base * glob[typ]) / (nb + k_base)

    subs: dict[tuple[str, str], float] = {}
    multis: dict[tuple[str, str], float] = {}
    deletes: dict[str, float] = {}
    unseen: dict[str, tuple[float, float]] = {}
    for t, cnt in by_t.items():
        b = _base(t)
        nt = sum(cnt.values())

        def cost(s: str, _t: str = t, _b: str = b, _cnt: Counter = cnt, _nt: int = nt) -> float:
            e, typ = _event(s, _t)
            back = backoff(e, typ, _b)
            if typ == "~":
                back /= CARD["~"]
            return -math.log((_cnt[s] + k_char * back) / (_nt + k_char))

        subs[(t, t)] = cost(t)
        deletes[t] = cost("")
        for s in set(cnt) | raw_by_b[b]:
            if s in ("", t):
                continue
            (subs if len(s) == 1 else multis)[(s, t)] = cost(s)
        same = -math.log(k_char * backoff("~", "~", b) / CARD["~"] / (nt + k_char))
        other = -math.log(k_char * backoff("\x00", "sub1", b) / (nt + k_char))
        unseen[t] = (same, other)
    n_ins = sum(ins_counts.values())
    g_ins = (n_ins + 1) / (positions + 1) / CARD["sub1"]
    inserts = {o: -math.log((c + K_INSERT * g_ins) / (positions + K_INSERT))
               for o, c in ins_counts.items()}
    insert_unseen = -math.log(K_INSERT * g_ins / (positions + K_INSERT))
    return LearnedModel(name, subs, multis, deletes, inserts, unseen, insert_unseen,
                        dict(evidence), {})


def em(name: str, pairs: Counter, iterations: int = 2, log=print, k_char: float = K_CHAR,
       k_base: float = K_BASE) -> LearnedModel:
    """Re-estimate the character costs from Viterbi alignments, ``iterations`` times."""
    model: ChannelModel = ChannelModel()  # the hand-written costs
    evidence: Counter = Counter()
    for (o, _), c in pairs.items():
        for ch in o:
            evidence[ch] += c
    positions = sum(c * (len(t) + 1) for (_, t), c in pairs.items())
    for it in range(iterations):
        started = time.monotonic()
        sub_counts: Counter = Counter()
        ins_counts: Counter = Counter()
        total = 0.0
        for (o, t), c in pairs.items():
            cost, ops = align(model, o, t, DISCOVER_MULTI if it == 0 else None)
            total += cost * c
            for s, tc in ops:
                if tc == "":
                    ins_counts[s] += c
                else:
                    sub_counts[(s, tc)] += c
        n = sum(pairs.values())
        model = estimate(name, sub_counts, ins_counts, positions, evidence, k_char, k_base)
        log(f"  {name} EM {it + 1}: mean cost {total / max(n, 1):.3f} nats/pair under the "
            f"previous model, {len(sub_counts)} op types, {time.monotonic() - started:.1f} s")
    assert isinstance(model, LearnedModel)
    return model


def token_table(model: LearnedModel, pairs: Counter, min_count: int = MIN_TOKEN_COUNT,
                prior: float = TOKEN_PRIOR) -> dict[tuple[str, str], float]:
    """-ln P(observed | true, garbled) of frequent pairs, smoothed toward the edit model."""
    garbled_of: Counter = Counter()
    for (_, t), c in pairs.items():
        garbled_of[t] += c
    table = {}
    for (o, t), c in pairs.items():
        if c >= min_count:
            p_edit = math.exp(-distance(model, o, t))
            table[(o, t)] = -math.log((c + prior * p_edit) / (garbled_of[t] + prior))
    return table


# ----------------------------------------------------------------------------- main


def _top(counter: Counter, k: int = 8) -> str:
    return ", ".join(f"{key} {n}" for key, n in counter.most_common(k))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m vnrestore.build channel",
                                description=__doc__.split("\n\n")[0])
    root = Path(__file__).resolve().parents[3]
    p.add_argument("--data", type=Path, nargs="+",
                   default=[root / ".cache" / "synth" / "train.jsonl.gz"],
                   help="training JSONL(.gz) files from scripts/make_synthetic.py --split train")
    p.add_argument("--out", type=Path, default=root / "lexicons")
    p.add_argument("--langs", default="eng,vie")
    p.add_argument("--iterations", type=int, default=2)
    p.add_argument("--min-token", type=int, default=MIN_TOKEN_COUNT)
    p.add_argument("--k-char", type=float, default=K_CHAR, help="add-k toward the base letter")
    p.add_argument("--k-base", type=float, default=K_BASE, help="add-k toward the op type")
    argv = list(sys.argv[1:] if argv is None else argv)
    args = p.parse_args(argv)
    started = time.monotonic()
    langs = [x for x in args.langs.split(",") if x]
    data = read_data(args.data, langs)
    print(f"read {', '.join(str(x) for x in args.data)} in {time.monotonic() - started:.1f} s",
          file=sys.stderr)
    for lang in langs:
        ld = data.get(lang)
        if ld is None or not ld.pairs:
            print(f"{lang}: no garbled pairs, table not written", file=sys.stderr)
            continue
        t0 = time.monotonic()
        print(f"{lang}: {ld.lines} lines; pairs {_top(ld.kinds)}; "
              f"{len(ld.pairs)} distinct garbled pairs", file=sys.stderr)
        model = em(lang, ld.pairs, args.iterations, lambda s: print(s, file=sys.stderr),
                   args.k_char, args.k_base)
        model.tokens = token_table(model, ld.pairs, args.min_token)
        seconds = time.monotonic() - t0
        model.meta = {
            "lines": ld.lines, "garbled_pairs": sum(ld.pairs.values()),
            "garbled_share": round(ld.kinds["garbled"] / max(1, ld.kinds["garbled"]
                                   + ld.kinds["exact"] + ld.kinds["stripped"]), 4),
            "distinct_garbled_pairs": len(ld.pairs), "token_kinds": dict(ld.kinds),
            "levels": dict(ld.levels), "fonts": dict(ld.fonts), "ocr": dict(ld.engines),
            "command": "python -m vnrestore.build channel " + " ".join(argv),
            "iterations": args.iterations, "k_char": args.k_char, "k_base": args.k_base,
            "min_token": args.min_token, "data": [x.name for x in args.data],
            "built": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "seconds": round(seconds, 1),
        }
        out = args.out / f"channel_{lang}.tsv"
        model.dump(out, [
            f"vnrestore OCR error channel for Tesseract '{lang}' output "
            "(python -m vnrestore.build channel; see lexicons/README.md)",
            "records: U true same_base_unseen other_unseen | D true delete | "
            "S observed true cost | I observed insert | E observed count | "
            "T observed_token true_syllable cost; costs in nats",
        ])
        print(f"{lang}: wrote {out} ({len(model.subs) + len(model.multis_learned)} char ops, "
              f"{len(model.tokens)} tokens) in {seconds:.1f} s", file=sys.stderr)
    print(f"total {time.monotonic() - started:.1f} s", file=sys.stderr)
    return 0
