"""Choose the decoder's two weights on dev sets: `python benchmarks/tune.py`.

The language-model weight (per source: each channel table has its own scale) and the
phrase-pair bonus are the only free weights of the decoder.  They are chosen here on
documents that the benchmark (benchmarks/run.py) never scores: the Thường Xuân seed (the
project's dev document) and synthetic scans of *other* held-out documents (made on demand
with make_synthetic.py --seed 7; the benchmark's are --seed 0).  Each setting is a
``RestoreConfig``; put the winners, with their figures, into vnrestore/config.py.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from run import DATA, make_synthetic  # noqa: E402

from vnrestore.config import DEFAULT  # noqa: E402
from vnrestore.evaluate import score_lines  # noqa: E402
from vnrestore.pipeline import get_restorer  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEV = DATA  # beside the benchmark's own synthetic sets
SEED = ROOT.parent / "shared" / "seeds" / "thuong-xuan-2024"
MAKE = {"dev-eng-moderate": "--levels moderate --langs eng",
        "dev-vie-degraded": "--levels heavy --langs vie",
        "dev-vie-clean": "--levels clean --langs vie",
        # News pages (no overlap with run.py's vie-clean-news, seed 0: checked).
        "dev-vie-clean-news": "--sources news --docs 16 --levels clean --langs vie",
        # UD VTB train sentences (the benchmark's synth-eng-ud renders the dev split).
        "dev-eng-ud": "--levels moderate --langs eng --docs 12 --max-lines 300"}
SETS = {"auto": [("seed", SEED), ("dev-eng-moderate", DEV / "dev-eng-moderate")],
        "vie-ocr": [("dev-vie-degraded", DEV / "dev-vie-degraded"),
                    ("dev-vie-clean", DEV / "dev-vie-clean")]}
WEIGHT_FIELD = {"auto": "lm_weight_auto", "vie-ocr": "lm_weight_vie_ocr"}


def ensure(name: str) -> None:
    if not (DEV / f"{name}.ocr.txt").exists():
        make_synthetic(name, MAKE[name], seed=7, ud=name.endswith("-ud"), ud_split="train")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--weights", default="0.5,0.6,0.7,0.8,1.0,1.2")
    ap.add_argument("--bonuses", default="0.7,1.0,1.5")
    args = ap.parse_args(argv)
    for name in MAKE:
        ensure(name)
    for source, sets in SETS.items():
        data = [(name, prefix.with_suffix(".ocr.txt").read_text(encoding="utf-8"),
                 prefix.with_suffix(".gold.txt").read_text(encoding="utf-8").split("\n"))
                for name, prefix in sets]
        for w, b in itertools.product(map(float, args.weights.split(",")),
                                      map(float, args.bonuses.split(","))):
            config = replace(DEFAULT, pair_bonus=b, **{WEIGHT_FIELD[source]: w})
            restorer = get_restorer((), config)
            accs = [score_lines(gold, restorer.restore(text, source=source, explain=False)
                                .text.split("\n")).word_acc for _, text, gold in data]
            cells = " ".join(f"{n} {a:.4f}" for (n, _, _), a in zip(data, accs, strict=True))
            print(f"{source:8s} lm_weight {w:.2f} pair_bonus {b:.2f}  mean "
                  f"{sum(accs) / len(accs):.4f}  {cells}", flush=True)
            get_restorer.cache_clear()  # one config at a time: bounded memory
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
