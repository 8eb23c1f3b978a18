"""Dev sets from documents the models never saw (the held-out 5% of ../shared/corpora).

Raw corpus text is never committed: these sets are rebuilt into .cache/bench/ on demand,
deterministically (same documents, same lines every time).
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from vnrestore.build.corpus import default_corpora_dir, iter_documents
from vnrestore.vietnamese import strip_marks

CACHE = Path(__file__).resolve().parents[1] / ".cache" / "bench"
MIN_CHARS = 40


def heldout_lines(source: str, words: int, corpora: Path | None = None) -> list[str]:
    """Prose lines of held-out documents of ``source`` until ``words`` words."""
    out: list[str] = []
    total = 0
    for _, _, text in iter_documents(corpora or default_corpora_dir(), [source], heldout=True):
        for line in unicodedata.normalize("NFC", text).split("\n"):
            line = " ".join(line.split())
            if len(line) < MIN_CHARS or line.startswith("=="):
                continue
            out.append(line)
            total += len(line.split())
            if total >= words:
                return out
    return out


def strip_all(line: str) -> str:
    """Remove every mark, đ -> d (the "marks stripped" task)."""
    return strip_marks(line)


def make_sets(words: int = 20000, corpora: Path | None = None) -> dict[str, tuple[Path, Path]]:
    """{name: (input, gold)} for correct and stripped text of each source."""
    CACHE.mkdir(parents=True, exist_ok=True)
    sets = {}
    for source in ("legal", "news", "wiki"):
        gold = CACHE / f"{source}-{words}.gold.txt"
        stripped = CACHE / f"{source}-{words}.stripped.txt"
        if not gold.exists() or not stripped.exists():
            lines = heldout_lines(source, words, corpora)
            gold.write_text("\n".join(lines) + "\n", encoding="utf-8")
            stripped.write_text("\n".join(map(strip_all, lines)) + "\n", encoding="utf-8")
        sets[f"{source}-stripped"] = (stripped, gold)
        sets[f"{source}-correct"] = (gold, gold)
    return sets
