"""Syllable structure: the helpers every other stage relies on."""

import pytest

from vnrestore.vietnamese import (
    is_syllable,
    match_case,
    place_tone,
    restyle,
    strip_marks,
    strip_tone,
    tone_of,
    with_tone,
)


@pytest.mark.parametrize("new, old", [
    ("hoà", "hòa"), ("thuỷ", "thủy"), ("xoá", "xóa"), ("tuỳ", "tùy"), ("khoẻ", "khỏe"),
])
def test_tone_styles(new, old):
    assert place_tone(new, "old") == old
    assert place_tone(old, "new") == new


@pytest.mark.parametrize("word", ["người", "quốc", "giữa", "gì", "được", "HUYỆN", "Thường",
                                  "khuya", "hoài", "quý", "của", "nghiêng", "Đảng"])
def test_placement_is_stable_for_fixed_positions(word):
    assert place_tone(word, "old") == word == place_tone(word, "new")


@pytest.mark.parametrize("word", ["việt", "nam", "nghiêng", "khuya", "ĐẢNG", "gìn", "quý", "ủy"])
def test_valid_syllables(word):
    assert is_syllable(word)


@pytest.mark.parametrize("word", ["d6i", "ciia", "chirc", "bàch", "UBND", "Robert", "", "x&"])
def test_invalid_syllables(word):
    assert not is_syllable(word)


def test_marks():
    assert strip_marks("Đường") == "Duong"
    assert strip_tone("Người") == "Ngươi"
    assert tone_of("kế") == 2 and tone_of("ke") == 0
    assert with_tone("hoa", 1, "old") == "hòa"
    assert restyle("Hoà bình, thuỷ lợi.", "old") == "Hòa bình, thủy lợi."


def test_match_case():
    assert match_case("KE", "kế") == "KẾ"
    assert match_case("Ke", "kế") == "Kế"
    assert match_case("thAng", "tháng") == "tháng"
    assert match_case("S6", "số") == "Số"
    # Glyphs read for letters carry no case: a digit ("1A" = là), an I read for l.
    assert match_case("1A", "là") == "là"
    assert match_case("Idi", "lợi") == "lợi"
    assert match_case("Ich", "ích") == "Ích"
