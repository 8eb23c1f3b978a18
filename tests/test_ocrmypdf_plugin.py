"""vnrestore.ocrmypdf: the OCRmyPDF plugin (``ocrmypdf --plugin vnrestore.ocrmypdf``)."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path
from types import SimpleNamespace

import pdf_samples as samples
import pytest

pytest.importorskip("ocrmypdf")
pytest.importorskip("pikepdf")
pytest.importorskip("pdfminer")

from vnrestore import ocrmypdf as plugin  # noqa: E402 - after the skips: needs the extra
from vnrestore.pdf import read_layer  # noqa: E402

HOCR = """<?xml version="1.0" encoding="UTF-8"?>
<html><body><div class='ocr_page' title='bbox 0 0 2480 700'>
<span class='ocr_line' title='bbox 10 10 900 60'>
<span class='ocrx_word' title='bbox 10 10 100 60'>Két</span>
<span class='ocrx_word' title='bbox 110 10 200 60'>luan</span>
<span class='ocrx_word' title='bbox 210 10 260 60'>s6</span>
<span class='ocrx_word' title='bbox 270 10 400 60'>57-KL/TW</span>
<span class='ocrx_word' title='bbox 410 10 500 60'>ciia</span></span>
<span class='ocr_line' title='bbox 10 80 900 130'>
<span class='ocrx_word' title='bbox 10 80 60 130'>B</span>
<span class='ocrx_word' title='bbox 70 80 200 130'>Chinh</span>
<span class='ocrx_word' title='bbox 210 80 300 130'>trj</span></span>
</div></body></html>
"""
SIDECAR = "Két luan s6 57-KL/TW ciia\nB Chinh trj\n\n"


@pytest.fixture(scope="module")
def plugin_run(tmp_path_factory) -> tuple[Path, Path]:
    """``ocrmypdf --plugin vnrestore.ocrmypdf -l eng --sidecar`` on the sample page."""
    samples.require("tesseract", "pdftoppm")
    pytest.importorskip("img2pdf")
    out_dir = tmp_path_factory.mktemp("plugin")
    out, sidecar = out_dir / "out.pdf", out_dir / "out.txt"
    samples.run_ocrmypdf("--plugin", "vnrestore.ocrmypdf", "-l", "eng", "--sidecar",
                         str(sidecar), str(samples.image_pdf()), str(out))
    return out, sidecar


def test_text_layer_and_sidecar_are_restored(plugin_run):
    out, sidecar = plugin_run
    for text in (samples.pdftotext(out), sidecar.read_text(encoding="utf-8")):
        words = text.split()
        found = [w for w in samples.RESTORED_WORDS if w in words]
        assert len(found) >= len(samples.RESTORED_WORDS) - 1, text
        assert "s6" not in words
    assert len(sidecar.read_text(encoding="utf-8").strip().splitlines()) == \
        len(samples.GOLD)


def test_words_stay_in_tesseracts_boxes(plugin_run):
    """Same OCR as plain ``ocrmypdf -l eng``: the same boxes, other words."""
    out, _ = plugin_run
    (plain,) = read_layer(samples.ocrmypdf_pdf())
    (ours,) = read_layer(out)
    assert len(plain.words) == len(ours.words)
    for a, b in zip(plain.words, ours.words, strict=True):
        assert max(abs(p - q) for p, q in zip(a.bbox, b.bbox, strict=True)) < 1.0
    assert sum(a.text != b.text for a, b in zip(plain.words, ours.words, strict=True)) > 10


def test_creator_names_vnrestore(plugin_run):
    import pikepdf

    out, _ = plugin_run
    with pikepdf.open(out) as pdf:
        assert "vnrestore" in str(pdf.docinfo.get("/Creator", ""))


def test_sandwich_renderer_is_refused(tmp_path):
    samples.require("tesseract")
    pytest.importorskip("img2pdf")
    run = samples.run_ocrmypdf("--plugin", "vnrestore.ocrmypdf", "--pdf-renderer",
                               "sandwich", "-l", "eng", str(samples.image_pdf()),
                               str(tmp_path / "out.pdf"), check=False)
    assert run.returncode != 0
    assert "sandwich" in run.stderr and "vnrestore" in run.stderr
    assert not (tmp_path / "out.pdf").exists()


def test_not_registered_as_an_entry_point():
    """Installed, it must not join every OCRmyPDF run on the machine."""
    eps = importlib.metadata.entry_points(group="ocrmypdf")
    assert not [ep for ep in eps if ep.value.startswith("vnrestore")]


def test_engine_restores_what_tesseract_wrote(tmp_path, monkeypatch):
    """The wiring without Tesseract: the base engine's output files are rewritten, the
    source estimated from the words (here garbled, whatever -l says)."""
    from ocrmypdf.builtin_plugins.tesseract_ocr import TesseractOcrEngine, TesseractOptions

    def fake_tesseract(input_file, output_hocr, output_text, options):
        Path(output_hocr).write_text(HOCR, encoding="utf-8")
        Path(output_text).write_text(SIDECAR, encoding="utf-8")

    seen = []
    real = plugin.restore_page_files
    monkeypatch.setattr(TesseractOcrEngine, "generate_hocr", staticmethod(fake_tesseract))
    monkeypatch.setattr(plugin, "restore_page_files",
                        lambda h, t, source: (seen.append(source), real(h, t, source)))
    engine = plugin.get_ocr_engine(SimpleNamespace(ocr_engine="auto"))
    hocr, text = tmp_path / "p.hocr", tmp_path / "p.txt"
    engine.generate_hocr(tmp_path / "p.png", hocr, text,
                         SimpleNamespace(languages=["vie"], tesseract=TesseractOptions()))
    assert seen == ["auto"]
    assert text.read_text(encoding="utf-8") == \
        "Kết luận số 57-KL/TW của\nBộ Chính trị\n\n"
    restored = hocr.read_text(encoding="utf-8")
    assert ">Kết</span>" in restored and ">trị</span>" in restored
    assert "title='bbox 210 80 300 130'>trị</span>" in restored  # boxes untouched


def test_other_engines_are_left_to_their_plugin():
    assert plugin.get_ocr_engine(SimpleNamespace(ocr_engine="none")) is None
    assert isinstance(plugin.get_ocr_engine(None), plugin.VnrestoreTesseractEngine)
    assert not plugin.VnrestoreTesseractEngine.supports_generate_ocr()


def test_sidecar_that_differs_from_the_hocr_is_restored_on_its_own():
    text = plugin.restore_sidecar("Két luan s6\n", ["other"], ["words"], "auto")
    assert text == "Kết luận số\n"


def test_empty_page_is_left_alone(tmp_path):
    hocr = "<div class='ocr_page' title='bbox 0 0 10 10'></div>"
    path, text = tmp_path / "p.hocr", tmp_path / "p.txt"
    path.write_text(hocr, encoding="utf-8")
    plugin.restore_page_files(path, text, "auto")
    assert path.read_text(encoding="utf-8") == hocr and not text.exists()


def test_tesseract_is_asked_for_its_alternatives_and_ocrmypdf_gets_them_stripped(
        tmp_path, monkeypatch):
    """The plugin adds a config file to the user's (--tesseract-config) asking Tesseract
    for its LSTM alternatives, restores with them, and hands OCRmyPDF an hOCR without."""
    from ocrmypdf.builtin_plugins.tesseract_ocr import TesseractOcrEngine, TesseractOptions
    from test_ocr import CHOICES_HOCR

    from vnrestore.config import DEFAULT

    # CHOICES_HOCR's line ("hiểm tra xy", h or k) with more words of context.
    more = "".join(f"<span class='ocrx_word' title='bbox 0 30 40 50'>{w}</span>\n"
                   for w in "việc thực hiện kế hoạch của Bộ".split())
    page = CHOICES_HOCR.replace("  <span class='ocrx_word' id='word_1_3'",
                                more + "  <span class='ocrx_word' id='word_1_3'")
    configs = []

    def fake_tesseract(input_file, output_hocr, output_text, options):
        configs.append([Path(c).read_text(encoding="utf-8") for c in options.tesseract.config])
        assert options.languages  # the rest of the options are the user's
        Path(output_hocr).write_text(page, encoding="utf-8")

    monkeypatch.setattr(TesseractOcrEngine, "generate_hocr", staticmethod(fake_tesseract))
    user = tmp_path / "user.cfg"
    user.write_text("tessedit_do_invert 0\n", encoding="utf-8")
    options = SimpleNamespace(languages=["vie"], tesseract=TesseractOptions(config=[str(user)]))
    hocr = tmp_path / "p.hocr"
    plugin.VnrestoreTesseractEngine.generate_hocr(tmp_path / "p.png", hocr, tmp_path / "p.txt",
                                                  options)
    (seen,) = configs
    assert seen[0] == "tessedit_do_invert 0\n"
    assert ("lstm_choice_mode 2" in "".join(seen[1:])) == DEFAULT.lstm_choices
    assert options.tesseract.config == [str(user)]  # the user's options are not changed
    out = hocr.read_text(encoding="utf-8")
    assert "ocrx_cinfo" not in out
    assert (">kiểm</span>" in out) == DEFAULT.lstm_choices
    # Only Tesseract's Vietnamese model is asked for them (benchmarks/lstm_choices.md).
    eng = SimpleNamespace(languages=["eng"], tesseract=options.tesseract)
    plugin.VnrestoreTesseractEngine.generate_hocr(tmp_path / "p.png", hocr, tmp_path / "p.txt",
                                                  eng)
    assert configs[-1] == [configs[0][0]]
