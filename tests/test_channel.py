"""The error channel prices real OCR misreadings below unrelated words."""

import math

import pytest

from vnrestore.channel import ChannelParams, edit_cost, observed_form
from vnrestore.config import DEFAULT


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


@pytest.mark.parametrize("lang", ["hand", "eng", "vie"])
def test_vector_pricing_equals_pair_pricing(lang):
    """All readings of a token priced in one vector DP cost what each pair costs alone."""
    params = ChannelParams(drop=0.4, garble=0.3, lang=lang)
    trues = ("đối", "đội", "dồi", "của", "cứu", "chức", "lượng", "a", "nghiêng", "doi")
    for observed in ("d6i", "ciia", "chitc", "lwong", "doi", "đối", "x", "nghieng"):
        vector = params.costs(observed, trues)
        assert vector.tolist() == pytest.approx([params.cost(observed, t) for t in trues])


def _pair_distance(model, observed: str, true: str) -> float:
    """The edit DP of one pair, written out cell by cell (the reference for the vector DP)."""
    inf = math.inf
    rows = [[0.0] * (len(true) + 1) for _ in range(len(observed) + 1)]
    for j in range(1, len(true) + 1):
        rows[0][j] = rows[0][j - 1] + model.delete(true[j - 1])
    for i in range(1, len(observed) + 1):
        o = observed[i - 1]
        rows[i][0] = rows[i - 1][0] + model.insert(o)
        for j in range(1, len(true) + 1):
            t = true[j - 1]
            best = min(rows[i - 1][j] + model.insert(o), rows[i][j - 1] + model.delete(t),
                       rows[i - 1][j - 1] + model.sub(o, t))
            for s in {s for first in model.multi_from for s in model.multi_from[first]}:
                if len(s) <= i and observed[i - len(s):i] == s:
                    cost = model.multi(s, t)
                    best = min(best, inf if cost is None else rows[i - len(s)][j - 1] + cost)
            rows[i][j] = best
    return rows[-1][-1]


@pytest.mark.parametrize("lang", ["hand", "eng", "vie"])
def test_vector_dp_equals_the_dp_written_out(lang):
    """Many true strings of different lengths and letters, some never priced before
    (a symbol past Vietnamese), in one call: each costs what the plain DP says."""
    from vnrestore.channel import distance_many, get_model

    model = get_model(lang)
    trues = ("đối", "nghiêng", "a", "của", "lượng", "x€y", "ω", "trường", "ươ", "")
    for observed in ("d6i", "ciia", "nghieng", "tnrdng", "lwong", "", "€"):
        got = distance_many(model, observed, trues).tolist()
        assert got == pytest.approx([_pair_distance(model, observed, t) for t in trues])
        assert distance_many(model, observed, ("",)).tolist() == \
            pytest.approx([_pair_distance(model, observed, "")])


def test_readings_of_a_marked_syllable_are_probabilities():
    """Read exactly, stripped of its marks, or garbled: the three are exclusive events,
    so a stripped reading costs P(drop) * P(not garbled), never more than certainty."""
    params = ChannelParams(drop=0.8, garble=0.5)
    assert params.cost("tang", "tăng") == pytest.approx(-math.log(0.8 * 0.5))
    assert params.cost("tăng", "tăng") == pytest.approx(-math.log(0.2 * 0.5))
    assert params.cost("tang", "tang") == pytest.approx(-math.log(0.5))


# ----------------------------------------------------------------------------- learned channel

import gzip  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

from vnrestore.build import channel as build  # noqa: E402
from vnrestore.channel import (  # noqa: E402
    ChannelModel,
    LearnedModel,
    distance,
    garble_costs,
    get_model,
)

FIXTURE = [  # (source, eng OCR): "6" for ô/ộ/ố, "ii" for ủ, "é" for ế, "d" for ơ ...
    ("Kết luận của Bộ Chính trị về công tác tổ chức",
     "Két luan ciia B6 Chinh trj vé c6ng tac t6 chirc"),
    ("Bộ trưởng công bố kết quả của đợt kiểm tra",
     "B6 truong c6ng b6 két qua ciia dgt kiém tra"),
    ("Ủy ban nhân dân tổ chức hội nghị đối thoại",
     "Uy ban nhan dan t6 chirc h6i nghi d6i thoai"),
    ("Công tác tổ chức của Bộ được tổng kết",
     "C6ng tac t6 chirc ciia B6 dugc t6ng két"),
    ("Các đơn vị công bố số liệu của năm",
     "Cac ddn vi c6ng b6 s6 liéu ciia nam"),
]


def _write_fixture(path, lang="eng", repeat=3):
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for k in range(repeat):
            for i, (src, ocr) in enumerate(FIXTURE):
                fh.write(json.dumps({"doc": f"legal/{i}", "page": k, "font": "FreeSerif",
                                     "level": "moderate", "lang": lang, "source": src,
                                     "ocr": ocr}, ensure_ascii=False) + "\n")


@pytest.fixture(scope="module")
def tiny_table(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("channel")
    data = tmp / "train.jsonl.gz"
    _write_fixture(data)
    assert build.main(["--data", str(data), "--out", str(tmp), "--langs", "eng"]) == 0
    return tmp / "channel_eng.tsv"


def test_token_alignment_pairs_words_and_resolves_merges():
    pairs = list(build.token_pairs("Két luan, ciia B6 Chinh trj.", "Kết luận của Bộ Chính trị."))
    assert ("pair", "ciia", "của") in pairs and ("pair", "B6", "Bộ") in pairs
    merged = list(build.token_pairs("phi in ting bang", "phản ứng bằng"))
    assert ("pair", "bang", "bằng") in merged
    assert len([p for p in merged if p[0] == "merge"]) == 1


def test_builder_learns_frequent_confusions(tiny_table):
    model = LearnedModel.load(tiny_table)
    assert model.name == "eng" and model.meta["lines"] == 3 * len(FIXTURE)
    # "6" is how this OCR reads ô: cheaper than an unrelated letter, and than the hand cost.
    assert model.sub("6", "ô") < model.sub("x", "ô")
    assert model.sub("6", "ộ") < model.sub("k", "ộ")
    assert model.sub("6", "ô") < ChannelModel().sub("6", "ô")
    # A frequent whole-token misreading gets a direct cost.
    assert model.token("ciia", "của") is not None
    assert model.token("ciia", "của") < distance(ChannelModel(), "ciia", "của")


def test_table_round_trips(tiny_table, tmp_path):
    model = LearnedModel.load(tiny_table)
    copy = tmp_path / "copy.tsv"
    model.dump(copy)
    again = LearnedModel.load(copy)
    assert again.subs.keys() == model.subs.keys() and again.tokens.keys() == model.tokens.keys()
    for pair in (("d6i", "đối"), ("ciia", "của"), ("xyz", "của")):
        assert distance(again, *pair) == pytest.approx(distance(model, *pair), abs=0.02)


def test_builder_alignment_agrees_with_runtime_distance(tiny_table):
    model = LearnedModel.load(tiny_table)
    for obs, true in (("d6i", "đối"), ("ciia", "của"), ("chirc", "chức"), ("ngudi", "người")):
        cost, ops = build.align(model, obs, true)
        assert cost == pytest.approx(distance(model, obs, true))
        assert "".join(o for o, _ in ops) == obs and "".join(t for _, t in ops) == true


def test_builder_refuses_heldout_data(tmp_path):
    dev = tmp_path / "dev-eng-moderate.jsonl.gz"
    _write_fixture(dev)
    with pytest.raises(SystemExit):
        build.main(["--data", str(dev), "--out", str(tmp_path)])


def test_hand_costs_are_kept_for_the_hand_channel():
    assert edit_cost("d6i", "đối", "hand") == pytest.approx(1.0)
    assert edit_cost("ciia", "của", "hand") == pytest.approx(0.95)
    assert edit_cost("þang", "đảng", "hand") == pytest.approx(0.8)


@pytest.mark.parametrize("observed, right, wrong", [
    ("d6i", "đối", "dài"), ("ctia", "của", "cua"), ("ciia", "của", "cái"),
    ("chirc", "chức", "chiếc"), ("ngudi", "người", "ngủ"), ("vé", "về", "vẽ"),
    ("nhitng", "những", "nhìn"), ("trj", "trị", "trà"),
])
def test_learned_channel_ranks_real_misreadings(observed, right, wrong):
    if not isinstance(get_model("eng"), LearnedModel):
        pytest.skip("no lexicons/channel_eng.tsv")
    right_cost, wrong_cost = garble_costs(observed, (right, wrong))
    assert right_cost < wrong_cost


def test_vie_channel_prices_tone_slips_cheaply():
    model = get_model("vie")
    if not isinstance(model, LearnedModel):
        pytest.skip("no lexicons/channel_vie.tsv")
    right_cost, wrong_cost = garble_costs("đươc", ("được", "đuốc"), "vie")
    assert right_cost < wrong_cost
    from vnrestore.pipeline import get_restorer
    from vnrestore.tokenize import tokenize

    params = get_restorer().estimate(tokenize("một hai ba bốn năm"), "vie-ocr")
    assert params.lang == "vie" and DEFAULT.em_floor <= params.garble <= DEFAULT.em_ceiling


def test_tone_placement_is_not_an_error():
    params = ChannelParams(drop=0.01, garble=0.01)
    assert params.cost("hoà", "hòa") == params.cost("hòa", "hòa")


def test_import_loads_no_table():
    code = ("import vnrestore.channel as c, vnrestore.candidates;"
            "print(c.get_model.cache_info().currsize)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0"
