"""CPU seconds of `vnrestore clean` here and in another checkout, interleaved.

    python benchmarks/speed_compare.py --baseline /tmp/stop9 [--before DIR] [--rounds 3]
        FILE [FILE ...]

Each round runs, for every FILE, the CLI of every tree once (the baseline's, the optional
``--before`` tree's and this one's, in an order reversed every round), so a busy shared
machine slows them alike.  The time
is the user + system CPU of the child process (``getrusage(RUSAGE_CHILDREN)`` before and
after), which other work on the machine disturbs far less than the wall clock.  Prints
the median per file and tree, and the change against the baseline.  A tree is a checkout
with its own virtual environment in ``.venv`` (``pip install -e .``).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def cpu_seconds(tree: Path, path: Path, out: Path) -> float:
    """User + system CPU of one ``vnrestore clean PATH -o OUT -q`` run of ``tree``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([str(tree / ".venv" / "bin" / "vnrestore"), "clean", str(path),
                    "-o", str(out), "-q"], check=True, stdin=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("--baseline", type=Path, required=True,
                    help="checkout to compare with (with its own .venv)")
    ap.add_argument("--before", type=Path, help="another checkout (e.g. this branch's start)")
    ap.add_argument("--tree", type=Path, default=ROOT, help="checkout measured (this one)")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    trees = {"baseline": args.baseline.resolve(), "new": args.tree.resolve()}
    if args.before:
        trees = {"baseline": trees["baseline"], "before": args.before.resolve(),
                 "new": trees["new"]}
    times: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            for path in args.files:
                names = list(trees) if r % 2 == 0 else list(reversed(trees))
                for name in names:
                    out = Path(tmp) / f"{name}-{path.name}"
                    t = cpu_seconds(trees[name], path, out)
                    times.setdefault((path.name, name), []).append(t)
                    print(f"round {r + 1} {path.name} {name}: {t:.2f} s", flush=True)
                if r == 0:
                    new = (Path(tmp) / f"new-{path.name}").read_bytes()
                    for name in trees:
                        if name != "new":
                            same = (Path(tmp) / f"{name}-{path.name}").read_bytes() == new
                            verdict = "identical to" if same else "differs from"
                            print(f"  {path.name}: output {verdict} {name}'s")
    print(f"\nmedian CPU seconds of {args.rounds} runs (user + sys of the CLI process)")
    for path in args.files:
        median = {name: statistics.median(times[path.name, name]) for name in trees}
        cells = "  ".join(f"{name} {t:.2f}" for name, t in median.items())
        change = 100 * (median["new"] / median["baseline"] - 1)
        runs = "; ".join(f"{name} {sorted(round(t, 2) for t in times[path.name, name])}"
                         for name in trees)
        print(f"{path.name}: {cells}  (new vs baseline {change:+.1f}%)  runs: {runs}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
