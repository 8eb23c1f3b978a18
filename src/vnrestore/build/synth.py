"""Synthetic scans: render clean Vietnamese text, degrade it like a scan, OCR it, align.

The records (``{"doc", "page", "font", "level", "lang", "source", "ocr"}``, one per line
that aligned confidently) are training pairs for the OCR error channel: ``lang == "eng"``
reproduces what our users have on disk (a non-Vietnamese model over Vietnamese scans),
``lang == "vie"`` the rarer but still noisy Vietnamese-model output.

Everything is deterministic given a seed: every random choice comes from a
``numpy.random.Generator`` seeded from ``(seed, doc, page)``, so parallel runs
(``jobs > 1``) produce the same records in the same order as serial ones.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import textwrap
import unicodedata
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from PIL.Image import Image

PAGE_DPI = 300
PAGE_SIZE = (2480, 3508)  # A4 at 300 dpi
LEVELS = ("clean", "moderate", "heavy")

# --------------------------------------------------------------------------- characters

_VOWELS = "aăâeêioôơuưy"
_TONES = ("", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323")  # huyền hỏi ngã sắc nặng


def _vietnamese_letters() -> str:
    lower = [unicodedata.normalize("NFC", v + t) for v in _VOWELS for t in _TONES] + ["đ"]
    return "".join(lower) + "".join(c.upper() for c in lower)


VIETNAMESE_LETTERS = _vietnamese_letters()  # 12 vowels x 6 tones + đ, both cases: 146
_EXTRA = "“”‘’–—…°%§·«»"
ALLOWED_CHARS = frozenset(VIETNAMESE_LETTERS + _EXTRA
                          + "".join(chr(c) for c in range(0x20, 0x7F)))

# --------------------------------------------------------------------------- fonts

# Serif families that really cover Vietnamese.  Liberation Serif must be 2.x
# (fonts-liberation2): 1.x renders boxes for ơ, ư, ạ ...
FONT_CANDIDATES: tuple[tuple[str, str], ...] = (
    ("Liberation Serif", "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"),
    ("FreeSerif", "/usr/share/fonts/truetype/freefont/FreeSerif.ttf"),
    ("DejaVu Serif", "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"),
    ("Noto Serif", "/usr/share/fonts/truetype/noto/NotoSerif-Regular.ttf"),
    ("Charis SIL", "/usr/share/fonts/truetype/charis/CharisSIL-Regular.ttf"),
)


def _glyph_signature(font, ch: str) -> tuple[tuple[int, int], bytes]:
    mask = font.getmask(ch)
    return mask.size, bytes(mask)


@lru_cache(maxsize=64)
def font_covers(path: str, chars: str = VIETNAMESE_LETTERS) -> bool:
    """Does the font at ``path`` have a real glyph for every one of ``chars``?

    A missing character renders as the font's .notdef glyph (a box, or nothing), so we
    compare each glyph mask with the mask of a private-use code point no font maps.
    """
    from PIL import ImageFont

    try:
        font = ImageFont.truetype(path, 40)
    except OSError:
        return False
    notdef = _glyph_signature(font, "\U0010fffd")
    for ch in chars:
        sig = _glyph_signature(font, ch)
        if sig == notdef or not any(sig[1]):
            return False
    return True


def _fc_lookup(family: str) -> str | None:
    """Path of a family's Regular face via fontconfig, for non-Debian layouts."""
    if shutil.which("fc-list") is None:
        return None
    try:
        out = subprocess.run(["fc-list", f"{family}:style=Regular", "file"],
                             capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    paths = sorted(ln.strip().rstrip(":") for ln in out.stdout.splitlines() if ln.strip())
    return paths[0] if paths else None


@dataclass(frozen=True)
class Font:
    family: str
    path: str


def usable_fonts(candidates: Sequence[tuple[str, str]] = FONT_CANDIDATES) -> list[Font]:
    """The candidate fonts that are installed and pass ``font_covers``; others skipped."""
    fonts = []
    for family, path in candidates:
        found = path if os.path.isfile(path) else _fc_lookup(family)
        if found and font_covers(found):
            fonts.append(Font(family, found))
    return fonts


# --------------------------------------------------------------------------- text

def strip_accents(text: str) -> str:
    """Lower-case ASCII skeleton (used to compare eng OCR with Vietnamese source)."""
    nfd = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in nfd if not unicodedata.combining(c)).lower()


_WS = re.compile(r"\s+")


def prose_paragraphs(text: str, min_chars: int = 100) -> list[str]:
    """Paragraphs of ordinary running prose: no headings, tables, lists of numbers."""
    out = []
    for raw in text.split("\n"):
        para = _WS.sub(" ", unicodedata.normalize("NFC", raw)).strip()
        if len(para) < min_chars or len(para.split()) < 15 or para.startswith("=="):
            continue
        if not set(para) <= ALLOWED_CHARS or para[-1] not in ".!?:;\"”)…":
            continue
        chars = para.replace(" ", "")
        letters = sum(c.isalpha() for c in chars)
        digits = sum(c.isdigit() for c in chars)
        if letters < 0.8 * len(chars) or digits > 0.06 * len(chars):
            continue
        if sum(c in VIETNAMESE_LETTERS for c in para) < 0.08 * len(chars):
            continue  # foreign-language quotations
        out.append(para)
    return out


@dataclass(frozen=True)
class Line:
    """A rendered line and where it comes from (its paragraph index in the page's text)."""

    text: str
    para: int
    last: bool  # last line of its paragraph (never justified)


def wrap_lines(paragraphs: Sequence[str], width: int) -> list[Line]:
    """Wrap paragraphs into scan-like lines of at most ``width`` characters."""
    lines = []
    for i, para in enumerate(paragraphs):
        parts = textwrap.wrap(para, width=width, break_long_words=False,
                              break_on_hyphens=False)
        lines += [Line(p, i, k == len(parts) - 1) for k, p in enumerate(parts)]
    return lines


# --------------------------------------------------------------------------- rendering

@dataclass(frozen=True)
class Layout:
    font_px: int
    line_px: int
    margin: int
    justify: bool


def _line_width(font, text: str) -> float:
    return font.getlength(text)


def render_page(lines: Sequence[Line], font: Font, rng: np.random.Generator,
                crop: bool = True) -> tuple[Image, list[Line]]:
    """Render lines on an A4 page at 300 dpi; returns the image and the lines that fit.

    ``crop``: cut the page below the last line (a partial page OCRs faster).
    """
    from PIL import Image as _Image
    from PIL import ImageDraw, ImageFont

    margin = int(rng.integers(180, 300))
    size = int(round(float(rng.uniform(12.0, 14.0)) * PAGE_DPI / 72))  # 12–14 pt
    pil_font = ImageFont.truetype(font.path, size)
    avail = PAGE_SIZE[0] - 2 * margin
    widest = max((_line_width(pil_font, ln.text) for ln in lines), default=0.0)
    if widest > avail:  # shrink to fit rather than overflow the page
        size = max(20, int(size * avail / widest))
        pil_font = ImageFont.truetype(font.path, size)
    layout = Layout(size, int(size * float(rng.uniform(1.25, 1.6))), margin,
                    bool(rng.random() < 0.6))
    n_fit = max(1, (PAGE_SIZE[1] - 2 * margin) // layout.line_px)
    lines = list(lines[:n_fit])
    height = PAGE_SIZE[1] if not crop else min(
        PAGE_SIZE[1], 2 * margin + layout.line_px * len(lines))
    img = _Image.new("L", (PAGE_SIZE[0], height), 255)
    draw = ImageDraw.Draw(img)
    for k, ln in enumerate(lines):
        y = margin + layout.font_px + k * layout.line_px
        _draw_line(draw, ln, pil_font, layout, y, avail)
    img.info["dpi"] = (PAGE_DPI, PAGE_DPI)
    return img, lines


def _draw_line(draw, ln: Line, font, layout: Layout, y: int, avail: int) -> None:
    words = ln.text.split(" ")
    natural = _line_width(font, ln.text)
    # Official documents are justified: stretch the spaces, but not paragraph ends.
    if not layout.justify or ln.last or len(words) < 2 or natural < 0.75 * avail:
        draw.text((layout.margin, y), ln.text, font=font, fill=0, anchor="ls")
        return
    space = _line_width(font, " ") + (avail - natural) / (len(words) - 1)
    x = float(layout.margin)
    for w in words:
        draw.text((x, y), w, font=font, fill=0, anchor="ls")
        x += _line_width(font, w) + space


# --------------------------------------------------------------------------- degradation

@dataclass(frozen=True)
class Degradation:
    """Ranges sampled once per page; see ``degrade``."""

    dpi: tuple[int, ...] = (300,)  # scan resolution choices (300 = none)
    blur: tuple[float, float] = (0.0, 0.0)  # gaussian radius, px at 300 dpi
    noise: tuple[float, float] = (0.0, 0.0)  # gaussian noise sigma, grey levels
    speckle: float = 0.0  # share of salt-and-pepper pixels
    angle: float = 0.0  # max |rotation|, degrees
    ink: tuple[int, int] = (0, 0)  # grey of the ink (0 = black)
    uneven: float = 0.0  # amplitude of the low-frequency contrast field
    thin_thick: float = 0.0  # probability of eroding or dilating the strokes
    fatten: tuple[int, ...] = (3,)  # dilation sizes (bold photocopies blot the diacritics)
    binarize: float = 0.0  # probability of a hard threshold (fax / bitonal scanners)


DEGRADATIONS: dict[str, Degradation] = {
    "clean": Degradation(),
    "moderate": Degradation(dpi=(300, 200, 150), blur=(0.5, 1.2), noise=(4, 10),
                            speckle=0.0005, angle=0.6, ink=(0, 60), uneven=0.15,
                            thin_thick=0.4, binarize=0.2),
    "heavy": Degradation(dpi=(150, 120, 100), blur=(1.0, 1.8), noise=(6, 16),
                         speckle=0.002, angle=1.2, ink=(0, 45), uneven=0.25,
                         thin_thick=0.9, fatten=(3, 5), binarize=0.3),
}


def degrade(img: Image, level: str, rng: np.random.Generator) -> Image:
    """Make a clean 300-dpi render look scanned at ``level`` (deterministic given ``rng``)."""
    from PIL import Image as _Image
    from PIL import ImageFilter

    d = DEGRADATIONS[level]
    if level == "clean":
        return img
    ink = float(rng.uniform(*d.ink))
    if d.thin_thick and rng.random() < d.thin_thick:  # thin or fat strokes (toner, pressure)
        # Thinning faint ink erases it altogether: only thin dark ink.
        thin = ink < 35 and rng.random() < 0.5
        size = 3 if thin else int(rng.choice(d.fatten))
        img = img.filter(ImageFilter.MaxFilter(3) if thin else ImageFilter.MinFilter(size))
    img = _uneven_ink(img, ink, d.uneven, rng)
    if d.angle:
        img = img.rotate(float(rng.uniform(-d.angle, d.angle)), fillcolor=255,
                         resample=_Image.Resampling.BICUBIC, expand=True)
    if d.blur[1] > 0:
        img = img.filter(ImageFilter.GaussianBlur(float(rng.uniform(*d.blur))))
    dpi = int(rng.choice(d.dpi))
    if dpi < PAGE_DPI:  # lose resolution like a low-dpi scan, then back to 300 dpi
        small = (round(img.width * dpi / PAGE_DPI), round(img.height * dpi / PAGE_DPI))
        img = img.resize(small, _Image.Resampling.BILINEAR).resize(
            img.size, _Image.Resampling.BICUBIC)
    img = _noise(img, d, rng)
    img.info["dpi"] = (PAGE_DPI, PAGE_DPI)
    return img


def _uneven_ink(img: Image, ink_grey: float, uneven: float,
                rng: np.random.Generator) -> Image:
    """Lighter ink and a smooth contrast field (worn toner, uneven pressure)."""
    import numpy as np
    from PIL import Image as _Image

    arr = np.asarray(img, dtype=np.float32) / 255.0
    ink = ink_grey / 255.0
    if uneven:
        # A coarse random grid, bicubically enlarged, is a cheap smooth field.
        grid = rng.uniform(-uneven, uneven, size=(6, 5)).astype(np.float32)
        field = np.asarray(_Image.fromarray(grid, "F").resize(
            img.size, _Image.Resampling.BICUBIC), dtype=np.float32)
        ink = np.clip(ink + field, 0.0, 0.55)  # beyond ~140 grey the text is gone
    out = ink + (1.0 - ink) * arr  # paper stays white, ink moves towards grey
    return _Image.fromarray((out * 255).clip(0, 255).astype(np.uint8), "L")


def _noise(img: Image, d: Degradation, rng: np.random.Generator) -> Image:
    import numpy as np
    from PIL import Image as _Image

    arr: np.ndarray = np.asarray(img, dtype=np.float32)
    bitonal = bool(d.binarize and rng.random() < d.binarize)
    if d.noise[1] > 0:
        # A bitonal scanner thresholds before sensor noise shows as speckle everywhere.
        sigma = float(rng.uniform(*d.noise)) / (4.0 if bitonal else 1.0)
        arr = arr + rng.normal(0.0, sigma, size=arr.shape)
    if bitonal:
        # Relative to Otsu so that faint ink thins or breaks but does not vanish.
        from ..ocr import otsu_threshold

        t = otsu_threshold(arr.clip(0, 255).astype(np.uint8)) + float(rng.uniform(-25, 25))
        arr = np.where(arr > t, 255.0, 0.0)
    if d.speckle:
        hit = rng.random(arr.shape) < d.speckle
        arr[hit] = np.where(rng.random(int(hit.sum())) < 0.5, 0.0, 255.0)
    return _Image.fromarray(arr.clip(0, 255).astype(np.uint8), "L")


# --------------------------------------------------------------------------- alignment

def line_similarity(source: str, ocr: str) -> float:
    """0..1 similarity of a source line and an OCR line, blind to diacritics and case."""
    from rapidfuzz.distance import Levenshtein

    return float(Levenshtein.normalized_similarity(strip_accents(source), strip_accents(ocr)))


def align_lines(source: Sequence[str], ocr: Sequence[str],
                threshold: float = 0.6) -> list[tuple[int, int, float]]:
    """Monotone alignment of source lines to OCR lines: ``(i, j, similarity)`` triples.

    Tesseract may merge, split or drop lines, so this is a DP over the two sequences
    where each matched pair scores ``similarity - threshold`` and skipping costs nothing:
    pairs below the threshold are never used, and the best monotone chain wins.
    """
    n, m = len(source), len(ocr)
    sim = [[line_similarity(s, o) for o in ocr] for s in source]
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            gain = sim[i - 1][j - 1] - threshold
            diag = best[i - 1][j - 1] + gain if gain >= 0 else float("-inf")
            best[i][j] = max(best[i - 1][j], best[i][j - 1], diag)
    pairs = []
    i, j = n, m
    while i > 0 and j > 0:  # backtrack, preferring the diagonal on ties
        gain = sim[i - 1][j - 1] - threshold
        if gain >= 0 and best[i][j] == best[i - 1][j - 1] + gain:
            pairs.append((i - 1, j - 1, sim[i - 1][j - 1]))
            i, j = i - 1, j - 1
        elif best[i][j] == best[i - 1][j]:
            i -= 1
        else:
            j -= 1
    pairs.reverse()
    return pairs


# --------------------------------------------------------------------------- generation

@dataclass(frozen=True)
class PageSpec:
    """One synthetic page to render: its text and every random choice's seed."""

    doc: str
    page: int
    paragraphs: tuple[str, ...]
    font: Font
    level: str
    seed: int
    width: int = 70  # wrap width, characters
    max_lines: int | None = None
    langs: tuple[str, ...] = ("eng", "vie")


@dataclass
class PageResult:
    spec: PageSpec
    lines: list[str] = field(default_factory=list)  # the rendered (gold) lines
    records: list[dict] = field(default_factory=list)
    ocr: dict[str, str] = field(default_factory=dict)  # raw OCR text per language


def stable_seed(*parts: object) -> int:
    """A seed from strings/ints that is the same in every process (unlike ``hash``)."""
    return zlib.crc32("\x1f".join(map(str, parts)).encode("utf-8"))


def make_specs(docs: Iterable[tuple[str, Sequence[str]]], fonts: Sequence[Font],
               levels: Sequence[str], seed: int, pages_per_doc: int = 1,
               lines_per_page: tuple[int, int] | None = None,
               langs: Sequence[str] = ("eng", "vie")) -> list[PageSpec]:
    """Cut documents (``(doc_id, prose paragraphs)``) into page specs.

    Each page continues the document's text from a random starting paragraph; font,
    level and wrap width (60–80 characters) are drawn per page.
    """
    import numpy as np

    if not fonts:
        raise RuntimeError("no installed font covers Vietnamese; install fonts-liberation2 "
                           "fonts-dejavu-core fonts-freefont-ttf fonts-noto-core")
    for lv in levels:
        if lv not in DEGRADATIONS:
            raise ValueError(f"unknown level {lv!r}; choose from {', '.join(LEVELS)}")
    specs = []
    for doc, paras in docs:
        if not paras:
            continue
        rng = np.random.default_rng(stable_seed(seed, doc))
        start = int(rng.integers(0, max(1, len(paras) - 3)))
        for page in range(pages_per_doc):
            width = int(rng.integers(60, 81))
            max_lines = None if lines_per_page is None else int(
                rng.integers(lines_per_page[0], lines_per_page[1] + 1))
            # Enough paragraphs to fill a page (~45 lines of ~70 chars).
            chosen, chars, k = [], 0, start
            while chars < 45 * width and k < len(paras):
                chosen.append(paras[k])
                chars += len(paras[k])
                k += 1
            if not chosen:
                break
            start = k
            specs.append(PageSpec(doc, page, tuple(chosen), fonts[int(rng.integers(len(fonts)))],
                                  str(rng.choice(list(levels))), stable_seed(seed, doc, page),
                                  width, max_lines, tuple(langs)))
    return specs


def _ocr_lines(text: str) -> list[str]:
    return [ln.strip() for ln in text.splitlines() if ln.strip()]


def process_page(spec: PageSpec, threshold: float = 0.6) -> PageResult:
    """Render, degrade, OCR in each language and align: the records of one page."""
    import numpy as np

    from ..ocr import get_engine

    engine = get_engine()
    version = f"{engine.name} {engine.version()}"  # recorded: tables depend on the OCR
    rng = np.random.default_rng(spec.seed)
    lines = wrap_lines(spec.paragraphs, spec.width)
    if spec.max_lines is not None:
        lines = lines[:spec.max_lines]
    img, lines = render_page(lines, spec.font, rng)
    img = degrade(img, spec.level, rng)
    result = PageResult(spec, [ln.text for ln in lines])
    for lang in spec.langs:
        text = engine.image_to_text(img, lang)
        result.ocr[lang] = text
        ocr_lines = _ocr_lines(text)
        for i, j, _ in align_lines(result.lines, ocr_lines, threshold):
            result.records.append({
                "doc": spec.doc, "page": spec.page, "font": spec.font.family,
                "level": spec.level, "lang": lang, "engine": version,
                "source": result.lines[i], "ocr": ocr_lines[j],
            })
    return result


def _init_worker() -> None:
    # One Tesseract thread per worker: OpenMP threads across processes only thrash.
    os.environ["OMP_THREAD_LIMIT"] = "1"


def generate(specs: Sequence[PageSpec], jobs: int = 1,
             threshold: float = 0.6) -> Iterator[PageResult]:
    """Process pages, in parallel over ``jobs`` processes; results come in spec order."""
    if jobs <= 1:
        for spec in specs:
            yield process_page(spec, threshold)
        return
    import multiprocessing
    from functools import partial

    with multiprocessing.get_context("spawn").Pool(jobs, initializer=_init_worker) as pool:
        yield from pool.imap(partial(process_page, threshold=threshold), specs, chunksize=1)


def synthesize(lines_or_paragraphs: Sequence[str], seed: int = 0, level: str = "moderate",
               langs: Sequence[str] = ("eng", "vie"), doc: str = "text",
               fonts: Sequence[Font] | None = None) -> list[dict]:
    """Records for a handful of paragraphs (one page): the simple entry point."""
    fonts = usable_fonts() if fonts is None else fonts
    specs = make_specs([(doc, list(lines_or_paragraphs))], fonts, [level], seed, langs=langs)
    return [r for res in generate(specs) for r in res.records]


def cer(pairs: Iterable[tuple[str, str]]) -> float:
    """Character error rate of ``(source, ocr)`` pairs: edits / source characters."""
    from rapidfuzz.distance import Levenshtein

    edits = chars = 0
    for src, hyp in pairs:
        edits += Levenshtein.distance(src, hyp)
        chars += len(src)
    return edits / max(chars, 1)
