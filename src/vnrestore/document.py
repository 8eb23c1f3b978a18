"""Stage 4b: a second look at the whole document, once every paragraph is decoded.

Archive documents repeat their names, phrases and topic words, and a reading that is
uncertain in one place is often clear in another.  Each pass here reads the decisions
of the whole document, makes some readings cheaper where the document's own evidence
says so, and decodes the words around them again (``Decoder.redecode``); the language
model still decides every occurrence:

* ``consistent_names``: a name read differently at its occurrences is read the way
  likeliest over all of them;
* ``document_pairs``: the word pairs a garbled document reads several times (a cache
  of its own bigrams);
* ``document_words``: a cache of the document's words (``doccache``) and the
  neighbourhood model (``context``), beyond the trigram's reach;
* ``adapt``: in Tesseract-vie output, the misreadings the document makes again and
  again, fixed where they were left as read.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from itertools import chain
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from .candidates import Candidate, Repriced
from .cues import name_like
from .lm import BOS_ID, EOS_ID
from .render import is_restyle
from .tokenize import Kind, Para

if TYPE_CHECKING:
    from .config import RestoreConfig
    from .context import ContextModel
    from .decode import Decision, Decoder
    from .doccache import WordCache
    from .edits import Edit
    from .phrases import Slot


def consistent_names(paras: list[Para], part: list[tuple[list[Slot], list[Edit]]],
                     decs: list[list[Decision]], decoder: Decoder, confidence: bool,
                     config: RestoreConfig) -> list[list[Decision]]:
    """The decisions, with names read the same way throughout the document.

    A name (a capitalized word inside a sentence) that occurs several times shares
    its evidence: when its occurrences were read differently, the reading likeliest
    over all of them (the sum of each occurrence's local log-probabilities) gets
    ``config.consistency_bonus`` nats at each occurrence read otherwise, and those
    paragraphs are decoded again (a cache of the document's readings, as archive
    documents repeat their place names and people)."""
    bonus = config.consistency_bonus
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
                if name_like(tokens, index[tok.start]):
                    places.setdefault(tok.text, []).append((p, k))
    at = np.cumsum([0] + [len(p.words) for p in paras])  # word offset of a paragraph
    window = config.consistency_window
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
    return _redo(part, decs, redo, bonus, decoder, confidence, config.redo_reach)


def adapt(part: list[tuple[list[Slot], list[Edit]]], decs: list[list[Decision]],
          decoder: Decoder, confidence: bool, config: RestoreConfig) -> list[list[Decision]]:
    """The decisions, with the document's own OCR errors learnt: a word the restorer
    changed the same way, confidently, ``config.adapt_min`` times or more (a font
    Tesseract misreads: "tinh" read "tỉnh") gets that reading ``config.adapt_bonus``
    nats cheaper where it was left as read, and those paragraphs are decoded again.
    The language model still decides each occurrence ("tỉnh Thanh Hóa" stays)."""
    bonus, least = config.adapt_bonus, config.adapt_min
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
        if len(found) < least or \
                not _confident(part, decs, found, decoder, least, config.adapt_confidence):
            continue
        for p, k in where[text]:
            cands = part[p][0][k][1]
            if cands[decs[p][k].choice].text != best and \
                    any(c.text == best for c in cands):
                redo.setdefault(p, {})[k] = best
    if not redo:
        return decs
    return _redo(part, decs, redo, bonus, decoder, confidence, config.redo_reach)


def document_pairs(part: list[tuple[list[Slot], list[Edit]]],
                   decs: list[list[Decision]], decoder: Decoder, confidence: bool,
                   config: RestoreConfig) -> list[list[Decision]]:
    """The decisions, with the word pairs the document reads ``config.pair_cache_min``
    times or more (a cache of its own bigrams): where a word was read otherwise, a
    reading that makes such a pair with a neighbour, more often than the word as read
    does, gets ``config.pair_cache_bonus`` nats, and those paragraphs are decoded
    again.  Archive documents repeat their phrases: a plan that reads "truyền thông"
    twice reads the garbled third "truyén thong sir dung" alike, where the language
    model alone would say "truyền thống sử dụng"."""
    bonus, least = config.pair_cache_bonus, config.pair_cache_min
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
    return _redo(part, decs, redo, bonus, decoder, confidence, config.redo_reach)


def document_words(part: list[tuple[list[Slot], list[Edit]]], decs: list[list[Decision]],
                   decoder: Decoder, confidence: bool,
                   models: Sequence[tuple[WordCache | ContextModel, float, int]],
                   config: RestoreConfig) -> list[list[Decision]]:
    """The decisions after a second look with models of the document as decoded, each
    ``(model, weight, reach)``: a cache of its own words (``doccache``: each reading
    gains what the readings within ``config.word_cache_window`` words say for it) and
    the words around each position beyond the trigram's reach (``context``).  Where an
    alternative gains ``word_cache_floor`` nats or more over the reading decoded and its
    local cost (neighbours as decoded) comes within ``word_cache_slack`` nats of it, the
    readings are made cheaper by their gains and the words within ``word_cache_reach``
    of it are decoded again."""
    if not models:
        return decs
    reach = max(r for _, _, r in models)
    changed: dict[int, list[int]] = {}
    # In parts of CACHE_PART words, each with the paragraphs around it that its
    # windows reach: the arrays stay small, and the output is the whole document's.
    for lo, hi, core in _parts([len(slots) for slots, _ in part], CACHE_PART, reach):
        doc = _Decoded.of(part[lo:hi], decs[lo:hi], decoder,
                          lambda read: _most(read, models), config.word_cache_floor, core)
        if doc is None:
            continue
        gain = np.sum([m.gains(doc.read, doc.cand, doc.owner, doc.chosen, w)
                       for m, w, _ in models], axis=0)
        for i in doc.movable(gain, decoder, config.word_cache_floor, config.word_cache_slack):
            p, k = doc.place[i]
            p += lo
            tok, cands = part[p][0][k]
            end = doc.first[i + 1] if i + 1 < len(doc.first) else len(doc.cand)
            part[p][0][k] = (tok, _cheaper(cands, doc.col[doc.first[i]:end],
                                           gain[doc.first[i]:end]))
            changed.setdefault(p, []).append(k)
    if not changed:
        return decs
    return _decode_again(part, decs, changed, decoder, confidence, config.word_cache_reach)


def _confident(part: list[tuple[list[Slot], list[Edit]]],
               decs: list[list[Decision]], found: list[tuple[int, int]],
               decoder: Decoder, least: int, sure: float) -> bool:
    """Were at least ``least`` of the changes at ``found`` confident (``sure``)?"""
    known = [decs[p][k].confidence for p, k in found]
    if all(math.isfinite(c) for c in known):
        return sum(c >= sure for c in known) >= least
    order = sorted({p for p, _ in found})
    ks_of = [sorted(k for q, k in found if q == p) for p in order]
    scored = decoder.rescore([[c for _, c in part[p][0]] for p in order],
                             [[d.choice for d in decs[p]] for p in order], ks_of)
    return sum(d.confidence >= sure for block in scored for d in block) >= least


# Words per part of a document for its word cache (memory and speed only: each part
# sees the paragraphs its windows reach).
CACHE_PART = 20_000


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
