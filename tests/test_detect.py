"""Source detection: what the default mode reads each kind of input as, and mixtures."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

import vnrestore
from vnrestore.detect import features, reading, vietnamese_only
from vnrestore.pipeline import get_restorer

DATA = Path(__file__).parent / "data"
SEED_OCR = (DATA / "seed_excerpt.ocr.txt").read_text(encoding="utf-8")
SEED_GOLD = (DATA / "seed_excerpt.gold.txt").read_text(encoding="utf-8")
CLEAN = ("Ủy ban nhân dân tỉnh ban hành kế hoạch thực hiện công tác thông tin đối ngoại "
         "năm 2024, bảo đảm sự thống nhất trong chỉ đạo, điều hành của các cấp, các ngành; "
         "ông Nguyễn Văn Thanh, Phó Chủ tịch Ủy ban nhân dân huyện, chủ trì hội nghị.\n")
STRIPPED = ("Uy ban nhan dan tinh ban hanh ke hoach thuc hien cong tac thong tin doi ngoai "
            "nam 2024, bao dam su thong nhat trong chi dao, dieu hanh cua cac cap.\n")
# Tesseract-vie output: marks present, a few misread into other syllables.
VIE_OCR = ("Ủy ban nhân dân tỉnh ban hành kế hoạch thực hiện công tác thông tin đối ngoại "
           "năm 2024, bảo đảm sự thống nhất trong chỉ đạo, điều hành theo thâm quyền của "
           "các cấp, các ngành và tăng cường kiếm tra, giám sát việc thực hiện.\n")


def _readings(text: str) -> list[str]:
    return [r.describe()["reading"] for r in vnrestore.restore_and_explain(text).regions]


def test_vietnamese_only_letters():
    assert vietnamese_only("Việt") and vietnamese_only("ư") and vietnamese_only("đi")
    assert not vietnamese_only("café") and not vietnamese_only("Két")  # Latin-1 accents
    assert not vietnamese_only("ciia")
    assert features("Két luan s6 ciia".split()).viet_share == 0.0


@pytest.mark.parametrize("text, expected", [
    (CLEAN, "clean"), (STRIPPED, "stripped"), (SEED_OCR, "garbled"), (VIE_OCR, "vie-ocr")])
def test_each_kind_of_input_is_recognised(text, expected):
    assert _readings(text) == [expected]


def test_clean_text_passes_unchanged_and_stripped_is_remarked():
    assert vnrestore.restore(CLEAN) == CLEAN
    assert vnrestore.restore(STRIPPED).startswith("Ủy ban nhân dân tỉnh ban hành kế hoạch")


def test_tesseract_vie_misreadings_are_fixed_in_the_default_mode():
    out = vnrestore.restore(VIE_OCR)
    assert "theo thẩm quyền của các cấp" in out and "kiểm tra" in out


def test_a_mixed_file_is_judged_page_by_page():
    text = SEED_OCR + "\f" + CLEAN
    result = vnrestore.restore_and_explain(text)
    assert [r.describe()["reading"] for r in result.regions] == ["garbled", "clean"]
    pages = result.text.split("\f")
    assert pages[1] == CLEAN  # the clean page is left alone
    assert pages[0].count("\n") == SEED_OCR.count("\n")
    assert "Kết luận" in pages[0] or "của" in pages[0]


def test_a_mixed_file_without_page_breaks_is_judged_in_parts():
    # About 500 words of each: OCR without Vietnamese, then clean text.
    garbled = (SEED_OCR + "\n") * 2
    clean = (CLEAN + "\n") * 12
    result = vnrestore.restore_and_explain(garbled + clean)
    readings = [r.describe()["reading"] for r in result.regions]
    assert readings[0] == "garbled" and readings[-1] == "clean"
    assert result.text.endswith(clean)


def test_source_overrides_the_estimate():
    restorer = get_restorer()
    result = restorer.restore(CLEAN, source="ocr")
    assert [r.params.lang for r in result.regions] == ["eng"]
    result = restorer.restore(SEED_OCR, source="vie-ocr")
    assert [r.params.lang for r in result.regions] == ["vie"]


def test_reading_names():
    assert reading("vie", 0.0001, 0.0001) == "clean"
    assert reading("vie", 0.005, 0.005) == "vie-ocr"
    assert reading("eng", 0.9, 0.001) == "stripped"
    assert reading("eng", 0.3, 0.3) == "garbled"
    assert reading("eng", 0.001, 0.001) == "clean"


def test_terms_and_document_formulas_decide():
    # A stock phrase of the term lexicon wins over a fluent but wrong reading (in OCR
    # without Vietnamese, where it is misspelled).
    out = vnrestore.restore("Két luan s6 57 ciia B Chinh trj\nNoi nhan:\n- Nhu tren;\n")
    assert out.endswith("\nNơi nhận:\n- Như trên;\n")
    out = vnrestore.restore("ciia B Chinh trj vé thong tin di ngoai nam 2024 ctia tinh")
    assert "thông tin đối ngoại" in out


def test_terms_of_five_words_or_more_decide_too():
    """A sixth of the term lexicon is five words or longer ("cổng thông tin điện tử");
    such terms are found like the short ones, and win over a fluent reading ("điện từ
    của": electromagnetic)."""
    from vnrestore.phrases import PhraseIndex

    index = PhraseIndex(terms=["cổng thông tin điện tử", "bộ giáo dục và đào tạo"])
    assert index.lookup(("cong", "thong", "tin", "dién", "tr")) == \
        ("cổng thông tin điện tử", "term")
    assert index.lookup(("Bo", "Gido", "duc", "va", "Dao", "tao")) == \
        ("bộ giáo dục và đào tạo", "term")
    out = vnrestore.restore("xay dung trang thong tin dién tr cua xa va cong thong tin "
                            "dién tor cua huyén")
    assert out.startswith("xây dựng trang thông tin điện tử của xã và cổng thông tin "
                          "điện tử của"), out


def test_a_place_name_spelled_exactly_is_read_whole():
    """The gazetteer's names decide even where their syllables are no standard ones
    ("Đắk", "Lắk": priced by the channel as any reading), and a near match that starts
    before a name spelled exactly does not take its words ("Tinh Dak" is near "Bình
    Dân")."""
    out = vnrestore.restore("Tinh Dak Lak va tinh Dak Nong nam o Tay Nguyen.")
    assert out.startswith("Tỉnh Đắk Lắk và tỉnh Đ")
    # A near match may still hold a shorter exact one: the term in "thong tin di ngoai".
    assert "thông tin đối ngoại" in vnrestore.restore(
        "ciia B Chinh trj vé thong tin di ngoai nam 2024 ctia tinh")


def test_a_document_formula_decides_with_its_punctuation():
    # The language model prefers a foreign word before a colon ("Luu" kept); the formula
    # "Lưu: VT" of every document footer decides, its abbreviation and colon read as is.
    footer = "Noi nhan:\n- Nhu tren;\n- Luu: VT, VP."
    assert vnrestore.restore(footer) == "Nơi nhận:\n- Như trên;\n- Lưu: VT, VP."
    no_formula = replace(vnrestore.RestoreConfig(), formula_bonus=0)
    assert vnrestore.restore(footer, config=no_formula).endswith("\n- Luu: VT, VP.")
    # Without its punctuation and abbreviation it is no formula: the context decides.
    assert vnrestore.restore("Luu y: khong duoc") == "Lưu ý: không được"


def test_formulas_match_exactly_and_only_their_own_words():
    from vnrestore.phrases import PhraseIndex

    index = PhraseIndex(formulas=["Lưu: VT", "KT. CHỦ TỊCH"])
    def spelled(text: str) -> tuple[int, str] | None:
        return index.formula_at([PhraseIndex.word_key(w) for w in text.split()], 0)

    assert spelled("Luu : VT") == (3, "lưu : VT")
    assert spelled("Luu : VP") is None  # never fuzzy
    assert spelled("KT . CHU TICH") == (4, "KT . chủ tịch")
    assert index.formula_punct == {":", "."}


def test_a_header_formula_is_found_within_two_letters_with_its_punctuation():
    from vnrestore.phrases import PhraseIndex

    index = PhraseIndex(formulas=["Độc lập - Tự do - Hạnh phúc"])
    keys = [PhraseIndex.word_key(w) for w in "HUYEN Pic 1ap - Tu do - Hanh phic".split()]
    assert index.formula_at(keys, 1) == (8, "độc lập - tự do - hạnh phúc")
    assert index.formula_at(keys, 0) is None
    three_off = [PhraseIndex.word_key(w) for w in "Pic 1ap - Tu do - Hanh phiz".split()]
    assert index.formula_at(three_off, 0) is None
    other_punct = [PhraseIndex.word_key(w) for w in "Doc lap , Tu do - Hanh phuc".split()]
    assert index.formula_at(other_punct, 0) is None
    # In a document, the header wins over the fuzzy place name "Xuân Dục" ("XUAN Pic").
    assert vnrestore.restore(" HUYEN THUONG XUAN Pic 1ap - Tu do - Hanh phic").endswith(
        "XUÂN Độc lập - Tự do - Hạnh phúc")


def test_a_name_is_read_the_same_way_throughout_a_document():
    text = ("Ong Nguyen Van Tho la chu tich xa. Hom qua ong Tho di hop. Ong Tho noi rang "
            "ong Tho se ve som. Nguoi dan tin ong Tho.")
    out = vnrestore.restore(text)
    assert out.count("Thọ") == 5, out
    # Without the document's evidence (name consistency, the cache of its words) they
    # diverge; either alone reads them alike.
    alone = vnrestore.restore(text, config=replace(vnrestore.RestoreConfig(),
                                                   consistency_bonus=0, word_cache_weight=0))
    assert alone.count("Thọ") < 5
