"""The command line, through typer's runner and through a real subprocess."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vnrestore.cli import app
from vnrestore.errors import ExitCode

runner = CliRunner()
LINE = "Tang cuong cong tac quan ly nha nudc vé thong tin d6i ngoai\n"
GOOD = "Tăng cường công tác quản lý nhà nước về thông tin đối ngoại\n"


def run(*args, input=None):
    return runner.invoke(app, list(args), input=input)


def test_stdin_to_stdout():
    r = run("clean", input=LINE)
    assert r.exit_code == 0, r.output
    assert r.stdout == GOOD


def test_file_to_output_file_and_report(tmp_path):
    src = tmp_path / "a.txt"
    src.write_text(LINE, encoding="utf-8")
    out, rep = tmp_path / "out.txt", tmp_path / "r.jsonl"
    r = run("clean", str(src), "-o", str(out), "--report", str(rep))
    assert r.exit_code == 0, r.output
    assert out.read_text(encoding="utf-8") == GOOD
    rows = [json.loads(x) for x in rep.read_text(encoding="utf-8").splitlines()]
    assert rows[0]["kind"] == "estimate"
    rows = rows[1:]
    assert {row["original"] for row in rows} >= {"Tang", "nudc", "d6i"}
    assert all(row["line"] == 1 and 0 <= row["confidence"] <= 1 for row in rows)


def test_directory_is_mirrored_and_bad_file_gives_exit_3(tmp_path):
    tree = tmp_path / "in" / "sub"
    tree.mkdir(parents=True)
    (tree / "good.txt").write_text(LINE, encoding="utf-8")
    (tree / "bad.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    out = tmp_path / "out"
    r = run("clean", str(tmp_path / "in"), "--out-dir", str(out), "--jobs", "1")
    assert r.exit_code == ExitCode.input_error
    assert (out / "sub" / "good.txt").read_text(encoding="utf-8") == GOOD
    assert not (out / "sub" / "bad.txt").exists()
    assert "bad.txt" in r.stderr


def test_outputs_newer_than_inputs_are_skipped_unless_forced(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(LINE, encoding="utf-8")
    out = tmp_path / "out"
    assert run("clean", str(src), "--out-dir", str(out)).exit_code == 0
    (out / "a.txt").write_text("kept", encoding="utf-8")
    assert run("clean", str(src), "--out-dir", str(out)).exit_code == 0
    assert (out / "a.txt").read_text(encoding="utf-8") == "kept"
    assert run("clean", str(src), "--out-dir", str(out), "--force").exit_code == 0
    assert (out / "a.txt").read_text(encoding="utf-8") == GOOD


def test_in_place_keeps_a_backup(tmp_path):
    src = tmp_path / "a.txt"
    src.write_text(LINE, encoding="utf-8")
    r = run("clean", str(src), "--in-place")
    assert r.exit_code == 0, r.output
    assert src.read_text(encoding="utf-8") == GOOD
    assert (tmp_path / "a.txt.orig").read_text(encoding="utf-8") == LINE
    # A second run must not overwrite the first backup silently.
    r = run("clean", str(src), "--in-place")
    assert r.exit_code == ExitCode.output_error
    assert (tmp_path / "a.txt.orig").read_text(encoding="utf-8") == LINE


def test_usage_errors_exit_2(tmp_path):
    assert run("clean", "--tone-style", "odd", input="").exit_code == ExitCode.usage
    assert run("clean", str(tmp_path), input="").exit_code == ExitCode.usage  # dir, no --out-dir
    assert run("clean", "-", "--in-place", input="").exit_code == ExitCode.usage


def test_missing_file_exit_3(tmp_path):
    r = run("clean", str(tmp_path / "nope.txt"))
    assert r.exit_code == ExitCode.input_error
    assert "nope.txt" in r.stderr


def test_diff_and_mark_uncertain():
    r = run("clean", "--diff", input=LINE)
    assert r.exit_code == 0
    assert "{d6i→đối}" in r.stdout
    r = run("clean", "--mark-uncertain", "--uncertain-below", "1", "--marker", "<{}>",
            input=LINE)
    assert r.exit_code == 0 and "<" in r.stdout
    assert r.stdout.replace("<", "").replace(">", "") == GOOD
    r = run("clean", "--mark-uncertain", "--uncertain-below", "0", input=LINE)
    assert r.stdout == GOOD


def test_eval_command(tmp_path):
    gold, hyp = tmp_path / "g.txt", tmp_path / "h.txt"
    gold.write_text(GOOD, encoding="utf-8")
    hyp.write_text(LINE, encoding="utf-8")
    r = run("eval", str(gold), str(hyp), "--json")
    assert r.exit_code == 0
    assert json.loads(r.stdout)["word_acc"] == pytest.approx(1 / 13)


def test_real_subprocess_pipe():
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    p = subprocess.run([sys.executable, "-m", "vnrestore", "clean"], input=LINE.encode(),
                       capture_output=True, env=env, timeout=120)
    assert p.returncode == 0, p.stderr.decode()
    assert p.stdout.decode("utf-8") == GOOD


def test_subprocess_empty_input_is_empty_output():
    p = subprocess.run([sys.executable, "-m", "vnrestore", "clean"], input=b"",
                       capture_output=True, timeout=60)
    assert p.returncode == 0 and p.stdout == b""


def test_version_comes_from_the_package_metadata():
    from importlib.metadata import version

    import vnrestore

    r = run("--version")
    assert r.exit_code == 0 and r.stdout == f"vnrestore {version('vnrestore')}\n"
    assert vnrestore.__version__ == version("vnrestore")


def test_sample_file_exists():
    assert (Path(__file__).parents[1] / "samples" / "thuong-xuan-2024.ocr.txt").is_file()


@pytest.mark.parametrize("mode", ["output", "in-place"])
def test_ctrl_c_leaves_no_partial_output(tmp_path, mode):
    """SIGINT mid-run: exit 130, no output file or temporary left, the input untouched."""
    import signal
    import time

    src = tmp_path / "big.txt"
    src.write_text(LINE * 40000, encoding="utf-8")  # ~2.4 MB: several seconds of work
    before = src.read_bytes()
    out = tmp_path / "out.txt"
    args = ["-o", str(out)] if mode == "output" else ["--in-place"]
    # A shell running us in the background may have SIGINT ignored, and a child that
    # starts with it ignored keeps it so: give it the default, as a terminal would.
    p = subprocess.Popen([sys.executable, "-m", "vnrestore", "clean", "-q", str(src), *args],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    # Into the restoration: the temporary output exists once the first chunk is read
    # (a signal during start-up, on a loaded machine, would test the imports instead).
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".*.vnrestore-tmp")) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    assert p.poll() is None, "finished before it could be interrupted"
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=120)
    assert p.returncode == ExitCode.interrupted, err.decode()
    assert sorted(f.name for f in tmp_path.iterdir()) == ["big.txt"]
    assert src.read_bytes() == before


@pytest.mark.parametrize("args", [["-o", "{file}"], ["--out-dir", "{dir}"]])
def test_an_input_is_never_overwritten_without_a_backup(tmp_path, args):
    src = tmp_path / "a.txt"
    src.write_text(LINE, encoding="utf-8")
    args = [a.format(file=src, dir=tmp_path) for a in args]
    r = run("clean", str(src), *args)
    assert r.exit_code == ExitCode.usage and "overwrite the input" in r.output
    assert src.read_text(encoding="utf-8") == LINE


def test_out_dir_may_not_be_the_input_directory(tmp_path):
    (tmp_path / "a.txt").write_text(LINE, encoding="utf-8")
    r = run("clean", str(tmp_path), "--out-dir", str(tmp_path))
    assert r.exit_code == ExitCode.usage and "input directory" in r.output
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == LINE
