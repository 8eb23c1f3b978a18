"""The file boundary: nothing is lost, every error is one line with its exit code.

Each test is one promise of the README (a real subprocess where the behaviour depends on
the process: file descriptors, pipes, terminals)."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vnrestore.cli import app
from vnrestore.errors import ExitCode

LINE = "Tang cuong cong tac quan ly nha nudc vé thong tin d6i ngoai\n"
GOOD = "Tăng cường công tác quản lý nhà nước về thông tin đối ngoại\n"
SAMPLE = Path(__file__).parents[1] / "samples" / "thuong-xuan-2024.ocr.txt"
ENV = {**os.environ, "PYTHONIOENCODING": "utf-8"}


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(app, list(args), input=input)


def cli(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "vnrestore", *args], capture_output=True,
                          env=kw.pop("env", ENV), timeout=120, **kw)


def one_line(stderr: bytes) -> str:
    lines = stderr.decode().strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


# --- outputs that are not regular files ------------------------------------------------


@pytest.mark.parametrize("device", ["/dev/null", "/dev/full"])
def test_output_onto_a_device_writes_into_it(tmp_path, device):
    src = tmp_path / "a.txt"
    src.write_text(LINE * 2000, encoding="utf-8")  # more than one buffer: /dev/full fails
    p = cli("clean", "-q", str(src), "-o", device)
    assert Path(device).is_char_device()  # never replaced by a regular file
    if device == "/dev/full":
        assert p.returncode == ExitCode.output_error
        assert one_line(p.stderr) == "vnrestore: /dev/full: no space left on device"
    else:
        assert p.returncode == 0, p.stderr


def test_output_onto_a_fifo_reaches_its_reader(tmp_path):
    src, fifo = tmp_path / "a.txt", tmp_path / "pipe"
    src.write_text(LINE, encoding="utf-8")
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    p = cli("clean", "-q", str(src), "-o", str(fifo))
    reader.join(timeout=30)
    assert p.returncode == 0, p.stderr
    assert got == [GOOD.encode()]


def test_output_onto_dev_stdout_keeps_an_appended_file(tmp_path):
    src, log = tmp_path / "a.txt", tmp_path / "log.txt"
    src.write_text(LINE, encoding="utf-8")
    log.write_text("earlier\n", encoding="utf-8")
    with open(log, "a", encoding="utf-8") as out:
        p = subprocess.run([sys.executable, "-m", "vnrestore", "clean", "-q", str(src),
                            "-o", "/dev/stdout"], stdout=out, stderr=subprocess.PIPE,
                           env=ENV, timeout=120)
    assert p.returncode == 0, p.stderr
    assert log.read_text(encoding="utf-8") == "earlier\n" + GOOD


# --- backups ------------------------------------------------------------------------------


def test_in_place_twice_with_force_never_loses_the_original(tmp_path):
    src = tmp_path / "a.txt"
    src.write_text(LINE, encoding="utf-8")
    assert run("clean", "-q", str(src), "--in-place").exit_code == 0
    src.write_text(GOOD + "sửa tay\n", encoding="utf-8")  # the user edits the output
    r = run("clean", "-q", str(src), "--in-place")
    assert r.exit_code == ExitCode.output_error and "--force" in r.stderr
    assert run("clean", "-q", str(src), "--in-place", "--force").exit_code == 0
    assert (tmp_path / "a.txt.orig").read_text(encoding="utf-8") == LINE  # the raw OCR
    assert (tmp_path / "a.txt.orig.1").read_text(encoding="utf-8") == GOOD + "sửa tay\n"
    assert run("clean", "-q", str(src), "--in-place", "--force").exit_code == 0
    assert (tmp_path / "a.txt.orig").read_text(encoding="utf-8") == LINE
    assert (tmp_path / "a.txt.orig.2").exists()


# --- write errors -----------------------------------------------------------------------


def test_full_disk_on_stdout_is_an_output_error():
    with open("/dev/full", "w") as full:
        p = subprocess.run([sys.executable, "-m", "vnrestore", "clean", str(SAMPLE)],
                           stdout=full, stderr=subprocess.PIPE, env=ENV, timeout=120)
    assert p.returncode == ExitCode.output_error
    assert one_line(p.stderr) == "vnrestore: <stdout>: no space left on device"


def test_broken_pipe_is_an_output_error(tmp_path):
    big = tmp_path / "big.txt"  # more than a pipe holds (64 KB), so a write must fail
    big.write_text(SAMPLE.read_text(encoding="utf-8") * 12, encoding="utf-8")
    p = subprocess.Popen([sys.executable, "-m", "vnrestore", "clean", "-q", str(big)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
    p.stdout.read(10)
    p.stdout.close()  # the reader goes away, as `| head -c 10` does
    err = p.stderr.read()
    assert p.wait(timeout=120) == ExitCode.output_error
    assert one_line(err) == "vnrestore: <stdout>: broken pipe"


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_permission_denied_names_the_target(tmp_path):  # pragma: no cover - not as root
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    r = run("clean", "-q", "-o", str(locked / "out.txt"), input=LINE)
    assert r.exit_code == ExitCode.output_error and "out.txt" in r.stderr


def test_read_only_directory_is_an_output_error(tmp_path):
    # As root nothing is read-only; a path under a regular file fails for everyone.
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    r = run("clean", "-q", "-o", str(blocker / "out.txt"), input=LINE)
    assert r.exit_code == ExitCode.output_error
    assert str(blocker) in r.stderr and len(r.stderr.strip().splitlines()) == 1


# --- lexicons and eval read files as clean does ------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig"])
def test_lexicon_in_utf16_from_notepad(tmp_path, encoding):
    lex = tmp_path / "names.txt"
    lex.write_bytes("Xã Yên Nhân\n".encode(encoding))
    r = run("clean", "-q", "--lexicon", str(lex), input="cac x4 Yen Nhan tham gia\n")
    assert r.exit_code == 0, r.output
    assert "Yên Nhân" in r.stdout


def test_unreadable_lexicon_is_a_usage_error_naming_it(tmp_path):
    lex = tmp_path / "names.txt"
    lex.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    r = run("clean", "-q", "--lexicon", str(lex), input=LINE)
    assert r.exit_code == ExitCode.usage
    assert str(lex) in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_eval_decodes_like_clean_and_counts_lines_like_wc(tmp_path):
    gold = tmp_path / "gold.txt"
    gold.write_text(GOOD * 3, encoding="utf-8")
    utf16 = tmp_path / "copy.txt"
    utf16.write_bytes((GOOD * 3).encode("utf-16"))
    r = run("eval", str(gold), str(utf16), "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["word_acc"] == 1.0
    unterminated = tmp_path / "no-newline.txt"
    unterminated.write_text((GOOD * 3).rstrip("\n"), encoding="utf-8")
    assert json.loads(run("eval", str(gold), str(unterminated), "--json").stdout)[
        "word_acc"] == 1.0
    short = tmp_path / "short.txt"
    short.write_text(GOOD * 2, encoding="utf-8")
    r = run("eval", str(gold), str(short))
    assert r.exit_code == ExitCode.usage and "gold 3, output 2" in r.stderr


def test_eval_reads_stdin_and_refuses_binary(tmp_path):
    gold = tmp_path / "gold.txt"
    gold.write_text(GOOD, encoding="utf-8")
    r = run("eval", str(gold), "-", "--json", input=GOOD)
    assert r.exit_code == 0 and json.loads(r.stdout)["word_acc"] == 1.0
    binary = tmp_path / "scan.pdf"
    binary.write_bytes(b"%PDF-1.4\n" + bytes(range(256)))
    r = run("eval", str(gold), str(binary))
    assert r.exit_code == ExitCode.input_error and "scan.pdf" in r.stderr


# --- arguments ------------------------------------------------------------------------------


def test_a_file_named_like_an_option_after_double_dash(tmp_path):
    (tmp_path / "-v").write_text(LINE, encoding="utf-8")
    p = cli("clean", "-q", "--", "-v", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert p.stdout.decode() == GOOD
    p = cli("clean", "-v", "-q", "--", "-v", cwd=tmp_path)  # -v the option, then the file
    assert p.returncode == 0 and p.stdout.decode() == GOOD


def test_nul_padded_text_is_binary(tmp_path):
    bad = tmp_path / "x.txt"
    bad.write_bytes(b"abc\0def\0" * 200)
    r = run("clean", str(bad))
    assert r.exit_code == ExitCode.input_error and "NUL" in r.stderr


def test_diff_options(tmp_path):
    src = tmp_path / "a.txt"
    src.write_text(LINE, encoding="utf-8")
    r = run("clean", str(src), "--diff", "--out-dir", str(tmp_path / "out"))
    assert r.exit_code == ExitCode.usage and "--diff" in r.stderr
    review = tmp_path / "review.txt"
    r = run("clean", "-q", str(src), "--diff", "-o", str(review))
    assert r.exit_code == 0 and "{d6i→đối}" in review.read_text(encoding="utf-8")
    assert run("clean", "--marker", "<{}>", input=LINE).exit_code == ExitCode.usage
    r = run("clean", "--uncertain-below", "0.9", input=LINE)
    assert r.exit_code == ExitCode.usage and "--mark-uncertain" in r.stderr


# --- the report -----------------------------------------------------------------------------


def test_report_never_lists_a_likelier_alternative(tmp_path):
    report = tmp_path / "r.jsonl"
    assert run("clean", "-q", str(SAMPLE), "--report", str(report)).exit_code == 0
    rows = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
    estimate, *rows = rows  # the first row says what the text was read as
    assert estimate["kind"] == "estimate" and estimate["reading"] == "garbled"
    assert len(rows) > 1000
    assert all(row["confidence"] >= p for row in rows for _, p in row["alternatives"])
    text = SAMPLE.read_text(encoding="utf-8")
    assert all(text[row["start"]:row["end"]] == row["original"] for row in rows)


# --- pipelines and habits -------------------------------------------------------------------


def test_a_pipe_gets_each_paragraph_before_the_input_ends():
    p = subprocess.Popen([sys.executable, "-m", "vnrestore", "clean", "-q"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=ENV)
    try:
        p.stdin.write((LINE + "\n").encode())  # one paragraph, then the producer waits
        p.stdin.flush()
        ready, _, _ = select.select([p.stdout], [], [], 90)
        assert ready, "no output while the producer waits"
        assert os.read(p.stdout.fileno(), 4096).decode() == GOOD + "\n"
        p.stdin.write(LINE.encode())
    finally:
        p.stdin.close()
        rest = p.stdout.read()
        p.wait(timeout=60)
    assert rest.decode() == GOOD


def test_help_summary_and_colour():
    for args in (["-h"], ["clean", "-h"], ["ocr", "-h"], ["eval", "-h"]):
        r = run(*args)
        assert r.exit_code == 0 and "Exit codes:" in r.stdout
    assert "Examples:" in run("clean", "-h").stdout
    r = run("clean", input=LINE)
    assert r.stderr.strip() == "vnrestore: 1 input, 13 words, 12 changed, 0 uncertain, 0 errors"
    assert run("clean", "-q", input=LINE).stderr == ""


@pytest.mark.parametrize("no_color", [False, True])
def test_diff_colour_follows_the_terminal_not_stdin(tmp_path, no_color):
    src = tmp_path / "a.txt"
    src.write_text(LINE, encoding="utf-8")
    env = {k: v for k, v in ENV.items() if k != "NO_COLOR"}
    if no_color:
        env["NO_COLOR"] = "1"
    master, slave = pty.openpty()
    p = subprocess.Popen([sys.executable, "-m", "vnrestore", "clean", "-q", "--diff",
                          str(src)], stdout=slave, stderr=subprocess.PIPE, env=env)
    os.close(slave)
    out = b""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    p.wait(timeout=60)
    os.close(master)
    assert b"d6i" in out
    assert (b"\x1b[" in out) is not no_color
    piped = cli("clean", "-q", "--diff", str(src), env=env)  # stdout a pipe: never colour
    assert b"\x1b[" not in piped.stdout
