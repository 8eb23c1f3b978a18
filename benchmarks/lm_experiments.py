"""Language-model variants for issue 14: build, score on the dev sets, tabulate.

    python benchmarks/lm_experiments.py build NAME [-- BUILD-ARGS...]   # into .cache/exp/NAME
    python benchmarks/lm_experiments.py eval NAME [NAME ...]            # dev sets, speed, memory
    python benchmarks/lm_experiments.py table                           # markdown of all results

``build`` runs ``python -m vnrestore.build lm --out .cache/exp/NAME BUILD-ARGS`` (or, for
names listed in ``BUILDERS``, another builder) and links the other lexicon files beside it.
``eval`` runs each model in a fresh process (``VNRESTORE_LEXICONS``): word accuracy on
every set of ``quick_dev.py`` (dev only: never the benchmark's test sets), restore speed
on dev-news-stripped (median of 3 runs, each with a fresh Restorer and cold caches, the
model already mapped), peak RSS of the process, and the size of the LM files.
Results are appended to .cache/exp/results.jsonl (the newest row per name wins).
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXP = ROOT / ".cache" / "exp"
RESULTS = EXP / "results.jsonl"
LEXICONS = ROOT / "lexicons"
# Files of lexicons/ that the LM build does not write: linked into every variant.
OTHER = ("abbreviations.tsv", "admin_terms.txt", "channel_eng.tsv", "channel_vie.tsv",
         "gazetteer.txt", "words.txt")
LM_FILES = ("vocab.txt", "syllables.tsv", "lm_meta.json")
CORPORA = ROOT.parent / "shared" / "corpora"


def lm_bytes(directory: Path) -> int:
    return sum(p.stat().st_size for p in directory.iterdir()
               if p.suffix == ".npy" or p.name in LM_FILES)


def build(name: str, args: list[str]) -> None:
    out = EXP / name
    out.mkdir(parents=True, exist_ok=True)
    for f in OTHER:
        link = out / f
        if not link.exists():
            link.symlink_to(LEXICONS / f)
    cmd = [sys.executable, "-m", "vnrestore.build", "lm", "--corpora", str(CORPORA),
           "--out", str(out), *args]
    start = time.perf_counter()
    with open(EXP / f"{name}.build.log", "w") as log:
        subprocess.run(cmd, check=True, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    seconds = time.perf_counter() - start
    (out / "exp.json").write_text(json.dumps({"args": args, "build_seconds": round(seconds, 1)}),
                                  encoding="utf-8")
    print(f"built {name} in {seconds:.1f} s, {lm_bytes(out) / 1e6:.1f} MB")


def worker(name: str) -> None:
    """In a fresh process with VNRESTORE_LEXICONS set: everything ``eval`` reports."""
    sys.path.insert(0, str(Path(__file__).parent))
    from quick_dev import dev_sets

    from vnrestore import pipeline
    from vnrestore.evaluate import score_lines

    restorer = pipeline.get_restorer()
    scores = {}
    sets = dev_sets()
    for set_name, (inp, gold) in sets.items():
        text = inp.read_text(encoding="utf-8")
        out = restorer.restore(text, explain=False, confidence=False).text
        s = score_lines(gold.read_text(encoding="utf-8").split("\n"), out.split("\n"))
        scores[set_name] = round(100 * s.word_acc, 3)
    text = sets["dev-news-stripped"][0].read_text(encoding="utf-8")
    times = []
    for _ in range(3):
        pipeline.get_restorer.cache_clear()
        fresh = pipeline.get_restorer()
        start = time.perf_counter()
        fresh.restore(text, explain=False, confidence=False)
        times.append(time.perf_counter() - start)
    words = len(text.split())
    print(json.dumps({"scores": scores, "words_per_s": round(words / statistics.median(times)),
                      "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))


def evaluate(name: str) -> dict:
    directory = LEXICONS if name == "committed" else EXP / name
    env = {**os.environ, "VNRESTORE_LEXICONS": str(directory)}
    proc = subprocess.run([sys.executable, __file__, "_worker", name], env=env, check=True,
                          capture_output=True, text=True, cwd=ROOT)
    row = json.loads(proc.stdout.strip().split("\n")[-1])
    info = directory / "exp.json"
    row.update(json.loads(info.read_text()) if info.exists() else {})
    row["name"] = name
    row["lm_mb"] = round(lm_bytes(directory) / 1e6, 1)
    with open(RESULTS, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    cells = "  ".join(f"{k} {v:.2f}" for k, v in row["scores"].items())
    print(f"{name}: {cells} | {row['words_per_s']:,} w/s, {row['peak_mb']} MB peak, "
          f"{row['lm_mb']} MB LM", flush=True)
    return row


def table() -> str:
    rows: dict[str, dict] = {}
    for line in RESULTS.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        rows[row["name"]] = row
    sets = list(dict.fromkeys(k for r in rows.values() for k in r["scores"]))
    short = [s.replace("dev-", "").replace("-stripped", "-str") for s in sets]
    head = ["variant", *short, "LM MB", "build s", "words/s", "peak MB"]
    lines = ["| " + " | ".join(head) + " |", "|---" * len(head) + "|"]
    for r in rows.values():
        cells = [f"{r['scores'][s]:.2f}" if s in r["scores"] else "–" for s in sets]
        lines.append(f"| {r['name']} | " + " | ".join(cells)
                     + f" | {r['lm_mb']} | {r.get('build_seconds', '–')} | {r['words_per_s']:,}"
                     f" | {r['peak_mb']} |")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    cmd, rest = argv[0], argv[1:]
    if cmd == "build":
        name = rest[0]
        build(name, rest[2:] if rest[1:2] == ["--"] else rest[1:])
    elif cmd == "eval":
        for name in rest:
            evaluate(name)
    elif cmd == "_worker":
        worker(rest[0])
    elif cmd == "table":
        print(table())
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
