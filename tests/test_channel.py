"""The error channel prices real OCR misreadings below unrelated words."""

import pytest

from vnrestore.channel import ChannelParams, edit_cost, observed_form


@pytest.mark.parametrize("observed, right, wrong", [
    ("d6i", "đối", "dài"), ("ciia", "của", "cái"), ("chirc", "chức", "chiếc"),
    ("nhitng", "những", "nhìn"), ("lwong", "lượng", "lòng"), ("1anh", "lãnh", "anh"),
    ("x&", "xã", "xe"), ("trj", "trị", "trà"), ("ctru", "cứu", "cầu"),
    (observed_form("Pang"), "đảng", "pháng"),
])
def test_misreadings_cost_less_than_other_words(observed, right, wrong):
    assert edit_cost(observed, right) < edit_cost(observed, wrong)


def test_capital_p_before_vowel_may_be_d_with_stroke():
    assert observed_form("Pang") == "þang"
    assert observed_form("Phong") == "phong"


def test_params_separate_clean_from_ocr_text():
    known = {"tang", "cuong", "cong", "tac", "quan", "ly", "nha", "nuoc", "ve", "thong", "tin"}
    clean = ChannelParams.estimate(
        "Tăng cường công tác quản lý nhà nước về thông tin".split(), known.__contains__)
    noisy = ChannelParams.estimate(
        "Tang cuong cong tac quan ly nha nudc vé thong tin".split(), known.__contains__)
    assert clean.drop < 0.05 and clean.garble < 0.05
    assert noisy.drop > 0.5 and noisy.garble > 0.1
    # Exact reading is cheap in clean text; an unmarked reading is cheap only in noisy text.
    assert clean.cost("tang", "tăng") > noisy.cost("tang", "tăng") + 3
