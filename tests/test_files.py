"""Safe file IO: reading with one-line errors, streaming, atomic writes, finding inputs."""

from __future__ import annotations

import io
import json
import os
import stat
import sys
import threading
from pathlib import Path

import pytest
from legacy_encode import encode_legacy

from vnrestore import files
from vnrestore.encoding import decode_bytes
from vnrestore.errors import ExitCode, InputError, OutputError, UsageError
from vnrestore.files import (
    atomic_write,
    atomic_writer,
    check_unique_outputs,
    find_inputs,
    iter_text_chunks,
    read_text,
)

BAD = Path(__file__).parent / "data" / "bad_inputs"
EXPECTED = json.loads((BAD / "expected.json").read_text(encoding="utf-8"))
VN = "Cộng hòa xã hội chủ nghĩa Việt Nam. Độc lập - Tự do - Hạnh phúc.\n"


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(files.TEMP_SUFFIX))


# --- reading ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_read_text_on_bad_inputs(name):
    want = EXPECTED[name]
    path = BAD / name
    if want["ok"]:
        assert read_text(path).startswith(want.get("text_startswith", ""))
        return
    with pytest.raises(InputError) as err:
        read_text(path)
    assert err.value.exit_code == want["exit_code"]
    assert err.value.path == str(path) and "\n" not in str(err.value)


def test_read_text_reasons(tmp_path):
    cases = {tmp_path / "missing.txt": "file not found", tmp_path: "is a directory"}
    link = tmp_path / "dangling.txt"
    link.symlink_to(tmp_path / "nowhere")
    cases[link] = "broken symbolic link"
    for path, reason in cases.items():
        with pytest.raises(InputError) as err:
            read_text(path)
        assert err.value.reason == reason and err.value.path == str(path)


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root reads anything")
def test_read_text_permission_denied(tmp_path):
    p = tmp_path / "secret.txt"
    p.write_text("x", encoding="utf-8")
    p.chmod(0)
    with pytest.raises(InputError, match="permission denied"):
        read_text(p)


def test_read_text_empty_and_forced_encoding(tmp_path):
    p = tmp_path / "e.txt"
    p.write_bytes(b"")
    assert read_text(p) == ""
    p.write_bytes(encode_legacy(VN, "vni"))
    assert read_text(p, "vni") == VN
    assert read_text(p) == VN


def test_read_text_device_is_refused():
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    with pytest.raises(InputError, match="not a regular file"):
        read_text(Path("/dev/zero"))


# --- streaming ----------------------------------------------------------------------------

def _chunks(data: bytes, encoding=None, **kw) -> list[str]:
    return list(iter_text_chunks(io.BytesIO(data), encoding, **kw))


@pytest.mark.parametrize("enc", ["utf-8", "utf-16", "vni", "tcvn3", "cp1258", "viqr"])
def test_stream_equals_whole_decode(enc):
    text = "".join(f"{i}. {VN}" for i in range(3000))
    if enc == "tcvn3":
        text = text.replace("Độc", "độc")  # TCVN3 has no capital Ộ
    data = text.encode(enc) if enc.startswith("utf") else encode_legacy(text, enc)
    chunks = _chunks(data, chunk_lines=100, read_size=4096)
    assert len(chunks) > 10
    assert all(c.endswith("\n") for c in chunks)
    assert "".join(chunks) == text == decode_bytes(data)[0]


def test_stream_forced_encoding_and_empty_input():
    assert _chunks(b"") == []
    assert _chunks(encode_legacy(VN, "vni"), "vni") == [VN]
    assert _chunks(b"no newline at end") == ["no newline at end"]


def test_stream_long_line_is_split_at_whitespace():
    line = ("Việt Nam " * 700_000).rstrip()  # ~6 MB of UTF-8, no newline
    chunks = _chunks(line.encode(), max_line=1 << 20)
    assert "".join(chunks) == line
    assert len(chunks) >= 5
    assert all(len(c) <= 1 << 20 for c in chunks)
    assert all(c.endswith(" ") for c in chunks[:-1])


def test_stream_long_line_without_spaces_keeps_marks_with_letters():
    line = "Vie\u0302\u0323t" * 5000  # NFD: letters with two combining marks
    chunks = _chunks(line.encode(), max_line=1000, chunk_chars=1000)
    assert "".join(chunks) == "Việt" * 5000
    assert all(len(c) <= 1000 for c in chunks)


def test_stream_memory_stays_bounded():
    class Endless(io.RawIOBase):
        """Yields 64 MB of text on demand without holding it."""

        def __init__(self) -> None:
            self.left = 64 << 20

        def readable(self) -> bool:
            return True

        def readinto(self, b) -> int:
            n = min(len(b), self.left)
            block = (VN.encode() * (n // len(VN.encode()) + 1))[:n]
            b[:n] = block
            self.left -= n
            return n

    it = iter_text_chunks(io.BufferedReader(Endless()), chunk_lines=2000)
    sizes = [len(next(it)) for _ in range(50)]  # read only the start, lazily
    assert max(sizes) < 2 * 2000 * len(VN)


def test_stream_errors_after_the_first_block():
    good = VN.encode() * 2000
    with pytest.raises(InputError, match=r"not valid UTF-8 \(byte 0xff at offset"):
        list(iter_text_chunks(io.BytesIO(good + b"\xff\xfe oops\n"), name="in.txt"))
    with pytest.raises(InputError, match="NUL byte"):
        list(iter_text_chunks(io.BytesIO(good + b"\x00\x00"), name="in.txt"))
    with pytest.raises(InputError, match="PNG image"):
        list(iter_text_chunks(io.BytesIO(b"\x89PNG\r\n\x1a\n\x00\x00")))


def test_stream_detects_legacy_after_a_long_ascii_start():
    data = b"plain ascii line\n" * 20_000 + encode_legacy(VN * 5, "vni")
    assert "".join(_chunks(data)) == "plain ascii line\n" * 20_000 + VN * 5


# --- atomic writes ------------------------------------------------------------------------

def test_atomic_write_creates_parents_and_keeps_newlines(tmp_path):
    p = tmp_path / "a" / "b" / "out.txt"
    atomic_write(p, "một\r\nhai\n")
    assert p.read_bytes() == "một\r\nhai\n".encode()
    assert _leftovers(p.parent) == []


def test_atomic_write_backup_and_refusal(tmp_path):
    p = tmp_path / "doc.txt"
    p.write_text("original", encoding="utf-8")
    atomic_write(p, "new", backup_suffix=".orig")
    assert p.read_text(encoding="utf-8") == "new"
    assert (tmp_path / "doc.txt.orig").read_text(encoding="utf-8") == "original"
    with pytest.raises(OutputError) as err:
        atomic_write(p, "newer", backup_suffix=".orig")
    assert err.value.exit_code == ExitCode.output_error
    assert "backup already exists" in err.value.reason
    assert p.read_text(encoding="utf-8") == "new"  # nothing touched
    assert (tmp_path / "doc.txt.orig").read_text(encoding="utf-8") == "original"
    # --force never overwrites a backup either: the next one is numbered.
    atomic_write(p, "newer", backup_suffix=".orig", more_backups=True)
    atomic_write(p, "newest", backup_suffix=".orig", more_backups=True)
    versions = [(tmp_path / n).read_text(encoding="utf-8")
                for n in ("doc.txt.orig", "doc.txt.orig.1", "doc.txt.orig.2", "doc.txt")]
    assert versions == ["original", "new", "newer", "newest"]
    assert _leftovers(tmp_path) == []


def test_special_files_are_written_into_never_replaced(tmp_path):
    atomic_write(Path("/dev/null"), "x")
    assert Path("/dev/null").is_char_device()
    with pytest.raises(OutputError) as err:
        atomic_write(Path("/dev/full"), "x" * 100_000)
    assert err.value.path == "/dev/full" and "no space" in err.value.reason
    assert Path("/dev/full").is_char_device()
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    atomic_write(fifo, "một\n")
    reader.join(timeout=10)
    assert got == ["một\n".encode()] and stat.S_ISFIFO(fifo.stat().st_mode)


def test_atomic_write_no_overwrite(tmp_path):
    p = tmp_path / "x.txt"
    atomic_write(p, "1", overwrite=False)
    with pytest.raises(OutputError, match="already exists"):
        atomic_write(p, "2", overwrite=False)
    assert p.read_text(encoding="utf-8") == "1"
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("exc", [RuntimeError("boom"), KeyboardInterrupt()])
def test_exception_mid_write_leaves_original_and_no_temp(tmp_path, exc):
    p = tmp_path / "doc.txt"
    p.write_text("original", encoding="utf-8")
    with pytest.raises(type(exc)):
        with atomic_writer(p, backup_suffix=".orig") as f:
            f.write("half of the new text" * 10_000)
            f.flush()
            assert _leftovers(tmp_path)  # the temp file exists while writing
            raise exc
    assert p.read_text(encoding="utf-8") == "original"
    assert not (tmp_path / "doc.txt.orig").exists()
    assert _leftovers(tmp_path) == []


def test_failing_rename_is_an_output_error_and_cleans_up(tmp_path, monkeypatch):
    p = tmp_path / "doc.txt"
    p.write_text("original", encoding="utf-8")

    def full_disk(*_a, **_k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "replace", full_disk)
    with pytest.raises(OutputError) as err:
        atomic_write(p, "new")
    assert err.value.reason == "no space left on device"
    assert p.read_text(encoding="utf-8") == "original"
    assert _leftovers(tmp_path) == []


def test_atomic_write_keeps_mode_and_follows_symlinks(tmp_path):
    real = tmp_path / "real.txt"
    real.write_text("old", encoding="utf-8")
    real.chmod(0o640)
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    atomic_write(link, "new")
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "new"
    assert real.stat().st_mode & 0o777 == 0o640


def test_atomic_write_to_a_directory_fails(tmp_path):
    with pytest.raises(OutputError, match="is a directory"):
        atomic_write(tmp_path, "x")


def test_atomic_writer_streams(tmp_path):
    p = tmp_path / "s.txt"
    with atomic_writer(p) as f:
        for i in range(1000):
            f.write(f"dòng {i}\n")
        assert not p.exists()  # only appears when complete
    assert p.read_text(encoding="utf-8").count("\n") == 1000


# --- finding inputs -----------------------------------------------------------------------

def test_find_inputs_mirrors_trees(tmp_path):
    tree = tmp_path / "in"
    for rel in ["a.txt", "B.TXT", "sub/c.txt", "sub/d.md", "a.txt.orig", ".hidden.txt",
                ".git/e.txt", "sub/.cache/f.txt"]:
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        (tree / rel).write_text("x", encoding="utf-8")
    single = tmp_path / "notes.md"
    single.write_text("x", encoding="utf-8")
    pairs = find_inputs([tree, single, tmp_path / "missing.txt", tree / "a.txt"])
    assert [(str(s.relative_to(tmp_path)), str(r)) for s, r in pairs] == [
        ("in/B.TXT", "B.TXT"), ("in/a.txt", "a.txt"), ("in/sub/c.txt", "sub/c.txt"),
        ("notes.md", "notes.md"), ("missing.txt", "missing.txt"),
    ]
    assert [str(r) for _, r in find_inputs([tree], ("*.md",))] == ["sub/d.md"]
    assert [str(r) for _, r in find_inputs([tree], exclude=[tree / "sub"])] == ["B.TXT", "a.txt"]


def test_check_unique_outputs(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    pairs = [(tmp_path / "x" / "a.txt", Path("a.txt")), (tmp_path / "y" / "a.txt", Path("a.txt"))]
    with pytest.raises(UsageError, match="both be written to a.txt"):
        check_unique_outputs(pairs)
    check_unique_outputs(pairs[:1])


def test_open_binary_streams_a_file(tmp_path):
    p = tmp_path / "big.txt"
    p.write_bytes(encode_legacy(VN * 3000, "tcvn3", "fold"))
    with files.open_binary(p) as f:
        chunks = list(iter_text_chunks(f, name=str(p), chunk_lines=500))
    assert len(chunks) == 6 and "".join(chunks) == read_text(p)
    with pytest.raises(InputError, match="is a directory"):
        files.open_binary(tmp_path)
