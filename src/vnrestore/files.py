"""Safe file input and output for the command line.

* Reading turns every problem (missing, directory, permission, binary, undecodable) into an
  ``InputError`` with the path and a one-line reason.
* Streaming (``iter_text_chunks``) decodes stdin or a huge file in bounded memory, yielding
  text chunks that end at line boundaries.
* Writing is atomic: a temporary file in the target's directory, fsync, ``os.replace``.
  On any failure, Ctrl-C included, the temporary file is removed and the target is untouched.
* ``find_inputs`` expands directories into (input, relative output path) pairs for mirroring.
"""

from __future__ import annotations

import fnmatch
import io
import os
import re
import secrets
import select
import shutil
import stat
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, TextIO

from .encoding import Codec, check_not_binary, codec_for, decode_bytes, detect
from .errors import InputError, OutputError, UsageError

READ_SIZE = 64 * 1024  # bytes per read of an input
HEAD_LIMIT = 1024 * 1024  # an all-ASCII start is read up to this far before deciding
DEFAULT_PATTERNS = ("*.txt",)
TEMP_SUFFIX = ".vnrestore-tmp"


def _reason(exc: OSError) -> str:
    """"No space left on device" -> "no space left on device" (our reasons are lowercase)."""
    text = exc.strerror or str(exc)
    return text[:1].lower() + text[1:]


# --- reading ------------------------------------------------------------------------------

@contextmanager
def _input_errors(path: Path) -> Iterator[None]:
    """OSError while opening or reading ``path`` -> InputError with a one-line reason."""
    name = str(path)
    try:
        yield
    except FileNotFoundError:
        broken = path.is_symlink()
        raise InputError(name, "broken symbolic link" if broken else "file not found") from None
    except PermissionError:
        raise InputError(name, "permission denied") from None
    except IsADirectoryError:
        raise InputError(name, "is a directory") from None
    except OSError as exc:
        raise InputError(name, f"cannot read: {_reason(exc)}") from None


def open_binary(path: Path) -> BinaryIO:
    """Open an input for reading bytes (e.g. for ``iter_text_chunks``); InputError if not.

    Directories, devices and sockets are refused; FIFOs are fine (``<(command)``).
    """
    path = Path(path)
    with _input_errors(path):
        st = path.stat()
        if stat.S_ISDIR(st.st_mode):
            raise InputError(str(path), "is a directory")
        if not (stat.S_ISREG(st.st_mode) or stat.S_ISFIFO(st.st_mode)):
            raise InputError(str(path), "not a regular file")
        return open(path, "rb")  # noqa: SIM115 - the caller closes it


def read_text(path: Path, encoding: str | None = None) -> str:
    """The whole file as NFC text (encoding detected unless given); "" for an empty file."""
    path = Path(path)
    with open_binary(path) as f, _input_errors(path):
        data = f.read()
    return decode_bytes(data, encoding, str(path))[0]


# --- streaming ----------------------------------------------------------------------------

def _read(stream: BinaryIO, size: int) -> bytes:
    """Up to ``size`` bytes, without waiting for more than one read of a pipe: a slow
    producer (``tail -f``) must not hold back what it already wrote."""
    read1 = getattr(stream, "read1", None)
    return (read1(size) if read1 is not None else stream.read(size)) or b""


def _waiting(stream: BinaryIO) -> bool:
    """Is ``stream`` a pipe or terminal with nothing to read right now?"""
    try:
        fd = stream.fileno()
        if stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        return not select.select([fd], [], [], 0)[0]
    except (OSError, ValueError, io.UnsupportedOperation):
        return False


def _read_head(stream: BinaryIO, read_size: int) -> bytes:
    """The first read; more while it is pure ASCII, which says nothing about the
    encoding, unless the producer has nothing more to give yet."""
    head = _read(stream, read_size)
    while head.isascii() and len(head) < HEAD_LIMIT and not _waiting(stream):
        more = _read(stream, read_size)
        if not more:
            break
        head += more
    return head


def _reads(stream: BinaryIO, head: bytes, read_size: int) -> Iterator[bytes]:
    yield head
    while data := _read(stream, read_size):
        yield data


_VIQR_MARK_CHARS = "^(+`?~.'\\"


def _glued(ch: str) -> bool:
    """Might ``ch`` belong to the letter before it?  Combining marks, and before the text
    step, a VNI mark (still Latin-1, e.g. "ä") or a VIQR mark ("^")."""
    return bool(unicodedata.combining(ch)) or not ch.isascii() or ch in _VIQR_MARK_CHARS


def _split_point(text: str, limit: int) -> int:
    """Where to cut a line longer than ``limit``: after whitespace near the limit if there
    is some, else at the limit, moved back so a letter keeps its marks."""
    start = limit - limit // 8
    for i in range(limit - 1, start - 1, -1):
        if text[i].isspace():
            return i + 1
    cut = limit
    while cut > limit - 16 and cut > 1 and _glued(text[cut]):
        cut -= 1
    return cut


_BLANK_LINE = re.compile(r"\n[^\S\n]*\n")


class _Chunker:
    """Collects decoded text and hands out pieces that end at line boundaries.

    A piece holds ``chunk_lines`` lines, or fewer once it reaches ``chunk_chars``
    characters; what is kept back is less than ``chunk_chars`` (or one line of at most
    ``max_line``), so memory stays bounded.
    """

    def __init__(self, chunk_lines: int, chunk_chars: int, max_line: int,
                 line_cap: int = 40) -> None:
        self.chunk_lines, self.chunk_chars, self.max_line = chunk_lines, chunk_chars, max_line
        self.line_cap = line_cap
        self.parts: list[str] = []
        self.size = self.lines = 0

    def feed(self, text: str) -> Iterator[str]:
        self.parts.append(text)
        self.size += len(text)
        self.lines += text.count("\n")
        if self.lines < self.chunk_lines and self.size < self.chunk_chars:
            return
        buf = "".join(self.parts)
        start = 0
        for end in self._piece_ends(buf):
            yield buf[start:end]
            start = end
        rest = buf[start:]
        if len(rest) >= self.chunk_chars:  # complete lines go now; a long last line is cut
            cut = rest.rfind("\n") + 1
            if cut:
                yield rest[:cut]
                rest = rest[cut:]
            while len(rest) > self.max_line:
                cut = _split_point(rest, self.max_line)
                yield rest[:cut]
                rest = rest[cut:]
        self.parts, self.size, self.lines = [rest], len(rest), rest.count("\n")

    def _piece_ends(self, buf: str) -> Iterator[int]:
        start = pos = lines = 0
        while (nl := buf.find("\n", pos)) >= 0:
            pos, lines = nl + 1, lines + 1
            if lines >= self.chunk_lines or pos - start >= self.chunk_chars:
                yield pos
                start, lines = pos, 0

    def ready(self) -> Iterator[str]:
        """What a reader waiting on a slow producer should get now: the complete
        paragraphs (up to the last blank line), or else the complete lines once there are
        ``line_cap`` of them."""
        buf = "".join(self.parts)
        cut = 0
        for m in _BLANK_LINE.finditer(buf):
            cut = m.end()
        if not cut and buf.count("\n") >= self.line_cap:
            cut = buf.rfind("\n") + 1
        self.parts = [buf[cut:]]
        self.size, self.lines = len(buf) - cut, self.parts[0].count("\n")
        if cut:
            yield buf[:cut]

    def flush(self) -> Iterator[str]:
        buf = "".join(self.parts)
        self.parts, self.size, self.lines = [], 0, 0
        if buf:
            yield buf


def _stream_codec(head: bytes, encoding: str | None, name: str) -> Codec:
    if encoding:
        codec = codec_for(encoding)
        check_not_binary(head, codec, name)
        return codec
    return detect(head, name, complete=False)


def iter_text_chunks(stream: BinaryIO, encoding: str | None = None, chunk_lines: int = 2000,
                     *, name: str = "<stdin>", chunk_chars: int = 1 << 18,
                     max_line: int = 1 << 18, read_size: int = READ_SIZE) -> Iterator[str]:
    """Decode a byte stream into NFC text chunks that end at line boundaries.

    A chunk is yielded once ``chunk_lines`` lines or ``chunk_chars`` characters are pending,
    so memory stays bounded whatever the input size.  A line longer than ``max_line``
    characters is cut after whitespace near the limit.  The encoding is decided from the
    first read (further reads while it is pure ASCII, up to 1 MB) and then applied
    incrementally; a later undecodable byte or NUL raises InputError.

    A pipe whose producer pauses (``tail -f``) gets its complete paragraphs out at once
    (``_Chunker.ready``); a file or a fast producer still gets big chunks (throughput).
    """
    head = _read_head(stream, read_size)
    if not head:
        return
    codec = _stream_codec(head, encoding, name)
    decoder = codec.decoder(name)
    chunker = _Chunker(chunk_lines, chunk_chars, max_line)
    for data in _reads(stream, head, read_size):
        if not codec.wide and 0 in data:
            where = decoder.offset + data.index(0)
            raise InputError(name, f"binary file (NUL byte at offset {where}); not text")
        for piece in chunker.feed(decoder.decode(data)):
            yield codec.finish(piece)
        if len(data) < read_size and _waiting(stream):
            for piece in chunker.ready():
                yield codec.finish(piece)
    for piece in chunker.feed(decoder.decode(b"", final=True)):
        yield codec.finish(piece)
    for piece in chunker.flush():
        yield codec.finish(piece)


# --- writing ------------------------------------------------------------------------------

class OutputStream(io.TextIOWrapper):
    """A UTF-8 text stream whose write errors (disk full, broken pipe, permission) are
    OutputErrors naming the target, so the CLI prints one line and exits with 4."""

    target = ""

    def write(self, s: str) -> int:
        try:
            return super().write(s)
        except OSError as exc:
            raise OutputError(self.target, _reason(exc)) from exc

    def flush(self) -> None:
        try:
            super().flush()
        except OSError as exc:
            raise OutputError(self.target, _reason(exc)) from exc


def text_stream(fd: int, target: str, *, close: bool = True) -> OutputStream:
    """UTF-8 text on the file descriptor ``fd`` (no newline translation)."""
    raw = io.FileIO(fd, "w", closefd=close)
    out = OutputStream(io.BufferedWriter(raw), encoding="utf-8", newline="")
    out.target = target
    return out


class Guarded:
    """A text stream (stdout) whose write errors are OutputErrors naming ``target``."""

    def __init__(self, stream: TextIO, target: str = "<stdout>") -> None:
        self.stream, self.target = stream, target

    def write(self, s: str) -> int:
        try:
            return self.stream.write(s)
        except OSError as exc:
            raise OutputError(self.target, _reason(exc)) from exc

    def flush(self) -> None:
        try:
            self.stream.flush()
        except OSError as exc:
            raise OutputError(self.target, _reason(exc)) from exc

    def isatty(self) -> bool:
        return self.stream.isatty()


# Descriptors that name an already open stream: writing there must go through that
# stream (a reopen would truncate a file the shell opened with >>, or move its offset).
_FD_PATHS = {"/dev/stdout": 1, "/dev/stderr": 2, "/proc/self/fd/1": 1,
             "/proc/self/fd/2": 2}


def _special_fd(path: Path) -> int | None:
    """An open descriptor to write into for ``path``, if it is not a regular file: a
    device (/dev/null, /dev/full, a terminal), a FIFO, a socket or /dev/stdout.  None for
    regular files and new paths, which are written atomically."""
    name = str(path)
    if name in _FD_PATHS or name.startswith(("/dev/fd/", "/proc/self/fd/")):
        fd = _FD_PATHS.get(name) or int(name.rsplit("/", 1)[1])
        try:
            return os.dup(fd)
        except OSError as exc:
            raise OutputError(name, _reason(exc)) from None
    try:
        st = path.stat()
    except OSError:
        return None  # a new file
    if stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode):
        return None
    try:
        # No O_CREAT or O_TRUNC: write into what is there, never replace it.
        return os.open(path, os.O_WRONLY)
    except OSError as exc:
        raise OutputError(name, _reason(exc)) from None


def _resolve_target(path: Path, overwrite: bool) -> Path:
    # Through a symlink, the file it points to is replaced, not the link.
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    if target.is_dir():
        raise OutputError(str(path), "is a directory")
    if not overwrite and target.exists():
        raise OutputError(str(path), "already exists; use --force to overwrite it")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(str(target.parent), f"cannot create directory: {_reason(exc)}") from None
    return target


def _open_temp(target: Path) -> tuple[Path, int]:
    """A new hidden file next to ``target``; mode 0666 minus umask, like a normal file."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}{TEMP_SUFFIX}")
        try:
            return tmp, os.open(tmp, flags, 0o666)
        except FileExistsError:
            continue
        except OSError as exc:
            raise OutputError(str(target), f"cannot write: {_reason(exc)}") from None


def backup_path(target: Path, suffix: str, numbered: bool) -> Path:
    """Where the file ``target`` is kept before it is replaced.

    The rule that never loses an original: a backup is never overwritten.  The first is
    ``target + suffix``; when it exists, ``numbered`` (--force) takes the next free
    ``target + suffix + ".N"``, else it is an OutputError.  So ``.orig`` always holds the
    very first version (the raw OCR) and every later version is kept too.
    """
    first = target.with_name(target.name + suffix)
    if not (first.exists() or first.is_symlink()):
        return first
    if not numbered:
        raise OutputError(str(first), "backup already exists; move it away, or use --force "
                                      f"to keep it and add {first.name}.1")
    n = 1
    while True:
        nth = target.with_name(f"{first.name}.{n}")
        if not (nth.exists() or nth.is_symlink()):
            return nth
        n += 1


def _make_backup(target: Path, suffix: str, numbered: bool) -> Path | None:
    """Keep the current ``target`` (a copy: it stays in place until replaced); the path
    made, None when there is nothing to keep."""
    if not target.exists():
        return None
    while True:
        backup = backup_path(target, suffix, numbered)
        tmp, fd = _open_temp(backup)
        os.close(fd)
        try:
            shutil.copy2(target, tmp)
            _place(tmp, backup, overwrite=False)
            return backup
        except FileExistsError:
            if not numbered:  # taken since we looked: still never overwritten
                raise OutputError(str(backup), "backup already exists; move it away or "
                                               "use --force") from None
        finally:
            _unlink(tmp)


def _place(tmp: Path, dest: Path, overwrite: bool) -> None:
    """Move ``tmp`` to ``dest``; without ``overwrite``, FileExistsError if ``dest`` exists."""
    if overwrite:
        os.replace(tmp, dest)
        return
    try:
        os.link(tmp, dest)  # atomic "create if absent", unlike exists() + replace()
    except FileExistsError:
        raise
    except OSError:  # no hard links on this filesystem
        if dest.exists():
            raise FileExistsError(str(dest)) from None
        os.replace(tmp, dest)
    else:
        _unlink(tmp)


def _unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _fsync_dir(directory: Path) -> None:
    """Make the rename durable; not possible on every platform, so best effort."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _commit(tmp: Path, target: Path, backup_suffix: str | None, more_backups: bool,
            overwrite: bool) -> None:
    """Backup, then move the finished temp file into place."""
    try:
        if target.exists():
            os.chmod(tmp, stat.S_IMODE(target.stat().st_mode))  # keep the file's permissions
        backup = _make_backup(target, backup_suffix, more_backups) if backup_suffix else None
        try:
            _place(tmp, target, overwrite)
        except BaseException:
            if backup is not None:
                _unlink(backup)  # the target is untouched: the copy we just made is moot
            raise
    except FileExistsError:
        raise OutputError(str(target), "already exists; use --force to overwrite it") from None
    except OSError as exc:
        raise OutputError(str(target), _reason(exc)) from None
    _fsync_dir(target.parent)


@contextmanager
def _into_special(fd: int, name: str) -> Iterator[TextIO]:
    out = text_stream(fd, name)
    try:
        yield out
        out.flush()
    finally:
        try:
            out.close()
        except (OSError, OutputError):
            pass


@contextmanager
def atomic_writer(path: Path, *, backup_suffix: str | None = None, overwrite: bool = True,
                  more_backups: bool = False) -> Iterator[TextIO]:
    """A UTF-8 text file that appears at ``path`` only when the ``with`` block succeeds.

    See ``atomic_write`` for the options.  Newlines are written as given (no translation).
    A path that is not a regular file (a device, a FIFO, /dev/stdout) is written into
    directly: it is never replaced by a file.
    """
    path = Path(path)
    fd = _special_fd(path)
    if fd is not None:
        with _into_special(fd, str(path)) as out:
            yield out
        return
    target = _resolve_target(path, overwrite)
    if backup_suffix and target.exists():
        backup_path(target, backup_suffix, more_backups)  # refuse before any work
    tmp, fd = _open_temp(target)
    f = None
    try:
        f = text_stream(fd, str(path))
        yield f
        f.flush()
        try:
            os.fsync(f.fileno())
            f.close()
        except OSError as exc:
            raise OutputError(str(path), _reason(exc)) from None
        _commit(tmp, target, backup_suffix, more_backups, overwrite)
    except BaseException:
        if f is not None:
            try:
                f.close()
            except (OSError, OutputError):
                pass
        else:
            os.close(fd)
        _unlink(tmp)
        raise


@contextmanager
def atomic_path(path: Path, *, backup_suffix: str | None = None, overwrite: bool = True,
                more_backups: bool = False) -> Iterator[Path]:
    """A temporary path next to ``path`` for a writer that wants a file name (a PDF
    library); what the block leaves there appears at ``path`` only when it succeeds, with
    the same backups and refusals as ``atomic_write``.  A device or FIFO gets the bytes
    copied into it."""
    path = Path(path)
    fd = _special_fd(path)
    target = path if fd is not None else _resolve_target(path, overwrite)
    if fd is None and backup_suffix and target.exists():
        backup_path(target, backup_suffix, more_backups)  # refuse before any work
    tmp, tmp_fd = _open_temp(target if fd is None else Path(tempfile.gettempdir()) / "out")
    os.close(tmp_fd)
    try:
        yield tmp
        if fd is not None:
            with open(tmp, "rb") as src, open(fd, "wb", closefd=True) as out:
                shutil.copyfileobj(src, out)
            fd = None
            return
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        _commit(tmp, target, backup_suffix, more_backups, overwrite)
    except OSError as exc:
        raise OutputError(str(path), _reason(exc)) from None
    finally:
        if fd is not None:
            os.close(fd)
        _unlink(tmp)


def atomic_write(path: Path, text: str, *, backup_suffix: str | None = None,
                 overwrite: bool = True, more_backups: bool = False) -> None:
    """Write ``text`` as UTF-8 to ``path`` atomically; no partial file is ever left.

    ``backup_suffix`` keeps the previous file (see ``backup_path``: a backup is never
    overwritten; ``more_backups`` numbers further ones instead of refusing).
    ``overwrite=False`` refuses an existing ``path``.  Missing parent directories are
    created; a symlink's target is written; the file keeps its permission bits; a device
    or FIFO is written into.  Errors are OutputError.
    """
    with atomic_writer(path, backup_suffix=backup_suffix, overwrite=overwrite,
                       more_backups=more_backups) as f:
        f.write(text)


# --- finding inputs -----------------------------------------------------------------------

def _skipped(name: str, skip_suffixes: tuple[str, ...]) -> bool:
    return name.startswith(".") or name.endswith(skip_suffixes)


def _matches(name: str, patterns: Iterable[str]) -> bool:
    low = name.lower()  # "*.txt" also takes "NOTES.TXT" from Windows
    return any(fnmatch.fnmatchcase(low, p.lower()) for p in patterns)


def _walk(top: Path, patterns: tuple[str, ...], skip_suffixes: tuple[str, ...],
          exclude: set[str]) -> Iterator[Path]:
    # Symlinked directories are not followed (no loops); symlinked files are taken.
    for root, dirs, names in os.walk(top):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                         and os.path.realpath(os.path.join(root, d)) not in exclude)
        for name in sorted(names):
            if not _skipped(name, skip_suffixes) and _matches(name, patterns):
                yield Path(root, name)


def find_inputs(paths: list[Path], patterns: tuple[str, ...] = DEFAULT_PATTERNS, *,
                skip_suffixes: tuple[str, ...] = (".orig",), exclude: Iterable[Path] = ()
                ) -> list[tuple[Path, Path]]:
    """(input file, output path relative to the output directory) for every input.

    * A file named on the command line is taken as it is, whatever its name, with its bare
      name as the relative output path; a path that does not exist is passed on too, so
      reading it reports the error for that input alone.
    * A directory contributes its files matching ``patterns`` (default ``*.txt``, case
      insensitive) in its whole tree, with their path relative to that directory; hidden
      files and directories, backups (``skip_suffixes``) and the directories in
      ``exclude`` (pass the output directory, so a second run does not read its own
      output) are left out.
    The same file reached twice is listed once.  See ``check_unique_outputs``.
    """
    pairs: list[tuple[Path, Path]] = []
    seen: set[str] = set()
    skip_dirs = {os.path.realpath(p) for p in exclude}
    for p in map(Path, paths):
        items = ([(f, f.relative_to(p)) for f in _walk(p, tuple(patterns), skip_suffixes,
                                                       skip_dirs)]
                 if p.is_dir() else [(p, Path(p.name))])
        for src, rel in items:
            key = os.path.realpath(src)
            if key not in seen:
                seen.add(key)
                pairs.append((src, rel))
    return pairs


def check_unique_outputs(pairs: list[tuple[Path, Path]]) -> None:
    """UsageError if two inputs would be mirrored to the same output (for --out-dir)."""
    owner: dict[Path, Path] = {}
    for src, rel in pairs:
        if rel in owner:
            raise UsageError(f"{owner[rel]} and {src} would both be written to {rel}; "
                             "process them separately")
        owner[rel] = src
