"""Quick check on the dev sets only: `python benchmarks/quick_dev.py [SETTING ...]`.

For choosing parameters without looking at the benchmark's test sets: held-out
documents that the test sets never use (``make_sets(dev=True)``), the Thường Xuân seed
(the project's dev document) and the synthetic dev scans (``--seed 7``, made by
``tune.py``).  Each SETTING is a field of ``RestoreConfig`` and its value, e.g.
``max_candidates=8 keep_margin=4``: the run uses ``replace(RestoreConfig(), ...)``.
Prints word accuracy per set and the total restore time; outputs go to
/tmp/dev-SET.txt for diffing.  Pages of Tesseract-vie output are restored page by page,
as the benchmark restores its own.
"""

import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from datasets import make_sets, ud_sets  # noqa: E402
from run import DATA, SEEDS, pages_of  # noqa: E402

from vnrestore.config import DEFAULT, RestoreConfig  # noqa: E402
from vnrestore.evaluate import score_lines  # noqa: E402
from vnrestore.pipeline import get_restorer  # noqa: E402


def dev_sets() -> dict[str, tuple[Path, Path]]:
    """{name: (input, gold)}: every set is restored in the default mode, as users do."""
    sets = {name: pair for name, pair in make_sets(dev=True).items()
            if name.endswith("stripped") or name in ("dev-news-correct", "dev-wiki-correct")}
    sets.update(ud_sets())
    seed = SEEDS / "thuong-xuan-2024"
    sets["seed"] = (seed.with_suffix(".ocr.txt"), seed.with_suffix(".gold.txt"))
    for name in ("dev-eng-moderate", "dev-eng-ud", "dev-vie-clean", "dev-vie-clean-news",
                 "dev-vie-degraded"):
        if (DATA / f"{name}.ocr.txt").exists():  # made by benchmarks/tune.py
            sets[name] = (DATA / f"{name}.ocr.txt", DATA / f"{name}.gold.txt")
    return sets


def config_from(settings: list[str]) -> RestoreConfig:
    """``["max_candidates=8", ...]`` as a config (values typed like the defaults)."""
    changes = {}
    for setting in settings:
        name, _, value = setting.partition("=")
        if not hasattr(DEFAULT, name):
            raise SystemExit(f"not a RestoreConfig field: {name}")
        changes[name] = type(getattr(DEFAULT, name))(value)
    return replace(DEFAULT, **changes)


def main() -> None:
    restorer = get_restorer((), config_from(sys.argv[1:]))
    cells, seconds = [], 0.0
    for name, (inp, gold) in dev_sets().items():
        # Tesseract-vie pages are restored page by page, as the benchmark does (a page is
        # a document to `vnrestore ocr`); the rest as one text.
        pages = DATA / f"{name}.jsonl.gz"
        texts = ["\n".join(ocr) for ocr, _ in pages_of(pages)] \
            if name.startswith("dev-vie-clean") else [inp.read_text(encoding="utf-8")]
        start = time.perf_counter()
        out = "\n".join(restorer.restore(text, explain=False, confidence=False).text
                        for text in texts)
        seconds += time.perf_counter() - start
        Path(f"/tmp/dev-{name}.txt").write_text(out, encoding="utf-8")
        golds = [line for _, page in pages_of(pages) for line in page] \
            if len(texts) > 1 else gold.read_text(encoding="utf-8").split("\n")
        s = score_lines(golds, out.split("\n"))
        cells.append(f"{name} {100 * s.word_acc:.2f}")
    print(" ".join(sys.argv[1:]) or "defaults", "|", "  ".join(cells), f"| {seconds:.1f} s")


if __name__ == "__main__":
    main()
