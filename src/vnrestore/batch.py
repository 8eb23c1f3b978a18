"""Running the commands over stdin, files and directory trees (the CLI's engine room).

Every batch command (``clean``, ``ocr``, ``pdf``) is one loop: **plan** the tasks (input,
output) and check them, **execute** them (in this process, in worker processes that stream
their outcomes back as they finish, or on a Dask cluster: ``cluster.py``), and **report**
each outcome as it comes (text to stdout, the JSONL report, progress) and a summary line
at the end.

Each input succeeds or fails on its own: a bad file is reported on stderr, nothing is
written for it, the others go on, and the run ends with its exit code (3 for inputs).
"""

from __future__ import annotations

import functools
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING

from .errors import ExitCode, InputError, OutputError, UsageError, VnrestoreError

if TYPE_CHECKING:
    from PIL.Image import Image

    from .cluster import ClusterOptions, Split
    from .ocr import OcrEngine, Page, Preprocess, WordChoices
    from .pipeline import Result


@dataclass(frozen=True)
class Job:
    """Options that shape each restoration (picklable: sent to worker processes)."""

    tone_style: str = "old"
    lexicons: tuple[str, ...] = ()
    mark_uncertain: bool = False
    marker: str = "[[{}]]"
    uncertain_below: float = 0.6
    encoding: str | None = None
    source: str = "auto"
    explain: bool = True  # keep every edit with its alternatives (for a --report)
    confidence: bool = True  # needed by --report, --diff, --mark-uncertain, the summary
    diff: bool = False  # write the review view instead of the text
    color: bool = False  # colour the review view (a terminal, NO_COLOR unset)

    def run(self, text: str, choices: list[WordChoices] | None = None) -> Result:
        """Restore ``text``; ``choices``: the OCR engine's alternatives of its words."""
        from .pipeline import get_restorer
        from .render import mark_uncertain

        result = get_restorer(self.lexicons).restore(text, tone_style=self.tone_style,
                                                     source=self.source, explain=self.explain,
                                                     confidence=self.confidence,
                                                     choices=choices)
        if self.mark_uncertain:
            result.text = mark_uncertain(result, self.marker, self.uncertain_below)
        return result


@dataclass(frozen=True)
class Task:
    """One input and where its output goes (None: stdout, through the parent)."""

    src: Path
    dst: Path | None


@dataclass
class Outcome:
    path: str
    ok: bool
    words: int = 0
    changed: int = 0
    uncertain: int = 0
    pages: int = 0
    edits: list[dict] = field(default_factory=list)
    text: str | None = None  # for stdout, printed by the parent in input order
    error: str = ""
    code: int = 0


@dataclass
class Counts:
    """What a document's restoration did, accumulated chunk by chunk."""

    words: int = 0
    changed: int = 0
    uncertain: int = 0
    lines: int = 0  # lines done, for the positions of later chunks
    chars: int = 0
    edits: list[dict] = field(default_factory=list)

    def add(self, job: Job, chunk: str, result: Result, extra: dict | None = None) -> None:
        self.words += len(chunk.split())
        changes = [e for e in result.edits if e.kind != "normalize"]
        self.changed += len(changes) if job.confidence else result.changed
        self.uncertain += sum(e.confidence < job.uncertain_below for e in changes)
        if job.explain:  # only a --report needs the edits kept
            self.edits.extend(estimate_rows(result, self.lines, extra))
            self.edits.extend(report_row(e, self.lines, self.chars, extra)
                              for e in result.edits)
        self.lines += chunk.count("\n")
        self.chars += len(chunk)


def estimate_rows(result: Result, lines: int = 0, extra: dict | None = None) -> list[dict]:
    """What each part of a text was read as (report rows of kind "estimate"; "lines" are
    1-based, first and last)."""
    rows = []
    for region in result.regions:
        row = {"kind": "estimate", **region.describe()}
        row["lines"] = [n + 1 + lines for n in row["lines"]]
        rows.append({**row, **(extra or {})})
    return rows


def report_row(edit, lines: int = 0, chars: int = 0, extra: dict | None = None) -> dict:
    """An edit as a report row: ``line`` and ``column`` 1-based (as editors count),
    ``start`` and ``end`` 0-based character offsets into the whole input (a slice)."""
    row = edit.as_dict()
    row.update(line=edit.line + 1 + lines, column=edit.column + 1,
               start=edit.start + chars, end=edit.end + chars)
    if extra:
        row.update(extra)
    return row


# ------------------------------------------------------------------------ reporting


class Reporter:
    """Where outcomes go: stdout, the JSONL report, progress and the summary (stderr)."""

    def __init__(self, report: Path | None, quiet: bool, total: int,
                 unit: str = "files") -> None:
        from .files import Guarded

        self.out = Guarded(sys.stdout)
        self.report = _open_report(report)
        self.quiet = quiet
        self.files = self.words = self.changed = self.uncertain = self.errors = 0
        self.pages = 0
        self.worst = ExitCode.ok
        self.unit, self.total = unit, total
        self.start = time.monotonic()
        self.live = not quiet and sys.stderr.isatty() and total > 1

    def emit(self, outcome: Outcome) -> None:
        if not outcome.ok:
            say(outcome.error)
            self.errors += 1
            self.worst = max(self.worst, ExitCode(outcome.code))
        else:
            self.files += 1
            self.words += outcome.words
            self.changed += outcome.changed
            self.uncertain += outcome.uncertain
            self.pages += outcome.pages
            self.write_report(outcome.path, outcome.edits)
            if outcome.text is not None:
                self.out.write(outcome.text)
                self.out.flush()
        self._progress()

    def write_report(self, path: str, rows: Iterable[dict]) -> None:
        if self.report is None:
            return
        try:
            for row in rows:
                self.report.write(json.dumps({"file": path, **row}, ensure_ascii=False) + "\n")
        except OSError as exc:
            raise OutputError(self.report.name, exc.strerror or str(exc)) from exc

    def _progress(self) -> None:
        if self.live:
            rate = self.words / max(time.monotonic() - self.start, 1e-6)
            done = self.files + self.errors
            pages = f"  {self.pages:,} pages" if self.pages else ""
            sys.stderr.write(f"\r{done}/{self.total} {self.unit}{pages}  {rate:,.0f} words/s ")
            sys.stderr.flush()

    def abort(self) -> None:
        """The run stops on an error that ends it (stdout gone, Ctrl-C): no summary."""
        try:
            self._finish()
        except OutputError:
            pass  # the error that ends the run is the one to report

    def close(self) -> ExitCode:
        """End the run: the summary line (unless quiet) and the exit code."""
        self._finish()
        self.out.flush()
        if not self.quiet:
            say(self.summary())
        return self.worst

    def _finish(self) -> None:
        if self.live:
            sys.stderr.write("\n")
        if self.report is not None:
            report, self.report = self.report, None
            try:
                report.close()
            except OSError as exc:
                raise OutputError(report.name, exc.strerror or str(exc)) from exc

    def summary(self) -> str:
        pages = f", {self.pages:,} pages" if self.pages else ""
        files = "input" if self.unit == "stdin" else f"file{'s' * (self.files != 1)}"
        return (f"{self.files:,} {files}{pages}, {self.words:,} words, {self.changed:,} "
                f"changed, {self.uncertain:,} uncertain, {self.errors:,} "
                f"error{'s' * (self.errors != 1)}")


def say(message: str) -> None:
    print(f"vnrestore: {message}", file=sys.stderr)


def _open_report(path: Path | None) -> IO[str] | None:
    if path is None:
        return None
    try:
        return open(path, "w", encoding="utf-8")  # noqa: SIM115 - closed by Reporter.close
    except OSError as exc:
        raise OutputError(str(path), exc.strerror or str(exc)) from exc


# ------------------------------------------------------------------------ executing


def execute(fn: Callable[[Task], Outcome], tasks: list[Task], jobs: int) -> Iterator[Outcome]:
    """Outcomes in task order, each as soon as it (and those before it) are done.

    Workers only compute and write their own outputs; text for stdout comes back to be
    printed here, so files appear on stdout in input order."""
    if jobs <= 1 or len(tasks) <= 1:
        yield from map(fn, tasks)
        return
    with ProcessPoolExecutor(max_workers=min(jobs, len(tasks))) as pool:
        yield from pool.map(fn, tasks, chunksize=1)


def run_tasks(fn: Callable[[Task], Outcome], tasks: list[Task], jobs: int,
              reporter: Reporter, dask: ClusterOptions | None = None,
              split: Split | None = None, lexicons: tuple[str, ...] = ()) -> ExitCode:
    """Execute and report every task (here, or on Dask with ``dask``; ``split`` restores a
    big file in parts there); the worst exit code."""
    try:
        if dask is None:
            for outcome in execute(fn, tasks, jobs):
                reporter.emit(outcome)
        elif tasks:
            from . import cluster

            with cluster.connect(dask, lexicons) as client:
                for outcome in cluster.execute(client, fn, tasks, dask, split):
                    reporter.emit(outcome)
    except BaseException:
        reporter.abort()
        raise
    return reporter.close()


def _check_dask(dask: ClusterOptions | None, has_outputs: bool) -> None:
    if dask is not None and not has_outputs:
        raise UsageError("--dask writes files on storage the workers share: give --out-dir "
                         "(or -o FILE, --in-place); the scheduler does not carry texts")


# ------------------------------------------------------------------------ clean


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
    quiet: bool = False
    dask: ClusterOptions | None = None  # run on this Dask cluster instead of --jobs

    @property
    def stdin(self) -> bool:
        return not self.paths or self.paths == [Path("-")]


def validate_clean(job: Job, opts: CleanOptions) -> None:
    if sum(bool(x) for x in (opts.output, opts.out_dir, opts.in_place)) > 1:
        raise UsageError("choose one of -o, --out-dir and --in-place")
    if opts.output and not opts.stdin and len(opts.paths) != 1:
        raise UsageError("-o takes exactly one input; use --out-dir for several")
    if Path("-") in opts.paths and len(opts.paths) > 1:
        raise UsageError("'-' (stdin) cannot be mixed with files")
    if opts.stdin and (opts.out_dir or opts.in_place):
        raise UsageError("--out-dir and --in-place need input files")
    _check_dask(opts.dask, not opts.stdin and bool(opts.output or opts.out_dir
                                                   or opts.in_place))
    if job.diff and (opts.out_dir or opts.in_place):
        raise UsageError("--diff prints a review of the changes to stdout (or -o FILE); "
                         "it cannot be written into --out-dir or --in-place")
    if not opts.backup_suffix:
        raise UsageError("--backup-suffix must not be empty: --in-place always keeps a backup")
    dirs = [p for p in opts.paths if p.is_dir()]
    if dirs and not (opts.out_dir or opts.in_place):
        raise UsageError(f"{dirs[0]} is a directory: give --out-dir (or --in-place)")
    for d in dirs:
        if opts.out_dir is not None and os.path.realpath(d) == os.path.realpath(opts.out_dir):
            raise UsageError(f"{d}: --out-dir is the input directory; choose another one "
                             "(or --in-place, which keeps backups)")
    if job.encoding:
        from .encoding import codec_for

        codec_for(job.encoding)  # an unknown name fails once, as a usage error


def run_clean(job: Job, opts: CleanOptions) -> ExitCode:
    validate_clean(job, opts)
    if opts.stdin:
        return _run_stream(job, opts)
    tasks = plan_files(opts, ("*.txt",))
    reporter = Reporter(opts.report, opts.quiet, len(tasks))
    backup = opts.backup_suffix if opts.in_place else None
    fn = functools.partial(clean_one, job, backup, opts.force)
    split = None
    if opts.dask is not None:
        from .cluster import Split

        split = Split(functools.partial(clean_part, job, opts.dask.split_bytes),
                      functools.partial(join_parts, backup, opts.force))
    return run_tasks(fn, tasks, opts.jobs, reporter, opts.dask, split, job.lexicons)


def plan_files(opts: CleanOptions, patterns: tuple[str, ...]) -> list[Task]:
    """A task per input file (directories give their files matching ``patterns``) with
    its output; up-to-date outputs of a mirrored tree are skipped unless --force."""
    from .files import check_unique_outputs, find_inputs

    exclude = [opts.out_dir] if opts.out_dir is not None else []
    tasks = []
    for src, rel in find_inputs(opts.paths, patterns, exclude=exclude):
        if opts.in_place:
            dst: Path | None = src
        elif opts.out_dir is not None:
            dst = opts.out_dir / rel
        else:
            dst = opts.output
        tasks.append(Task(src, dst))
    for t in tasks:
        if not opts.in_place and t.dst is not None \
                and os.path.realpath(t.src) == os.path.realpath(t.dst):
            raise UsageError(f"{t.src}: the output would overwrite the input; use --in-place "
                             "(it keeps a backup) or write elsewhere")
    if opts.out_dir is not None:
        check_unique_outputs([(t.src, t.dst) for t in tasks if t.dst is not None])
        if not opts.force:
            todo = [t for t in tasks if not _is_fresh(t.src, t.dst)]
            if len(todo) < len(tasks) and not opts.quiet:
                say(f"skipped {len(tasks) - len(todo)} file(s) whose output is newer "
                    "(use --force to redo)")
            tasks = todo
    return tasks


def _is_fresh(src: Path, dst: Path | None) -> bool:
    try:
        return dst is not None and dst.stat().st_mtime >= src.stat().st_mtime
    except OSError:
        return False


def clean_one(job: Job, backup: str | None, force: bool, task: Task) -> Outcome:
    """Read, restore, write one file chunk by chunk (bounded memory); input and output
    problems become an Outcome.  Nothing is written for a file that fails."""
    from .files import atomic_writer

    try:
        if task.dst is not None:
            with atomic_writer(task.dst, backup_suffix=backup, more_backups=force) as out:
                counts = _stream_file(job, task.src, out)
            return _outcome(task, counts)
        # To stdout: spool, so a file that fails half-way prints nothing.
        with tempfile.SpooledTemporaryFile(max_size=8 << 20, mode="w+", encoding="utf-8",
                                           newline="") as spool:
            counts = _stream_file(job, task.src, spool)
            spool.seek(0)
            return _outcome(task, counts, spool.read())
    except VnrestoreError as exc:
        return Outcome(str(task.src), False, error=str(exc), code=int(exc.exit_code))


def clean_part(job: Job, size: int, task: Task, k: int, n: int) -> Counts | Outcome:
    """Part ``k`` of ``n`` of a big file (on Dask): the chunks that start in its
    ``size`` characters, restored into a side file for ``join_parts``.  Chunks are those
    ``clean_one`` makes, so the joined output is the same bytes."""
    from .files import atomic_writer, iter_text_chunks, open_binary

    assert task.dst is not None  # planned: only files with an output are split
    lo, hi = k * size, (k + 1) * size if k < n - 1 else float("inf")
    counts = Counts()
    try:
        with atomic_writer(_part_path(task.dst, k)) as out, open_binary(task.src) as stream:
            for chunk in iter_text_chunks(stream, job.encoding, name=str(task.src)):
                if counts.chars >= hi:
                    break
                if counts.chars < lo:  # an earlier part's: only its position counts
                    counts.lines += chunk.count("\n")
                    counts.chars += len(chunk)
                    continue
                result = job.run(chunk)
                write_result(job, result, counts.lines, out, prefix=f"{task.src}:")
                counts.add(job, chunk, result)
        return counts
    except VnrestoreError as exc:
        return Outcome(str(task.src), False, error=str(exc), code=int(exc.exit_code))


def join_parts(backup: str | None, force: bool, task: Task, parts: list[Counts | Outcome]
               ) -> Outcome:
    """The parts of a big file, concatenated into its output (atomically, with the
    backup rules of ``clean_one``); the side files are removed."""
    import shutil

    from .files import atomic_writer

    assert task.dst is not None
    paths = [_part_path(task.dst, k) for k in range(len(parts))]
    try:
        failed = [p for p in parts if isinstance(p, Outcome)]
        if failed:
            return failed[0]
        total = Counts()
        with atomic_writer(task.dst, backup_suffix=backup, more_backups=force) as out:
            for path in paths:
                with open(path, encoding="utf-8", newline="") as part:
                    shutil.copyfileobj(part, out)
        for counts in parts:
            assert isinstance(counts, Counts)
            _merge(total, counts)
        return _outcome(task, total)
    except VnrestoreError as exc:
        return Outcome(str(task.src), False, error=str(exc), code=int(exc.exit_code))
    finally:
        for path in paths:
            path.unlink(missing_ok=True)


def _part_path(dst: Path, k: int) -> Path:
    from .files import TEMP_SUFFIX

    return dst.with_name(f".{dst.name}.part{k}{TEMP_SUFFIX}")


def _outcome(task: Task, counts: Counts, text: str | None = None) -> Outcome:
    return Outcome(str(task.src), True, counts.words, counts.changed, counts.uncertain,
                   edits=counts.edits, text=text)


def _stream_file(job: Job, src: Path, out: IO[str]) -> Counts:
    from .files import iter_text_chunks, open_binary

    counts = Counts()
    with open_binary(src) as stream:
        for chunk in iter_text_chunks(stream, job.encoding, name=str(src)):
            result = job.run(chunk)
            write_result(job, result, counts.lines, out, prefix=f"{src}:")
            counts.add(job, chunk, result)
    return counts


def write_result(job: Job, result: Result, lines_before: int, out: IO[str],
                 prefix: str = "") -> None:
    """The text, or with --diff the review rows (numbered in the whole input)."""
    if not job.diff:
        out.write(result.text)
        return
    from .render import diff_lines

    for row in diff_lines(result, job.uncertain_below, color=job.color):
        n, _, rest = row.partition(": ")
        out.write(f"{prefix}{int(n) + lines_before}: {rest}\n")


def _run_stream(job: Job, opts: CleanOptions) -> ExitCode:
    """stdin -> stdout (or -o), chunk by chunk: input larger than memory streams, and a
    pipe gets each paragraph as soon as it is complete."""
    from .files import atomic_writer, iter_text_chunks

    reporter = Reporter(opts.report, opts.quiet, 1, unit="stdin")
    counts = Counts()
    try:
        with atomic_writer(opts.output) if opts.output else _stdout(reporter) as out:
            for chunk in iter_text_chunks(sys.stdin.buffer, job.encoding):
                result = job.run(chunk)
                write_result(job, result, counts.lines, out)
                out.flush()
                reporter.write_report("<stdin>", estimate_rows(result, counts.lines))
                reporter.write_report("<stdin>", (report_row(e, counts.lines, counts.chars)
                                                  for e in result.edits))
                counts.add(replace(job, explain=False), chunk, result)
        reporter.emit(Outcome("<stdin>", True, counts.words, counts.changed, counts.uncertain))
    except InputError as exc:
        reporter.emit(Outcome("<stdin>", False, error=str(exc), code=int(exc.exit_code)))
    except BaseException:
        reporter.abort()
        raise
    return reporter.close()


class _stdout:
    """The reporter's guarded stdout as a context manager (not closed at the end)."""

    def __init__(self, reporter: Reporter) -> None:
        self.out = reporter.out

    def __enter__(self):
        return self.out

    def __exit__(self, *exc) -> None:
        return None


# ------------------------------------------------------------------------ ocr

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
    source: str | None = None  # None: "auto", estimated from the text of each page
    preprocess: tuple[str, ...] = ("grayscale", "upscale", "binarize", "deskew")
    jobs: int = 1
    report: Path | None = None
    quiet: bool = False
    dask: ClusterOptions | None = None  # run on this Dask cluster instead of --jobs
    # An OcrEngine or its name (vnrestore.ocr.get_engine; None: $VNRESTORE_OCR_ENGINE or
    # tesseract).  run_ocr resolves it once; the object is pickled to the workers.
    engine: str | OcrEngine | None = None


def run_ocr(job: Job, opts: OcrOptions) -> ExitCode:
    from . import ocr

    if opts.output and len(opts.paths) != 1:
        raise UsageError("-o takes exactly one input; use --out-dir for several")
    if opts.output and opts.out_dir:
        raise UsageError("choose one of -o and --out-dir")
    if opts.hocr and opts.use_text_layer:
        raise UsageError("--hocr needs page images: it cannot be made from a text layer")
    dirs = [p for p in opts.paths if p.is_dir()]
    if dirs and not opts.out_dir:
        raise UsageError(f"{dirs[0]} is a directory: give --out-dir")
    _check_dask(opts.dask, bool(opts.output or opts.out_dir))
    engine = ocr.get_engine(opts.engine)
    engine.version()  # fail early, with the install command, if it is missing
    lang, warning = ocr.choose_lang(opts.lang, engine)
    if warning and not opts.quiet:
        say(warning)
    tasks = plan_ocr(opts)
    reporter = Reporter(opts.report, opts.quiet, len(tasks))
    if opts.output is not None and opts.output.suffix.lower() == ".pdf":
        if opts.hocr or opts.raw or opts.use_text_layer or opts.report:
            raise UsageError("-o OUT.pdf makes a searchable PDF with OCRmyPDF; --hocr, "
                             "--raw, --use-text-layer and --report do not apply")
        fn = functools.partial(searchable_pdf, job, replace(opts, lang=lang))
        return run_tasks(fn, tasks, 1, reporter, opts.dask)
    fn = functools.partial(ocr_one, job, replace(opts, lang=lang, engine=engine))
    return run_tasks(fn, tasks, opts.jobs, reporter, opts.dask, lexicons=job.lexicons)


def plan_ocr(opts: OcrOptions) -> list[Task]:
    from .files import find_inputs

    patterns = tuple(f"*{s}" for s in OCR_SUFFIXES)
    ext = ".hocr" if opts.hocr else ".txt"
    tasks = []
    for src, rel in find_inputs(opts.paths, patterns):
        dst = opts.out_dir / rel.with_suffix(ext) if opts.out_dir is not None else opts.output
        tasks.append(Task(src, dst))
    return tasks


def ocr_one(job: Job, opts: OcrOptions, task: Task) -> Outcome:
    """OCR one image or PDF, restore each page, write text (pages split by form feed) or
    one hOCR document."""
    from . import ocr
    from .files import atomic_write

    assert opts.lang is not None  # chosen once by run_ocr
    engine = ocr.get_engine(opts.engine)
    pre = ocr.Preprocess(**{name: name in opts.preprocess
                            for name in ("grayscale", "upscale", "binarize", "deskew")})
    counts = Counts()
    texts: list[str] = []
    hocr_pages: list[str] = []
    try:
        for page in ocr.load_pages(task.src, use_text_layer=opts.use_text_layer):
            try:
                out = _ocr_page(job, opts, engine, pre, page, counts)
            except ocr.OcrError as exc:  # the engine knows the image, not the file
                raise InputError(str(task.src), f"page {page.number}: {exc.reason}") from exc
            (hocr_pages if opts.hocr else texts).append(out)
        out = ocr.merge_hocr(hocr_pages, opts.lang, task.src.name) if opts.hocr \
            else "\f".join(texts)
        if task.dst is not None:
            atomic_write(task.dst, out)
        return Outcome(str(task.src), True, counts.words, counts.changed, counts.uncertain,
                       len(hocr_pages) or len(texts), counts.edits,
                       None if task.dst else out + "\n")
    except VnrestoreError as exc:
        return Outcome(str(task.src), False, error=str(exc), code=int(exc.exit_code))


# OCRmyPDF's exit codes that are about the input (see ocrmypdf.ExitCode).
_OCRMYPDF_INPUT = {2: "OCRmyPDF refused the options", 3: "not a PDF or image OCRmyPDF can read",
                   6: "it already has a text layer: `vnrestore pdf` restores that layer "
                      "without OCR", 8: "the PDF is encrypted; decrypt it first"}


def searchable_pdf(job: Job, opts: OcrOptions, task: Task) -> Outcome:
    """``ocr IN -o OUT.pdf``: OCRmyPDF with the vnrestore plugin, so the PDF's text layer
    (what viewers search and copy) is restored Vietnamese."""
    import subprocess

    from .errors import MissingDependencyError
    from .files import atomic_path

    _pdf_dependencies()
    assert task.dst is not None and opts.lang is not None
    try:
        import ocrmypdf  # noqa: F401 - only to know it is there
    except ImportError:
        raise MissingDependencyError("searchable PDFs need OCRmyPDF; install it with: "
                                     "pip install 'vnrestore[pdf]' (and apt-get install -y "
                                     "ghostscript)") from None
    try:
        with atomic_path(task.dst) as tmp:
            cmd = [sys.executable, "-m", "ocrmypdf", "--plugin", "vnrestore.ocrmypdf",
                   "-l", opts.lang, "--jobs", str(opts.jobs), "--output-type", "pdf",
                   str(task.src), str(tmp)]
            done = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                why = _OCRMYPDF_INPUT.get(done.returncode)
                last = (done.stderr.strip().splitlines() or ["no message"])[-1]
                if why is not None:
                    raise InputError(str(task.src), why)
                raise OutputError(str(task.dst), f"OCRmyPDF failed ({done.returncode}): "
                                                 f"{last}")
    except VnrestoreError as exc:
        return Outcome(str(task.src), False, error=str(exc), code=int(exc.exit_code))
    return Outcome(str(task.src), True)


def _ocr_page(job: Job, opts: OcrOptions, engine: OcrEngine, pre: Preprocess, page: Page,
              counts: Counts) -> str:
    """One page as text (restored unless --raw) or as hOCR with restored words."""
    from . import ocr

    assert opts.lang is not None
    choices = None
    if page.text is not None:  # a text layer: text like any other
        page_job = replace(job, source=opts.source or "auto")
        text = page.text
    else:
        page_job = replace(job, source=opts.source or "auto")
        assert page.image is not None  # a page is text or an image
        image = ocr.preprocess(page.image, pre)
        if opts.hocr:
            return _ocr_hocr_page(page_job, opts, engine, image, page, counts)
        if not opts.raw and _wants_choices(job, opts, engine, "image_to_text_and_choices"):
            text, choices = engine.image_to_text_and_choices(  # type: ignore[attr-defined]
                image, opts.lang)
        else:
            text = engine.image_to_text(image, opts.lang)
    if opts.raw:
        counts.words += len(text.split())
        return text
    page_counts = Counts()
    result = page_job.run(text, choices)
    page_counts.add(page_job, text, result, {"page": page.number})
    _merge(counts, page_counts)
    return result.text


def _ocr_hocr_page(job: Job, opts: OcrOptions, engine: OcrEngine, image: Image,
                   page: Page, counts: Counts) -> str:
    """One page image as hOCR, its words restored in the context of the whole page."""
    from . import ocr

    assert opts.lang is not None
    if opts.raw:
        return engine.image_to_hocr(image, opts.lang)
    choices = None
    if _wants_choices(job, opts, engine, "image_to_hocr_and_choices"):
        hocr, choices = engine.image_to_hocr_and_choices(  # type: ignore[attr-defined]
            image, opts.lang)
    else:
        hocr = engine.image_to_hocr(image, opts.lang)
    # The edits map the restored words back to their boxes: they need confidence on.
    sure = replace(job, confidence=True)
    restored = ocr.restore_hocr(hocr, lambda text: sure.run(text, choices))
    if restored.result is not None:
        page_counts = Counts()
        page_counts.add(job, restored.text, restored.result, {"page": page.number})
        _merge(counts, page_counts)
    return restored.hocr


def _wants_choices(job: Job, opts: OcrOptions, engine: OcrEngine, method: str) -> bool:
    """Are the engine's per-character alternatives wanted (``RestoreConfig.lstm_choices``,
    a Vietnamese model) and can it give them with this output (Tesseract run by
    vnrestore)?"""
    from .ocr import choices_help
    from .pipeline import get_restorer

    return hasattr(engine, method) and choices_help((opts.lang or "").split("+")) and \
        get_restorer(job.lexicons).config.lstm_choices


def _merge(total: Counts, part: Counts) -> None:
    total.words += part.words
    total.changed += part.changed
    total.uncertain += part.uncertain
    total.edits.extend(part.edits)


# ------------------------------------------------------------------------ pdf


PdfOptions = CleanOptions  # the same choices of input and output


def run_pdf(job: Job, opts: PdfOptions) -> ExitCode:
    """Restore the invisible text layer of PDFs (``vnrestore pdf``)."""
    if sum(bool(x) for x in (opts.output, opts.out_dir, opts.in_place)) != 1:
        raise UsageError("give one of -o OUT.pdf, --out-dir DIR and --in-place")
    if opts.output and len(opts.paths) != 1:
        raise UsageError("-o takes exactly one input; use --out-dir for several")
    if not opts.backup_suffix:
        raise UsageError("--backup-suffix must not be empty: --in-place always keeps a backup")
    dirs = [p for p in opts.paths if p.is_dir()]
    if dirs and opts.output:
        raise UsageError(f"{dirs[0]} is a directory: give --out-dir (or --in-place)")
    _pdf_dependencies()
    tasks = plan_files(opts, ("*.pdf",))
    reporter = Reporter(opts.report, opts.quiet, len(tasks))
    fn = functools.partial(pdf_one, job, opts.backup_suffix if opts.in_place else None,
                           opts.force)
    return run_tasks(fn, tasks, opts.jobs, reporter, opts.dask, lexicons=job.lexicons)


def _pdf_dependencies() -> None:
    """The pdf extra, checked once up front with the command that installs it."""
    import importlib.util

    from .errors import MissingDependencyError

    missing = [m for m in ("pikepdf", "pdfminer", "fontTools")
               if importlib.util.find_spec(m) is None]
    if missing:
        raise MissingDependencyError(f"PDF support needs {', '.join(missing)}; install it "
                                     "with: pip install 'vnrestore[pdf]'")


def pdf_one(job: Job, backup: str | None, force: bool, task: Task) -> Outcome:
    from .pdf import relayer_pdf

    assert task.dst is not None  # planned: -o, --out-dir or --in-place
    try:
        done = relayer_pdf(task.src, task.dst, tone_style=job.tone_style,
                           lexicons=job.lexicons, source=job.source, backup_suffix=backup,
                           more_backups=force)
    except VnrestoreError as exc:
        return Outcome(str(task.src), False, error=str(exc), code=int(exc.exit_code))
    edits = [e.as_dict() for e in done.edits] if job.explain else []
    uncertain = sum(e.confidence < job.uncertain_below for e in done.edits)
    return Outcome(str(task.src), True, done.words, len(done.edits), uncertain, done.pages,
                   edits)
