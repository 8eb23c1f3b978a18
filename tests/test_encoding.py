"""Input decoding: detection, legacy Vietnamese encodings, VIQR, binary data."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from legacy_encode import encode_legacy

from vnrestore._legacy_tables import all_vietnamese_letters
from vnrestore.encoding import (
    codec_for,
    decode_bytes,
    is_binary,
    looks_like_viqr,
    viqr_to_unicode,
)
from vnrestore.errors import ExitCode, InputError, UsageError

DATA = Path(__file__).parent / "data"
BAD = DATA / "bad_inputs"
EXPECTED = json.loads((BAD / "expected.json").read_text(encoding="utf-8"))
SEEDS = Path(__file__).parents[2] / "shared" / "seeds"

# Real Vietnamese prose with every one of the 67 lowercase marked letters.
PARAGRAPH = (
    "Căn cứ Nghị quyết của Đảng, Ủy ban nhân dân tỉnh ban hành kế hoạch tổ chức nghiên cứu, "
    "học tập và quán triệt. Năm nay, mỗi cấp ủy cần bằng mọi cách thực hiện tốt công tác dân "
    "vận; chúng ta hẳn phải sẵn sàng đối mặt với những khó khăn mới. Người dân ở thị trấn và "
    "các xã vùng sâu cũng được hướng dẫn cụ thể, rõ ràng về kỹ năng phòng chống thiên tai, lũ "
    "lụt, bão, vỡ đê.\nTrẻ em thì vẽ tranh, học sử, uống chè xanh với mẹ; đồng chí Nguyễn Văn "
    "Sỹ, tỷ phú, đã xét duyệt hồ sơ để tỉnh lỵ phát triển. Quỹ có ý nghĩa chính trị, hòa bình; "
    "sản phẩm nhỏ cũng quý. Từ nay, miền Bắc và miền Nam \u201cĐộc lập - Tự do - Hạnh phúc\u201d. "
    "Việc quỵ ngã là chuyện nhỏ; kỳ họp thứ 5 (ngày 12/3/2024) hợp lệ.\n"
)
FULL = PARAGRAPH + PARAGRAPH.upper()  # all 134 marked letters
WORDS = sorted(set(unicodedata.normalize("NFC", w.strip(".,;:()\u201c\u201d"))
                   for w in PARAGRAPH.lower().split()) - {"-", "5", "12/3/2024"})
OCR_LINES = [
    "Két luan s6 57-KL/TW ciia B Chinh trj vé tiép tuc ning cao chit lwong,",
    "hi€u qua cong tac thong tin déi ngoai trong tinh hinh méi",
    "c¢é phg‘)ng b\\a’to cdo, tai. ddi ve' 1a nhiém vu",
    "ctia BO Chinh trj vé tiép tuc nang cao chat luong, hiéu qua cong tac",
]


def test_paragraphs_cover_all_134_letters():
    assert set(all_vietnamese_letters()) <= set(FULL)
    assert len(all_vietnamese_letters()) == 134


# --- hand-made files ----------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_inputs_folder(name):
    want = EXPECTED[name]
    data = (BAD / name).read_bytes()
    if not want["ok"]:
        with pytest.raises(InputError) as err:
            decode_bytes(data, name=name)
        assert err.value.exit_code == want["exit_code"] == ExitCode.input_error
        assert want.get("reason_contains", "") in err.value.reason
        assert "\n" not in str(err.value) and str(err.value).startswith(name + ": ")
        return
    text, enc = decode_bytes(data, name=name)
    assert text == unicodedata.normalize("NFC", text)
    assert text.startswith(want.get("text_startswith", ""))
    if "text" in want:
        assert text == want["text"]
    if "encoding" in want:
        assert enc == want["encoding"]


def test_every_bad_input_file_is_described():
    on_disk = {p.name for p in BAD.iterdir()} - {"expected.json"}
    assert on_disk == set(EXPECTED)


# --- OCR output (the tool's main input) must stay plain UTF-8 -----------------------------

def _seed_files() -> list[Path]:
    files = [DATA / "seed_excerpt.ocr.txt", DATA / "seed_excerpt.gold.txt"]
    return files + (sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else [])


@pytest.mark.parametrize("path", _seed_files(), ids=lambda p: p.name)
def test_ocr_and_gold_files_are_utf8_unchanged(path):
    data = path.read_bytes()
    assert decode_bytes(data) == (unicodedata.normalize("NFC", data.decode()), "utf-8")


@pytest.mark.parametrize("line", OCR_LINES)
def test_garbled_ocr_lines_are_not_viqr(line):
    assert not looks_like_viqr(line)
    assert decode_bytes(line.encode()) == (line, "utf-8")


@pytest.mark.parametrize("text", [
    "a^2 + b^2 = c^2 and x(a(b)) in C++ or o+u",
    "He said: \"I'm sure it's fine.\" Then he'll go.",
    "Việt Nam và Vie^.t Nam",  # Unicode Vietnamese with one VIQR word: not VIQR
    "ddi ddn ddi tai. ve' ve' dda'",  # OCR's "dd" and tone-like punctuation: weak evidence
])
def test_ordinary_text_is_not_viqr(text):
    assert decode_bytes(text.encode()) == (text, "utf-8")


# --- legacy round trips -------------------------------------------------------------------

@pytest.mark.parametrize("enc", ["vni", "cp1258", "viqr"])
def test_round_trip_all_134_letters(enc):
    data = encode_legacy(FULL, enc)
    assert data != FULL.encode()
    assert decode_bytes(data) == (FULL, enc)


def test_round_trip_tcvn3_lowercase_and_base_capitals():
    # TCVN3 has no capital toned letters, only ASCII capitals and Đ Ă Â Ê Ô Ơ Ư.
    text = PARAGRAPH.replace("Ủy", "ủy")
    data = encode_legacy(text, "tcvn3")
    assert decode_bytes(data) == (text, "tcvn3")


def test_tcvn3_capital_toned_letters():
    with pytest.raises(ValueError, match="cannot be written"):
        encode_legacy("ỦY BAN", "tcvn3")
    # An uppercase-font heading stores lowercase codes; words of 2+ capitals come back.
    heading = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    data = encode_legacy(heading, "tcvn3", errors="fold")
    assert data == "CéNG HßA X· HéI CHñ NGHÜA VIÖT NAM".encode("latin-1")
    assert decode_bytes(data * 3)[0] == ("CỘNG HÒA Xã HỘI CHỦ NGHĨA VIỆT NAM" * 3)


def test_known_legacy_strings():
    # Independent of encode_legacy: how these strings look in old documents.
    assert decode_bytes("Céng hoµ x· héi chñ nghÜa ViÖt Nam".encode("latin-1")) == (
        "Cộng hoà xã hội chủ nghĩa Việt Nam", "tcvn3")
    assert decode_bytes("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam".encode("latin-1")) == (
        "Cộng hòa xã hội chủ nghĩa Việt Nam", "vni")
    assert decode_bytes("Ngöôøi daân ñöôïc höôûng quyeàn".encode("latin-1"))[0] == (
        "Người dân được hưởng quyền")


def test_viqr_conversion_rules():
    assert viqr_to_unicode("Vie^.t Nam, ddu+o+`ng DDa('k La('k") == "Việt Nam, đường Đắk Lắk"
    assert viqr_to_unicode("Kro^ng Pa('c") == "Krông Pắc"  # shape marks: names convert
    assert viqr_to_unicode("nga`y. Ho^m nay.") == "ngày. Hôm nay."  # final stops
    assert viqr_to_unicode("ddi\\. tri. he'll e.g.") == "đi. trị he'll e.g."
    assert viqr_to_unicode("d9i") == "đi"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=12, max_size=40),
       st.lists(st.sampled_from([" ", " ", " ", ", ", ". ", "\n", " - ", "; ", ".\n"]),
                min_size=40, max_size=40),
       st.sampled_from(["vni", "cp1258", "tcvn3"]))
def test_legacy_round_trip_is_detected(words, seps, enc):
    # One real sentence gives the evidence any real document has; alone, a word like "sơ"
    # is the same bytes as "sô" in Windows-1258.
    words = [*words[:5], "cộng hòa xã hội chủ nghĩa việt nam", *words[5:]]
    text = "".join(w + s for w, s in zip(words, seps, strict=False)).rstrip()
    if enc != "tcvn3":
        text = text.title()
    # The text must come back; the label may differ when every non-ASCII byte means the
    # same in two encodings ("chí" is the same bytes in VNI and Windows-1258).
    data = encode_legacy(text, enc)
    got, got_enc = decode_bytes(data)
    assert got == text
    assert got_enc == enc or decode_bytes(data, got_enc)[0] == decode_bytes(data, enc)[0]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(WORDS + ["I'm", "e.g.", "C++", "dd", "ddos", "a^2", "back\\"]),
                min_size=1, max_size=30),
       st.sampled_from([" ", ". ", "? ", "'", "\n", ", ", "\\"]))
def test_viqr_round_trip(words, sep):
    text = sep.join(words)
    assert decode_bytes(encode_legacy(text, "viqr"), "viqr") == (text, "viqr")


# --- properties ---------------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_random_bytes_raise_only_input_error(data):
    try:
        text, enc = decode_bytes(data)
    except InputError as exc:
        assert "\n" not in exc.reason
    else:
        assert isinstance(text, str) and enc
        assert text == unicodedata.normalize("NFC", text)


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=300)
       .filter(lambda t: not t.startswith("\ufeff")))
@example("U+")  # once read as VIQR "Ư"
@example("C++ and U+2013")
def test_utf8_text_comes_back_unchanged(text):
    assert decode_bytes(text.encode("utf-8")) == (unicodedata.normalize("NFC", text), "utf-8")


@settings(max_examples=100, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=200),
       st.sampled_from(["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig"]))
def test_forced_unicode_encodings(text, enc):
    data = text.encode(enc)
    assert decode_bytes(data, enc)[0] == unicodedata.normalize("NFC", text)


# --- names, binary ------------------------------------------------------------------------

@pytest.mark.parametrize("name, canonical", [
    ("UTF8", "utf-8"), ("utf_16", "utf-16"), ("windows-1258", "cp1258"), ("ABC", "tcvn3"),
    ("TCVN3", "tcvn3"), ("vni", "vni"), ("VIQR", "viqr"), ("latin-1", "iso8859-1"),
])
def test_encoding_names(name, canonical):
    assert codec_for(name).name == canonical


@pytest.mark.parametrize("name", ["klingon", "rot13", "base64"])
def test_unknown_encoding_is_a_usage_error(name):
    with pytest.raises(UsageError):
        decode_bytes(b"abc", name)


def test_forced_encoding_still_refuses_binary_and_bad_bytes():
    with pytest.raises(InputError, match="PDF"):
        decode_bytes(b"%PDF-1.7\n...", "cp1258")
    with pytest.raises(InputError, match="not valid TCVN3"):
        decode_bytes(b"abc \x81", "tcvn3")
    with pytest.raises(InputError, match=r"not valid UTF-8 \(byte 0xff at offset 2\)"):
        decode_bytes(b"ab\xff", "utf-8")


def test_is_binary():
    assert is_binary(b"plain text\n") is None
    assert is_binary("Việt".encode("utf-16-le")) is None  # NULs of UTF-16, no BOM
    assert is_binary("Việt".encode("utf-16")) is None
    assert "PDF" in is_binary(b"%PDF-1.4")
    assert "vnrestore ocr" in is_binary(b"%PDF-1.4")
    assert "NUL" in is_binary(b"a\x00b\xff\xfe\x00\x00\x01")
    assert is_binary(b"RIFF\x00\x00\x00\x00WEBPVP8 ").startswith("binary file (WebP")
    assert is_binary(b"abcdefghWEBP is a format") is None


def test_empty_and_ascii():
    assert decode_bytes(b"") == ("", "utf-8")
    assert decode_bytes(b"plain ASCII\n") == ("plain ASCII\n", "utf-8")


def test_encode_legacy_errors():
    with pytest.raises(ValueError, match="cannot be written"):
        encode_legacy("naïve → Việt", "vni")
    assert decode_bytes(encode_legacy("naïve → Việt Nam ơi", "vni", "replace"), "vni")[0] == (
        "na?ve ? Việt Nam ơi")
    assert encode_legacy("Ấn → x", "cp1258", "replace").endswith(b"? x")
    assert encode_legacy("Ấn", "tcvn3", "replace") == encode_legacy("ấn", "tcvn3")
    with pytest.raises(ValueError, match="not a legacy"):
        encode_legacy("x", "utf-8")
