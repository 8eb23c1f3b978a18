"""vnrestore.pdf: read an invisible OCR layer, restore it, write it back in place.

The OCR'd samples (pdf_samples.py) are rendered and OCR'd once per test process; the
layout tests build tiny PDFs by hand and use a stand-in restorer, so they need neither
Tesseract nor the models.
"""

from __future__ import annotations

import re
from pathlib import Path

import pdf_samples as samples
import pytest

from vnrestore.build.synth import line_similarity
from vnrestore.errors import ExitCode, InputError, OutputError

pikepdf = pytest.importorskip("pikepdf")
pytest.importorskip("pdfminer")
pytest.importorskip("fontTools")

from vnrestore import pdf as vpdf  # noqa: E402 - after the skips: it needs the extra

BOX_TOLERANCE = 0.05  # points


# --------------------------------------------------------------------------- helpers

class _FakeResult:
    def __init__(self, text: str, edits: list, normalized: str) -> None:
        self.text, self.edits, self.normalized = text, edits, normalized


def fake_restorer(mapping: dict[str, str]):
    """A restore function that replaces whole words by ``mapping``, with real Edits."""
    from vnrestore.pipeline import Edit, apply_edits

    def restore(text: str) -> _FakeResult:
        edits = []
        for m in re.finditer(r"\S+", text):
            if m.group() in mapping:
                line = text.count("\n", 0, m.start())
                edits.append(Edit(line, 0, m.start(), m.end(), m.group(),
                                  mapping[m.group()], 0.9))
        return _FakeResult(apply_edits(text, edits), edits, text)

    return restore


def make_pdf(path: Path, content: bytes, *, rotate: int = 0,
             mediabox: tuple[float, ...] = (0, 0, 300, 200), inherited: bool = False,
             forms: dict[str, bytes] | None = None) -> Path:
    """One page drawing ``content`` with Helvetica as /F1 (and forms /Fm...)."""
    from pikepdf import Array, Dictionary, Name

    pdf = pikepdf.new()
    font = pdf.make_indirect(Dictionary(Type=Name.Font, Subtype=Name.Type1,
                                        BaseFont=Name.Helvetica,
                                        Encoding=Name.WinAnsiEncoding))
    resources = Dictionary(Font=Dictionary(F1=font))
    if forms:
        resources.XObject = Dictionary()
        for name, data in forms.items():
            form = pdf.make_stream(data)
            form.Type, form.Subtype = Name.XObject, Name.Form
            form.BBox = Array(list(mediabox))
            form.Resources = Dictionary(Font=Dictionary(F1=font), XObject=resources.XObject)
            resources.XObject[name] = form
    page = Dictionary(Type=Name.Page, MediaBox=Array(list(mediabox)),
                      Contents=pdf.make_stream(content))
    if rotate:
        page.Rotate = rotate
    page.Resources = resources
    pdf.pages.append(pikepdf.Page(page))
    if inherited:  # moved up to the page tree (set before appending, qpdf adds an empty one)
        del pdf.pages[0].obj["/Resources"]
        pdf.Root.Pages.Resources = resources
    pdf.save(path)
    return path


def relayer_with(src: Path, dst: Path, mapping: dict[str, str]) -> list[vpdf.PdfEdit]:
    """The steps of relayer_pdf with a stand-in restorer."""
    pages = vpdf.read_layer(src)
    edits: list[vpdf.PdfEdit] = []
    restored = []
    for page in vpdf.restore_layer(pages, fake_restorer(mapping)):
        edits += page.edits
        restored.append(page.layer)
    vpdf.write_layer(src, dst, restored)
    return edits


def boxes(path: Path) -> list[tuple[float, ...]]:
    return [w.bbox for page in vpdf.read_layer(path) for w in page.words]


def assert_same_boxes(a: list, b: list) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert max(abs(p - q) for p, q in zip(x, y, strict=True)) < BOX_TOLERANCE, (x, y)


INVISIBLE = (b"BT 3 Tr /F1 12 Tf 1 0 0 1 20 150 Tm (Ket luan s6 57) Tj "
             b"0 -20 Td (cua Bo Chinh tri) Tj ET")


# --------------------------------------------------------------------------- OCR'd samples

@pytest.fixture(scope="module", params=["form-xobject", "page-content"])
def ocr_pdf(request) -> Path:
    """The sample page OCR'd by OCRmyPDF 17 (layer in a Form XObject) and by
    ``tesseract ... pdf`` (layer in the page content)."""
    if request.param == "form-xobject":
        samples.require("tesseract", "pdftoppm")
        pytest.importorskip("ocrmypdf")
        return samples.ocrmypdf_pdf()
    samples.require("tesseract", "pdftoppm")
    return samples.tesseract_pdf()


@pytest.fixture(scope="module")
def relayered(ocr_pdf, tmp_path_factory) -> tuple[Path, Path, vpdf.PdfOutcome]:
    out = tmp_path_factory.mktemp("relayer") / "out.pdf"
    return ocr_pdf, out, vpdf.relayer_pdf(ocr_pdf, out)


def test_reads_the_layer_line_by_line(ocr_pdf):
    (page,) = vpdf.read_layer(ocr_pdf)
    lines = page.text().splitlines()
    assert len(lines) == len(samples.GOLD)
    for got, gold in zip(lines, samples.GOLD, strict=True):
        assert len(got.split()) == len(gold.split())
        # English OCR loses the marks; the letters are mostly right.
        assert line_similarity(gold, got) > 0.8


def test_pages_render_exactly_as_before(relayered):
    src, out, _ = relayered
    for dpi in (50, 150):
        assert samples.render(src, dpi) == samples.render(out, dpi)


def test_words_keep_their_boxes(relayered):
    src, out, outcome = relayered
    assert_same_boxes(boxes(src), boxes(out))
    assert outcome.words == len(boxes(src))
    assert outcome.pages == outcome.text_pages == 1


def test_text_extraction_gives_the_corrected_words(relayered):
    _, out, outcome = relayered
    text = samples.pdftotext(out)
    words = text.split()
    found = [w for w in samples.RESTORED_WORDS if w in words]
    assert len(found) >= len(samples.RESTORED_WORDS) - 1, text
    assert "s6" not in words  # the old layer is gone, not left beside the new one
    assert len(words) == outcome.words
    assert outcome.edits and all(e.page == 1 for e in outcome.edits)


def test_edits_carry_the_box_of_their_word(relayered):
    src, _, outcome = relayered
    by_box = {w.bbox: w.text for p in vpdf.read_layer(src) for w in p.words}
    for e in outcome.edits:
        assert by_box[e.bbox] == e.word
        assert e.original in e.word and e.replacement in e.corrected
        assert 0.0 <= e.confidence <= 1.0


def test_metadata_and_outline_are_kept(ocr_pdf, tmp_path):
    src = tmp_path / "with-outline.pdf"
    with pikepdf.open(ocr_pdf) as pdf:
        pdf.docinfo["/Title"] = "Kế hoạch"
        with pdf.open_metadata() as meta:
            meta["dc:title"] = "Kế hoạch"
        with pdf.open_outline() as outline:
            outline.root.append(pikepdf.OutlineItem("Trang 1", 0))
        pdf.save(src)
    out = tmp_path / "out.pdf"
    vpdf.relayer_pdf(src, out)
    with pikepdf.open(src) as a, pikepdf.open(out) as b:
        assert str(b.docinfo["/Title"]) == "Kế hoạch"
        assert {k: str(v) for k, v in a.docinfo.items()} == \
            {k: str(v) for k, v in b.docinfo.items()}
        assert a.Root.Metadata.read_bytes() == b.Root.Metadata.read_bytes()
        with b.open_outline() as outline:
            assert [item.title for item in outline.root] == ["Trang 1"]
        images_a = [im.read_raw_bytes() for im in _images(a)]
        assert images_a and images_a == [im.read_raw_bytes() for im in _images(b)]


def _images(pdf) -> list:
    return [x for page in pdf.pages for x in page.Resources.XObject.values()
            if x.get("/Subtype") == "/Image"]


def test_pdfa_stays_pdfa(relayered):
    """OCRmyPDF writes PDF/A-2b; the new layer (embedded empty font, ToUnicode) keeps
    the file valid by pikepdf's own PDF/A checker."""
    pdfa = pytest.importorskip("pikepdf.pdfa")
    src, out, _ = relayered
    if not pdfa.validate_written(src, "2b").passed:
        pytest.skip("this sample is not PDF/A")
    report = pdfa.validate_written(out, "2b")
    assert report.passed, report.findings


def test_a_second_run_reads_its_own_layer(relayered, tmp_path):
    _, out, _ = relayered
    again = tmp_path / "again.pdf"
    outcome = vpdf.relayer_pdf(out, again)
    assert_same_boxes(boxes(out), boxes(again))
    assert samples.pdftotext(again).split() == samples.pdftotext(out).split()
    assert outcome.words == len(boxes(out))
    with pikepdf.open(again) as pdf:  # the first run's layer is gone, not left empty
        names = [str(k) for k in pdf.pages[0].Resources.XObject.keys()]
        assert len([n for n in names if n.startswith("/VnrOCR")]) == 1, names
    assert samples.render(out, 72) == samples.render(again, 72)


def test_in_place_replaces_the_file_atomically(ocr_pdf, tmp_path):
    path = tmp_path / "doc.pdf"
    path.write_bytes(ocr_pdf.read_bytes())
    vpdf.relayer_pdf(path, path)
    assert "Kết" in samples.pdftotext(path).split()
    assert [p.name for p in tmp_path.iterdir()] == ["doc.pdf"]


# --------------------------------------------------------------------------- refusals

def test_no_text_layer_points_to_the_plugin(tmp_path):
    samples.require("tesseract")
    pytest.importorskip("img2pdf")
    out = tmp_path / "out.pdf"
    with pytest.raises(vpdf.NoTextLayerError) as err:
        vpdf.relayer_pdf(samples.image_pdf(), out)
    message = str(err.value)
    assert "\n" not in message and str(samples.image_pdf()) in message
    assert "--plugin vnrestore.ocrmypdf" in message and "vnrestore ocr" in message
    assert isinstance(err.value, InputError) and err.value.exit_code == ExitCode.input_error
    assert not out.exists()


@pytest.mark.parametrize("user", ["secret", ""])
def test_encrypted_pdf_is_an_input_error(tmp_path, user):
    src = make_pdf(tmp_path / "plain.pdf", INVISIBLE)
    locked = tmp_path / "locked.pdf"
    with pikepdf.open(src) as pdf:
        pdf.save(locked, encryption=pikepdf.Encryption(owner="owner", user=user))
    out = tmp_path / "out.pdf"
    with pytest.raises(InputError) as err:
        vpdf.relayer_pdf(locked, out)
    assert str(locked) in str(err.value) and "encrypted" in str(err.value)
    assert err.value.exit_code == ExitCode.input_error
    assert not out.exists()


@pytest.mark.parametrize("data", [b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage\n%%EOF",
                                  b"not a pdf at all\n", b""])
def test_corrupt_pdf_is_an_input_error(tmp_path, data):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(data)
    out = tmp_path / "out.pdf"
    with pytest.raises(InputError) as err:
        vpdf.relayer_pdf(bad, out)
    assert str(bad) in str(err.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.pdf"]


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="not found"):
        vpdf.relayer_pdf(tmp_path / "nope.pdf", tmp_path / "out.pdf")


def test_unwritable_output_is_an_output_error(tmp_path):
    src = make_pdf(tmp_path / "in.pdf", INVISIBLE)
    (tmp_path / "dir.pdf").mkdir()
    with pytest.raises(OutputError):
        relayer_with(src, tmp_path / "dir.pdf", {})


# --------------------------------------------------------------------------- layouts

MAPPING = {"Ket": "Kết", "luan": "luận", "s6": "số", "cua": "của", "Bo": "Bộ",
           "tri": "trị"}


def test_only_invisible_text_is_replaced(tmp_path):
    content = b"BT /F1 12 Tf 1 0 0 1 20 180 Tm (Visible heading) Tj ET\n" + INVISIBLE
    src = make_pdf(tmp_path / "in.pdf", content)
    out = tmp_path / "out.pdf"
    edits = relayer_with(src, out, MAPPING)
    assert [e.replacement for e in edits] == ["Kết", "luận", "số", "của", "Bộ", "trị"]
    text = samples.pdftotext(out)
    assert "Visible heading" in text
    assert "Kết luận số 57" in text and "của Bộ Chinh trị" in text
    assert "Ket" not in text.split()
    assert_same_boxes(boxes(src), boxes(out))


def test_reads_lines_and_words_of_a_run(tmp_path):
    src = make_pdf(tmp_path / "in.pdf", INVISIBLE)
    (page,) = vpdf.read_layer(src)
    assert page.text() == "Ket luan s6 57\ncua Bo Chinh tri"
    assert page.show_ops == 2
    assert [w.line for w in page.words] == [0, 0, 0, 0, 1, 1, 1, 1]


def test_quote_operators_keep_their_line_moves(tmp_path):
    content = (b"BT 3 Tr /F1 12 Tf 14 TL 1 0 0 1 20 150 Tm (Ket luan) Tj (s6 cua) ' "
               b"2 0 (Bo tri) \" ET")
    src = make_pdf(tmp_path / "in.pdf", content)
    out = tmp_path / "out.pdf"
    relayer_with(src, out, MAPPING)
    (page,) = vpdf.read_layer(out)
    assert page.text() == "Kết luận\nsố của\nBộ trị"
    assert_same_boxes(boxes(src), boxes(out))


def test_rotated_page_and_offset_media_box(tmp_path):
    src = make_pdf(tmp_path / "in.pdf", INVISIBLE.replace(b"20 150", b"120 250"),
                   rotate=90, mediabox=(100, 100, 400, 300))
    out = tmp_path / "out.pdf"
    relayer_with(src, out, MAPPING)
    assert_same_boxes(boxes(src), boxes(out))
    assert "Kết luận số 57" in samples.pdftotext(out)


def test_rotated_text_keeps_its_direction(tmp_path):
    content = b"BT 3 Tr /F1 12 Tf 0 1 -1 0 150 20 Tm (Ket luan s6) Tj ET"
    src = make_pdf(tmp_path / "in.pdf", content)
    out = tmp_path / "out.pdf"
    relayer_with(src, out, MAPPING)
    (before,) = vpdf.read_layer(src)
    (after,) = vpdf.read_layer(out)
    assert [w.text for w in after.words] == ["Kết", "luận", "số"]
    assert_same_boxes([w.bbox for w in before.words], [w.bbox for w in after.words])
    assert all(abs(w.quad.uy - 1) < 1e-6 for w in after.words)


def test_nested_forms_and_inherited_resources(tmp_path):
    inner = b"BT 3 Tr /F1 12 Tf 1 0 0 1 20 100 Tm (cua Bo tri) Tj ET"
    outer = b"q /FmInner Do Q BT 3 Tr /F1 12 Tf 1 0 0 1 20 150 Tm (Ket luan) Tj ET"
    page = b"q 1 0 0 1 0 0 cm /FmOuter Do Q BT /F1 9 Tf 20 20 Td (page 1) Tj ET"
    src = make_pdf(tmp_path / "in.pdf", page, inherited=True,
                   forms={"/FmOuter": outer, "/FmInner": inner})
    out = tmp_path / "out.pdf"
    relayer_with(src, out, MAPPING)
    text = samples.pdftotext(out)
    assert "Kết luận" in text and "của Bộ trị" in text and "page 1" in text
    assert "Ket" not in text.split()
    assert_same_boxes(boxes(src), boxes(out))
    if samples.shutil.which("pdftoppm"):
        assert samples.render(src, 72) == samples.render(out, 72)


def test_invisible_text_sharing_a_run_with_visible_text_is_refused(tmp_path):
    # Removing the invisible "Ket" would move the visible "luan" drawn right after it.
    content = b"BT 3 Tr /F1 12 Tf 1 0 0 1 20 150 Tm (Ket ) Tj 0 Tr (luan) Tj ET"
    src = make_pdf(tmp_path / "in.pdf", content)
    with pytest.raises(InputError, match="share one text run"):
        relayer_with(src, tmp_path / "out.pdf", MAPPING)
    assert not (tmp_path / "out.pdf").exists()


def test_layer_content_stretches_words_over_their_boxes():
    q = vpdf.Quad(10, 20, 1.0, 0.0, 30.0, 12.0)
    words = [vpdf.Word("Kết", q, 0), vpdf.Word("số", q._replace(x=50), 0)]
    data = vpdf.layer_content(words).decode()
    # 3 glyphs of 6 pt (half an em of 12 pt) span 30 pt at 166.667%.
    assert "166.667 Tz <004B1EBF0074> Tj" in data
    assert "1 0 0 1 10 22.4 Tm" in data  # baseline 0.2 em above the box's lower edge
    assert "<0020> Tj" in data  # a space stretched over the 10 pt gap
