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

import gc
import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from functools import cached_property, lru_cache
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from rapidfuzz.distance import Levenshtein

from .candidates import Candidate, CandidateGenerator, Inventory, Repriced
from .channel import ChannelParams, canonical, observed_form
from .config import DEFAULT, SOURCES, RestoreConfig
from .context import ContextModel
from .decode import Decision, Decoder
from .detect import Features, features, reading
from .doccache import WordCache
from .edits import Edit, Result, apply_edits, apply_spans, to_raw
from .headings import FIRST as HEADING_FIRST
from .headings import heading_numeral
from .lm import BASE_TOKENS, BOS_ID, EOS_ID, PUNCT, LanguageModelLike
from .normalize import normalize
from .phrases import PhraseIndex, Slot, pair_keys, support_phrases
from .render import Renderer, is_restyle
from .tokenize import Kind, Token, neighbour, tokenize
from .vietnamese import is_syllable, strip_marks

# LM ids from here on are words (below: specials, punctuation, <abbr>).
FIRST_WORD_ID = len(BASE_TOKENS)
# Words per part of a document for its word cache (memory and speed only: each part
# sees the paragraphs its windows reach).
CACHE_PART = 20_000

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


class Para(NamedTuple):
    """A paragraph's tokens and, once for every stage that counts them, its words."""

    tokens: list[Token]
    words: list[str]


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
        self._cases: dict[int, str] = {}  # token start -> "title" | "lower" (see _meant_case)
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
        paras = _paras(tokens, self.config)
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
            found = self._consistent(region.paragraphs, part, found, decoder, confidence)
            garbled = region.params.garble >= self.config.clean_garble
            if garbled:  # context decides
                found = self._document_pairs(part, found, decoder, confidence)
            # The topic decides: marks-stripped text, and (less) garbled text.
            weight = self.config.word_cache_garbled if garbled else \
                self.config.word_cache_weight if region.params.lang != "vie" else 0.0
            found = self._document_words(
                part, found, decoder, confidence, weight,
                self.config.context_weight_for(garbled, region.params.lang))
            if self._is_vie_ocr(region.params):  # a word as read there is mostly right
                found = self._adapt(region.paragraphs, part, found, decoder, confidence)
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
        return self._estimate(_paras(tokens, self.config), source, starts)

    def _regions(self, source: str, paras: list[Para], starts: list[int],
                 done: dict[int, _Done] | None = None) -> list[Region]:
        """The document's parts that were made differently, each with its estimate: in a
        file of scans, pages OCR'd without Vietnamese among pages written or OCR'd with
        it.  One region when all parts look alike (the usual case)."""
        if source != "auto":
            return [Region(self._estimate(paras, source, starts, done), paras)]
        feats = {id(p): features(p.words) for p in paras}  # once per paragraph
        regions = []
        for group in _groups(paras, self.config, feats):
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
        sample = _sample(paras, cfg.em_sample_words)
        rate = cfg.em_start
        for _ in range(cfg.em_iterations):
            params = replace(params, garble=rate, drop=rate)
            prepared = [self._slots(para.tokens, params, starts) for para in sample]
            decisions = self.decoders["vie"].decode_many(
                [[c for _, c in slots] for slots, _ in prepared], False)
            words = misread = 0
            for (slots, _), decs in zip(prepared, decisions, strict=True):
                for (tok, cands), dec in zip(slots, decs, strict=True):
                    if tok.kind is Kind.WORD:
                        words += 1
                        misread += _misread(cands[dec.choice], tok.text)
            share = cfg.em_scale * misread / max(words, 1) - cfg.em_baseline
            rate = _on_grid(min(max(share, cfg.em_floor), cfg.em_ceiling))
        if done is not None and cfg.em_iterations > 0:
            for para, prep, decs in zip(sample, prepared, decisions, strict=True):
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
                shape = _case_shape(paragraph, i)
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
                if caps_keep and _isolated_caps(paragraph, i) and \
                        not any(c.kind == "abbreviation" for c in cands):
                    # (One the lexicon knows is read as it says: "HDND" -> "HĐND".)
                    cands = self._as_acronym(cands, text)
                elif names_as_written and len(cands) > 1 and _name_like(paragraph, i):
                    cands = self._as_written(cands)
                elif names_shifted and len(cands) > 1 and _name_like(paragraph, i):
                    cands = self._as_names(cands)
                if not tok.code and (any_case or text[0].isupper()):
                    if _continues(paragraph, i, run_end):
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
                # "Lưu:", "Độc lập - Tự do": a formula goes on through its punctuation.
                if terms and text in formula_punct and not tok.code and \
                        _continues(paragraph, i, run_end):
                    runs[-1].append(len(slots))
                    run_end = i
                slots.append((tok, _LM_PUNCT[text]))
        if self.phrases:
            support_phrases(self.phrases, runs, slots, params, generator.inventory, self.config,
                            terms)
        return slots, fixed

    def _consistent(self, paras: list[Para], part: list[tuple[list[Slot], list[Edit]]],
                    decs: list[list[Decision]], decoder: Decoder, confidence: bool
                    ) -> list[list[Decision]]:
        """The decisions, with names read the same way throughout the document.

        A name (a capitalized word inside a sentence) that occurs several times shares
        its evidence: when its occurrences were read differently, the reading likeliest
        over all of them (the sum of each occurrence's local log-probabilities) gets
        ``config.consistency_bonus`` nats at each occurrence read otherwise, and those
        paragraphs are decoded again (a cache of the document's readings, as archive
        documents repeat their place names and people)."""
        bonus = self.config.consistency_bonus
        if bonus <= 0:
            return decs
        # Only a capitalized word written twice or more can be read differently.
        seen = Counter(chain.from_iterable(p.words for p in paras))
        repeated = {w for w, n in seen.items() if n > 1 and w[:1].isupper()}
        places: dict[str, list[tuple[int, int]]] = {}  # token -> (paragraph, slot)
        for p, (slots, _) in enumerate(part):
            if repeated.isdisjoint(paras[p].words):
                continue
            tokens, index = paras[p].tokens, None
            for k, (tok, cands) in enumerate(slots):
                if len(cands) > 1 and tok.text in repeated:
                    if index is None:  # token start -> position, once per paragraph
                        index = {t.start: i for i, t in enumerate(tokens)}
                    if _name_like(tokens, index[tok.start]):
                        places.setdefault(tok.text, []).append((p, k))
        at = np.cumsum([0] + [len(p.words) for p in paras])  # word offset of a paragraph
        window = self.config.consistency_window
        split = [where for occurrences in places.values()
                 for where in _clusters(occurrences, at, window) if len(where) > 1
                 and len({part[p][0][k][1][decs[p][k].choice].text for p, k in where}) > 1]
        if not split:
            return decs
        redo: dict[int, dict[int, str]] = {}
        # A clear majority (two thirds of the occurrences, at least two) decides alone;
        # otherwise the local scores of every reading at every occurrence do.
        weigh = []
        for where in split:
            chosen = Counter(part[p][0][k][1][decs[p][k].choice].text for p, k in where)
            (top, n), = chosen.most_common(1)
            if n >= 2 and 3 * n >= 2 * len(where):
                _prefer(redo, part, decs, where, top)
            else:
                weigh.append(where)
        wanted: dict[int, set[int]] = {}  # paragraph -> the occurrences to score
        for where in weigh:
            for p, k in where:
                wanted.setdefault(p, set()).add(k)
        order = sorted(wanted)
        ks_of = [sorted(wanted[p]) for p in order]
        scored = {p: dict(zip(ks, found, strict=True)) for p, ks, found in zip(
            order, ks_of, decoder.rescore([[c for _, c in part[p][0]] for p in order],
                                       [[d.choice for d in decs[p]] for p in order], ks_of),
            strict=True)}
        for where in weigh:
            logps = [_log_probabilities(part[p][0][k][1], scored[p][k]) for p, k in where]
            texts = {text for lp in logps for text in lp}
            # A reading the search did not weigh at an occurrence counts as very unlikely.
            best = max(texts, key=lambda t: (sum(lp.get(t, _ABSENT) for lp in logps), t))
            _prefer(redo, part, decs, where, best)
        return _redo(part, decs, redo, bonus, decoder, confidence, self.config.redo_reach)

    def _is_vie_ocr(self, params: ChannelParams) -> bool:
        """Was the text read by Tesseract's Vietnamese model (not typed, not OCR'd
        without Vietnamese)?"""
        return params.lang == "vie" and reading(
            params.lang, params.drop, params.garble, self.config.clean_garble,
            10 * self.config.em_floor) == "vie-ocr"

    def _spellings(self) -> dict[str, str]:
        if self._spelled is None:
            least = self.config.spelling_min
            self._spelled = _document_spellings(self._tokens, least) if least > 0 else {}
        return self._spelled

    def _adapt(self, paras: list[Para], part: list[tuple[list[Slot], list[Edit]]],
               decs: list[list[Decision]], decoder: Decoder, confidence: bool
               ) -> list[list[Decision]]:
        """The decisions, with the document's own OCR errors learnt: a word the restorer
        changed the same way, confidently, ``config.adapt_min`` times or more (a font
        Tesseract misreads: "tinh" read "tỉnh") gets that reading ``config.adapt_bonus``
        nats cheaper where it was left as read, and those paragraphs are decoded again.
        The language model still decides each occurrence ("tỉnh Thanh Hóa" stays)."""
        bonus, least = self.config.adapt_bonus, self.config.adapt_min
        if bonus <= 0:
            return decs
        where: dict[str, list[tuple[int, int]]] = {}  # word as read -> (paragraph, slot)
        for p, (slots, _) in enumerate(part):
            for k, (tok, cands) in enumerate(slots):
                if len(cands) > 1 and tok.kind is Kind.WORD and tok.text[0].islower():
                    where.setdefault(tok.text, []).append((p, k))
        fixes: dict[str, dict[str, list[tuple[int, int]]]] = {}
        for text, places in where.items():
            if len(places) <= least:
                continue
            for p, k in places:
                chosen = part[p][0][k][1][decs[p][k].choice]
                if chosen.kind == "syllable" and not is_restyle(chosen, text):
                    fixes.setdefault(text, {}).setdefault(chosen.text, []).append((p, k))
        redo: dict[int, dict[int, str]] = {}
        for text, readings in fixes.items():
            best, found = max(readings.items(), key=lambda kv: (len(kv[1]), kv[0]))
            if len(found) < least or not self._confident(part, decs, found, decoder, least):
                continue
            for p, k in where[text]:
                cands = part[p][0][k][1]
                if cands[decs[p][k].choice].text != best and \
                        any(c.text == best for c in cands):
                    redo.setdefault(p, {})[k] = best
        if not redo:
            return decs
        return _redo(part, decs, redo, bonus, decoder, confidence, self.config.redo_reach)

    def _document_pairs(self, part: list[tuple[list[Slot], list[Edit]]],
                        decs: list[list[Decision]], decoder: Decoder, confidence: bool
                        ) -> list[list[Decision]]:
        """The decisions, with the word pairs the document reads ``config.pair_cache_min``
        times or more (a cache of its own bigrams): where a word was read otherwise, a
        reading that makes such a pair with a neighbour, more often than the word as read
        does, gets ``config.pair_cache_bonus`` nats, and those paragraphs are decoded
        again.  Archive documents repeat their phrases: a plan that reads "truyền thông"
        twice reads the garbled third "truyén thong sir dung" alike, where the language
        model alone would say "truyền thống sử dụng"."""
        bonus, least = self.config.pair_cache_bonus, self.config.pair_cache_min
        if bonus <= 0:
            return decs
        read = [[cands[d.choice].text if cands[d.choice].kind == "syllable" else None
                 for (_, cands), d in zip(slots, ds, strict=True)]
                for (slots, _), ds in zip(part, decs, strict=True)]
        seen = Counter(pair for words in read for pair in zip(words, words[1:], strict=False)
                       if pair[0] and pair[1])
        redo: dict[int, dict[int, str]] = {}
        for p, (slots, _) in enumerate(part):
            words = read[p]
            for k, (tok, cands) in enumerate(slots):
                if len(cands) > 1 and tok.kind is Kind.WORD:
                    best = _cached_reading(cands, words, k, seen, least)
                    if best is not None:
                        redo.setdefault(p, {})[k] = best
        if not redo:
            return decs
        return _redo(part, decs, redo, bonus, decoder, confidence, self.config.redo_reach)

    def _document_words(self, part: list[tuple[list[Slot], list[Edit]]],
                        decs: list[list[Decision]], decoder: Decoder, confidence: bool,
                        weight: float, context: float = 0.0) -> list[list[Decision]]:
        """The decisions after a second look with two models of the document as decoded:
        a cache of its own words (``doccache``, ``weight``: each reading gains what the
        readings within ``config.word_cache_window`` words say for it) and the words
        around each position beyond the trigram's reach (``context``, weight
        ``context``).  Where an alternative gains ``word_cache_floor`` nats or more over
        the reading decoded and its local cost (neighbours as decoded) comes within
        ``word_cache_slack`` nats of it, the readings are made cheaper by their gains and
        the words within ``word_cache_reach`` of it are decoded again."""
        cfg = self.config
        models: list[tuple[WordCache | ContextModel, float, int]] = []
        if weight > 0:
            models.append((self._word_cache, weight, cfg.word_cache_window // 2))
        if context > 0 and self._context_model is not None:
            models.append((self._context_model, context, self._context_model.far))
        if not models:
            return decs
        reach = max(r for _, _, r in models)
        changed: dict[int, list[int]] = {}
        # In parts of CACHE_PART words, each with the paragraphs around it that its
        # windows reach: the arrays stay small, and the output is the whole document's.
        for lo, hi, core in _parts([len(slots) for slots, _ in part], CACHE_PART, reach):
            doc = _Decoded.of(part[lo:hi], decs[lo:hi], decoder,
                              lambda read: _most(read, models), cfg.word_cache_floor, core)
            if doc is None:
                continue
            gain = np.sum([m.gains(doc.read, doc.cand, doc.owner, doc.chosen, w)
                           for m, w, _ in models], axis=0)
            for i in doc.movable(gain, decoder, cfg.word_cache_floor, cfg.word_cache_slack):
                p, k = doc.place[i]
                p += lo
                tok, cands = part[p][0][k]
                end = doc.first[i + 1] if i + 1 < len(doc.first) else len(doc.cand)
                part[p][0][k] = (tok, _cheaper(cands, doc.col[doc.first[i]:end],
                                               gain[doc.first[i]:end]))
                changed.setdefault(p, []).append(k)
        if not changed:
            return decs
        return _decode_again(part, decs, changed, decoder, confidence, cfg.word_cache_reach)

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

    def _confident(self, part: list[tuple[list[Slot], list[Edit]]],
                   decs: list[list[Decision]], found: list[tuple[int, int]],
                   decoder: Decoder, least: int) -> bool:
        """Were at least ``least`` of the changes at ``found`` confident?"""
        sure = self.config.adapt_confidence
        known = [decs[p][k].confidence for p, k in found]
        if all(math.isfinite(c) for c in known):
            return sum(c >= sure for c in known) >= least
        order = sorted({p for p, _ in found})
        ks_of = [sorted(k for q, k in found if q == p) for p in order]
        scored = decoder.rescore([[c for _, c in part[p][0]] for p in order],
                                 [[d.choice for d in decs[p]] for p in order], ks_of)
        return sum(d.confidence >= sure for block in scored for d in block) >= least

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
        """Per syllable, how much likelier it is as a name (``_name_shift``); made on
        first use: only marks-stripped text needs it."""
        if self.config.name_prior <= 0:
            return {}
        return _name_shift(self.generator.inventory, self.config.name_prior_mass)

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
        for (tok, cands), dec in zip(slots, decisions, strict=True):
            chosen = cands[dec.choice]
            shape = cases.get(tok.start) if cases else None
            out = render(chosen, tok.text if shape is None else
                         self._meant_case(tok.text, shape, chosen), style)
            if out != tok.text:
                yield tok, cands, dec, out

    def _meant_case(self, text: str, shape: str, chosen: Candidate) -> str:
        """``text`` in the case its writer meant: "title" for an all-capital word whose
        capitals after the first may be small letters misread ("BO" on a line of small
        letters is "Bộ"); "lower" for a capitalized word inside a sentence whose first
        capital may be a small letter misread, when its reading is seldom written
        capitalized there ("xem Xét" is "xem xét", "huyện Xuân" stays)."""
        if chosen.kind != "syllable":
            return text
        if shape == "title":
            return text[0] + text[1:].lower()
        share = _capitalized().get(chosen.text, 0) / \
            max(self.generator.inventory.counts.get(chosen.text, 0), 1)
        return text.lower() if share < self.config.case_share_max else text


def _paras(tokens: list[Token], config: RestoreConfig) -> list[Para]:
    word = Kind.WORD
    return [Para(p, [t[1] for t in p if t[0] is word]) for p in paragraphs(tokens, config)]


def _groups(paras: list[Para], config: RestoreConfig,
            feats: dict[int, Features] | None = None) -> list[list[Para]]:
    """Runs of paragraphs alike in having Vietnamese-only letters or not (``detect``).
    A paragraph too short to tell takes its predecessor's side; a run joins the run
    before it unless it has ``config.region_words`` words, or starts a page (form feed)
    with a few lines' worth (a stray line is not a part, a page is)."""
    runs: list[tuple[bool, int, list[Para]]] = []  # (marked, words, paragraphs)
    for para in paras:
        f = features(para.words) if feats is None else feats[id(para)]
        marked = f.viet_share >= config.viet_share_min
        page = "\f" in para.tokens[0].text
        if runs and not page and (f.words < _PARAGRAPH_EVIDENCE or runs[-1][0] == marked):
            side, n, members = runs[-1]
            runs[-1] = (side, n + f.words, members + [para])
        else:
            runs.append((marked, f.words, [para]))
    merged: list[tuple[bool, int, list[Para]]] = []
    for side, n, members in runs:
        enough = _PAGE_EVIDENCE if "\f" in members[0].tokens[0].text else config.region_words
        if merged and (merged[-1][0] == side or n < enough):
            prev_side, prev_n, prev = merged[-1]
            merged[-1] = (prev_side if prev_n >= n else side, prev_n + n, prev + members)
        else:
            merged.append((side, n, members))
    if len(merged) > 1 and merged[0][1] < _PAGE_EVIDENCE:  # a short head joins the next
        side, n, members = merged.pop(0)
        merged[0] = (merged[0][0], merged[0][1] + n, members + merged[0][2])
    return [members for _, _, members in merged] or [paras]


_PARAGRAPH_EVIDENCE = 8  # words a paragraph needs to say which side it is on
_PAGE_EVIDENCE = 30  # words a page needs to be judged on its own


def _sample(paras: list[Para], words: int) -> list[Para]:
    """Paragraphs spread evenly over the document, about ``words`` words in all."""
    total = sum(len(p.words) for p in paras)
    if total <= words:
        return paras
    step = total / words  # take a paragraph whenever the running count passes a mark
    out, seen, mark = [], 0, 0.0
    for para in paras:
        size = len(para.words)
        if seen >= mark:
            out.append(para)
            mark += size * step
        seen += size
    return out


def _on_grid(rate: float) -> float:
    """``rate`` rounded to one of four steps a decade: an estimate is not finer than
    that, and documents (and chunks of one) alike then share their candidates' cache."""
    return float(10 ** (round(math.log10(rate) * 4) / 4))


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


def paragraphs(tokens: list[Token], config: RestoreConfig = DEFAULT) -> Iterable[list[Token]]:
    """Runs of tokens between blank lines or page breaks, at most ``config.paragraph_lines``
    lines and
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
        elif "\f" in tok[1] and paragraph:  # a page break ends a paragraph
            yield paragraph
            paragraph, lines, words = [], 0, 0
            append = paragraph.append
        append(tok)
        if words >= max_words and (tok[1] in ".;!?" or words >= 2 * max_words):
            yield paragraph
            paragraph, words = [], 0
            append = paragraph.append
    if paragraph:
        yield paragraph


# Capitals that are their small letters enlarged (OCR confuses their case).  Not K: dev
# eng-UD and degraded pages gained 0.05 with it, but a real district plan lost the
# capital of every "Kết luận số 57-KL/TW" (a document's title; "kết" is capitalized
# inside 0.5% of the corpora's sentences).
_SAME_SHAPE_CAPITALS = frozenset("COSVWXZ")


def _case_shape(paragraph: list[Token], i: int) -> str | None:
    """How the case of word ``i`` may have been misread: "title" (all capitals, those
    after the first all of the same shape as their small letters, next to words in small
    letters), "lower" (a capitalized word after a word or comma on its line, its capital
    of that shape), or None."""
    text = paragraph[i].text
    letters = [c for c in text if c.isalpha()]
    if len(letters) >= 2 and all(c.isupper() for c in letters):
        rest = {strip_marks(c) for c in letters[1:]}
        if rest <= _SAME_SHAPE_CAPITALS and _among_small_letters(paragraph, i):
            return "title"
        return None
    if strip_marks(text[0]) in _SAME_SHAPE_CAPITALS and not any(c.isupper() for c in text[1:]) \
            and _mid_line(paragraph, i):
        return "lower"
    return None


def _mid_line(paragraph: list[Token], i: int) -> bool:
    """Is token ``i`` inside a sentence and not in a name: after a word in small letters,
    a number or a comma on its own line (a line may start a sentence, a list item or a
    heading where the line before has no full stop), and not before a capitalized word
    ("Quả Cảm", "bộ Vũ Ninh")?"""
    tok = paragraph[i]
    before, after = neighbour(paragraph, i, -1), neighbour(paragraph, i, 1)
    if before is None or before.line != tok.line or not (
            before.text == "," or before.kind is Kind.NUMBER or
            (before.kind is Kind.WORD and before.text.islower())):
        return False
    return after is None or after.line != tok.line or not after.text[:1].isupper()


def _among_small_letters(paragraph: list[Token], i: int) -> bool:
    """Is a word next to token ``i`` (on either side) written in small letters?"""
    for step in (-1, 1):
        near = neighbour(paragraph, i, step)
        if near is not None and near.kind is Kind.WORD and near.text.islower():
            return True
    return False


_SENTENCE_OPENERS = frozenset('.!?…:;"“”«»(–—-')


_ABSENT = math.log(1e-4)


def _prefer(redo: dict[int, dict[int, str]], part: list[tuple[list[Slot], list[Edit]]],
            decs: list[list[Decision]], where: list[tuple[int, int]], best: str) -> None:
    """Mark the occurrences in ``where`` not read as ``best`` to be decoded again."""
    for p, k in where:
        if part[p][0][k][1][decs[p][k].choice].text != best:
            redo.setdefault(p, {})[k] = best


def _cached_reading(cands: Sequence[Candidate], words: list[str | None], k: int,
                    seen: Counter, least: int) -> str | None:
    """The reading of position ``k`` that makes, with a neighbour as read, the pair the
    document reads most often: at least ``least`` times and more often than the word as
    read makes it; None when there is none."""
    now, best, most = words[k], None, 0
    for other, left in ((k - 1, True), (k + 1, False)):
        near = words[other] if 0 <= other < len(words) else None
        if near is None:
            continue
        floor = max(least, seen[(near, now) if left else (now, near)] + 1) if now else least
        for c in cands:
            if c.kind == "syllable" and c.text != now:
                n = seen[(near, c.text) if left else (c.text, near)]
                if n >= floor and n > most:
                    best, most = c.text, n
    return best


def _clusters(occurrences: list[tuple[int, int]], at: np.ndarray, window: int
              ) -> list[list[tuple[int, int]]]:
    """Occurrences (paragraph, slot) in runs whose neighbours are at most ``window``
    words apart: a long file of many documents does not join their names."""
    out: list[list[tuple[int, int]]] = []
    last = -window - 1
    for p, k in occurrences:
        here = int(at[p]) + k
        if here - last > window or not out:
            out.append([])
        out[-1].append((p, k))
        last = here
    return out


def _document_spellings(tokens: list[Token], least: int) -> dict[str, str]:
    """Words of the text the document writes otherwise, far more often: a capitalized
    word of 5 letters or more, not a syllable, that occurs once or twice and is one edit
    from exactly one word written ``least`` times or more and twice as often ("Clinon"
    in a document that writes "Clinton" throughout, "TTXYVN" beside "TTXVN") is that
    word misread."""
    forms = Counter(t.text for t in tokens if t.kind is Kind.WORD and len(t.text) >= 5
                    and t.text[0].isupper() and t.text.isalpha() and not t.code)
    frequent = [f for f, c in forms.items() if c >= least and not is_syllable(f.lower())]
    if not frequent:
        return {}
    near: dict[str, set[str]] = {}  # the word and its one-letter deletions -> words
    for f in frequent:
        for d in _deletions(f):
            near.setdefault(d, set()).add(f)
    out = {}
    for w, c in forms.items():
        if c > 2 or is_syllable(w.lower()):
            continue
        found = {f for d in _deletions(w) for f in near.get(d, ())
                 if forms[f] >= max(least, 2 * c)
                 and Levenshtein.distance(f, w, score_cutoff=1) <= 1}
        if len(found) == 1:
            out[w] = found.pop()
    return out


def _deletions(word: str) -> list[str]:
    return [word, *(word[:i] + word[i + 1:] for i in range(len(word)))]


def _redo(part: list[tuple[list[Slot], list[Edit]]], decs: list[list[Decision]],
          redo: dict[int, dict[int, str]], bonus: float, decoder: Decoder, confidence: bool,
          reach: int) -> list[list[Decision]]:
    """Make each reading of ``redo`` (paragraph -> slot -> reading) ``bonus`` nats cheaper
    and decode the words around them again."""
    for p, readings in redo.items():
        slots = part[p][0]
        for k, best in readings.items():
            tok, cands = slots[k]
            slots[k] = (tok, _cheaper(cands, [j for j, c in enumerate(cands) if c.text == best],
                                      bonus))
    return _decode_again(part, decs, {p: list(ks) for p, ks in redo.items()}, decoder,
                         confidence, reach)


def _most(read: np.ndarray, models: Sequence[tuple[WordCache | ContextModel, float, int]]
          ) -> np.ndarray:
    """The most each LM id can gain from all ``models`` together (arrays of each model's
    length: ids past one model's end gain nothing from it)."""
    parts = [model.most(read, weight) for model, weight, _ in models]
    out = np.zeros(max(len(p) for p in parts))
    for p in parts:
        out[: len(p)] += p
    return out


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


def _cheaper(cands: Sequence[Candidate], at: np.ndarray | list[int],
             by: np.ndarray | float) -> Repriced:
    """``cands`` with the priors of the candidates ``at`` lowered by ``by`` nats."""
    gains = np.zeros(len(cands))
    gains[at] = by
    return Repriced(cands, gains)


class _Decoded(NamedTuple):
    """A document as decoded, as arrays: the LM id read at every position (each
    paragraph padded as the decoder pads it), and at the words where the cache could
    matter, the reading decoded and the alternatives that could gain enough."""

    read: np.ndarray  # LM ids: <s> <s> paragraph </s> <s>, paragraph after paragraph
    term: np.ndarray  # whether each position of ``read`` has an LM term
    cand: np.ndarray  # the readings' LM ids, word after word
    costs: np.ndarray  # their channel + prior costs
    col: np.ndarray  # their index in their word's candidate list
    owner: np.ndarray  # the position in ``read`` of each
    chosen: np.ndarray  # whether it is the reading decoded there
    first: np.ndarray  # where each word's readings start
    place: list[tuple[int, int]]  # each word's (paragraph, slot)

    @classmethod
    def of(cls, part: list[tuple[list[Slot], list[Edit]]], decs: list[list[Decision]],
           decoder: Decoder, most: Callable[[np.ndarray], np.ndarray], floor: float,
           core: tuple[int, int]) -> _Decoded | None:
        """The paragraphs, with the words of the ``core`` paragraphs (the others are
        context) that have an alternative ``most`` (the most each LM id can gain here)
        lets gain ``floor`` nats."""
        # Per position: which candidate list (each shared list once) and which reading.
        keys = [id(cands) for slots, _ in part for _, cands in slots]
        if not keys:
            return None
        owners = {id(cands): (tok, cands) for slots, _ in part for tok, cands in slots}
        index = {key: i for i, key in enumerate(owners)}
        lists = [cands for _, cands in owners.values()]
        # A word's readings, not a number's or a symbol's (a list serves one kind only).
        wordy = [len(cands) > 1 and tok.kind is Kind.WORD for tok, cands in owners.values()]
        which = [index[key] for key in keys]
        picks = [d.choice for ds in decs for d in ds]
        lengths = [len(slots) for slots, _ in part]
        arrays = [decoder.readings(cands) for cands in lists]
        size = np.array([len(ids) for ids, _ in arrays])
        start = np.cumsum(size) - size
        flat = np.concatenate([ids for ids, _ in arrays])
        w, pick = np.array(which, dtype=np.int64), np.array(picks, dtype=np.int64)
        # Positions in the decoder's padding: <s> <s> paragraph </s> <s>.
        n = np.array(lengths, dtype=np.int64)
        ends = np.cumsum(n + 4) - 2  # the </s> of each paragraph
        slot = np.arange(len(w)) - np.repeat(np.cumsum(n) - n, n)
        at = np.repeat(ends - n, n) + slot
        read = np.full(int((n + 4).sum()), BOS_ID, dtype=np.int64)
        read[at], read[ends] = flat[start[w] + pick], EOS_ID
        term = np.zeros(len(read), dtype=bool)
        term[at] = term[ends] = True
        # The words with an alternative worth a look, and those alternatives.
        hot = most(read)[flat] >= floor
        mine = start[w] + pick
        alternatives = np.add.reduceat(hot, start)[w] - hot[mine]
        para = np.repeat(np.arange(len(n)), n)
        inside = (para >= core[0]) & (para < core[1])
        kept = np.flatnonzero(np.array(wordy)[w] & (alternatives > 0) & inside)
        if not len(kept):
            return None
        span = size[w[kept]]
        rows = np.repeat(start[w[kept]], span) + np.arange(int(span.sum())) \
            - np.repeat(np.cumsum(span) - span, span)
        word = np.repeat(np.arange(len(kept)), span)
        is_mine = rows == np.repeat(mine[kept], span)
        keep = hot[rows] | is_mine
        rows, word, is_mine = rows[keep], word[keep], is_mine[keep]
        first = np.flatnonzero(np.r_[True, word[1:] != word[:-1]])
        costs = np.concatenate([c for _, c in arrays])
        return cls(read, term, flat[rows], costs[rows], rows - start[w[kept]][word],
                   at[kept][word], is_mine, first,
                   list(zip(para[kept].tolist(), slot[kept].tolist(), strict=True)))

    def movable(self, gain: np.ndarray, decoder: Decoder, floor: float, slack: float
                ) -> list[int]:
        """The words (indices into ``place``) where ``gain`` could change the reading:
        an alternative gains ``floor`` nats or more over the reading decoded, and its
        local cost, the neighbours as decoded, comes within ``slack`` of that reading's
        (a change next to it can tip the balance too, as in a two-word name)."""
        lift = np.maximum.reduceat(np.where(self.chosen, -np.inf, gain), self.first) \
            - gain[self.chosen]
        words = np.flatnonzero(lift >= floor)
        if not len(words):
            return []
        ends = np.r_[self.first[1:], len(self.cand)]
        span = ends[words] - self.first[words]
        rows = np.repeat(self.first[words], span) + np.arange(int(span.sum())) \
            - np.repeat(np.cumsum(span) - span, span)
        where = self.owner[rows]
        window = self.read[where[:, None] + np.arange(-2, 3)]
        window[:, 2] = self.cand[rows]
        right = self.term[where[:, None] + np.arange(1, 3)]
        local = self.costs[rows] + decoder.context_costs(window, right) - gain[rows]
        now = self.chosen[rows]
        best = np.minimum.reduceat(np.where(now, np.inf, local), np.cumsum(span) - span)
        return words[best < local[now] + slack].tolist()


def _parts(sizes: list[int], size: int, reach: int) -> Iterable[tuple[int, int, tuple[int, int]]]:
    """Paragraphs (of ``sizes`` words) in parts of about ``size`` words: (first, end,
    (core first, core end) relative to first) with at least ``reach`` words of context
    on either side of the core where the document has them."""
    start = 0
    while start < len(sizes):
        end, words = start, 0
        while end < len(sizes) and (words < size or end == start):
            words += sizes[end]
            end += 1
        lo, before = start, 0
        while lo > 0 and before < reach:
            lo -= 1
            before += sizes[lo]
        hi, after = end, 0
        while hi < len(sizes) and after < reach:
            after += sizes[hi]
            hi += 1
        yield lo, hi, (start - lo, end - lo)
        start = end


def _decode_again(part: list[tuple[list[Slot], list[Edit]]], decs: list[list[Decision]],
                  changed: dict[int, list[int]], decoder: Decoder, confidence: bool,
                  reach: int) -> list[list[Decision]]:
    """The decisions, with the paragraphs whose slots ``changed`` (paragraph -> slots)
    searched again within ``reach`` of those slots (``Decoder.redecode``)."""
    order = sorted(changed)
    again = decoder.redecode([[c for _, c in part[p][0]] for p in order],
                             [decs[p] for p in order], [sorted(changed[p]) for p in order],
                             confidence, reach)
    for p, new in zip(order, again, strict=True):
        decs[p] = new
    return decs


def _log_probabilities(cands: Sequence[Candidate], dec: Decision) -> dict[str, float]:
    """ln P of each reading the search weighed at a position, neighbours as decoded."""
    finite = [(c.text, s) for c, s in zip(cands, dec.scores, strict=True) if math.isfinite(s)]
    low = min(s for _, s in finite)
    log_total = math.log(sum(math.exp(low - s) for _, s in finite))
    return {text: low - s - log_total for text, s in finite}


def _name_like(paragraph: list[Token], i: int) -> bool:
    """A capitalized word inside a sentence ("ông Hai", "tỉnh Thanh"): the evidence of a
    name.  Not at the start of a paragraph or sentence, and not in an all-capital run."""
    tok = paragraph[i]
    text = tok.text
    if not (text[:1].isupper() and text[1:2].islower()):
        return False
    j = i - 1
    while j >= 0 and paragraph[j].kind in (Kind.SPACE, Kind.NEWLINE):
        j -= 1
    return j >= 0 and paragraph[j].text[-1] not in _SENTENCE_OPENERS


def _isolated_caps(paragraph: list[Token], i: int) -> bool:
    """An all-capital word of two letters or more between words that are not, on its
    line ("vô địch CAN,", "hãng tin AP"): in the corpora 97.5% of such words that spell
    a syllable are written as they are (MU, EU, CIA, AP: 15,880 against 402 with marks),
    while a heading's words stand among capitals."""
    text = paragraph[i].text
    if len(text) < 2 or not text.isupper() or not text.isalpha():
        return False
    # The nearest tokens past the spaces (a line break or punctuation is no word).
    sides = [neighbour(paragraph, i, -1), neighbour(paragraph, i, 1)]
    words = [t for t in sides if t is not None and t.kind is Kind.WORD]
    return bool(words) and not any(t.text.isupper() for t in words)


def _continues(paragraph: list[Token], i: int, run_end: int) -> bool:
    """Does token ``i`` go on the run that ends at ``run_end`` (adjacent, or one space
    between)?"""
    return run_end == i - 1 or (run_end == i - 2 and paragraph[i - 1].kind is Kind.SPACE)


def _between_words(paragraph: list[Token], i: int) -> bool:
    before, after = neighbour(paragraph, i, -1), neighbour(paragraph, i, 1)
    return all(t is not None and t.kind is Kind.WORD and t.start != paragraph[i].start
               for t in (before, after)) and paragraph[i - 1].kind is Kind.SPACE \
        and i + 1 < len(paragraph) and paragraph[i + 1].kind is Kind.SPACE


@lru_cache(maxsize=1)
def _capitalized() -> dict[str, int]:
    """Times each syllable is written capitalized inside a sentence in the corpora
    (lexicons/capitalized.tsv; empty without the file)."""
    from .data import lexicon_dir, read_counts

    return read_counts(lexicon_dir() / "capitalized.tsv", missing_ok=True)


def _name_shift(inventory: Inventory, mass: float) -> dict[str, float]:
    """ln P(syllable | skeleton, capitalized inside a sentence) - ln P(syllable |
    skeleton), the first smoothed toward the second with ``mass`` pseudo-counts
    (lexicons/capitalized.tsv; a skeleton seldom capitalized barely moves)."""
    caps = _capitalized()
    if not caps:
        return {}
    out: dict[str, float] = {}
    for group in inventory.by_skeleton.values():
        total = sum(inventory.counts[s] for s in group)
        capped = sum(caps.get(s, 0) for s in group)
        if len(group) < 2 or not capped:
            continue
        for s in group:
            p_all = inventory.counts[s] / total
            p_cap = (caps.get(s, 0) + mass * p_all) / (capped + mass)
            shift = math.log(p_cap / p_all)
            if abs(shift) > 0.05:
                out[s] = shift
    return out


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
