"""Where the committed data lives, found lazily (never at import time of the package)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def lexicon_dir() -> Path:
    """``$VNRESTORE_LEXICONS``, else the data installed with the package, else the repo's."""
    env = os.environ.get("VNRESTORE_LEXICONS")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent
    for candidate in (here / "lexicons", here.parents[1] / "lexicons"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("vnrestore: lexicons/ not found; set VNRESTORE_LEXICONS")
