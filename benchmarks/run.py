"""One command for every published figure: ``python benchmarks/run.py [--readme]``.

Builds the test sets (never tuned on): the Thường Xuân seed; synthetic scans of held-out
corpus documents and of UD VTB dev text (eng OCR; Tesseract-vie OCR of clean pages per
register, restored page by page, and of degraded pages), made into .cache/bench on
demand; held-out legal, news and wiki documents and UD VTB dev, marks stripped and as
they are.  Runs vnrestore in its default mode (no --source) and its peers on each, and
writes benchmarks/results.md (with --readme, also the README's results section).
Timings are medians of several runs in this one process.
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).parent))

from datasets import UD, make_sets, ud_sets  # noqa: E402

from vnrestore.evaluate import Score, score_lines  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
# Synthetic OCR dev sets of held-out documents: corpus text, so never committed; made on
# demand by scripts/make_synthetic.py (needs Tesseract; a few minutes on 2 cores).
DATA = ROOT / ".cache" / "bench"
SYNTH = {  # name -> make_synthetic.py options
    "synth-eng-moderate": "--levels moderate --langs eng",
    "synth-vie-degraded": "--levels heavy --langs vie",
}


def peers() -> dict[str, Callable[[str], str] | None]:
    """name -> restore function (None when the peer is not installed).  vnrestore runs
    in its default mode everywhere (no --source), as a user would."""
    from vnrestore.pipeline import get_restorer

    restorer = get_restorer()
    found: dict[str, Callable[..., str] | None] = {
        "vnrestore": lambda text: restorer.restore(text, explain=False, confidence=False).text,
        "identity": lambda text: text,
    }
    try:
        from pyvi import ViUtils

        from vnrestore.vietnamese import strip_marks

        def pyvi_line(line: str) -> str:
            # pyvi restores marks of unmarked text: strip first.  It raises on some
            # character sequences; such a line counts as the stripped line it was given.
            try:
                return ViUtils.add_accents(strip_marks(line)) if line.strip() else line
            except (KeyError, IndexError, ValueError):
                return strip_marks(line)

        found["pyvi"] = lambda text: "\n".join(map(pyvi_line, text.split("\n")))
    except ImportError:
        found["pyvi"] = None
    return found


class TestSet(NamedTuple):
    input: Path
    gold: Path
    pages: Path | None = None  # synthetic scans: restore each page alone, as `ocr` does


# name -> make_synthetic.py options (held-out legal and wiki documents unless --corpora)
SYNTH = {
    "synth-eng-moderate": "--levels moderate --langs eng",
    "synth-vie-degraded": "--levels heavy --langs vie",
}
UD_CORPUS = DATA / "ud-corpus"
# Pages Tesseract's Vietnamese model reads ~99% right, one set per register.
VIE_CLEAN = {f"vie-clean-{s}": f"--sources {s} --docs 8 --levels clean --langs vie"
             for s in ("legal", "news", "wiki")}


def test_sets(words: int) -> dict[str, TestSet]:
    sets = {"thuong-xuan seed": TestSet(SEEDS / "thuong-xuan-2024.ocr.txt",
                                        SEEDS / "thuong-xuan-2024.gold.txt")}
    for name, options in SYNTH.items():
        sets[name] = synthetic(name, options + " --sources legal,wiki --docs 12 --max-lines 300")
    sets["synth-eng-ud"] = synthetic("synth-eng-ud", "--levels moderate --langs eng --docs 12 "
                                     "--max-lines 300", ud=True)
    for name, options in VIE_CLEAN.items():
        sets[name] = synthetic(name, options, pages=True)
    sets["vie-clean-ud"] = synthetic("vie-clean-ud", "--docs 8 --levels clean --langs vie",
                                     pages=True, ud=True)
    for name, (inp, gold) in {**make_sets(words), **ud_sets()}.items():
        sets[name] = TestSet(inp, gold)
    return sets


def synthetic(name: str, options: str, *, pages: bool = False, ud: bool = False) -> TestSet:
    """A synthetic scan set in .cache/bench, made on demand (corpus text: never committed)."""
    ocr, gold = DATA / f"{name}.ocr.txt", DATA / f"{name}.gold.txt"
    if not (ocr.exists() and gold.exists()):
        make_synthetic(name, options, ud=ud)
    return TestSet(ocr, gold, DATA / f"{name}.jsonl.gz" if pages else None)


def make_synthetic(name: str, options: str, seed: int = 0, ud: bool = False,
                   ud_split: str = "dev") -> None:
    """Render, degrade and OCR pages of held-out documents (or of UD VTB text, never
    trained on: the dev split for the benchmark, the train split for tune.py's dev set),
    one page per document; another ``seed`` picks other documents (benchmarks/tune.py's
    dev sets)."""
    where = ["--corpora", str(ud_corpus(ud_split)), "--split", "train", "--sources", "ud"] \
        if ud else ["--split", "heldout"]
    if not ud and "--sources" not in options:
        options += " --sources legal,wiki --docs 12 --max-lines 300"
    cmd = [sys.executable, str(ROOT / "scripts" / "make_synthetic.py"), *where,
           "--pages-per-doc", "1", *options.split(), "--seed", str(seed),
           "--out", str(DATA / f"{name}.jsonl.gz"), "--txt-out", str(DATA / name)]
    subprocess.run(cmd, check=True)


def ud_corpus(split: str = "dev") -> Path:
    """UD VTB sentences of ``split`` as a corpus file make_synthetic can render: documents
    of 40 sentences, paragraphs of 4 (in .cache: corpus text is never committed)."""
    folder = UD_CORPUS if split == "dev" else DATA / f"ud-{split}-corpus"
    path = folder / "ud.jsonl.gz"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        lines = [line.strip() for line in (UD / f"{split}.txt").read_text(encoding="utf-8")
                 .split("\n") if line.strip()]
        with gzip.open(path, "wt", encoding="utf-8") as fh:
            for n, start in enumerate(range(0, len(lines), 40)):
                doc = lines[start:start + 40]
                text = "\n".join(" ".join(doc[k:k + 4]) for k in range(0, len(doc), 4))
                fh.write(json.dumps({"source": "ud", "id": f"{split}-{n}", "text": text},
                                    ensure_ascii=False) + "\n")
    return folder


def pages_of(path: Path) -> list[tuple[list[str], list[str]]]:
    """(OCR lines, gold lines) of every page of a synthetic set."""
    by_page: dict[tuple[str, int], tuple[list[str], list[str]]] = {}
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            ocr, gold = by_page.setdefault((rec["doc"], rec["page"]), ([], []))
            ocr.append(rec["ocr"])
            gold.append(rec["source"])
    return list(by_page.values())


def timed(func: Callable[[str], str], text: str, repeats: int) -> tuple[str, float]:
    times, out = [], ""
    for _ in range(repeats):
        start = time.perf_counter()
        out = func(text)
        times.append(time.perf_counter() - start)
    return out, statistics.median(times)


def evaluate(words: int, repeats: int, only: list[str] | None) -> list[dict]:
    rows = []
    systems = peers()
    for set_name, test in test_sets(words).items():
        for name, func in systems.items():
            if func is None or (only and name not in only):
                continue
            if test.pages is not None:
                s, seconds, n_words = by_page(func, test.pages)
            else:
                text = test.input.read_text(encoding="utf-8")
                out, seconds = timed(func, text, repeats if name == "vnrestore" else 1)
                s = score_lines(test.gold.read_text(encoding="utf-8").split("\n"),
                                out.split("\n"))
                n_words = len(text.split())
            rows.append({"set": set_name, "system": name, "word_acc": s.word_acc,
                         "cer": s.cer, "words": s.words,
                         "words_per_s": n_words / max(seconds, 1e-9)})
            print(f"{set_name:22s} {name:12s} {s.word_acc:.4f} {s.cer:.4f} "
                  f"{rows[-1]['words_per_s']:,.0f} w/s", file=sys.stderr)
    return rows


def by_page(func: Callable[[str], str], path: Path) -> tuple[Score, float, int]:
    """Every page restored alone (a page is a document to `vnrestore ocr`), scored
    together: (score, seconds, words)."""
    gold_all, out_all, seconds, n_words = [], [], 0.0, 0
    for ocr, gold in pages_of(path):
        text = "\n".join(ocr)
        out, t = timed(func, text, 1)
        seconds += t
        n_words += len(text.split())
        gold_all += gold
        out_all += out.split("\n")
    return score_lines(gold_all, out_all), seconds, n_words


def startup(repeats: int = 7) -> float:
    """Median seconds for `vnrestore clean` on empty input (a fresh process each time)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "vnrestore", "clean"], input=b"", check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def big_file_run(path: Path, repeats: int = 3) -> tuple[float, float]:
    """(words/s, peak MB) of the CLI on a large file, in fresh processes."""
    code = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
            "subprocess.run([sys.executable, '-m', 'vnrestore', 'clean', '-q', sys.argv[1]], "
            "stdout=subprocess.DEVNULL, check=True); "
            "print(time.perf_counter() - t, "
            "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)")
    runs = [subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                           text=True, check=True).stdout.split() for _ in range(repeats)]
    words = len(path.read_text(encoding="utf-8").split())
    return (words / statistics.median(float(r[0]) for r in runs),
            max(float(r[1]) for r in runs))


def one_line(repeats: int = 7) -> float:
    """Median seconds for `vnrestore clean` on one line of OCR text in a fresh process:
    start-up with the models loaded, what a shell pipeline pays per call."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "vnrestore", "clean"], check=True,
                       input="Két luan s6 57-KL/TW ciia B Chinh trj\n".encode(),
                       stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def big_inputs(sizes: list[int]) -> dict[str, Path]:
    """Inputs of the fresh-process speed runs: large files of stripped and of correct
    news, and the OCR documents we have (small, so start-up and cold caches count)."""
    out = {}
    for words in sizes:
        sets = make_sets(words)
        out[f"stripped news ({words:,} words)"] = sets["news-stripped"][0]
        out[f"correct news ({words:,} words)"] = sets["news-correct"][0]
    return {**out, "synthetic eng-OCR": DATA / "synth-eng-moderate.ocr.txt",
            "the Thường Xuân seed (OCR)": SEEDS / "thuong-xuan-2024.ocr.txt"}


def versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    out = [f"Python {platform.python_version()}"]
    for pkg in ("vnrestore", "numpy", "rapidfuzz", "pyvi", "underthesea"):
        try:
            out.append(f"{pkg} {version(pkg)}")
        except PackageNotFoundError:
            pass
    return ", ".join(out)


def table(rows: list[dict], perf: dict) -> str:
    sets = list(dict.fromkeys(r["set"] for r in rows))
    systems = list(dict.fromkeys(r["system"] for r in rows))
    head = "| set | " + " | ".join(systems) + " | errors removed |"
    lines = [head, "|---|" + "---|" * (len(systems) + 1)]
    for s in sets:
        cells = []
        for name in systems:
            r = next((r for r in rows if r["set"] == s and r["system"] == name), None)
            cells.append("–" if r is None else f"{100 * r['word_acc']:.2f}% ({100 * r['cer']:.1f})")
        ours = next((r for r in rows if r["set"] == s and r["system"] == "vnrestore"), None)
        raw = next((r for r in rows if r["set"] == s and r["system"] == "identity"), None)
        if ours and raw and raw["word_acc"] < 1:
            cut = 1 - (1 - ours["word_acc"]) / (1 - raw["word_acc"])
            cells.append(f"{100 * cut:+.0f}%")
        else:
            cells.append("")
        lines.append(f"| {s} | " + " | ".join(cells) + " |")
    when = datetime.date.today().isoformat()
    machine = f"{platform.machine()}, {os.cpu_count()} cores"
    perf_lines = [f"- {k}: {v}" for k, v in perf.items()]
    return "\n".join([
        f"Measured {when} on {machine}; {versions()}.",
        "",
        "Word accuracy (CER in brackets; `*-correct` rows: share of correct words left "
        "unchanged; the `-stripped` rows have every mark removed; `identity` is the input "
        "as it is, for `vie-*` sets Tesseract's own output; *errors removed*: share of the "
        "input's word errors that vnrestore fixes, net):",
        "",
        *lines,
        "",
        "Speed and memory of `vnrestore clean` in a fresh process (start-up, model loading and "
        "cold caches included; words counted by whitespace):",
        "",
        *perf_lines,
    ])


def speed(args: argparse.Namespace) -> dict[str, str]:
    """Fresh-process speed and memory rows."""
    perf = {"start-up on empty input, no model loaded (median of 7)": f"{startup():.2f} s",
            "one line of OCR text, models loaded (median of 7)": f"{one_line():.2f} s"}
    sizes = [int(w) for w in args.big_words.split(",")]
    for label, path in big_inputs(sizes).items():
        rate, peak = big_file_run(path, args.repeats)
        size = path.stat().st_size
        size_label = f"{size / 1e6:.1f} MB" if size >= 1e5 else f"{size / 1e3:.0f} KB"
        perf[f"`vnrestore clean` on {size_label} of {label} (median of {args.repeats})"] = \
            f"{rate:,.0f} words/s, peak memory {peak:.0f} MB"
    return perf


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--words", type=int, default=20000, help="words per held-out set")
    ap.add_argument("--big-words", default="200000,1000000",
                    help="words of the speed files (comma-separated)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--only", help="comma-separated systems")
    ap.add_argument("--readme", action="store_true", help="also update README.md")
    ap.add_argument("--no-speed", action="store_true", help="accuracy only (quicker)")
    args = ap.parse_args(argv)
    rows = evaluate(args.words, args.repeats, args.only.split(",") if args.only else None)
    lexicons = sum(p.stat().st_size for p in (ROOT / "lexicons").iterdir() if p.is_file())
    perf = {"size of lexicons/": f"{lexicons / 2**20:.1f} MiB"}
    if not args.no_speed:
        perf.update(speed(args))
    md = table(rows, perf)
    (Path(__file__).parent / "results.md").write_text(md + "\n", encoding="utf-8")
    (Path(__file__).parent / "results.json").write_text(
        json.dumps({"rows": rows, "perf": perf}, indent=1, ensure_ascii=False), encoding="utf-8")
    if args.readme:
        readme = ROOT / "README.md"
        text = readme.read_text(encoding="utf-8")
        start, end = "<!-- RESULTS -->", "<!-- /RESULTS -->"
        before = text.split(start)[0]
        after = text.split(end)[1] if end in text else text.split(start)[1]
        readme.write_text(f"{before}{start}\n{md}\n{end}{after}", encoding="utf-8")
    print(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
