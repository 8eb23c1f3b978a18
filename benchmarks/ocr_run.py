#!/usr/bin/env python3
"""Acceptance figures of ``vnrestore ocr``: ``python benchmarks/ocr_run.py``.

Every page is rendered from HELD-OUT legal and wiki documents with the synthetic-scan
generator (``vnrestore.synth``) into a temporary directory (corpus text is never written
into the repository), then read with the real command line, in a fresh process each time:

1. accuracy on good pages: level "clean" (300 dpi), ``vnrestore ocr PAGE.png -o OUT.txt``;
2. accuracy on degraded pages: level "heavy" (low resolution, blur, noise), the same, and
   plain ``tesseract PAGE.png - -l vie`` for comparison (plus ``vnrestore ocr --raw``:
   preprocessing without the restoration, to tell the two apart);
3. speed: full A4 pages at 300 dpi (2480x3508 px, filled with text), seconds per page of
   ``vnrestore ocr`` and the wall time of a folder of pages with ``--jobs 1`` and ``--jobs 2``.

Scoring uses ``vnrestore.evaluate.score_lines`` (the metric of ../shared/tools/score.py):

- page: all gold lines of a page joined into one line, all non-empty output lines into
  another; nothing is left out (dropped, merged or garbled lines count as errors);
- aligned lines: ``vnrestore.synth.align_lines`` pairs gold and output lines (as the
  synthetic-data generator does); unpaired gold lines are not scored, and are counted.

Word error rate = 1 - word accuracy (share of gold words not exactly right).

Tesseract 5 with OpenMP is much slower on 2 cores with its own threads than with
``OMP_THREAD_LIMIT=1`` (its text output is the same), so vnrestore sets that limit unless
the user did; the speed section measures vnrestore's default and, for comparison,
Tesseract allowed two threads (``OMP_THREAD_LIMIT=2``).
Figures go to stdout and to benchmarks/ocr_results.md.  Deterministic (fixed seeds).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from make_synthetic import pick_documents  # noqa: E402

from vnrestore import __version__  # noqa: E402
from vnrestore.build import synth  # noqa: E402
from vnrestore.build.corpus import is_heldout  # noqa: E402
from vnrestore.evaluate import Score, score_lines  # noqa: E402

SEED = 20261129
SOURCES = ["legal", "wiki"]
DPI = (synth.PAGE_DPI, synth.PAGE_DPI)


# --------------------------------------------------------------------------- running

def vnrestore_cmd() -> list[str]:
    """The installed console script next to this interpreter, else ``python -m``."""
    script = Path(sys.executable).with_name("vnrestore")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "vnrestore"]


def env_for(threads: str) -> dict[str, str]:
    """``default``: OMP_THREAD_LIMIT unset (vnrestore then sets 1; plain tesseract uses
    every core); ``ompN``: OMP_THREAD_LIMIT=N."""
    env = dict(os.environ)
    env.pop("OMP_THREAD_LIMIT", None)
    if threads.startswith("omp"):
        env["OMP_THREAD_LIMIT"] = threads[3:]
    return env


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Wall seconds and stdout of a command; a failure stops the benchmark loudly."""
    start = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    seconds = time.perf_counter() - start
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited with {out.returncode}:\n{out.stderr}")
    return seconds, out.stdout


def ocr_output(system: str, png: Path, env: dict[str, str]) -> str:
    """Text of one page as read by ``system``: vnrestore, vnrestore-raw or tesseract."""
    if system == "tesseract":
        return run(["tesseract", str(png), "-", "-l", "vie"], env)[1]
    out = png.with_suffix(f".{system}.txt")
    extra = ["--raw"] if system == "vnrestore-raw" else []
    run([*vnrestore_cmd(), "ocr", str(png), "-o", str(out), *extra], env)
    return out.read_text(encoding="utf-8")


def output_lines(text: str) -> list[str]:
    return [ln.strip() for ln in text.replace("\f", "\n").splitlines() if ln.strip()]


# --------------------------------------------------------------------------- pages

@dataclass
class PageFile:
    name: str
    doc: str
    font: str
    png: Path
    gold: list[str]
    size: tuple[int, int]
    outputs: dict[str, list[str]] = field(default_factory=dict)


def render_pages(docs, fonts, level: str, workdir: Path) -> list[PageFile]:
    """One page per document, as ``scripts/make_synthetic.py`` makes them."""
    import numpy as np

    workdir.mkdir(parents=True, exist_ok=True)
    pages = []
    for k, spec in enumerate(synth.make_specs(docs, fonts, [level], SEED, 1, langs=("vie",))):
        rng = np.random.default_rng(spec.seed)
        img, lines = synth.render_page(synth.wrap_lines(spec.paragraphs, spec.width),
                                       spec.font, rng)
        img = synth.degrade(img, level, rng)
        png = workdir / f"{level}-{k}.png"
        img.save(png, dpi=DPI)
        gold = [ln.text for ln in lines]
        (workdir / f"{level}-{k}.gold.txt").write_text("\n".join(gold) + "\n", encoding="utf-8")
        pages.append(PageFile(f"{level}-{k}", spec.doc, spec.font.family, png, gold, img.size))
    return pages


def render_full_pages(docs, fonts, n: int, workdir: Path) -> list[PageFile]:
    """``n`` uncropped A4 pages at 300 dpi, each with more text than fits (so full)."""
    import numpy as np

    workdir.mkdir(parents=True, exist_ok=True)
    paras = [p for _, ps in docs for p in ps]
    pages = []
    for k in range(n):
        rng = np.random.default_rng(synth.stable_seed(SEED, "speed", k))
        start = int(rng.integers(0, len(paras)))
        lines: list[synth.Line] = []
        width = int(rng.integers(60, 81))
        i = start
        while len(lines) < 120:  # far more than the ~35-50 lines that fit
            lines += synth.wrap_lines([paras[i % len(paras)]], width)
            i += 1
        font = fonts[k % len(fonts)]
        img, lines = synth.render_page(lines, font, rng, crop=False)
        png = workdir / f"page-{k}.png"
        img.save(png, dpi=DPI)
        pages.append(PageFile(f"page-{k}", "", font.family, png, [ln.text for ln in lines],
                              img.size))
    return pages


# --------------------------------------------------------------------------- scoring

@dataclass
class SetScore:
    page: Score  # every page as one line
    aligned: Score  # aligned line pairs only
    gold_lines: int
    aligned_lines: int


def score_pages(pages: list[PageFile], system: str) -> SetScore:
    gold_pages, hyp_pages, gold_sel, hyp_sel = [], [], [], []
    for p in pages:
        hyp = p.outputs[system]
        gold_pages.append(" ".join(p.gold))
        hyp_pages.append(" ".join(hyp))
        for i, j, _ in synth.align_lines(p.gold, hyp):
            gold_sel.append(p.gold[i])
            hyp_sel.append(hyp[j])
    return SetScore(score_lines(gold_pages, hyp_pages), score_lines(gold_sel, hyp_sel),
                    sum(len(p.gold) for p in pages), len(gold_sel))


def page_acc(p: PageFile, system: str) -> float:
    return score_lines([" ".join(p.gold)], [" ".join(p.outputs[system])]).word_acc


def reduction(ours: float, theirs: float) -> float:
    """Relative reduction of the word error rate (accuracies in, 0.4 = 40% fewer)."""
    return 1.0 - (1.0 - ours) / max(1.0 - theirs, 1e-12)


def fewer(red: float) -> str:
    return f"{100 * red:.1f}% fewer" if red >= 0 else f"{-100 * red:.1f}% MORE"


def pct(x: float) -> str:
    return f"{100 * x:.2f}%"


# --------------------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    ap.add_argument("--pages", type=int, default=6, help="accuracy pages per level")
    ap.add_argument("--speed-pages", type=int, default=6, help="pages in the --jobs folder")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "ocr_results.md")
    ap.add_argument("--keep", type=Path, help="render into this directory and keep it")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    if shutil.which("tesseract") is None:
        raise SystemExit("tesseract is not installed")
    tess_version = subprocess.run(["tesseract", "--version"], capture_output=True, text=True,
                                  check=False).stdout.splitlines()[0]
    commit = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
                            capture_output=True, text=True, check=False).stdout.strip()
    fonts = synth.usable_fonts()
    docs = pick_documents(args.corpora, SOURCES, args.pages, True, SEED)
    assert all(is_heldout(*d.split("/", 1)) for d, _ in docs), "a training document slipped in"
    print(f"{len(docs)} held-out documents: " + ", ".join(d for d, _ in docs), file=sys.stderr)

    tmp = None
    if args.keep:
        work = args.keep
    else:
        tmp = tempfile.TemporaryDirectory(prefix="vnrestore-ocrbench-")
        work = Path(tmp.name)
    try:
        lines_out = measure(args, docs, fonts, work)
    finally:
        if tmp is not None:
            tmp.cleanup()
    total = time.perf_counter() - t0
    head = (f"Measured {datetime.date.today()} on {platform.machine()}, {os.cpu_count()} cores; "
            f"Python {platform.python_version()}, vnrestore {__version__} ({commit or 'no git'}), "
            f"{tess_version}; "
            f"script run time {total:.0f} s.")
    text = "\n".join(["# `vnrestore ocr` acceptance figures", "",
                      "Made by `python benchmarks/ocr_run.py` (synthetic scans of held-out "
                      "legal and wiki documents).", "", head, "", *lines_out]) + "\n"
    print(text)
    args.out.write_text(text, encoding="utf-8")
    print(f"written to {args.out}", file=sys.stderr)
    return 0


def measure(args, docs, fonts, work: Path) -> list[str]:
    acc_env = env_for("omp1")
    say = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731

    # ---- 1 and 2: accuracy
    levels = {"clean": ["vnrestore", "tesseract"],
              "heavy": ["vnrestore", "vnrestore-raw", "tesseract"]}
    pages: dict[str, list[PageFile]] = {}
    for level, systems in levels.items():
        pages[level] = render_pages(docs, fonts, level, work / level)
        for p in pages[level]:
            for system in systems:
                p.outputs[system] = output_lines(ocr_output(system, p.png, acc_env))
            say(f"{p.name} ({p.doc}, {p.font}): "
                + ", ".join(f"{s} {pct(page_acc(p, s))}" for s in systems))
    scores = {(lv, s): score_pages(pages[lv], s) for lv, ss in levels.items() for s in ss}

    # ---- 3: speed
    full = render_full_pages(docs, fonts, args.speed_pages, work / "speed" / "in")
    one = full[0]
    speed: dict[str, float] = {}
    folder: dict[tuple[str, int], float] = {}
    for threads in ("default", "omp2"):
        env = env_for(threads)
        runs = [run([*vnrestore_cmd(), "ocr", str(one.png), "-o",
                     str(work / "speed" / "one.txt")], env)[0] for _ in range(3)]
        speed[threads] = statistics.median(runs)
        say(f"one page, {threads}: " + ", ".join(f"{r:.2f}" for r in runs) + " s")
        for jobs in (1, 2):
            runs = []
            for rep in range(2):
                out = work / "speed" / f"out-{threads}-{jobs}-{rep}"
                runs.append(run([*vnrestore_cmd(), "ocr", str(full[0].png.parent),
                                 "--out-dir", str(out), "--jobs", str(jobs)], env)[0])
                got = len(list(out.glob("*.txt")))
                if got != len(full):
                    raise RuntimeError(f"--out-dir {out}: {got} outputs for {len(full)} pages")
            folder[(threads, jobs)] = statistics.median(runs)
            say(f"folder, {threads}, --jobs {jobs}: " + ", ".join(f"{r:.1f}" for r in runs)
                + " s")

    return report(args, pages, scores, full, speed, folder)


def report(args, pages, scores, full, speed, folder) -> list[str]:
    n = {lv: len(ps) for lv, ps in pages.items()}
    words = {lv: scores[(lv, "tesseract")].page.words for lv in pages}
    rows = [("clean", "vnrestore", "`vnrestore ocr`"),
            ("clean", "tesseract", "`tesseract -l vie`"),
            ("heavy", "vnrestore", "`vnrestore ocr`"),
            ("heavy", "vnrestore-raw", "`vnrestore ocr --raw` (preprocessing only)"),
            ("heavy", "tesseract", "`tesseract -l vie`")]
    out = [f"Accuracy on {n['clean']} clean pages ({words['clean']} words) and {n['heavy']} "
           f"heavy pages ({words['heavy']} words), one page per document "
           f"(the same documents and layouts at both levels):", "",
           "| level | system | word acc (page) | word errors | CER | word acc (aligned lines) "
           "| gold lines aligned |",
           "|---|---|---|---|---|---|---|"]
    for lv, system, label in rows:
        s = scores[(lv, system)]
        out.append(f"| {lv} | {label} | {pct(s.page.word_acc)} | {pct(1 - s.page.word_acc)} "
                   f"| {pct(s.page.cer)} | {pct(s.aligned.word_acc)} "
                   f"| {s.aligned_lines}/{s.gold_lines} |")
    out += ["", "Per page (word accuracy, page scoring):", "",
            "| page | document | font | size | vnrestore | tesseract -l vie |",
            "|---|---|---|---|---|---|"]
    for lv in pages:
        for p in pages[lv]:
            out.append(f"| {p.name} | {p.doc} | {p.font} | {p.size[0]}x{p.size[1]}, "
                       f"{len(p.gold)} lines | {pct(page_acc(p, 'vnrestore'))} "
                       f"| {pct(page_acc(p, 'tesseract'))} |")
    cv, hv, ht = (scores[k] for k in (("clean", "vnrestore"), ("heavy", "vnrestore"),
                                      ("heavy", "tesseract")))
    hr = scores[("heavy", "vnrestore-raw")]
    red_page = reduction(hv.page.word_acc, ht.page.word_acc)
    red_al = reduction(hv.aligned.word_acc, ht.aligned.word_acc)
    red_raw = reduction(hr.page.word_acc, ht.page.word_acc)
    lines_each = ", ".join(str(len(p.gold)) for p in full)
    out += ["", "Figures:", "",
            f"- good pages (clean, 300 dpi): `vnrestore ocr` word accuracy {pct(cv.page.word_acc)} "
            f"(page scoring), {pct(cv.aligned.word_acc)} on aligned lines "
            f"({cv.gold_lines - cv.aligned_lines} of {cv.gold_lines} gold lines unaligned); "
            f"target >= 98.5%: {'met' if cv.page.word_acc >= 0.985 else 'NOT met'}",
            f"- degraded pages (heavy): word error rate `vnrestore ocr` {pct(1 - hv.page.word_acc)}"
            f" vs plain `tesseract -l vie` {pct(1 - ht.page.word_acc)}: {fewer(red_page)} "
            f"word errors (page scoring); on aligned lines {pct(1 - hv.aligned.word_acc)} "
            f"vs {pct(1 - ht.aligned.word_acc)}: {fewer(red_al)}; target >= 40%: "
            f"{'met' if red_page >= 0.4 else 'NOT met'}",
            f"- preprocessing without the restoration (`--raw`): word error rate "
            f"{pct(1 - hr.page.word_acc)} ({fewer(red_raw)} errors than plain "
            f"tesseract)",
            f"- heavy pages, gold lines left unaligned: vnrestore "
            f"{hv.gold_lines - hv.aligned_lines}/{hv.gold_lines}, tesseract "
            f"{ht.gold_lines - ht.aligned_lines}/{ht.gold_lines}",
            "",
            f"Speed (fresh process per run, start-up and model loading included; full A4 pages "
            f"{full[0].size[0]}x{full[0].size[1]} px, level clean, {lines_each} lines):",
            ""]
    for threads, label in (("default", "vnrestore's default (Tesseract single-threaded)"),
                           ("omp2", "`OMP_THREAD_LIMIT=2` (Tesseract's own threads)")):
        j1, j2 = folder[(threads, 1)], folder[(threads, 2)]
        out += [f"- {label}: `vnrestore ocr PAGE.png -o OUT.txt` {speed[threads]:.2f} s/page "
                f"(median of 3); folder of {len(full)} pages `--jobs 1` {j1:.1f} s "
                f"({j1 / len(full):.2f} s/page), `--jobs 2` {j2:.1f} s "
                f"({j2 / len(full):.2f} s/page), speed-up {j1 / j2:.2f}x (medians of 2)"]
    out += ["", "Accuracy runs use `OMP_THREAD_LIMIT=1` for plain tesseract too (the same "
            "text as with its own threads on the pages checked, several times faster)."]
    return out


if __name__ == "__main__":
    sys.exit(main())
