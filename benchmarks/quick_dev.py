"""Quick dev check on held-out text: `python benchmarks/quick_dev.py [WORDS] [set,set]`.

Prints word accuracy and words/s per set; outputs go to /tmp/out-SET.txt for diffing.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from datasets import make_sets  # noqa: E402

from vnrestore.evaluate import score_lines  # noqa: E402
from vnrestore.pipeline import get_restorer  # noqa: E402


def main() -> None:
    restorer = get_restorer()
    words = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    only = sys.argv[2].split(",") if len(sys.argv) > 2 else None
    for name, (inp, gold) in make_sets(words).items():
        if only and name not in only:
            continue
        text = inp.read_text(encoding="utf-8")
        start = time.perf_counter()
        res = restorer.restore(text)
        seconds = time.perf_counter() - start
        Path(f"/tmp/out-{name}.txt").write_text(res.text, encoding="utf-8")
        s = score_lines(gold.read_text(encoding="utf-8").split("\n"), res.text.split("\n"))
        print(f"{name:16s} word_acc {s.word_acc:.4f} words {s.words} "
              f"{len(text.split()) / seconds:.0f} w/s drop={res.params.drop:.3f}")


if __name__ == "__main__":
    main()
