"""Quick check on the dev sets only: `python benchmarks/quick_dev.py [SETTING ...]`.

For choosing parameters without looking at the benchmark's test sets: held-out
documents that the test sets never use (``make_sets(dev=True)``), the Thường Xuân seed
(the project's dev document) and the synthetic dev scans (``--seed 7``, made by
``tune.py``).  Each SETTING is Python run first, e.g. ``"candidates.MAX_CANDIDATES=8"``
(the modules ``candidates``, ``decode`` and ``pipeline`` are imported).  Prints word
accuracy per set and the total restore time; outputs go to /tmp/dev-SET.txt for diffing.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from datasets import make_sets  # noqa: E402
from run import DATA, SEEDS  # noqa: E402

from vnrestore import candidates, decode, pipeline  # noqa: E402, F401
from vnrestore.evaluate import score_lines  # noqa: E402


def dev_sets() -> dict[str, tuple[Path, Path, str]]:
    """{name: (input, gold, source)}."""
    sets = {name: (inp, gold, "auto") for name, (inp, gold) in make_sets(dev=True).items()
            if name.endswith("stripped") or name == "dev-news-correct"}
    seed = SEEDS / "thuong-xuan-2024"
    sets["seed"] = (seed.with_suffix(".ocr.txt"), seed.with_suffix(".gold.txt"), "auto")
    for name, source in (("dev-eng-moderate", "auto"), ("dev-vie-degraded", "vie-ocr")):
        if (DATA / f"{name}.ocr.txt").exists():  # made by benchmarks/tune.py
            sets[name] = (DATA / f"{name}.ocr.txt", DATA / f"{name}.gold.txt", source)
    return sets


def main() -> None:
    for setting in sys.argv[1:]:
        exec(setting)  # noqa: S102 - a developer's own command line
    restorer = pipeline.get_restorer()
    cells, seconds = [], 0.0
    for name, (inp, gold, source) in dev_sets().items():
        text = inp.read_text(encoding="utf-8")
        start = time.perf_counter()
        out = restorer.restore(text, source=source, explain=False, confidence=False).text
        seconds += time.perf_counter() - start
        Path(f"/tmp/dev-{name}.txt").write_text(out, encoding="utf-8")
        s = score_lines(gold.read_text(encoding="utf-8").split("\n"), out.split("\n"))
        cells.append(f"{name} {100 * s.word_acc:.2f}")
    print(" ".join(sys.argv[1:]) or "defaults", "|", "  ".join(cells), f"| {seconds:.1f} s")


if __name__ == "__main__":
    main()
