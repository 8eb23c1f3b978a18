"""Small PDFs for the PDF tests, built once per test process (not fixtures, so that both
test modules share them): a rendered page of Vietnamese text, OCR'd with ``ocrmypdf -l
eng`` (its layer in a Form XObject) and with ``tesseract ... pdf`` (in the page
content), and an image-only PDF.  No scan of a real document is involved."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from functools import lru_cache
from pathlib import Path

import pytest

GOLD = [
    "Kết luận số 57-KL/TW của Bộ Chính trị về tiếp tục nâng cao chất lượng,",
    "hiệu quả công tác thông tin đối ngoại trong tình hình mới. Ủy ban nhân dân",
    "huyện xây dựng kế hoạch phát triển kinh tế xã hội và bảo đảm an ninh.",
]
# OCR with a non-Vietnamese model can read these right without their marks.
RESTORED_WORDS = ["Kết", "luận", "số", "của", "nâng", "lượng", "đối", "huyện", "kế"]
ENV = {**os.environ, "OMP_THREAD_LIMIT": "1"}  # one Tesseract thread: the machine is shared


@lru_cache(maxsize=1)
def workdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="vnrestore-pdf-tests-"))


def require(*programs: str) -> None:
    """Skip unless the PDF extra and ``programs`` are installed."""
    for module in ("pikepdf", "pdfminer", "fontTools"):
        pytest.importorskip(module)
    for program in programs:
        if shutil.which(program) is None:
            pytest.skip(f"{program} not installed")


@lru_cache(maxsize=1)
def page_png() -> Path:
    """The gold lines rendered at 300 dpi in a font that covers Vietnamese."""
    import numpy as np

    from vnrestore.build.synth import Line, render_page, usable_fonts

    fonts = usable_fonts()
    if not fonts:
        pytest.skip("no font covering Vietnamese installed")
    img, _ = render_page([Line(t, 0, True) for t in GOLD], fonts[0],
                         np.random.default_rng(1))
    path = workdir() / "page.png"
    img.save(path, dpi=(300, 300))
    return path


@lru_cache(maxsize=1)
def image_pdf() -> Path:
    """The page as an image-only PDF (no text layer at all)."""
    import img2pdf

    path = workdir() / "image.pdf"
    path.write_bytes(img2pdf.convert(str(page_png())))
    return path


def run_ocrmypdf(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ocrmypdf", "--jobs", "1", *args],
                          capture_output=True, text=True, env=ENV, timeout=300,
                          check=check)


@lru_cache(maxsize=1)
def ocrmypdf_pdf() -> Path:
    """``ocrmypdf -l eng``: OCRmyPDF 17 puts the invisible layer in a Form XObject."""
    path = workdir() / "ocrmypdf-eng.pdf"
    run_ocrmypdf("-l", "eng", str(image_pdf()), str(path))
    return path


@lru_cache(maxsize=1)
def tesseract_pdf() -> Path:
    """``tesseract page.png out -l eng pdf``: mode-3 text in the page content itself."""
    base = workdir() / "tesseract-eng"
    subprocess.run(["tesseract", str(page_png()), str(base), "-l", "eng", "--dpi", "300",
                    "pdf"], capture_output=True, env=ENV, timeout=300, check=True)
    return base.with_suffix(".pdf")


def render(pdf: Path, dpi: int) -> bytes:
    """Every page of ``pdf`` rendered by poppler, as bytes."""
    out = subprocess.run(["pdftoppm", "-r", str(dpi), str(pdf)], capture_output=True,
                         timeout=120, check=True)
    return out.stdout


def pdftotext(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                          text=True, timeout=120, check=True).stdout
