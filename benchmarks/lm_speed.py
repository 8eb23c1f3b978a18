"""Fresh-process speed and memory of `vnrestore clean` per LM variant, interleaved.

    python benchmarks/lm_speed.py [--rounds 3] FILE NAME [NAME ...]

NAME is ``committed`` (lexicons/) or a variant of .cache/exp/; ``NAME@SRC`` runs the
package from another source tree (e.g. ``git archive`` of an older commit's ``src``).
Each round runs every variant once on FILE (so a busy shared machine slows them alike);
prints the median words/s (wall and CPU), the peak RSS (MB) of the CLI process, and the
median start-up on empty input.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CODE = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
        "subprocess.run([sys.executable, '-m', 'vnrestore', 'clean', '-q'] + sys.argv[1:], "
        "stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL if sys.argv[1:] else None, "
        "check=True); "
        "r = resource.getrusage(resource.RUSAGE_CHILDREN); "
        "print(time.perf_counter() - t, r.ru_maxrss / 1024, r.ru_utime + r.ru_stime)")


def lexicons(name: str) -> Path:
    return ROOT / "lexicons" if name == "committed" else ROOT / ".cache" / "exp" / name


def run(name: str, args: list[str]) -> tuple[float, float, float]:
    """(wall seconds, peak MB, CPU seconds) of one CLI run."""
    name, _, src = name.partition("@")
    env = {**os.environ, "VNRESTORE_LEXICONS": str(lexicons(name))}
    if src:
        env["PYTHONPATH"] = src
    out = subprocess.run([sys.executable, "-c", CODE, *args], env=env, capture_output=True,
                         text=True, check=True).stdout.split()
    return float(out[0]), float(out[1]), float(out[2])


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file", type=Path)
    ap.add_argument("names", nargs="+")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--startups", type=int, default=7)
    a = ap.parse_args(argv)
    words = len(a.file.read_text(encoding="utf-8").split())
    times: dict[str, list[float]] = {n: [] for n in a.names}
    peaks: dict[str, list[float]] = {n: [] for n in a.names}
    cpus: dict[str, list[float]] = {n: [] for n in a.names}
    starts: dict[str, list[float]] = {n: [] for n in a.names}
    for _ in range(a.rounds):
        for n in a.names:
            t, peak, cpu = run(n, [str(a.file)])
            times[n].append(t)
            peaks[n].append(peak)
            cpus[n].append(cpu)
    for _ in range(a.startups):
        for n in a.names:
            starts[n].append(run(n, [])[0])
    for n in a.names:
        print(f"{n}: {words / statistics.median(times[n]):,.0f} words/s wall "
              f"(runs {', '.join(f'{t:.1f}' for t in times[n])} s), "
              f"{words / statistics.median(cpus[n]):,.0f} words/CPU-s, "
              f"peak {max(peaks[n]):.0f} MB, start-up on empty input "
              f"{statistics.median(starts[n]):.2f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
