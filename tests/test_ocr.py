"""vnrestore.ocr: loading, preprocessing, Tesseract calls, hOCR rewriting."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest
from fake_engine import CHOICES_KEY, GARBLED, TEXT_KEY, FakeEngine
from PIL import Image, ImageDraw, ImageFont

from vnrestore import ocr
from vnrestore.build.synth import usable_fonts
from vnrestore.errors import ExitCode, InputError, MissingDependencyError, UsageError

LINES = [
    "Thực hiện Kế hoạch số 306 của Ủy ban nhân dân tỉnh về công tác",
    "thông tin đối ngoại năm 2024, đảm bảo sự thống nhất và hiệu quả.",
]

needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None,
                                     reason="tesseract not installed")
needs_poppler = pytest.mark.skipif(shutil.which("pdftoppm") is None,
                                   reason="poppler-utils not installed")


@pytest.fixture(scope="module")
def page() -> Image.Image:
    """Two Vietnamese lines at ~300 dpi (12 pt = 50 px) in a covering font."""
    fonts = usable_fonts()
    if not fonts:
        pytest.skip("no font covering Vietnamese installed")
    font = ImageFont.truetype(fonts[0].path, 50)
    img = Image.new("RGB", (1800, 420), "white")
    draw = ImageDraw.Draw(img)
    for k, line in enumerate(LINES):
        draw.text((80, 150 + 90 * k), line, font=font, fill=(20, 20, 20), anchor="ls")
    img.info["dpi"] = (300, 300)
    return img


def test_grayscale_gives_one_channel(page):
    assert ocr.grayscale(page).mode == "L"
    rgba = page.convert("RGBA")
    assert ocr.grayscale(rgba).getpixel((0, 0)) == 255  # transparent/white stays paper


def test_binarize_yields_two_levels(page):
    noisy = np.asarray(page.convert("L"), dtype=np.int16)
    noisy = noisy + np.random.default_rng(0).integers(-20, 20, noisy.shape)
    img = Image.fromarray(noisy.clip(0, 255).astype(np.uint8), "L")
    values = set(np.unique(np.asarray(ocr.binarize(img))).tolist())
    assert values == {0, 255}


def test_only_degraded_pages_are_binarized(page):
    """A clean rendering goes to Tesseract as it is (its own thresholding reads it
    better); a blurred, noisy one is binarized first."""
    from PIL import ImageFilter

    clean = page.convert("L")
    assert ocr.binarize_degraded(clean) is clean
    blurred = np.asarray(clean.filter(ImageFilter.GaussianBlur(2)), dtype=np.int16)
    noisy = blurred + np.random.default_rng(0).integers(-40, 40, blurred.shape)
    degraded = Image.fromarray(noisy.clip(0, 255).astype(np.uint8), "L")
    assert set(np.unique(np.asarray(ocr.binarize_degraded(degraded))).tolist()) == {0, 255}


def test_deskew_recovers_the_angle(page):
    for angle in (3.0, -2.0):
        rotated = page.convert("L").rotate(angle, expand=True, fillcolor=255,
                                           resample=Image.Resampling.BICUBIC)
        assert abs(ocr.estimate_skew(rotated) - angle) < 1.0
        assert abs(ocr.estimate_skew(ocr.deskew(rotated))) < 1.0
    assert ocr.deskew(page.convert("L")) is not None


def test_upscale_increases_size_of_low_resolution_pages():
    low = Image.new("L", (827, 1169), 255)  # A4 at 100 dpi, no metadata
    up = ocr.upscale(low)
    assert up.width > 2 * low.width and abs(up.info["dpi"][0] - 300) < 5
    tagged = Image.new("L", (400, 100), 255)  # a strip: only metadata can tell
    tagged.info["dpi"] = (150, 150)
    assert ocr.upscale(tagged).size == (800, 200)
    fine = Image.new("L", (2480, 3508), 255)
    assert ocr.upscale(fine) is fine


def test_preprocess_steps_are_named_and_switchable(page):
    names = [name for name, _ in ocr.PREPROCESS_STEPS]
    assert names == ["grayscale", "upscale", "binarize", "deskew"]
    assert ocr.preprocess(page, ocr.Preprocess.none()) is page
    only_gray = ocr.Preprocess(upscale=False, binarize=False, deskew=False)
    assert ocr.preprocess(page, only_gray).mode == "L"


def test_multipage_tiff_gives_every_frame(tmp_path, page):
    path = tmp_path / "two.tiff"
    page.save(path, save_all=True, append_images=[page.rotate(180)])
    pages = list(ocr.load_pages(path))
    assert [p.number for p in pages] == [1, 2]
    assert all(p.image is not None and p.image.size == page.size for p in pages)


@needs_poppler
def test_pdf_is_rendered_with_pdftoppm(tmp_path, page):
    path = tmp_path / "one.pdf"
    page.save(path, resolution=300)
    pages = list(ocr.load_pages(path, dpi=150))
    assert len(pages) == 1 and pages[0].image is not None
    assert abs(pages[0].image.width - page.width / 2) < 5  # 300-dpi page rendered at 150


@needs_poppler
def test_pdf_without_text_layer_falls_back_to_the_image(tmp_path, page):
    path = tmp_path / "scan.pdf"
    page.save(path, resolution=300)
    [only] = list(ocr.load_pages(path, use_text_layer=True))
    assert only.text is None and only.image is not None


def _text_pdf(text: str) -> bytes:
    """A minimal one-page PDF with a real text layer (Helvetica, ASCII)."""
    stream = f"BT /F1 24 Tf 72 700 Td ({text}) Tj ET".encode()
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream)]
    out, offsets = b"%PDF-1.4\n", []
    for n, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (n, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objs) + 1, xref)
    return out


@needs_poppler
def test_pdf_text_layer_is_used_when_asked(tmp_path):
    path = tmp_path / "born-digital.pdf"
    path.write_bytes(_text_pdf("Hello text layer"))
    [only] = list(ocr.load_pages(path, use_text_layer=True))
    assert only.image is None and "Hello text layer" in only.text
    [rendered] = list(ocr.load_pages(path, dpi=50))
    assert rendered.text is None and rendered.image is not None


def test_unreadable_inputs_raise_input_error(tmp_path):
    bad = tmp_path / "notes.png"
    bad.write_text("not an image at all", encoding="utf-8")
    with pytest.raises(InputError, match="not a readable image"):
        list(ocr.load_pages(bad))
    with pytest.raises(InputError):
        list(ocr.load_pages(tmp_path / "missing.png"))
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\n garbage")
    if shutil.which("pdfinfo"):
        with pytest.raises(InputError, match="PDF"):
            list(ocr.load_pages(broken))


def test_encrypted_pdf_message():
    err = ocr._pdf_error(ocr.Path("x.pdf"), "Command Line Error: Incorrect password\n")
    assert isinstance(err, InputError) and "encrypted" in err.reason


def test_missing_tesseract_gives_apt_hint():
    engine = ocr.TesseractEngine(cmd="tesseract-not-installed-here")
    with pytest.raises(MissingDependencyError, match="apt-get install -y tesseract-ocr"):
        engine.version()


def test_missing_pdftoppm_gives_apt_hint(monkeypatch, tmp_path, page):
    path = tmp_path / "one.pdf"
    page.save(path)
    monkeypatch.setattr(ocr, "PDFTOPPM_CMD", "pdftoppm-not-installed-here")
    with pytest.raises(MissingDependencyError, match="poppler-utils"):
        list(ocr.load_pages(path))


def test_choose_lang():
    eng_only = FakeEngine(langs=("eng", "osd"))
    lang, warning = ocr.choose_lang(None, eng_only)
    assert lang == "eng" and "tesseract-ocr-vie" in warning
    assert ocr.choose_lang("eng", eng_only) == ("eng", None)
    with pytest.raises(MissingDependencyError, match="tesseract-ocr-vie"):
        ocr.choose_lang("vie", eng_only)
    assert ocr.choose_lang(None, FakeEngine(langs=("eng", "vie"))) == ("vie", None)


@needs_tesseract
def test_probe_reports_version_and_languages():
    info = ocr.probe_tesseract()
    assert re.match(r"\d+\.\d+", info.version) and "eng" in info.languages


@needs_tesseract
def test_ocr_vie_reads_most_words(tmp_path, page):
    if "vie" not in ocr.probe_tesseract().languages:
        pytest.skip("tesseract-ocr-vie not installed")
    path = tmp_path / "page.png"
    page.save(path, dpi=(300, 300))
    [text] = ocr.ocr_path(path, lang="vie")
    got = text.split()
    want = " ".join(LINES).split()
    assert sum(w in got for w in want) >= 0.8 * len(want)


@needs_tesseract
def test_hocr_roundtrip_keeps_bboxes(page):
    hocr = ocr.ocr_hocr(page, "eng")
    seen: list[list[str]] = []

    def upper(words: list[str]) -> list[str]:
        seen.append(words)
        return [w.upper() for w in words]

    out = ocr.hocr_replace_words(hocr, upper)
    assert len(seen) == 2  # one call per text line
    bbox = re.compile(r"bbox \d+ \d+ \d+ \d+")
    assert bbox.findall(out) == bbox.findall(hocr)
    assert "THONG" in out or "THÔNG" in out


HOCR = """<div class='ocr_page'>
 <span class='ocr_line' id='line_1_1' title="bbox 1 2 3 4">
  <span class='ocrx_word' id='word_1_1' title='bbox 1 2 3 4; x_wconf 90'>Tu</span>
  <span class='ocrx_word' id='word_1_2' title='bbox 5 2 7 4; x_wconf 90'>do</span>
 </span>
 <span class='ocr_line' id='line_1_2' title="bbox 1 6 3 8">
  <span class='ocrx_word' id='word_1_3' title='bbox 1 6 3 8'><strong>A&amp;B</strong></span>
 </span>
</div>"""


def test_hocr_replace_words_per_line():
    calls: list[list[str]] = []

    def fix(words: list[str]) -> list[str]:
        calls.append(words)
        return {"Tu do": ["Tự", "do"], "A&B": ["<x>&"]}[" ".join(words)]

    out = ocr.hocr_replace_words(HOCR, fix)
    assert calls == [["Tu", "do"], ["A&B"]]
    assert ">Tự</span>" in out and "<strong>&lt;x&gt;&amp;</strong>" in out
    assert out.replace("Tự", "Tu").replace("&lt;x&gt;&amp;", "A&amp;B") == HOCR
    with pytest.raises(ValueError):
        ocr.hocr_replace_words(HOCR, lambda words: words[:1])


def test_import_is_light():
    code = ("import sys, vnrestore.ocr; "
            "print(any(m in sys.modules for m in ('PIL', 'pytesseract', 'numpy')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


# --- the ocr command: one hOCR document, text layers restored like text ------------------


@needs_tesseract
@needs_poppler
def test_hocr_of_a_multipage_pdf_is_one_document_with_a_page_each(tmp_path, page):
    import xml.etree.ElementTree as ET

    from typer.testing import CliRunner

    from vnrestore.cli import app

    pdf = tmp_path / "two.pdf"
    page.save(pdf, resolution=300, save_all=True, append_images=[page.copy()])
    out = tmp_path / "two.hocr"
    r = CliRunner().invoke(app, ["ocr", str(pdf), "--hocr", "--lang", "vie", "-o", str(out),
                                 "-q", "--jobs", "1"])
    assert r.exit_code == 0, r.output
    text = out.read_text(encoding="utf-8")
    root = ET.fromstring(text)  # one well-formed XHTML document
    ns = {"h": "http://www.w3.org/1999/xhtml"}
    pages = root.findall(".//h:div[@class='ocr_page']", ns)
    assert len(pages) == 2 and text.count("<html") == 1
    assert [p.get("id") for p in pages] == ["page_1", "page_2"]
    assert all(p.get("lang") == "vie" for p in pages)
    titles = [p.get("title") for p in pages]
    assert "ppageno 0" in titles[0] and "ppageno 1" in titles[1]
    assert all('image "two.pdf"' in t for t in titles)  # not the deleted temporary image
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids))  # ids unique across pages
    assert "/tmp" not in text


def test_merge_hocr_renumbers_pages():
    page = ("<?xml version='1.0'?>\n<html xmlns='http://www.w3.org/1999/xhtml'><head></head>"
            "<body>\n<div class='ocr_page' id='page_1' title='image \"/tmp/x.png\"; "
            "bbox 0 0 10 10; ppageno 0'><span class='ocr_line' id='line_1_1'>"
            "<span class='ocrx_word' id='word_1_1'>a</span></span></div>\n</body></html>")
    merged = ocr.merge_hocr([page, page, page], "eng", "scan.pdf")
    assert merged.count("class='ocr_page'") == 3
    for n in (1, 2, 3):
        assert f"id='page_{n}'" in merged and f"id='word_{n}_1'" in merged
        assert f"ppageno {n - 1}" in merged
    assert "/tmp/x.png" not in merged and merged.count("lang='eng'") == 3


@needs_poppler
def test_text_layer_is_restored_as_text_whatever_the_ocr_language(tmp_path):
    # A PDF text layer made by a non-Vietnamese OCR engine: the default --lang (vie) must
    # not decide how it is restored.
    from typer.testing import CliRunner

    from vnrestore.cli import app

    pdf = tmp_path / "layer.pdf"
    pdf.write_bytes(_text_pdf("Ket luan ctia B Chinh trj ve cong tac"))
    r = CliRunner().invoke(app, ["ocr", str(pdf), "--use-text-layer", "-q"])
    assert r.exit_code == 0, r.output
    assert "của Bộ Chính trị" in r.stdout
    r = CliRunner().invoke(app, ["ocr", str(pdf), "--use-text-layer", "--source", "vie-ocr",
                                 "-q"])
    assert r.exit_code == 0, r.output


# --- engines: the interface, the registry, Tesseract's command line ----------------------


def test_engines_are_found_by_object_name_module_or_environment(monkeypatch):
    fake = FakeEngine()
    assert ocr.get_engine(fake) is fake
    assert isinstance(ocr.get_engine("tesseract"), ocr.TesseractEngine)
    assert isinstance(ocr.get_engine("fake_engine:FakeEngine"), FakeEngine)
    assert isinstance(fake, ocr.OcrEngine) and isinstance(ocr.TesseractEngine(), ocr.OcrEngine)
    monkeypatch.delenv(ocr.ENGINE_ENV, raising=False)
    assert isinstance(ocr.get_engine(), ocr.TesseractEngine)
    monkeypatch.setenv(ocr.ENGINE_ENV, "fake_engine:FakeEngine")
    assert isinstance(ocr.get_engine(), FakeEngine)
    with pytest.raises(UsageError, match="unknown OCR engine 'nope'"):
        ocr.get_engine("nope")
    with pytest.raises(UsageError, match="cannot be loaded"):
        ocr.get_engine("no_such_module:Engine")


def test_registered_engines_are_made_by_their_factory(monkeypatch):
    monkeypatch.setattr(ocr, "ENGINES", dict(ocr.ENGINES))  # the test's registrations go
    ocr.register_engine("canned", lambda: FakeEngine(text="xin chào"))
    assert ocr.get_engine("canned").image_to_text(Image.new("L", (9, 9)), "vie") == \
        "xin chào\n\f"


# A stand-in for the tesseract program: answers the probes, and for a page writes its
# arguments and OMP_THREAD_LIMIT into the output file Tesseract would have written.
FAKE_TESSERACT = r"""#!/bin/sh
case "$1" in
  --version) echo "tesseract 5.3.0"; exit 0 ;;
  --list-langs) printf 'List of available languages in "/x/" (3):\neng\nosd\nvie\n'; exit 0 ;;
esac
[ -n "$FAIL" ] && { echo "Error in pixReadStream: bad page" >&2; exit 1; }
[ -n "$SLEEP" ] && sleep "$SLEEP"
for last; do :; done
out="$2.$last"; shift 2
echo "OMP_THREAD_LIMIT=${OMP_THREAD_LIMIT-unset} $*" > "$out"
"""


@pytest.fixture
def fake_tesseract(tmp_path):
    path = tmp_path / "tesseract"
    path.write_text(FAKE_TESSERACT, encoding="utf-8")
    path.chmod(0o755)
    return str(path)


def test_tesseract_command_line_and_thread_limit(fake_tesseract, monkeypatch):
    """The command line pytesseract used to build; the thread limit goes into the
    program's environment only (a value the user set wins)."""
    monkeypatch.delenv("OMP_THREAD_LIMIT", raising=False)
    engine = ocr.TesseractEngine(cmd=fake_tesseract)
    image = Image.new("L", (400, 100), 255)
    image.info["dpi"] = (200, 200)
    assert engine.version() == "5.3.0" and engine.languages() == ("eng", "osd", "vie")
    assert engine.image_to_text(image, "vie") == \
        "OMP_THREAD_LIMIT=1 -l vie --dpi 200 txt\n"
    assert engine.image_to_hocr(image, "vie+eng") == \
        "OMP_THREAD_LIMIT=1 -l vie+eng -c tessedit_create_hocr=1 --dpi 200 hocr\n"
    assert "OMP_THREAD_LIMIT" not in os.environ  # ours is left alone
    monkeypatch.setenv("OMP_THREAD_LIMIT", "3")
    custom = ocr.TesseractEngine(cmd=fake_tesseract, args=("--psm", "6", "--dpi", "150"))
    assert custom.image_to_text(image, "eng") == \
        "OMP_THREAD_LIMIT=3 -l eng --psm 6 --dpi 150 txt\n"


def test_tesseract_failures_name_the_file_and_page(fake_tesseract, monkeypatch, tmp_path):
    from vnrestore.batch import Job, OcrOptions, Task, ocr_one

    image = Image.new("L", (400, 100), 255)
    monkeypatch.setenv("FAIL", "1")
    with pytest.raises(ocr.OcrError, match="exit 1.*bad page"):
        ocr.TesseractEngine(cmd=fake_tesseract).image_to_text(image, "eng")
    path = tmp_path / "scan.png"
    image.save(path)
    opts = OcrOptions(lang="eng", raw=True, engine=ocr.TesseractEngine(cmd=fake_tesseract))
    outcome = ocr_one(Job(), opts, Task(path, None))
    assert not outcome.ok and outcome.code == ExitCode.input_error
    assert outcome.error.startswith(f"{path}: page 1: Tesseract failed (exit 1)")
    monkeypatch.delenv("FAIL")
    monkeypatch.setenv("SLEEP", "5")
    with pytest.raises(ocr.OcrError, match="longer than 0.3 s"):
        ocr.TesseractEngine(cmd=fake_tesseract, timeout=0.3).image_to_text(image, "eng")


def test_transparent_pages_go_to_tesseract_on_white():
    rgba = Image.new("RGBA", (4, 4), (0, 0, 0, 0))
    flat = ocr._flatten_alpha(rgba)
    assert flat.mode == "RGB" and flat.getpixel((0, 0)) == (255, 255, 255)
    gray = Image.new("L", (4, 4))
    assert ocr._flatten_alpha(gray) is gray


# --- the ocr command with the fake engine (no Tesseract needed) -------------------------

FAKE_ENV = {ocr.ENGINE_ENV: "fake_engine:FakeEngine"}
RESTORED = "Kết luận số 57-KL/TW của Bộ Chính trị về tiếp tục nâng cao chất lượng"


CHOICES_ENV = {ocr.ENGINE_ENV: "fake_engine:FakeChoicesEngine"}


def _invoke(*args: str):
    return _invoke_with(FAKE_ENV, *args)


def _invoke_with(env: dict[str, str], *args: str):
    from typer.testing import CliRunner

    from vnrestore.cli import app

    return CliRunner().invoke(app, list(args), env=env)


def _png(path, text: str | None = None):
    """A blank page whose fake OCR text is ``text`` (the fixed garbled line if None)."""
    from PIL.PngImagePlugin import PngInfo

    meta = PngInfo()
    if text is not None:
        meta.add_text(TEXT_KEY, text)
    Image.new("L", (1240, 400), 255).save(path, pnginfo=meta, dpi=(150, 150))
    return str(path)


def test_fake_ocr_text_report_and_jobs_keep_input_order(tmp_path):
    tiff = tmp_path / "c.tiff"
    Image.new("L", (1240, 400), 255).save(tiff, save_all=True,
                                         append_images=[Image.new("L", (1240, 400), 255)])
    a = _png(tmp_path / "a.png", "Tang cuong cong tac quan ly nha nudc")
    b = _png(tmp_path / "b.png")
    report = tmp_path / "r.jsonl"
    r = _invoke("ocr", a, b, str(tiff), "--lang", "eng", "--jobs", "2",
                "--report", str(report))
    assert r.exit_code == 0, r.output
    # Files in input order; each page ends as Tesseract's do ("\n\f"), pages are joined
    # by a form feed, a file ends with a newline.
    pages = ["Tăng cường công tác quản lý nhà nước", RESTORED, f"{RESTORED}\n\f\f{RESTORED}"]
    assert r.stdout == "".join(f"{text}\n\f\n" for text in pages)
    rows = [json.loads(x) for x in report.read_text(encoding="utf-8").splitlines()]
    assert {row["file"] for row in rows} == {a, b, str(tiff)}
    assert {row["page"] for row in rows if row["file"] == str(tiff)} == {1, 2}
    assert any(r.get("original") == "ciia" and r["replacement"] == "của" for r in rows)
    estimates = [row for row in rows if row["kind"] == "estimate"]
    assert len(estimates) == 4 and {row["reading"] for row in estimates} == {"garbled"}
    assert "3 files, 4 pages, 53 words" in r.stderr


def test_fake_ocr_hocr_of_a_multipage_tiff(tmp_path):
    import xml.etree.ElementTree as ET

    tiff = tmp_path / "two.tiff"
    Image.new("L", (1240, 400), 255).save(tiff, save_all=True,
                                         append_images=[Image.new("L", (1240, 400), 255)])
    out = tmp_path / "two.hocr"
    r = _invoke("ocr", str(tiff), "--hocr", "--lang", "eng", "-o", str(out), "-q")
    assert r.exit_code == 0, r.output
    root = ET.fromstring(out.read_text(encoding="utf-8"))
    ns = {"h": "http://www.w3.org/1999/xhtml"}
    pages = root.findall(".//h:div[@class='ocr_page']", ns)
    assert [p.get("id") for p in pages] == ["page_1", "page_2"]
    for page in pages:
        words = [w.text for w in page.iterfind(".//h:span[@class='ocrx_word']", ns)]
        assert " ".join(words) == RESTORED
    assert all('image "two.tiff"' in p.get("title") for p in pages)


@needs_poppler
def test_fake_ocr_pdf_tree_with_jobs_hocr_and_raw(tmp_path, page):
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    page.save(src / "sub" / "two.pdf", resolution=300, save_all=True,
              append_images=[page.copy()])
    _png(src / "one.png")
    out = tmp_path / "out"
    r = _invoke("ocr", str(src), "--out-dir", str(out), "--hocr", "--lang", "eng",
                "--jobs", "2", "--report", str(tmp_path / "r.jsonl"))
    assert r.exit_code == 0, r.output
    assert (out / "sub" / "two.hocr").read_text(encoding="utf-8").count("'ocr_page'") == 2
    assert RESTORED.split()[-1] in (out / "one.hocr").read_text(encoding="utf-8")
    assert "2 files, 3 pages" in r.stderr
    r = _invoke("ocr", str(src / "sub" / "two.pdf"), "--raw", "-q")
    assert r.exit_code == 0 and r.stdout == f"{GARBLED}\n\f\f{GARBLED}\n\f\n"


# ------------------------------------------------------------------ LSTM choices (issue 14)

# Tesseract 5.3's hOCR with -c lstm_choice_mode=2 (cut down): per symbol an lstm_choices
# span, best choice first; the second word of a line starts with the space's choices.
CHOICES_HOCR = """<div class='ocr_page' id='page_1' title='bbox 0 0 100 100'>
 <span class='ocr_line' id='line_1_1' title="bbox 0 0 100 20">
  <span class='ocrx_word' id='word_1_1' title='bbox 0 0 40 20; x_wconf 96'>hiểm
   <span class='ocrx_cinfo' id='lstm_choices_1_1_1'>
    <span class='ocrx_cinfo' id='choice_1_1_1' title='x_confs 90.5'>h</span>
    <span class='ocrx_cinfo' id='choice_1_1_2' title='x_confs 70'>k</span>
    <span class='ocrx_cinfo' id='choice_1_1_3' title='x_confs 0'>b</span></span>
   <span class='ocrx_cinfo' id='lstm_choices_1_1_2'>
    <span class='ocrx_cinfo' id='choice_1_1_4' title='x_confs 95'>i</span></span>
   <span class='ocrx_cinfo' id='lstm_choices_1_1_3'>
    <span class='ocrx_cinfo' id='choice_1_1_5' title='x_confs 94'>ể</span></span>
   <span class='ocrx_cinfo' id='lstm_choices_1_1_4'>
    <span class='ocrx_cinfo' id='choice_1_1_6' title='x_confs 93'>m</span></span>
  </span>
  <span class='ocrx_word' id='word_1_2' title='bbox 50 0 90 20; x_wconf 95'>tra
   <span class='ocrx_cinfo' id='lstm_choices_1_2_1'>
    <span class='ocrx_cinfo' id='choice_1_2_1' title='x_confs 91'> </span></span>
   <span class='ocrx_cinfo' id='lstm_choices_1_2_2'>
    <span class='ocrx_cinfo' id='choice_1_2_2' title='x_confs 92'>t</span></span>
   <span class='ocrx_cinfo' id='lstm_choices_1_2_3'>
    <span class='ocrx_cinfo' id='choice_1_2_3' title='x_confs 93'>r</span></span>
   <span class='ocrx_cinfo' id='lstm_choices_1_2_4'>
    <span class='ocrx_cinfo' id='choice_1_2_4' title='x_confs 94'>a</span></span>
  </span>
  <span class='ocrx_word' id='word_1_3' title='bbox 95 0 100 20; x_wconf 50'>xy
   <span class='ocrx_cinfo' id='lstm_choices_1_3_1'>
    <span class='ocrx_cinfo' id='choice_1_3_1' title='x_confs 50'>x</span></span>
  </span>
 </span>
</div>"""


def test_hocr_choices_pair_each_character_with_its_alternatives():
    words = ocr.hocr_choices(CHOICES_HOCR)
    # "xy" has one symbol for two characters: left out.
    assert [w for w, _ in words] == ["hiểm", "tra"]
    first = words[0][1]
    assert first[0] == (("h", 0.905), ("k", 0.7), ("b", 0.0))
    assert [s[0][0] for s in words[1][1]] == ["t", "r", "a"]  # the space's choices dropped
    assert ocr.hocr_choices("<div class='ocr_page'></div>") == []


def test_stripping_the_choices_gives_the_hocr_tesseract_writes_without_them():
    plain = ocr.strip_choices(CHOICES_HOCR)
    assert "ocrx_cinfo" not in plain and "x_confs" not in plain
    assert "x_wconf 96'>hiểm</span>" in plain and "x_wconf 50'>xy</span>" in plain
    seen = []
    ocr.hocr_replace_words(plain, lambda words: seen.append(words) or words)
    assert seen == [["hiểm", "tra", "xy"]]
    assert ocr.strip_choices(plain) == plain


def test_tesseract_reads_text_and_choices_in_one_run(fake_tesseract, monkeypatch):
    calls = []

    def fake_call(self, cmd):
        calls.append(cmd)
        base = cmd[2]
        with open(f"{base}.txt", "w", encoding="utf-8") as fh:
            fh.write("hiểm tra xy\n")
        with open(f"{base}.hocr", "w", encoding="utf-8") as fh:
            fh.write(CHOICES_HOCR)

    monkeypatch.setattr(ocr.TesseractEngine, "_call", fake_call)
    text, choices = ocr.TesseractEngine(cmd=fake_tesseract).image_to_text_and_choices(
        Image.new("L", (100, 100), 255), "vie")
    assert text == "hiểm tra xy\n" and [w for w, _ in choices] == ["hiểm", "tra"]
    (cmd,) = calls
    assert cmd[-2:] == ["txt", "hocr"] and "lstm_choice_mode=2" in cmd


def test_tesseract_reads_hocr_and_choices_in_one_run(fake_tesseract, monkeypatch):
    calls = []

    def fake_call(self, cmd):
        calls.append(cmd)
        with open(f"{cmd[2]}.hocr", "w", encoding="utf-8") as fh:
            fh.write(CHOICES_HOCR)

    monkeypatch.setattr(ocr.TesseractEngine, "_call", fake_call)
    hocr, choices = ocr.TesseractEngine(cmd=fake_tesseract).image_to_hocr_and_choices(
        Image.new("L", (100, 100), 255), "vie")
    assert hocr == ocr.strip_choices(CHOICES_HOCR)
    assert [w for w, _ in choices] == ["hiểm", "tra"]
    (cmd,) = calls
    assert cmd[-1] == "hocr" and "lstm_choice_mode=2" in cmd
    assert "tessedit_create_hocr=1" in cmd


def test_choices_add_the_syllables_they_spell_at_tesseracts_cost():
    import math
    from dataclasses import replace

    from vnrestore.config import DEFAULT
    from vnrestore.pipeline import get_restorer
    from vnrestore.tokenize import tokenize

    config = replace(DEFAULT, lstm_choices=True)
    restorer = get_restorer((), config)
    generator = restorer.generator
    params = restorer.estimate(tokenize("hiểm tra"))
    cands = generator.for_word("hiểm", params)
    symbols = ocr.hocr_choices(CHOICES_HOCR)[0][1]
    more = generator.from_choices(cands, symbols)
    assert [c.text for c in more[: len(cands)]] == [c.text for c in cands]
    kiem = next(c for c in more if c.text == "kiểm")
    want = config.lstm_cost + config.lstm_cost_scale * math.log(0.905 / 0.7)
    assert kiem.channel <= want + 1e-9
    assert "biểm" not in {c.text for c in more}  # confidence 0: below lstm_min_conf
    # Nothing the choices spell is new: the same tuple back.
    plain = generator.for_word("tra", params)
    assert generator.from_choices(plain, ocr.hocr_choices(CHOICES_HOCR)[1][1]) is plain


def test_restore_takes_choices_only_when_the_knob_is_on():
    from dataclasses import replace

    from vnrestore.config import DEFAULT
    from vnrestore.pipeline import get_restorer

    text = "Bộ trưởng hiểm tra việc thực hiện kế hoạch"
    symbols = ocr.hocr_choices(CHOICES_HOCR)[0][1]
    choices = [("Bộ", ()), ("hiểm", symbols)]  # words without choices are skipped
    on = get_restorer((), replace(DEFAULT, lstm_choices=True))
    off = get_restorer((), replace(DEFAULT, lstm_choices=False))
    assert "kiểm tra" in on.restore(text, choices=choices).text
    assert off.restore(text, choices=choices).text == off.restore(text).text


def test_ocr_feeds_an_engines_choices_to_the_restorer(tmp_path):
    """`vnrestore ocr` (text output) asks an engine that can give per-character
    alternatives for them (RestoreConfig.lstm_choices) and restores with them."""
    from PIL.PngImagePlugin import PngInfo
    from typer.testing import CliRunner

    from vnrestore.cli import app
    from vnrestore.config import DEFAULT

    symbols = [[list(c) for c in alts] for alts in ocr.hocr_choices(CHOICES_HOCR)[0][1]]
    meta = PngInfo()
    meta.add_text(TEXT_KEY, "Bộ trưởng hiểm tra việc thực hiện kế hoạch")
    meta.add_text(CHOICES_KEY, json.dumps([["hiểm", symbols]]))
    png = tmp_path / "p.png"
    Image.new("L", (1240, 400), 255).save(png, pnginfo=meta, dpi=(300, 300))
    r = CliRunner().invoke(app, ["ocr", str(png), "--lang", "vie", "-q"],
                           env={ocr.ENGINE_ENV: "fake_engine:FakeChoicesEngine"})
    assert r.exit_code == 0, r.output
    assert ("kiểm tra" in r.stdout) == DEFAULT.lstm_choices


def _choices_png(path, text: str, word: str) -> str:
    """A fake page reading ``text`` whose ``word`` has the choices of CHOICES_HOCR's
    first word (k for h: 'kiểm')."""
    from PIL.PngImagePlugin import PngInfo

    symbols = [[list(c) for c in alts] for alts in ocr.hocr_choices(CHOICES_HOCR)[0][1]]
    meta = PngInfo()
    meta.add_text(TEXT_KEY, text)
    meta.add_text(CHOICES_KEY, json.dumps([[word, symbols]]))
    Image.new("L", (1240, 400), 255).save(path, pnginfo=meta, dpi=(300, 300))
    return str(path)


def test_ocr_hocr_restores_with_the_choices_too(tmp_path):
    """`vnrestore ocr --hocr` asks the engine for the alternatives as `ocr` does."""
    from vnrestore.config import DEFAULT

    png = _choices_png(tmp_path / "p.png", "Bộ trưởng hiểm tra việc thực hiện kế hoạch",
                       "hiểm")
    r = _invoke_with(CHOICES_ENV, "ocr", png, "--hocr", "--lang", "vie", "-q")
    assert r.exit_code == 0, r.output
    assert (">kiểm</span>" in r.stdout) == DEFAULT.lstm_choices
    assert "ocrx_cinfo" not in r.stdout


def test_choices_are_asked_for_only_with_a_vietnamese_model(tmp_path):
    assert ocr.choices_help(["vie"]) and ocr.choices_help("vie+eng".split("+"))
    assert not ocr.choices_help(["eng"]) and not ocr.choices_help(["fra", "eng"])
    png = _choices_png(tmp_path / "p.png", "Bộ trưởng hiểm tra việc thực hiện kế hoạch",
                       "hiểm")
    for args in ((), ("--hocr",)):
        r = _invoke_with(CHOICES_ENV, "ocr", png, *args, "--lang", "eng", "-q")
        assert r.exit_code == 0, r.output
        assert "kiểm" not in r.stdout  # the engine's choices were not asked for


def test_ocr_hocr_words_are_the_text_outputs_words(tmp_path):
    """The page is restored as a whole in both outputs (a line alone is too little
    context): the hOCR's words, in order, are the words of `ocr`'s text."""
    import xml.etree.ElementTree as ET

    text = ("UY BAN NHAN DAN\nHUYEN THUONG XUAN\nKét luan s6 57-KL/TW ciia B Chinh trj\n"
            "vé tiép tuc ning cao chit lwong")
    png = _png(tmp_path / "p.png", text)
    plain = _invoke("ocr", png, "--lang", "eng", "-q")
    hocr = _invoke("ocr", png, "--hocr", "--lang", "eng", "-q")
    assert plain.exit_code == 0 and hocr.exit_code == 0, plain.output + hocr.output
    ns = {"h": "http://www.w3.org/1999/xhtml"}
    words = [w.text for w in ET.fromstring(hocr.stdout).iterfind(
        ".//h:span[@class='ocrx_word']", ns)]
    assert words == plain.stdout.split()
    assert "Kết" in words and "57-KL/TW" in words
