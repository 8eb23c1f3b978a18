"""Stage 3a: the OCR error channel, -ln P(observed | true syllable), in nats.

A token is either read exactly, or the OCR dropped all its marks (the commonest
error of a non-Vietnamese OCR model), or it was garbled in some other way.  The
first two are whole-syllable events whose rates are estimated per document
(``ChannelParams.estimate``); garbling is a weighted edit distance whose costs say
how easily one glyph is read as another (6 for ô/ơ, "ir" for ư, d for ơ, ...).

The garbling costs are learned per OCR language from synthetic scans
(``lexicons/channel_{eng,vie}.tsv``, built by ``python -m vnrestore.build channel``):
-ln P(op | true character) for reading a true character as itself, as the same letter
with other marks, as another character or as 2-3 characters ("ir" for ư), for losing it,
and for an extra observed character; plus a table of frequent whole-token misreadings.
The hand-written costs below are the fallback where the data cannot speak (no table,
a true character never seen, an observed symbol too rare to estimate).
"""

from __future__ import annotations

import json
import math
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .config import DEFAULT, RestoreConfig
from .vietnamese import is_syllable, place_tone, strip_marks

# ----------------------------------------------------------------------------- hand rules

# Observed string -> true base letter it often stands for, cost in nats (lowercased;
# "þ" marks an observed capital P at the start of a word, which OCR reads for Đ).
CONFUSIONS: dict[tuple[str, str], float] = {
    ("6", "o"): 0.5, ("0", "o"): 1.2, ("1", "l"): 0.6, ("1", "i"): 1.0, ("4", "a"): 0.8,
    ("3", "a"): 1.2, ("2", "a"): 1.5, ("8", "b"): 1.5, ("9", "g"): 1.5, ("5", "s"): 1.5,
    ("d", "o"): 1.0, ("b", "o"): 1.2, ("g", "o"): 1.3, ("c", "e"): 1.6, ("é", "o"): 0.9,
    ("è", "o"): 1.0, ("e", "o"): 1.4, ("é", "a"): 1.4, ("o", "e"): 1.6, ("o", "a"): 1.6,
    ("w", "u"): 0.5, ("j", "i"): 0.9, ("y", "u"): 1.0, ("u", "y"): 1.4, ("i", "a"): 1.0,
    ("i", "u"): 1.2, ("i", "e"): 1.3, ("t", "u"): 1.2, ("l", "i"): 1.2, ("i", "l"): 1.2,
    ("¢", "o"): 0.8, ("¢", "e"): 0.8, ("¢", "c"): 1.2, ("€", "e"): 0.6, ("¥", "y"): 0.6,
    ("&", "a"): 0.6, ("&", "o"): 0.8, ("@", "o"): 0.6, ("@", "a"): 0.8,
    ("þ", "d"): 0.3, ("þ", "p"): 0.6, ("a", "o"): 1.6, ("u", "o"): 1.8,
    ("ir", "u"): 0.6, ("it", "u"): 0.8, ("tr", "u"): 1.0, ("ti", "u"): 0.9, ("ii", "u"): 0.7,
    ("tt", "u"): 1.1, ("rr", "u"): 1.1, ("rn", "m"): 0.8, ("cl", "d"): 1.2, ("ri", "n"): 1.5,
    ("li", "h"): 1.5, ("|", "i"): 0.5, ("l", "t"): 1.5, ("s", "a"): 2.0, ("n", "u"): 1.5,
    ("u", "n"): 1.5, ("c", "o"): 1.6, ("o", "c"): 1.6, ("x", "a"): 2.0,
}
# Characters OCR inserts for a mark; reading past them is cheap.
JUNK = frozenset("’‘'`´\\§£^*\"~¢¥")
INSERT = 2.5  # an observed character the true word does not have
DELETE = 3.2  # a true character the OCR lost
DELETE_VOWEL = 1.4  # marked vowels are faint and the commonest loss ("di" = đối)
SUBSTITUTE = 3.2
MARK_KEPT_WRONG = 0.8  # same letter, other marks ("Ké" for Kế)
MARK_LOST = 0.25  # one char lost its marks inside a garbled word

_OPS_FROM: dict[str, list[tuple[str, str, float]]] = {}
for (_obs, _true), _cost in CONFUSIONS.items():
    _OPS_FROM.setdefault(_obs[0], []).append((_obs, _true, _cost))


def _base(ch: str) -> str:
    return strip_marks(ch)


def _hand_confusion(o: str, t: str) -> float | None:
    """The hand table's cost of reading true char ``t`` as the other letter ``o``."""
    tb = _base(t)
    cost = CONFUSIONS.get((o, tb))
    if cost is None:
        ob = _base(o)
        if ob != o:
            cost = CONFUSIONS.get((ob, tb))
            cost = None if cost is None else cost + 0.3
    if cost is None:
        return None
    return cost + (0.0 if t == tb else MARK_LOST)


def _sub(o: str, t: str) -> float:
    if o == t:
        return 0.0
    ob, tb = _base(o), _base(t)
    if ob == tb:
        return MARK_LOST if ob == o else MARK_KEPT_WRONG
    cost = _hand_confusion(o, t)
    return SUBSTITUTE if cost is None else cost


# ----------------------------------------------------------------------------- models


class ChannelModel:
    """Costs (nats) of the operations of the weighted edit distance: a true character
    read as one observed character (``sub``, itself included) or as 2-3 (``multi``),
    lost (``delete``), and an extra observed character (``insert``).

    This base class holds the hand-written costs; ``LearnedModel`` the estimated ones.
    """

    name = "hand"
    meta: dict = {}

    def __init__(self) -> None:
        # First observed char -> observed strings of the k:1 operations starting with it.
        self.multi_from: dict[str, tuple[str, ...]] = {}
        for obs, _, _ in (op for ops in _OPS_FROM.values() for op in ops):
            if len(obs) > 1 and obs not in self.multi_from.get(obs[0], ()):
                self.multi_from[obs[0]] = (*self.multi_from.get(obs[0], ()), obs)
        self._subs: dict[tuple[str, str], float] = {}
        self._multis: dict[tuple[str, str], float | None] = {}
        self._inserts: dict[str, float] = {}
        self._deletes: dict[str, float] = {}

    def sub(self, o: str, t: str) -> float:
        return _sub(o, t)

    def multi(self, s: str, t: str) -> float | None:
        """Cost of reading true char ``t`` as the 2-3 observed chars ``s`` (None: not an op)."""
        tb = _base(t)
        cost = CONFUSIONS.get((s, tb))
        return None if cost is None else cost + (0.0 if t == tb else MARK_LOST)

    def insert(self, o: str) -> float:
        return 0.3 if o in JUNK else INSERT

    def delete(self, t: str) -> float:
        return DELETE_VOWEL if _base(t) in "aeiouy" and t != _base(t) else DELETE

    def token(self, observed: str, true: str) -> float | None:
        """Direct cost of a frequent whole-token misreading, if known."""
        return self.tokens_of(observed).get(true)

    def tokens_of(self, observed: str) -> dict[str, float]:
        """The ``token`` costs of ``observed`` by true syllable (most strings have none)."""
        return {}

    def readings(self, max_cost: float) -> Iterable[tuple[str, str]]:
        """(observed string, true base letter) pairs likely enough to look candidates up by."""
        return [k for k, c in CONFUSIONS.items() if c <= max_cost]


def _mix(learned: float, hand: float, w: float) -> float:
    """-ln((1 - w) e^-learned + w e^-hand): the learned cost with a share ``w`` of the
    hand-written one (``RestoreConfig.hand_weight``)."""
    lo = min(learned, hand)
    return lo - math.log((1 - w) * math.exp(lo - learned) + w * math.exp(lo - hand))


class LearnedModel(ChannelModel):
    """Costs estimated from synthetic scans (see ``vnrestore.build.channel``)."""

    def __init__(self, name: str, subs: dict[tuple[str, str], float],
                 multis: dict[tuple[str, str], float], deletes: dict[str, float],
                 inserts: dict[str, float], unseen: dict[str, tuple[float, float]],
                 insert_unseen: float, evidence: dict[str, int],
                 tokens: dict[tuple[str, str], float], meta: dict | None = None, *,
                 hand_weight: float = DEFAULT.hand_weight,
                 min_evidence: int = DEFAULT.min_evidence) -> None:
        super().__init__()
        self.name = name
        self.hand_weight, self.min_evidence = hand_weight, min_evidence
        self.subs, self.multis_learned, self.deletes = subs, multis, deletes
        self.inserts, self.unseen, self.insert_unseen = inserts, unseen, insert_unseen
        self.evidence, self.tokens, self.meta = evidence, tokens, meta or {}
        # tokens_of, grouped on first use (with the table it was grouped from)
        self._by_observed: tuple[dict, dict[str, dict[str, float]]] | None = None
        starts: dict[str, set[str]] = {}
        for s, _ in multis:
            starts.setdefault(s[0], set()).add(s)
        for first, strings in self.multi_from.items():  # hand k:1 ops the data cannot judge
            for s in strings:
                if not self._has_evidence(s):
                    starts.setdefault(first, set()).add(s)
        self.multi_from = {k: tuple(sorted(v)) for k, v in starts.items()}

    def _has_evidence(self, s: str) -> bool:
        return all(self.evidence.get(c, 0) >= self.min_evidence for c in s)

    def sub(self, o: str, t: str) -> float:
        cost = self.subs.get((o, t))
        if cost is None:
            unseen = self.unseen.get(t)
            if unseen is None:  # a true character the data never showed
                return _sub(o, t)
            cost = unseen[0] if _base(o) == _base(t) else unseen[1]
            if not self._has_evidence(o):
                hand = _hand_confusion(o, t)
                if hand is not None and hand < cost:
                    return hand
        return _mix(cost, _sub(o, t), self.hand_weight)

    def multi(self, s: str, t: str) -> float | None:
        cost = self.multis_learned.get((s, t))
        hand = super().multi(s, t)
        if cost is None:
            return hand if not self._has_evidence(s) else None
        return cost if hand is None else _mix(cost, hand, self.hand_weight)

    def insert(self, o: str) -> float:
        cost = self.inserts.get(o, self.insert_unseen)
        if o in JUNK and o not in self.inserts and not self._has_evidence(o):
            return min(cost, super().insert(o))
        return _mix(cost, super().insert(o), self.hand_weight)

    def delete(self, t: str) -> float:
        cost = self.deletes.get(t)
        if cost is None:
            return super().delete(t)
        return _mix(cost, super().delete(t), self.hand_weight)

    def token(self, observed: str, true: str) -> float | None:
        return self.tokens.get((observed, true))

    def tokens_of(self, observed: str) -> dict[str, float]:
        if self._by_observed is None or self._by_observed[0] is not self.tokens:
            grouped: dict[str, dict[str, float]] = {}
            for (o, t), cost in self.tokens.items():
                grouped.setdefault(o, {})[t] = cost
            self._by_observed = (self.tokens, grouped)  # the builder sets a new table
        return self._by_observed[1].get(observed, {})

    def readings(self, max_cost: float = DEFAULT.reading_max_cost
                 ) -> Iterable[tuple[str, str]]:
        """Learned readings of a true letter as another letter (or 2-3 chars)."""
        out = set()
        for table in (self.subs, self.multis_learned):
            for (s, t), cost in table.items():
                if cost <= max_cost and strip_marks(s) != _base(t):
                    out.add((s, _base(t)))
        return sorted(out)

    # -- the table file

    @classmethod
    def load(cls, path, **settings) -> LearnedModel:
        """Read a table written by ``dump`` (TSV records, see lexicons/README.md);
        ``settings``: hand_weight, min_evidence."""
        subs: dict[tuple[str, str], float] = {}
        multis: dict[tuple[str, str], float] = {}
        deletes: dict[str, float] = {}
        inserts: dict[str, float] = {}
        unseen: dict[str, tuple[float, float]] = {}
        evidence: dict[str, int] = {}
        tokens: dict[tuple[str, str], float] = {}
        meta: dict = {}
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                f = line.rstrip("\n").split("\t")
                kind = f[0]
                if kind == "S":
                    (subs if len(f[1]) == 1 else multis)[(f[1], f[2])] = float(f[3])
                elif kind == "T":
                    tokens[(f[1], f[2])] = float(f[3])
                elif kind == "D":
                    deletes[f[1]] = float(f[2])
                elif kind == "I":
                    inserts[f[1]] = float(f[2])
                elif kind == "U":
                    unseen[f[1]] = (float(f[2]), float(f[3]))
                elif kind == "E":
                    evidence[f[1]] = int(f[2])
                elif kind == "#meta":
                    meta = json.loads(f[1])
        return cls(meta.get("lang", "?"), subs, multis, deletes, inserts, unseen,
                   float(meta.get("insert_unseen", INSERT)), evidence, tokens, meta, **settings)

    def dump(self, path, header: Iterable[str] = ()) -> None:
        meta = dict(self.meta, lang=self.name, insert_unseen=round(self.insert_unseen, 2))
        with open(path, "w", encoding="utf-8") as fh:
            for line in header:
                fh.write(f"# {line}\n")
            fh.write("#meta\t" + json.dumps(meta, ensure_ascii=False, sort_keys=True) + "\n")
            for t, (same, other) in sorted(self.unseen.items()):
                fh.write(f"U\t{t}\t{same:.2f}\t{other:.2f}\n")
            for t, cost in sorted(self.deletes.items()):
                fh.write(f"D\t{t}\t{cost:.2f}\n")
            for (s, t), cost in sorted({**self.subs, **self.multis_learned}.items(),
                                       key=lambda kv: (kv[0][1], kv[1], kv[0][0])):
                fh.write(f"S\t{s}\t{t}\t{cost:.2f}\n")
            for o, cost in sorted(self.inserts.items()):
                fh.write(f"I\t{o}\t{cost:.2f}\n")
            for o, n in sorted(self.evidence.items()):
                fh.write(f"E\t{o}\t{n}\n")
            for (o, t), cost in sorted(self.tokens.items(), key=lambda kv: (kv[0][1], kv[0][0])):
                fh.write(f"T\t{o}\t{t}\t{cost:.2f}\n")


LANGS = ("eng", "vie")
_HAND = ChannelModel()


@lru_cache(maxsize=8)
def get_model(lang: str = "eng", hand_weight: float = DEFAULT.hand_weight,
              min_evidence: int = DEFAULT.min_evidence) -> ChannelModel:
    """The learned channel of an OCR language (``lexicons/channel_LANG.tsv``), loaded on
    first use; ``"hand"`` is the hand-written costs alone.  A missing table is an error:
    the hand costs are no stand-in for a model that should have been installed."""
    if lang == "hand":
        return _HAND
    from .data import lexicon_dir

    path = lexicon_dir() / f"channel_{lang}.tsv"
    if not path.is_file():
        raise FileNotFoundError(f"vnrestore: the {lang!r} channel table {path} is missing; "
                                "reinstall vnrestore")
    return LearnedModel.load(path, hand_weight=hand_weight, min_evidence=min_evidence)


def _memo(table: dict[str, float], key: str, compute: Callable[[str], float]) -> float:
    value = table.get(key)
    if value is None:
        value = table[key] = compute(key)
    return value


@lru_cache(maxsize=4096)
def _observed_ops(model: ChannelModel, observed: str
                  ) -> tuple[list[float], list[list[tuple[int, str]]]]:
    """Per position of an observed string (priced against many syllables at once): the
    cost of its character as an insertion, and the k:1 observed strings *ending* there,
    with where they start."""
    ins = [_memo(model._inserts, o, model.insert) for o in observed]
    ending: list[list[tuple[int, str]]] = [[] for _ in range(len(observed) + 1)]
    for i, o in enumerate(observed):
        for s in model.multi_from.get(o, ()):
            if observed.startswith(s, i):
                ending[i + len(s)].append((i, s))
    return ins, ending


def distance_many(model: ChannelModel, observed: str, trues: Sequence[str]) -> np.ndarray:
    """Weighted edit distance (1:1, k:1, insertion, deletion) under ``model`` from each
    true string to ``observed``, all at once.

    Rows of the DP are observed positions; each row is one vector operation over every
    candidate and true position.  Deletions chain along a row, which a running minimum
    does in one step: D[j] = P[j] + min_{k<=j}(A[k] - P[k]), P the cumulative deletion cost.
    """
    if not trues:
        return np.zeros(0)
    ids, lengths = _char_ids(trues)
    size = len(_ALPHABET) + 1  # the cost vectors' length: id 0 is the padding
    # Padding past a candidate's end is read nowhere, so its cost is moot: deleting it
    # costs nothing, reading anything as it is impossible.
    dels = _cost_vector(model, "delete", "", size)
    prefix = np.zeros((len(trues), ids.shape[1] + 1))
    np.cumsum(dels[ids], axis=1, out=prefix[:, 1:])
    ins, ending = _observed_ops(model, observed)
    rows = [prefix]  # row 0: every true character deleted
    for i in range(1, len(observed) + 1):
        prev = rows[i - 1]
        a = prev + ins[i - 1]
        subs = _cost_vector(model, "sub", observed[i - 1], size)
        np.minimum(a[:, 1:], prev[:, :-1] + subs[ids], out=a[:, 1:])
        for start, s in ending[i]:
            multis = _cost_vector(model, "multi", s, size)
            np.minimum(a[:, 1:], rows[start][:, :-1] + multis[ids], out=a[:, 1:])
        rows.append(prefix + np.minimum.accumulate(a - prefix, axis=1))
    return rows[-1][np.arange(len(trues)), lengths]


# Every character of a true string priced so far, numbered from 1 (0 pads a row): the
# cost vectors are indexed by these ids, so each is built once per observed string.
_ALPHABET: dict[str, int] = {}
_CODE_IDS = np.zeros(0x2000, dtype=np.intp)  # code point -> id; Vietnamese ends at U+1EF9
_ALPHABET_LOCK = threading.Lock()


def _char_ids(trues: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The true strings as a padded matrix of character ids, and their lengths (built
    with array operations: a garbled word is priced against hundreds of syllables)."""
    codes = np.frombuffer("".join(trues).encode("utf-32-le"), dtype=np.uint32)
    lengths = np.fromiter(map(len, trues), dtype=np.intp, count=len(trues))
    table = _CODE_IDS
    found = table[codes] if not len(codes) or codes.max() < len(table) else None
    if found is None or not found.all():  # a character priced for the first time
        found = _number(codes)[codes]
    ids = np.zeros((len(trues), int(lengths.max())), dtype=np.intp)
    row = np.repeat(np.arange(len(trues)), lengths)
    col = np.arange(len(codes)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    ids[row, col] = found
    return ids, lengths


def _number(codes: np.ndarray) -> np.ndarray:
    """Give the characters of ``codes`` not yet in the alphabet their ids; the table."""
    global _CODE_IDS
    with _ALPHABET_LOCK:  # restorers in threads (a Dask worker) share the alphabet
        table = _CODE_IDS
        if codes.max() >= len(table):  # a symbol past Vietnamese (rare)
            table = np.zeros(int(codes.max()) + 1, dtype=np.intp)
            table[: len(_CODE_IDS)] = _CODE_IDS
        for code in np.unique(codes).tolist():
            if not table[code]:
                table[code] = _ALPHABET[chr(code)] = len(_ALPHABET) + 1
        _CODE_IDS = table
    return table


@lru_cache(maxsize=16384)
def _cost_vector(model: ChannelModel, op: str, obs: str, size: int) -> np.ndarray:
    """The cost of ``op`` ("sub", "multi": reading each true character as ``obs``;
    "delete": dropping it) for every character id below ``size`` (inf: not an
    operation).  ``size`` is the alphabet's size when asked: a new character makes new
    vectors."""
    out = np.empty(size)
    out[0] = 0.0 if op == "delete" else math.inf
    for t, k in list(_ALPHABET.items()):
        if k >= size:
            continue
        if op == "delete":
            cost: float | None = _memo(model._deletes, t, model.delete)
        else:
            table, compute = (model._subs, model.sub) if op == "sub" else \
                (model._multis, model.multi)
            key = (obs, t)
            cost = table.get(key, False)
            if cost is False:
                cost = table[key] = compute(obs, t)
        out[k] = math.inf if cost is None else cost
    out.setflags(write=False)
    return out


def distance(model: ChannelModel, observed: str, true: str) -> float:
    """Weighted edit distance of one pair (see ``distance_many``)."""
    return float(distance_many(model, observed, (true,))[0])


@lru_cache(maxsize=262144)
def edit_cost(observed: str, true: str, lang: str = "eng") -> float:
    """Weighted edit distance: observed OCR string (lowercased) vs a true syllable,
    under the channel of OCR language ``lang`` ("hand": the hand-written costs)."""
    return distance(get_model(lang), observed, true)


@lru_cache(maxsize=65536)
def garble_costs(observed: str, trues: tuple[str, ...], lang: str = "eng",
                 hand_weight: float = DEFAULT.hand_weight,
                 min_evidence: int = DEFAULT.min_evidence) -> np.ndarray:
    """-ln P(observed | true, garbled) of every true syllable (read-only array): the edit
    model's cost, or the token table's cost of a frequent misreading where that is lower
    (the edit model spreads its mass over many readings, so a direct estimate above it
    would only penalize attested pairs against unattested ones)."""
    model = get_model(lang, hand_weight, min_evidence)
    edits = distance_many(model, observed, trues)
    direct = model.tokens_of(observed)
    if direct:  # a few hundred observed strings have any
        for k, t in enumerate(trues):
            cost = direct.get(t)
            if cost is not None and cost < edits[k]:
                edits[k] = cost
    edits.setflags(write=False)
    return edits


def readings(hand_max_cost: float = DEFAULT.hand_reading_max_cost,
             learned_max_cost: float = DEFAULT.reading_max_cost) -> list[tuple[str, str]]:
    """(observed string, true base letter) readings worth looking candidates up by: the
    hand table's up to ``hand_max_cost`` and the learned tables' up to
    ``learned_max_cost``."""
    out = set(_HAND.readings(hand_max_cost))
    for lang in LANGS:
        out.update(get_model(lang).readings(learned_max_cost))
    return sorted(out)


# Primary reading of OCR stand-ins when building the lookup skeleton.
_PRIMARY = str.maketrans({"6": "o", "0": "o", "1": "l", "4": "a", "3": "a", "þ": "d",
                          "¢": "o", "€": "e", "¥": "y", "&": "a", "@": "o", "|": "i", "w": "u",
                          "j": "i"})


@lru_cache(maxsize=65536)
def canonical(observed: str) -> str:
    """An observed syllable with its tone where the old style puts it ("hoà" -> "hòa"):
    tone placement is a style, not an OCR error."""
    return place_tone(observed, "old")


def skeleton(observed: str) -> str:
    """Mark-less key of an observed (lowercased) token: "d6i" -> "doi", "x&" -> "xa"."""
    s = strip_marks(observed.translate(_PRIMARY))
    return "".join(c for c in s if c not in JUNK)


def observed_form(token: str) -> str:
    """The lowercased OCR string the channel reads, keeping the signal of a capital P."""
    if token[:1] == "P" and len(token) > 1 and token[1] not in "hH":
        token = "þ" + token[1:]
    return token.lower()


@dataclass(frozen=True)
class ChannelParams:
    """Per-document error rates.  ``drop``: P(a marked syllable lost every mark);
    ``garble``: P(a token was misread in some other way); ``lang``: whose learned
    channel prices the garbled readings (the OCR language: "eng", "vie", or "hand"),
    with the channel settings of the config that estimated them."""

    drop: float = 0.01
    garble: float = 0.01
    lang: str = "eng"
    hand_weight: float = DEFAULT.hand_weight
    min_evidence: int = DEFAULT.min_evidence

    @classmethod
    def estimate(cls, words: Iterable[str], known: Callable[[str], bool] | None = None,
                 config: RestoreConfig = DEFAULT) -> ChannelParams:
        """Estimate the rates from the word tokens of a document or block.

        ``drop`` comes from the share of unmarked syllables; ``garble`` from the share of
        lowercase or digit-bearing tokens that no known syllable explains (``known`` tells
        whether a skeleton belongs to one).  Capitalized unknown words are names or foreign
        words in clean text, so they are not evidence of garbling.
        """
        valid = plain = odd = total = 0
        for w, n in Counter(words).items():  # documents repeat words: judge each once
            if not any(c.isalpha() for c in w):
                continue
            total += n
            if is_syllable(w):
                valid += n
                plain += n * (strip_marks(w) == w)
            if not w.isalpha() or (w[0].islower() and known is not None
                                   and not known(skeleton(w.lower()))):
                odd += n
        settings = {"hand_weight": config.hand_weight, "min_evidence": config.min_evidence}
        if total < 3 or valid == 0:
            return cls(**settings)  # type: ignore[arg-type]
        # Shrink toward "clean" for small samples so a short line is not over-corrected.
        prior, clean_plain, clean_odd = (config.estimate_prior, config.clean_plain_share,
                                         config.clean_odd_share)
        plain_share = (plain + prior * clean_plain) / (valid + prior)
        drop = (plain_share - clean_plain) / (1 - clean_plain)
        drop = min(max(drop, 0.001), 0.95)
        odd_share = (odd + prior * clean_odd) / (total + prior)
        garble = min(max((odd_share - clean_odd) * config.garble_scale, 0.001), 0.6)
        return cls(drop=drop, garble=garble, **settings)  # type: ignore[arg-type]

    def cost(self, observed: str, true: str) -> float:
        """-ln P(observed | true) for a lowercased OCR string and a lowercase syllable."""
        return float(self.costs(observed, (true,))[0])

    def costs(self, observed: str, trues: tuple[str, ...]) -> np.ndarray:
        """``cost`` of every true syllable at once: read exactly, stripped of all its
        marks, or garbled (priced by the learned edit model, in one vector DP)."""
        observed = canonical(observed)
        marked, plain, stripped, garbled = _read_as(observed, trues)
        out = np.empty(len(trues))
        exact = -math.log(1 - self.garble)
        out[marked] = exact - math.log(1 - self.drop)
        out[plain] = exact - 0.0
        out[stripped] = -math.log(self.drop * (1 - self.garble))
        if len(garbled):
            out[garbled] = -math.log(self.garble) + garble_costs(
                observed, tuple(trues[k] for k in garbled.tolist()), self.lang,
                self.hand_weight, self.min_evidence)
        return out


@lru_cache(maxsize=65536)
def _read_as(observed: str, trues: tuple[str, ...]
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Indices of the true syllables ``observed`` (canonical) reads exactly (marked, then
    unmarked ones), reads stripped of all their marks, and reads otherwise: what the
    rates price, the same for every document (so computed once per pair)."""
    groups: tuple[list[int], list[int], list[int], list[int]] = ([], [], [], [])
    for k, t in enumerate(trues):
        bare = strip_marks(t)
        if observed == t:
            groups[0 if t != bare else 1].append(k)
        elif observed == bare:
            groups[2].append(k)
        else:
            groups[3].append(k)
    return tuple(np.array(g, dtype=np.intp) for g in groups)  # type: ignore[return-value]
