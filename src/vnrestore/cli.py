"""Command line: parses options and calls the library; stdout carries only text.

Logs, progress and errors go to stderr.  Exit codes: see ``vnrestore.errors.ExitCode``.
"""

from __future__ import annotations

import gc
import json
import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from .errors import ExitCode, InputError, UsageError, VnrestoreError

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  pretty_exceptions_enable=False,
                  help="Restore garbled OCR output of Vietnamese documents.")


class Source(str, Enum):
    auto = "auto"
    vie_ocr = "vie-ocr"


class ToneStyle(str, Enum):
    old = "old"
    new = "new"
    keep = "keep"


def _err(message: str) -> None:
    print(f"vnrestore: {message}", file=sys.stderr)


def _boundary(func):
    """The one place where library errors become a message on stderr and an exit code."""
    import functools

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except VnrestoreError as exc:
            _err(str(exc))
            raise typer.Exit(int(exc.exit_code)) from None
        except KeyboardInterrupt:
            _err("interrupted; no partial output was left")
            raise typer.Exit(int(ExitCode.interrupted)) from None

    return wrapper


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        print(f"vnrestore {version('vnrestore')}")
        raise typer.Exit()


@app.callback()
def _main(version: Annotated[bool, typer.Option("--version", callback=_version,
                                                is_eager=True, help="Show the version.")] = False
          ) -> None:
    """Restore garbled OCR output of Vietnamese documents."""


@app.command()
@_boundary
def clean(
    paths: Annotated[list[Path] | None, typer.Argument(
        help="Text files or directories; none or '-' reads stdin.")] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output",
                      help="Write the result here (one input only).")] = None,
    out_dir: Annotated[Path | None, typer.Option("--out-dir",
                       help="Mirror inputs (files and directory trees) into this directory.")
                       ] = None,
    in_place: Annotated[bool, typer.Option("--in-place",
                        help="Replace each input atomically, keeping a backup.")] = False,
    backup_suffix: Annotated[str, typer.Option(help="Backup suffix for --in-place.")] = ".orig",
    force: Annotated[bool, typer.Option(
        "--force", help="Redo outputs newer than their input; overwrite old backups.")] = False,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=0,
                    help="Worker processes for many files (0 = number of cores).")] = 0,
    report: Annotated[Path | None, typer.Option(
        help="Write every change with its confidence as JSON lines.")] = None,
    diff: Annotated[bool, typer.Option("--diff",
                    help="Print a review view of the changes instead of the text.")] = False,
    mark_uncertain: Annotated[bool, typer.Option(
        "--mark-uncertain", help="Wrap low-confidence choices in --marker.")] = False,
    marker: Annotated[str, typer.Option(help="Marker for uncertain words; {} is the word.")
                      ] = "[[{}]]",
    uncertain_below: Annotated[float, typer.Option(
        min=0.0, max=1.0, help="Confidence under which a choice is uncertain.")] = 0.6,
    lexicon: Annotated[list[Path] | None, typer.Option(
        "--lexicon", help="Your own terms and names, one per line (repeatable).")] = None,
    tone_style: Annotated[ToneStyle, typer.Option(
        help="Tone placement: old (hòa, thủy), new (hoà, thuỷ), keep (as written).")
                          ] = ToneStyle.old,
    source: Annotated[Source, typer.Option(
        help="auto: estimate error rates from the text; vie-ocr: output of Tesseract's "
             "Vietnamese model (also corrects misread marks on valid-looking words).")
                      ] = Source.auto,
    encoding: Annotated[str | None, typer.Option(
        help="Input encoding (default: detect; utf-8, utf-16, cp1258, tcvn3, vni, viqr).")
                        ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress or summary.")
                     ] = False,
) -> None:
    """Restore Vietnamese text: stdin to stdout, files to stdout or -o, trees to --out-dir."""
    from .batch import CleanOptions, Job, run_clean

    if "{}" not in marker:
        raise UsageError("--marker must contain {} where the word goes")
    for path in lexicon or ():
        if not path.is_file():
            raise UsageError(f"{path}: lexicon file not found")
    job = Job(tone_style.value, tuple(str(p) for p in lexicon or ()), mark_uncertain, marker,
              uncertain_below, encoding, source.value, explain=report is not None,
              confidence=report is not None or diff or mark_uncertain)
    opts = CleanOptions(paths=list(paths or []), output=output, out_dir=out_dir,
                        in_place=in_place, backup_suffix=backup_suffix, force=force,
                        jobs=jobs or os.cpu_count() or 1, report=report, diff=diff, quiet=quiet)
    raise typer.Exit(int(run_clean(job, opts)))


@app.command()
@_boundary
def ocr(
    paths: Annotated[list[Path], typer.Argument(help="Images (PNG, JPEG, TIFF), PDFs, dirs.")],
    output: Annotated[Path | None, typer.Option("-o", "--output",
                      help="Write the text here (one input only).")] = None,
    out_dir: Annotated[Path | None, typer.Option(
        "--out-dir", help="Mirror inputs into this directory as .txt (or .hocr).")] = None,
    lang: Annotated[str | None, typer.Option(
        help="Tesseract language (default: vie if installed, else eng).")] = None,
    raw: Annotated[bool, typer.Option("--raw", help="Skip the restoration.")] = False,
    hocr: Annotated[bool, typer.Option("--hocr", help="Write hOCR with corrected words.")
                    ] = False,
    use_text_layer: Annotated[bool, typer.Option(
        "--use-text-layer", help="Use a PDF's own text layer instead of OCR.")] = False,
    no_preprocess: Annotated[list[str] | None, typer.Option(
        "--no", help="Skip a preprocessing step: grayscale, upscale, binarize, deskew.")
                             ] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=0, help="Worker processes.")] = 0,
    report: Annotated[Path | None, typer.Option(help="Changes as JSON lines.")] = None,
    tone_style: Annotated[ToneStyle, typer.Option(help="old, new or keep.")] = ToneStyle.old,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """OCR scans and PDFs with Tesseract, then restore the text (pages split by form feed)."""
    from .batch import Job, OcrOptions, run_ocr

    steps = ("grayscale", "upscale", "binarize", "deskew")
    for step in no_preprocess or ():
        if step not in steps:
            raise UsageError(f"--no {step}: not a step (one of {', '.join(steps)})")
    opts = OcrOptions(paths=paths, output=output, out_dir=out_dir, lang=lang, raw=raw,
                      hocr=hocr, use_text_layer=use_text_layer,
                      preprocess=tuple(s for s in steps if s not in (no_preprocess or ())),
                      jobs=jobs or os.cpu_count() or 1, report=report, quiet=quiet)
    raise typer.Exit(int(run_ocr(Job(tone_style.value, explain=report is not None), opts)))


@app.command("eval")
@_boundary
def evaluate(
    gold: Annotated[Path, typer.Argument(help="Line-aligned correct text.")],
    output: Annotated[Path, typer.Argument(help="The restored text to score.")],
    source: Annotated[Path | None, typer.Option(
        help="The OCR input, to count words changed but still wrong, and words broken.")
                      ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Word accuracy and CER, with the metric of shared/tools/score.py."""
    from .evaluate import score_files

    for p in (gold, output, source):
        if p is not None and not p.is_file():
            raise InputError(str(p), "file not found")
    try:
        s = score_files(str(gold), str(output), str(source) if source else None)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    if as_json:
        print(json.dumps(s.as_dict()))
        return
    line = f"word_acc {s.word_acc:.4f}  CER {s.cer:.4f}  WER {s.wer:.4f}  ({s.words} words)"
    if s.changed_wrong is not None:
        line += f"  changed_wrong {s.changed_wrong}  broken {s.broken}  fixed {s.fixed}"
    print(line)


def main() -> None:
    """Console entry point; a traceback is shown only with -v."""
    # A megabyte of text makes ~10^6 small acyclic objects (tokens, candidates) that
    # reference counting frees; at the default thresholds the cyclic collector walked
    # them over and over, ~15% of the run time.  The process is ours, so collect
    # rarely (cycles are still collected).
    gc.set_threshold(100_000, 50, 100)
    verbose = "-v" in sys.argv[1:] or "--verbose" in sys.argv[1:]
    argv = [a for a in sys.argv[1:] if a not in ("-v", "--verbose")]
    try:
        app(args=argv, prog_name="vnrestore")
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): not an error of ours.
        sys.stderr.close()
        os._exit(ExitCode.ok)
    except SystemExit:
        raise
    except Exception as exc:  # noqa: BLE001 - the boundary for bugs
        if verbose:
            raise
        _err(f"internal error: {exc.__class__.__name__}: {exc} (rerun with -v for details)")
        sys.exit(ExitCode.internal_error)
