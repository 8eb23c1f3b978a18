"""The cache of a document's own words: its arithmetic, the local search it triggers,
and what it does to a real-world kind of text (an article on one topic)."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from test_decode import ToyLM, _lattice

from vnrestore.config import DEFAULT
from vnrestore.decode import Decoder
from vnrestore.doccache import cache_gains
from vnrestore.pipeline import _search_near, get_restorer

W = 10  # first word id in these toy arrays


def _gains(read, offered, at, own, *, window=4, least=2, weight=0.5, counts=None):
    counts = np.ones(20) if counts is None else counts
    return cache_gains(np.array(read), np.array(offered), np.array(at), np.array(own),
                       counts, weight=weight, window=window, least=least, first_word=W)


def test_gain_counts_the_readings_around_the_position_but_not_itself() -> None:
    read = [11, 11, 12, 11, 1, 11, 13, 13, 13, 13]
    counts = np.arange(1.0, 21.0)
    # Position 3 (reading 11): within 2 on either side 11 occurs at 1 and 5 (3 is itself).
    gain = _gains(read, [11, 12], [3, 3], [True, False], counts=counts)
    rate = 0.5 * counts[W:].sum() / 4
    assert gain[0] == pytest.approx(math.log1p(2 * rate / counts[11]))
    # 12 occurs once there: below `least`, no evidence of a topic.
    assert gain[1] == 0.0
    # Far from position 3 (window 4): reading 13 near position 8 only.
    assert _gains(read, [13, 13], [3, 8], [False, True])[0] == 0.0
    assert _gains(read, [13, 13], [3, 8], [False, True])[1] > 0


def test_ids_below_the_first_word_are_never_counted_nor_priced() -> None:
    read = [1, 1, 1, 2, 2, 11, 11]
    assert list(_gains(read, [1, 2], [2, 3], [True, True], window=20)) == [0.0, 0.0]
    assert _gains([1, 2], [11], [0], [False]).tolist() == [0.0]  # no words at all


def test_a_rarer_reading_gains_more_from_the_same_count() -> None:
    counts = np.ones(20)
    counts[11], counts[12] = 1000, 10
    read = [11, 12, 11, 12, 0, 11, 12]
    gain = _gains(read, [11, 12], [4, 4], [False, False], window=10, counts=counts)
    assert gain[1] > gain[0] > 0


@pytest.mark.parametrize("seed", range(4))
def test_the_local_search_is_the_whole_search_when_it_reaches_everything(seed) -> None:
    """_search_near decodes runs around the changed words between their neighbours as
    decoded: with a reach past the paragraph it must equal decoding it again whole."""
    rng = np.random.default_rng(seed)
    lm = ToyLM(seed)
    decoder = Decoder(lm, {}, prune=False)
    lattices = [_lattice(rng, int(rng.integers(3, 12)), 3) for _ in range(4)]
    decs = decoder.decode_many(lattices)
    # Make some readings cheaper, as the cache does, then decode those paragraphs again.
    changed = {}
    for p, lattice in enumerate(lattices):
        for k in sorted(rng.choice(len(lattice), size=2, replace=False).tolist()):
            lattice[k] = [replace(c, prior=c.prior - 3 * rng.random()) for c in lattice[k]]
            changed.setdefault(p, []).append(k)
    part = [([(None, tuple(c)) for c in lattice], []) for lattice in lattices]
    whole = decoder.decode_many([[tuple(c) for c in lat] for lat in lattices])
    near = _search_near(part, [list(d) for d in decs], changed, decoder, True, 99)
    assert [[d.choice for d in ds] for ds in near] == [[d.choice for d in ds] for ds in whole]


@pytest.mark.parametrize(("seed", "reach"), [(s, r) for s in range(3) for r in (0, 1, 2)])
def test_the_local_search_keeps_the_words_out_of_reach_and_searches_the_rest(seed, reach):
    """The specification of _search_near: the same as decoding the whole paragraph with
    every word further than ``reach`` from a change held at its decoded reading."""
    rng = np.random.default_rng(seed)
    lm = ToyLM(seed)
    decoder = Decoder(lm, {(5, 6): 0.7, (7, 3): 0.7}, 0.7, prune=False)
    lattices = [[tuple(c) for c in _lattice(rng, int(rng.integers(8, 16)), 3)]
                for _ in range(3)]
    decs = decoder.decode_many(lattices)
    changed = {}
    for p, lattice in enumerate(lattices):
        # Two changes whose words to search are two apart: they share a trigram.
        start = int(rng.integers(0, len(lattice) - 2 * reach - 2))
        for k in (start, start + 2 * reach + 2):
            lattice[k] = tuple(replace(c, prior=c.prior - 4 * rng.random()) for c in lattice[k])
            changed.setdefault(p, []).append(k)
    held = [[cands if any(abs(j - k) <= reach for k in changed[p])
             else (cands[decs[p][j].choice],) for j, cands in enumerate(lattice)]
            for p, lattice in enumerate(lattices)]
    whole = decoder.decode_many(held)
    part = [([(None, c) for c in lattice], []) for lattice in lattices]
    near = _search_near(part, [list(d) for d in decs], changed, decoder, True, reach)
    for lattice, short, ds, es in zip(lattices, held, near, whole, strict=True):
        assert [lattice[j][d.choice].text for j, d in enumerate(ds)] == \
            [short[j][e.choice].text for j, e in enumerate(es)]
        for j, (d, e) in enumerate(zip(ds, es, strict=True)):
            if len(short[j]) > 1:  # searched: scored in its full context, as the whole
                assert d.scores == pytest.approx(e.scores, abs=1e-9)


STRIPPED = """\
Gia lon hoi tai cac tinh phia Bac tiep tuc tang trong tuan qua. Nhieu ho chan nuoi lon o \
Thai Binh cho biet ho dang tai dan sau dot dich ta lon chau Phi.
Anh Hung, mot ho nuoi lon o xa Dong Phong, cho biet trai cua anh co 200 con lon thit va 30 \
con lon nai. Theo anh, gia lon hien nay giup nguoi nuoi co lai kha.
Tuy vay, chi phi thuc an cho lon van o muc cao. Anh lo ngai neu gia lon giam, nhieu ho se \
bo chuong.
Ong Nam, chu mot lo mo o huyen Tien Hai, noi luong lon ve lo moi ngay deu tang. Thit lon \
duoc ban ra cac cho lon trong tinh.
"""


def test_an_article_about_pigs_reads_its_pigs_where_the_corpora_say_big() -> None:
    """Marks-stripped text: the language model alone reads "dịch tả lon châu Phi" as
    "lớn" (big); the article says "lợn" (pig) a dozen times around it.  "các chợ lớn"
    (the big markets) stays: there the context outweighs the cache."""
    alone = get_restorer((), replace(DEFAULT, word_cache_weight=0.0)).restore(STRIPPED).text
    text = get_restorer().restore(STRIPPED).text
    assert "dịch tả lớn châu Phi" in alone  # what the mechanism is for
    assert "dịch tả lợn châu Phi" in text
    assert "lượng lợn về" in text
    assert "các chợ lớn trong tỉnh" in text
    assert text.count("\n") == STRIPPED.count("\n")


def test_correct_text_is_left_alone() -> None:
    text = ("Giá lợn hơi tại các tỉnh phía Bắc tiếp tục tăng. Người chăn nuôi lợn lo ngại "
            "giá thức ăn cho lợn vẫn ở mức cao, còn các chợ lớn vẫn đông.\n")
    assert get_restorer().restore(text).text == text
