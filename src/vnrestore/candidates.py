"""Stage 3b: candidate true words for each OCR token, each with its channel cost.

The candidates of a word are every known syllable whose mark-less skeleton matches
the token's skeleton or one of its OCR readings ("d6i" -> doi, "ctia" -> cua), or is
within a small edit distance of it; the channel prices each one.  The token itself is
always a candidate so non-Vietnamese words, names and codes can survive.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from .channel import ChannelParams, observed_form, readings, skeleton
from .vietnamese import match_case, place_tone, strip_marks

MAX_CANDIDATES = 12
# Below this estimated garble rate a document's letters are taken as read: only marks
# may be missing, so no fuzzy matching of words or names.
CLEAN_GARBLE = 0.02
WORD_CACHE = 100_000  # words whose candidates are kept, per channel estimate
# Beyond this many nats worse than the best candidate a reading is not worth decoding.
CHANNEL_BEAM = 7.0
# Spelling cost of keeping a non-Vietnamese token as it is: per character for ordinary
# strings (more in a noisy document, where an odd string is likelier garbled than
# foreign), flat for all-capital abbreviations (UBND, QLNN) that are not syllables.
UNK_PER_CHAR = 1.0
UNK_PER_CHAR_NOISY = 3.0
UNK_ABBREVIATION = 1.0
KNOWN_SKELETON_UNK = 4.0
# Support (nats) a matching gazetteer name or user term gives each of its syllables.
NAME_BONUS = 2.0
FUZZY_PHRASE = 2  # edits allowed when a run of words is matched to a phrase
USER_BONUS = 4.0
# Weight of the unigram frequency when pruning the candidate list (not when decoding).
PRUNE_FREQ_WEIGHT = 0.4

# Other readings tried one or two at a time (from the channel's hand-written and learned
# confusion tables; built on first use, so importing loads no table).
@lru_cache(maxsize=1)
def _alternatives() -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = defaultdict(list)
    for obs, true in readings(1.6):
        if true not in found[strip_marks(obs)]:
            found[strip_marks(obs)].append(true)
    return {k: tuple(v) for k, v in found.items()}


@dataclass(frozen=True, slots=True)
class Candidate:
    text: str  # lowercase true form (a syllable, or the token itself)
    lm_token: str  # what the language model sees: the syllable or "<unk>"
    channel: float  # -ln P(observed | this), nats
    prior: float = 0.0  # extra cost outside the LM (spelling of unknown words, lexicon bonus)
    source: str = "syllable"  # syllable | identity | abbreviation | roman | number | user


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
        counts: dict[str, int] = {}
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                syl, _, n = line.rstrip("\n").partition("\t")
                if syl:
                    counts[syl] = int(n or 1)
        return cls(counts)


class PhraseIndex:
    """Multi-word names and terms found by the skeleton of a run of tokens.

    "Bat Mot" or "Thudng Xuan" (capitalized, as names are) finds "Bát Mọt" / "Thường
    Xuân" in the gazetteer; the user's own terms are found whatever their case.  A match
    supports each of its syllables at its position (``bonus`` nats off the prior).
    """

    MAX_WORDS = 4

    def __init__(self, names: Iterable[str] = (), user_terms: Iterable[str] = (),
                 known: Callable[[str], bool] = lambda skel: False) -> None:
        self.known = known  # is a skeleton some syllable's?
        self.entries: dict[str, tuple[str, bool]] = {}  # skeleton -> (phrase, is_user)
        ambiguous: set[str] = set()
        for phrase in sorted(names):
            key = self._key(phrase)
            if key and self.entries.get(key, (phrase,))[0] != phrase:
                ambiguous.add(key)  # "Thanh Hóa" / "Thành Hòa": the LM decides, not us
            elif key:
                self.entries[key] = (phrase, False)
        for key in ambiguous:
            del self.entries[key]
        for phrase in user_terms:
            key = self._key(phrase, user=True)
            if key:
                self.entries[key] = (phrase, True)
        self.has_user_terms = any(user for _, user in self.entries.values())
        # Keys by (words, characters): a key within distance 2 has a length within 2,
        # so a fuzzy lookup searches 5 small buckets, not every key of its word count.
        self.buckets: dict[tuple[int, int], list[str]] = defaultdict(list)
        self._order = {key: i for i, key in enumerate(self.entries)}
        for key in self.entries:
            self.buckets[key.count(" ") + 1, len(key)].append(key)

    def _key(self, phrase: str, user: bool = False) -> str:
        """The skeleton key of a phrase ("" when it is not indexed: names need 2+ words)."""
        words = phrase.split()
        if 1 <= len(words) <= self.MAX_WORDS and (user or len(words) > 1):
            return " ".join(skeleton(w.lower()) for w in words)
        return ""

    def __bool__(self) -> bool:
        return bool(self.entries)

    @lru_cache(maxsize=50000)  # noqa: B019 - one index per restorer
    def lookup(self, words: tuple[str, ...], fuzzy: bool = True) -> tuple[str, bool] | None:
        """The phrase these observed words spell: exactly, or within a small distance
        when ``fuzzy`` (garbled text) or when a word is no syllable's skeleton."""
        skeletons = [skeleton(observed_form(w)) for w in words]
        key = " ".join(skeletons)
        hit = self.entries.get(key)
        if hit is not None:
            return hit
        if len(key) < 8 or not (fuzzy or not all(map(self.known, skeletons))):
            return None
        found = []
        for size in range(len(key) - FUZZY_PHRASE, len(key) + FUZZY_PHRASE + 1):
            best = process.extractOne(key, self.buckets.get((len(words), size), ()),
                                      scorer=Levenshtein.distance, score_cutoff=FUZZY_PHRASE)
            if best:
                found.append((best[1], self._order[best[0]], best[0]))
        # The closest; among equals the first in index order (as one search over all).
        return self.entries[min(found)[2]] if found else None


def support(cands: list[Candidate], token: str, word: str, user: bool,
            params: ChannelParams, inventory: Inventory) -> list[Candidate]:
    """Give the lexicon's reading ``word`` of ``token`` the phrase bonus (adding it if new)."""
    bonus = USER_BONUS if user else NAME_BONUS
    target = word if user else place_tone(word.lower(), "old")
    for i, c in enumerate(cands):
        if c.text == target or (not user and c.text == word):
            cands[i] = Candidate(c.text, c.lm_token, c.channel, c.prior - bonus,
                                 "user" if user else c.source)
            return cands
    lm_token = place_tone(word.lower(), "old")
    if lm_token not in inventory.counts:
        lm_token = "<unk>"
    channel = params.cost(observed_form(token), lm_token) if lm_token != "<unk>" else \
        -math.log(params.garble)
    cands.append(Candidate(target, lm_token, channel, -bonus, "user" if user else "lexicon"))
    return cands


def _readings(skel: str, known: dict[str, list[str]], budget: int = 2) -> set[str]:
    """Skeletons reachable by up to ``budget`` alternative OCR readings that are known."""
    found = {skel} if skel in known else set()
    frontier = {skel}
    alternatives = _alternatives()
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
    def __init__(self, inventory: Inventory, abbreviations: dict[str, str] | None = None
                 ) -> None:
        self.inventory = inventory
        self.abbreviations = abbreviations or {}
        total = sum(inventory.counts.values()) or 1
        self._log_total = math.log(total)
        self._memos: dict[ChannelParams, dict[tuple[str, bool], tuple[Candidate, ...]]] = {}

    def _unigram_cost(self, syl: str) -> float:
        return self._log_total - math.log(self.inventory.counts.get(syl, 0) + 1)

    @lru_cache(maxsize=200000)  # noqa: B019 - one generator per model, lives as long
    def _syllables(self, observed: str, wide: bool) -> tuple[str, ...]:
        """Known syllables the token may stand for, likeliest skeletons first (the same
        skeleton, then OCR readings, then fuzzy matches by distance): equal-cost readings
        keep this order when candidates are ranked, whatever the set order."""
        skel = skeleton(observed)
        known = self.inventory.by_skeleton
        bases = [skel] if skel in known else []
        if wide and skel:
            bases += sorted(_readings(skel, known))
            cutoff = 1 if len(skel) <= 4 else 2
            fuzzy = process.extract(skel, self.inventory.skeletons, scorer=Levenshtein.distance,
                                    score_cutoff=cutoff, limit=30)
            bases += [base for base, _, _ in sorted(fuzzy, key=lambda m: (m[1], m[0]))]
        return tuple(s for b in dict.fromkeys(bases) for s in known[b])

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
        if code:
            return tuple(out)
        # A clean (or only mark-stripped) document needs only the marked variants of
        # what it reads; other letters only for a word no syllable spells.
        wide = params.garble >= CLEAN_GARBLE or \
            skeleton(observed) not in self.inventory.by_skeleton
        syllables, unigram = self._syllable_table(observed, wide)
        if not syllables:
            return tuple(self._prune(out))
        costs = params.costs(observed, syllables)
        # _prune keeps, of the readings within CHANNEL_BEAM of the best, the likeliest
        # few; most of a wide search's hundreds fall outside, so they are chosen here on
        # arrays and only the few that can survive become Candidates (same result).
        beam = min(costs.min(), *(c.channel + c.prior for c in out)) + CHANNEL_BEAM
        sel = np.array([i for i in np.flatnonzero(costs <= beam).tolist()
                        if syllables[i] != plain], dtype=np.intp)
        if not len(sel):
            return tuple(self._prune(out))
        floor = min(costs[sel].min(), *(c.channel + c.prior for c in out))
        sel = sel[costs[sel] <= floor + CHANNEL_BEAM]
        rank = costs[sel] + PRUNE_FREQ_WEIGHT * unigram[sel]
        sel = np.sort(sel[np.argsort(rank, kind="stable")[: MAX_CANDIDATES - 1]])
        out += [Candidate(syllables[i], syllables[i], c)
                for i, c in zip(sel.tolist(), costs[sel].tolist(), strict=True)]
        return tuple(self._prune(out, floor))

    @lru_cache(maxsize=200000)  # noqa: B019 - one generator per model, lives as long
    def _syllable_table(self, observed: str, wide: bool) -> tuple[tuple[str, ...], np.ndarray]:
        """``_syllables`` with each one's unigram cost (as _prune ranks by it)."""
        syllables = self._syllables(observed, wide)
        return syllables, np.array([self._unigram_cost(s) for s in syllables])

    def _identity(self, token: str, plain: str, params: ChannelParams) -> Candidate:
        """Keeping the token as read: a known syllable, or an unknown word with a spelling cost."""
        if plain in self.inventory.counts:
            return Candidate(plain, plain, params.cost(plain, plain), 0.0, "syllable")
        known = skeleton(token.lower()) in self.inventory.by_skeleton
        # UBND, QLNN, KH: capitals that no Vietnamese syllable spells without marks.
        if token.isascii() and token.isupper() and len(token) > 1 and not known:
            spelling = UNK_ABBREVIATION
        else:
            spelling = len(token) * (UNK_PER_CHAR + UNK_PER_CHAR_NOISY * params.garble)
            # A word spelled like a Vietnamese syllable minus its marks ("Thiep") is far
            # likelier that syllable stripped than a foreign word, in proportion to drop.
            if known and token.isalpha():
                spelling += KNOWN_SKELETON_UNK * params.drop
        lm_token = "<abbr>" if len(token) > 1 and token.isupper() else "<unk>"
        return Candidate(token, lm_token, -math.log(1 - params.garble), spelling, "identity")

    def for_number(self, token: str, params: ChannelParams) -> list[Candidate]:
        """A short number between words may be a misread word ("13" = là)."""
        out = [Candidate(token, "<num>", 0.0, 0.0, "number")]
        if len(token) <= 2 and params.garble > 0.05:
            for syl in self._syllables(token, False):
                out.append(Candidate(syl, syl, params.cost(token, syl) + 2.0, 0.0))
        return self._prune(out)

    def _prune(self, cands: list[Candidate], floor: float | None = None) -> list[Candidate]:
        """Keep the identity and the best few readings within the beam of the best
        (``floor``: the best cost, when the caller dropped readings already)."""
        def rank(c: Candidate) -> float:
            return c.channel + c.prior + PRUNE_FREQ_WEIGHT * self._unigram_cost(c.text)

        head, rest = cands[0], sorted(cands[1:], key=rank)
        if floor is None:
            floor = min(head.channel + head.prior, *(c.channel + c.prior for c in rest)) \
                if rest else 0.0
        kept = [c for c in rest if c.channel + c.prior <= floor + CHANNEL_BEAM]
        return [head, *kept[: MAX_CANDIDATES - 1]]


def render(candidate: Candidate, token: str, style: str) -> str:
    """The output text of a candidate, in the token's case and the chosen tone style."""
    if candidate.source in ("identity", "number", "abbreviation", "user"):
        return candidate.text
    text = place_tone(candidate.text, style)
    return match_case(token, text)
