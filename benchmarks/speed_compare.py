"""CPU seconds of `vnrestore clean` here and in another checkout, interleaved.

    python benchmarks/speed_compare.py --baseline /tmp/stop9 [--rounds 3] FILE [FILE ...]

Each round runs, for every FILE, the CLI of every tree once (this one's ``.venv`` and the
baseline's, in alternating order), so a busy shared machine slows both alike.  The time
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
    ap.add_argument("--tree", type=Path, default=ROOT, help="checkout measured (this one)")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    trees = {"baseline": args.baseline.resolve(), "new": args.tree.resolve()}
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
                same = (Path(tmp) / f"baseline-{path.name}").read_bytes() == \
                    (Path(tmp) / f"new-{path.name}").read_bytes()
                if r == 0:
                    print(f"  {path.name}: outputs {'identical' if same else 'DIFFER'}")
    print(f"\nmedian CPU seconds of {args.rounds} runs (user + sys of the CLI process)")
    for path in args.files:
        base = statistics.median(times[path.name, "baseline"])
        new = statistics.median(times[path.name, "new"])
        print(f"{path.name}: baseline {base:.2f}  new {new:.2f}  ({100 * (new / base - 1):+.1f}%)"
              f"  runs: baseline {sorted(round(t, 2) for t in times[path.name, 'baseline'])}"
              f" new {sorted(round(t, 2) for t in times[path.name, 'new'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
