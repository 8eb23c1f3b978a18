"""Stage 3b: candidate true words for each OCR token, each with its channel cost.

The candidates of a word are every known syllable whose mark-less skeleton matches
the token's skeleton or one of its OCR readings ("d6i" -> doi, "ctia" -> cua), or is
within a small edit distance of it; the channel prices each one.  The token itself is
always a candidate so non-Vietnamese words, names and codes can survive.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import overload

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from .channel import ChannelParams, observed_form, readings, skeleton
from .config import DEFAULT, RestoreConfig
from .data import read_counts
from .detect import reading
from .vietnamese import has_foreign_letter, place_tone, strip_marks

WORD_CACHE = 100_000  # words whose candidates are kept, per channel estimate


@dataclass(frozen=True, slots=True)
class Candidate:
    text: str  # lowercase true form (a syllable, or the token itself)
    lm_token: str  # what the language model sees: the syllable or "<unk>"
    channel: float  # -ln P(observed | this), nats
    prior: float = 0.0  # extra cost outside the LM (spelling of unknown words, lexicon bonus)
    kind: str = "syllable"  # syllable | identity | abbreviation | number | lexicon | user


class Repriced(Sequence[Candidate]):
    """One position's candidates with their priors lowered by ``gains`` (nats), over the
    shared tuple ``base``: the document passes reprice ~10^4 positions, and a list of new
    ``Candidate``s per position cost ~60 MB on a 1 MB garbled file.  The decoder reuses
    the base's LM ids and bigram step tables (they depend on the LM ids only)."""

    __slots__ = ("base", "gains")
    base: Sequence[Candidate]
    gains: np.ndarray

    def __init__(self, cands: Sequence[Candidate], gains: np.ndarray) -> None:
        if isinstance(cands, Repriced):  # repriced again: the gains add up
            gains = cands.gains + gains
            cands = cands.base
        self.base = cands
        self.gains = gains

    def __len__(self) -> int:
        return len(self.base)

    @overload
    def __getitem__(self, i: int) -> Candidate: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[Candidate]: ...
    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        c = self.base[i]
        gain = float(self.gains[i])
        return Candidate(c.text, c.lm_token, c.channel, c.prior - gain, c.kind) if gain else c


@dataclass
class Inventory:
    """Known syllables indexed by skeleton, with counts (from lexicons/syllables.tsv)."""

    counts: dict[str, int]
    by_skeleton: dict[str, list[str]] = field(default_factory=dict)
    skeletons: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        index: dict[str, list[str]] = defaultdict(list)
        for syl in self.counts:
            index[strip_marks(syl)].append(syl)
        self.by_skeleton = dict(index)
        self.skeletons = list(index)

    @classmethod
    def load(cls, path: Path) -> Inventory:
        """The build writes only valid syllables, once each (tested): no checks here,
        as this is start-up time."""
        return cls(read_counts(path, default=1))


def _choice_spellings(symbols: Sequence[Sequence[tuple[str, float]]], min_conf: float,
                      max_changes: int) -> dict[str, float]:
    """Spellings of a word with up to ``max_changes`` characters replaced by an
    alternative of confidence >= ``min_conf``: spelling -> sum of ln(best / alternative)
    over its changes (0 for the word as read)."""
    states: dict[str, tuple[float, int]] = {"": (0.0, 0)}
    for alts in symbols:
        if not alts:
            return {}
        best, best_conf = alts[0]
        nxt: dict[str, tuple[float, int]] = {}
        for prefix, (cost, changes) in states.items():
            options = [(best, cost, changes)]
            if changes < max_changes:
                options += [(a, cost + math.log(max(best_conf, c) / c), changes + 1)
                            for a, c in alts[1:] if c >= min_conf and c > 0 and a != best]
            for a, c, n in options:
                key = prefix + a
                if key not in nxt or (c, n) < nxt[key]:
                    nxt[key] = (c, n)
        states = nxt
    return {text: cost for text, (cost, _) in states.items()}


@lru_cache(maxsize=4)
def _alternatives(hand_max_cost: float, learned_max_cost: float
                  ) -> dict[str, tuple[str, ...]]:
    """Other readings of an observed string, tried one or two at a time (from the
    channel's hand-written and learned confusion tables; built on first use)."""
    found: dict[str, list[str]] = defaultdict(list)
    for obs, true in readings(hand_max_cost, learned_max_cost):
        if true not in found[strip_marks(obs)]:
            found[strip_marks(obs)].append(true)
    return {k: tuple(v) for k, v in found.items()}


def _readings(skel: str, known: dict[str, list[str]], alternatives: dict[str, tuple[str, ...]],
              budget: int = 2) -> set[str]:
    """Skeletons reachable by up to ``budget`` alternative OCR readings that are known."""
    found = {skel} if skel in known else set()
    frontier = {skel}
    for _ in range(budget):
        nxt: set[str] = set()
        for s in frontier:
            for i in range(len(s)):
                for k in (1, 2):
                    for alt in alternatives.get(s[i : i + k], ()):
                        if len(s[i : i + k]) == k:
                            nxt.add(s[:i] + alt + s[i + k :])
        found |= {s for s in nxt if s in known}
        frontier = nxt
    return found


class CandidateGenerator:
    """The candidates of each token under a document's ``ChannelParams``, shaped by the
    candidate knobs of a ``RestoreConfig``."""

    def __init__(self, inventory: Inventory, abbreviations: dict[str, str] | None = None,
                 config: RestoreConfig = DEFAULT) -> None:
        self.inventory = inventory
        self.abbreviations = abbreviations or {}
        self.config = config
        total = sum(inventory.counts.values()) or 1
        self._log_total = math.log(total)
        self._memos: dict[ChannelParams, dict[tuple[str, bool], tuple[Candidate, ...]]] = {}

    def _unigram_cost(self, syl: str) -> float:
        return self._log_total - math.log(self.inventory.counts.get(syl, 0) + 1)

    def _bases(self, observed: str, reach: int) -> tuple[str, ...]:
        """Skeletons of the known syllables the token may stand for, likeliest first (the
        same skeleton, then OCR readings, then fuzzy matches by distance): equal-cost
        readings keep this order when candidates are ranked, whatever the set order.
        ``reach``: 0, the same skeleton only; 1, readings and near matches too; 2, as 1,
        and far matches for a word no syllable spells."""
        skel = skeleton(observed)
        known = self.inventory.by_skeleton
        bases = [skel] if skel in known else []
        if reach and skel:
            alternatives = _alternatives(self.config.hand_reading_max_cost,
                                         self.config.reading_max_cost)
            bases += sorted(_readings(skel, known, alternatives))
            cutoff = (1 if len(skel) <= 4 else 2) + \
                (self.config.fuzzy_unknown_extra if reach == 2 and skel not in known else 0)
            fuzzy = process.extract(skel, self.inventory.skeletons, scorer=Levenshtein.distance,
                                    score_cutoff=cutoff, limit=30)
            bases += [base for base, _, _ in sorted(fuzzy, key=lambda m: (m[1], m[0]))]
        return tuple(dict.fromkeys(bases))

    def for_word(self, token: str, params: ChannelParams, *, code: bool = False
                 ) -> tuple[Candidate, ...]:
        """Candidates of one word token (original case): the token itself first.  The
        tuple is shared by every occurrence of the token (the decoder caches its arrays
        by identity): copy it to change it."""
        memo = self.memo(params)
        found = memo.get((token, code))
        if found is None:
            found = memo[token, code] = self._for_word(token, params, code)
        return found

    def memo(self, params: ChannelParams) -> dict[tuple[str, bool], tuple[Candidate, ...]]:
        """The candidates found so far under ``params``, by (token, code): documents
        repeat their words, and a dict beats a cache keyed by the params object."""
        memo = self._memos.get(params)
        if memo is None or len(memo) >= WORD_CACHE:
            if len(self._memos) >= 4:
                self._memos.clear()
            memo = self._memos[params] = {}
        return memo

    def _for_word(self, token: str, params: ChannelParams, code: bool) -> tuple[Candidate, ...]:
        observed = observed_form(token)
        plain = place_tone(token.lower(), "old")
        identity = self._identity(token, plain, params)
        out = [identity]
        abbr = self.abbreviations.get(strip_marks(token).upper()) if token.isupper() else None
        if abbr and abbr != token:
            # A dictionary abbreviation read without its Đ is a marks-dropped reading.
            out.append(Candidate(abbr, "<abbr>", -math.log(params.drop), 0.0, "abbreviation"))
        elif abbr and identity.kind == "syllable":
            # One that spells a syllable ("HU": Huyện ủy) is that abbreviation or a word
            # in capitals ("HƯ HỎNG"): the context decides.
            out.append(Candidate(abbr, "<abbr>", identity.channel, 0.0, "abbreviation"))
        if code:
            return tuple(out)
        # A clean (or only mark-stripped) document needs only the marked variants of
        # what it reads; other letters only for a word no syllable spells, and far ones
        # only in a garbled document (in clean text such a change costs too much).
        cfg = self.config
        reach = 2 if params.garble >= cfg.clean_garble else \
            int(skeleton(observed) not in self.inventory.by_skeleton)
        syllables, unigram = self._syllable_table(observed, reach)
        width = self._beam(params)
        if not syllables:
            return tuple(self._prune(out, width))
        costs = params.costs(observed, syllables)
        # _prune keeps, of the readings within the beam of the best, the likeliest few;
        # most of a garbled word's hundreds fall outside, so they are chosen here on
        # arrays and only the few that can survive become Candidates (same result).
        beam = min(costs.min(), *(c.channel + c.prior for c in out)) + width
        sel = np.array([i for i in np.flatnonzero(costs <= beam).tolist()
                        if syllables[i] != plain], dtype=np.intp)
        if not len(sel):
            return tuple(self._prune(out, width))
        floor = min(costs[sel].min(), *(c.channel + c.prior for c in out))
        sel = sel[costs[sel] <= floor + width]
        rank = costs[sel] + cfg.prune_freq_weight * unigram[sel]
        sel = np.sort(sel[np.argsort(rank, kind="stable")[: cfg.max_candidates - 1]])
        out += [Candidate(syllables[i], syllables[i], c)
                for i, c in zip(sel.tolist(), costs[sel].tolist(), strict=True)]
        return tuple(self._prune(out, width, floor))

    @lru_cache(maxsize=200000)  # noqa: B019 - one generator per model, lives as long
    def _syllable_table(self, observed: str, reach: int) -> tuple[tuple[str, ...], np.ndarray]:
        """The known syllables of ``_bases``, in its order, with each one's unigram cost
        (as _prune ranks by it), joined from per-skeleton parts: a garbled word reaches
        hundreds of syllables."""
        parts = [self._skeleton_table(b) for b in self._bases(observed, reach)]
        if not parts:
            return (), np.zeros(0)
        return (tuple(s for syllables, _ in parts for s in syllables),
                np.concatenate([costs for _, costs in parts]))

    @lru_cache(maxsize=20000)  # noqa: B019 - one generator per model, lives as long
    def _skeleton_table(self, skel: str) -> tuple[list[str], np.ndarray]:
        """The syllables of one skeleton and their unigram costs."""
        syllables = self.inventory.by_skeleton[skel]
        return syllables, np.array([self._unigram_cost(s) for s in syllables])

    def _identity(self, token: str, plain: str, params: ChannelParams) -> Candidate:
        """Keeping the token as read: a known syllable, or an unknown word with a spelling cost."""
        if plain in self.inventory.counts:
            return Candidate(plain, plain, params.cost(plain, plain), 0.0, "syllable")
        known = skeleton(token.lower()) in self.inventory.by_skeleton
        # UBND, QLNN, KH: capitals that no Vietnamese syllable spells without marks.
        cfg = self.config
        if token.isascii() and token.isupper() and len(token) > 1 and not known:
            spelling = cfg.unk_abbreviation
        else:
            spelling = len(token) * (cfg.unk_per_char + cfg.unk_per_char_noisy * params.garble)
            # A word spelled like a Vietnamese syllable minus its marks ("Thiep") is far
            # likelier that syllable stripped than a foreign word, in proportion to drop.
            if known and token.isalpha():
                spelling += cfg.known_skeleton_unk * params.drop
            # Vietnamese OCR writes a letter neither Vietnamese nor English has ("bï")
            # by misreading one of its own.
            if params.lang == "vie" and has_foreign_letter(token):
                spelling += cfg.foreign_letter_cost
        lm_token = "<abbr>" if len(token) > 1 and token.isupper() else "<unk>"
        return Candidate(token, lm_token, -math.log(1 - params.garble), spelling, "identity")

    def from_choices(self, cands: tuple[Candidate, ...],
                     symbols: Sequence[Sequence[tuple[str, float]]]) -> tuple[Candidate, ...]:
        """``cands`` (a word's candidates) with the known syllables that the OCR engine's
        per-character alternatives spell (``symbols``: for each character of the word,
        (character, confidence) best first), each at the cost of its changes; a reading
        offered already keeps the cheaper cost.  ``cands`` itself when nothing is added."""
        cfg = self.config
        known = self.inventory.counts
        spelled = _choice_spellings(symbols, cfg.lstm_min_conf, cfg.lstm_max_changes)
        extra: dict[str, float] = {}
        for text, ratio in spelled.items():
            syl = place_tone(text.lower(), "old")
            if ratio > 0 and syl in known:
                cost = cfg.lstm_cost + cfg.lstm_cost_scale * ratio
                extra[syl] = min(cost, extra.get(syl, math.inf))
        if not extra:
            return cands
        out = list(cands)
        for i, c in enumerate(out):
            cost = extra.pop(c.text, math.inf)
            if cost < c.channel:
                out[i] = Candidate(c.text, c.lm_token, cost, c.prior, c.kind)
        out += [Candidate(s, s, c) for s, c in sorted(extra.items(), key=lambda x: x[1])]
        return tuple(out)

    def for_number(self, token: str, params: ChannelParams) -> list[Candidate]:
        """A short number between words may be a misread word ("13" = là)."""
        out = [Candidate(token, "<num>", 0.0, 0.0, "number")]
        cfg = self.config
        if len(token) <= 2 and params.garble > cfg.number_garble_min:
            for syl in self._syllable_table(token, 0)[0]:
                out.append(Candidate(syl, syl, params.cost(token, syl) + cfg.number_reading_cost,
                                     0.0))
        return self._prune(out, self._beam(params))

    def _beam(self, params: ChannelParams) -> float:
        """How far behind the best reading a candidate is still decoded: typed text
        (the clean reading) is held to a narrower beam than OCR output."""
        cfg = self.config
        clean = reading(params.lang, params.drop, params.garble, cfg.clean_garble) == "clean"
        return cfg.clean_beam if clean else cfg.channel_beam

    def _prune(self, cands: list[Candidate], beam: float, floor: float | None = None
               ) -> list[Candidate]:
        """Keep the identity and the best few readings within ``beam`` of the best
        (``floor``: the best cost, when the caller dropped readings already)."""
        cfg = self.config

        def rank(c: Candidate) -> float:
            return c.channel + c.prior + cfg.prune_freq_weight * self._unigram_cost(c.text)

        head, rest = cands[0], sorted(cands[1:], key=rank)
        if floor is None:
            floor = min(head.channel + head.prior, *(c.channel + c.prior for c in rest)) \
                if rest else 0.0
        kept = [c for c in rest if c.channel + c.prior <= floor + beam]
        return [head, *kept[: cfg.max_candidates - 1]]

