"""Where the committed data lives, found lazily (never at import time of the package).

The models ship inside the package as ``vnrestore.lexicons`` (the repository's top-level
``lexicons/`` folder, mapped by pyproject.toml), so a wheel, ``pip install .``, pipx and an
editable install all find them with ``importlib.resources``; no setting is needed.
``VNRESTORE_LEXICONS=DIR`` points a process at another build of the same files: it is
for developers comparing models (benchmarks, experiments), not for users.
"""

from __future__ import annotations

import os
from functools import lru_cache
from importlib import resources
from pathlib import Path

ENV = "VNRESTORE_LEXICONS"


@lru_cache(maxsize=1)
def lexicon_dir() -> Path:
    """The folder of the models: ``$VNRESTORE_LEXICONS``, else the installed package data."""
    env = os.environ.get(ENV)
    if env:
        path = Path(env)
        if not path.is_dir():
            raise FileNotFoundError(f"{ENV}={env} is not a directory")
        return path
    found = resources.files("vnrestore.lexicons")
    # The arrays are memory-mapped, which needs real files: a zipped install cannot be used.
    if not isinstance(found, Path) or not (found / "vocab.txt").is_file():
        raise FileNotFoundError(f"vnrestore's data is missing from the installation "
                                f"({found}); reinstall vnrestore")
    return found


def read_counts(path: Path, default: int = 0, *, missing_ok: bool = False) -> dict[str, int]:
    """A ``WORD<TAB>COUNT`` file of lexicons/ (syllables.tsv, capitalized.tsv) as a dict;
    ``#`` lines are comments, a missing count is ``default``.  A missing file is an error
    unless ``missing_ok`` (then: empty)."""
    counts: dict[str, int] = {}
    if missing_ok and not path.exists():
        return counts
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            word, _, n = line.rstrip("\n").partition("\t")
            if word and not word.startswith("#"):
                counts[word] = int(n or default)
    return counts
