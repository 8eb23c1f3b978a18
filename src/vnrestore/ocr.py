"""OCR: load scans and PDFs, clean them up, OCR them with an engine, rewrite hOCR words.

A library API (the CLI wires it).  Nothing heavy is imported at module import time:
Pillow and numpy are imported inside the functions that need them, so
``import vnrestore.ocr`` stays cheap for users who only restore text files.

The OCR program sits behind ``OcrEngine`` (as in OCRmyPDF): ``TesseractEngine`` runs the
``tesseract`` program; tests use a fake engine.  ``get_engine`` finds one by name.

External programs: ``tesseract`` (OCR), ``pdftoppm`` / ``pdfinfo`` / ``pdftotext``
(poppler-utils, PDFs only).  A missing program raises ``MissingDependencyError`` whose
message carries the apt command; an unreadable input raises ``InputError`` (``OcrError``
when the engine fails on a page).
"""

from __future__ import annotations

import functools
import html
import importlib
import logging
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from .errors import InputError, MissingDependencyError, UsageError

if TYPE_CHECKING:  # only for annotations: never imported at run time here
    from PIL.Image import Image

    from .pipeline import Result

log = logging.getLogger(__name__)

# Module-level so tests (and unusual installs) can point them elsewhere; the tesseract
# command is a setting of ``TesseractEngine``.
PDFTOPPM_CMD = "pdftoppm"
PDFINFO_CMD = "pdfinfo"
PDFTOTEXT_CMD = "pdftotext"

TESSERACT_APT = "apt-get install -y tesseract-ocr tesseract-ocr-vie"
POPPLER_APT = "apt-get install -y poppler-utils"
PROBE_TIMEOUT = 15.0  # seconds; a wedged binary must not hang the CLI
OCR_TIMEOUT = 300.0  # seconds per page
PDF_TIMEOUT = 120.0  # seconds per page render / per pdfinfo call
TARGET_DPI = 300  # Tesseract is trained on ~300 dpi text
A4_WIDTH_IN = 8.27  # 2480 px at 300 dpi


# --------------------------------------------------------------------------- OCR engines

@runtime_checkable
class OcrEngine(Protocol):
    """What vnrestore needs of an OCR program (after OCRmyPDF's ``OcrEngine`` plugin spec).

    An engine holds settings, never processes or open files: it is pickled to the worker
    processes of ``--jobs``.  Failures raise ``MissingDependencyError`` (the program or a
    language is missing) or ``OcrError`` (one page failed: that input fails, others go on).

    Optional: ``image_to_text_and_choices(image, lang) -> (text, [WordChoices])`` and
    ``image_to_hocr_and_choices(image, lang) -> (hocr, [WordChoices])``, the output and
    each word's per-character alternatives (``TesseractEngine`` has them); ``ocr`` then
    restores with them (``RestoreConfig.lstm_choices``).
    """

    @property
    def name(self) -> str: ...

    def version(self) -> str:
        """The program's version; raises ``MissingDependencyError`` if it is missing."""
        ...

    def languages(self) -> tuple[str, ...]:
        """Installed language codes, e.g. ``("eng", "osd", "vie")``."""
        ...

    def image_to_text(self, image: Image, lang: str) -> str:
        """Plain text of one page image (``lang`` as Tesseract spells it: ``vie+eng``)."""
        ...

    def image_to_hocr(self, image: Image, lang: str) -> str:
        """hOCR of one page image: an XHTML document with one ``ocr_page``."""
        ...


class OcrError(InputError):
    """The engine failed on one page image (it crashed or timed out)."""

    def __init__(self, reason: str, path: str = "page image") -> None:
        super().__init__(path, reason)


@dataclass(frozen=True)
class TesseractInfo:
    version: str
    languages: tuple[str, ...]
    path: str = ""


def _find(cmd: str, what: str, apt: str) -> str:
    path = shutil.which(cmd)
    if path is None:
        raise MissingDependencyError(f"{what} not found ({cmd!r} is not on PATH); "
                                     f"install it with: {apt}")
    return path


def _run_probe(args: list[str], what: str, apt: str,
               timeout: float = PROBE_TIMEOUT) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=timeout,
                              check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise MissingDependencyError(f"{what} at {args[0]} does not run ({exc}); "
                                     f"reinstall it with: {apt}") from exc


@lru_cache(maxsize=8)
def _probe_cached(cmd: str, timeout: float = PROBE_TIMEOUT) -> TesseractInfo:
    path = _find(cmd, "Tesseract OCR", TESSERACT_APT)
    out = _run_probe([path, "--version"], "Tesseract", TESSERACT_APT, timeout)
    # Tesseract 4/5 print the version on stdout; some builds print it on stderr.
    text = out.stdout + out.stderr
    m = re.search(r"tesseract\s+v?(\d+(?:\.\d+)*\S*)", text, re.IGNORECASE)
    if out.returncode != 0 or m is None:
        raise MissingDependencyError(f"Tesseract at {path} does not run properly; "
                                     f"reinstall it with: {TESSERACT_APT}")
    langs = _run_probe([path, "--list-langs"], "Tesseract", TESSERACT_APT, timeout)
    # First line is 'List of available languages in "...":'; the rest are names.
    names = [ln.strip() for ln in (langs.stdout or langs.stderr).splitlines()[1:]]
    return TesseractInfo(m.group(1), tuple(n for n in names if n), path)


@dataclass(frozen=True)
class TesseractEngine:
    """The ``tesseract`` program, run once per page image on a temporary PNG.

    ``cmd``: the program (a name on PATH or a path).  ``timeout``: seconds per page.
    ``threads``: OMP_THREAD_LIMIT for Tesseract unless the user's environment sets it.
    ``args``: more command-line options (e.g. ``("--psm", "6")``); ``--dpi`` is added
    from the image unless given here.
    """

    cmd: str = "tesseract"
    timeout: float = OCR_TIMEOUT
    probe_timeout: float = PROBE_TIMEOUT
    threads: int = 1
    args: tuple[str, ...] = ()

    name = "tesseract"  # a class attribute, not a field: the registry's name for it

    def probe(self) -> TesseractInfo:
        """Version, languages and path; cached per command, so once per process."""
        return _probe_cached(self.cmd, self.probe_timeout)

    def version(self) -> str:
        return self.probe().version

    def languages(self) -> tuple[str, ...]:
        return self.probe().languages

    def image_to_text(self, image: Image, lang: str) -> str:
        return self._run(image, lang, "txt").decode("utf-8")

    def image_to_hocr(self, image: Image, lang: str) -> str:
        # tessedit_create_hocr before the other options: the command line pytesseract built.
        return self._run(image, lang, "hocr", ("-c", "tessedit_create_hocr=1")).decode("utf-8")

    def image_to_text_and_choices(self, image: Image, lang: str
                                  ) -> tuple[str, list[WordChoices]]:
        """The plain text (as ``image_to_text``) and each word's per-character LSTM
        alternatives, from one run: the text and an hOCR with ``lstm_choice_mode=2``
        (which does not change the text)."""
        text, hocr = self._run_many(image, lang, ("txt", "hocr"), choice_args())
        return text.decode("utf-8"), hocr_choices(hocr.decode("utf-8"))

    def image_to_hocr_and_choices(self, image: Image, lang: str
                                  ) -> tuple[str, list[WordChoices]]:
        """The hOCR (as ``image_to_hocr``) and each word's per-character LSTM
        alternatives, from one run; the alternatives' markup is taken out of the hOCR."""
        hocr = self._run(image, lang, "hocr", ("-c", "tessedit_create_hocr=1",
                                               *choice_args())).decode("utf-8")
        return strip_choices(hocr), hocr_choices(hocr)

    def _run(self, image: Image, lang: str, fmt: str, first: tuple[str, ...] = ()) -> bytes:
        """Tesseract's output file ``fmt`` (txt, hocr) for ``image``."""
        return self._run_many(image, lang, (fmt,), first)[0]

    def _run_many(self, image: Image, lang: str, fmts: tuple[str, ...],
                  first: tuple[str, ...] = ()) -> list[bytes]:
        """Tesseract's output files ``fmts`` for ``image``, from one recognition."""
        program = self.probe().path
        with tempfile.TemporaryDirectory(prefix="vnrestore-tess-") as tmp:
            src, base = os.path.join(tmp, "page.png"), os.path.join(tmp, "page")
            _flatten_alpha(image).save(src, format="PNG")  # lossless, whatever the input was
            self._call([program, src, base, "-l", lang, *first, *self._options(image),
                        *fmts])
            out = []
            for fmt in fmts:
                with open(f"{base}.{fmt}", "rb") as fh:
                    out.append(fh.read())
            return out

    def _options(self, image: Image) -> list[str]:
        """``args`` and the resolution: without ``--dpi`` Tesseract guesses 70 dpi and
        filters text by a wrong size.  Metadata wins, else the page-size estimate, else 300."""
        if "--dpi" in self.args:
            return list(self.args)
        return [*self.args, "--dpi", str(round(estimate_dpi(image) or TARGET_DPI))]

    def _call(self, cmd: list[str]) -> None:
        try:
            done = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                                  timeout=self.timeout, env=self._env(), check=False)
        except subprocess.TimeoutExpired as exc:  # run() has killed it
            raise OcrError(f"Tesseract took longer than {self.timeout:g} s") from exc
        except OSError as exc:  # gone or not executable since the probe
            raise MissingDependencyError(f"Tesseract at {cmd[0]} does not run ({exc}); "
                                         f"reinstall it with: {TESSERACT_APT}") from exc
        stderr = done.stderr.decode("utf-8", "replace").strip()
        if done.returncode != 0:
            last = stderr.splitlines()[-1] if stderr else "no message"
            raise OcrError(f"Tesseract failed (exit {done.returncode}): {last}")
        if stderr:
            log.debug("tesseract: %s", stderr)

    def _env(self) -> dict[str, str]:
        """The environment of the tesseract process (ours is left alone).

        Tesseract's OpenMP threads make it several times *slower* on small machines (on 2
        cores: 10.8 s against 2.8 s for an A4 page, benchmarks/ocr_run.py); vnrestore runs
        pages in parallel with --jobs instead.  A value the user set is kept.
        """
        env = dict(os.environ)
        env.setdefault("OMP_THREAD_LIMIT", str(self.threads))
        return env


def _flatten_alpha(image: Image) -> Image:
    """Transparent areas onto white paper (as pytesseract did: Tesseract ignores alpha)."""
    if "A" not in image.getbands():
        return image
    from PIL import Image as _Image

    background = _Image.new("RGB", image.size, (255, 255, 255))
    background.paste(image, (0, 0), image.getchannel("A"))
    return background


# Engines by name.  A plugin adds itself with ``register_engine``; ``get_engine`` also
# loads "module:factory" names, so an engine outside vnrestore needs no registration.
ENGINES: dict[str, Callable[[], OcrEngine]] = {"tesseract": TesseractEngine}
ENGINE_ENV = "VNRESTORE_OCR_ENGINE"  # the engine when none is given (default: tesseract)


def register_engine(name: str, factory: Callable[[], OcrEngine]) -> None:
    """Make ``get_engine(name)`` call ``factory`` (a class or a function)."""
    ENGINES[name] = factory


def get_engine(engine: str | OcrEngine | None = None) -> OcrEngine:
    """An engine: given as an object, by a registered name, by "module:factory", or
    (None) the one named by ``$VNRESTORE_OCR_ENGINE``, else Tesseract."""
    if engine is None:
        engine = os.environ.get(ENGINE_ENV) or "tesseract"
    if not isinstance(engine, str):
        return engine
    if engine in ENGINES:
        return ENGINES[engine]()
    if ":" in engine:
        module, _, attr = engine.partition(":")
        try:
            factory = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError) as exc:
            raise UsageError(f"OCR engine {engine!r} cannot be loaded: {exc}") from exc
        return factory()
    raise UsageError(f"unknown OCR engine {engine!r} (known: {', '.join(sorted(ENGINES))}; "
                     "or module:factory)")


def probe_tesseract() -> TesseractInfo:
    """Version, languages and path of the ``tesseract`` on PATH; cached."""
    return TesseractEngine().probe()


def choose_lang(requested: str | None = None,
                engine: str | OcrEngine | None = None) -> tuple[str, str | None]:
    """The OCR language to use and an optional warning for the user.

    ``vie`` when installed (much better input for us), else ``eng`` with a warning.
    ``requested`` (e.g. ``"eng"`` or ``"vie+eng"``) overrides, but each part must exist.
    """
    installed = set(get_engine(engine).languages())
    if requested:
        missing = [p for p in requested.split("+") if p not in installed]
        if missing:
            pkgs = " ".join(f"tesseract-ocr-{p}" for p in missing)
            raise MissingDependencyError(
                f"Tesseract language(s) {', '.join(missing)} not installed "
                f"(have: {', '.join(sorted(installed)) or 'none'}); "
                f"install with: apt-get install -y {pkgs}")
        return requested, None
    if "vie" in installed:
        return "vie", None
    if "eng" in installed:
        return "eng", ("Tesseract's Vietnamese model is not installed, using 'eng' "
                       "(diacritics will be lost and then restored); better: "
                       "apt-get install -y tesseract-ocr-vie")
    raise MissingDependencyError(f"Tesseract has neither 'vie' nor 'eng' installed; "
                                 f"install with: {TESSERACT_APT}")


# --------------------------------------------------------------------------- loading

@dataclass
class Page:
    """One page of an input: an image to OCR, or text taken from a PDF's text layer."""

    source: Path
    number: int  # 1-based
    image: Image | None = None
    text: str | None = None


def load_pages(path: Path, dpi: int = TARGET_DPI,
               use_text_layer: bool = False) -> Iterator[Page]:
    """Pages of an image (PNG/JPEG/TIFF, every TIFF frame) or a PDF, lazily."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(5)
    except OSError as exc:
        raise InputError(str(path), exc.strerror or str(exc)) from exc
    if head.startswith(b"%PDF"):
        yield from _pdf_pages(path, dpi, use_text_layer)
    else:
        yield from _image_pages(path)


def _image_pages(path: Path) -> Iterator[Page]:
    from PIL import Image, ImageSequence, UnidentifiedImageError

    try:
        img = Image.open(path)
    except UnidentifiedImageError as exc:
        raise InputError(str(path), "not a readable image (PNG, JPEG, TIFF) or PDF") from exc
    except (OSError, ValueError) as exc:
        raise InputError(str(path), f"cannot read image: {exc}") from exc
    with img:
        try:
            for n, frame in enumerate(ImageSequence.Iterator(img), start=1):
                page = frame.copy()  # detach from the file (the next seek reuses it)
                if "dpi" in img.info:  # frames may not carry the file's resolution
                    page.info.setdefault("dpi", img.info["dpi"])
                yield Page(path, n, image=page)
        except (OSError, ValueError, SyntaxError) as exc:  # truncated / corrupt data
            raise InputError(str(path), f"cannot decode image: {exc}") from exc


def _pdf_error(path: Path, stderr: str) -> InputError:
    low = stderr.lower()
    if "password" in low or "encrypt" in low:
        return InputError(str(path), "PDF is encrypted (password-protected); decrypt it "
                                     "first, e.g. qpdf --decrypt --password=... in.pdf out.pdf")
    first = stderr.strip().splitlines()[0] if stderr.strip() else "unknown error"
    return InputError(str(path), f"cannot read PDF: {first}")


def _run_pdf_tool(args: list[str], path: Path) -> str:
    try:
        out = subprocess.run(args, capture_output=True, timeout=PDF_TIMEOUT, check=False)
    except subprocess.TimeoutExpired as exc:
        raise InputError(str(path), f"{Path(args[0]).name} timed out") from exc
    if out.returncode != 0:
        raise _pdf_error(path, out.stderr.decode("utf-8", "replace"))
    return out.stdout.decode("utf-8", "replace")


def pdf_page_count(path: Path) -> int:
    pdfinfo = _find(PDFINFO_CMD, "pdfinfo (poppler-utils)", POPPLER_APT)
    info = _run_pdf_tool([pdfinfo, str(path)], path)
    m = re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)
    if m is None:
        raise InputError(str(path), "cannot read PDF: pdfinfo reports no page count")
    return int(m.group(1))


def _pdf_pages(path: Path, dpi: int, use_text_layer: bool) -> Iterator[Page]:
    from PIL import Image

    pdftoppm = _find(PDFTOPPM_CMD, "pdftoppm (poppler-utils)", POPPLER_APT)
    pdftotext = _find(PDFTOTEXT_CMD, "pdftotext (poppler-utils)", POPPLER_APT) \
        if use_text_layer else ""
    for n in range(1, pdf_page_count(path) + 1):
        if use_text_layer:
            text = _run_pdf_tool([pdftotext, "-layout", "-enc", "UTF-8", "-f", str(n),
                                  "-l", str(n), str(path), "-"], path)
            if text.strip():  # a scanned page has an empty layer: fall back to OCR
                yield Page(path, n, text=text.rstrip("\f\n") + "\n")
                continue
        # One page at a time keeps memory flat on long PDFs.
        with tempfile.TemporaryDirectory(prefix="vnrestore-pdf-") as tmp:
            prefix = os.path.join(tmp, "page")
            _run_pdf_tool([pdftoppm, "-r", str(dpi), "-f", str(n), "-l", str(n), "-png",
                           "-singlefile", str(path), prefix], path)
            with Image.open(prefix + ".png") as im:
                im.load()
                image = im.copy()
        image.info["dpi"] = (dpi, dpi)
        yield Page(path, n, image=image)


# --------------------------------------------------------------------------- preprocessing

def grayscale(image: Image) -> Image:
    """8-bit gray: colour carries nothing for text and Otsu needs one channel."""
    if image.mode == "L":
        return image
    if image.mode in ("RGBA", "LA", "P"):  # transparent areas must become paper, not ink
        from PIL import Image as _Image

        rgba = image.convert("RGBA")
        bg = _Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = _Image.alpha_composite(bg, rgba)
    out = image.convert("L")
    out.info = dict(image.info)
    return out


def estimate_dpi(image: Image) -> float | None:
    """Resolution from the file's metadata, else from the width of a page-shaped image.

    72/96 dpi headers are software defaults, not scanner settings, so they are ignored.
    Strips and crops (not page-shaped) give ``None``: their width says nothing.
    """
    dpi = image.info.get("dpi")
    if dpi:
        value = float(dpi[0]) if isinstance(dpi, tuple) else float(dpi)
        if value >= 100 and round(value) not in (72, 96):
            return value
    w, h = image.size
    if 1.2 <= h / max(w, 1) <= 1.6:  # portrait page (A4 is 1.41, Letter 1.29)
        return w / A4_WIDTH_IN
    if 1.2 <= w / max(h, 1) <= 1.6:  # landscape page
        return h / A4_WIDTH_IN
    return None


def upscale(image: Image, target_dpi: int = TARGET_DPI, max_factor: float = 4.0) -> Image:
    """Enlarge low-resolution scans to ~300 dpi: Tesseract misreads small glyphs."""
    from PIL import Image as _Image

    dpi = estimate_dpi(image)
    if dpi is None or dpi >= target_dpi * 0.9:
        return image
    factor = min(target_dpi / dpi, max_factor)
    size = (round(image.width * factor), round(image.height * factor))
    out = image.resize(size, _Image.Resampling.LANCZOS)
    out.info = dict(image.info)
    out.info["dpi"] = (dpi * factor, dpi * factor)
    return out


def _otsu(values) -> tuple[int, float]:
    """Otsu's threshold of a uint8 array (maximises the between-class variance) and its
    separability: between-class over total variance, 1.0 for a bilevel image."""
    import numpy as np

    hist = np.bincount(np.asarray(values, dtype=np.uint8).ravel(), minlength=256)
    hist = hist.astype(np.float64)
    total = hist.sum()
    if total == 0:
        return 128, 1.0
    omega = np.cumsum(hist) / total  # weight of the dark class
    mu = np.cumsum(hist * np.arange(256)) / total
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mu[-1] * omega - mu) ** 2 / (omega * (1.0 - omega))
    between = np.nan_to_num(between, nan=0.0, posinf=0.0)
    variance = float((hist * (np.arange(256) - mu[-1]) ** 2).sum() / total)
    t = int(np.argmax(between))
    return t, float(between[t] / variance) if variance > 0 else 1.0


def otsu_threshold(values) -> int:
    """Otsu's threshold of a uint8 array."""
    return _otsu(values)[0]


# A page is binarized only when its grey levels are far from two clean classes: on dev
# pages, clean renders scored 0.95-0.97 (Tesseract's own thresholding reads them better:
# 99.69% of words against 99.60% binarized), blurred and noisy scans 0.73-0.84 (where
# binarizing first took 93.5% to 95.4%); already bilevel pages score 1.0.
BINARIZE_BELOW = 0.9


def binarize(image: Image, below: float = 1.01) -> Image:
    """Black text on white (0/255) by Otsu's global threshold, when the separability of
    the page is under ``below`` (by default always)."""
    import numpy as np
    from PIL import Image as _Image

    arr = np.asarray(grayscale(image))
    t, separability = _otsu(arr)
    if separability >= below:
        return image
    out = _Image.fromarray(np.where(arr > t, 255, 0).astype(np.uint8), "L")
    out.info = dict(image.info)
    return out


def binarize_degraded(image: Image) -> Image:
    """``binarize`` for pages that need it (``BINARIZE_BELOW``)."""
    return binarize(image, BINARIZE_BELOW)


def estimate_skew(image: Image, max_angle: float = 5.0) -> float:
    """How far the text lines are rotated, in degrees counter-clockwise (as ``Image.rotate``).

    Projection profiles: text lines make the row histogram of ink peaky when the page is
    straight, so we look for the rotation that maximises the sum of squared row counts.
    Ink pixel coordinates are rotated (not the image), which keeps the search cheap.
    """
    import numpy as np

    gray = grayscale(image)
    scale = min(1.0, 1200 / max(gray.size))  # a 1200 px proxy is plenty for the angle
    if scale < 1.0:
        gray = gray.resize((max(1, round(gray.width * scale)),
                            max(1, round(gray.height * scale))))
    arr = np.asarray(gray)
    ys, xs = np.nonzero(arr <= otsu_threshold(arr))
    if len(xs) < 50 or len(xs) > 0.6 * arr.size:  # blank page or solid block
        return 0.0
    if len(xs) > 200_000:
        keep = np.random.default_rng(0).choice(len(xs), 200_000, replace=False)
        ys, xs = ys[keep], xs[keep]
    xs = xs - arr.shape[1] / 2.0
    ys = ys - arr.shape[0] / 2.0

    def score(angle: float) -> float:
        a = np.deg2rad(angle)
        # Row of each ink pixel after undoing a rotation by ``angle`` (y axis points down).
        rows = ys * np.cos(a) + xs * np.sin(a)
        hist = np.bincount((rows - rows.min()).astype(np.int64))
        return float(np.dot(hist, hist))

    best = max(np.arange(-max_angle, max_angle + 1e-9, 0.5).tolist(), key=score)
    fine = np.arange(best - 0.5, best + 0.5 + 1e-9, 0.05).tolist()
    finest: float = max(fine, key=score)
    return round(finest, 2)


def deskew(image: Image, max_angle: float = 5.0) -> Image:
    """Rotate the page straight (±``max_angle``°): skewed lines break line finding."""
    from PIL import Image as _Image

    angle = estimate_skew(image, max_angle)
    if abs(angle) < 0.1:
        return image
    gray = grayscale(image)
    out = gray.rotate(-angle, resample=_Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    out.info = dict(image.info)
    return out


@dataclass(frozen=True)
class Preprocess:
    """Which preprocessing steps run (field names are the step names)."""

    grayscale: bool = True
    upscale: bool = True
    binarize: bool = True
    deskew: bool = True

    @classmethod
    def none(cls) -> Preprocess:
        return cls(**{f.name: False for f in fields(cls)})


# Order matters: deskew after binarize (a clean ink mask), bicubic rotation keeps text smooth.
PREPROCESS_STEPS: list[tuple[str, Callable[[Image], Image]]] = [
    ("grayscale", grayscale),
    ("upscale", upscale),
    ("binarize", binarize_degraded),
    ("deskew", deskew),
]


def preprocess(image: Image, options: Preprocess | None = None) -> Image:
    """Run the enabled steps of ``PREPROCESS_STEPS`` in order."""
    options = options or Preprocess()
    for name, step in PREPROCESS_STEPS:
        if getattr(options, name, False):
            image = step(image)
    return image


# --------------------------------------------------------------------------- OCR

def ocr_image(image: Image, lang: str, engine: str | OcrEngine | None = None) -> str:
    """Plain text of one image (``engine``: see ``get_engine``)."""
    return get_engine(engine).image_to_text(image, lang)


def ocr_hocr(image: Image, lang: str, engine: str | OcrEngine | None = None) -> str:
    """hOCR (XHTML with a bbox for every line and word) of one image."""
    return get_engine(engine).image_to_hocr(image, lang)


def ocr_path(path: Path, lang: str | None = None, preprocess: Preprocess | None = None,
             use_text_layer: bool = False,
             warn: Callable[[str], None] | None = None,
             engine: str | OcrEngine | None = None) -> list[str]:
    """OCR every page of an image or PDF: one text per page.

    ``warn`` receives notices for the user (e.g. falling back to ``eng``); the default
    logs them.  Pages taken from a PDF text layer are returned as they are.
    """
    options = preprocess if preprocess is not None else Preprocess()
    ocr_engine = get_engine(engine)
    chosen, warning = choose_lang(lang, ocr_engine)
    if warning:
        (warn or log.warning)(warning)
    texts = []
    for page in load_pages(Path(path), use_text_layer=use_text_layer):
        if page.text is not None:
            texts.append(page.text)
        else:
            assert page.image is not None  # a page is text or an image
            texts.append(ocr_engine.image_to_text(_preprocess_fn(page.image, options), chosen))
    return texts


_preprocess_fn = preprocess  # ocr_path's parameter shadows the function's name


# --------------------------------------------------------------------------- hOCR

_LINE_CLASSES = "ocr_line|ocr_caption|ocr_header|ocr_textfloat|ocr_footer"
_LINE_RE = re.compile(rf"<span\b[^>]*\bclass=(['\"])(?:{_LINE_CLASSES})\1")
_WORD_RE = re.compile(r"(<span\b[^>]*\bclass=(['\"])ocrx_word\2[^>]*>)(.*?)(</span>)",
                      re.DOTALL)
# Word content may be wrapped in <strong>/<em> (older Tesseract): keep those tags.
_INNER_RE = re.compile(r"^((?:\s*<[^/][^>]*>)*)(.*?)((?:</[^>]+>\s*)*)$", re.DOTALL)


def _inner(content: str) -> re.Match[str]:
    m = _INNER_RE.match(content)
    assert m is not None  # every part of the pattern is optional
    return m


def hocr_replace_words(hocr: str, replacements: Callable[[list[str]], list[str]]) -> str:
    """Replace the text of every ``ocrx_word``, line by line, keeping all markup and bboxes.

    ``replacements`` gets the words of one line and must return as many words.
    """
    words = list(_WORD_RE.finditer(hocr))
    if not words:
        return hocr
    line_starts = [m.start() for m in _LINE_RE.finditer(hocr)]
    groups: dict[int, list[re.Match[str]]] = {}
    li = -1
    for w in words:  # a word belongs to the last line opened before it
        while li + 1 < len(line_starts) and line_starts[li + 1] < w.start():
            li += 1
        groups.setdefault(li, []).append(w)
    new_inner: dict[int, str] = {}
    for group in groups.values():
        parts = [_inner(w.group(3)) for w in group]
        old = [html.unescape(re.sub(r"<[^>]+>", "", p.group(2))) for p in parts]
        new = list(replacements(old))
        if len(new) != len(old):
            raise ValueError(f"replacement callback returned {len(new)} words for "
                             f"{len(old)}: {old!r}")
        for w, p, text in zip(group, parts, new, strict=False):
            new_inner[w.start()] = p.group(1) + html.escape(text, quote=False) + p.group(3)
    out, pos = [], 0
    for w in words:
        out += [hocr[pos:w.start(3)], new_inner[w.start()]]
        pos = w.end(3)
    out.append(hocr[pos:])
    return "".join(out)


@dataclass
class RestoredHocr:
    """An hOCR page with its words restored (``restore_hocr``)."""

    hocr: str
    old: list[str]  # the words in reading order, as read (NFC)
    new: list[str]  # the same words restored
    text: str  # the page as the restorer saw it: a line of words per hOCR line
    result: Result | None  # the restorer's result (None: the page has no words)


def hocr_lines(hocr: str) -> list[list[str]]:
    """The words of every line of an hOCR, as ``hocr_replace_words`` groups them."""
    lines: list[list[str]] = []

    def record(words: list[str]) -> list[str]:
        lines.append(words)
        return words

    hocr_replace_words(hocr, record)
    return lines


def restore_hocr(hocr: str, restore: Callable[[str], Result]) -> RestoredHocr:
    """Restore the words of an hOCR page in the context of the whole page (not line by
    line: a line is too short to estimate how the page was read, and its neighbours are
    the context the language model needs); markup and boxes are kept, word for word."""
    from .normalize import normalize_text
    from .pdf import restore_lines

    lines = [[normalize_text(w) for w in line] for line in hocr_lines(hocr)]
    if not any(lines):
        return RestoredHocr(hocr, [], [], "", None)
    results: list[Result] = []

    def run(text: str) -> Result:
        results.append(restore(text))
        return results[-1]

    new, _ = restore_lines(lines, run)
    pending = iter(new)
    restored = hocr_replace_words(hocr, lambda words: next(pending))
    return RestoredHocr(restored, [w for line in lines for w in line],
                        [w for line in new for w in line],
                        "\n".join(" ".join(line) for line in lines), results[0])


# Tesseract's LSTM alternatives (``-c lstm_choice_mode=2``): in the hOCR, each word is
# followed by one ``lstm_choices_*`` span per symbol it read, holding ``choice_*`` spans
# (a character and its ``x_confs``, 0-100), best first.  A word after the first of a line
# starts with the choices of the space before it.
LSTM_CHOICE_MODE = 2
# Tesseract's default, 5 rounds of its choice search, made a page 17% slower to read (txt
# alone 1.96 s, with the choices 2.30 s, 2 dev pages x 3); one round 10% (2.15 s).
LSTM_CHOICE_ITERATIONS = 1
# A word as read, and for each of its characters the alternatives (character, confidence
# 0-1), best first.
WordChoices = tuple[str, tuple[tuple[tuple[str, float], ...], ...]]
_CHOICES_RE = re.compile(  # one symbol's alternatives, and the blank before the word's end
    r"""(?:\s*<span\b[^>]*\bid=(['"])lstm_choices_[^'"]*\1[^>]*>"""
    r"""(?:\s*<span\b[^>]*>[^<]*</span>)*\s*</span>)+\s*""")
_CHOICE_PART_RE = re.compile(
    r"""class=(['"])ocrx_word\1[^>]*>([^<]*)"""
    r"""|\bid=(['"])lstm_choices_[^'"]*\3"""
    r"""|\bid=(['"])choice_[^'"]*\4[^>]*\btitle=(['"])x_confs\s+([\d.]+)\5[^>]*>([^<]*)<""")


def choices_help(langs: Iterable[str]) -> bool:
    """Are the alternatives worth asking Tesseract for with these languages?  Only with
    its Vietnamese model: that is where they were measured to help (benchmarks/
    lstm_choices.md); an English model's alternatives are ASCII letters the channel
    table already weighs, and the choice search costs 6-12% of Tesseract's time."""
    return "vie" in langs


def choice_args() -> tuple[str, ...]:
    """Tesseract options that add the alternatives to its hOCR."""
    return ("-c", f"lstm_choice_mode={LSTM_CHOICE_MODE}",
            "-c", f"lstm_choice_iterations={LSTM_CHOICE_ITERATIONS}")


def choice_config() -> str:
    """The same as a Tesseract config file (for a Tesseract run by someone else)."""
    return f"lstm_choice_mode {LSTM_CHOICE_MODE}\n" \
        f"lstm_choice_iterations {LSTM_CHOICE_ITERATIONS}\n"


def strip_choices(hocr: str) -> str:
    """The hOCR without the alternatives' markup, each word's text as Tesseract writes it
    without them (the markup sits inside ``ocrx_word`` spans, where readers of hOCR take
    every text node for the word's)."""
    return _CHOICES_RE.sub("", hocr) if "lstm_choices_" in hocr else hocr


def hocr_choices(hocr: str) -> list[WordChoices]:
    """The words of an hOCR made with ``lstm_choice_mode=2``, in reading order, each
    with its characters' alternatives; words whose choices do not pair up with their
    characters one to one are left out (so are all words of an hOCR without choices)."""
    words: list[tuple[str, list[list[tuple[str, float]]]]] = []
    for m in _CHOICE_PART_RE.finditer(hocr):
        if m.group(1):
            words.append((html.unescape(m.group(2)).strip(), []))
        elif not words:
            continue
        elif m.group(3):
            words[-1][1].append([])
        elif words[-1][1]:
            words[-1][1][-1].append((html.unescape(m.group(7)), float(m.group(6)) / 100))
    out = []
    for text, groups in words:
        symbols = [tuple(sorted(g, key=lambda c: -c[1])) for g in groups
                   if g and not max(g, key=lambda c: c[1])[0].isspace()]
        if text and len(symbols) == len(text):
            out.append((text, tuple(symbols)))
    return out


_BODY_RE = re.compile(r"<body>(.*)</body>", re.DOTALL)
_ID_RE = re.compile(r"""\bid=(['"])([a-z]+)_1(_\d+)?\1""")
_PAGE_TITLE_RE = re.compile(
    r"""(<div\b[^>]*\bclass=(['"])ocr_page\2[^>]*\btitle=(['"]))(.*?)(\3)""")


def merge_hocr(pages: list[str], lang: str, source_name: str) -> str:
    """One hOCR document of the per-page documents Tesseract wrote (each OCR'd as one
    image, so each says "page 1" and names a temporary image file): the first page's
    head, then every page's ``ocr_page`` with its own number and ids, its language, and
    the input's name instead of the deleted image."""
    if not pages:
        return ""
    head, _, _ = pages[0].partition("<body>")
    bodies = []
    for n, page in enumerate(pages, start=1):
        m = _BODY_RE.search(page)
        body = m.group(1) if m else ""
        body = _ID_RE.sub(functools.partial(_page_id, n), body)
        body = _PAGE_TITLE_RE.sub(functools.partial(_page_attrs, n, source_name, lang), body,
                                  count=1)
        bodies.append(body.strip("\n"))
    return f"{head}<body>\n" + "\n".join(bodies) + "\n </body>\n</html>\n"


def _page_id(number: int, m: re.Match[str]) -> str:
    return f"id={m[1]}{m[2]}_{number}{m[3] or ''}{m[1]}"


def _page_attrs(number: int, source_name: str, lang: str, m: re.Match[str]) -> str:
    return m[1] + _page_title(m[4], number, source_name) + m[5] + \
        f" lang='{html.escape(lang)}'"


def _page_title(title: str, number: int, source_name: str) -> str:
    props = [p.strip() for p in html.unescape(title).split(";") if p.strip()]
    props = [p for p in props if not p.startswith(("image ", "ppageno "))]
    name = source_name.replace("\\", "\\\\").replace('"', '\\"')
    props = [f'image "{name}"', *props, f"ppageno {number - 1}"]
    return html.escape("; ".join(props), quote=True)
