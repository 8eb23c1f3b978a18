"""Issue 15's acceptance figures: `vnrestore clean --dask` on a 200-file tree.

* speed: wall time of `--dask local --jobs 1`, `--dask local --jobs 2` and `--jobs 2`
  (the CLI, a new process each time, runs interleaved, medians); 2 workers against 1,
  and Dask against local processes;
* worker loss: a worker killed (SIGKILL) after the first file is done; every output
  must match a `--jobs 1` run, and no temporary file may be left;
* memory: a tree with a 50 MB file (restored in parts); the peak RSS of each worker.

The tree: held-out legal, news and wiki documents with their marks stripped (corpus text,
so it lives in .cache/bench and is never committed), cut into 200 files of 1,000 to
9,000 words.  `python benchmarks/dask_run.py [--words 2000000] [--repeats 3]`; writes
benchmarks/dask_results.md.
"""

from __future__ import annotations

import argparse
import filecmp
import functools
import os
import platform
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

from datasets import CACHE, heldout_lines, strip_all

ROOT = Path(__file__).resolve().parents[1]
WORK = CACHE / "dask"
VNRESTORE = [sys.executable, "-m", "vnrestore"]


def make_tree(words: int, files: int = 200) -> Path:
    tree = WORK / f"tree-{words}"
    if tree.exists() and len(list(tree.rglob("*.txt"))) == files:
        return tree
    shutil.rmtree(tree, ignore_errors=True)
    # As much of each as the held-out documents hold at 2M words (legal has ~230k).
    shares = {"legal": 0.1, "news": 0.5, "wiki": 0.4}
    lines = [strip_all(line) for source, share in shares.items()
             for line in heldout_lines(source, int(words * share))]
    sizes = [1 + (i * 7) % 9 for i in range(files)]  # 1..9 thousand words, mixed
    scale = words / sum(sizes)
    it = iter(lines)
    for i, size in enumerate(sizes):
        path = tree / f"box{i % 5}" / f"doc{i:03}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        chunk, n = [], 0
        for line in it:
            chunk.append(line)
            n += len(line.split())
            if n >= size * scale:
                break
        path.write_text("\n".join(chunk) + "\n", encoding="utf-8")
    return tree


def wall(args: list[str], out: Path) -> float:
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    subprocess.run([*VNRESTORE, "clean", *args, "--out-dir", str(out), "-q"], check=True)
    return time.perf_counter() - start


def speed(tree: Path, repeats: int) -> dict[str, list[float]]:
    runs = {"jobs 1": ["--jobs", "1"], "dask local, 1 worker": ["--dask", "local", "--jobs", "1"],
            "dask local, 2 workers": ["--dask", "local", "--jobs", "2"],
            "jobs 2": ["--jobs", "2"]}
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, args in runs.items():
            times[name].append(wall([str(tree), *args], WORK / f"out-{name.replace(' ', '')}"))
            print(f"{name}: {times[name][-1]:.1f} s", flush=True)
    same = _same_tree(WORK / "out-jobs1", WORK / "out-dasklocal,2workers")
    print("outputs identical to --jobs 1:", same)
    return {**times, "identical": [float(same)]}


def _same_tree(a: Path, b: Path) -> bool:
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    return files_a == files_b and all(filecmp.cmp(a / p, b / p, shallow=False)
                                      for p in files_a)


def worker_loss(tree: Path) -> dict[str, object]:
    from vnrestore.batch import CleanOptions, Job, clean_one, plan_files
    from vnrestore.cluster import ClusterOptions, connect, execute

    out = WORK / "out-killed"
    shutil.rmtree(out, ignore_errors=True)
    tasks = plan_files(CleanOptions(paths=[tree], out_dir=out), ("*.txt",))
    local = ClusterOptions("local", workers=2)
    fn = functools.partial(clean_one, Job(explain=False), None, False)
    with connect(local) as client:
        pids = list(client.run(os.getpid).values())
        outcomes = []
        for outcome in execute(client, fn, tasks, local):
            if not outcomes:
                os.kill(pids[0], signal.SIGKILL)
            outcomes.append(outcome)
        restarted = set(client.run(os.getpid).values()) != set(pids)
    leftovers = [p for p in out.rglob("*") if p.name.endswith(".vnrestore-tmp")]
    return {"files": len(tasks), "ok": sum(o.ok for o in outcomes),
            "worker restarted": restarted, "leftover temporary files": len(leftovers),
            "identical to --jobs 1": _same_tree(WORK / "out-jobs1", out)}


def memory(tree: Path, megabytes: int) -> dict[str, object]:
    """A tree of a few small files and one file of ``megabytes`` MB; each worker's peak."""
    from vnrestore.batch import CleanOptions, Job, clean_one, clean_part, join_parts, plan_files
    from vnrestore.cluster import ClusterOptions, Split, connect, execute

    big = WORK / f"big-{megabytes}"
    if not (big / "big.txt").exists():
        big.mkdir(parents=True, exist_ok=True)
        text = "".join(p.read_text(encoding="utf-8") for p in sorted(tree.rglob("*.txt")))
        with open(big / "big.txt", "w", encoding="utf-8") as fh:
            while fh.tell() < megabytes << 20:
                fh.write(text)
        for p in sorted(tree.rglob("*.txt"))[:5]:
            shutil.copy(p, big / p.name)
    out = WORK / "out-big"
    shutil.rmtree(out, ignore_errors=True)
    local = ClusterOptions("local", workers=2)
    job = Job(explain=False)
    tasks = plan_files(CleanOptions(paths=[big], out_dir=out), ("*.txt",))
    split = Split(functools.partial(clean_part, job, local.split_bytes),
                  functools.partial(join_parts, None, False))
    start = time.perf_counter()
    with connect(local) as client:  # kept open to ask each worker for its peak
        fn = functools.partial(clean_one, job, None, False)
        ok = all(o.ok for o in execute(client, fn, tasks, local, split))
        peaks = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    seconds = time.perf_counter() - start
    size = (big / "big.txt").stat().st_size
    return {"all ok": ok, "big file MB": round(size / 2**20, 1),
            "seconds": round(seconds, 1),
            "worker peak RSS MB": sorted(round(kb / 1024) for kb in peaks.values())}


def report(times: dict[str, list[float]], loss: dict, mem: dict, args, tree: Path) -> str:
    words = sum(len(p.read_text(encoding="utf-8").split()) for p in tree.rglob("*.txt"))
    med = {k: statistics.median(v) for k, v in times.items() if k != "identical"}
    scale = med["dask local, 1 worker"] / med["dask local, 2 workers"]
    overhead = med["dask local, 2 workers"] / med["jobs 2"] - 1
    rows = "\n".join(f"| {k} | {med[k]:.1f} s | {', '.join(f'{t:.1f}' for t in times[k])} |"
                     for k in med)
    from vnrestore import __version__

    rev = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT,
                         capture_output=True, text=True).stdout.strip()
    return f"""# `vnrestore clean --dask` acceptance figures

Made by `python benchmarks/dask_run.py --words {args.words} --repeats {args.repeats}`.
Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, {os.cpu_count()} cores (a
shared machine); Python {platform.python_version()}, vnrestore {__version__} ({rev}).

Tree: 200 files, {words:,} words of held-out legal, news and wiki text with the
marks stripped, in 5 folders.  Wall time of the CLI (a new process each run, cluster
start-up and model loading included), {args.repeats} interleaved runs:

| run | median | runs |
|---|---|---|
{rows}

- 2 workers against 1 (Dask): **{scale:.2f}x** (target >= 1.7x)
- Dask against `--jobs 2`: **{overhead:+.1%}** (target <= +10%)
- outputs of `--dask local --jobs 2` identical to `--jobs 1`: {bool(times['identical'][0])}

Worker loss (one of 2 workers killed with SIGKILL after the first file was done):
{', '.join(f'{k}: {v}' for k, v in loss.items())}.

Memory: a tree with a {mem['big file MB']} MB file and 5 small ones on 2 workers
(restored in parts of 4 MiB): all written: {mem['all ok']}, {mem['seconds']} s;
peak RSS of each worker {mem['worker peak RSS MB']} MB.
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--words", type=int, default=2_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--big-mb", type=int, default=50)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "dask_results.md")
    args = parser.parse_args()
    tree = make_tree(args.words)
    times = speed(tree, args.repeats)
    loss = worker_loss(tree)
    print(loss, flush=True)
    mem = memory(tree, args.big_mb)
    print(mem, flush=True)
    text = report(times, loss, mem, args, tree)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
