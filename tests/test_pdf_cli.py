"""`vnrestore pdf` and `vnrestore ocr ... -o OUT.pdf` through the command line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pdf_samples as samples
import pytest
from typer.testing import CliRunner

from vnrestore.cli import app
from vnrestore.errors import ExitCode

pikepdf = pytest.importorskip("pikepdf")
pytest.importorskip("pdfminer")


def run(*args: str):
    return CliRunner().invoke(app, list(args))


@pytest.fixture(scope="module")
def layered() -> Path:
    samples.require("tesseract", "pdftoppm")
    return samples.tesseract_pdf()


def test_pdf_to_output_with_report(layered, tmp_path):
    out, report = tmp_path / "out.pdf", tmp_path / "r.jsonl"
    r = run("pdf", str(layered), "-o", str(out), "--report", str(report))
    assert r.exit_code == 0, r.output
    assert samples.render(out, 50) == samples.render(layered, 50)
    text = samples.pdftotext(out)
    assert "Ủy ban nhân dân" in text or "nhân dân" in text
    rows = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
    assert rows and all(row["page"] == 1 and len(row["bbox"]) == 4 for row in rows)
    assert "1 file, 1 pages" in r.stderr


def test_pdf_in_place_keeps_every_version(layered, tmp_path):
    src = tmp_path / "scan.pdf"
    shutil.copy(layered, src)
    original = src.read_bytes()
    assert run("pdf", "-q", str(src), "--in-place").exit_code == 0
    assert (tmp_path / "scan.pdf.orig").read_bytes() == original
    r = run("pdf", "-q", str(src), "--in-place")
    assert r.exit_code == ExitCode.output_error and "--force" in r.stderr
    once = src.read_bytes()
    assert run("pdf", "-q", str(src), "--in-place", "--force").exit_code == 0
    assert (tmp_path / "scan.pdf.orig").read_bytes() == original
    assert (tmp_path / "scan.pdf.orig.1").read_bytes() == once


def test_pdf_batch_goes_on_past_bad_files(layered, tmp_path):
    tree = tmp_path / "in"
    tree.mkdir()
    shutil.copy(layered, tree / "good.pdf")
    shutil.copy(samples.image_pdf(), tree / "scan-only.pdf")
    with pikepdf.open(layered) as pdf:
        pdf.save(tree / "locked.pdf", encryption=pikepdf.Encryption(owner="o", user="u"))
    (tree / "broken.pdf").write_bytes(b"%PDF-1.7\ngarbage")
    out = tmp_path / "out"
    r = run("pdf", str(tree), "--out-dir", str(out), "--jobs", "1")
    assert r.exit_code == ExitCode.input_error
    assert (out / "good.pdf").exists()
    assert sorted(p.name for p in out.iterdir()) == ["good.pdf"]
    errors = [line for line in r.stderr.splitlines() if "summary" not in line]
    assert any("scan-only.pdf" in e and "--plugin vnrestore.ocrmypdf" in e for e in errors)
    assert any("locked.pdf" in e and "encrypted" in e for e in errors)
    assert any("broken.pdf" in e for e in errors)


def test_pdf_needs_one_output_mode(layered, tmp_path):
    assert run("pdf", str(layered)).exit_code == ExitCode.usage
    r = run("pdf", str(layered), "-o", str(tmp_path / "a.pdf"), "--in-place")
    assert r.exit_code == ExitCode.usage


def test_ocr_to_a_searchable_pdf(tmp_path):
    samples.require("tesseract", "pdftoppm")
    pytest.importorskip("ocrmypdf")
    out = tmp_path / "searchable.pdf"
    r = run("ocr", str(samples.image_pdf()), "--lang", "eng", "-o", str(out), "-q",
            "--jobs", "1")
    assert r.exit_code == 0, r.output
    text = samples.pdftotext(out)
    assert "nhân dân" in text  # restored, not the eng model's "nhan dan"
    r = run("ocr", str(samples.image_pdf()), "-o", str(out), "--hocr")
    assert r.exit_code == ExitCode.usage
