"""OCRmyPDF plugin: Tesseract as usual, then vnrestore on every page's words.

    ocrmypdf --plugin vnrestore.ocrmypdf -l vie in.pdf out.pdf
    ocrmypdf --plugin vnrestore.ocrmypdf -l eng --sidecar out.txt in.pdf out.pdf

The PDF's text layer and the ``--sidecar`` text get the restored words; the hOCR keeps
Tesseract's boxes, so OCRmyPDF places each corrected word where Tesseract saw it.  How
each page was read (with a Vietnamese model or not) is estimated from its words, as
``vnrestore clean`` does (``vnrestore.detect``), whatever ``-l`` says.

Deliberately not registered as an ``ocrmypdf`` entry point: installed plugins run on every
OCRmyPDF job of the machine, and this one must only run when asked for.

OCRmyPDF runs pages in worker processes (or threads with ``--use-threads``): each worker
loads vnrestore's models on its first page (``get_restorer`` is cached per process), and
error rates are estimated per page, as no worker sees the whole document.
"""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path

from ocrmypdf import hookimpl
from ocrmypdf.builtin_plugins.tesseract_ocr import TesseractOcrEngine
from ocrmypdf.exceptions import BadArgsError

from . import __version__
from .normalize import normalize_text
from .ocr import hocr_replace_words
from .pdf import restore_lines

log = logging.getLogger(__name__)

TONE_STYLE = "old"
# One page at a time per process: the restorer's caches are not made for threads
# (--use-threads); with worker processes the lock is never contended.
_LOCK = threading.Lock()
_SPLIT = re.compile(r"(\s+)")


def _restore_fn(source: str):
    from .pipeline import get_restorer

    restorer = get_restorer(())  # loaded on the first page of each worker, then cached

    def restore(text: str):
        # params=None: the error rates are estimated from this page's words.
        return restorer.restore(text, tone_style=TONE_STYLE, source=source,
                                explain=False, confidence=True)

    return restore


def restore_hocr(hocr: str, source: str) -> tuple[str, list[str], list[str]]:
    """The hOCR with its words restored in the context of the whole page; also the
    words before and after, in order."""
    lines: list[list[str]] = []

    def record(words: list[str]) -> list[str]:
        lines.append([normalize_text(w) for w in words])
        return words

    hocr_replace_words(hocr, record)  # first pass: only collects the lines
    if not any(lines):
        return hocr, [], []
    with _LOCK:
        new, _ = restore_lines(lines, _restore_fn(source))
    pending = iter(new)
    restored = hocr_replace_words(hocr, lambda words: next(pending))
    return restored, [w for line in lines for w in line], [w for line in new for w in line]


def restore_sidecar(text: str, old: list[str], new: list[str], source: str) -> str:
    """Tesseract's text of the page with the restored words.  Its words are the hOCR's
    in the same order, so they are swapped one for one, keeping Tesseract's line and
    paragraph breaks; should they ever differ, the text is restored on its own."""
    parts = _SPLIT.split(normalize_text(text))
    words = [k for k, p in enumerate(parts) if p and not p.isspace()]
    if [parts[k] for k in words] == old:
        for k, word in zip(words, new, strict=True):
            parts[k] = word
        return "".join(parts)
    log.debug("sidecar words differ from the hOCR's; restoring the text on its own")
    with _LOCK:
        return _restore_fn(source)(text).text


def restore_page_files(output_hocr: Path, output_text: Path, source: str) -> None:
    """Rewrite the hOCR and text files Tesseract made for one page."""
    hocr = Path(output_hocr).read_text(encoding="utf-8")
    restored, old, new = restore_hocr(hocr, source)
    if not old:
        return
    Path(output_hocr).write_text(restored, encoding="utf-8")
    text_path = Path(output_text)
    if text_path.exists():
        text = text_path.read_text(encoding="utf-8")
        text_path.write_text(restore_sidecar(text, old, new, source), encoding="utf-8")
    changed = sum(a != b for a, b in zip(old, new, strict=True))
    log.debug("vnrestore: %d of %d words changed", changed, len(old))


class VnrestoreTesseractEngine(TesseractOcrEngine):
    """Tesseract, with each page's hOCR and text restored before OCRmyPDF renders it."""

    def __str__(self) -> str:
        return f"{super().__str__()} + vnrestore {__version__}"

    @staticmethod
    def creator_tag(options) -> str:
        return f"{TesseractOcrEngine.creator_tag(options)} + vnrestore {__version__}"

    @staticmethod
    def supports_generate_ocr() -> bool:
        # The restoring happens in generate_hocr: should Tesseract's engine ever move to
        # generate_ocr, this subclass must still be called through hOCR.
        return False

    @staticmethod
    def generate_hocr(input_file, output_hocr, output_text, options) -> None:
        TesseractOcrEngine.generate_hocr(input_file, output_hocr, output_text, options)
        restore_page_files(Path(output_hocr), Path(output_text), "auto")


@hookimpl
def check_options(options) -> None:
    if options.pdf_renderer == "sandwich":
        raise BadArgsError(
            "vnrestore.ocrmypdf works on Tesseract's hOCR, which the 'sandwich' renderer "
            "does not use; drop --pdf-renderer sandwich (the default renderer is fine)")


@hookimpl
def get_ocr_engine(options):
    # Plugins named with --plugin are registered after the built-in ones, so pluggy asks
    # this hook first.  Another engine chosen with --ocr-engine is left to its plugin.
    if options is not None and getattr(options, "ocr_engine", "auto") not in (
            "auto", "tesseract"):
        return None
    return VnrestoreTesseractEngine()
