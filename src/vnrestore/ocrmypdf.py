"""OCRmyPDF plugin: Tesseract as usual, then vnrestore on every page's words.

    ocrmypdf --plugin vnrestore.ocrmypdf -l vie in.pdf out.pdf
    ocrmypdf --plugin vnrestore.ocrmypdf -l eng --sidecar out.txt in.pdf out.pdf

The PDF's text layer and the ``--sidecar`` text get the restored words; the hOCR keeps
Tesseract's boxes, so OCRmyPDF places each corrected word where Tesseract saw it.  How
each page was read (with a Vietnamese model or not) is estimated from its words, as
``vnrestore clean`` does (``vnrestore.detect``), whatever ``-l`` says.  Tesseract is also
asked for its LSTM alternatives of each character when it reads with its Vietnamese model
(a config file added to those of ``--tesseract-config``), which the restorer weighs as it
does in ``vnrestore ocr`` (``RestoreConfig.lstm_choices``); OCRmyPDF gets the hOCR
without them.

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
from .ocr import (
    WordChoices,
    choice_config,
    choices_help,
    hocr_choices,
    restore_hocr,
    strip_choices,
)

log = logging.getLogger(__name__)

TONE_STYLE = "old"
# One page at a time per process: the restorer's caches are not made for threads
# (--use-threads); with worker processes the lock is never contended.
_LOCK = threading.Lock()
_SPLIT = re.compile(r"(\s+)")


def _restorer():
    from .pipeline import get_restorer

    return get_restorer(())  # loaded on the first page of each worker, then cached


def _restore_fn(source: str, choices: list[WordChoices] | None = None):
    restorer = _restorer()

    def restore(text: str):
        # params=None: the error rates are estimated from this page's words.
        return restorer.restore(text, tone_style=TONE_STYLE, source=source,
                                explain=False, confidence=True, choices=choices)

    return restore


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
    """Rewrite the hOCR and text files Tesseract made for one page (the hOCR without the
    LSTM alternatives, if Tesseract was asked for them: they are read, then dropped)."""
    raw = Path(output_hocr).read_text(encoding="utf-8")
    choices = hocr_choices(raw)
    hocr = strip_choices(raw)
    with _LOCK:
        page = restore_hocr(hocr, _restore_fn(source, choices))
    if page.hocr != raw:
        Path(output_hocr).write_text(page.hocr, encoding="utf-8")
    text_path = Path(output_text)
    if page.old and text_path.exists():
        text = text_path.read_text(encoding="utf-8")
        text_path.write_text(restore_sidecar(text, page.old, page.new, source),
                             encoding="utf-8")
    changed = sum(a != b for a, b in zip(page.old, page.new, strict=True))
    log.debug("vnrestore: %d of %d words changed", changed, len(page.old))


class _WithConfig:
    """OCRmyPDF's options with Tesseract's replaced (read-only: attributes are looked up
    on the original, so whatever else the engine reads is the user's)."""

    def __init__(self, options, tesseract) -> None:
        self._options = options
        self.tesseract = tesseract

    def __getattr__(self, name: str):
        return getattr(self._options, name)


def _with_choices(options, output_hocr: Path):
    """The options with a Tesseract config file asking for the LSTM alternatives (written
    beside the page's hOCR, in OCRmyPDF's temporary folder), if they are used."""
    if not (choices_help(options.languages) and _restorer().config.lstm_choices):
        return options
    config = Path(output_hocr).with_suffix(".vnrestore.cfg")
    config.write_text(choice_config(), encoding="utf-8")
    tess = options.tesseract
    return _WithConfig(options, tess.model_copy(update={"config": [*tess.config,
                                                                   str(config)]}))


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
        TesseractOcrEngine.generate_hocr(input_file, output_hocr, output_text,
                                         _with_choices(options, Path(output_hocr)))
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
