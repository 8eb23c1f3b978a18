"""What a word's surroundings say about how to read it (``vnrestore.cues``)."""

from vnrestore.candidates import Candidate
from vnrestore.cues import (
    between_words,
    case_shape,
    document_spellings,
    isolated_caps,
    meant_case,
    name_like,
)
from vnrestore.tokenize import tokenize


def _at(text: str, word: str) -> tuple[list, int]:
    tokens = tokenize(text)
    return tokens, next(i for i, t in enumerate(tokens) if t.text == word)


def test_a_capitalized_word_inside_a_sentence_is_name_like() -> None:
    assert name_like(*_at("gặp ông Hai ở chợ", "Hai"))
    assert not name_like(*_at("Hai người đến. Hai người về", "Hai"))  # a sentence start
    assert not name_like(*_at("ông HAI về", "HAI"))  # all capitals: a heading or a code


def test_an_all_capital_word_among_small_letters_is_an_abbreviation() -> None:
    assert isolated_caps(*_at("vô địch CAN lần thứ hai", "CAN"))
    assert not isolated_caps(*_at("KẾ HOẠCH CAN THIỆP", "CAN"))  # a heading's words
    assert not isolated_caps(*_at("vô địch C lần", "C"))  # one letter


def test_case_that_ocr_may_have_misread() -> None:
    # "O" and "X" are their small letters enlarged; "K" is not.
    assert case_shape(*_at("xem Xet ngay", "Xet")) == "lower"
    assert case_shape(*_at("cho Ket luan", "Ket")) is None
    assert case_shape(*_at("cua BO Chinh", "BO")) == "title"  # "của Bộ Chính"
    assert case_shape(*_at("KE HOACH BO NAY", "BO")) is None  # a heading in capitals


def test_the_meant_case_follows_how_the_corpora_write_the_reading() -> None:
    # (lexicons/capitalized.tsv: how often the corpora capitalize each syllable inside
    # a sentence; "xét" a few dozen times, "xuân" as the name it mostly is.)
    xet, xuan = Candidate("xét", "xét", 0.5, 0.0), Candidate("xuân", "xuân", 0.5, 0.0)
    counts = {"xét": 100_000, "xuân": 1}
    assert meant_case("Xet", "lower", xet, counts, 0.02) == "xet"
    assert meant_case("Xuan", "lower", xuan, counts, 0.02) == "Xuan"
    assert meant_case("BO", "title", Candidate("bộ", "bộ", 0.5, 0.0), counts, 0.02) == "Bo"
    assert meant_case("Xet", "lower", Candidate("Xet", "<unk>", 0.0, 0.0, "identity"),
                      counts, 0.02) == "Xet"  # not a syllable: as written


def test_a_number_between_words_may_be_a_word() -> None:
    assert between_words(*_at("nhat 13 nhiing co quan", "13"))
    assert not between_words(*_at("ngay 13/9/2023", "13"))
    assert not between_words(*_at("trong 13.", "13"))


def test_a_name_the_document_spells_otherwise_far_more_often() -> None:
    text = " ".join(["ông Clinton nói"] * 4 + ["ông Clinon nói", "bà Hillary"])
    assert document_spellings(tokenize(text), 3) == {"Clinon": "Clinton"}
