"""The pipeline: normalize -> tokenize -> candidates -> decode -> render.

``restore(text)`` returns the corrected text; ``restore_and_explain(text)`` also
returns every edit with its alternatives and confidence, such that applying the
edits to the input gives exactly the output: ``apply_edits(text, result.edits) ==
result.text`` (normalization shows up as edits of kind ``normalize``).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np
import regex

from .candidates import (
    CLEAN_GARBLE,
    Candidate,
    CandidateGenerator,
    Inventory,
    PhraseIndex,
    render,
    support,
)
from .channel import ChannelParams
from .decode import Decision, Decoder
from .lm import PUNCT
from .normalize import Normalized, normalize
from .tokenize import Kind, Token, tokenize
from .vietnamese import place_tone

STYLES = ("old", "new", "keep")
# Where the text comes from: "auto" estimates the error rates from the text alone;
# "vie-ocr" is Tesseract's Vietnamese model, whose typical errors (hook read as acute,
# "tiếu" for "tiểu") are valid-looking words that the estimate cannot see.
SOURCES = ("auto", "vie-ocr")
# Weight of the language model against the channel, per source: each channel table was
# learned on its own scans, so its costs have their own scale.  Chosen on dev sets that
# are not the benchmark's (benchmarks/tune.py): the Thường Xuân seed and synthetic scans
# of other held-out documents.  For Tesseract-vie text a weight of 1.5 fixed more words
# of degraded pages but changed correct words of clean ones (names, "bà" -> "ba"), and
# the cleanup must never make a good page worse than Tesseract left it.
LM_WEIGHT = {"auto": 0.6, "vie-ocr": 1.0}
# Bonus (nats) for consecutive syllables that form a word or term of the lexicons.
PAIR_BONUS = 1.0
STAND_INS = frozenset("&@")
MAX_BLOCK_LINES = 40
MAX_BLOCK_WORDS = 150
DEFAULT_UNCERTAIN = 0.6
RENDER_CACHE = 200_000
# Punctuation the LM scores: one shared candidate tuple each.
_LM_PUNCT = {p: (Candidate(p, p, 0.0, 0.0, "identity"),) for p in PUNCT}
_ROMAN = regex.compile(r"[IVXl1|]+")
_ROMAN_FIRST = frozenset("IVXl1|")
_ROMAN_OK = regex.compile(r"(?=[IVX])M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})")


class Edit(NamedTuple):  # a tuple: a megabyte of OCR text has ~10^5 edits
    """One change: where, what it was, what it became, and how sure we are."""

    line: int  # 0-based line of the input
    column: int  # 0-based character column in that line
    start: int  # character offset in the input (a slice: input[start:end] == original)
    end: int
    original: str
    replacement: str
    confidence: float
    alternatives: tuple[tuple[str, float], ...] = ()  # other readings with their probability
    source: str = "decoder"  # decoder | style | roman | normalize

    def as_dict(self) -> dict:
        d = self._asdict()
        d["alternatives"] = [list(a) for a in self.alternatives]
        return d


@dataclass
class Result:
    text: str
    edits: list[Edit] = field(default_factory=list)
    params: ChannelParams | None = None
    normalized: str = ""  # the input after stage 1
    changed: int = 0  # tokens changed (also when the edits were not kept)
    original: str = ""  # the input, which edit offsets refer to


def apply_edits(original: str, edits: Sequence[Edit]) -> str:
    """Replay edits on the input they were made on: the output."""
    return _apply(original, ((e.start, e.end, e.replacement) for e in edits))


def _apply(normalized: str, changes: Iterable[tuple[int, int, str]]) -> str:
    """The text with each (start, end, replacement) span replaced."""
    out, at = [], 0
    for start, end, text in sorted(changes):
        out.append(normalized[at:start])
        out.append(text)
        at = end
    out.append(normalized[at:])
    return "".join(out)


class Restorer:
    """Holds the models; cheap to call many times, expensive to build once."""

    def __init__(self, lm, inventory: Inventory, lexicon=None) -> None:
        abbreviations, pairs = {}, np.zeros(0, dtype=np.int64)
        self.phrases = PhraseIndex()
        if lexicon is not None:
            abbreviations = dict(lexicon.abbreviations)
            pairs = _pair_keys(lm, lexicon)
            self.phrases = PhraseIndex(lexicon.names, lexicon.user_terms,
                                       inventory.by_skeleton.__contains__)
        self.lm = lm
        self.generator = CandidateGenerator(inventory, abbreviations)
        self.pairs = pairs
        self.decoders = {source: Decoder(lm, pairs, PAIR_BONUS, lm_weight=LM_WEIGHT[source])
                         for source in SOURCES}
        self._rendered: dict[tuple[str, str, str, str], str] = {}  # output of a choice

    def restore(self, text: str, *, tone_style: str = "old", source: str = "auto",
                params: ChannelParams | None = None, explain: bool = True,
                confidence: bool = True) -> Result:
        """Restore ``text``.  ``explain=False`` leaves out each edit's alternatives (the
        costliest part of the report); ``confidence=False`` as well leaves every edit's
        confidence NaN, when only the text is wanted."""
        confidence = confidence or explain
        if tone_style not in STYLES:
            raise ValueError(f"tone_style must be one of {STYLES}, not {tone_style!r}")
        if source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}, not {source!r}")
        norm = normalize(text)
        normalized = norm.text
        tokens = tokenize(normalized)
        if params is None:
            params = ChannelParams.estimate((t.text for t in tokens if t.kind is Kind.WORD),
                                            self.generator.inventory.by_skeleton.__contains__)
            params = params.for_source(source)
        # All blocks are decoded in one call: the decoder batches them (much faster).
        # Where each line starts, for the edits' columns.
        starts = [0, *(t.start + len(t.text) for t in tokens if t.kind is Kind.NEWLINE)]
        prepared = [self._block_slots(block, params, starts) for block in _blocks(tokens)]
        lattices = [[c for _, c in slots] for slots, _ in prepared]
        decisions = self.decoders[source].decode_many(lattices, confidence)
        if not confidence:  # only the text is wanted: spans, not Edit objects
            changes = [change for (slots, fixed), decs in zip(prepared, decisions, strict=True)
                       for change in self._block_changes(slots, fixed, decs, tone_style)]
            return Result(_apply(normalized, changes), [], params, normalized, len(changes),
                          text)
        edits: list[Edit] = []
        for (slots, fixed), decs in zip(prepared, decisions, strict=True):
            edits.extend(self._block_edits(slots, fixed, decs, tone_style, starts,
                                           explain))
        changed = len(edits)
        edits = _to_raw(norm, edits)
        return Result(apply_edits(text, edits), edits, params, normalized, changed, text)

    def _block_slots(self, block: list[Token], params: ChannelParams, starts: list[int]
                     ) -> tuple[list[tuple[Token, Sequence[Candidate]]], list[Edit]]:
        """The candidates of every decoded token of a block, and the fixed edits."""
        slots: list[tuple[Token, Sequence[Candidate]]] = []
        fixed: list[Edit] = []
        runs: list[list[int]] = []  # slots of adjacent words that may spell a phrase
        run_end = -9  # block index of the last word of runs[-1]
        any_case = self.phrases.has_user_terms  # else only names: capitalized words
        words = self.generator.memo(params)
        for i, tok in enumerate(block):
            kind, text = tok.kind, tok.text
            if kind is Kind.SPACE or kind is Kind.NEWLINE:
                continue
            if text[0] in _ROMAN_FIRST and kind in (Kind.WORD, Kind.PUNCT):
                roman = _roman(block, i)
                if roman is not None:
                    if roman != text:
                        fixed.append(_edit(tok, roman, 1.0, (), "roman", starts))
                    continue
            if kind is Kind.WORD:
                cands = words.get((text, tok.code)) or \
                    self.generator.for_word(text, params, code=tok.code)
                if not tok.code and (any_case or text[0].isupper()):
                    if run_end == i - 2 and block[i - 1].kind is Kind.SPACE:
                        runs[-1].append(len(slots))
                    else:
                        runs.append([len(slots)])
                    run_end = i
                slots.append((tok, cands))
            elif kind is Kind.NUMBER:
                between = _between_words(block, i) and not tok.code
                cands = self.generator.for_number(text, params) if between else \
                    (Candidate(text, "<num>", 0.0, 0.0, "number"),)
                slots.append((tok, cands))
            elif kind is Kind.PUNCT and text in STAND_INS and _between_words(block, i):
                # "&" / "@" alone between words is how OCR reads a lone "ở" or "ả".
                slots.append((tok, self.generator.for_word(text, params)))
            elif kind is Kind.PUNCT and text in _LM_PUNCT:
                slots.append((tok, _LM_PUNCT[text]))
        if self.phrases:
            self._support_phrases(runs, slots, params)
        return slots, fixed

    def _block_edits(self, slots: list[tuple[Token, Sequence[Candidate]]], fixed: list[Edit],
                     decisions: Sequence[Decision], style: str, starts: list[int],
                     explain: bool = True) -> Iterable[Edit]:
        for tok, cands, dec, out in self._changed(slots, decisions, style):
            chosen = cands[dec.index]
            alts = _alternatives(cands, dec, tok.text, style) if explain else ()
            kind = "style" if chosen.source == "syllable" \
                and chosen.text == place_tone(tok.text.lower(), "old") else "decoder"
            yield _edit(tok, out, dec.confidence if kind == "decoder" else 1.0, alts, kind,
                        starts)
        yield from fixed

    def _block_changes(self, slots: list[tuple[Token, Sequence[Candidate]]],
                       fixed: list[Edit], decisions: Sequence[Decision], style: str
                       ) -> Iterable[tuple[int, int, str]]:
        """The (start, end, replacement) spans of ``_block_edits``, for the text alone."""
        for tok, _, _, out in self._changed(slots, decisions, style):
            yield tok.start, tok.start + len(tok.text), out
        for e in fixed:
            yield e.start, e.end, e.replacement

    def _changed(self, slots: list[tuple[Token, Sequence[Candidate]]],
                 decisions: Sequence[Decision], style: str
                 ) -> Iterable[tuple[Token, Sequence[Candidate], Decision, str]]:
        """(token, candidates, decision, output) of every slot whose output differs."""
        for (tok, cands), dec in zip(slots, decisions, strict=True):
            out = self._output(cands[dec.index], tok.text, style)
            if out != tok.text:
                yield tok, cands, dec, out

    def _output(self, chosen: Candidate, token: str, style: str) -> str:
        """What ``token`` becomes if ``chosen`` is its reading (cached: words repeat)."""
        key = (chosen.text, chosen.source, token, style)
        out = self._rendered.get(key)
        if out is None:
            if len(self._rendered) >= RENDER_CACHE:
                self._rendered.clear()
            out = self._rendered[key] = _render(chosen, token, style)
        return out

    def _support_phrases(self, runs: list[list[int]], slots: list, params: ChannelParams
                         ) -> None:
        """Longest-first match of runs of adjacent words against names and user terms."""
        # Names have two words or more; a user's term may have one.
        fewest = 1 if self.phrases.has_user_terms else 2
        # In clean (or only mark-stripped) text a run of syllables is spelled as meant:
        # a name within two letters of it is another name.
        fuzzy = params.garble >= CLEAN_GARBLE
        for run in runs:
            i = 0
            while i <= len(run) - fewest:
                for n in range(min(PhraseIndex.MAX_WORDS, len(run) - i), fewest - 1, -1):
                    idx = run[i : i + n]
                    words = tuple(slots[k][0].text for k in idx)
                    hit = self.phrases.lookup(words, fuzzy)
                    if hit is None or not (hit[1] or all(w[:1].isupper() for w in words)):
                        continue
                    for k, word in zip(idx, hit[0].split(), strict=True):
                        tok, cands = slots[k]
                        slots[k] = (tok, support(list(cands), tok.text, word, hit[1], params,
                                                 self.generator.inventory))
                    i += n - 1
                    break
                i += 1


def _render(c: Candidate, token: str, style: str) -> str:
    if c.source == "syllable" and c.text == place_tone(token.lower(), "old"):
        return token if style == "keep" else place_tone(token, style)
    return render(c, token, "old" if style == "keep" else style)


def _alternatives(cands: Sequence[Candidate], dec: Decision, token: str, style: str
                  ) -> tuple[tuple[str, float], ...]:
    """The four likeliest other readings the search weighed, with their local probability
    (readings pruned before the search have none and are not listed)."""
    probs = _probabilities(dec.scores)
    ranked = sorted((i for i in range(len(cands))
                     if i != dec.index and math.isfinite(dec.scores[i])),
                    key=lambda i: -probs[i])
    return tuple((_render(cands[i], token, style), probs[i]) for i in ranked[:4])


def _probabilities(scores: Sequence[float]) -> list[float]:
    lo = min(scores)
    ex = [math.exp(-(s - lo)) for s in scores]
    total = sum(ex)
    return [round(e / total, 4) for e in ex]


def _edit(tok: Token, text: str, conf: float, alts, kind: str, starts: list[int]) -> Edit:
    return Edit(tok.line, tok.start - starts[tok.line], tok.start, tok.start + len(tok.text),
                tok.text, text, round(conf, 4), alts, kind)


def _to_raw(norm: Normalized, edits: list[Edit]) -> list[Edit]:
    """Edits of the normalized text as edits of the raw input: spans mapped back, and
    each cluster normalization rewrote outside them as an edit of kind ``normalize``."""
    if not norm.changes:
        return edits
    raw = norm.raw
    line_starts = [0, *(i + 1 for i, c in enumerate(raw) if c == "\n")]
    out = sorted((_moved(e, norm.to_raw(e.start), norm.to_raw(e.end), raw, line_starts)
                  for e in edits), key=lambda e: e.start)
    starts = [e.start for e in out]
    for rs, re_, ns, ne in norm.changes:
        i = bisect.bisect_right(starts, rs) - 1
        if i >= 0 and out[i].end >= re_:
            continue  # inside a decoder edit, which replaces the whole token
        out.append(_moved(Edit(0, 0, rs, re_, raw[rs:re_], norm.text[ns:ne], 1.0, (),
                               "normalize"), rs, re_, raw, line_starts))
    return sorted(out, key=lambda e: e.start)


def _moved(e: Edit, start: int, end: int, raw: str, line_starts: list[int]) -> Edit:
    line = bisect.bisect_right(line_starts, start) - 1
    return e._replace(line=line, column=start - line_starts[line], start=start, end=end,
                      original=raw[start:end])


def _blocks(tokens: list[Token]) -> Iterable[list[Token]]:
    """Paragraphs: runs of tokens between blank lines, at most MAX_BLOCK_LINES lines and
    about MAX_BLOCK_WORDS words (cut after a sentence end when possible), so the decoder's
    work and memory per block stay bounded even for a megabyte without a newline."""
    block: list[Token] = []
    append = block.append
    lines = words = 0
    blank = True
    newline, space, word = Kind.NEWLINE, Kind.SPACE, Kind.WORD  # locals: the hot loop
    for tok in tokens:
        kind = tok[0]
        if kind is newline:
            lines += 1
            if blank or lines >= MAX_BLOCK_LINES:
                if block:
                    yield block
                block, lines, words = [], 0, 0
                append = block.append
            blank = True
            continue
        if kind is not space:
            blank = False
            if kind is word:
                words += 1
        append(tok)
        if words >= MAX_BLOCK_WORDS and (tok[1] in ".;!?" or words >= 2 * MAX_BLOCK_WORDS):
            yield block
            block, words = [], 0
            append = block.append
    if block:
        yield block


def _neighbour(block: list[Token], i: int, step: int) -> Token | None:
    j = i + step
    while 0 <= j < len(block) and block[j].kind is Kind.SPACE:
        j += step
    return block[j] if 0 <= j < len(block) else None


def _between_words(block: list[Token], i: int) -> bool:
    before, after = _neighbour(block, i, -1), _neighbour(block, i, 1)
    return all(t is not None and t.kind is Kind.WORD and t.start != block[i].start
               for t in (before, after)) and block[i - 1].kind is Kind.SPACE \
        and i + 1 < len(block) and block[i + 1].kind is Kind.SPACE


def _roman(block: list[Token], i: int) -> str | None:
    """Heading numerals at the start of a line: "I1-" / "Il." / "111 -" -> "II", "III"."""
    tok = block[i]
    if not _ROMAN.fullmatch(tok.text):  # first: the cheapest test, and nearly always false
        return None
    before = _neighbour(block, i, -1)
    if before is not None and before.line == tok.line:
        return None
    after = _neighbour(block, i, 1)
    if after is None or after.text not in "-.–)":
        return None
    fixed = regex.sub(r"[l1|]", "I", tok.text)
    if fixed == tok.text and tok.text.isdigit():
        return None
    return fixed if _ROMAN_OK.fullmatch(fixed) else None


def _pair_keys(lm, lexicon) -> np.ndarray:
    """LM id pairs ``a << 32 | b`` of consecutive syllables in the lexicon's phrases, as
    one vector job (start-up time): phrases joined by "|", which the LM does not know."""
    ids = lm.ids(" | ".join(p for p in lexicon.words if " " in p).split())
    a, b = ids[:-1], ids[1:]
    known = (a > 0) & (b > 0)
    return np.unique((a[known] << 32) | b[known])


@lru_cache(maxsize=8)
def get_restorer(lexicon_files: tuple[str, ...] = ()) -> Restorer:
    from .data import lexicon_dir
    from .lm import get_model

    inventory = Inventory.load(lexicon_dir() / "syllables.tsv")
    lexicon = None
    try:
        from .lexicon import load_lexicon

        lexicon = load_lexicon([Path(p) for p in lexicon_files])
    except (ImportError, FileNotFoundError):
        if lexicon_files:
            raise
    return Restorer(get_model(), inventory, lexicon)


def restore_and_explain(text: str, *, tone_style: str = "old", source: str = "auto",
                        lexicons: Sequence[str | Path] = ()) -> Result:
    """Restore ``text`` and return the result with every edit explained."""
    restorer = get_restorer(tuple(str(p) for p in lexicons))
    return restorer.restore(text, tone_style=tone_style, source=source)


def restore(text: str, *, tone_style: str = "old", source: str = "auto",
            lexicons: Sequence[str | Path] = ()) -> str:
    """Restore garbled Vietnamese OCR text; lines, numbers and codes are kept."""
    restorer = get_restorer(tuple(str(p) for p in lexicons))
    return restorer.restore(text, tone_style=tone_style, source=source, explain=False,
                            confidence=False).text
