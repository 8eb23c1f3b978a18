"""Quick check on the dev sets only: `python benchmarks/quick_dev.py [SETTING ...]`.

For choosing parameters without looking at the benchmark's test sets: held-out
documents that the test sets never use (``make_sets(dev=True)``), the Thường Xuân seed
(the project's dev document), the synthetic dev scans (``--seed 7``, made by
``tune.py``) and the dev split of UD Vietnamese VTB (``../shared/corpora/ud-vtb/dev.txt``:
news prose with dialogue and personal names, out of the corpora's register), stripped of
marks and as it is.  Each SETTING is Python run first, e.g.
``"candidates.MAX_CANDIDATES=8"`` (the modules ``candidates``, ``decode`` and ``pipeline``
are imported).  Prints word accuracy per set and the total restore time; outputs go to
/tmp/dev-SET.txt for diffing.  ``QUICK_DEV_JSON=FILE`` also writes the scores as JSON.
"""

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from datasets import CACHE, make_sets  # noqa: E402
from run import DATA, ROOT, SEEDS  # noqa: E402

from vnrestore import candidates, decode, pipeline  # noqa: E402, F401
from vnrestore.evaluate import score_lines  # noqa: E402
from vnrestore.vietnamese import strip_marks  # noqa: E402

UD_DEV = ROOT.parent / "shared" / "corpora" / "ud-vtb" / "dev.txt"


def ud_sets() -> dict[str, tuple[Path, Path]]:
    """{name: (input, gold)} of UD VTB dev: stripped of marks, and as it is (line-aligned;
    the stripped copy is made in .cache/bench, never committed)."""
    if not UD_DEV.is_file():
        return {}
    stripped = CACHE / "ud-dev.stripped.txt"
    if not stripped.exists() or stripped.stat().st_mtime < UD_DEV.stat().st_mtime:
        CACHE.mkdir(parents=True, exist_ok=True)
        lines = UD_DEV.read_text(encoding="utf-8").split("\n")
        stripped.write_text("\n".join(map(strip_marks, lines)), encoding="utf-8")
    return {"ud-dev-stripped": (stripped, UD_DEV), "ud-dev-correct": (UD_DEV, UD_DEV)}


def dev_sets() -> dict[str, tuple[Path, Path, str]]:
    """{name: (input, gold, source)}."""
    sets = {name: (inp, gold, "auto") for name, (inp, gold) in make_sets(dev=True).items()
            if name.endswith("stripped") or name == "dev-news-correct"}
    seed = SEEDS / "thuong-xuan-2024"
    sets["seed"] = (seed.with_suffix(".ocr.txt"), seed.with_suffix(".gold.txt"), "auto")
    for name, source in (("dev-eng-moderate", "auto"), ("dev-vie-degraded", "vie-ocr")):
        if (DATA / f"{name}.ocr.txt").exists():  # made by benchmarks/tune.py
            sets[name] = (DATA / f"{name}.ocr.txt", DATA / f"{name}.gold.txt", source)
    for name, (inp, gold) in ud_sets().items():
        sets[name] = (inp, gold, "auto")
    return sets


def main() -> None:
    for setting in sys.argv[1:]:
        exec(setting)  # noqa: S102 - a developer's own command line
    restorer = pipeline.get_restorer()
    cells, seconds, scores = [], 0.0, {}
    for name, (inp, gold, source) in dev_sets().items():
        text = inp.read_text(encoding="utf-8")
        start = time.perf_counter()
        out = restorer.restore(text, source=source, explain=False, confidence=False).text
        seconds += time.perf_counter() - start
        Path(f"/tmp/dev-{name}.txt").write_text(out, encoding="utf-8")
        s = score_lines(gold.read_text(encoding="utf-8").split("\n"), out.split("\n"))
        cells.append(f"{name} {100 * s.word_acc:.2f}")
        scores[name] = {"word_acc": s.word_acc, "words": s.words}
    print(" ".join(sys.argv[1:]) or "defaults", "|", "  ".join(cells), f"| {seconds:.1f} s")
    if os.environ.get("QUICK_DEV_JSON"):
        Path(os.environ["QUICK_DEV_JSON"]).write_text(
            json.dumps({"scores": scores, "seconds": seconds}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
