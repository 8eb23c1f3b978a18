"""The pipeline: normalize -> tokenize -> candidates (+ phrases) -> decode -> render.

``restore(text)`` returns the corrected text; ``restore_and_explain(text)`` also returns
every edit with its alternatives, confidence and evidence, such that replaying the edits
on the input gives exactly the output: ``apply_edits(text, result.edits) == result.text``
(normalization shows up as edits of kind ``normalize``).  Both take a ``RestoreConfig``.

Data flows one way: the text is normalized (``normalize``) and tokenized (``tokenize``);
each paragraph becomes a lattice of candidate readings per token (``candidates``, with
channel costs from ``channel`` and lexicon support from ``phrases``; heading numerals
are fixed by a rule, ``headings``); the decoder picks a reading per position (``decode``,
over the language model ``lm``), with cues from each word's surroundings (``cues``);
a second look at the whole document decodes again where its own evidence says so
(``document``); the choices are rendered in the token's case and the chosen tone style
(``render``) and collected as edits (``edits``).
"""

from __future__ import annotations

import gc
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from .candidates import Candidate, CandidateGenerator, Inventory
from .channel import ChannelParams, canonical, observed_form
from .config import DEFAULT, SOURCES, RestoreConfig
from .context import ContextModel
from .cues import (
    between_words,
    case_shape,
    continues,
    document_spellings,
    isolated_caps,
    meant_case,
    name_like,
    name_shifts,
)
from .decode import Decision, Decoder
from .detect import features, groups, on_grid, reading, sample
from .doccache import WordCache
from .document import adapt, consistent_names, document_pairs, document_words
from .edits import Edit, Result, apply_edits, apply_spans, to_raw
from .headings import FIRST as HEADING_FIRST
from .headings import heading_numeral
from .lm import BASE_TOKENS, PUNCT, LanguageModelLike
from .normalize import normalize
from .phrases import PhraseIndex, Slot, pair_keys, support_phrases
from .render import Renderer, is_restyle
from .tokenize import Kind, Para, Token, paras_of, tokenize

# LM ids from here on are words (below: specials, punctuation, <abbr>).
FIRST_WORD_ID = len(BASE_TOKENS)

if TYPE_CHECKING:
    from .ocr import WordChoices


def _locate_choices(text: str, tokens: list[Token], choices: Sequence[WordChoices]
                    ) -> dict[int, Sequence[Sequence[tuple[str, float]]]]:
    """The choices of each word token, by its start in ``text``: each OCR word is found
    in the text after the previous one (the engine's words, in reading order), and a
    word token inside it gets the choices of its characters."""
    spans: list[tuple[int, int, Sequence[Sequence[tuple[str, float]]]]] = []
    pos = 0
    for word, word_symbols in choices:
        at = text.find(word, pos)
        if at < 0:
            continue
        spans.append((at, at + len(word), word_symbols))
        pos = at + len(word)
    out: dict[int, Sequence[Sequence[tuple[str, float]]]] = {}
    k = 0
    for tok in tokens:
        if tok.kind is not Kind.WORD:
            continue
        while k < len(spans) and spans[k][1] <= tok.start:
            k += 1
        if k == len(spans):
            break
        start, end, symbols = spans[k]
        if start <= tok.start and tok.start + len(tok.text) <= end:
            out[tok.start] = symbols[tok.start - start:tok.start - start + len(tok.text)]
    return out


class _Done(NamedTuple):
    """A paragraph as decoded at ``params`` (its slots, fixed edits and decisions)."""

    params: ChannelParams
    slots: tuple[list[Slot], list[Edit]]
    decisions: list[Decision]


class Region(NamedTuple):
    """Paragraphs estimated together (a document, or a part made differently)."""

    params: ChannelParams
    paragraphs: list[Para]

    def describe(self, config: RestoreConfig = DEFAULT) -> dict:
        """The estimate as a report row: lines (0-based, first and last), what the text
        was read as, and its rates."""
        p = self.params
        return {"lines": [self.paragraphs[0].tokens[0].line,
                          self.paragraphs[-1].tokens[-1].line],
                "reading": reading(p.lang, p.drop, p.garble, config.clean_garble,
                                   10 * config.em_floor),
                "channel": p.lang, "drop": round(p.drop, 4), "garble": round(p.garble, 4)}


__all__ = ["Edit", "Restorer", "Result", "apply_edits", "get_restorer", "restore",
           "restore_and_explain"]

STYLES = ("old", "new", "keep")
# Symbols OCR without Vietnamese reads for a lone vowel word ("&" = ở, "¥" = ý): alone
# between words they get the channel's readings (dev eng-UD: ¢ € ¥ added, +0.10).
STAND_INS = frozenset("&@¢€¥")
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
                                       config.fuzzy_phrase, lexicon.terms, lexicon.formulas,
                                       config.phrase_near_words)
        self.lm = lm
        self.config = config
        self.generator = CandidateGenerator(inventory, abbreviations, config)
        self.pairs = pairs
        # One decoder per channel table: the LM weight goes with the channel's scale.
        self.decoders = {channel: Decoder.for_channel(lm, pairs, config, channel)
                         for channel in ("eng", "vie")}
        self.render = Renderer()
        self._choices: dict[int, Sequence[Sequence[tuple[str, float]]]] = {}
        self._named: dict[int, tuple[Sequence[Candidate], tuple[Candidate, ...]]] = {}
        self._tokens: list[Token] = []
        self._coded: set[str] = set()
        self._cases: dict[int, str] = {}  # token start -> "title" | "lower" (see cues.meant_case)
        self._spelled: dict[str, str] | None = None
        self._shifted: dict[int, tuple[Sequence[Candidate], tuple[Candidate, ...]]] = {}
        self._acronyms: dict[int, tuple[Sequence[Candidate], tuple[Candidate, ...]]] = {}

    def restore(self, text: str, *, tone_style: str = "old", source: str = "auto",
                params: ChannelParams | None = None, explain: bool = True,
                confidence: bool = True, choices: Sequence[WordChoices] | None = None
                ) -> Result:
        """Restore ``text``.  ``explain=False`` leaves out each edit's alternatives and
        evidence (the costliest part of the report); ``confidence=False`` as well leaves
        out the edits themselves, when only the text is wanted (``Result.changed`` still
        counts the changes).  ``choices``: the OCR engine's alternatives for each
        character of the text's words, in reading order (``ocr.hocr_choices``), used
        when ``config.lstm_choices`` is on."""
        # The restoration allocates millions of small objects (tokens, candidates,
        # decisions) and makes no reference cycles worth collecting meanwhile: the
        # collector's passes over them cost ~8% of the time on 200k words.
        collect = gc.isenabled()
        gc.disable()
        try:
            return self._restore(text, tone_style, source, params, explain, confidence,
                                 choices)
        finally:
            if collect:
                gc.enable()

    def _restore(self, text: str, tone_style: str, source: str, params: ChannelParams | None,
                 explain: bool, confidence: bool, choices: Sequence[WordChoices] | None
                 ) -> Result:
        confidence = confidence or explain
        if tone_style not in STYLES:
            raise ValueError(f"tone_style must be one of {STYLES}, not {tone_style!r}")
        if source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}, not {source!r}")
        norm = normalize(text)
        tokens = tokenize(norm.text)
        # Where each line starts, for the edits' columns.
        starts = [0, *(t.start + len(t.text) for t in tokens if t.kind is Kind.NEWLINE)]
        paras = paras_of(tokens, self.config)
        self._choices = _locate_choices(norm.text, tokens, choices) \
            if choices and self.config.lstm_choices else {}
        self._tokens, self._spelled = tokens, None  # spellings made when first needed
        self._cases = {}
        # Abbreviations the text writes inside its codes ("57-KL/TW"), as written there.
        self._coded = {t.text for t in tokens if t.code and t.kind is Kind.WORD
                       and len(t.text) >= 2 and t.text.isupper()}
        # Paragraphs the source detection decoded already at the rates it settled on.
        done: dict[int, _Done] = {}
        regions = [Region(params, paras)] if params is not None else \
            self._regions(source, paras, starts, done)
        prepared, decisions = [], []
        cfg = self.config
        for region in regions:
            decoder = self.decoders["vie" if region.params.lang == "vie" else "eng"]
            reuse = [done[id(p)] if id(p) in done and done[id(p)].params == region.params
                     else None for p in region.paragraphs]
            part = [self._slots(p.tokens, region.params, starts) if hit is None else hit.slots
                    for p, hit in zip(region.paragraphs, reuse, strict=True)]
            # All paragraphs of a region in one call: the decoder batches them (each is
            # decoded alone, so those decoded before keep their decisions).
            todo = [i for i, hit in enumerate(reuse) if hit is None or confidence]
            found: list[list[Decision]] = [hit.decisions if hit is not None else []
                                           for hit in reuse]
            for i, decs in zip(todo, decoder.decode_many([[c for _, c in part[i][0]]
                                                          for i in todo], confidence),
                               strict=True):
                found[i] = decs
            found = consistent_names(region.paragraphs, part, found, decoder, confidence, cfg)
            garbled = region.params.garble >= cfg.clean_garble
            if garbled:  # context decides
                found = document_pairs(part, found, decoder, confidence, cfg)
            # The topic decides: marks-stripped text, and (less) garbled text.
            weight = cfg.word_cache_garbled if garbled else \
                cfg.word_cache_weight if region.params.lang != "vie" else 0.0
            found = self._document_words(part, found, decoder, confidence, weight,
                                         cfg.context_weight_for(garbled, region.params.lang))
            if self._is_vie_ocr(region.params):  # a word as read there is mostly right
                found = adapt(part, found, decoder, confidence, cfg)
            decisions += found
            prepared += part
        if not confidence:  # only the text is wanted: spans, not Edit objects
            spans = [span for (slots, fixed), decs in zip(prepared, decisions, strict=True)
                     for span in self._spans(slots, fixed, decs, tone_style)]
            return Result(apply_spans(norm.text, spans), [], regions[0].params, norm.text,
                          len(spans), text, regions)
        edits: list[Edit] = []
        for (slots, fixed), decs in zip(prepared, decisions, strict=True):
            edits.extend(self._edits(slots, fixed, decs, tone_style, starts, explain))
        changed = len(edits)
        edits = to_raw(norm, sorted(edits, key=lambda e: e.start))
        return Result(apply_edits(text, edits), edits, regions[0].params, norm.text, changed,
                      text, regions)

    def estimate(self, tokens: list[Token], source: str = "auto") -> ChannelParams:
        """How a document's text was made (``detect``) and its error rates, from its
        tokens; ``source`` other than "auto" says how it was made."""
        starts = [0, *(t.start + len(t.text) for t in tokens if t.kind is Kind.NEWLINE)]
        return self._estimate(paras_of(tokens, self.config), source, starts)

    def _regions(self, source: str, paras: list[Para], starts: list[int],
                 done: dict[int, _Done] | None = None) -> list[Region]:
        """The document's parts that were made differently, each with its estimate: in a
        file of scans, pages OCR'd without Vietnamese among pages written or OCR'd with
        it.  One region when all parts look alike (the usual case)."""
        if source != "auto":
            return [Region(self._estimate(paras, source, starts, done), paras)]
        feats = {id(p): features(p.words) for p in paras}  # once per paragraph
        regions = []
        for group in groups(paras, self.config, feats):
            words = sum(feats[id(p)].words for p in group)
            share = sum(feats[id(p)].viet for p in group) / words if words else 0.0
            regions.append(Region(self._estimate(group, source, starts, done, share), group))
        return regions

    def _estimate(self, paras: list[Para], source: str, starts: list[int],
                  done: dict[int, _Done] | None = None, share: float | None = None
                  ) -> ChannelParams:
        """``share``: of the words, those with letters only Vietnamese has, when known."""
        cfg = self.config
        words = [w for p in paras for w in p.words]
        if source == "auto" and share is None:
            share = features(words).viet_share
        if source == "ocr" or (source == "auto" and share is not None
                               and share < cfg.viet_share_min):
            # Garbled or stripped: the rates speak for themselves.
            return ChannelParams.estimate(words, self.generator.inventory.by_skeleton.__contains__,
                                          cfg)
        vie = ChannelParams(lang="vie", hand_weight=cfg.hand_weight,
                            min_evidence=cfg.min_evidence)
        return self._em_rates(vie, paras, starts, done)

    def _em_rates(self, params: ChannelParams, paras: list[Para], starts: list[int],
                  done: dict[int, _Done] | None = None) -> ChannelParams:
        """The misreading rate of text made by a writer of Vietnamese, by hard EM on a
        sample (see ``vnrestore.detect``): decode, count the words read as misread,
        decode again at that rate.  A syllable that lost all its marks is one more kind of
        misreading here, at the same rate (the share of unmarked words says nothing: clean
        text has 8-22% of them).

        ``done`` gets the sample's paragraphs as the last iteration decoded them: when
        the estimate has settled (clean text stays at the floor), the restoration
        reuses them."""
        cfg = self.config
        some = sample(paras, cfg.em_sample_words)
        rate = cfg.em_start
        for _ in range(cfg.em_iterations):
            params = replace(params, garble=rate, drop=rate)
            prepared = [self._slots(para.tokens, params, starts) for para in some]
            decisions = self.decoders["vie"].decode_many(
                [[c for _, c in slots] for slots, _ in prepared], False)
            words = misread = 0
            for (slots, _), decs in zip(prepared, decisions, strict=True):
                for (tok, cands), dec in zip(slots, decs, strict=True):
                    if tok.kind is Kind.WORD:
                        words += 1
                        misread += _misread(cands[dec.choice], tok.text)
            share = cfg.em_scale * misread / max(words, 1) - cfg.em_baseline
            rate = on_grid(min(max(share, cfg.em_floor), cfg.em_ceiling))
        if done is not None and cfg.em_iterations > 0:
            for para, prep, decs in zip(some, prepared, decisions, strict=True):
                done[id(para)] = _Done(params, prep, decs)
        return replace(params, garble=rate, drop=rate)

    def _slots(self, paragraph: list[Token], params: ChannelParams, starts: list[int]
               ) -> tuple[list[Slot], list[Edit]]:
        """The candidates of every decoded token of a paragraph, and the fixed edits."""
        slots: list[Slot] = []
        fixed: list[Edit] = []
        runs: list[list[int]] = []  # slots of adjacent words that may spell a phrase
        run_end = -9  # paragraph index of the last word of runs[-1]
        # Terms are matched unless a writer of Vietnamese wrote the text (then they are
        # spelled as meant); names only in capitalized runs.
        terms = params.lang != "vie" and params.garble >= self.config.term_min_garble \
            and self.phrases.any_case
        any_case = self.phrases.has_user_terms or terms
        formula_punct = self.phrases.formula_punct
        generator = self.generator
        words = generator.memo(params)
        # A writer of Vietnamese writes names as they are: a name-like word is changed only
        # on stronger evidence (the language model knows names worst).
        names_as_written = params.lang == "vie" and self.config.name_keep > 0
        caps_keep = self.config.caps_keep > 0
        # Only in Tesseract-vie output (not typed text: writers spell two names one
        # letter apart; not OCR without Vietnamese: capitals are unreliable there).
        spelled = self._spellings() if self._is_vie_ocr(params) else None
        # In marks-stripped text a name lost its marks like any word: read it as names
        # are read, not as the word of the same letters is.
        names_shifted = params.lang != "vie" and params.garble < self.config.clean_garble \
            and self.config.name_prior > 0
        # OCR confuses the case of c o s v w x z, whose capitals are
        # their small letters enlarged: their case is decided after decoding.
        recase = params.garble >= self.config.clean_garble and self.config.case_share_max > 0
        for i, tok in enumerate(paragraph):
            kind, text = tok.kind, tok.text
            if kind is Kind.SPACE or kind is Kind.NEWLINE:
                continue
            if recase and kind is Kind.WORD and text[0].isupper():
                shape = case_shape(paragraph, i)
                if shape is not None:
                    self._cases[tok.start] = shape
            if text[0] in HEADING_FIRST and kind in (Kind.WORD, Kind.PUNCT):
                numeral = heading_numeral(paragraph, i)
                if numeral is not None:
                    if numeral != text:
                        fixed.append(_edit(tok, numeral, 1.0, (), "heading", starts))
                    continue
            if kind is Kind.WORD:
                cands: Sequence[Candidate] = words.get((text, tok.code)) or \
                    generator.for_word(text, params, code=tok.code)
                if spelled and text in spelled:  # "Clinon" beside "Clinton"
                    cands = (Candidate(spelled[text], "<unk>", 0.0, 0.0, "identity"),)
                elif text in self._coded and not tok.code and cands[0].kind == "identity" \
                        and not any(c.kind == "abbreviation" for c in cands):
                    # The document's own abbreviation ("TW" of "57-KL/TW"), not "TỪ"; one
                    # the lexicon knows is read as it says ("HDND" -> "HĐND").
                    cands = cands[:1]
                symbols = self._choices.get(tok.start) if self._choices else None
                if symbols is not None and not tok.code:
                    cands = generator.from_choices(tuple(cands), symbols)
                if caps_keep and isolated_caps(paragraph, i) and \
                        not any(c.kind == "abbreviation" for c in cands):
                    # (One the lexicon knows is read as it says: "HDND" -> "HĐND".)
                    cands = self._as_acronym(cands, text)
                elif names_as_written and len(cands) > 1 and name_like(paragraph, i):
                    cands = self._as_written(cands)
                elif names_shifted and len(cands) > 1 and name_like(paragraph, i):
                    cands = self._as_names(cands)
                if not tok.code and (any_case or text[0].isupper()):
                    if continues(paragraph, i, run_end):
                        runs[-1].append(len(slots))
                    else:
                        runs.append([len(slots)])
                    run_end = i
                slots.append((tok, cands))
            elif kind is Kind.NUMBER:
                between = between_words(paragraph, i) and not tok.code
                cands = generator.for_number(text, params) if between else \
                    (Candidate(text, "<num>", 0.0, 0.0, "number"),)
                slots.append((tok, cands))
            elif kind is Kind.PUNCT and text in STAND_INS and between_words(paragraph, i):
                slots.append((tok, generator.for_word(text, params)))
            elif kind is Kind.PUNCT and text in _LM_PUNCT:
                # "Lưu:", "Độc lập - Tự do": a formula goes on through its punctuation.
                if terms and text in formula_punct and not tok.code and \
                        continues(paragraph, i, run_end):
                    runs[-1].append(len(slots))
                    run_end = i
                slots.append((tok, _LM_PUNCT[text]))
        if self.phrases:
            support_phrases(self.phrases, runs, slots, params, generator.inventory, self.config,
                            terms)
        return slots, fixed


    def _is_vie_ocr(self, params: ChannelParams) -> bool:
        """Was the text read by Tesseract's Vietnamese model (not typed, not OCR'd
        without Vietnamese)?"""
        return params.lang == "vie" and reading(
            params.lang, params.drop, params.garble, self.config.clean_garble,
            10 * self.config.em_floor) == "vie-ocr"

    def _spellings(self) -> dict[str, str]:
        if self._spelled is None:
            least = self.config.spelling_min
            self._spelled = document_spellings(self._tokens, least) if least > 0 else {}
        return self._spelled


    def _document_words(self, part: list[tuple[list[Slot], list[Edit]]],
                        decs: list[list[Decision]], decoder: Decoder, confidence: bool,
                        weight: float, context: float = 0.0) -> list[list[Decision]]:
        """``document.document_words`` with the document's word cache at ``weight`` and
        the neighbourhood model at ``context`` (0: left out)."""
        models: list[tuple[WordCache | ContextModel, float, int]] = []
        if weight > 0:
            models.append((self._word_cache, weight, self.config.word_cache_window // 2))
        if context > 0 and self._context_model is not None:
            models.append((self._context_model, context, self._context_model.far))
        return document_words(part, decs, decoder, confidence, models, self.config)

    @cached_property
    def _context_model(self) -> ContextModel | None:
        """The neighbourhood model beside the LM's files (the tests' toy LMs have none)."""
        directory, vocab = getattr(self.lm, "directory", None), getattr(self.lm, "vocab", None)
        if directory is None or vocab is None:
            return None
        return ContextModel.load(Path(directory), vocab, FIRST_WORD_ID)

    @cached_property
    def _word_cache(self) -> WordCache:
        """The document cache model, with the corpus count + 1 of each LM id's syllable
        (its weight depends on the text)."""
        counts = self.generator.inventory.counts
        ids = self.lm.ids(list(counts))
        per_id = np.ones(int(ids.max(initial=FIRST_WORD_ID)) + 1)
        known = ids >= FIRST_WORD_ID
        per_id[ids[known]] += np.fromiter(counts.values(), dtype=np.float64,
                                          count=len(counts))[known]
        cfg = self.config
        return WordCache(cfg.word_cache_window, cfg.word_cache_min, FIRST_WORD_ID, per_id)


    def _as_written(self, cands: Sequence[Candidate]) -> Sequence[Candidate]:
        """``cands`` with the reading as written ``config.name_keep`` nats cheaper."""
        def make() -> tuple[Candidate, ...]:
            first = cands[0]
            return (replace(first, prior=first.prior - self.config.name_keep), *cands[1:])
        return _per_tuple(self._named, cands, make)

    def _as_acronym(self, cands: Sequence[Candidate], token: str) -> Sequence[Candidate]:
        """``cands`` of an all-capital word inside a sentence of small letters ("vô địch
        CAN", "hãng tin AP") with the word as written, an abbreviation to the language
        model, ``config.caps_keep`` nats cheaper."""
        def make() -> tuple[Candidate, ...]:
            keep = self.config.caps_keep
            found = next((j for j, c in enumerate(cands)
                          if c.lm_token == "<abbr>" and c.text == token), None)
            if found is None:  # a syllable's letters: the abbreviation is a reading too
                first = cands[0]
                return (*cands, Candidate(token, "<abbr>", first.channel, first.prior - keep,
                                          "identity"))
            c = cands[found]
            return (*cands[:found], replace(c, prior=c.prior - keep), *cands[found + 1:])
        return _per_tuple(self._acronyms, cands, make)

    @cached_property
    def name_shift(self) -> dict[str, float]:
        """Per syllable, how much likelier it is as a name (``name_shifts``); made on
        first use: only marks-stripped text needs it."""
        if self.config.name_prior <= 0:
            return {}
        return name_shifts(self.generator.inventory, self.config.name_prior_mass)

    def _as_names(self, cands: Sequence[Candidate]) -> Sequence[Candidate]:
        """``cands`` with each syllable's prior moved by how much likelier it is as a
        capitalized word inside a sentence than overall (``name_shift``)."""
        def make() -> tuple[Candidate, ...]:
            w, shift = self.config.name_prior, self.name_shift
            return tuple(replace(c, prior=c.prior - w * shift[c.text])
                         if c.text in shift else c for c in cands)
        return _per_tuple(self._shifted, cands, make)

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
        render, cases = self.render, self._cases
        counts, share_max = self.generator.inventory.counts, self.config.case_share_max
        for (tok, cands), dec in zip(slots, decisions, strict=True):
            chosen = cands[dec.choice]
            shape = cases.get(tok.start) if cases else None
            out = render(chosen, tok.text if shape is None else
                         meant_case(tok.text, shape, chosen, counts, share_max), style)
            if out != tok.text:
                yield tok, cands, dec, out


def _misread(chosen: Candidate, token: str) -> bool:
    """Is ``chosen`` a reading of ``token`` as something else than what it spells?"""
    return chosen.kind != "identity" and chosen.text != canonical(observed_form(token))


def _probabilities(scores: Sequence[float]) -> list[float]:
    lo = min(scores)
    ex = [math.exp(-(s - lo)) for s in scores]
    total = sum(ex)
    return [round(e / total, 4) for e in ex]


def _edit(tok: Token, text: str, conf: float, alts, kind: str, starts: list[int]) -> Edit:
    return Edit(tok.line, tok.start - starts[tok.line], tok.start, tok.start + len(tok.text),
                tok.text, text, round(conf, 4), alts, kind)


def _per_tuple(memo: dict[int, tuple[Sequence[Candidate], tuple[Candidate, ...]]],
               cands: Sequence[Candidate], make: Callable[[], tuple[Candidate, ...]]
               ) -> tuple[Candidate, ...]:
    """``make()``, once per candidate tuple (the generator shares one per word, and the
    decoder caches its arrays per tuple); ``memo`` holds the tuple, keeping its id its
    own while the entry lives."""
    hit = memo.get(id(cands))
    if hit is None or hit[0] is not cands:
        if len(memo) >= 100_000:
            memo.clear()
        hit = memo[id(cands)] = (cands, make())
    return hit[1]


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
