"""Restore the invisible OCR text layer of a PDF without OCR'ing it again.

Archives keep scans as PDFs whose invisible text (text render mode 3) was made by an OCR
engine with a non-Vietnamese model.  ``relayer_pdf`` reads that layer with the box of
every word, restores the words with the same engine as ``vnrestore clean`` (context
across the lines of a page, error rates estimated once per document) and writes a new
invisible layer: each corrected word where the old word was, stretched (``Tz``) to the
old word's width, so selecting it in a viewer selects the corrected word.

What is kept: everything that is painted.  Only text *show* operators in render mode 3
are removed, from the page's content and from the Form XObjects it draws (OCRmyPDF 17
puts its layer in one; ``tesseract ... pdf`` writes it into the page content); the new
layer is a Form XObject drawn first on the page.  Images, visible text, metadata and
the outline are untouched, so pages render exactly as before.

The steps are separate so the CLI (or a test) can use them one by one:
``read_layer`` / ``iter_layer`` -> ``restore_layer`` (with ``document_restorer``, the one
place that calls vnrestore's restorer) -> ``write_layer``; ``relayer_pdf`` runs them all.

Needs the ``pdf`` extra: pikepdf (MPL-2.0) writes, pdfminer.six (MIT) reads the word
boxes, fontTools (MIT) builds the empty font of the new layer.
"""

from __future__ import annotations

import io
import math
import zlib
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from .errors import InputError, MissingDependencyError
from .files import atomic_path
from .normalize import normalize_text

if TYPE_CHECKING:
    import pikepdf

    from .pipeline import Edit, Result

INVISIBLE = 3  # text render mode "neither fill nor stroke": what OCR layers use
FONT_NAME = "GlyphLessFont"  # the name Tesseract uses; OCRmyPDF --redo-ocr recognises it
LAYER_NAME = "/VnrOCR"  # resource name of the new layer's Form XObject
# Metrics of the new layer's font, in 1/1000 em.  Ascent - descent = 1 em, so readers that
# box a glyph by [descent, ascent] (poppler, pdf.js) and those that box it by the font
# size above the descent (pdfminer) agree on each word's box.
CHAR_WIDTH = 500
ASCENT, DESCENT = 800, -200
# A gap wider than this share of the font size between two characters of one run starts
# a new word (layers without space characters).
WORD_GAP = 0.3
# A baseline further than this share of the line height from the line's starts a new line.
LINE_SHIFT = 0.5
PDF_EXTRA = "pip install 'vnrestore[pdf]'"
NO_LAYER_HINT = ("no invisible OCR text layer to restore; OCR it first with "
                 "`ocrmypdf --plugin vnrestore.ocrmypdf -l vie in.pdf out.pdf` "
                 "or `vnrestore ocr`")


# --------------------------------------------------------------------------- data

class Quad(NamedTuple):
    """Where a word sits, in PDF user space: the lower-left corner of its box, the unit
    direction of its baseline, its length along the baseline and its height."""

    x: float
    y: float
    ux: float
    uy: float
    length: float
    height: float

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """The axis-aligned box (x0, y0, x1, y1) around the quad."""
        nx, ny = -self.uy * self.height, self.ux * self.height  # up, perpendicular
        dx, dy = self.ux * self.length, self.uy * self.length
        xs = (self.x, self.x + dx, self.x + nx, self.x + dx + nx)
        ys = (self.y, self.y + dy, self.y + ny, self.y + dy + ny)
        return min(xs), min(ys), max(xs), max(ys)


class Word(NamedTuple):
    text: str
    quad: Quad
    line: int  # 0-based line of its page

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return self.quad.bbox


@dataclass
class PageLayer:
    """The invisible words of one page, in the order of its content stream."""

    number: int  # 1-based
    words: list[Word] = field(default_factory=list)
    show_ops: int = 0  # invisible text-showing operators read (checked when writing)

    def lines(self) -> list[list[Word]]:
        out: list[list[Word]] = []
        for w in self.words:
            if not out or out[-1][0].line != w.line:
                out.append([])
            out[-1].append(w)
        return out

    def text(self) -> str:
        """One line of text per line of words, words separated by one space."""
        return "\n".join(" ".join(w.text for w in line) for line in self.lines())


class PdfEdit(NamedTuple):
    """One change of the restorer, with the page and box of the word it falls in."""

    page: int  # 1-based
    line: int  # 0-based line of the page
    bbox: tuple[float, float, float, float]  # the word's box, PDF user space
    word: str  # the whole word before ...
    corrected: str  # ... and after all its changes
    original: str  # the changed token
    replacement: str
    confidence: float

    def as_dict(self) -> dict:
        d = self._asdict()
        d["bbox"] = [round(v, 2) for v in self.bbox]
        return d


@dataclass
class RestoredPage:
    layer: PageLayer  # the corrected words, in the old words' boxes
    edits: list[PdfEdit] = field(default_factory=list)


@dataclass
class PdfOutcome:
    pages: int  # pages of the document
    words: int  # invisible words read
    edits: list[PdfEdit] = field(default_factory=list)
    text_pages: int = 0  # pages that had an invisible layer (and got a new one)


class NoTextLayerError(InputError):
    """The PDF has no invisible text to restore (a scan without OCR, or born-digital)."""

    def __init__(self, path: str) -> None:
        super().__init__(path, NO_LAYER_HINT)


# --------------------------------------------------------------------------- opening

def _import_pikepdf():
    try:
        import pikepdf
    except ImportError as exc:
        raise MissingDependencyError(f"PDF support needs pikepdf; install it with: "
                                     f"{PDF_EXTRA}") from exc
    return pikepdf


def open_pdf(path: Path) -> pikepdf.Pdf:
    """Open ``path`` with pikepdf; InputError if it is missing, encrypted or unreadable.

    An encrypted PDF is refused even when it opens without a password: writing it back
    would drop or change its protection, which is the owner's decision, not ours.
    """
    pikepdf = _import_pikepdf()
    name = str(path)
    try:
        pdf = pikepdf.open(path)
    except pikepdf.PasswordError:
        raise InputError(name, "PDF is encrypted (password-protected); decrypt it first, "
                               "e.g. qpdf --decrypt --password=... in.pdf out.pdf") from None
    except FileNotFoundError:
        raise InputError(name, "file not found") from None
    except OSError as exc:
        raise InputError(name, f"cannot read: {exc.strerror or exc}") from None
    except pikepdf.PdfError as exc:
        raise InputError(name, f"not a readable PDF: {_first_line(exc)}") from None
    if pdf.is_encrypted:
        pdf.close()
        raise InputError(name, "PDF is encrypted; decrypt it first, e.g. "
                               "qpdf --decrypt in.pdf out.pdf")
    if len(pdf.pages) == 0:
        pdf.close()
        raise InputError(name, "not a readable PDF: no pages")
    return pdf


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


@contextmanager
def _read_errors(path: Path) -> Iterator[None]:
    """Errors of the PDF parser -> InputError naming the file.

    pdfminer raises its own exceptions on syntax errors but plain Python ones (KeyError,
    TypeError, AssertionError ...) on some malformed objects, so those count as well.
    """
    from pdfminer.pdfexceptions import PDFException
    from pdfminer.psexceptions import PSException

    try:
        yield
    except (PDFException, PSException, AssertionError, KeyError, TypeError, ValueError,
            IndexError, AttributeError) as exc:
        raise InputError(str(path), f"cannot read the PDF's text: {_first_line(exc)}"
                         ) from exc


# --------------------------------------------------------------------------- reading

class _Char(NamedTuple):
    text: str
    x: float  # lower-left corner of the glyph box (user space)
    y: float
    rx: float  # lower-right corner
    ry: float
    ux: float  # upper-left corner
    uy: float
    size: float  # font size in user space (height of the box)


def _apply(m: tuple[float, ...], px: float, py: float) -> tuple[float, float]:
    a, b, c, d, e, f = m
    return a * px + c * py + e, b * px + d * py + f


def _make_device(rsrcmgr):
    """A pdfminer device that keeps the characters drawn in render mode 3, with their
    glyph boxes computed the way pdfminer's LTChar does (advance x font size, from the
    font's descent), but as corners so rotated text keeps its direction."""
    from pdfminer.pdfdevice import PDFTextDevice
    from pdfminer.pdfexceptions import PDFException
    from pdfminer.pdffont import PDFUnicodeNotDefined

    class Collector(PDFTextDevice):
        def __init__(self) -> None:
            super().__init__(rsrcmgr)
            self.chars: list[_Char] = []
            self.runs = 0
            self._invisible = False

        def render_string(self, textstate, seq, ncs, graphicstate) -> None:
            self._invisible = textstate.render == INVISIBLE
            if self._invisible:
                self.runs += 1
            super().render_string(textstate, seq, ncs, graphicstate)

        def render_char(self, matrix, font, fontsize, scaling, rise, cid, ncs,
                        graphicstate) -> float:
            adv = font.char_width(cid) * fontsize * scaling
            if not self._invisible:
                return adv
            try:
                text = font.to_unichr(cid)
            except (PDFUnicodeNotDefined, PDFException):
                text = "\ufffd"
            bottom = font.get_descent() * fontsize + rise
            x, y = _apply(matrix, 0, bottom)
            rx, ry = _apply(matrix, adv, bottom)
            ux, uy = _apply(matrix, 0, bottom + fontsize)
            size = math.hypot(ux - x, uy - y)
            self.chars.append(_Char(text, x, y, rx, ry, ux, uy, size))
            return adv

    return Collector()


def _make_interpreter(rsrcmgr, device):
    from pdfminer.pdfinterp import PDFPageInterpreter

    class Interpreter(PDFPageInterpreter):
        def process_page(self, page) -> None:
            # Default user space (pdfminer would shift by the media box and turn by
            # /Rotate): the new layer is written in the page's own coordinates.
            self.device.begin_page(page, (1, 0, 0, 1, 0, 0))
            self.render_contents(page.resources, page.contents, ctm=(1, 0, 0, 1, 0, 0))
            self.device.end_page(page)

        def do_Do(self, xobjid_arg) -> None:
            super().do_Do(xobjid_arg)
            self.device.set_ctm(self.ctm)  # pdfminer leaves the form's CTM in place

        def do__w(self, aw, ac, s) -> None:
            # The " operator moves to the next line before showing (pdfminer's does not).
            self.do_Tw(aw)
            self.do_Tc(ac)
            self.do__q(s)

    return Interpreter(rsrcmgr, device)


def iter_layer(path: Path) -> Iterator[PageLayer]:
    """The invisible words of every page of ``path``, one page at a time."""
    try:
        from pdfminer.pdfinterp import PDFResourceManager
        from pdfminer.pdfpage import PDFPage
    except ImportError as exc:
        raise MissingDependencyError(f"PDF support needs pdfminer.six; install it with: "
                                     f"{PDF_EXTRA}") from exc

    path = Path(path)
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed below, errors named first
    except FileNotFoundError:
        raise InputError(str(path), "file not found") from None
    except OSError as exc:
        raise InputError(str(path), f"cannot read: {exc.strerror or exc}") from None
    with fh, _read_errors(path):
        rsrcmgr = PDFResourceManager(caching=True)
        device = _make_device(rsrcmgr)
        interpreter = _make_interpreter(rsrcmgr, device)
        for number, page in enumerate(PDFPage.get_pages(fh), start=1):
            device.chars, device.runs = [], 0
            interpreter.process_page(page)
            yield PageLayer(number, _words(device.chars), device.runs)


def read_layer(path: Path) -> list[PageLayer]:
    """Every page's invisible words (a 200-page document: ~100k words, a few MB)."""
    return list(iter_layer(path))


def _words(chars: Sequence[_Char]) -> list[Word]:
    """Characters in content order -> words (split at spaces, wide gaps and line changes),
    each with the line it belongs to."""
    words: list[Word] = []
    current: list[_Char] = []
    line = -1
    for ch in chars:
        if current and _breaks(current[-1], ch):
            line = _emit(words, current, line)
            current = []
        if ch.text.isspace() or not ch.text:
            if current:
                line = _emit(words, current, line)
                current = []
            continue
        current.append(ch)
    if current:
        _emit(words, current, line)
    return words


def _breaks(prev: _Char, ch: _Char) -> bool:
    """Does ``ch`` start a new word after ``prev`` (a gap, or a jump back or aside)?"""
    dx, dy = prev.rx - prev.x, prev.ry - prev.y
    norm = math.hypot(dx, dy) or 1.0
    along = ((ch.x - prev.rx) * dx + (ch.y - prev.ry) * dy) / norm
    across = abs((ch.x - prev.x) * dy - (ch.y - prev.y) * dx) / norm
    size = max(prev.size, ch.size, 1e-6)
    return along > WORD_GAP * size or along < -0.5 * size or across > LINE_SHIFT * size


def _emit(words: list[Word], chars: list[_Char], line: int) -> int:
    """Append the word made of ``chars``; return its line index."""
    first, last = chars[0], chars[-1]
    dx, dy = last.rx - first.x, last.ry - first.y
    length = math.hypot(dx, dy)
    if length > 1e-6:
        ux, uy = dx / length, dy / length
    else:  # a zero-width word: take the direction of its first glyph
        gx, gy = first.rx - first.x, first.ry - first.y
        norm = math.hypot(gx, gy) or 1.0
        ux, uy = (gx / norm, gy / norm) if math.hypot(gx, gy) else (1.0, 0.0)
    height = max(c.size for c in chars)
    quad = Quad(first.x, first.y, ux, uy, length, height)
    text = normalize_text("".join(c.text for c in chars))
    if not words or _new_line(words[-1].quad, quad):
        line += 1
    words.append(Word(text, quad, line))
    return line


def _new_line(prev: Quad, q: Quad) -> bool:
    """Is ``q`` on another line than ``prev`` (off its baseline, or back to the left)?"""
    across = abs((q.x - prev.x) * prev.uy - (q.y - prev.y) * prev.ux)
    along = (q.x - prev.x) * prev.ux + (q.y - prev.y) * prev.uy
    return across > LINE_SHIFT * max(prev.height, q.height) or along < 0


# --------------------------------------------------------------------------- restoring

RestoreFn = Callable[[str], "Result"]


def document_restorer(words: Iterable[str], *, tone_style: str = "old",
                      lexicons: Sequence[str | Path] = (), source: str = "auto"
                      ) -> RestoreFn:
    """A function restoring one page's text with error rates estimated once from all of
    the document's ``words`` (as ``Restorer.restore`` does from a whole text).

    The only place this module calls the restorer: re-point it here when its API moves.
    """
    from .pipeline import get_restorer
    from .tokenize import tokenize

    restorer = get_restorer(tuple(str(p) for p in lexicons))
    params = restorer.estimate(tokenize(normalize_text(" ".join(words))), source)

    def restore(text: str) -> Result:
        # Confidence, not alternatives: the edits are reported, their offsets map back
        # to words.
        return restorer.restore(text, tone_style=tone_style, source=source, params=params,
                                explain=False, confidence=True)

    return restore


def restore_lines(lines: Sequence[Sequence[str]], restore_fn: RestoreFn
                  ) -> tuple[list[list[str]], list[list[list[Edit]]]]:
    """Restore a page given as lines of words, in the context of the whole page.

    Returns the corrected words (same shape) and, per word, the restorer's edits that
    fall in it.  Words must be NFC (``normalize_text``) so edit offsets map back.
    """
    starts: list[int] = []  # offset of every word in the page text
    at = 0
    for line in lines:
        for w in line:
            starts.append(at)
            at += len(w) + 1  # one space, or the newline after the line's last word
    text = "\n".join(" ".join(line) for line in lines)
    result = restore_fn(text)
    if result.normalized and result.normalized != text:
        raise ValueError("restore_lines needs normalized words")
    flat = [w for line in lines for w in line]
    found: list[list[Edit]] = [[] for _ in flat]
    for e in result.edits:
        i = bisect_right(starts, e.start) - 1
        if e.end <= starts[i] + len(flat[i]):  # an edit across words: none expected
            found[i].append(e)
    new = list(flat)
    for i, edits in enumerate(found):
        edits.sort(key=lambda e: e.start)
        for e in reversed(edits):  # from the right, so the offsets still hold
            s = e.start - starts[i]
            new[i] = new[i][:s] + e.replacement + new[i][s + len(e.original):]
    out, per_word, k = [], [], 0
    for line in lines:
        out.append(new[k:k + len(line)])
        per_word.append(found[k:k + len(line)])
        k += len(line)
    return out, per_word


def restore_page(layer: PageLayer, restore_fn: RestoreFn) -> RestoredPage:
    """The page's words restored in the context of the whole page, in the same boxes."""
    lines = layer.lines()
    new, found = restore_lines([[w.text for w in line] for line in lines], restore_fn)
    words: list[Word] = []
    edits: list[PdfEdit] = []
    for old_line, new_line, line_edits in zip(lines, new, found, strict=True):
        for w, text, word_edits in zip(old_line, new_line, line_edits, strict=True):
            if text.strip():  # a word deleted altogether leaves no empty box
                words.append(w._replace(text=text))
            edits += [PdfEdit(layer.number, w.line, w.bbox, w.text, text, e.original,
                              e.replacement, e.confidence) for e in word_edits]
    return RestoredPage(PageLayer(layer.number, words, layer.show_ops), edits)


def restore_layer(pages: Iterable[PageLayer], restore_fn: RestoreFn
                  ) -> Iterator[RestoredPage]:
    """``restore_page`` for every page that has words, lazily."""
    for page in pages:
        if page.words:
            yield restore_page(page, restore_fn)


# --------------------------------------------------------------------------- the font

@lru_cache(maxsize=1)
def _glyphless_ttf() -> bytes:
    """A TrueType font whose glyphs are empty and 1/2 em wide: invisible text needs no
    shapes, but PDF/A and some viewers want every font embedded."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    fb = FontBuilder(1000, isTTF=True)
    fb.setupGlyphOrder([".notdef", "space"])
    fb.setupCharacterMap({0x20: "space"})
    empty = TTGlyphPen(None).glyph()
    fb.setupGlyf({".notdef": empty, "space": empty})
    fb.setupHorizontalMetrics({".notdef": (CHAR_WIDTH, 0), "space": (CHAR_WIDTH, 0)})
    fb.setupHorizontalHeader(ascent=ASCENT, descent=DESCENT)
    fb.setupNameTable({"familyName": FONT_NAME, "styleName": "Regular"})
    fb.setupOS2(sTypoAscender=ASCENT, sTypoDescender=DESCENT, usWinAscent=ASCENT,
                usWinDescent=-DESCENT)
    fb.setupPost()
    buf = io.BytesIO()
    fb.save(buf)
    return buf.getvalue()


def _to_unicode_cmap() -> bytes:
    """Identity-H codes are UTF-16 code units of the BMP (the surrogate block excluded)."""
    ranges = [f"<{h:02X}00> <{h:02X}FF> <{h:02X}00>" for h in range(256)
              if not 0xD8 <= h <= 0xDF]
    blocks = []
    for k in range(0, len(ranges), 100):  # at most 100 entries per block (PDF spec)
        part = ranges[k:k + 100]
        blocks.append(f"{len(part)} beginbfrange\n" + "\n".join(part) + "\nendbfrange")
    return ("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
            "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
            + "\n".join(blocks) +
            "\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
            ).encode("ascii")


def _font(pdf: pikepdf.Pdf) -> pikepdf.Object:
    """The Type0 font of the new layer: Identity-H codes are Unicode code points, every
    one drawn with the empty glyph 1 and a width of CHAR_WIDTH."""
    from pikepdf import Array, Dictionary, Name

    font_file = pdf.make_stream(_glyphless_ttf())
    font_file.Length1 = len(_glyphless_ttf())
    cid_to_gid = pdf.make_stream(b"")
    cid_to_gid.write(zlib.compress(b"\x00\x01" * 65536), filter=Name.FlateDecode)
    descriptor = Dictionary(
        Type=Name.FontDescriptor, FontName=Name("/" + FONT_NAME), Flags=5,
        FontBBox=Array([0, DESCENT, CHAR_WIDTH, ASCENT]), ItalicAngle=0, Ascent=ASCENT,
        Descent=DESCENT, CapHeight=ASCENT, StemV=80, FontFile2=font_file)
    cid_font = Dictionary(
        Type=Name.Font, Subtype=Name.CIDFontType2, BaseFont=Name("/" + FONT_NAME),
        CIDSystemInfo=Dictionary(Registry="Adobe", Ordering="Identity", Supplement=0),
        FontDescriptor=pdf.make_indirect(descriptor), DW=CHAR_WIDTH,
        CIDToGIDMap=cid_to_gid)
    font = Dictionary(
        Type=Name.Font, Subtype=Name.Type0, BaseFont=Name("/" + FONT_NAME),
        Encoding=Name("/Identity-H"), DescendantFonts=Array([pdf.make_indirect(cid_font)]),
        ToUnicode=pdf.make_stream(_to_unicode_cmap()))
    return pdf.make_indirect(font)


# --------------------------------------------------------------------------- writing

def _num(v: float) -> str:
    s = f"{v:.3f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _hex(text: str) -> str:
    return "<" + "".join(f"{ord(c):04X}" if ord(c) < 0x10000 else "FFFD" for c in text) + ">"


def layer_content(words: Sequence[Word], font: str = "/F0") -> bytes:
    """Content stream of an invisible layer: every word at its quad, ``Tz``-stretched to
    its length, and a space stretched over the gap to the next word of its line (so text
    extraction sees the words apart, and the space sits between the boxes, not in them)."""
    out = ["BT", f"{INVISIBLE} Tr"]
    for k, w in enumerate(words):
        q = w.quad
        size = max(q.height, 0.01)
        # Baseline origin: the box's lower edge is DESCENT below it.
        bx = q.x + q.uy * size * DESCENT / 1000
        by = q.y - q.ux * size * DESCENT / 1000
        out.append(f"{_num(q.ux)} {_num(q.uy)} {_num(-q.uy)} {_num(q.ux)} "
                   f"{_num(bx)} {_num(by)} Tm")
        out.append(f"{font} {_num(size)} Tf")
        out.append(f"{_num(_stretch(q.length, len(w.text), size))} Tz {_hex(w.text)} Tj")
        nxt = words[k + 1] if k + 1 < len(words) else None
        if nxt is not None and nxt.line == w.line:
            gap = (nxt.quad.x - q.x) * q.ux + (nxt.quad.y - q.y) * q.uy - q.length
            if gap > 0.01:
                out.append(f"{_num(_stretch(gap, 1, size))} Tz <0020> Tj")
    out.append("ET")
    return ("\n".join(out) + "\n").encode("ascii")


def _stretch(length: float, chars: int, size: float) -> float:
    """Horizontal scaling (percent) that makes ``chars`` glyphs span ``length``."""
    natural = chars * CHAR_WIDTH / 1000 * size
    return max(100 * length / natural, 0.001) if natural > 0 else 100.0


_SHOW = frozenset(("Tj", "TJ", "'", '"'))
_REPOSITION = frozenset(("Td", "TD", "Tm", "T*", "BT", "ET", "'", '"'))


class _Stripper:
    """Removes the text-showing operators drawn in render mode 3 from a page's content
    and the Form XObjects it draws, mirroring how ``iter_layer`` reads them: the mode is
    saved by q/Q, kept across BT/ET, and starts at 0 in every content stream."""

    def __init__(self, pdf: pikepdf.Pdf, path: str) -> None:
        self.pdf, self.path = pdf, path
        self.forms: dict[tuple[int, int], int] = {}  # invisible show ops of each form

    def page(self, page: pikepdf.Page, number: int) -> int:
        """Strip one page; the number of invisible show operators met (a form's counted
        each time it is drawn, as the reader counts them)."""
        import pikepdf

        ops = pikepdf.parse_content_stream(page.obj)
        resources = page.obj.get("/Resources")
        kept, removed, nested = self._walk(ops, resources, number, ())
        # A layer of an earlier run (read and stripped like any other) goes altogether,
        # so running again does not pile up empty forms.
        old = {str(operands[0]) for operands, op in kept
               if str(op) == "Do" and operands and _own_layer(resources, operands[0])}
        if old:
            kept = [(operands, op) for operands, op in kept
                    if not (str(op) == "Do" and operands and str(operands[0]) in old)]
            assert resources is not None  # a layer was found in them
            for name in old:
                del resources.XObject[name]
        if removed or old:
            page.obj.Contents = self.pdf.make_stream(pikepdf.unparse_content_stream(kept))
        return removed + nested

    def _walk(self, ops, resources, number: int, chain: tuple) -> tuple[list, int, int]:
        """(operators kept, invisible shows removed, invisible shows in forms drawn)."""
        from pikepdf import Operator

        mode, removed, nested = 0, 0, 0
        stack: list[int] = []
        kept: list = []
        for i, (operands, op) in enumerate(ops):
            name = str(op)
            if name == "q":
                stack.append(mode)
            elif name == "Q" and stack:
                mode = stack.pop()
            elif name == "Tr" and operands:
                mode = int(operands[0])
            elif name == "Do" and operands:
                nested += self._form(resources, operands[0], number, chain)
            elif name in _SHOW and mode == INVISIBLE:
                if not _safe(ops, i):
                    raise InputError(self.path, f"page {number}: invisible and visible "
                                     "text share one text run; not supported")
                removed += 1
                if name == "'":  # keep its move to the next line
                    kept.append(([], Operator("T*")))
                elif name == '"':  # and its word and character spacing
                    kept += [([operands[0]], Operator("Tw")),
                             ([operands[1]], Operator("Tc")), ([], Operator("T*"))]
                continue
            kept.append((operands, op))
        return kept, removed, nested

    def _form(self, resources, xname, number: int, chain: tuple) -> int:
        """Strip a Form XObject drawn by ``Do`` (once); its invisible show operators."""
        import pikepdf

        if resources is None or "/XObject" not in resources:
            return 0
        xobj = resources.XObject.get(str(xname))
        if not isinstance(xobj, pikepdf.Stream) or xobj.get("/Subtype") != "/Form" \
                or "/BBox" not in xobj:
            return 0  # an image, or a form pdfminer does not draw either
        key = xobj.objgen
        if key in chain:  # a form drawing itself: pdfminer stops there too
            return 0
        if key not in self.forms:
            own = xobj.get("/Resources", resources)
            kept, removed, nested = self._walk(pikepdf.parse_content_stream(xobj), own,
                                               number, chain + (key,))
            if removed:
                xobj.write(pikepdf.unparse_content_stream(kept))
            self.forms[key] = removed + nested
        return self.forms[key]


def _own_layer(resources, xname) -> bool:
    """Is ``xname`` a layer this module drew (its name, and its one empty font)?"""
    if not str(xname).startswith(LAYER_NAME) or "/XObject" not in resources:
        return False
    form = resources.XObject.get(str(xname))
    fonts = form.get("/Resources", {}).get("/Font", {}) if form is not None else {}
    return len(fonts) == 1 and all(
        str(f.get("/BaseFont")) == "/" + FONT_NAME for f in fonts.values())


def _safe(ops, i: int) -> bool:
    """Can invisible show operator ``i`` go without moving visible text?  Only a visible
    show that follows it on the same line, with no repositioning between, depends on
    its advance."""
    mode = INVISIBLE
    for operands, op in ops[i + 1:]:
        name = str(op)
        if name == "Tr" and operands:
            mode = int(operands[0])
        elif name in _REPOSITION:
            return True
        elif name in _SHOW and mode != INVISIBLE:
            return False
    return True


def _own_resources(page: pikepdf.Page) -> pikepdf.Dictionary:
    """The page's own /Resources; inherited ones are copied in first (adding a resource
    to an empty dictionary of its own would hide the inherited fonts and images)."""
    from pikepdf import Dictionary

    obj = page.obj
    if "/Resources" not in obj:
        node, inherited = obj.get("/Parent"), None
        while node is not None and inherited is None:
            inherited = node.get("/Resources")
            node = node.get("/Parent")
        copied = Dictionary(inherited) if inherited is not None else None  # type: ignore[arg-type]
        obj.Resources = copied if copied is not None else Dictionary()
    resources: pikepdf.Dictionary = obj.Resources  # type: ignore[assignment]
    return resources


def _add_layer(pdf: pikepdf.Pdf, page: pikepdf.Page, words: Sequence[Word],
               font: pikepdf.Object) -> None:
    """Draw ``words`` as a Form XObject first on the page, in default user space (at the
    start of the content nothing has moved the coordinate system yet)."""
    from pikepdf import Array, Dictionary, Name

    x0, y0, x1, y1 = (float(v) for v in page.mediabox)
    for w in words:  # a word past the media box must not be clipped away
        bx0, by0, bx1, by1 = w.bbox
        x0, y0, x1, y1 = min(x0, bx0), min(y0, by0), max(x1, bx1), max(y1, by1)
    form = pdf.make_stream(layer_content(words))
    form.Type, form.Subtype = Name.XObject, Name.Form
    form.BBox = Array([x0 - 1, y0 - 1, x1 + 1, y1 + 1])
    form.Resources = Dictionary(Font=Dictionary(F0=font))
    resources = _own_resources(page)
    if "/XObject" not in resources:
        resources.XObject = Dictionary()
    name = _free_name(resources.XObject, LAYER_NAME)  # type: ignore[arg-type]
    resources.XObject[name] = form
    page.contents_add(pdf.make_stream(f"q {name} Do Q\n".encode("ascii")), prepend=True)


def _free_name(d: pikepdf.Dictionary, base: str) -> str:
    name, k = base, 0
    while name in d:
        k += 1
        name = f"{base}{k}"
    return name


def relayer_pages(pdf: pikepdf.Pdf, pages: Iterable[PageLayer], path: str = "") -> int:
    """Replace the invisible layer of each of ``pages`` in the open ``pdf`` by its words;
    pages not given are left alone.  The number of pages rewritten.

    InputError if what is removed is not what was read (a layout this module does not
    understand): nothing is written then.
    """
    stripper = _Stripper(pdf, path)
    font = None
    done = 0
    for layer in pages:
        page = pdf.pages[layer.number - 1]
        met = stripper.page(page, layer.number)
        if met != layer.show_ops:
            raise InputError(path, f"page {layer.number}: found {met} invisible text "
                             f"operators where {layer.show_ops} were read; left unchanged")
        if layer.words:
            font = font if font is not None else _font(pdf)
            _add_layer(pdf, page, layer.words, font)
        done += 1
    return done


def save_pdf(pdf: pikepdf.Pdf, dst: Path, *, backup_suffix: str | None = None,
             more_backups: bool = False) -> None:
    """Save atomically (with a backup as ``files.atomic_path`` keeps it).  Object streams
    and the metadata are kept as they are."""
    with atomic_path(dst, backup_suffix=backup_suffix, more_backups=more_backups) as tmp:
        pdf.save(tmp)


def write_layer(src: Path, dst: Path, pages: Iterable[PageLayer]) -> int:
    """Copy ``src`` to ``dst`` with the invisible layer of each of ``pages`` replaced by
    that page's words; the number of pages rewritten."""
    with open_pdf(Path(src)) as pdf:
        done = relayer_pages(pdf, pages, str(src))
        save_pdf(pdf, dst)
    return done


# --------------------------------------------------------------------------- all at once

def relayer_pdf(src: Path, dst: Path, *, tone_style: str = "old",
                lexicons: Sequence[str | Path] = (), source: str = "auto",
                backup_suffix: str | None = None, more_backups: bool = False) -> PdfOutcome:
    """Restore the invisible text layer of ``src`` into ``dst`` (may be ``src`` itself:
    the file is replaced atomically, keeping a backup when ``backup_suffix`` is given,
    under the rules of ``files.backup_path``).

    Words are read one page at a time and kept (small: no images are decoded); the
    error rates are estimated from all of them, then each page is restored in its own
    context and rewritten.  Raises NoTextLayerError (an InputError) when there is no
    invisible text, InputError for an encrypted, corrupt or unreadable input,
    OutputError when ``dst`` cannot be written.
    """
    src, dst = Path(src), Path(dst)
    with open_pdf(src) as pdf:  # first: encrypted or corrupt files fail here, clearly
        count = len(pdf.pages)
        layers = [page for page in iter_layer(src) if page.show_ops]
        words = sum(len(p.words) for p in layers)
        if not words:
            raise NoTextLayerError(str(src))
        restore_fn = document_restorer(
            (w.text for p in layers for w in p.words), tone_style=tone_style,
            lexicons=lexicons, source=source)
        edits: list[PdfEdit] = []
        restored = (_collect(r, edits) for r in restore_layer(layers, restore_fn))
        done = relayer_pages(pdf, restored, str(src))
        save_pdf(pdf, dst, backup_suffix=backup_suffix, more_backups=more_backups)
    return PdfOutcome(count, words, edits, done)


def _collect(page: RestoredPage, edits: list[PdfEdit]) -> PageLayer:
    edits.extend(page.edits)
    return page.layer
