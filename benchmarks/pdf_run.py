#!/usr/bin/env python3
"""Acceptance figures of ``vnrestore pdf`` and the OCRmyPDF plugin: ``python
benchmarks/pdf_run.py`` (needs ``pip install -e '.[pdf]'``, Tesseract with eng and vie,
poppler-utils, and ../shared/corpora).

PDFs are made the way archives have them: pages of HELD-OUT legal and wiki documents
rendered at 300 dpi (full A4 pages, ``vnrestore.synth``; level "clean" as rendered,
"moderate" as a worn scan), one image PDF per document, OCR'd with ``ocrmypdf -l eng``.
Everything is made in a temporary directory; no corpus text enters the repository.

(a) word accuracy of the layer ``relayer_pdf`` writes, read back by ``pdftotext -raw``, against
    the gold lines; beside ``vnrestore clean`` on the ``pdftotext`` output of the same
    OCR'd PDFs (one fresh CLI process per document), and the OCR layer as it is;
(b) pages rendered by ``pdftoppm`` before and after relayering, byte for byte (72 and
    150 dpi on every page, 300 dpi on each document's first page); word boxes read back;
(c) plugin accuracy: ``ocrmypdf --plugin vnrestore.ocrmypdf -l eng`` and ``-l vie``
    against plain ``ocrmypdf -l vie``;
(d) plugin speed: wall time of ``ocrmypdf -l eng`` with and without the plugin on a
    10-page document (alternating, medians);
(e) peak memory (max RSS) and time of ``relayer_pdf`` in a fresh process on 20- and
    200-page PDFs (the OCR'd pages repeated, every copy its own objects).

Scoring is ``vnrestore.evaluate.score_lines`` (the metric of ../shared/tools/score.py):
each page's gold lines joined into one line against its output lines joined (nothing
left out); "aligned lines" pairs lines with ``synth.align_lines`` first.
Figures go to stdout and benchmarks/pdf_results.md.  Deterministic pages (fixed seeds).
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import os
import platform
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

SEED = 20261202
SOURCES = ["legal", "wiki"]
DPI = (synth.PAGE_DPI, synth.PAGE_DPI)
ENV = {**os.environ, "OMP_THREAD_LIMIT": "1"}  # OCRmyPDF's own choice on many pages
say = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731

# (label, system) rows of the accuracy table.
SYSTEMS = [("OCR layer as it is (`ocrmypdf -l eng`, pdftotext)", "eng"),  # all -raw
           ("`vnrestore pdf` (relayer_pdf), pdftotext of its layer", "relayer"),
           ("`pdftotext | vnrestore clean`", "clean"),
           ("plugin `-l eng`, pdftotext", "plugin-eng"),
           ("plugin `-l eng`, `--sidecar`", "plugin-eng-sidecar"),
           ("plain `ocrmypdf -l vie`, pdftotext", "vie"),
           ("plugin `-l vie`, pdftotext", "plugin-vie")]


# --------------------------------------------------------------------------- running

def run(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    """Wall seconds and stdout; a failure stops the benchmark loudly."""
    start = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, env=env or ENV, check=False)
    seconds = time.perf_counter() - start
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited with {out.returncode}:\n{out.stderr}")
    return seconds, out.stdout


def ocrmypdf(src: Path, dst: Path, lang: str, plugin: bool, sidecar: Path | None = None,
             jobs: int | None = None) -> float:
    cmd = [sys.executable, "-m", "ocrmypdf", "-l", lang, "--quiet"]
    if plugin:
        cmd += ["--plugin", "vnrestore.ocrmypdf"]
    if sidecar is not None:
        cmd += ["--sidecar", str(sidecar)]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    return run([*cmd, str(src), str(dst)])[0]


def vnrestore_cmd() -> list[str]:
    script = Path(sys.executable).with_name("vnrestore")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "vnrestore"]


def text_pages(text: str) -> list[list[str]]:
    """pdftotext output (pages end with a form feed) -> non-empty lines per page."""
    pages = text.split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    return [[ln.strip() for ln in p.splitlines() if ln.strip()] for p in pages]


def pdftotext(pdf: Path) -> str:
    # -raw: words in content-stream order.  pdftotext's default reading order splits
    # justified lines at their wide gaps into "columns" and interleaves them, on
    # OCRmyPDF's own layers as on ours (plain `ocrmypdf -l vie` scored 78-79% on clean
    # pages that way): a measure of poppler's layout guess, not of the text layer.
    return run(["pdftotext", "-raw", "-enc", "UTF-8", str(pdf), "-"])[1]


def render_hash(pdf: Path, dpi: int, first: int | None = None) -> str:
    pages = ["-f", "1", "-l", "1"] if first else []
    out = subprocess.run(["pdftoppm", "-r", str(dpi), *pages, str(pdf)], capture_output=True,
                         check=True).stdout
    return hashlib.sha256(out).hexdigest()


# --------------------------------------------------------------------------- documents

@dataclass
class Doc:
    name: str
    source: str  # the corpus document
    level: str
    image_pdf: Path
    gold: list[list[str]]  # gold lines per page
    pdfs: dict[str, Path] = field(default_factory=dict)
    outputs: dict[str, list[list[str]]] = field(default_factory=dict)


def render_doc(k: int, doc: str, paras: list[str], font: synth.Font, level: str,
               pages: int, work: Path) -> Doc:
    """Up to ``pages`` full A4 pages of one document, its text continued page to page."""
    import img2pdf
    import numpy as np

    rng = np.random.default_rng(synth.stable_seed(SEED, doc, level))
    lines = synth.wrap_lines(paras, int(rng.integers(60, 81)))
    pngs, gold = [], []
    while lines and len(pngs) < pages:
        img, fitted = synth.render_page(lines, font, rng, crop=False)
        img = synth.degrade(img, level, rng)
        png = work / f"{level}-{k}-{len(pngs) + 1}.png"
        img.save(png, dpi=DPI)
        pngs.append(png)
        gold.append([ln.text for ln in fitted])
        lines = lines[len(fitted):]
    pdf = work / f"{level}-{k}.pdf"
    pdf.write_bytes(img2pdf.convert([str(p) for p in pngs]))
    for p in pngs:
        p.unlink()
    return Doc(f"{level}-{k}", doc, level, pdf, gold)


def make_docs(args, fonts, work: Path) -> dict[str, list[Doc]]:
    docs = pick_documents(args.corpora, SOURCES, args.docs, True, SEED)
    assert all(is_heldout(*d.split("/", 1)) for d, _ in docs), "a training document slipped in"
    say(f"{len(docs)} held-out documents: " + ", ".join(d for d, _ in docs))
    return {level: [render_doc(k, d, paras, fonts[k % len(fonts)], level,
                               args.pages_per_doc, work)
                    for k, (d, paras) in enumerate(docs)] for level in args.levels}


# --------------------------------------------------------------------------- (a) - (c)

def process(doc: Doc, work: Path) -> dict[str, float]:
    """Every system's output for one document; seconds of the timed steps."""
    from vnrestore.pdf import relayer_pdf

    base = work / doc.name
    timing = {}
    for lang, plugin, key in (("eng", False, "eng"), ("eng", True, "plugin-eng"),
                              ("vie", False, "vie"), ("vie", True, "plugin-vie")):
        sidecar = base.with_suffix(".sidecar.txt") if key == "plugin-eng" else None
        doc.pdfs[key] = base.with_suffix(f".{key}.pdf")
        timing[key] = ocrmypdf(doc.image_pdf, doc.pdfs[key], lang, plugin, sidecar)
        doc.outputs[key] = text_pages(pdftotext(doc.pdfs[key]))
        if sidecar is not None:
            doc.outputs["plugin-eng-sidecar"] = text_pages(sidecar.read_text(encoding="utf-8"))
    doc.pdfs["relayer"] = base.with_suffix(".relayer.pdf")
    start = time.perf_counter()
    relayer_pdf(doc.pdfs["eng"], doc.pdfs["relayer"])
    timing["relayer"] = time.perf_counter() - start
    doc.outputs["relayer"] = text_pages(pdftotext(doc.pdfs["relayer"]))
    raw = base.with_suffix(".eng.txt")
    raw.write_text(pdftotext(doc.pdfs["eng"]), encoding="utf-8")
    timing["clean"], cleaned = run([*vnrestore_cmd(), "clean", str(raw)])
    doc.outputs["clean"] = text_pages(cleaned)
    return timing


@dataclass
class SetScore:
    page: Score
    aligned: Score
    gold_lines: int
    aligned_lines: int


def score(docs: list[Doc], system: str) -> SetScore:
    gold_pages, hyp_pages, gold_sel, hyp_sel = [], [], [], []
    for d in docs:
        hyps = d.outputs[system]
        if len(hyps) != len(d.gold):
            raise RuntimeError(f"{d.name} {system}: {len(hyps)} pages for {len(d.gold)}")
        for gold, hyp in zip(d.gold, hyps, strict=True):
            gold_pages.append(" ".join(gold))
            hyp_pages.append(" ".join(hyp))
            for i, j, _ in synth.align_lines(gold, hyp):
                gold_sel.append(gold[i])
                hyp_sel.append(hyp[j])
    return SetScore(score_lines(gold_pages, hyp_pages), score_lines(gold_sel, hyp_sel),
                    sum(len(g) for d in docs for g in d.gold), len(gold_sel))


def identity(docs: list[Doc]) -> tuple[int, int, int, float, str]:
    """(b): pages rendered identically / pages compared, first pages at 300 dpi
    identical, the largest word-box shift (points) read back, and PDF/A-2b status by
    pikepdf's checker (outputs passing / inputs passing)."""
    from pikepdf.pdfa import validate_written

    from vnrestore.pdf import read_layer

    pdfa_in = sum(validate_written(d.pdfs["eng"], "2b").passed for d in docs)
    pdfa_out = sum(validate_written(d.pdfs["relayer"], "2b").passed for d in docs)
    pdfa = f"{pdfa_out}/{pdfa_in}"
    same = total = same300 = 0
    shift = 0.0
    for d in docs:
        a, b = d.pdfs["eng"], d.pdfs["relayer"]
        for dpi in (72, 150):
            n = len(d.gold)
            for page in range(1, n + 1):
                total += 1
                same += _page_hash(a, dpi, page) == _page_hash(b, dpi, page)
        same300 += render_hash(a, 300, 1) == render_hash(b, 300, 1)
        before, after = read_layer(a), read_layer(b)
        for pa, pb in zip(before, after, strict=True):
            if len(pa.words) != len(pb.words):
                return same, total, same300, float("inf"), pdfa
            for wa, wb in zip(pa.words, pb.words, strict=True):
                shift = max(shift, *(abs(x - y) for x, y in zip(wa.bbox, wb.bbox,
                                                                 strict=True)))
    return same, total, same300, shift, pdfa


def _page_hash(pdf: Path, dpi: int, page: int) -> str:
    out = subprocess.run(["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page),
                          str(pdf)], capture_output=True, check=True).stdout
    return hashlib.sha256(out).hexdigest()


# --------------------------------------------------------------------------- (d), (e)

def concat(pdfs: list[Path], dst: Path, pages: int) -> Path:
    """The first ``pages`` pages of ``pdfs`` repeated in turn; every page copied from a
    freshly opened file, so no two pages share objects (as in a real long scan)."""
    import pikepdf

    out = pikepdf.new()
    k = 0
    while len(out.pages) < pages:
        with pikepdf.open(pdfs[k % len(pdfs)]) as src:
            for page in src.pages:
                if len(out.pages) < pages:
                    out.pages.append(page)
        k += 1
    out.save(dst)
    return dst


def speed(docs: list[Doc], pages: int, reps: int, work: Path, lang: str = "eng"
          ) -> tuple[list, list]:
    """(d): (wall, CPU) seconds of plain and plugin ``ocrmypdf -l LANG`` on one
    ``pages``-page PDF, alternating which goes first.  CPU time (user + system of
    OCRmyPDF and its workers and Tesseracts) is steadier than wall time on a shared
    machine."""
    src = concat([d.image_pdf for d in docs], work / "speed-in.pdf", pages)
    plain: list[tuple[float, float]] = []
    plugin: list[tuple[float, float]] = []
    for rep in range(reps):
        for use, times in ((False, plain), (True, plugin)) if rep % 2 == 0 else \
                ((True, plugin), (False, plain)):
            before = _children_cpu()
            wall = ocrmypdf(src, work / "speed-out.pdf", lang, use)
            times.append((wall, _children_cpu() - before))
            say(f"speed rep {rep}: {'plugin' if use else 'plain'} {wall:.1f} s wall, "
                f"{times[-1][1]:.1f} s CPU")
    return plain, plugin


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


MEMORY_SCRIPT = """
import resource, sys, time
from vnrestore.pdf import relayer_pdf
start = time.perf_counter()
out = relayer_pdf(sys.argv[1], sys.argv[2])
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
      out.pages, out.words, len(out.edits))
"""


def memory(docs: list[Doc], sizes: list[int], work: Path) -> list[tuple[int, float, int, int]]:
    """(e): (pages, seconds, max RSS in MB, words) of relayer_pdf in a fresh process."""
    rows = []
    for n in sizes:
        src = concat([d.pdfs["eng"] for d in docs], work / f"mem-{n}.pdf", n)
        out = run([sys.executable, "-c", MEMORY_SCRIPT, str(src), str(work / f"mem-{n}.out.pdf")])
        secs, rss_kb, pages, words, _ = out[1].split()
        rows.append((int(pages), float(secs), int(rss_kb) // 1024, int(words)))
        say(f"memory {n} pages: {rows[-1]}, file {src.stat().st_size // 1024} KB")
    return rows


# --------------------------------------------------------------------------- report

def pct(x: float) -> str:
    return f"{100 * x:.2f}%"


def report(by_level, scores, ident, timing, plain, plugin, mem, args) -> list[str]:
    out = []
    for level, docs in by_level.items():
        pages = sum(len(d.gold) for d in docs)
        words = scores[(level, "eng")].page.words
        out += [f"### Level `{level}`: {len(docs)} documents, {pages} full A4 pages, "
                f"{words} words", "",
                "| system | word acc (page) | CER | word acc (aligned lines) "
                "| gold lines aligned |", "|---|---|---|---|---|"]
        for label, system in SYSTEMS:
            s = scores[(level, system)]
            out.append(f"| {label} | {pct(s.page.word_acc)} | {pct(s.page.cer)} "
                       f"| {pct(s.aligned.word_acc)} | {s.aligned_lines}/{s.gold_lines} |")
        out += ["", "Per document (word accuracy, page scoring):", "",
                "| document | pages | " + " | ".join(s for _, s in SYSTEMS) + " |",
                "|---|---|" + "---|" * len(SYSTEMS)]
        for d in docs:
            out.append(f"| {d.name} ({d.source}) | {len(d.gold)} | " + " | ".join(
                pct(score([d], s).page.word_acc) for _, s in SYSTEMS) + " |")
        same, total, same300, shift, pdfa = ident[level]
        rl, cl = scores[(level, "relayer")].page, scores[(level, "clean")].page
        pe, pv, v = (scores[(level, s)].page for s in ("plugin-eng", "plugin-vie", "vie"))
        t = timing[level]
        out += ["",
                f"- (a) relayer {pct(rl.word_acc)} (target >= 94.5%: "
                f"{'met' if rl.word_acc >= 0.945 else 'NOT met'}); `vnrestore clean` on the "
                f"same pages {pct(cl.word_acc)}: {100 * (rl.word_acc - cl.word_acc):+.2f} "
                f"points (target within 0.5: "
                f"{'met' if rl.word_acc >= cl.word_acc - 0.005 else 'NOT met'})",
                f"- (b) pages rendered byte-identical: {same}/{total} (72 and 150 dpi), "
                f"first pages at 300 dpi {same300}/{len(docs)}; largest word-box shift "
                f"read back {shift:.4f} pt; PDF/A-2b by pikepdf's checker: {pdfa} "
                f"(outputs passing / inputs passing)",
                f"- (c) plugin `-l eng` {pct(pe.word_acc)} (target >= 94%: "
                f"{'met' if pe.word_acc >= 0.94 else 'NOT met'}); plugin `-l vie` "
                f"{pct(pv.word_acc)} vs plain `-l vie` {pct(v.word_acc)} "
                f"({'better' if pv.word_acc > v.word_acc else 'NOT better'})",
                f"- time per document (median): `ocrmypdf -l eng` "
                f"{statistics.median(t['eng']):.1f} s, relayer_pdf in-process "
                f"{statistics.median(t['relayer']):.2f} s, `vnrestore clean` CLI "
                f"{statistics.median(t['clean']):.2f} s", ""]
    if plain:
        out += [f"### (d) Plugin speed: {args.speed_pages}-page document, "
                f"`ocrmypdf -l {args.speed_lang}`, "
                f"OCRmyPDF's default jobs ({os.cpu_count()} cores, shared: wall times "
                f"vary run to run)", ""]
        for k, what in ((0, "wall"), (1, "CPU (user + system, all processes)")):
            mp = statistics.median(t[k] for t in plain)
            mg = statistics.median(t[k] for t in plugin)
            out += [f"- {what}: plain {', '.join(f'{t[k]:.1f}' for t in plain)} s "
                    f"(median {mp:.1f}); with the plugin "
                    f"{', '.join(f'{t[k]:.1f}' for t in plugin)} s (median {mg:.1f}); "
                    f"added {100 * (mg / mp - 1):+.1f}% (target <= 15%: "
                    f"{'met' if mg <= 1.15 * mp else 'NOT met'})"]
        out.append("")
    if mem:
        out += ["### (e) `relayer_pdf` in a fresh process (imports and models included)", "",
                "| pages | words | seconds | s/page | peak memory (max RSS) |",
                "|---|---|---|---|---|"]
        out += [f"| {p} | {w} | {s:.1f} | {s / p:.3f} | {m} MB |" for p, s, m, w in mem]
        out.append("")
    return out


# --------------------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    ap.add_argument("--docs", type=int, default=6, help="documents per level")
    ap.add_argument("--pages-per-doc", type=int, default=2)
    ap.add_argument("--levels", nargs="+", default=["clean", "moderate"],
                    choices=list(synth.DEGRADATIONS))
    ap.add_argument("--speed-pages", type=int, default=10, help="0: skip (d)")
    ap.add_argument("--speed-reps", type=int, default=3)
    ap.add_argument("--speed-lang", default="eng", help="Tesseract language of (d)")
    ap.add_argument("--memory-pages", type=int, nargs="*", default=[20, 200],
                    help="nothing: skip (e)")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "pdf_results.md")
    ap.add_argument("--keep", type=Path, help="work in this directory and keep it")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    fonts = synth.usable_fonts()
    tmp = None if args.keep else tempfile.TemporaryDirectory(prefix="vnrestore-pdfbench-")
    work = args.keep or Path(tmp.name)
    work.mkdir(parents=True, exist_ok=True)
    try:
        lines = measure(args, fonts, work)
    finally:
        if tmp is not None:
            tmp.cleanup()
    text = "\n".join(["# `vnrestore pdf` and OCRmyPDF plugin acceptance figures", "",
                      "Made by `python benchmarks/pdf_run.py "
                      + " ".join(argv if argv is not None else sys.argv[1:]) + "`.", "",
                      header(time.perf_counter() - t0), "", *lines]) + "\n"
    print(text)
    args.out.write_text(text, encoding="utf-8")
    say(f"written to {args.out}")
    return 0


def measure(args, fonts, work: Path) -> list[str]:
    by_level = make_docs(args, fonts, work)
    scores, ident, timing = {}, {}, {}
    for level, docs in by_level.items():
        timing[level] = {}
        for d in docs:
            for key, secs in process(d, work).items():
                timing[level].setdefault(key, []).append(secs)
            say(f"{d.name}: {len(d.gold)} pages, " + ", ".join(
                f"{s} {pct(score([d], s).page.word_acc)}" for _, s in SYSTEMS))
        for _, system in SYSTEMS:
            scores[(level, system)] = score(docs, system)
        ident[level] = identity(docs)
    first = next(iter(by_level.values()))
    plain, plugin = speed(first, args.speed_pages, args.speed_reps, work, args.speed_lang) \
        if args.speed_pages else ([], [])
    mem = memory(first, args.memory_pages, work) if args.memory_pages else []
    return report(by_level, scores, ident, timing, plain, plugin, mem, args)


def header(seconds: float) -> str:
    import ocrmypdf
    import pdfminer
    import pikepdf

    tess = subprocess.run(["tesseract", "--version"], capture_output=True, text=True,
                          check=False).stdout.splitlines()[0]
    commit = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
                            capture_output=True, text=True, check=False).stdout.strip()
    return (f"Measured {datetime.date.today()} on {platform.machine()}, {os.cpu_count()} "
            f"cores (shared); Python {platform.python_version()}, vnrestore {__version__} "
            f"({commit or 'no git'}), OCRmyPDF {ocrmypdf.__version__}, pikepdf "
            f"{pikepdf.__version__}, pdfminer.six {pdfminer.__version__}, {tess}; "
            f"script run time {seconds:.0f} s.")


if __name__ == "__main__":
    sys.exit(main())
