#!/usr/bin/env python3
"""Issue 14, Tesseract's LSTM alternatives as channel evidence: `python benchmarks/lstm_choices.py`

Dev pages only: documents of the dev split of benchmarks/datasets.py (held-out documents
after those of the 20,000-word test sets; a document a synthetic test set renders a page
of gives only paragraphs far from that page), rendered as benchmarks/ocr_run.py renders
pages (vnrestore.build.synth, 300 dpi, Vietnamese fonts), one page per document and level
(clean, heavy), into a temporary directory (corpus text is never written to the repo).
Each page is read as `vnrestore ocr` reads it (default preprocessing, `tesseract -l vie`,
one thread), once for the text alone and once for the text with Tesseract's per-character
alternatives (`-c lstm_choice_mode=2`, hOCR; the text is checked to be the same).

1. Oracle: of the word errors left by `vnrestore ocr` as it is (page scoring, the metric
   of ../shared/tools/score.py), those whose gold word the alternatives spell (one
   alternative per character of the aligned OCR word, case aside) while the candidate
   generator does not already propose it: the most the alternatives can add.
2. Word accuracy with and without them (``RestoreConfig.lstm_choices``, and its
   neighbouring costs), same pages, same run; and the time they cost.

Prints the figures (benchmarks/lstm_choices.md has them with the decision).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from rapidfuzz.distance import Levenshtein

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from datasets import TEST_WORDS, _prose  # noqa: E402
from make_synthetic import pick_documents  # noqa: E402

from vnrestore import ocr  # noqa: E402
from vnrestore.build import synth  # noqa: E402
from vnrestore.build.corpus import iter_documents  # noqa: E402
from vnrestore.config import DEFAULT, RestoreConfig  # noqa: E402
from vnrestore.evaluate import _LETTER, _TOKEN, score_lines, tokens  # noqa: E402
from vnrestore.pipeline import get_restorer  # noqa: E402
from vnrestore.tokenize import Kind, tokenize  # noqa: E402
from vnrestore.vietnamese import place_tone  # noqa: E402

SEED = 14  # issue 14
SOURCES = ("legal", "wiki")
LEVELS = ("clean", "heavy")
# The synthetic test sets that must not lend a page: benchmarks/run.py (seed 0, 12
# documents), ocr_run.py and pdf_run.py (their seeds and default document counts).
TEST_PICKS = ((0, 12), (20261129, 6), (20261202, 12))


@dataclass
class DevPage:
    name: str
    doc: str
    level: str
    png: Path
    gold: list[str]


def dev_documents(corpora: Path, per_source: int) -> list[tuple[str, list[str]]]:
    """Documents of the dev split of benchmarks/datasets.py (held-out documents after
    those of the 20,000-word test sets), minus any document a synthetic test set renders
    a page of; the largest first (several pages may come from one)."""
    test = {d for seed, n in TEST_PICKS
            for d, _ in pick_documents(corpora, list(SOURCES), n, True, seed)}
    out = []
    for source in SOURCES:
        docs, total = [], 0
        for src, doc_id, text in iter_documents(corpora, [source], heldout=True):
            words = sum(len(line.split()) for line in _prose(text))
            in_dev = TEST_WORDS <= total < 2 * TEST_WORDS
            total += words
            name = f"{src}/{doc_id}"
            paras = synth.prose_paragraphs(text)
            if not in_dev or sum(map(len, paras)) < 3000:
                continue
            if name in test:  # only the paragraphs no test page drew from
                used = set().union(*(_test_page(name, paras, seed) for seed, _ in TEST_PICKS))
                parts = _runs([i for i in range(len(paras)) if i not in used])
                docs += [(f"{name}#{k}", [paras[i] for i in part])
                         for k, part in enumerate(parts, start=1)]
            else:
                docs.append((name, paras))
        docs.sort(key=lambda d: -sum(map(len, d[1])))
        out += docs[:per_source]
    return out


def _test_page(doc: str, paras: list[str], seed: int) -> set[int]:
    """The paragraphs ``synth.make_specs`` puts on the one page it cuts from ``doc`` with
    ``seed`` (its first draws), widened by a page on each side for safety."""
    import numpy as np

    rng = np.random.default_rng(synth.stable_seed(seed, doc))
    start = int(rng.integers(0, max(1, len(paras) - 3)))
    width = int(rng.integers(60, 81))
    k, chars = start, 0
    while chars < 45 * width and k < len(paras):
        chars += len(paras[k])
        k += 1
    margin = k - start
    return set(range(max(0, start - margin), k + margin))


def _runs(indices: list[int], parts: int = 3) -> list[list[int]]:
    """The longest runs of consecutive indices, split into ``parts`` pieces (separate
    pseudo-documents: each gives a page of its own)."""
    runs: list[list[int]] = []
    for i in indices:
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    longest = max(runs, key=len)
    size = len(longest) // parts
    return [longest[j * size:(j + 1) * size] for j in range(parts)]


def render_pages(docs: list[tuple[str, list[str]]], work: Path) -> list[DevPage]:
    """One page per document and level, as benchmarks/ocr_run.py renders them (300 dpi)."""
    import numpy as np

    fonts = synth.usable_fonts()
    pages = []
    work.mkdir(parents=True, exist_ok=True)
    for level in LEVELS:
        for k, spec in enumerate(synth.make_specs(docs, fonts, [level], SEED, 1,
                                                  langs=("vie",))):
            rng = np.random.default_rng(spec.seed)
            img, lines = synth.render_page(synth.wrap_lines(spec.paragraphs, spec.width),
                                           spec.font, rng)
            img = synth.degrade(img, level, rng)
            png = work / f"{level}-{k}.png"
            img.save(png, dpi=(synth.PAGE_DPI, synth.PAGE_DPI))
            pages.append(DevPage(f"{level}-{k}", spec.doc, level, png,
                                 [ln.text for ln in lines]))
    return pages



# --------------------------------------------------------------------------- oracle

Choices = Sequence[Sequence[tuple[str, float]]]  # per character: (text, confidence), best first


def spellable(target: str, symbols: Choices, min_conf: float = 0.0) -> bool:
    """Can ``target`` be spelled choosing one choice (of confidence >= ``min_conf``, or
    the best) for each symbol, in order?  Case-insensitive (case is the token's)."""
    target = unicodedata.normalize("NFC", target.lower())
    reach = {0}
    for alts in symbols:
        options = {a.lower() for i, (a, c) in enumerate(alts) if i == 0 or c >= min_conf}
        reach = {p + len(a) for p in reach for a in options if target.startswith(a, p)}
        if not reach:
            return False
    return len(target) in reach


# --------------------------------------------------------------------------- oracle

@dataclass
class RawToken:
    canon: str  # as the metric compares it
    word: str  # vnrestore's word token covering it (what the candidates are made for)
    symbols: Choices | None  # the choices of the covering token's characters


def raw_tokens(choices: list[ocr.WordChoices]) -> list[RawToken]:
    """The page's OCR tokens (the metric's tokens), each with the vnrestore word token
    that covers it and that token's per-character choices."""
    out = []
    for text, symbols in choices:
        words = [t for t in tokenize(text) if t.kind is Kind.WORD]
        for m in _TOKEN.finditer(text):
            cover = next((t for t in words if t.start <= m.start() < t.start + len(t.text)),
                         None)
            span = symbols[cover.start:cover.start + len(cover.text)] if cover else None
            out.append(RawToken(tokens(m.group())[0], cover.text if cover else m.group(),
                                span))
    return out


def pairs(gold: list[str], hyp: list[str]) -> dict[int, int]:
    """Gold index -> aligned hypothesis index (equal or substituted, as the metric pairs)."""
    out = {}
    for op in Levenshtein.opcodes(gold, hyp):
        if op.tag in ("equal", "replace"):
            for k, i in enumerate(range(op.src_start, op.src_end)):
                if op.dest_start + k < op.dest_end:
                    out[i] = op.dest_start + k
    return out


def proposed(restorer, word: str, gold: str, params) -> bool:
    """Does the candidate generator already offer ``gold`` for the OCR word?"""
    want = place_tone(gold.lower(), "old")
    return any(place_tone(c.text, "old") == want for c in restorer.generator.for_word(word, params))


def can_spell(gold: str, symbols: Choices, min_conf: float) -> bool:
    forms = {gold, place_tone(gold, "old"), place_tone(gold, "new")}
    return any(spellable(f, symbols, min_conf) for f in forms)


@dataclass
class Oracle:
    words: int = 0  # gold letter tokens
    errors: int = 0  # of them wrong in `vnrestore ocr`'s output
    no_choices: int = 0  # errors without an aligned OCR word whose choices pair up
    spellable: int = 0  # errors whose gold word the choices spell
    already: int = 0  # ... that the candidate generator proposes already
    potential: int = 0  # ... that it does not: what the choices could add
    strict: int = 0  # potential with choices of confidence >= STRICT only
    examples: list[tuple[str, str, str]] | None = None


STRICT = 0.01


def oracle_page(restorer, gold_lines: list[str], output: str, text: str,
                choices: list[ocr.WordChoices], acc: Oracle) -> None:
    """Add one page's counts to ``acc`` (page scoring: all lines joined)."""
    joined = unicodedata.normalize("NFC", " ".join(gold_lines))
    gold, spelled = tokens(joined), _TOKEN.findall(joined)  # compared, and as written
    out = tokens(" ".join(ln.strip() for ln in output.splitlines() if ln.strip()))
    raw = raw_tokens(choices)
    params = restorer.restore(text, explain=False, confidence=False).params
    to_out, to_raw = pairs(gold, out), pairs(gold, [r.canon for r in raw])
    for i, g in enumerate(gold):
        if not _LETTER.search(g):
            continue
        acc.words += 1
        if i in to_out and out[to_out[i]] == g:
            continue
        acc.errors += 1
        r = raw[to_raw[i]] if i in to_raw else None
        if r is None or r.symbols is None:
            acc.no_choices += 1
            continue
        word = spelled[i]
        if not can_spell(word, r.symbols, 0.0):
            continue
        acc.spellable += 1
        if proposed(restorer, r.word, word, params):
            acc.already += 1
            continue
        acc.potential += 1
        acc.strict += can_spell(word, r.symbols, STRICT)
        if acc.examples is not None:
            acc.examples.append((r.word, word, out[to_out[i]] if i in to_out else ""))


# --------------------------------------------------------------------------- main

@dataclass
class PageRun:
    page: DevPage
    text: str  # Tesseract's text (the same with and without choices: checked)
    choices: list[ocr.WordChoices]
    seconds: dict[str, float]  # preprocess, tesseract txt, txt+hocr, hocr, hocr+choices
    hocr: str = ""  # Tesseract's hOCR (as `ocr --hocr` reads it)
    hocr_choices: list[ocr.WordChoices] | None = None  # its words' alternatives


def ocr_pages(pages: list[DevPage]) -> list[PageRun]:
    """Every page as `vnrestore ocr` reads it (default preprocessing, Tesseract -l vie,
    one thread), once without and once with the choices (order alternated per page)."""
    from PIL import Image

    engine = ocr.TesseractEngine()
    runs = []
    for k, p in enumerate(pages):
        t0 = time.perf_counter()
        with Image.open(p.png) as im:
            im.load()
            image = ocr.preprocess(im)
        seconds = {"preprocess": time.perf_counter() - t0}
        text, (text2, choices) = _alternate(k % 2 == 0, seconds, ("txt", "choices"), (
            engine.image_to_text, engine.image_to_text_and_choices), image)
        if text2 != text:
            raise RuntimeError(f"{p.name}: lstm_choice_mode changed Tesseract's text")
        hocr, (hocr2, hchoices) = _alternate(k % 2 == 0, seconds, ("hocr", "hocr_choices"), (
            engine.image_to_hocr, engine.image_to_hocr_and_choices), image)
        if hocr_lines(hocr2) != hocr_lines(hocr):  # (the temporary image's name differs)
            raise RuntimeError(f"{p.name}: lstm_choice_mode changed Tesseract's hOCR")
        runs.append(PageRun(p, text, choices, seconds, hocr, hchoices))
        say(f"{p.name} ({p.doc}): tesseract {seconds['txt']:.2f} s, with choices "
            f"{seconds['choices']:.2f} s, {len(choices)} words with choices")
    return runs


def _alternate(plain_first: bool, seconds: dict[str, float], names: tuple[str, str],
               reads: tuple[Callable[..., Any], Callable[..., Any]], image: Any
               ) -> tuple[Any, Any]:
    """Both Tesseract readings of ``image`` with ``vie`` (without, with the choices), in
    the order given (it alternates per page), their times in ``seconds`` under ``names``."""
    out: list[Any] = [None, None]
    for i in ((0, 1) if plain_first else (1, 0)):
        t0 = time.perf_counter()
        out[i] = reads[i](image, "vie")
        seconds[names[i]] = time.perf_counter() - t0
    return out[0], out[1]


def say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def page_words(gold: list[str], output: str) -> tuple[int, int]:
    """Right and total gold words of a page (page scoring, as benchmarks/ocr_run.py)."""
    hyp = " ".join(ln.strip() for ln in output.splitlines() if ln.strip())
    s = score_lines([" ".join(gold)], [hyp])
    return round(s.word_acc * s.words), s.words


def restore_all(runs: list[PageRun], config: RestoreConfig, use_choices: bool
                ) -> tuple[list[str], float]:
    """Outputs of every page and the restoration's CPU seconds (models loaded before)."""
    restorer = get_restorer((), config)
    restorer.restore("khởi động")  # load the models outside the timing
    outs, cpu = [], 0.0
    for r in runs:
        t0 = time.process_time()
        outs.append(restorer.restore(r.text, explain=False, confidence=False,
                                     choices=r.choices if use_choices else None).text)
        cpu += time.process_time() - t0
    return outs, cpu


def accuracy_row(name: str, runs: list[PageRun], outs: list[str], cpu: float) -> str:
    """A table row: word accuracy of ``outs`` per level and over all pages, and CPU s."""
    cells, all_right, all_total = [], 0, 0
    for level in LEVELS:
        right = total_words = 0
        for r, o in zip(runs, outs, strict=True):
            if r.page.level == level:
                a, b = page_words(r.page.gold, o)
                right, total_words = right + a, total_words + b
        cells.append(f"{pct(right, total_words)} ({right}/{total_words})")
        all_right, all_total = all_right + right, all_total + total_words
    return f"| {name} | {' | '.join(cells)} | {pct(all_right, all_total)} | {cpu:.1f} |"


def pct(right: int, total: int) -> str:
    return f"{100 * right / max(total, 1):.2f}%"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    ap.add_argument("--docs", type=int, default=3, help="dev documents per source")
    ap.add_argument("--keep", type=Path, help="render into this directory and keep it")
    ap.add_argument("--choice-iterations", type=int, default=ocr.LSTM_CHOICE_ITERATIONS,
                    help="Tesseract's lstm_choice_iterations (its default is 5)")
    args = ap.parse_args(argv)
    ocr.LSTM_CHOICE_ITERATIONS = args.choice_iterations

    started = time.perf_counter()
    docs = dev_documents(args.corpora, args.docs)
    say(f"{len(docs)} dev documents: " + ", ".join(d for d, _ in docs))
    tmp = None if args.keep else tempfile.TemporaryDirectory(prefix="vnrestore-lstm-")
    work = args.keep or Path(tmp.name)  # type: ignore[union-attr]
    try:
        runs = ocr_pages(render_pages(docs, work))
    finally:
        if tmp is not None:
            tmp.cleanup()

    # 1. Oracle: of the errors left by today's `vnrestore ocr`, those whose gold word the
    #    choices spell and the candidate generator does not propose.
    off = replace(DEFAULT, lstm_choices=False)
    base, base_cpu = restore_all(runs, off, False)
    restorer = get_restorer((), off)
    oracle = {level: Oracle(examples=[]) for level in LEVELS}
    for r, out in zip(runs, base, strict=True):
        oracle_page(restorer, r.page.gold, out, r.text, r.choices, oracle[r.page.level])

    # 2. With and without the choices (the knob's value, and its neighbours).
    on = replace(DEFAULT, lstm_choices=True)
    variants = {"off (default)": (DEFAULT, False),
                f"on: lstm_cost {on.lstm_cost:g}, lstm_min_conf {on.lstm_min_conf:g}": (on, True)}
    for cost, conf in ((2.0, 0.05), (4.0, 0.05), (on.lstm_cost, 0.01), (on.lstm_cost, 0.2)):
        variants[f"on: lstm_cost {cost:g}, lstm_min_conf {conf:g}"] = \
            (replace(on, lstm_cost=cost, lstm_min_conf=conf), True)
    results = {}
    for name, (config, use) in variants.items():
        outs, cpu = (base, base_cpu) if name.startswith("off") else \
            restore_all(runs, config, use)
        results[name] = (outs, cpu)
        say(f"{name}: {cpu:.1f} s")

    lines = report(runs, oracle, results)
    lines += hocr_report(runs)
    head = (f"Measured {datetime.date.today()} on {platform.machine()}, {os.cpu_count()} "
            f"cores; {tesseract_version()}, lstm_choice_iterations "
            f"{args.choice_iterations}; script run time "
            f"{time.perf_counter() - started:.0f} s.")
    print("\n".join([head, "", *lines]))
    return 0


def tesseract_version() -> str:
    out = subprocess.run(["tesseract", "--version"], capture_output=True, text=True,
                         check=False)
    return (out.stdout or out.stderr).splitlines()[0]


def report(runs: list[PageRun], oracle: dict[str, Oracle], results) -> list[str]:
    out = ["Oracle (page scoring; errors of `vnrestore ocr` as it is):", "",
           "| level | gold words | errors | no OCR word with choices | choices spell gold "
           "| ... already a candidate | **potential** (share of words) | potential, "
           f"alternatives >= {STRICT:g} only |", "|---|---|---|---|---|---|---|---|"]
    total = Oracle()
    for level, o in oracle.items():
        out.append(f"| {level} | {o.words} | {o.errors} | {o.no_choices} | {o.spellable} "
                   f"| {o.already} | **{o.potential}** ({pct(o.potential, o.words)}) "
                   f"| {o.strict} |")
        for f in ("words", "errors", "no_choices", "spellable", "already", "potential",
                  "strict"):
            setattr(total, f, getattr(total, f) + getattr(o, f))
    out.append(f"| all | {total.words} | {total.errors} | {total.no_choices} "
               f"| {total.spellable} | {total.already} | **{total.potential}** "
               f"({pct(total.potential, total.words)}) | {total.strict} |")
    out += ["", "Examples (OCR word, gold, `vnrestore ocr`): " + "; ".join(
        f"{w} → {g} (got {o or '-'})" for lv in oracle
        for w, g, o in (oracle[lv].examples or [])[:12])]
    out += ["", "Word accuracy of `vnrestore ocr` (page scoring), without and with the choices:",
            "", "| restorer | clean | heavy | all | restore CPU s |", "|---|---|---|---|---|"]
    for name, (outs, cpu) in results.items():
        out.append(accuracy_row(name, runs, outs, cpu))
    names = list(results)
    out += ["", "Per page (word accuracy off → on, the knob's values):", "",
            "| page | document | off | on |", "|---|---|---|---|"]
    for k, r in enumerate(runs):
        a = page_words(r.page.gold, results[names[0]][0][k])
        b = page_words(r.page.gold, results[names[1]][0][k])
        out.append(f"| {r.page.name} | {r.page.doc} | {pct(*a)} | {pct(*b)} |")
    pre = sum(r.seconds["preprocess"] for r in runs)
    txt = sum(r.seconds["txt"] for r in runs)
    cho = sum(r.seconds["choices"] for r in runs)
    off_cpu, on_cpu = results[names[0]][1], results[names[1]][1]
    before, after = pre + txt + off_cpu, pre + cho + on_cpu
    out += ["", f"Time of the {len(runs)} pages (in process; preprocessing {pre:.1f} s): "
            f"Tesseract text only {txt:.1f} s, text + hOCR with choices {cho:.1f} s "
            f"({100 * (cho / txt - 1):+.1f}%); restoration {off_cpu:.1f} s → {on_cpu:.1f} s "
            f"CPU; the whole `ocr` of a page {before / len(runs):.2f} s → "
            f"{after / len(runs):.2f} s ({100 * (after / before - 1):+.1f}%)."]
    return out


# --------------------------------------------------------------------------- hOCR

def hocr_lines(hocr: str) -> list[str]:
    """The hOCR's lines of words."""
    return [" ".join(words) for words in ocr.hocr_lines(hocr)]


def hocr_outputs(runs: list[PageRun], way: str) -> tuple[list[str], float]:
    """Every page's hOCR words (lines joined by newlines), restored one of three ways:
    line by line (`ocr --hocr` before issue 14's change), the whole page, the whole page
    with the alternatives; and the restoration's CPU seconds."""
    restorer = get_restorer((), replace(DEFAULT, lstm_choices=True))
    restorer.restore("khởi động")
    outs, cpu = [], 0.0
    for r in runs:
        t0 = time.process_time()
        if way == "line by line":
            def per_line(words: list[str]) -> list[str]:
                new = restorer.restore(" ".join(words), explain=False,
                                       confidence=False).text.split(" ")
                return new if len(new) == len(words) else words
            restored = ocr.hocr_replace_words(r.hocr, per_line)
        else:
            choices = r.hocr_choices if way.endswith("choices") else None
            restored = ocr.restore_hocr(r.hocr, lambda text, c=choices: restorer.restore(
                text, explain=False, confidence=True, choices=c)).hocr
        cpu += time.process_time() - t0
        outs.append("\n".join(hocr_lines(restored)))
    return outs, cpu


def hocr_report(runs: list[PageRun]) -> list[str]:
    out = ["", "Word accuracy of `vnrestore ocr --hocr` (the hOCR's words, page scoring):", "",
           "| restoration of the hOCR | clean | heavy | all | restore CPU s |",
           "|---|---|---|---|---|"]
    ways = {"Tesseract's words": (["\n".join(hocr_lines(r.hocr)) for r in runs], 0.0)}
    for way in ("line by line", "whole page", "whole page + choices"):
        ways[way] = hocr_outputs(runs, way)
    for way, (outs, cpu) in ways.items():
        out.append(accuracy_row(way, runs, outs, cpu))
    hocr = sum(r.seconds["hocr"] for r in runs)
    cho = sum(r.seconds["hocr_choices"] for r in runs)
    out += ["", f"Tesseract hOCR of the {len(runs)} pages: {hocr:.1f} s, with choices "
            f"{cho:.1f} s ({100 * (cho / hocr - 1):+.1f}%)."]
    return out


if __name__ == "__main__":
    sys.exit(main())
