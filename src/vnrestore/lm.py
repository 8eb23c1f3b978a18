"""Syllable trigram language model: the shared tokenization and the fast query side.

The model is built offline by ``python -m vnrestore.build lm`` (see ``build/lm.py``) into
``lexicons/``.  It is an interpolated modified Kneser-Ney trigram model, pruned and
stored in backoff form, so a lookup is at most three binary searches:

    ln P(w | u v) = lp3[uvw]                            if the trigram is stored
                  = bow2[uv] + lp2[vw]                  elif the bigram vw is stored
                  = bow2[uv] + bow1[v] + lp1[w]         otherwise

(``bow2[uv]`` is 0 when ``uv`` is not stored).  All arrays are ``.npy`` files opened
with ``mmap_mode="r"``, so loading costs only the vocabulary.  Natural logs throughout.

Two storage forms, told apart by the files (``vnrestore.build.lm`` writes either):

* keys: ``uint64`` (``lm3_keys`` = ``(u*V+v)*V+w``), or compact ``uint32``: the low 32
  bits of the same sorted keys, with ``lmN_buckets.npy`` giving where each value of the
  high bits starts (bigram keys ``v*V+w`` fit 32 bits whole: no buckets);
* values: ``float16``, or 8-bit codes into ``lmN_logp_codebook.npy`` /
  ``lm2_bow_codebook.npy`` (float64; bow code 0 is exactly 0.0).

Importing this module loads nothing; ``get_model()`` loads lazily once.
"""

from __future__ import annotations

import functools
import json
import pathlib
import unicodedata
from collections.abc import Sequence
from typing import Protocol

import numpy as np
import regex

from .data import read_counts
from .vietnamese import is_syllable, place_tone

UNK, BOS, EOS, NUM = "<unk>", "<s>", "</s>", "<num>"
SPECIALS = (UNK, BOS, EOS, NUM)
UNK_ID, BOS_ID, EOS_ID, NUM_ID = 0, 1, 2, 3
# Punctuation the model keeps as tokens (ids 4..15, in this order); any other symbol is dropped.
PUNCT = tuple('.,:;-()/?!"%')
# All-capital non-syllables (UBND, HĐND, QLNN) are a class of their own: administrative
# text is full of them, and "UBND huyện" must not be scored like a foreign-name run.
ABBR = "<abbr>"
BASE_TOKENS = SPECIALS + PUNCT + (ABBR,)
# Files of the compact storage form, loaded whole when present (see the module docstring).
OPTIONAL_ARRAYS = ("lm3_buckets", "lm2_buckets", "lm3_logp_codebook", "lm2_logp_codebook",
                   "lm2_bow_codebook")
# Bumped whenever lm_tokens changes, so cached token streams of the build are invalidated.
TOKENIZER_VERSION = 2

_TOKEN = regex.compile(r"\p{L}[\p{L}\p{M}]*|\p{N}+|[^\s\p{L}\p{N}]")
_PUNCT_SET = frozenset(PUNCT)
# Raw token -> LM token ("" = dropped).  A plain dict beats lru_cache in the build's hot loop.
_TOKEN_MAP: dict[str, str] = {}
_TOKEN_MAP_LIMIT = 1_000_000


def _map_token(tok: str) -> str:
    """LM token of one raw regex token, "" when the character is dropped."""
    first = tok[0]
    if first.isalpha():
        w = place_tone(tok.lower(), "old")
        if is_syllable(w):
            out = w
        else:
            out = ABBR if len(tok) > 1 and tok.isupper() else UNK
    elif unicodedata.category(first) in ("Nd", "Nl", "No"):
        out = NUM
    else:
        out = tok if tok in _PUNCT_SET else ""
    if len(_TOKEN_MAP) >= _TOKEN_MAP_LIMIT:
        _TOKEN_MAP.clear()  # bound memory on long-running processes
    _TOKEN_MAP[tok] = out
    return out


def lm_tokens(text: str) -> list[list[str]]:
    """The one tokenization shared by the build and the decoder: a list of sentences.

    NFC; every non-empty line is a sentence; letters -> lowercase old-style syllable or
    ``<unk>``; digit runs -> ``<num>``; ``.,:;-()/?!"%`` kept; other symbols dropped.
    """
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    cache = _TOKEN_MAP
    out: list[list[str]] = []
    for line in text.splitlines():
        # get-or-map then filter is the fastest form measured; dropped symbols ("") are rare
        # enough that re-mapping them on every occurrence costs nothing.
        sent = [cache.get(t) or _map_token(t) for t in _TOKEN.findall(line)]
        sent = [t for t in sent if t]
        if sent:
            out.append(sent)
    return out


class LanguageModelLike(Protocol):
    """What the decoder asks of a language model (``LanguageModel``, and the tests' toy
    model): ids, and ln P(w | u v) whole or in the three parts of the backoff formula.
    Arrays of ids broadcast together; results are float64 arrays of natural logs."""

    def ids(self, tokens: Sequence[str]) -> np.ndarray: ...

    def logprob(self, u: np.ndarray, v: np.ndarray, w: np.ndarray) -> np.ndarray: ...

    def trigram(self, u: np.ndarray, v: np.ndarray, w: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]: ...

    def context(self, u: np.ndarray, v: np.ndarray) -> np.ndarray: ...

    def bigram(self, v: np.ndarray, w: np.ndarray) -> np.ndarray: ...

    def pairs(self, v: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...


class LanguageModel:
    """A loaded (memory-mapped) model; see the module docstring for the formula."""

    def __init__(self, directory: pathlib.Path, vocab: list[str],
                 arrays: dict[str, np.ndarray], meta: dict) -> None:
        self.directory = directory
        self.vocab = vocab
        self.vocab_size = len(vocab)
        self.meta = meta
        self._index = {t: i for i, t in enumerate(vocab)}
        self._t3 = _Keys(arrays["lm3_keys"], arrays.get("lm3_buckets"))
        self._t2 = _Keys(arrays["lm2_keys"], arrays.get("lm2_buckets"))
        self._p3 = _Values(arrays["lm3_logp"], arrays.get("lm3_logp_codebook"))
        self._p2 = _Values(arrays["lm2_logp"], arrays.get("lm2_logp_codebook"))
        self._b2 = _Values(arrays["lm2_bow"], arrays.get("lm2_bow_codebook"))
        # The unigram tables are tiny; a real array makes the gathers cheaper than a memmap.
        self._p1 = np.asarray(arrays["lm1_logp"], dtype=np.float64)
        self._b1 = np.asarray(arrays["lm1_bow"], dtype=np.float64)
        self._counts: dict[str, int] | None = None

    @classmethod
    def load(cls, directory: pathlib.Path | None = None) -> LanguageModel:
        if directory is None:
            from .data import lexicon_dir

            directory = lexicon_dir()
        directory = pathlib.Path(directory)
        vocab = read_vocab(directory)
        names = ("lm3_keys", "lm3_logp", "lm2_keys", "lm2_logp", "lm2_bow", "lm1_logp", "lm1_bow")
        # Plain ndarray views of the maps: the same memory, without np.memmap's Python-level
        # __getitem__ on every gather and slice (thousands per document).
        arrays = {n: np.load(directory / f"{n}.npy", mmap_mode="r").view(np.ndarray)
                  for n in names}
        for n in OPTIONAL_ARRAYS:  # small: read whole
            if (directory / f"{n}.npy").exists():
                arrays[n] = np.load(directory / f"{n}.npy")
        meta_path = directory / "lm_meta.json"
        meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
        return cls(directory, vocab, arrays, meta)

    def keys(self, order: int) -> np.ndarray:
        """All stored keys of an order (2 or 3) as uint64 (tests and tools)."""
        return (self._t3 if order == 3 else self._t2).full()

    def id(self, token: str) -> int:
        return self._index.get(token, UNK_ID)

    def ids(self, tokens: Sequence[str]) -> np.ndarray:
        get = self._index.get
        return np.fromiter((get(t, UNK_ID) for t in tokens), dtype=np.int64, count=len(tokens))

    def count(self, syllable: str) -> int:
        """Training count of a syllable (from syllables.tsv), 0 when not in the inventory."""
        if self._counts is None:
            self._counts = read_counts(self.directory / "syllables.tsv", missing_ok=True)
        return self._counts.get(syllable, 0)

    def logprob(self, u: np.ndarray, v: np.ndarray, w: np.ndarray) -> np.ndarray:
        """Vectorized ln P(w | u v) with full backoff; the three arrays broadcast together."""
        u, v, w = np.broadcast_arrays(*(np.asarray(x, dtype=np.uint64) for x in (u, v, w)))
        hit3, p3 = self.trigram(u, v, w)
        out = np.empty(u.shape, dtype=np.float64)
        out[hit3] = p3
        miss = ~hit3
        if miss.any():
            out[miss] = self.context(u[miss], v[miss]) + self.bigram(v[miss], w[miss])
        return out

    # The three parts of the backoff formula, for callers (the decoder) that share the
    # context and bigram terms between many trigrams.

    def trigram(self, u: np.ndarray, v: np.ndarray, w: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
        """(stored mask, ln P of the stored ones) of the trigrams (u, v, w)."""
        hit, pos = self._t3.find(self._key(self._key(u, v), w))
        return hit, self._p3[pos[hit]]

    def context(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """ln bow2(u v); 0 exactly when no trigram of context (u, v) is stored (the build
        guarantees it), so callers may skip trigram lookups there."""
        hit, pos = self._t2.find(self._key(u, v))
        out = np.zeros(hit.shape)
        out[hit] = self._b2[pos[hit]]
        return out

    def bigram(self, v: np.ndarray, w: np.ndarray) -> np.ndarray:
        """ln P(w | v), backing off to the unigram."""
        return self._bigram(v, w, with_context=False)[0]

    def pairs(self, v: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(ln P(w | v), ln bow2(v w)) from one search of the bigram table: a decoder
        state (v, w) is scored by the first and is the context of the next trigram."""
        prob, bow = self._bigram(v, w, with_context=True)
        assert bow is not None
        return prob, bow

    def _bigram(self, v: np.ndarray, w: np.ndarray, *, with_context: bool
                ) -> tuple[np.ndarray, np.ndarray | None]:
        v, w = np.asarray(v, dtype=np.uint64), np.asarray(w, dtype=np.uint64)
        hit, pos = self._t2.find(self._key(v, w))
        at = pos[hit]
        prob = self._b1[v.astype(np.intp)] + self._p1[w.astype(np.intp)]
        prob[hit] = self._p2[at]
        if not with_context:
            return prob, None
        bow = np.zeros(hit.shape)
        bow[hit] = self._b2[at]
        return prob, bow

    def _key(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.asarray(a, dtype=np.uint64) * np.uint64(self.vocab_size) \
            + np.asarray(b, dtype=np.uint64)

    def sentence_logprob(self, tokens: Sequence[str]) -> float:
        """ln P of a sentence of LM tokens, with ``<s> <s>`` before and ``</s>`` after."""
        seq = np.concatenate([[BOS_ID, BOS_ID], self.ids(tokens), [EOS_ID]])
        return float(self.logprob(seq[:-2], seq[1:-1], seq[2:]).sum())


class _Keys:
    """Sorted n-gram keys as stored: ``uint64``, or ``uint32`` low halves of sorted uint64
    keys with ``buckets[b] : buckets[b + 1]`` holding those whose high 32 bits are ``b``
    (no buckets: every key is below 2**32)."""

    def __init__(self, keys: np.ndarray, buckets: np.ndarray | None = None) -> None:
        self.keys = keys
        self.buckets: np.ndarray | None = None
        self._bounds: list[int] = []
        if buckets is not None:
            self.buckets = np.asarray(buckets, dtype=np.intp)
            self._bounds = self.buckets.tolist()
        self.narrow = keys.dtype == np.uint32

    def __len__(self) -> int:
        return len(self.keys)

    def full(self) -> np.ndarray:
        """Every key as uint64 (tests and tools; reads the whole table)."""
        keys = np.asarray(self.keys, dtype=np.uint64)
        if self.buckets is not None:
            high = np.repeat(np.arange(len(self.buckets) - 1, dtype=np.uint64),
                             np.diff(self.buckets))
            keys = keys | (high << np.uint64(32))
        return keys

    def find(self, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(found mask, position of each query; meaningful where found)."""
        query = np.asarray(query, dtype=np.uint64)
        n = len(self.keys)
        if n == 0:
            return np.zeros(query.shape, dtype=bool), np.zeros(query.shape, dtype=np.intp)
        if not self.narrow:
            pos = np.searchsorted(self.keys, query)
            np.minimum(pos, n - 1, out=pos)
            return self.keys[pos] == query, pos
        if self.buckets is None:
            small = query < np.uint64(1 << 32)
            low = query.astype(np.uint32)
            pos = np.searchsorted(self.keys, low)
            np.minimum(pos, n - 1, out=pos)
            return (self.keys[pos] == low) & small, pos
        return self._find_bucketed(query)

    def _find_bucketed(self, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        flat = query.reshape(-1)
        top = (flat >> np.uint64(32)).astype(np.intp)
        low = (flat & np.uint64(0xFFFFFFFF)).astype(np.uint32)
        order = None
        if len(top) > 1 and (top[1:] < top[:-1]).any():  # the decoder asks in sorted order
            order = np.argsort(top, kind="stable")
            top, low = top[order], low[order]
        pos = np.zeros(len(top), dtype=np.intp)
        end = np.zeros(len(top), dtype=np.intp)
        cuts = np.flatnonzero(top[1:] != top[:-1]) + 1
        edges = [0, *cuts.tolist(), len(top)]
        bounds, keys = self._bounds, self.keys
        nb = len(bounds) - 1
        firsts = top[edges[:-1]].tolist()
        for a, b, bucket in zip(edges[:-1], edges[1:], firsts, strict=True):
            if bucket >= nb:
                continue  # end stays 0: not found
            s, e = bounds[bucket], bounds[bucket + 1]
            pos[a:b] = np.searchsorted(keys[s:e], low[a:b])
            pos[a:b] += s
            end[a:b] = e
        hit = pos < end
        np.minimum(pos, len(self.keys) - 1, out=pos)
        hit &= self.keys[pos] == low
        if order is not None:
            hit_out, pos_out = np.empty_like(hit), np.empty_like(pos)
            hit_out[order], pos_out[order] = hit, pos
            hit, pos = hit_out, pos_out
        return hit.reshape(query.shape), pos.reshape(query.shape)


class _Values:
    """Stored values: float16 (or float32), or uint8 codes into a float64 codebook."""

    def __init__(self, values: np.ndarray, codebook: np.ndarray | None = None) -> None:
        self.values = values
        self.codebook = None if codebook is None else np.asarray(codebook, dtype=np.float64)

    def __len__(self) -> int:
        return len(self.values)

    def __getitem__(self, pos: np.ndarray) -> np.ndarray:
        if self.codebook is None:
            return self.values[pos].astype(np.float64)
        return self.codebook[self.values[pos]]

    def all(self) -> np.ndarray:
        return self[np.arange(len(self.values))]


def read_vocab(directory: pathlib.Path) -> list[str]:
    """The tokens of ``directory/vocab.txt``, line number = id."""
    vocab = (directory / "vocab.txt").read_text(encoding="utf-8").split("\n")
    if vocab and vocab[-1] == "":
        vocab.pop()
    return vocab


@functools.lru_cache(maxsize=1)
def get_model() -> LanguageModel:
    """The model in ``vnrestore.data.lexicon_dir()``, loaded once per process."""
    return LanguageModel.load()
