"""One command for every published figure: ``python benchmarks/run.py [--readme]``.

Builds the dev sets (held-out corpus documents: marks stripped and correct text; the
synthetic OCR sets in benchmarks/data/ when present; the Thường Xuân seed), runs
vnrestore and its peers on each, and writes benchmarks/results.md (with --readme, also
the README's results section).  Timings are medians of several runs in this one process.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from datasets import make_sets  # noqa: E402

from vnrestore.evaluate import score_lines  # noqa: E402

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
    """name -> restore function (None when the peer is not installed)."""
    from vnrestore.pipeline import get_restorer

    restorer = get_restorer()
    found: dict[str, Callable[..., str] | None] = {
        "vnrestore": lambda text, source="auto": restorer.restore(text, source=source).text,
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
    try:
        from underthesea import restore_diacritics  # type: ignore[attr-defined]

        found["underthesea"] = lambda text: "\n".join(
            restore_diacritics(line) if line.strip() else line for line in text.split("\n"))
    except ImportError:
        found["underthesea"] = None
    return found


def dev_sets(words: int) -> dict[str, tuple[Path, Path]]:
    sets = {"thuong-xuan seed": (SEEDS / "thuong-xuan-2024.ocr.txt",
                                 SEEDS / "thuong-xuan-2024.gold.txt")}
    for name, options in SYNTH.items():
        ocr, gold = DATA / f"{name}.ocr.txt", DATA / f"{name}.gold.txt"
        if not (ocr.exists() and gold.exists()):
            make_synthetic(name, options)
        sets[name] = (ocr, gold)
    sets.update(make_sets(words))
    return sets


def make_synthetic(name: str, options: str, seed: int = 0) -> None:
    """Render, degrade and OCR pages of held-out legal and wiki documents (300 lines);
    another ``seed`` picks other documents (benchmarks/tune.py's dev sets)."""
    cmd = [sys.executable, str(ROOT / "scripts" / "make_synthetic.py"), "--split", "heldout",
           "--sources", "legal,wiki", "--docs", "12", "--pages-per-doc", "1",
           *options.split(), "--seed", str(seed), "--out", str(DATA / f"{name}.jsonl.gz"),
           "--txt-out", str(DATA / name), "--max-lines", "300"]
    subprocess.run(cmd, check=True)


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
    for set_name, (inp, gold) in dev_sets(words).items():
        text = inp.read_text(encoding="utf-8")
        gold_lines = gold.read_text(encoding="utf-8").split("\n")
        for name, func in systems.items():
            if func is None or (only and name not in only):
                continue
            if name == "vnrestore":
                # Tesseract-vie output is run as `vnrestore clean --source vie-ocr` (as the
                # `ocr` command does); everything else with the automatic estimate.
                source = "vie-ocr" if set_name.startswith("synth-vie") else "auto"
                out, seconds = timed(lambda t, f=func, s=source: f(t, s), text, repeats)
            else:
                out, seconds = timed(func, text, 1)
            s = score_lines(gold_lines, out.split("\n"))
            rows.append({"set": set_name, "system": name, "word_acc": s.word_acc, "cer": s.cer,
                         "words": s.words, "words_per_s": len(text.split()) / seconds})
            print(f"{set_name:22s} {name:12s} {s.word_acc:.4f} {s.cer:.4f} "
                  f"{rows[-1]['words_per_s']:,.0f} w/s", file=sys.stderr)
    return rows


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
    head = "| set | " + " | ".join(systems) + " |"
    lines = [head, "|---|" + "---|" * len(systems)]
    for s in sets:
        cells = []
        for name in systems:
            r = next((r for r in rows if r["set"] == s and r["system"] == name), None)
            cells.append("–" if r is None else f"{100 * r['word_acc']:.2f}% ({100 * r['cer']:.1f})")
        lines.append(f"| {s} | " + " | ".join(cells) + " |")
    when = datetime.date.today().isoformat()
    machine = f"{platform.machine()}, {os.cpu_count()} cores"
    perf_lines = [f"- {k}: {v}" for k, v in perf.items()]
    return "\n".join([
        f"Measured {when} on {machine}; {versions()}.",
        "",
        "Word accuracy (CER in brackets; `*-correct` rows: share of correct words left "
        "unchanged; the `-stripped` rows have every mark removed):",
        "",
        *lines,
        "",
        "Speed and memory of `vnrestore clean` in a fresh process (start-up, model loading and "
        "cold caches included; words counted by whitespace):",
        "",
        *perf_lines,
    ])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--words", type=int, default=20000, help="words per held-out set")
    ap.add_argument("--big-words", default="200000,1000000",
                    help="words of the speed files (comma-separated)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--only", help="comma-separated systems")
    ap.add_argument("--readme", action="store_true", help="also update README.md")
    args = ap.parse_args(argv)
    rows = evaluate(args.words, args.repeats, args.only.split(",") if args.only else None)
    perf = {"start-up on empty input, no model loaded (median of 7)": f"{startup():.2f} s",
            "one line of OCR text, models loaded (median of 7)": f"{one_line():.2f} s"}
    sizes = [int(w) for w in args.big_words.split(",")]
    for label, path in big_inputs(sizes).items():
        rate, peak = big_file_run(path, args.repeats)
        size = path.stat().st_size
        size_label = f"{size / 1e6:.1f} MB" if size >= 1e5 else f"{size / 1e3:.0f} KB"
        perf[f"`vnrestore clean` on {size_label} of {label} (median of {args.repeats})"] = \
            f"{rate:,.0f} words/s, peak memory {peak:.0f} MB"
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
