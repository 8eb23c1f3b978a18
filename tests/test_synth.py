"""vnrestore.synth: fonts, wrapping, degradation, alignment, and the whole generator."""

from __future__ import annotations

import gzip
import importlib.util
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from vnrestore.build import synth
from vnrestore.build.corpus import is_heldout

ROOT = Path(__file__).resolve().parents[1]
PARAS = [
    "Ủy ban nhân dân huyện xây dựng kế hoạch hoạt động thông tin đối ngoại năm 2024 "
    "gồm những nội dung sau đây, bảo đảm sự thống nhất và hiệu quả trong chỉ đạo.",
    "Tăng cường công tác quản lý nhà nước về thông tin đối ngoại; nâng cao chất lượng "
    "các hoạt động thông tin, tuyên truyền ở cơ sở.",
]

needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None,
                                     reason="tesseract not installed")


@pytest.fixture(scope="module")
def fonts() -> list[synth.Font]:
    found = synth.usable_fonts()
    if not found:
        pytest.skip("no font covering Vietnamese installed")
    return found


def test_installed_serif_fonts_cover_vietnamese(fonts):
    assert all(synth.font_covers(f.path) for f in fonts)
    assert len(synth.VIETNAMESE_LETTERS) == 146 and "Ự" in synth.VIETNAMESE_LETTERS


def test_font_without_vietnamese_is_rejected(fonts):
    armenian = "/usr/share/fonts/truetype/noto/NotoSansArmenian-Regular.ttf"
    if os.path.isfile(armenian):
        assert not synth.font_covers(armenian)
    assert not synth.font_covers("/nonexistent/font.ttf")


def test_usable_fonts_skips_failing_fonts(fonts, monkeypatch):
    monkeypatch.setattr(synth, "font_covers", lambda path, chars="": "DejaVu" not in path)
    names = [f.family for f in synth.usable_fonts()]
    assert "DejaVu Serif" not in names


def test_wrap_keeps_mapping_and_width():
    lines = synth.wrap_lines(PARAS, 64)
    assert all(len(ln.text) <= 64 for ln in lines)
    for i, para in enumerate(PARAS):
        mine = [ln for ln in lines if ln.para == i]
        assert " ".join(ln.text for ln in mine) == para
        assert [ln.last for ln in mine] == [False] * (len(mine) - 1) + [True]


def test_prose_filter():
    text = "Điều 1. Phạm vi\n" + PARAS[0] + "\n| 1 | 2 |\n" + "số 12 34 56 78 " * 10
    assert synth.prose_paragraphs(text) == [PARAS[0]]


def test_degrade_is_deterministic_and_levelled(fonts):
    def run(level: str, seed: int) -> bytes:
        rng = np.random.default_rng(seed)
        img, _ = synth.render_page(synth.wrap_lines(PARAS, 70), fonts[0], rng)
        return synth.degrade(img, level, rng).tobytes()

    assert run("moderate", 1) == run("moderate", 1)
    assert run("moderate", 1) != run("moderate", 2)
    assert run("heavy", 1) != run("clean", 1)


def test_align_handles_dropped_and_merged_lines():
    source = ["Độc lập tự do hạnh phúc", "Kế hoạch hoạt động năm 2024",
              "thông tin đối ngoại tỉnh", "gồm những nội dung sau"]
    ocr = ["Pic 1ap - Tu do - Hanh phic", "K& hoach hoat dong nam 2024 thong tin d6i",
           "@@@@", "gdm nhirng ndi dung sau"]
    pairs = synth.align_lines(source, ocr)
    # Line 2 was merged into OCR line 1 and "@@@@" matches nothing: both dropped.
    assert [(i, j) for i, j, _ in pairs] == [(0, 0), (1, 1), (3, 3)]
    assert all(s >= 0.6 for _, _, s in pairs)
    assert synth.align_lines(source, []) == []


def test_cer():
    assert synth.cer([("abcd", "abed"), ("xy", "xy")]) == pytest.approx(1 / 6)


@needs_tesseract
def test_generator_is_deterministic_and_aligned(fonts):
    lines = ["Thực hiện kế hoạch của Ủy ban nhân dân tỉnh về công tác thông tin đối",
             "ngoại năm 2024, huyện xây dựng và ban hành kế hoạch hoạt động gồm",
             "những nội dung sau đây để bảo đảm hiệu quả trong chỉ đạo điều hành."]
    first = synth.synthesize(lines, seed=3, level="moderate", fonts=fonts[:1])
    again = synth.synthesize(lines, seed=3, level="moderate", fonts=fonts[:1], langs=["vie"])
    assert again == [r for r in first if r["lang"] == "vie"]  # same seed, same page
    keys = {"doc", "page", "font", "level", "lang", "engine", "source", "ocr"}
    assert all(r["engine"].startswith("tesseract ") for r in first)  # the tables record it
    assert first and all(set(r) == keys for r in first)
    by_lang = {lang: [r for r in first if r["lang"] == lang] for lang in ("eng", "vie")}
    assert all(len(recs) >= 2 for recs in by_lang.values())
    assert synth.cer((r["source"], r["ocr"]) for r in by_lang["vie"]) < 0.1
    assert synth.cer((r["source"], r["ocr"]) for r in by_lang["eng"]) > 0.05  # no diacritics


def _fake_process_page(spec: synth.PageSpec, threshold: float = 0.6) -> synth.PageResult:
    """Tesseract stand-in for the script test: 'OCR' drops the diacritics."""
    lines = [ln.text for ln in synth.wrap_lines(spec.paragraphs, spec.width)][:40]
    res = synth.PageResult(spec, lines)
    res.records = [{"doc": spec.doc, "page": spec.page, "font": spec.font.family,
                    "level": spec.level, "lang": lang, "source": ln,
                    "ocr": synth.strip_accents(ln)} for lang in spec.langs for ln in lines]
    return res


def test_make_synthetic_script(tmp_path, fonts, monkeypatch):
    spec = importlib.util.spec_from_file_location("make_synthetic",
                                                  ROOT / "scripts" / "make_synthetic.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    monkeypatch.setattr(synth, "process_page", _fake_process_page)
    corpora = tmp_path / "corpora"
    corpora.mkdir()
    doc = {"source": "legal", "id": "t1", "text": "\n".join(PARAS * 6)}
    with gzip.open(corpora / "legal.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.write(json.dumps(doc, ensure_ascii=False) + "\n")
    out = tmp_path / "out.jsonl.gz"
    assert mod.main(["--corpora", str(corpora), "--sources", "legal", "--docs", "1",
                     "--split", "train" if not is_heldout("legal", "t1") else "heldout",
                     "--pages-per-doc", "1", "--levels", "clean", "--langs", "eng",
                     "--jobs", "1", "--out", str(out), "--txt-out", str(tmp_path / "dev"),
                     "--max-lines", "5"]) == 0
    records = [json.loads(x) for x in gzip.open(out, "rt", encoding="utf-8")]
    assert records and all(r["doc"] == "legal/t1" and r["lang"] == "eng" for r in records)
    gold = (tmp_path / "dev.gold.txt").read_text(encoding="utf-8").splitlines()
    ocr = (tmp_path / "dev.ocr.txt").read_text(encoding="utf-8").splitlines()
    assert len(gold) == len(ocr) == min(5, len(records))
