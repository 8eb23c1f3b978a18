"""Running ``clean`` over stdin, files and directory trees (used by the CLI).

Each input succeeds or fails on its own: a bad file is reported on stderr, nothing is
written for it, the others go on, and the run ends with exit code 3.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO

from .errors import ExitCode, InputError, OutputError, UsageError, VnrestoreError


@dataclass
class Job:
    """Options that shape each restoration (picklable: sent to worker processes)."""

    tone_style: str = "old"
    lexicons: tuple[str, ...] = ()
    mark_uncertain: bool = False
    marker: str = "[[{}]]"
    threshold: float = 0.6
    encoding: str | None = None
    source: str = "auto"
    explain: bool = True  # keep every edit with its alternatives (for a --report)
    confidence: bool = True  # needed by --report, --diff and --mark-uncertain

    def run(self, text: str):
        from .pipeline import get_restorer
        from .render import mark_uncertain

        result = get_restorer(self.lexicons).restore(text, tone_style=self.tone_style,
                                                     source=self.source, explain=self.explain,
                                                     confidence=self.confidence)
        if self.mark_uncertain:
            result.text = mark_uncertain(result, self.marker, self.threshold)
        return result


@dataclass
class CleanOptions:
    paths: list[Path] = field(default_factory=list)
    output: Path | None = None
    out_dir: Path | None = None
    in_place: bool = False
    backup_suffix: str = ".orig"
    force: bool = False
    jobs: int = 1
    report: Path | None = None
    diff: bool = False
    quiet: bool = False


@dataclass
class Outcome:
    path: str
    ok: bool
    words: int = 0
    edits: list[dict] = field(default_factory=list)
    text: str | None = None  # when written to stdout by the parent
    diff: list[str] = field(default_factory=list)
    error: str = ""
    code: int = 0
    skipped: bool = False


def _validate(opts: CleanOptions) -> None:
    stdin = not opts.paths or opts.paths == [Path("-")]
    if sum(bool(x) for x in (opts.output, opts.out_dir, opts.in_place)) > 1:
        raise UsageError("choose one of -o, --out-dir and --in-place")
    if opts.output and not stdin and len(opts.paths) != 1:
        raise UsageError("-o takes exactly one input; use --out-dir for several")
    if Path("-") in opts.paths and len(opts.paths) > 1:
        raise UsageError("'-' (stdin) cannot be mixed with files")
    if stdin and (opts.out_dir or opts.in_place):
        raise UsageError("--out-dir and --in-place need input files")
    if not opts.backup_suffix:
        raise UsageError("--backup-suffix must not be empty: --in-place always keeps a backup")
    dirs = [p for p in opts.paths if p.is_dir()]
    if dirs and not (opts.out_dir or opts.in_place):
        raise UsageError(f"{dirs[0]} is a directory: give --out-dir (or --in-place)")
    for d in dirs:
        if opts.out_dir is not None and os.path.realpath(d) == os.path.realpath(opts.out_dir):
            raise UsageError(f"{d}: --out-dir is the input directory; choose another one "
                             "(or --in-place, which keeps backups)")


def run_clean(job: Job, opts: CleanOptions) -> ExitCode:
    _validate(opts)
    if job.encoding:
        from .encoding import codec_for

        codec_for(job.encoding)  # an unknown name fails once, as a usage error
    report = _open_report(opts.report)
    try:
        if not opts.paths or opts.paths == [Path("-")]:
            return _run_stream(job, opts, report)
        return _run_files(job, opts, report)
    finally:
        if report is not None:
            report.close()


def _open_report(path: Path | None) -> IO[str] | None:
    if path is None:
        return None
    try:
        return open(path, "w", encoding="utf-8")  # noqa: SIM115 - closed by run_clean
    except OSError as exc:
        raise OutputError(str(path), exc.strerror or str(exc)) from exc


def _write_report(report: IO[str] | None, path: str, edits: list[dict], line_offset: int = 0
                  ) -> None:
    if report is None:
        return
    for e in edits:
        row = {"file": path, **e, "line": e["line"] + 1 + line_offset, "column": e["column"] + 1}
        report.write(json.dumps(row, ensure_ascii=False) + "\n")


def _run_stream(job: Job, opts: CleanOptions, report: IO[str] | None) -> ExitCode:
    """stdin -> stdout (or -o) chunk by chunk, so input larger than memory streams."""
    from .files import atomic_writer, iter_text_chunks

    sink_cm = atomic_writer(opts.output) if opts.output else None
    out = sink_cm.__enter__() if sink_cm else sys.stdout
    lines_done = 0
    try:
        for chunk in iter_text_chunks(sys.stdin.buffer, job.encoding):
            from .render import diff_lines  # here: empty input must not load the models

            result = job.run(chunk)
            if report is not None:
                _write_report(report, "<stdin>", [e.as_dict() for e in result.edits],
                              lines_done)
            if opts.diff:
                for row in diff_lines(result, job.threshold, color=out.isatty()):
                    out.write(_shift_row(row, lines_done) + "\n")
            else:
                out.write(result.text)
            out.flush()
            lines_done += chunk.count("\n")
    except BaseException as exc:
        if sink_cm:
            sink_cm.__exit__(type(exc), exc, exc.__traceback__)
        raise
    if sink_cm:
        sink_cm.__exit__(None, None, None)
    return ExitCode.ok


def _plan(opts: CleanOptions) -> Iterator[tuple[Path, Path | None]]:
    """(input, output path or None for stdout) for every input file."""
    from .files import find_inputs

    exclude = [opts.out_dir] if opts.out_dir is not None else []
    for src, rel in find_inputs(opts.paths, exclude=exclude):
        if opts.in_place:
            yield src, src
        elif opts.out_dir is not None:
            yield src, opts.out_dir / rel
        elif opts.output is not None:
            yield src, opts.output
        else:
            yield src, None


def _is_fresh(src: Path, dst: Path | None, force: bool) -> bool:
    try:
        return (not force and dst is not None and dst != src
                and dst.stat().st_mtime >= src.stat().st_mtime)
    except OSError:
        return False


def _run_files(job: Job, opts: CleanOptions, report: IO[str] | None) -> ExitCode:
    from .files import check_unique_outputs

    plan = list(_plan(opts))
    for src, dst in plan:
        if not opts.in_place and dst is not None \
                and os.path.realpath(src) == os.path.realpath(dst):
            raise UsageError(f"{src}: the output would overwrite the input; use --in-place "
                             "(it keeps a backup) or write elsewhere")
    if opts.out_dir is not None:
        check_unique_outputs([(s, d) for s, d in plan if d is not None])
    # Only a mirrored tree skips up-to-date outputs; an output named with -o is always written.
    skip = opts.out_dir is not None and not opts.force
    todo = [(s, d) for s, d in plan if not (skip and _is_fresh(s, d, False))]
    skipped = len(plan) - len(todo)
    if skipped:
        _say(opts, f"skipped {skipped} file(s) whose output is newer (use --force to redo)")
    worst = ExitCode.ok
    progress = _Progress(len(todo), opts.quiet)
    for outcome in _execute(job, opts, todo):
        progress.update(outcome.words)
        if not outcome.ok:
            _say(opts, outcome.error, always=True)
            worst = max(worst, ExitCode(outcome.code))
            continue
        _write_report(report, outcome.path, outcome.edits)
        if outcome.diff:
            sys.stdout.write("".join(f"{outcome.path}:{row}\n" for row in outcome.diff))
        elif outcome.text is not None:
            sys.stdout.write(outcome.text)
            sys.stdout.flush()
    progress.done()
    return worst


def _execute(job: Job, opts: CleanOptions, todo: list[tuple[Path, Path | None]]
             ) -> Iterator[Outcome]:
    backup = opts.backup_suffix if opts.in_place else None
    args = [(job, src, dst, backup, opts.force, opts.diff) for src, dst in todo]
    if opts.jobs <= 1 or len(todo) <= 1:
        yield from (_clean_one(*a) for a in args)
        return
    # Files go to stdout in input order; workers only compute.
    with ProcessPoolExecutor(max_workers=min(opts.jobs, len(todo))) as pool:
        yield from pool.map(_clean_one, *zip(*args, strict=True), chunksize=1)


def _clean_one(job: Job, src: Path, dst: Path | None, backup: str | None, force: bool,
               diff: bool) -> Outcome:
    """Read, restore, write one file chunk by chunk (bounded memory); input and output
    problems become an Outcome.  Nothing is written for a file that fails."""
    from .files import atomic_writer

    try:
        if dst is not None and not diff:
            with atomic_writer(dst, backup_suffix=backup, overwrite_backup=force) as out:
                words, edits, rows = _stream_file(job, src, out, diff)
            return Outcome(str(src), True, words, edits, None, rows)
        # To stdout: spool, so a file that fails half-way prints nothing.
        with tempfile.SpooledTemporaryFile(max_size=8 << 20, mode="w+", encoding="utf-8",
                                           newline="") as spool:
            words, edits, rows = _stream_file(job, src, spool, diff)
            spool.seek(0)
            text = spool.read()
        return Outcome(str(src), True, words, edits, None if diff else text, rows)
    except VnrestoreError as exc:
        return Outcome(str(src), False, error=str(exc), code=int(exc.exit_code))


def _stream_file(job: Job, src: Path, out: IO[str], diff: bool
                 ) -> tuple[int, list[dict], list[str]]:
    from .files import iter_text_chunks, open_binary
    from .render import diff_lines

    words, edits, rows, lines = 0, [], [], 0
    with open_binary(src) as stream:
        for chunk in iter_text_chunks(stream, job.encoding, name=str(src)):
            result = job.run(chunk)
            words += len(chunk.split())
            if job.explain:  # only a --report needs the edits kept
                edits.extend({**e.as_dict(), "line": e.line + lines} for e in result.edits)
            if diff:
                rows.extend(_shift_row(row, lines) for row in diff_lines(result, job.threshold))
            else:
                out.write(result.text)
            lines += chunk.count("\n")
    return words, edits, rows


def _shift_row(row: str, lines: int) -> str:
    n, _, rest = row.partition(": ")
    return f"{int(n) + lines}: {rest}"


def _say(opts: CleanOptions, message: str, always: bool = False) -> None:
    if always or not opts.quiet:
        print(f"vnrestore: {message}", file=sys.stderr)


class _Progress:
    """A one-line progress display on stderr, only when stderr is a terminal."""

    def __init__(self, total: int, quiet: bool) -> None:
        self.total, self.done_files, self.words = total, 0, 0
        self.start = time.monotonic()
        self.on = not quiet and sys.stderr.isatty() and total > 1

    def update(self, words: int) -> None:
        self.done_files += 1
        self.words += words
        if self.on:
            rate = self.words / max(time.monotonic() - self.start, 1e-6)
            sys.stderr.write(f"\r{self.done_files}/{self.total} files  {rate:,.0f} words/s ")
            sys.stderr.flush()

    def done(self) -> None:
        if self.on:
            sys.stderr.write("\n")


# ------------------------------------------------------------------------------ ocr

OCR_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".pdf", ".bmp", ".webp")


@dataclass
class OcrOptions:
    paths: list[Path] = field(default_factory=list)
    output: Path | None = None
    out_dir: Path | None = None
    lang: str | None = None
    raw: bool = False
    hocr: bool = False
    use_text_layer: bool = False
    preprocess: tuple[str, ...] = ("grayscale", "upscale", "binarize", "deskew")
    jobs: int = 1
    report: Path | None = None
    quiet: bool = False


def _ocr_plan(opts: OcrOptions) -> list[tuple[Path, Path | None]]:
    from .files import find_inputs

    patterns = tuple(f"*{s}" for s in OCR_SUFFIXES) + tuple(f"*{s.upper()}" for s in OCR_SUFFIXES)
    ext = ".hocr" if opts.hocr else ".txt"
    plan = []
    for src, rel in find_inputs(opts.paths, patterns):
        if opts.out_dir is not None:
            plan.append((src, opts.out_dir / rel.with_suffix(ext)))
        else:
            plan.append((src, opts.output))
    return plan


def _ocr_one(job: Job, opts: OcrOptions, src: Path, dst: Path | None) -> Outcome:
    """OCR one image or PDF, restore each page, write text (pages split by form feed)."""
    from . import ocr
    from .files import atomic_write

    try:
        pre = ocr.Preprocess(**{name: name in opts.preprocess
                                for name in ("grayscale", "upscale", "binarize", "deskew")})
        if opts.hocr:
            text, edits = _ocr_hocr(job, opts, src, pre)
        else:
            lang, warning = ocr.choose_lang(opts.lang)
            if warning:
                print(f"vnrestore: {warning}", file=sys.stderr)
            pages = ocr.ocr_path(src, lang, pre, opts.use_text_layer, warn=lambda m: None)
            # The cleanup uses the channel that matches the OCR language.
            job = replace(job, source="vie-ocr" if lang.split("+")[0] == "vie" else "auto")
            results = [None if opts.raw else job.run(p) for p in pages]
            text = "\f".join(p if r is None else r.text for p, r in zip(pages, results,
                                                                        strict=True))
            edits = [{**e.as_dict(), "page": n + 1} for n, r in enumerate(results) if r
                     for e in r.edits]
        if dst is not None:
            atomic_write(dst, text)
        return Outcome(str(src), True, len(text.split()), edits, None if dst else text)
    except VnrestoreError as exc:
        return Outcome(str(src), False, error=str(exc), code=int(exc.exit_code))


def _ocr_hocr(job: Job, opts: OcrOptions, src: Path, pre) -> tuple[str, list[dict]]:
    """hOCR of every page with corrected words (bboxes kept), pages concatenated."""
    from . import ocr

    lang, warning = ocr.choose_lang(opts.lang)
    if warning:
        print(f"vnrestore: {warning}", file=sys.stderr)
    out = []
    for page in ocr.load_pages(src):
        if page.image is None:
            raise InputError(str(src), "--hocr needs page images, not a text layer")
        hocr = ocr.ocr_hocr(ocr.preprocess(page.image, pre), lang)
        if not opts.raw:
            hocr = ocr.hocr_replace_words(hocr, lambda words: _restore_words(job, words))
        out.append(hocr)
    return "\n".join(out), []


def _restore_words(job: Job, words: list[str]) -> list[str]:
    """Restore one hOCR line given as words; the word count is kept."""
    restored = job.run(" ".join(words)).text.split(" ")
    return restored if len(restored) == len(words) else words


def run_ocr(job: Job, opts: OcrOptions) -> ExitCode:
    from . import ocr

    if opts.output and len(opts.paths) != 1:
        raise UsageError("-o takes exactly one input; use --out-dir for several")
    if opts.output and opts.out_dir:
        raise UsageError("choose one of -o and --out-dir")
    dirs = [p for p in opts.paths if p.is_dir()]
    if dirs and not opts.out_dir:
        raise UsageError(f"{dirs[0]} is a directory: give --out-dir")
    ocr.probe_tesseract()  # fail early, with the install command, if it is missing
    plan = _ocr_plan(opts)
    report = _open_report(opts.report)
    worst = ExitCode.ok
    progress = _Progress(len(plan), opts.quiet)
    try:
        if opts.jobs > 1 and len(plan) > 1:
            with ProcessPoolExecutor(max_workers=min(opts.jobs, len(plan))) as pool:
                outcomes = list(pool.map(_ocr_one, *zip(*[(job, opts, s, d) for s, d in plan],
                                                        strict=True)))
        else:
            outcomes = (_ocr_one(job, opts, s, d) for s, d in plan)
        for outcome in outcomes:
            progress.update(outcome.words)
            if not outcome.ok:
                print(f"vnrestore: {outcome.error}", file=sys.stderr)
                worst = max(worst, ExitCode(outcome.code))
                continue
            _write_report(report, outcome.path, outcome.edits)
            if outcome.text is not None:
                sys.stdout.write(outcome.text + "\n")
    finally:
        progress.done()
        if report is not None:
            report.close()
    return worst
