"""Stage 3c: evidence from the lexicons' phrases, words and names.

Two kinds of support, both from ``vnrestore.lexicon``:

* **Names and user terms** (``PhraseIndex``, ``support_phrases``): a run of adjacent
  words whose skeleton spells a gazetteer name ("Thudng Xuan" -> "Thường Xuân") or one
  of the user's terms gets that reading for each of its words, ``name_bonus`` (or
  ``user_bonus``) nats cheaper.
* **Document formulas** (``PhraseIndex`` too): the headers, footers and signature blocks
  of official documents, punctuation and abbreviations included ("Luu: VT" -> "Lưu:
  VT"), matched before anything else; their words get ``formula_bonus``.
* **Word pairs** (``pair_keys``): consecutive syllables of a word or term of the lexicons
  earn the decoder's ``pair_bonus`` (see ``vnrestore.decode``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from itertools import accumulate
from typing import TYPE_CHECKING

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from .candidates import Candidate, Inventory
from .channel import ChannelParams, observed_form, skeleton
from .config import DEFAULT, RestoreConfig
from .vietnamese import is_syllable, place_tone

if TYPE_CHECKING:
    from .lexicon import Lexicon
    from .lm import LanguageModelLike
    from .tokenize import Token

Slot = tuple["Token", Sequence[Candidate]]
SUPPORTED_MEMO = 100_000  # supported candidate tuples kept (PhraseIndex.supported)


class PhraseIndex:
    """Multi-word names and terms found by the skeleton of a run of tokens.

    "Bat Mot" or "Thudng Xuan" (capitalized, as names are) finds "Bát Mọt" / "Thường
    Xuân" in the gazetteer; the user's own terms are found whatever their case.  A match
    supports each of its syllables at its position (``bonus`` nats off the prior).
    """

    #: A formula of more tokens than this is found within fuzzy_edits, a shorter one
    #: only as written (its punctuation is then the evidence).
    FORMULA_EXACT_TOKENS = 4

    def __init__(self, names: Iterable[str] = (), user_terms: Iterable[str] = (),
                 known: Callable[[str], bool] = lambda skel: False,
                 fuzzy_edits: int = DEFAULT.fuzzy_phrase, terms: Iterable[str] = (),
                 formulas: Iterable[str] = (), near_words: int = DEFAULT.phrase_near_words
                 ) -> None:
        """``names`` match capitalized runs only (two words or more); ``terms`` (the
        lexicon's, two words or more) and ``user_terms`` (any length) any case;
        ``formulas`` (as written: "Lưu: VT") exactly, whatever the case."""
        self.known = known  # is a skeleton some syllable's?
        self.fuzzy_edits = fuzzy_edits
        self.near_words = near_words
        self.entries: dict[str, tuple[str, str]] = {}  # skeleton -> (phrase, kind)
        for kind, phrases in (("name", names), ("term", terms)):
            ambiguous: set[str] = set()
            for phrase in sorted(phrases):
                key = self._key(phrase)
                if key and self.entries.get(key, (phrase,))[0] != phrase:
                    ambiguous.add(key)  # "Thanh Hóa" / "Thành Hòa": the LM decides
                elif key:
                    self.entries[key] = (phrase, kind)
            for key in ambiguous:
                del self.entries[key]
        for phrase in user_terms:
            key = self._key(phrase, user=True)
            if key:
                self.entries[key] = (phrase, "user")
        self.has_user_terms = any(kind == "user" for _, kind in self.entries.values())
        # Formulas: (token keys, formula, letters its words may differ in).  A phrase-
        # sized one is read exactly, the punctuation being its evidence; a header longer
        # than a phrase ("Độc lập - Tự do - Hạnh phúc") is found within fuzzy_edits.
        self.formulas = [(key.split(" "), formula,
                          fuzzy_edits if key.count(" ") >= self.FORMULA_EXACT_TOKENS else 0)
                         for key, formula in map(formula_entry, formulas)]
        # One of a formula's first edits + 1 tokens is read exactly: where a formula may
        # start is found with one lookup per token.
        self.formula_anchors: dict[str, list[int]] = defaultdict(list)
        for keys, _, edits in self.formulas:
            for offset, key in enumerate(keys[:edits + 1]):
                self.formula_anchors[key].append(offset)
        # The punctuation a run of words may go on through: that of the formulas.
        self.formula_punct = frozenset(k for keys, _, _ in self.formulas for k in keys
                                       if not _wordlike(k))
        # The first two words of every key (or the only one): where an exact match starts.
        self.starts = frozenset(" ".join(key.split(" ", 2)[:2]) for key in self.entries)
        # The word counts of the entries, most first: the only lengths worth a lookup.
        self.sizes = sorted({key.count(" ") + 1 for key in self.entries}, reverse=True)
        self.longest = self.sizes[0] if self.sizes else 0
        self.any_case = any(kind != "name" for _, kind in self.entries.values())
        # Keys by (words, characters): a key within distance 2 has a length within 2,
        # so a fuzzy lookup searches 5 small buckets, not every key of its word count.
        self.buckets: dict[tuple[int, int], list[str]] = defaultdict(list)
        # (candidates, token, word, kind, params) -> the supported candidates
        self.supported: dict[tuple, tuple[Sequence[Candidate], tuple[Candidate, ...]]] = {}
        self._order = {key: i for i, key in enumerate(self.entries)}
        for key in self.entries:
            self.buckets[key.count(" ") + 1, len(key)].append(key)

    def _key(self, phrase: str, user: bool = False) -> str:
        """The skeleton key of a phrase ("" when it is not indexed: names need 2+ words)."""
        words = phrase.split()
        if words and (user or len(words) > 1):
            return " ".join(skeleton(w.lower()) for w in words)
        return ""

    def __bool__(self) -> bool:
        return bool(self.entries or self.formulas)

    def formula_at(self, keys: list[str], i: int) -> tuple[int, str] | None:
        """(tokens, formula) of a formula that the keys from ``i`` on spell: the same
        punctuation at the same places, the words within the formula's edits."""
        for fkeys, formula, edits in self.formulas:
            n = len(fkeys)
            window = keys[i:i + n]
            if len(window) == n and all(
                    _wordlike(w) if _wordlike(f) else w == f
                    for w, f in zip(window, fkeys, strict=True)
            ) and Levenshtein.distance(" ".join(window), " ".join(fkeys),
                                       score_cutoff=edits) <= edits:
                return n, formula
        return None

    def misspelt(self, word: str, key: str) -> bool:
        """Could ``word`` (skeleton ``key``) be a phrase's word misspelt?  Not when some
        syllable spells it, nor when it is an abbreviation or holds a digit ("UBND",
        "U23"): names and terms have neither."""
        return not self.known(key) and not (len(word) > 1 and word.isupper()) \
            and not any(ch.isdigit() for ch in word)

    @staticmethod
    @lru_cache(maxsize=100_000)
    def word_key(word: str) -> str:
        """The skeleton an observed word has in the index's keys."""
        return skeleton(observed_form(word))

    @lru_cache(maxsize=50000)  # noqa: B019 - one index per restorer
    def lookup(self, words: tuple[str, ...], fuzzy: bool = True) -> tuple[str, str] | None:
        """The phrase these observed words spell: exactly, or within a small distance
        when ``fuzzy`` (garbled text) or when a word may be misspelt (``misspelt``)."""
        skeletons = [self.word_key(w) for w in words]
        key = " ".join(skeletons)
        hit = self.entries.get(key)
        if hit is not None:
            return hit
        if len(key) < 8 or not (fuzzy or any(map(self.misspelt, words, skeletons))):
            return None
        edits = self.fuzzy_edits
        found = []
        for size in range(len(key) - edits, len(key) + edits + 1):
            bucket = self.buckets.get((len(words), size))
            best = bucket and process.extractOne(key, bucket, scorer=Levenshtein.distance,
                                                 score_cutoff=edits)
            if best:
                found.append((best[1], self._order[best[0]], best[0]))
        # The closest; among equals the first in index order (as one search over all).
        return self.entries[min(found)[2]] if found else None


def formula_entry(formula: str) -> tuple[str, str]:
    """A formula's key (the skeletons of its tokens) and its tokens, words that are
    syllables lowercased (they get support), abbreviations and punctuation as written."""
    from .tokenize import Kind, tokenize

    tokens = [t.text for t in tokenize(formula) if t.kind in (Kind.WORD, Kind.PUNCT)]
    key = " ".join(skeleton(t.lower()) for t in tokens)
    return key, " ".join(t.lower() if is_syllable(t.lower()) else t for t in tokens)


def _wordlike(key: str) -> bool:
    return not key or key[0].isalnum()


def support(cands: list[Candidate], token: str, word: str, kind: str,
            params: ChannelParams, inventory: Inventory,
            config: RestoreConfig = DEFAULT) -> list[Candidate]:
    """Give the reading ``word`` of ``token`` the bonus of a phrase of ``kind`` ("name",
    "term" or "user"), adding the reading if it is new."""
    user = kind == "user"
    bonus = {"user": config.user_bonus, "name": config.name_bonus,
             "term": config.term_bonus, "formula": config.formula_bonus}[kind]
    target = word if user else place_tone(word.lower(), "old")
    for i, c in enumerate(cands):
        if c.text == target or (not user and c.text == word):
            cands[i] = Candidate(c.text, c.lm_token, c.channel, c.prior - bonus,
                                 "user" if user else c.kind)
            return cands
    lm_token = place_tone(word.lower(), "old")
    channel = params.cost(observed_form(token), lm_token)
    if lm_token not in inventory.counts:
        lm_token = "<unk>"
    cands.append(Candidate(target, lm_token, channel, -bonus, "user" if user else "lexicon"))
    return cands


def support_phrases(index: PhraseIndex, runs: list[list[int]], slots: list[Slot],
                    params: ChannelParams, inventory: Inventory,
                    config: RestoreConfig = DEFAULT, terms: bool = True) -> None:
    """Longest-first match of runs of adjacent words (indices into ``slots``) against
    names, terms (if ``terms``) and user terms; a match replaces its slots' candidates
    with supported ones."""
    # Names have two words or more; a user's term may have one.
    fewest = 1 if index.has_user_terms else 2
    # In clean (or only mark-stripped) text a run of syllables is spelled as meant:
    # a name within two letters of it is another name.
    fuzzy = params.garble >= config.clean_garble
    for run in runs:
        keys = [index.word_key(slots[k][0].text) for k in run]
        # Formulas first (a header's words may spell names); the rest of the run, cut at
        # the punctuation only formulas go through, is matched against the phrases.
        taken = _formulas(index, run, keys, slots, params, inventory, config) \
            if terms and index.formulas else set()
        start = 0
        for end in range(len(run) + 1):
            if end == len(run) or end in taken or not _wordlike(keys[end]):
                if end > start:
                    _match_part(index, run[start:end], keys[start:end], slots, params,
                                inventory, config, terms, fuzzy, fewest)
                start = end + 1


def _formulas(index: PhraseIndex, run: list[int], keys: list[str], slots: list[Slot],
              params: ChannelParams, inventory: Inventory, config: RestoreConfig
              ) -> set[int]:
    """Support the formulas found in a run; the positions they took."""
    anchors = index.formula_anchors
    starts = sorted({j - offset for j, key in enumerate(keys) if key in anchors
                     for offset in anchors[key] if j >= offset})
    taken: set[int] = set()
    for i in starts:
        found = index.formula_at(keys, i) if i not in taken else None
        if found is not None:
            n, formula = found
            _support_run(index, slots, run[i:i + n], formula, "formula", params, inventory,
                         config)
            taken.update(range(i, i + n))
    return taken


def _match_part(index: PhraseIndex, run: list[int], keys: list[str], slots: list[Slot],
                params: ChannelParams, inventory: Inventory, config: RestoreConfig,
                terms: bool, fuzzy: bool, fewest: int) -> None:
    """Longest-first matches in (part of) a run.  A near match may contain a phrase
    spelled exactly but not cut one: "Tinh Dak Lak" is "Tỉnh Đắk Lắk", not "Bình Dân"
    (near "Tinh Dak") and "Lak"; "thong tin di ngoai" is still "thông tin đối ngoại"."""
    exact = _matches(index, run, keys, slots, terms, fuzzy, fewest, exact=True)
    texts = [slots[k][0].text for k in run]
    if not fuzzy and not any(map(index.misspelt, texts, keys)):
        # Near matches are sought only in garbled text or around a word that may be
        # misspelt: here the second search would find the exact matches again.
        found = exact
    else:
        found = _matches(index, run, keys, slots, terms, fuzzy, fewest, exact=False,
                         avoid=lambda i, n: _cuts(exact, i, n))
    for i, n, hit in found:
        _support_run(index, slots, run[i:i + n], hit[0], hit[1], params, inventory, config)


def _cuts(exact: list[tuple[int, int, tuple[str, str]]], i: int, n: int) -> bool:
    """Does words i..i+n overlap one of the ``exact`` matches without containing it?"""
    return any(i < j + m and j < i + n and not (i <= j and j + m <= i + n)
               for j, m, _ in exact)


def _matches(index: PhraseIndex, run: list[int], keys: list[str], slots: list[Slot],
             terms: bool, fuzzy: bool, fewest: int, exact: bool,
             avoid: Callable[[int, int], bool] = lambda i, n: False
             ) -> list[tuple[int, int, tuple[str, str]]]:
    """Longest-first matches from the left (only exact ones if ``exact``), none that
    ``avoid`` refuses: (start, words, (phrase, kind))."""
    starts = index.starts
    # Outside garbled text only a window of at most near_words words holding a word that
    # may be misspelt is sought near (``PhraseIndex.lookup``); the others are looked up
    # exactly, here.
    # Words that may be misspelt before each position (for near matches outside garbled
    # text only).
    unknown = [] if fuzzy or exact else [0, *accumulate(
        index.misspelt(slots[k][0].text, key) for k, key in zip(run, keys, strict=True))]
    reach = index.longest if fuzzy else index.near_words
    out = []
    i = 0
    while i <= len(run) - fewest:
        # A match starts with the first two words of an entry (one for a one-word user
        # term), unless a name (capitalized) is found fuzzily from garbled words: the
        # other starts, most words of a text, would be wasted lookups.
        if keys[i] not in starts and " ".join(keys[i:i + 2]) not in starts and (exact or not (
                slots[run[i]][0].text[:1].isupper()
                and (fuzzy or unknown[min(i + reach, len(keys))] > unknown[i]))):
            i += 1
            continue
        for n in index.sizes:
            if n > len(run) - i:
                continue
            if n < fewest:
                break
            if exact or (not fuzzy and (n > reach or unknown[i + n] == unknown[i])):
                hit = index.entries.get(" ".join(keys[i:i + n]))
            else:
                hit = index.lookup(tuple(slots[k][0].text for k in run[i:i + n]), fuzzy)
            if hit is None or (hit[1] == "term" and not terms) or (
                    hit[1] == "name" and not all(slots[k][0].text[:1].isupper()
                                                 for k in run[i:i + n])) or avoid(i, n):
                continue
            out.append((i, n, hit))
            i += n - 1
            break
        i += 1
    return out


def _support_run(index: PhraseIndex, slots: list[Slot], idx: list[int], phrase: str,
                 kind: str, params: ChannelParams, inventory: Inventory,
                 config: RestoreConfig) -> None:
    """Support each word of ``phrase`` at its slot (of a formula, only its words: its
    abbreviations and punctuation were read exactly).  Every occurrence of a word in
    the same phrase gets the same supported tuple: the decoder computes a tuple's
    arrays once (``Decoder._arrays``), and documents repeat their terms and names."""
    memo = index.supported
    for k, word in zip(idx, phrase.split(), strict=True):
        if kind == "formula" and not word.islower():
            continue
        tok, cands = slots[k]
        key = (id(cands), tok.text, word, kind, params)
        hit = memo.get(key)
        if hit is None or hit[0] is not cands:
            if len(memo) >= SUPPORTED_MEMO:
                memo.clear()
            # Holding ``cands`` keeps its id from being reused while the entry lives.
            hit = memo[key] = (cands, tuple(support(list(cands), tok.text, word, kind,
                                                    params, inventory, config)))
        slots[k] = (tok, hit[1])


def pair_keys(lm: LanguageModelLike, lexicon: Lexicon) -> np.ndarray:
    """LM id pairs ``a << 32 | b`` of consecutive syllables in the lexicon's phrases, as
    one vector job (start-up time): phrases joined by "|", which the LM does not know."""
    ids = lm.ids(" | ".join(p for p in lexicon.words if " " in p).split())
    a, b = ids[:-1], ids[1:]
    known = (a > 0) & (b > 0)
    return np.unique((a[known] << 32) | b[known])
