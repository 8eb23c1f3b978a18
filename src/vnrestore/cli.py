"""Command line: parses options and calls the library; stdout carries only text.

Logs, progress, the summary and errors go to stderr.  Exit codes: ``vnrestore.errors.ExitCode``.
"""

from __future__ import annotations

import functools
import io
import json
import os
import sys
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from .config import collect_rarely
from .errors import ExitCode, OutputError, UsageError, VnrestoreError

if TYPE_CHECKING:
    from .cluster import ClusterOptions

EXIT_CODES = "\b\nExit codes:\n" + "\n".join(
    f"  {int(c):<4} {c.name:<19} {c.meaning}" for c in ExitCode)

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  pretty_exceptions_enable=False,
                  context_settings={"help_option_names": ["-h", "--help"]},
                  help="Restore garbled OCR output of Vietnamese documents.",
                  epilog=EXIT_CODES)

_verbose = False  # -v: show a traceback on internal errors


def _set_verbose(value: bool) -> None:
    global _verbose
    _verbose = _verbose or value


Verbose = Annotated[bool, typer.Option(
    "-v", "--verbose", callback=_set_verbose, is_eager=True, expose_value=False,
    help="Show a traceback on internal errors.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress or summary line.")]
OutDir = Annotated[Path | None, typer.Option(
    "--out-dir", help="Mirror inputs (files and directory trees) into this directory.")]
InPlace = Annotated[bool, typer.Option(
    "--in-place", help="Replace each input atomically, keeping a backup.")]
BackupSuffix = Annotated[str, typer.Option(
    help="Backup suffix for --in-place; a backup is never overwritten.")]
Force = Annotated[bool, typer.Option(
    "--force", help="Redo outputs newer than their input; with --in-place, keep one more "
                    "backup (.orig.1, .orig.2, ...) when .orig exists.")]
Jobs = Annotated[int, typer.Option("--jobs", "-j", min=0,
                 help="Worker processes for many files (0 = number of cores).")]
Dask = Annotated[str | None, typer.Option(
    "--dask", metavar="ADDRESS",
    help="Run on a Dask cluster (the dask extra): tcp://host:port of a running `dask "
         "scheduler`, or 'local' for local worker processes (--jobs of them).  Workers "
         "read and write the files by path: outputs go to --out-dir, -o or --in-place on "
         "storage they share.")]
Lexicon = Annotated[list[Path] | None, typer.Option(
    "--lexicon", help="Your own terms and names, one per line (repeatable).")]


class Source(str, Enum):
    auto = "auto"
    ocr = "ocr"
    vie_ocr = "vie-ocr"


class ToneStyle(str, Enum):
    old = "old"
    new = "new"
    keep = "keep"


Tone = Annotated[ToneStyle, typer.Option(
    help="Tone placement: old (hòa, thủy), new (hoà, thuỷ), keep (as written).")]


def _epilog(*examples: str) -> str:
    # \b keeps click from rewrapping the block.
    return "\b\nExamples:\n" + "\n".join(f"  {e}" for e in examples) + "\n\n" + EXIT_CODES


def _color() -> bool:
    """Colour the review view when stdout is a terminal, unless NO_COLOR is set."""
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


F = TypeVar("F", bound=Callable[..., Any])


def _boundary(func: F) -> F:
    """The one place where library errors become a message on stderr and an exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except VnrestoreError as exc:
            if isinstance(exc, OutputError) and exc.path == "<stdout>":
                _silence_stdout()
            _err(str(exc))
            raise typer.Exit(int(exc.exit_code)) from None
        except KeyboardInterrupt:
            _err("interrupted; no partial output was left")
            raise typer.Exit(int(ExitCode.interrupted)) from None

    return wrapper  # type: ignore[return-value]


def _err(message: str) -> None:
    print(f"vnrestore: {message}", file=sys.stderr)


def _silence_stdout() -> None:
    """After a failed write to stdout (closed pipe, full disk), the interpreter's own
    flush at exit would fail again and print a traceback: point stdout at /dev/null."""
    try:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, sys.stdout.fileno())
        os.close(fd)
    except (OSError, ValueError, AttributeError):
        pass


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        print(f"vnrestore {version('vnrestore')}")
        raise typer.Exit()


@app.callback()
def _main(version: Annotated[bool, typer.Option("--version", callback=_version,
                                                is_eager=True, help="Show the version.")] = False,
          _v: Verbose = False) -> None:
    """Restore garbled OCR output of Vietnamese documents."""


@app.command(epilog=_epilog(
    "vnrestore clean < in.txt > out.txt",
    "vnrestore clean scan.txt -o scan.clean.txt --report changes.jsonl",
    "vnrestore clean scans/ --out-dir clean/ --jobs 2",
    "vnrestore clean /shared/scans --out-dir /shared/clean --dask tcp://head:8786",
    "vnrestore clean a.txt --in-place          # keeps a.txt.orig",
    "vnrestore clean a.txt --diff              # {old→new}, ? = uncertain",
    "vnrestore clean -- -v.txt                 # a file whose name starts with -"))
@_boundary
def clean(
    paths: Annotated[list[Path] | None, typer.Argument(
        help="Text files or directories; none or '-' reads stdin.")] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output",
                      help="Write the result here (one input only; a device or FIFO is "
                           "written into, never replaced).")] = None,
    out_dir: OutDir = None,
    in_place: InPlace = False,
    backup_suffix: BackupSuffix = ".orig",
    force: Force = False,
    jobs: Jobs = 0,
    dask: Dask = None,
    report: Annotated[Path | None, typer.Option(
        help="Write every change with its confidence as JSON lines.")] = None,
    diff: Annotated[bool, typer.Option(
        "--diff", help="Print a review view of the changes instead of the text.")] = False,
    mark_uncertain: Annotated[bool, typer.Option(
        "--mark-uncertain", help="Wrap low-confidence choices in --marker.")] = False,
    marker: Annotated[str | None, typer.Option(
        help="Marker for uncertain words with --mark-uncertain; {} is the word "
             "[default: [[{}]]].")] = None,
    uncertain_below: Annotated[float | None, typer.Option(
        min=0.0, max=1.0, help="Confidence under which a change counts as uncertain "
                               "(--mark-uncertain, --diff, the summary) [default: 0.6].")
                               ] = None,
    lexicon: Lexicon = None,
    tone_style: Tone = ToneStyle.old,
    source: Annotated[Source, typer.Option(
        help="How the text was made: auto (read off the text: clean, marks stripped, "
             "OCR without Vietnamese, or Tesseract's Vietnamese model; per part of a "
             "mixed file); ocr (a model without Vietnamese, or marks stripped); vie-ocr "
             "(a Vietnamese model).")] = Source.auto,
    encoding: Annotated[str | None, typer.Option(
        help="Input encoding (default: detect; utf-8, utf-16, cp1258, tcvn3, vni, viqr).")
                        ] = None,
    quiet: Quiet = False,
    _v: Verbose = False,
) -> None:
    """Restore Vietnamese text: stdin to stdout, files to stdout or -o, trees to --out-dir."""
    from .batch import CleanOptions, Job, run_clean

    if marker is not None and not mark_uncertain:
        raise UsageError("--marker only applies with --mark-uncertain")
    if uncertain_below is not None and not (mark_uncertain or diff):
        raise UsageError("--uncertain-below only applies with --mark-uncertain or --diff")
    if marker is not None and "{}" not in marker:
        raise UsageError("--marker must contain {} where the word goes")
    lexicons = _lexicons(lexicon)
    job = Job(tone_style.value, lexicons, mark_uncertain, marker or "[[{}]]",
              0.6 if uncertain_below is None else uncertain_below, encoding, source.value,
              explain=report is not None,
              confidence=report is not None or diff or mark_uncertain or not quiet,
              diff=diff, color=diff and output is None and _color())
    opts = CleanOptions(paths=list(paths or []), output=output, out_dir=out_dir,
                        in_place=in_place, backup_suffix=backup_suffix, force=force,
                        jobs=jobs or os.cpu_count() or 1, report=report, quiet=quiet,
                        dask=_cluster(dask, jobs))
    raise typer.Exit(int(run_clean(job, opts)))


def _cluster(address: str | None, jobs: int) -> ClusterOptions | None:
    if address is None:
        return None
    from .cluster import ClusterOptions

    if address != "local" and "://" not in address:
        raise UsageError(f"--dask {address}: give the scheduler's address as "
                         "tcp://host:port, or 'local'")
    return ClusterOptions(address, workers=jobs)


def _lexicons(paths: list[Path] | None) -> tuple[str, ...]:
    """The user's lexicon files, read once here so a bad one is a usage error up front."""
    from .lexicon import read_user_terms

    for path in paths or ():
        read_user_terms(path)
    return tuple(str(p) for p in paths or ())


@app.command(epilog=_epilog(
    "vnrestore ocr page.png                     # text to stdout",
    "vnrestore ocr scan.pdf -o scan.txt --report changes.jsonl",
    "vnrestore ocr scans/ --out-dir text/ --jobs 2",
    "vnrestore ocr scan.pdf --hocr -o scan.hocr",
    "vnrestore ocr scan.pdf --use-text-layer    # the PDF's own text, restored",
    "vnrestore ocr scan.pdf -o scan.vi.pdf      # a searchable PDF (OCRmyPDF + plugin)"))
@_boundary
def ocr(
    paths: Annotated[list[Path], typer.Argument(help="Images (PNG, JPEG, TIFF), PDFs, dirs.")],
    output: Annotated[Path | None, typer.Option("-o", "--output",
                      help="Write the text here (one input only); a name ending in .pdf "
                           "makes a searchable PDF with OCRmyPDF and the vnrestore "
                           "plugin (the pdf extra).")] = None,
    out_dir: Annotated[Path | None, typer.Option(
        "--out-dir", help="Mirror inputs into this directory as .txt (or .hocr).")] = None,
    lang: Annotated[str | None, typer.Option(
        help="Tesseract language (default: vie if installed, else eng).")] = None,
    raw: Annotated[bool, typer.Option("--raw", help="Skip the restoration.")] = False,
    hocr: Annotated[bool, typer.Option(
        "--hocr", help="Write one hOCR document with corrected words.")] = False,
    use_text_layer: Annotated[bool, typer.Option(
        "--use-text-layer", help="Use a PDF's own text layer instead of OCR where it has "
                                 "one (restored like any text, see --source).")] = False,
    source: Annotated[Source | None, typer.Option(
        help="How the text was made, as in clean [default: auto, read off each page's "
             "text].")] = None,
    no_preprocess: Annotated[list[str] | None, typer.Option(
        "--no", help="Skip a preprocessing step: grayscale, upscale, binarize, deskew.")
                             ] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=0, help="Worker processes.")] = 0,
    dask: Dask = None,
    report: Annotated[Path | None, typer.Option(help="Changes as JSON lines.")] = None,
    tone_style: Annotated[ToneStyle, typer.Option(help="old, new or keep.")] = ToneStyle.old,
    quiet: Quiet = False,
    _v: Verbose = False,
) -> None:
    """OCR scans and PDFs with Tesseract, then restore the text (pages split by form feed)."""
    from .batch import Job, OcrOptions, run_ocr

    steps = ("grayscale", "upscale", "binarize", "deskew")
    for step in no_preprocess or ():
        if step not in steps:
            raise UsageError(f"--no {step}: not a step (one of {', '.join(steps)})")
    opts = OcrOptions(paths=paths, output=output, out_dir=out_dir, lang=lang, raw=raw,
                      hocr=hocr, use_text_layer=use_text_layer,
                      source=source.value if source else None,
                      preprocess=tuple(s for s in steps if s not in (no_preprocess or ())),
                      jobs=jobs or os.cpu_count() or 1, report=report, quiet=quiet,
                      dask=_cluster(dask, jobs))
    job = Job(tone_style.value, explain=report is not None, confidence=not quiet)
    raise typer.Exit(int(run_ocr(job, opts)))


@app.command(epilog=_epilog(
    "vnrestore pdf scan.pdf -o scan.vi.pdf",
    "vnrestore pdf archive/ --out-dir searchable/ --jobs 2 --report changes.jsonl",
    "vnrestore pdf scan.pdf --in-place          # keeps scan.pdf.orig",
    "ocrmypdf --plugin vnrestore.ocrmypdf -l vie scan.pdf out.pdf   # new OCR instead"))
@_boundary
def pdf(
    paths: Annotated[list[Path], typer.Argument(help="PDFs or directories of PDFs.")],
    output: Annotated[Path | None, typer.Option("-o", "--output",
                      help="Write the restored PDF here (one input only).")] = None,
    out_dir: OutDir = None,
    in_place: InPlace = False,
    backup_suffix: BackupSuffix = ".orig",
    force: Force = False,
    jobs: Jobs = 0,
    dask: Dask = None,
    report: Annotated[Path | None, typer.Option(
        help="Every change as JSON lines, with its page and word box.")] = None,
    lexicon: Lexicon = None,
    tone_style: Tone = ToneStyle.old,
    source: Annotated[Source, typer.Option(
        help="How the layer was made, as in clean [default: auto, read off its words].")
                      ] = Source.auto,
    quiet: Quiet = False,
    _v: Verbose = False,
) -> None:
    """Restore the invisible text layer of PDFs (no new OCR): pages look exactly as before,
    and search and copy give correct Vietnamese."""
    from .batch import Job, PdfOptions, run_pdf

    job = Job(tone_style.value, _lexicons(lexicon), source=source.value,
              explain=report is not None)
    opts = PdfOptions(paths=paths, output=output, out_dir=out_dir, in_place=in_place,
                      backup_suffix=backup_suffix, force=force,
                      jobs=jobs or os.cpu_count() or 1, report=report, quiet=quiet,
                      dask=_cluster(dask, jobs))
    raise typer.Exit(int(run_pdf(job, opts)))


@app.command("eval", epilog=_epilog(
    "vnrestore eval gold.txt out.txt",
    "vnrestore clean ocr.txt | vnrestore eval gold.txt - --input ocr.txt --json"))
@_boundary
def evaluate(
    gold: Annotated[str, typer.Argument(help="Line-aligned correct text ('-': stdin).")],
    output: Annotated[str, typer.Argument(help="The restored text to score ('-': stdin).")],
    original: Annotated[str | None, typer.Option(
        "--input", help="The OCR input the output was restored from, to count words "
                        "changed but still wrong, and words broken.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    _v: Verbose = False,
) -> None:
    """Word accuracy and CER, with the metric of shared/tools/score.py.  Files are read
    as `clean` reads them (encoding detected; binary files refused)."""
    from .evaluate import score_files

    try:
        s = score_files(gold, output, original)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    if as_json:
        print(json.dumps(s.as_dict()))
        return
    line = f"word_acc {s.word_acc:.4f}  CER {s.cer:.4f}  WER {s.wer:.4f}  ({s.words} words)"
    if s.changed_wrong is not None:
        line += f"  changed_wrong {s.changed_wrong}  broken {s.broken}  fixed {s.fixed}"
    print(line)


def _buffered_stdout() -> None:
    """stdout as UTF-8 (whatever the locale says), never newline-translated, and always
    buffered: with PYTHONUNBUFFERED set, Python's stdout is a raw file whose partial
    writes (a pipe whose reader left) are dropped without an error."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, ValueError, OSError):
        return
    raw = io.FileIO(fd, "w", closefd=False)
    sys.stdout = io.TextIOWrapper(io.BufferedWriter(raw), encoding="utf-8", newline="",
                                  line_buffering=raw.isatty())


def main() -> None:
    """Console entry point; a traceback is shown only with -v."""
    collect_rarely()  # the process is ours
    _buffered_stdout()
    try:
        app(prog_name="vnrestore")
    except SystemExit:
        raise
    except Exception as exc:  # noqa: BLE001 - the boundary for bugs
        if _verbose:
            raise
        _err(f"internal error: {exc.__class__.__name__}: {exc} (rerun with -v for details)")
        sys.exit(ExitCode.internal_error)
