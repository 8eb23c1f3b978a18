"""The model of a word's wider neighbourhood (vnrestore.context): its arithmetic, its
build, and what it does to text the trigram model alone misreads."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from vnrestore.build import context as build
from vnrestore.build import lm as build_lm
from vnrestore.config import DEFAULT
from vnrestore.context import FILE, META, ContextModel
from vnrestore.lm import LanguageModel
from vnrestore.pipeline import get_restorer

FIXTURE = Path(__file__).parent / "fixtures" / "lm_corpus.jsonl.gz"
W = 3  # first word id in the toy tables


def _model(table, near=2, far=3, steps=1) -> ContextModel:
    return ContextModel(np.array(table, dtype=np.int8), steps, near, far, W)


def _gains(model, read, offered, at, weight=1.0):
    return model.gains(np.array(read), np.array(offered), np.array(at),
                       np.zeros(len(offered), dtype=bool), weight).tolist()


def test_a_reading_gains_what_the_words_near_to_far_away_say_for_it() -> None:
    table = np.zeros((8, 8), dtype=np.int8)
    table[5, 6] = 3  # word 6 near a 5 favours it
    table[5, 7] = -2  # word 7 speaks against it
    model = _model(table)
    # Position 4 holds the reading; 6 at distances 2 and 3 counts, at 1 and 4 does not.
    assert _gains(model, [6, 6, 6, 6, 9, 6, 0, 0, 6], [5], [4]) == [6.0]
    assert _gains(model, [6, 0, 0, 6, 9, 0, 0, 0], [5], [4]) == [0.0]
    assert _gains(model, [0, 0, 7, 0, 9, 0, 6, 0], [5], [4]) == [1.0]
    assert _gains(model, [0, 0, 7, 0, 9, 0, 6, 0], [5], [4], weight=0.5) == [0.5]


def test_names_foreign_words_and_non_words_gain_nothing_and_say_nothing() -> None:
    table = np.full((8, 6), 4, dtype=np.int8)
    model = _model(table)
    # Readings below the first word id (<unk>, punctuation) or outside the table gain 0;
    # context ids below the first word id or past the table's columns are no evidence.
    assert _gains(model, [0, 0, 4, 0, 9, 0, 0], [0, 2, 9], [4, 4, 4]) == [0.0, 0.0, 0.0]
    assert _gains(model, [0, 0, 1, 0, 9, 0, 7], [5], [4]) == [0.0]
    assert _gains(model, [0, 0, 4, 0, 9, 0, 7], [5], [4]) == [4.0]


def test_the_window_stops_at_the_ends_of_the_document() -> None:
    table = np.ones((8, 8), dtype=np.int8)
    model = _model(table, near=1, far=5)
    assert _gains(model, [4, 5, 6], [5, 5, 5], [0, 1, 2]) == [2.0, 2.0, 2.0]


def test_log_ratios_discount_the_counts_and_share_out_what_they_took() -> None:
    counts = np.array([[10, 0, 2], [0, 0, 0], [5, 5, 0]])
    s = build.log_ratios(counts, discount=0.5, min_count=3)
    p_ctx = np.array([15, 5, 2]) / 22
    assert s[0, 0] == pytest.approx(math.log((10 - 0.5) / 12 / p_ctx[0]))
    # Below min_count, a pair stands for the row's share of the mass left over.
    left = 1 - 9.5 / 12
    assert s[0, 1] == pytest.approx(math.log(left))
    assert s[0, 2] == pytest.approx(math.log(left))
    assert s[1].tolist() == [0.0, 0.0, 0.0]  # a word never seen: no evidence
    # Every row's probabilities (kept pairs and shared mass) sum to at most one.
    share = np.exp(s[0]) * p_ctx
    assert share.sum() <= 1 + 1e-9


def test_build_on_a_toy_corpus(tmp_path) -> None:
    lm_args = ["--corpora", str(FIXTURE), "--out", str(tmp_path), "--no-cache",
               "--workers", "1", "--min-count", "1", "--legal-weight", "1", "--dev"]
    assert build_lm.main(lm_args) == 0
    lm = LanguageModel.load(tmp_path)
    assert build.main(["--corpora", str(FIXTURE), "--out", str(tmp_path), "--no-cache",
                       "--workers", "1", "--contexts", "40", "--min-count", "2"]) == 0
    meta = json.loads((tmp_path / META).read_text(encoding="utf-8"))
    table = np.load(tmp_path / FILE)
    assert table.shape == (lm.vocab_size, min(40, lm.vocab_size)) == tuple(meta["shape"])
    assert table.dtype == np.int8 and meta["pairs_kept"] > 0
    model = ContextModel.load(tmp_path, lm.vocab, 17)
    assert model is not None and (model.near, model.far) == (2, 6)
    # A model built for another vocabulary is not used.
    assert ContextModel.load(tmp_path, [*lm.vocab, "thêm"], 17) is None
    assert ContextModel.load(tmp_path / "missing", lm.vocab, 17) is None
    # Nor one whose vocabulary differs from the LM's, even at the same size.
    words = list(lm.vocab)
    words[-1], words[-2] = words[-2], words[-1]
    assert ContextModel.load(tmp_path, words, 17) is None


@pytest.mark.parametrize(("stripped", "alone", "with_context"), [
    # Rain and floods, farmers: rice ("lúa"), not the donkey ("lừa") the trigram reads.
    ("Mua lu nam nay lam ngap hang tram hecta lua cua nong dan.\n",
     "hecta lừa của", "hecta lúa của"),
    # An old woman telling stories sits by her grandchild ("cháu"), not a basin.
    ("Ba cu ngoi bo ben chau, ke chuyen ngay xua cho ca nha nghe.\n",
     "bên chậu", "bên cháu"),
])
def test_the_neighbourhood_tells_what_the_two_words_before_cannot(
        stripped, alone, with_context) -> None:
    off = get_restorer((), replace(DEFAULT, context_weight=0.0, context_garbled=0.0)
                        ).restore(stripped).text
    text = get_restorer().restore(stripped).text
    assert alone in off  # what the mechanism is for
    assert with_context in text
