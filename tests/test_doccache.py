"""The cache of a document's own words: its arithmetic, its parts, and what it does to
a real-world kind of text (an article on one topic).  The search it triggers is
``Decoder.redecode`` (tests/test_decode.py)."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from vnrestore.config import DEFAULT
from vnrestore.doccache import WordCache
from vnrestore.pipeline import get_restorer

W = 10  # first word id in these toy arrays


def _cache(*, window=4, least=2, counts=None) -> WordCache:
    return WordCache(window, least, W, np.ones(20) if counts is None else counts)


def _gains(read, offered, at, own, weight=0.5, **kw):
    return _cache(**kw).gains(np.array(read), np.array(offered), np.array(at), np.array(own),
                              weight)


def test_gain_counts_the_readings_around_the_position_but_not_itself() -> None:
    read = [11, 11, 12, 11, 1, 11, 13, 13, 13, 13]
    counts = np.arange(1.0, 21.0)
    # Position 3 (reading 11): within 2 on either side 11 occurs at 1 and 5 (3 is itself).
    gain = _gains(read, [11, 12], [3, 3], [True, False], counts=counts)
    rate = 0.5 * counts[W:].sum() / 4  # weight x corpus total / window
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


@pytest.mark.parametrize("seed", range(3))
def test_the_most_a_reading_gains_bounds_what_it_gains_anywhere(seed) -> None:
    """The pipeline looks only at words with an alternative whose bound reaches the
    floor: the bound must never be below a gain."""
    rng = np.random.default_rng(seed)
    read = rng.integers(0, 20, size=200)
    cache = _cache(window=10, counts=rng.integers(1, 50, size=20).astype(float))
    at = np.repeat(np.arange(200), 20)
    offered = np.tile(np.arange(20), 200)
    gain = cache.gains(read, offered, at, read[at] == offered, 0.5).reshape(200, 20)
    most = cache.most(read, 0.5)
    assert (gain <= most[None, :] + 1e-12).all()
    assert (gain.max(axis=0) > 0).sum() > 5  # not vacuous
    assert (most[:W] == 0).all()


def test_a_rarer_reading_gains_more_from_the_same_count() -> None:
    counts = np.ones(20)
    counts[11], counts[12] = 1000, 10
    read = [11, 12, 11, 12, 0, 11, 12]
    gain = _gains(read, [11, 12], [4, 4], [False, False], window=10, counts=counts)
    assert gain[1] > gain[0] > 0


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


def test_parts_cover_every_paragraph_once_with_their_context() -> None:
    from vnrestore.document import _parts

    sizes = [5, 1, 30, 2, 2, 9, 40, 3, 1, 1, 12]
    parts = list(_parts(sizes, 10, 6))
    cores = [range(lo + a, lo + b) for lo, _, (a, b) in parts]
    assert [p for core in cores for p in core] == list(range(len(sizes)))
    for lo, hi, (a, b) in parts:
        assert sum(sizes[lo:lo + a]) >= 6 or lo == 0
        assert sum(sizes[lo + b:hi]) >= 6 or hi == len(sizes)


def test_a_long_text_in_parts_reads_as_it_does_whole(monkeypatch) -> None:
    """The cache works in parts of a long text for memory and speed, never for the
    output: a part sees every word its windows reach."""
    from vnrestore import document

    text = STRIPPED * 6
    whole = get_restorer().restore(text).text
    monkeypatch.setattr(document, "CACHE_PART", 40)
    assert get_restorer().restore(text).text == whole


def test_the_cache_weighs_by_how_the_text_was_made(monkeypatch) -> None:
    """Full weight in marks-stripped text, a little in garbled OCR output (a word as
    read there stands for many), none in text a writer of Vietnamese made.  The
    neighbourhood model (vnrestore.context) rides the same pass, with its own weights,
    and none in Vietnamese text either."""
    from vnrestore import pipeline

    seen = []
    real = pipeline.Restorer._document_words

    def spy(self, part, decs, decoder, confidence, weight, context=0.0):
        seen.append((weight, context))
        return real(self, part, decs, decoder, confidence, weight, context)

    monkeypatch.setattr(pipeline.Restorer, "_document_words", spy)
    restorer = get_restorer()
    garbled = ("Két luan s6 57-KL/TW ciia B Chinh trj vé tiép tuc ning cao chit lwong, hiéu "
               "qua céc hoat dong thong tin ddi ngoai trén dia ban tinh.\n")
    correct = "Giá lợn hơi tại các tỉnh phía Bắc tiếp tục tăng trong tuần qua.\n"
    for text, weights in ((STRIPPED, (DEFAULT.word_cache_weight, DEFAULT.context_weight)),
                          (garbled, (DEFAULT.word_cache_garbled, DEFAULT.context_garbled)),
                          (correct, (0.0, 0.0))):
        seen.clear()
        restorer.restore(text)
        assert seen == [weights]
