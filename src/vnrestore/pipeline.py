"""The pipeline: normalize -> tokenize -> candidates (+ phrases) -> decode -> render.

``restore(text)`` returns the corrected text; ``restore_and_explain(text)`` also returns
every edit with its alternatives, confidence and evidence, such that replaying the edits
on the input gives exactly the output: ``apply_edits(text, result.edits) == result.text``
(normalization shows up as edits of kind ``normalize``).  Both take a ``RestoreConfig``.

Data flows one way: the text is normalized (``normalize``) and tokenized (``tokenize``);
each paragraph becomes a lattice of candidate readings per token (``candidates``, with
channel costs from ``channel`` and lexicon support from ``phrases``; heading numerals
are fixed by a rule, ``headings``); the decoder picks a reading per position (``decode``,
over the language model ``lm``); the choices are rendered in the token's case and the
chosen tone style (``render``) and collected as edits (``edits``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from .candidates import Candidate, CandidateGenerator, Inventory
from .channel import ChannelParams
from .config import DEFAULT, SOURCES, RestoreConfig
from .decode import Decision, Decoder
from .edits import Edit, Result, apply_edits, apply_spans, to_raw
from .headings import FIRST as HEADING_FIRST
from .headings import heading_numeral
from .lm import PUNCT, LanguageModelLike
from .normalize import normalize
from .phrases import PhraseIndex, Slot, pair_keys, support_phrases
from .render import Renderer, is_restyle
from .tokenize import Kind, Token, neighbour, tokenize

__all__ = ["Edit", "Restorer", "Result", "apply_edits", "get_restorer", "restore",
           "restore_and_explain"]

STYLES = ("old", "new", "keep")
STAND_INS = frozenset("&@")  # alone between words, how OCR reads a lone "ở" or "ả"
# Punctuation the LM scores: one shared candidate tuple each.
_LM_PUNCT = {p: (Candidate(p, p, 0.0, 0.0, "identity"),) for p in PUNCT}


class Restorer:
    """Holds the models and one ``RestoreConfig``; cheap to call many times, expensive to
    build once.  Its caches (candidates per word, decoder arrays, rendered choices) hold
    results under this config only."""

    def __init__(self, lm: LanguageModelLike, inventory: Inventory, lexicon=None,
                 config: RestoreConfig = DEFAULT) -> None:
        abbreviations, pairs = {}, np.zeros(0, dtype=np.int64)
        self.phrases = PhraseIndex()
        if lexicon is not None:
            abbreviations = dict(lexicon.abbreviations)
            pairs = pair_keys(lm, lexicon)
            self.phrases = PhraseIndex(lexicon.names, lexicon.user_terms,
                                       inventory.by_skeleton.__contains__,
                                       config.fuzzy_phrase)
        self.lm = lm
        self.config = config
        self.generator = CandidateGenerator(inventory, abbreviations, config)
        self.pairs = pairs
        self.decoders = {source: Decoder.for_source(lm, pairs, config, source)
                         for source in SOURCES}
        self.render = Renderer()

    def restore(self, text: str, *, tone_style: str = "old", source: str = "auto",
                params: ChannelParams | None = None, explain: bool = True,
                confidence: bool = True) -> Result:
        """Restore ``text``.  ``explain=False`` leaves out each edit's alternatives and
        evidence (the costliest part of the report); ``confidence=False`` as well leaves
        out the edits themselves, when only the text is wanted (``Result.changed`` still
        counts the changes)."""
        confidence = confidence or explain
        if tone_style not in STYLES:
            raise ValueError(f"tone_style must be one of {STYLES}, not {tone_style!r}")
        decoder = self.decoders.get(source)
        if decoder is None:
            raise ValueError(f"source must be one of {SOURCES}, not {source!r}")
        norm = normalize(text)
        tokens = tokenize(norm.text)
        if params is None:
            params = self.estimate(tokens, source)
        # Where each line starts, for the edits' columns.
        starts = [0, *(t.start + len(t.text) for t in tokens if t.kind is Kind.NEWLINE)]
        prepared = [self._slots(p, params, starts) for p in paragraphs(tokens, self.config)]
        # All paragraphs are decoded in one call: the decoder batches them (much faster).
        decisions = decoder.decode_many([[c for _, c in slots] for slots, _ in prepared],
                                        confidence)
        if not confidence:  # only the text is wanted: spans, not Edit objects
            spans = [span for (slots, fixed), decs in zip(prepared, decisions, strict=True)
                     for span in self._spans(slots, fixed, decs, tone_style)]
            return Result(apply_spans(norm.text, spans), [], params, norm.text, len(spans),
                          text)
        edits: list[Edit] = []
        for (slots, fixed), decs in zip(prepared, decisions, strict=True):
            edits.extend(self._edits(slots, fixed, decs, tone_style, starts, explain))
        changed = len(edits)
        edits = to_raw(norm, edits)
        return Result(apply_edits(text, edits), edits, params, norm.text, changed, text)

    def estimate(self, tokens: list[Token], source: str = "auto") -> ChannelParams:
        """The error rates of a document from its word tokens, for text from ``source``."""
        words = (t.text for t in tokens if t.kind is Kind.WORD)
        params = ChannelParams.estimate(words, self.generator.inventory.by_skeleton.__contains__,
                                        self.config)
        return params.for_source(source, self.config)

    def _slots(self, paragraph: list[Token], params: ChannelParams, starts: list[int]
               ) -> tuple[list[Slot], list[Edit]]:
        """The candidates of every decoded token of a paragraph, and the fixed edits."""
        slots: list[Slot] = []
        fixed: list[Edit] = []
        runs: list[list[int]] = []  # slots of adjacent words that may spell a phrase
        run_end = -9  # paragraph index of the last word of runs[-1]
        any_case = self.phrases.has_user_terms  # else only names: capitalized words
        generator = self.generator
        words = generator.memo(params)
        for i, tok in enumerate(paragraph):
            kind, text = tok.kind, tok.text
            if kind is Kind.SPACE or kind is Kind.NEWLINE:
                continue
            if text[0] in HEADING_FIRST and kind in (Kind.WORD, Kind.PUNCT):
                numeral = heading_numeral(paragraph, i)
                if numeral is not None:
                    if numeral != text:
                        fixed.append(_edit(tok, numeral, 1.0, (), "heading", starts))
                    continue
            if kind is Kind.WORD:
                cands: Sequence[Candidate] = words.get((text, tok.code)) or \
                    generator.for_word(text, params, code=tok.code)
                if not tok.code and (any_case or text[0].isupper()):
                    if run_end == i - 2 and paragraph[i - 1].kind is Kind.SPACE:
                        runs[-1].append(len(slots))
                    else:
                        runs.append([len(slots)])
                    run_end = i
                slots.append((tok, cands))
            elif kind is Kind.NUMBER:
                between = _between_words(paragraph, i) and not tok.code
                cands = generator.for_number(text, params) if between else \
                    (Candidate(text, "<num>", 0.0, 0.0, "number"),)
                slots.append((tok, cands))
            elif kind is Kind.PUNCT and text in STAND_INS and _between_words(paragraph, i):
                slots.append((tok, generator.for_word(text, params)))
            elif kind is Kind.PUNCT and text in _LM_PUNCT:
                slots.append((tok, _LM_PUNCT[text]))
        if self.phrases:
            support_phrases(self.phrases, runs, slots, params, generator.inventory, self.config)
        return slots, fixed

    def _edits(self, slots: list[Slot], fixed: list[Edit], decisions: Sequence[Decision],
               style: str, starts: list[int], explain: bool = True) -> Iterable[Edit]:
        for tok, cands, dec, out in self._changed(slots, decisions, style):
            chosen = cands[dec.choice]
            if is_restyle(chosen, tok.text):
                yield _edit(tok, out, 1.0, (), "style", starts)
                continue
            edit = _edit(tok, out, dec.confidence, (), "decoder", starts)
            yield self._explained(edit, cands, dec, tok.text, style) if explain else edit
        yield from fixed

    def _explained(self, edit: Edit, cands: Sequence[Candidate], dec: Decision, token: str,
                   style: str) -> Edit:
        """The edit with its alternatives and evidence (see ``Edit``)."""
        probs = _probabilities(dec.scores)
        # The other readings the search weighed (those pruned before it have no score).
        ranked = sorted((i for i in range(len(cands))
                         if i != dec.choice and math.isfinite(dec.scores[i])),
                        key=lambda i: -probs[i])
        alts = tuple((self.render(cands[i], token, style), probs[i]) for i in ranked[:4])
        chosen = cands[dec.choice]
        edit = edit._replace(alternatives=alts, channel=chosen.channel + chosen.prior,
                             lm=dec.lm[dec.choice])
        if ranked:
            r = ranked[0]
            edit = edit._replace(runner_up=alts[0][0],
                                 runner_up_channel=cands[r].channel + cands[r].prior,
                                 runner_up_lm=dec.lm[r])
        return edit

    def _spans(self, slots: list[Slot], fixed: list[Edit], decisions: Sequence[Decision],
               style: str) -> Iterable[tuple[int, int, str]]:
        """The (start, end, replacement) spans of ``_edits``, for the text alone."""
        for tok, _, _, out in self._changed(slots, decisions, style):
            yield tok.start, tok.start + len(tok.text), out
        for e in fixed:
            yield e.start, e.end, e.replacement

    def _changed(self, slots: list[Slot], decisions: Sequence[Decision], style: str
                 ) -> Iterable[tuple[Token, Sequence[Candidate], Decision, str]]:
        """(token, candidates, decision, output) of every slot whose output differs."""
        render = self.render
        for (tok, cands), dec in zip(slots, decisions, strict=True):
            out = render(cands[dec.choice], tok.text, style)
            if out != tok.text:
                yield tok, cands, dec, out


def _probabilities(scores: Sequence[float]) -> list[float]:
    lo = min(scores)
    ex = [math.exp(-(s - lo)) for s in scores]
    total = sum(ex)
    return [round(e / total, 4) for e in ex]


def _edit(tok: Token, text: str, conf: float, alts, kind: str, starts: list[int]) -> Edit:
    return Edit(tok.line, tok.start - starts[tok.line], tok.start, tok.start + len(tok.text),
                tok.text, text, round(conf, 4), alts, kind)


def paragraphs(tokens: list[Token], config: RestoreConfig = DEFAULT) -> Iterable[list[Token]]:
    """Runs of tokens between blank lines, at most ``config.paragraph_lines`` lines and
    about ``config.paragraph_words`` words (cut after a sentence end when possible), so
    the decoder's work and memory per paragraph stay bounded even for a megabyte without
    a newline.  Each is decoded as one sentence of context."""
    max_lines, max_words = config.paragraph_lines, config.paragraph_words
    paragraph: list[Token] = []
    append = paragraph.append
    lines = words = 0
    blank = True
    newline, space, word = Kind.NEWLINE, Kind.SPACE, Kind.WORD  # locals: the hot loop
    for tok in tokens:
        kind = tok[0]
        if kind is newline:
            lines += 1
            if blank or lines >= max_lines:
                if paragraph:
                    yield paragraph
                paragraph, lines, words = [], 0, 0
                append = paragraph.append
            blank = True
            continue
        if kind is not space:
            blank = False
            if kind is word:
                words += 1
        append(tok)
        if words >= max_words and (tok[1] in ".;!?" or words >= 2 * max_words):
            yield paragraph
            paragraph, words = [], 0
            append = paragraph.append
    if paragraph:
        yield paragraph


def _between_words(paragraph: list[Token], i: int) -> bool:
    before, after = neighbour(paragraph, i, -1), neighbour(paragraph, i, 1)
    return all(t is not None and t.kind is Kind.WORD and t.start != paragraph[i].start
               for t in (before, after)) and paragraph[i - 1].kind is Kind.SPACE \
        and i + 1 < len(paragraph) and paragraph[i + 1].kind is Kind.SPACE


@lru_cache(maxsize=1)
def _inventory() -> Inventory:
    from .data import lexicon_dir

    return Inventory.load(lexicon_dir() / "syllables.tsv")


@lru_cache(maxsize=8)
def get_restorer(lexicon_files: tuple[str, ...] = (), config: RestoreConfig = DEFAULT
                 ) -> Restorer:
    """The restorer of the installed models plus the user's lexicon files, under
    ``config``; one per (files, config) per process.  A missing model file is an error."""
    from .lexicon import load_lexicon
    from .lm import get_model

    lexicon = load_lexicon([Path(p) for p in lexicon_files])
    return Restorer(get_model(), _inventory(), lexicon, config)


def restore_and_explain(text: str, *, tone_style: str = "old", source: str = "auto",
                        lexicons: Sequence[str | Path] = (),
                        config: RestoreConfig = DEFAULT) -> Result:
    """Restore ``text`` and return the result with every edit explained."""
    restorer = get_restorer(tuple(str(p) for p in lexicons), config)
    return restorer.restore(text, tone_style=tone_style, source=source)


def restore(text: str, *, tone_style: str = "old", source: str = "auto",
            lexicons: Sequence[str | Path] = (), config: RestoreConfig = DEFAULT) -> str:
    """Restore garbled Vietnamese OCR text; lines, numbers and codes are kept."""
    restorer = get_restorer(tuple(str(p) for p in lexicons), config)
    return restorer.restore(text, tone_style=tone_style, source=source, explain=False,
                            confidence=False).text
