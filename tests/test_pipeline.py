"""The library API end to end, with the committed models.

Golden cases live in tests/data/cases.json (schema in tests/data/README.md).
"""

import json
import os
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import vnrestore
from vnrestore.pipeline import apply_edits, restore_and_explain

DATA = Path(__file__).parent / "data"
CASES = json.loads((DATA / "cases.json").read_text(encoding="utf-8"))


def _params(group):
    return [pytest.param(c["original"], c["expected"], c.get("currently"),
                         id=c.get("id", c["original"][:40]))
            for c in CASES[group]]


def _check_case(original: str, expected: str, currently: str | None) -> None:
    """The golden case: the output (or, for a known failure, its pinned wrong output, so
    any change shows), the same through the explained path, edits that replay on the
    input, and a second run that changes nothing."""
    out = vnrestore.restore(original)
    if currently is None:
        assert out == expected
    else:
        assert out == currently and out != expected, "a known failure changed: rerun " \
            "tests/data/mark_known_failures.py and review the diff"
    explained = restore_and_explain(original)
    assert explained.text == out
    assert apply_edits(original, explained.edits) == out
    assert vnrestore.restore(out) == out


@pytest.mark.parametrize("original, expected, currently", _params("ocr"))
def test_ocr_lines_are_restored(original, expected, currently):
    _check_case(original, expected, currently)


@pytest.mark.parametrize("original, expected, currently", _params("correct"))
def test_correct_text_passes_unchanged(original, expected, currently):
    assert original == expected
    _check_case(original, expected, currently)


@pytest.mark.parametrize("original, expected, currently", _params("preserved"))
def test_numbers_codes_and_foreign_words_are_kept(original, expected, currently):
    _check_case(original, expected, currently)


def test_report_replays_to_the_output():
    text = (DATA / "seed_excerpt.ocr.txt").read_text(encoding="utf-8")
    result = restore_and_explain(text)
    assert apply_edits(text, result.edits) == result.text
    for e in result.edits:
        assert 0.0 <= e.confidence <= 1.0
        assert text[e.start:e.end] == e.original
        assert all(0.0 <= p <= 1.0 for _, p in e.alternatives)


def test_line_count_and_idempotence_on_seed_excerpt():
    text = (DATA / "seed_excerpt.ocr.txt").read_text(encoding="utf-8")
    once = vnrestore.restore(text)
    assert once.count("\n") == text.count("\n")
    assert vnrestore.restore(once) == once


def test_tone_styles():
    assert vnrestore.restore("Hoà bình và thuỷ lợi", tone_style="old") == "Hòa bình và thủy lợi"
    assert vnrestore.restore("Hòa bình và thủy lợi", tone_style="new") == "Hoà bình và thuỷ lợi"
    assert vnrestore.restore("Hoà bình", tone_style="keep") == "Hoà bình"


def test_user_lexicon_wins(tmp_path):
    lex = tmp_path / "names.txt"
    lex.write_text("# our commune\nXã Yên Nhân\n", encoding="utf-8")
    out = vnrestore.restore("cac x4 Yen Nhan tham gia", lexicons=[lex])
    assert "Yên Nhân" in out


@pytest.mark.parametrize("text", ["Thudng Xuan ", "Ha Noi \t", " Thudng Xuan", "Ha"])
def test_names_are_found_wherever_the_line_starts_and_ends(text):
    # A run of capitalized words at the start of a block, a block that ends in a space.
    assert vnrestore.restore(text).strip() in ("Thường Xuân", "Hà Nội", "Ha", "Hà")


vietnamese_words = st.sampled_from(
    "công tác thông tin đối ngoại năm 2024 của Ủy ban nhân dân tỉnh huyện kế hoạch "
    "phát triển kinh tế xã hội quốc phòng an ninh được giao nhiệm vụ các cơ quan , . -".split())


@settings(max_examples=25, deadline=None)
@given(st.lists(st.lists(vietnamese_words, max_size=12).map(" ".join), min_size=1, max_size=4)
       .map("\n".join))
def test_invariants_on_correct_vietnamese(text):
    out = vnrestore.restore(text)
    assert out.count("\n") == text.count("\n")
    assert vnrestore.restore(out) == out


# Text as users have it: Vietnamese in NFC and NFD, OCR junk, ligatures, quotes inside
# words, CRLF, and anything else Unicode has.
_MESSY = st.one_of(
    st.sampled_from(["Tiếng Việt", unicodedata.normalize("NFD", "Nghị định của Chính phủ"),
                     "nﬁng", "ﬂ", "tr’ong", "d6i", "ciia", "Pang", "\r\n", "\n", " ",
                     "57-KL/TW", "e\u0301", "\u0301", "Ω", "\u212b", "ＡＢ"]),
    st.text(max_size=6))


@settings(max_examples=60, deadline=None)
@given(st.lists(_MESSY, max_size=14).map("".join))
def test_edits_replay_on_the_raw_input(text):
    result = restore_and_explain(text)
    assert apply_edits(text, result.edits) == result.text == vnrestore.restore(text)
    for e in result.edits:
        assert text[e.start:e.end] == e.original
    assert unicodedata.is_normalized("NFC", result.text)


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=80))
def test_any_text_keeps_lines_and_never_fails(text):
    out = vnrestore.restore(text)
    assert out.count("\n") + out.count("\r") - out.count("\r\n") == \
        text.count("\n") + text.count("\r") - text.count("\r\n")


def test_output_does_not_depend_on_hash_seed(tmp_path):
    """Set and dict order must never decide a reading: place names whose skeletons
    collide (Điện Hòa / Diễn Hoa, Tân Thành / Tân Thạnh) once flipped with the seed."""
    import subprocess
    import sys

    src = tmp_path / "names.txt"
    src.write_text("Nguoi dan xa Dien Hoa, TX Dien Ban, tinh Quang Nam va tinh Thanh Hoa, "
                   "huyen Thuong Xuan, xa Yen Nhan, Xuan Cao, Bat Mot, Tan Thanh.\n",
                   encoding="utf-8")
    outs = {subprocess.run([sys.executable, "-m", "vnrestore", "clean", "-q", str(src)],
                           capture_output=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout
            for seed in ("1", "2", "5")}
    assert len(outs) == 1


def test_names_in_marks_stripped_text_are_read_as_names_are():
    """A capitalized word inside a sentence of marks-stripped text costs what its reading
    costs as a name (lexicons/capitalized.tsv): "Hai" is mostly Hải, "hai" mostly hai."""
    from dataclasses import replace

    from vnrestore.config import DEFAULT
    from vnrestore.pipeline import get_restorer
    from vnrestore.tokenize import tokenize

    restorer = get_restorer(())
    shift = restorer.name_shift
    assert shift["hải"] > 0 > shift["hai"] and shift["hương"] > 0 > shift["hướng"]
    params = restorer.estimate(tokenize("Hom nay ong Hai di lam"))
    cands = restorer.generator.for_word("Hai", params)
    moved = {c.text: c.prior for c in restorer._as_names(cands)}
    for c in cands:
        want = c.prior - DEFAULT.name_prior * shift.get(c.text, 0.0)
        assert moved[c.text] == pytest.approx(want)
    assert get_restorer((), replace(DEFAULT, name_prior=0.0)).name_shift == {}


def test_a_documents_own_ocr_errors_are_learnt():
    """Tesseract's Vietnamese model read "tinh" as "tỉnh" all through a document: where
    the restorer changed it back confidently, the weak occurrences follow ("sinh tinh");
    the language model still keeps the province ("bệnh viện tỉnh Thanh Hóa")."""
    from dataclasses import replace

    from vnrestore.config import DEFAULT
    from vnrestore.pipeline import get_restorer

    text = ("Các bác sĩ ở bệnh viện tỉnh Thanh Hóa cho biết, số lượng tỉnh trùng của nam "
            "giới phụ thuộc nhiều vào chế độ ăn uống. Người hút thuốc có ít tỉnh trùng "
            "hơn. Nhiệt độ cao làm tỉnh trùng yếu đi. Quá trình sinh tỉnh kéo dài 74 ngày.")
    on = get_restorer(()).restore(text)
    # Without it (and without the cache of the document's words, which also learns it):
    off = get_restorer((), replace(DEFAULT, adapt_bonus=0.0, word_cache_garbled=0.0)).restore(text)
    assert on.regions[0].describe()["reading"] == "vie-ocr"
    assert "sinh tinh kéo" in on.text and "sinh tỉnh kéo" in off.text
    assert on.text.startswith("Các bác sĩ ở bệnh viện tỉnh Thanh Hóa")
    assert on.text.count("tinh trùng") == 3


def test_a_name_misread_once_takes_the_documents_spelling():
    """In Tesseract-vie output a word written once, one letter from a name the document
    writes three times or more, is that name misread; in typed text it is left alone
    (writers spell different names one letter apart)."""
    from vnrestore.pipeline import get_restorer

    restorer = get_restorer(())
    ocr = ("Tổng thống Clinton đến Hà Nội năm 2000. Ông Clinton gặp các nhà lãnh đạo, và "
           "Clinton nói chuyện với sinh viên. Chuyến thăm của Clinon được báo chí đưa tin "
           "nhiều. Bác sĩ ở bệnh viện tỉnh cho biết số lượng tỉnh trùng phụ thuộc vào chế "
           "độ ăn. Người hút thuốc có ít tỉnh trùng hơn.")
    out = restorer.restore(ocr)
    assert out.regions[0].describe()["reading"] == "vie-ocr"
    assert "của Clinton được" in out.text
    # Twice against three times is not "far more often": both stay.
    twice = restorer.restore(ocr.replace("và Clinton", "và Clinon"))
    assert "và Clinon nói" in twice.text and "của Clinon được" in twice.text
    typed = restorer.restore(ocr.replace("tỉnh trùng", "tinh trùng"))
    assert typed.regions[0].describe()["reading"] == "clean"
    assert "của Clinon được" in typed.text


def test_an_abbreviation_the_document_writes_in_its_codes_stays_as_written():
    """"TW" of "57-KL/TW" standing alone on a degraded scan is the document's own
    abbreviation, not "TỪ"; one the lexicon knows is still read as it says."""
    from vnrestore import restore

    text = ("UY BAN NHAN DAN\nHUYEN THUONG XUAN\nKét luan s6 57-KL/TW ciia B Chinh trj\n"
            "vé tiép tuc ning cao chit lwong\nTW")
    assert restore(text).split("\n")[-1] == "TW"
    assert restore("Thuc hien Nghi quyet s6 12-NQ/HDND ciia HDND tinh ve viéc") == \
        "Thực hiện Nghị quyết số 12-NQ/HĐND của HĐND tỉnh về việc"


def test_every_marked_form_of_a_stripped_syllable_can_be_read():
    """"dang" spells 21 syllables (d or đ, six tones, a/ă/â): a rare one, "dẳng" of "dai
    dẳng", must reach the language model too."""
    from vnrestore import restore

    assert restore("Con mua dai dang suot ca tuan khien nhieu nguoi met moi.") == \
        "Cơn mưa dai dẳng suốt cả tuần khiến nhiều người mệt mỏi."


def test_an_abbreviation_that_spells_a_syllable_is_offered_as_one():
    """The lexicon's "HU" (Huyện ủy) spells the syllable "hu": it is read as an
    abbreviation where the context wants one, and as a word in a heading of capitals."""
    from vnrestore import restore

    assert restore("- Ban Tuyén Giao HU;\n- UBND cac x4, thi tran;") == \
        "- Ban Tuyên Giáo HU;\n- UBND các xã, thị trấn;"
    assert "HƯ HỎNG" in restore("CHONG HU HONG TAI SAN")


def test_a_worn_pages_misreadings_reach_the_language_model():
    """On a worn page Tesseract-vie read "Kết quả thương lượng" as "let quái trương
    lượng": each word is a few confusions away, which the candidate beam must admit."""
    from vnrestore import restore

    page = ("|. Ngươi tiêu dụng có quxen gửi vêu cau đến to chức; ca nhận kinh doanh\n"
            "line họa, dịch xự de thương lượng khi cho rang quyến, lợi ích hợp pháp\n"
            "let quái trương lượng thành của tỏ chức, ca nhân kinh doanh hàng hỏa,\n")
    out = restore(page, source="vie-ocr").split("\n")
    assert out[1].startswith("line hóa, dịch vụ để thương lượng khi cho rằng quyền")
    assert out[2] == "kết quả thương lượng thành của tổ chức, cá nhân kinh doanh hàng hóa,"


def test_a_clean_pages_tone_slips_reach_the_language_model():
    """On a page Tesseract-vie read 99.7% right every change costs ~5.8 nats before its
    confusion is priced: the candidate beam must leave room for the confusion, or the
    language model never sees "đề nghị" for "để nghị"."""
    from dataclasses import replace

    from vnrestore.channel import ChannelParams
    from vnrestore.config import DEFAULT
    from vnrestore.pipeline import get_restorer

    page = ChannelParams(drop=0.003, garble=0.003, lang="vie")
    text = "Chủ tịch Quốc hội cũng để nghị hai nước thiết lập các chương trình trao đổi."
    restorer = get_restorer(())
    assert "đề" in {c.text for c in restorer.generator.for_word("để", page)}
    assert "cũng đề nghị hai" in restorer.restore(text, params=page).text
    narrow = get_restorer((), replace(DEFAULT, channel_beam=7.0))
    assert "cũng để nghị hai" in narrow.restore(text, params=page).text
    # Typed text (misread far less often than 1 word in 1,000) keeps the narrow beam:
    # what it writes is as meant.
    typed = ChannelParams(drop=0.00056, garble=0.00056, lang="vie")
    assert {c.text for c in restorer.generator.for_word("chuyến", typed)} == {"chuyến"}
    wide = get_restorer((), replace(DEFAULT, clean_beam=DEFAULT.channel_beam)).generator
    assert "chuyển" in {c.text for c in wide.for_word("chuyến", typed)}


@pytest.mark.parametrize("observed, meant", [("duge", "được"), ("tiv", "từ"),
                                             ("citing", "cũng"), ("Nuwée", "nước")])
def test_a_word_no_syllable_spells_is_looked_up_further(observed, meant):
    """OCR without Vietnamese turns one letter into two ("ư" -> "iv", "ũ" -> "iti"):
    the channel prices those readings cheaply, so the lookup must reach them."""
    from dataclasses import replace

    from vnrestore.channel import ChannelParams
    from vnrestore.config import DEFAULT
    from vnrestore.pipeline import get_restorer

    garbled = ChannelParams(drop=0.8, garble=0.5, lang="eng")
    found = get_restorer(()).generator.for_word(observed, garbled)
    assert meant in {c.text for c in found}
    near = get_restorer((), replace(DEFAULT, fuzzy_unknown_extra=0)).generator
    assert meant not in {c.text for c in near.for_word(observed, garbled)}


def test_a_garbled_document_reads_its_repeated_pairs_alike():
    """A district plan says "truyền thông" throughout: read twice clearly, the garbled
    third occurrence, which the language model alone reads "truyền thống sử dụng",
    follows them; read clearly once only, it does not (one pair is no evidence)."""
    from dataclasses import replace

    from vnrestore.config import DEFAULT
    from vnrestore.pipeline import get_restorer

    third = "- Kénh phwong thirc truyén thong sir dung: trang thong tin dién tir\n"
    text = ("Nang cao chat lwong cong tac thong tin tuyén truyén va truyén thong.\n"
            "Phat huy vai tro cua cac co quan bao chi, truyén thong ciia huyén.\n" + third)
    # The cache of the document's words and the neighbourhood model (off here) read it
    # so as well: "thông" is this document's word, read twice without "truyền" too, and
    # "trang thông tin điện tử" stands nearby.
    on = get_restorer((), replace(DEFAULT, word_cache_garbled=0.0, context_garbled=0.0))
    off = get_restorer((), replace(DEFAULT, pair_cache_bonus=0.0, word_cache_garbled=0.0,
                                   context_garbled=0.0))
    assert "thức truyền thông sử dụng" in on.restore(text).text
    assert "thức truyền thống sử dụng" in off.restore(text).text
    once = text.replace("truyén thong ciia", "bao chi ciia")
    assert "thức truyền thống sử dụng" in on.restore(once).text
    assert "thức truyền thông sử dụng" in get_restorer(()).restore(once).text


def test_ocr_without_vietnamese_misreads_the_case_of_same_shaped_letters():
    """C O S V W X Z are their small letters enlarged: in garbled text a capital of
    theirs inside a sentence is a small letter when the word is seldom capitalized there
    ("xem Xét" -> "xem xét"), and "BO" among small letters is "Bộ"; names keep their
    capitals ("Thường Xuân"), and so does typed text."""
    from dataclasses import replace

    from vnrestore.config import DEFAULT
    from vnrestore.pipeline import get_restorer

    text = ("Tham muu UBND huyén xem Xét, b6 tri kinh phi dam bao viéc thyc hién ké hoach.\n"
            "Lé héi Phat gido lén nhat trong déng bang Bac BO voi cac nghi lé truyén théng.\n"
            "Ngoai ra Ong con c6 sé thich viét thu phap tai huyén Thudng Xuan.\n")
    on = get_restorer(()).restore(text).text
    assert "xem xét, bố trí" in on and "Bắc Bộ với" in on and "Ngoài ra ông còn" in on
    assert "huyện Thường Xuân" in on
    off = get_restorer((), replace(DEFAULT, case_share_max=0.0)).restore(text).text
    assert "xem Xét" in off and "Bắc BỘ" in off
    typed = "Tham mưu UBND huyện xem Xét, bố trí kinh phí đảm bảo việc thực hiện kế hoạch."
    assert get_restorer(()).restore(typed).text == typed
    # K is not among them: a document's title keeps its capital.
    title = "tuyén truyén va trién khai thuc hién Két luan s6 57-KL/TW cta Bo Chinh tri vé"
    assert "thực hiện Kết luận số 57-KL/TW" in get_restorer(()).restore(title).text


def test_a_number_between_garbled_words_is_read_as_the_word_it_stands_for():
    """OCR without Vietnamese reads "là" as "14": where the language model wants the
    word, the channel's price for the digits decides; a count stays a number."""
    from dataclasses import replace

    from vnrestore.config import DEFAULT
    from vnrestore.pipeline import get_restorer

    text = ("Ké hoach thwc hién nhiém vu nam 2024 ctia UBND huyén.\n"
            "Toan huyén c6 14 x4 va 1 thi tran, mdi x4 déu c6 bé phan mét ctra.\n"
            "Céng tac tuyén truyén 14 trach nhiém ctia cac co quan, don vi.\n")
    out = get_restorer(()).restore(text).text
    assert "Toàn huyện có 14 xã và 1 thị trấn" in out
    assert "tuyên truyền là trách nhiệm" in out
    dearer = get_restorer((), replace(DEFAULT, number_reading_cost=2.0)).restore(text).text
    assert "tuyên truyền 14 trách nhiệm" in dearer


def test_a_symbol_standing_for_a_letter_is_read_as_it():
    text = ("Ké hoach thwc hién nhiém vu nam 2024 ctia UBND huyén.\n"
            "Téng hop thong tin dén vdi ngwoi dan ¥ kién déng gop.\n")
    assert "người dân ý kiến đóng góp" in vnrestore.restore(text)
    glued = text + "Cac co quan, don vi ¢6 trach nhiém béo céo két qua.\n"
    assert "đơn vị có trách nhiệm" in vnrestore.restore(glued)


def test_tesseract_vie_letters_that_no_vietnamese_writes_are_misreadings():
    """"bï" on a Tesseract-vie page is "bi"; the same word in typed text, and a foreign
    name that no syllable spells, are kept."""
    from dataclasses import replace

    from vnrestore.channel import ChannelParams
    from vnrestore.config import DEFAULT
    from vnrestore.pipeline import get_restorer
    from vnrestore.vietnamese import has_foreign_letter

    assert has_foreign_letter("bï") and has_foreign_letter("Øresund")
    assert not has_foreign_letter("Đặng") and not has_foreign_letter("hoà")
    page = ChannelParams(drop=0.003, garble=0.003, lang="vie")
    text = "Níu kéo chỉ khiến anh ta cảm thấy bạn thật bï lụy và yếu đuối, như Müller."
    out = get_restorer(()).restore(text, params=page).text
    assert "thật bi lụy" in out and "Müller" in out
    off = get_restorer((), replace(DEFAULT, foreign_letter_cost=0.0)).restore(text, params=page)
    assert "thật bï lụy" in off.text
    typed = ChannelParams(drop=0.0001, garble=0.0001, lang="vie")
    assert get_restorer(()).restore(text, params=typed).text == text


def test_an_all_capital_word_among_small_letters_is_kept_as_written():
    """"vô địch CAN" (the African Cup), not "CÂN": an all-capital word inside a sentence
    of small letters is an abbreviation as written far more often than a word in
    capitals.  A heading's words stand among capitals and are read as words; one the
    language model reads as a word in context stays one ("CẦN thiết"); an abbreviation
    the lexicon knows is read as it says ("HDND" -> "HĐND")."""
    from dataclasses import replace

    from vnrestore.config import DEFAULT
    from vnrestore.pipeline import get_restorer

    text = ("Cameroon vo dich CAN, sao Liverpool bi dem ra lam tro cuoi.\n"
            "CONG HOA XA HOI CHU NGHIA VIET NAM\n"
            "Cuoc hop CAN thiet phai to chuc som.\n")
    off = get_restorer((), replace(DEFAULT, caps_keep=0.0)).restore(text).text
    out = get_restorer().restore(text).text
    assert "vô địch CÂN," in off  # what the evidence is for
    assert "vô địch CAN," in out
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in out
    assert "CẦN thiết" in out
    assert "Văn phòng HĐND" in get_restorer().restore("Van phong HDND huyen da hop.\n").text
