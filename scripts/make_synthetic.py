#!/usr/bin/env python3
"""Generate synthetic OCR training pairs (and small dev sets) from the clean corpora.

Renders prose paragraphs of legal / news / wiki documents as scan-like pages, degrades
them, OCRs them with Tesseract (``eng``: the garbling users have; ``vie``) and writes one
JSON record per aligned line: ``{"doc", "page", "font", "level", "lang", "engine",
"source", "ocr"}`` (``engine``: the OCR program and its version).

Examples::

    # training pairs (the output lives in the gitignored .cache/)
    python scripts/make_synthetic.py --split train --docs 300 --pages-per-doc 2 \\
        --levels clean,moderate,moderate,heavy --out .cache/synth/train.jsonl.gz
    # a line-aligned dev set from held-out documents
    python scripts/make_synthetic.py --split heldout --sources legal,wiki --docs 12 \\
        --pages-per-doc 1 --levels moderate --langs eng --out .cache/synth/dev-eng.jsonl.gz \\
        --txt-out benchmarks/data/synth-eng-moderate --max-lines 300

A level may be listed more than once to weight it.  The output never leaves raw corpus
text in the repository unless ``--txt-out`` points there (dev sets: keep them small).
"""

from __future__ import annotations

import argparse
import gzip
import heapq
import json
import math
import os
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from itertools import zip_longest
from pathlib import Path

from vnrestore.build import synth
from vnrestore.build.corpus import iter_documents

ROOT = Path(__file__).resolve().parents[1]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    p.add_argument("--split", choices=("train", "heldout"), default="train")
    p.add_argument("--sources", default="legal,news,wiki")
    p.add_argument("--docs", type=int, default=30, help="documents, spread over sources")
    p.add_argument("--pages-per-doc", type=int, default=2)
    p.add_argument("--levels", default="clean,moderate,heavy",
                   help="degradation levels drawn per page (repeat one to weight it)")
    p.add_argument("--langs", default="eng,vie")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument("--out", type=Path, required=True, help="FILE.jsonl or FILE.jsonl.gz")
    p.add_argument("--txt-out", help="also write PREFIX.ocr.txt / PREFIX.gold.txt")
    p.add_argument("--max-lines", type=int, default=0, help="cap for --txt-out (0 = all)")
    return p.parse_args(argv)


def pick_documents(corpora: Path, sources: list[str], n_docs: int, heldout: bool,
                   seed: int) -> list[tuple[str, list[str]]]:
    """``n_docs`` documents with enough prose, the same number from each source.

    The choice is the documents with the smallest seeded hash, so it is spread over the
    whole file, deterministic, and independent of the file's order.
    """
    per_source = math.ceil(n_docs / len(sources))
    by_source: list[list[tuple[str, list[str]]]] = []
    for source in sources:
        heap: list[tuple[int, str, list[str]]] = []
        for src, doc_id, text in iter_documents(corpora, [source], heldout=heldout):
            key = -synth.stable_seed(seed, src, doc_id)  # max-heap of the smallest keys
            if len(heap) == per_source and key < heap[0][0]:
                continue
            paras = synth.prose_paragraphs(text)
            if len(paras) < 2 or sum(map(len, paras)) < 1500:
                continue  # stubs and tables: not a page of prose
            item = (key, f"{src}/{doc_id}", paras)
            if len(heap) < per_source:
                heapq.heappush(heap, item)
            else:
                heapq.heapreplace(heap, item)
        by_source.append([(doc, paras) for _, doc, paras in sorted(heap, reverse=True)])
    # Interleave the sources so that any prefix of the output mixes them.
    chosen = [d for group in zip_longest(*by_source) for d in group if d is not None]
    return chosen[:n_docs]


def _open_out(path: Path, gz: bool):
    path.parent.mkdir(parents=True, exist_ok=True)
    if gz:
        return gzip.open(path, "wt", encoding="utf-8")
    return path.open("w", encoding="utf-8")


def run(specs: list[synth.PageSpec], jobs: int, out: Path) -> Iterator[dict]:
    """Write records to ``out`` (atomically) while yielding them for the summary."""
    tmp = out.with_name(out.name + ".part")  # a crash leaves no truncated output
    started, lines_total = time.monotonic(), 0
    with _open_out(tmp, out.name.endswith(".gz")) as fh:
        for k, res in enumerate(synth.generate(specs, jobs=jobs), start=1):
            lines_total += len(res.lines)
            for rec in res.records:
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
                yield rec
            elapsed = time.monotonic() - started
            rate = k / elapsed * 60
            eta = (len(specs) - k) / max(rate, 1e-9)
            print(f"\r{k}/{len(specs)} pages, {rate:.1f} pages/min, ETA {eta:.0f} min",
                  end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    tmp.replace(out)


def summarize(records: list[dict], specs: list[synth.PageSpec]) -> None:
    by: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for r in records:
        by[(r["level"], r["lang"])].append((r["source"], r["ocr"]))
    for (level, lang), pairs in sorted(by.items()):
        print(f"{level:9s} {lang}: {len(pairs):6d} lines  CER {synth.cer(pairs):.3f}",
              file=sys.stderr)
    print(f"{len(records)} records from {len(specs)} pages", file=sys.stderr)


def write_txt(records: list[dict], prefix: str, max_lines: int) -> None:
    if max_lines and len(records) > max_lines:
        # Evenly spaced lines: every page (font, degradation draw) is represented.
        records = [records[i * len(records) // max_lines] for i in range(max_lines)]
    Path(prefix).parent.mkdir(parents=True, exist_ok=True)
    for suffix, key in ((".ocr.txt", "ocr"), (".gold.txt", "source")):
        with open(prefix + suffix, "w", encoding="utf-8") as fh:
            fh.writelines(r[key] + "\n" for r in records)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sources = [s for s in args.sources.split(",") if s]
    levels = [s for s in args.levels.split(",") if s]
    langs = [s for s in args.langs.split(",") if s]
    fonts = synth.usable_fonts()
    print("fonts: " + ", ".join(f.family for f in fonts), file=sys.stderr)
    docs = pick_documents(args.corpora, sources, args.docs, args.split == "heldout",
                          args.seed)
    specs = synth.make_specs(docs, fonts, levels, args.seed, args.pages_per_doc,
                             langs=langs)
    print(f"{len(docs)} documents, {len(specs)} pages, jobs={args.jobs}", file=sys.stderr)
    records = list(run(specs, args.jobs, args.out))
    summarize(records, specs)
    if args.txt_out:
        write_txt(records, args.txt_out, args.max_lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
