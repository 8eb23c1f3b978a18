"""The clean-text corpora (``../shared/corpora``) and their train / held-out split.

Corpus files are JSON lines, gzip: one document per line, ``{"source", "id", "text"}``.
The split is by document and depends only on ``source/id``, so every builder and every
benchmark agrees on it without sharing any state.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

SOURCES = ("legal", "news", "wiki")
HELDOUT_MODULUS = 20  # 1 document in 20 (5%) is held out


def repo_root() -> Path:
    return Path(__file__).resolve().parents[3]


def default_corpora_dir() -> Path:
    return repo_root().parent / "shared" / "corpora"


def is_heldout(source: str, doc_id: str) -> bool:
    """Is this document in the held-out 5%?  Builders must never count these."""
    return zlib.crc32(f"{source}/{doc_id}".encode()) % HELDOUT_MODULUS == 0


def corpus_files(corpora: Path, sources: Iterable[str] | None = None) -> list[Path]:
    """The files to read: ``corpora`` itself if a file, else its ``*.jsonl.gz``.

    When every wanted source has its own ``{source}.jsonl.gz`` only those are opened,
    which saves decompressing the big files on partial builds.
    """
    corpora = Path(corpora)
    if corpora.is_file():
        return [corpora]
    if sources is not None:
        own = [corpora / f"{s}.jsonl.gz" for s in sources]
        if all(p.is_file() for p in own):
            return own
    files = sorted(corpora.glob("*.jsonl.gz"))
    if not files:
        raise FileNotFoundError(f"no *.jsonl.gz corpus files in {corpora}")
    return files


def iter_documents(corpora: Path, sources: Iterable[str] | None = None,
                   heldout: bool | None = False) -> Iterator[tuple[str, str, str]]:
    """Stream ``(source, id, text)``.

    ``heldout``: False = training documents only, True = held-out only, None = all.
    ``sources``: keep only these sources (default: all).
    """
    wanted = None if sources is None else list(dict.fromkeys(sources))
    for path in corpus_files(corpora, wanted):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                if not line.strip():
                    continue
                doc = json.loads(line)
                source, doc_id = doc["source"], str(doc["id"])
                if wanted is not None and source not in wanted:
                    continue
                if heldout is not None and is_heldout(source, doc_id) != heldout:
                    continue
                yield source, doc_id, doc["text"]
