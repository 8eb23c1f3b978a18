"""A fake OCR engine: ``vnrestore ocr`` end to end without Tesseract.

Like OCRmyPDF's ``tests/plugins/tesseract_noop.py``.  ``FakeEngine`` "reads" the text a
test wrote into the image's metadata (a PNG text chunk named ``fake-ocr``, kept through
loading and preprocessing), else a fixed garbled line of the kind Tesseract's ``eng`` model
makes of Vietnamese.  Its hOCR has Tesseract's structure (page, block, paragraph, line,
word, with bboxes and ids), one ``ocr_line`` per line of text.

Select it with ``OcrOptions(engine=FakeEngine())``, or through the CLI with
``VNRESTORE_OCR_ENGINE=fake_engine:FakeEngine`` (tests/ is on sys.path under pytest).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from PIL.Image import Image

TEXT_KEY = "fake-ocr"
GARBLED = "Két luan s6 57-KL/TW ciia B Chinh trj vé tiép tuc ning cao chit lwong"

_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"
    "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">
 <head>
  <title></title>
  <meta http-equiv="Content-Type" content="text/html;charset=utf-8"/>
  <meta name='ocr-system' content='fake-ocr 1.0' />
  <meta name='ocr-capabilities' content='ocr_page ocr_carea ocr_par ocr_line ocrx_word'/>
 </head>
 <body>
"""


@dataclass(frozen=True)
class FakeEngine:
    """Canned OCR: the image's ``fake-ocr`` text, else ``text``."""

    text: str = GARBLED
    langs: tuple[str, ...] = ("eng", "osd", "vie")

    name = "fake"

    def version(self) -> str:
        return "1.0"

    def languages(self) -> tuple[str, ...]:
        return self.langs

    def read(self, image: Image) -> str:
        return str(image.info.get(TEXT_KEY, self.text))

    def image_to_text(self, image: Image, lang: str) -> str:
        return self.read(image) + "\n\f"  # Tesseract ends a page with a form feed

    def image_to_hocr(self, image: Image, lang: str) -> str:
        width, height = image.size
        lines = [ln.split() for ln in self.read(image).splitlines() if ln.strip()]
        first = [1 + sum(map(len, lines[:n])) for n in range(len(lines))]
        body = "".join(_line(n + 1, words, first[n], width) for n, words in enumerate(lines))
        return (f"{_HEAD}  <div class='ocr_page' id='page_1' title='image \"fake.png\"; "
                f"bbox 0 0 {width} {height}; ppageno 0'>\n"
                f"   <div class='ocr_carea' id='block_1_1' title=\"bbox 0 0 {width} {height}\">\n"
                f"    <p class='ocr_par' id='par_1_1' lang='{html.escape(lang)}' "
                f"title=\"bbox 0 0 {width} {height}\">\n{body}"
                "    </p>\n   </div>\n  </div>\n </body>\n</html>\n")


def _line(n: int, words: list[str], first_id: int, width: int) -> str:
    """Line ``n``, 60 px high, its words spread evenly across the page; word ids run on
    across lines from ``first_id``, as Tesseract's do."""
    step = max(width // len(words), 1)
    top, bottom = 60 * n, 60 * n + 50
    spans = "".join(
        f"      <span class='ocrx_word' id='word_1_{first_id + k}' "
        f"title='bbox {k * step} {top} {(k + 1) * step - 1} {bottom}; x_wconf 90'>"
        f"{html.escape(w, quote=False)}</span>\n" for k, w in enumerate(words))
    return (f"     <span class='ocr_line' id='line_1_{n}' "
            f"title=\"bbox 0 {top} {width} {bottom}\">\n{spans}     </span>\n")


CHOICES_KEY = "fake-choices"  # JSON: [[word, [[[char, confidence], ...], ...]], ...]


@dataclass(frozen=True)
class FakeChoicesEngine(FakeEngine):
    """``FakeEngine`` that also gives per-character alternatives, as ``TesseractEngine``
    does with ``lstm_choice_mode=2``: the image's ``fake-choices`` JSON, else none."""

    def image_to_text_and_choices(self, image: Image, lang: str):
        return self.image_to_text(image, lang), self.choices(image)

    def image_to_hocr_and_choices(self, image: Image, lang: str):
        return self.image_to_hocr(image, lang), self.choices(image)

    @staticmethod
    def choices(image: Image):
        import json

        raw = json.loads(str(image.info.get(CHOICES_KEY, "[]")))
        return [(word, tuple(tuple((c, float(p)) for c, p in alts) for alts in symbols))
                for word, symbols in raw]
