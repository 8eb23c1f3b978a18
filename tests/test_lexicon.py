"""Lexicons: the builder on a tiny fixture, the loader, and the committed files."""

from __future__ import annotations

import json
import shutil
import unicodedata
from pathlib import Path

import pytest
from legacy_encode import encode_legacy

from vnrestore.build import lexicons as build
from vnrestore.data import lexicon_dir
from vnrestore.errors import UsageError
from vnrestore.lexicon import abbrev_key, get_lexicon, load_lexicon
from vnrestore.vietnamese import is_syllable, place_tone

FIXTURE = Path(__file__).parent / "fixtures" / "lex_corpus.jsonl.gz"

FAKE_VIET74K = """a-ba-giua
Hà Nội
hoà bình
nhà
ủy ban
kế hoạch
một hai ba bốn năm
"""

FAKE_MAPPING = {
    "metadata": {"source": "vietnamadminunits", "version": "test"},
    "province_names": {"tinhthanhhoa": {"name": "Tỉnh Thanh Hoá", "short": "Thanh Hoá"}},
    "old_province_names": {"tinhbariavungtau": {"name": "Tỉnh Bà Rịa - Vũng Tàu",
                                                "short": "Bà Rịa - Vũng Tàu"}},
    "ward_mapping": [
        {"old_province": "Tỉnh Thanh Hoá", "old_district": "Huyện Thường Xuân",
         "old_ward": "Xã Xuân Cao", "new_province": "Tỉnh Thanh Hoá", "new_ward": "Xã Luận Thành"},
        {"old_province": "Tỉnh Ninh Thuận", "old_district": "Huyện Ninh Hải",
         "old_ward": "Thị trấn Khánh Hải", "new_province": "Tỉnh Khánh Hòa",
         "new_ward": "Phường 1"},
    ],
}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """Run the builder once on the fixture corpus and fake underthesea data."""
    root = tmp_path_factory.mktemp("lex")
    corpora = root / "corpora"
    corpora.mkdir()
    shutil.copy(FIXTURE, corpora / "legal.jsonl.gz")
    (root / "viet74k.txt").write_text(FAKE_VIET74K, encoding="utf-8")
    (root / "mapping.json").write_text(json.dumps(FAKE_MAPPING, ensure_ascii=False),
                                       encoding="utf-8")
    out = root / "out"
    out.mkdir()
    (out / "README.md").write_text("# lexicons/\n\n## Language model\n\nKeep me.\n",
                                   encoding="utf-8")
    code = build.main(["--corpora", str(corpora), "--out", str(out),
                       "--viet74k", str(root / "viet74k.txt"),
                       "--mapping", str(root / "mapping.json"),
                       "--min-count", "3", "--min-pmi", "2", "--min-abbrev-count", "5"])
    assert code == 0
    return out


def lines(path: Path) -> list[str]:
    return [ln for ln in path.read_text(encoding="utf-8").split("\n")
            if ln and not ln.startswith("#")]


# --- builder ---------------------------------------------------------------------------

def test_builder_words(built):
    words = set(lines(built / "words.txt"))
    assert {"ủy ban nhân dân", "hội đồng nhân dân", "thông tin đối ngoại"} <= words  # mined
    assert {"hòa bình", "hà nội", "ủy ban"} <= words  # Viet74K, old tone style, lowercase
    assert "a-ba-giua" not in words and "nhà" not in words  # not syllables / one syllable
    assert "một hai ba bốn năm" not in words  # longer than 4 syllables
    assert not any("cánh cụt" in w for w in words)  # only in a held-out document


def test_builder_admin_terms_and_gazetteer(built):
    terms = set(lines(built / "admin_terms.txt"))
    assert {"ban thường vụ", "ủy ban nhân dân", "thông tin đối ngoại"} <= terms
    names = set(lines(built / "gazetteer.txt"))
    assert {"Thường Xuân", "Thanh Hóa", "Xuân Cao", "Khánh Hải", "Ninh Hải", "Bà Rịa",
            "Vũng Tàu"} <= names
    assert not any(ch.isdigit() for n in names for ch in n)  # "Phường 1" dropped


def test_builder_formulas(built):
    formulas = lines(built / "formulas.txt")
    assert {"Nơi nhận:", "Lưu: VT", "KT. CHỦ TỊCH", "TM. ỦY BAN"} <= set(formulas)
    committed = Path(__file__).parents[1] / "lexicons" / "formulas.txt"
    assert formulas == lines(committed)


def test_builder_abbreviations(built):
    rows = dict(r.split("\t") for r in lines(built / "abbreviations.tsv"))
    assert rows["HĐND"] == "Hội đồng nhân dân"
    assert "BĐS" in rows  # mined from the corpus, no expansion known
    assert "ĐU" not in rows  # its key "DU" is itself a syllable
    assert "HD" not in rows and "HĐ" not in rows  # ambiguous by hand


def test_builder_capitalized_counts(built):
    """Syllables written capitalized inside a sentence ("của Chính phủ"), by lowercase
    form; a capital opening a sentence does not count."""
    rows = dict(row.split("\t") for row in lines(built / "capitalized.tsv"))
    assert rows and all(is_syllable(w) and int(n) > 0 for w, n in rows.items())
    assert "chính" in rows


def test_capitalized_inside_a_sentence_only(tmp_path):
    import gzip

    doc = {"source": "legal", "id": "luat-a",  # a training document (not held out)
           "text": "Nghị quyết của Chính phủ. Hội nghị, Ban chỉ đạo và ông Hải, ông Hải."}
    with gzip.open(tmp_path / "legal.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.write(json.dumps(doc, ensure_ascii=False) + "\n")
    found = build.count_capitalized(tmp_path, ["legal"])
    assert found == {"chính": 1, "ban": 1, "hải": 2}  # not "Nghị", "Hội": sentence starts


def test_builder_readme_keeps_other_sections(built):
    text = (built / "README.md").read_text(encoding="utf-8")
    assert "## Language model\n\nKeep me." in text
    assert text.count("## Lexicons") == 1 and "Viet74K" in text


def test_hand_written_lists_are_package_data():
    """The builder reads its hand-written lists from data files shipped in the package,
    each opening with a header that says what it is and where it comes from."""
    from importlib import resources

    data = resources.files("vnrestore.build") / "data"
    for name in ("admin_terms.txt", "abbreviations.tsv", "boundary_words.txt",
                 "unit_prefixes.txt", "formulas.txt"):
        text = (data / name).read_text(encoding="utf-8")
        assert text.startswith("# ") and "Hand-written" in text.split("\n\n")[0], name
        assert unicodedata.is_normalized("NFC", text), name
    rows = build.hand_abbreviations()
    assert ("HĐND", "Hội đồng nhân dân") in rows and all(a and e for a, e in rows)
    assert {"của", "và", "theo"} <= build.boundary_words()
    assert build.unit_prefixes()[0] == "Thành phố" and "Phường" in build.unit_prefixes()
    terms, _, bad = build.admin_terms({})
    assert not bad and "ủy ban nhân dân" in terms and len(terms) > 400
    formulas, bad = build.formulas()
    assert not bad and "Lưu: VT" in formulas


def _rewarded(lex, a: str, b: str) -> bool:
    """Does the decoder give the step a -> b the phrase bonus?"""
    from vnrestore.lm import get_model
    from vnrestore.phrases import pair_keys

    lm = get_model()
    return (lm.id(a) << 32 | lm.id(b)) in set(pair_keys(lm, lex).tolist())


def test_loader_on_built_files(built):
    lex = load_lexicon(directory=built)
    assert _rewarded(lex, "nhân", "dân")
    assert "thường xuân" in lex.words  # gazetteer lowercased joins the phrases
    assert "Thường Xuân" in lex.names and _rewarded(lex, "thường", "xuân")
    assert lex.abbreviation("HDND") == "HĐND"
    assert lex.abbreviation("BDS") == "BĐS"


# --- loader on the committed files ------------------------------------------------------

def test_default_abbreviations():
    lex = get_lexicon()
    assert lex.abbreviation("HDND") == "HĐND"
    assert lex.abbreviation("HĐND") == "HĐND"
    assert lex.abbreviation("ND-CP") == "NĐ-CP"
    assert lex.abbreviation("QD") == "QĐ"
    assert lex.abbreviation("QD-TTg") == "QĐ-TTg"  # rebuilt from its parts
    assert lex.abbreviation("57-KL/TW") == "57-KL/TW"
    assert lex.abbreviation("UBND") == "UBND"
    assert lex.abbreviation("DU") is None  # "du" is a syllable: never forced to ĐU
    assert lex.abbreviation("XYZW") is None
    assert lex.abbreviations["HDND"] == "HĐND"  # the mapping the pipeline reads


def test_default_words_and_names():
    lex = get_lexicon()
    for term in ("ủy ban nhân dân", "hội đồng nhân dân", "ban thường vụ", "mặt trận tổ quốc",
                 "thông tin đối ngoại", "bộ chính trị", "ban chấp hành", "huyện ủy"):
        assert term in lex.words, term
    assert {"Thường Xuân", "Ninh Hải", "Thanh Hóa"} <= lex.names
    assert _rewarded(lex, "đối", "ngoại") and not _rewarded(lex, "ngoại", "đối")
    assert get_lexicon() is get_lexicon()  # cached


def test_user_lexicon(tmp_path):
    user = tmp_path / "mine.txt"
    user.write_text("# my terms\nYên Nhân   # a commune\n\nthuỷ điện Trung Sơn\nĐU\n",
                    encoding="utf-8")
    lex = load_lexicon([user])
    assert lex.user_terms == ("Yên Nhân", "thuỷ điện Trung Sơn", "ĐU")  # as written
    assert "yên nhân" in lex.words and "thủy điện trung sơn" in lex.words  # old style
    assert "Yên Nhân" in lex.names and _rewarded(lex, "yên", "nhân")
    assert lex.abbreviation("DU") == "ĐU"  # the user's word wins over the default
    assert lex.abbreviation("HDND") == "HĐND"  # defaults are still there
    assert get_lexicon().abbreviation("DU") is None  # and the default is not changed


def test_user_lexicon_errors(tmp_path):
    with pytest.raises(UsageError, match="missing.txt: file not found"):
        load_lexicon([tmp_path / "missing.txt"])
    bad = tmp_path / "photo.txt"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    with pytest.raises(UsageError, match="photo.txt: binary file"):
        load_lexicon([bad])


@pytest.mark.parametrize("encoding", ["utf-16", "cp1258", "utf-8-sig"])
def test_user_lexicon_in_any_encoding_windows_writes(tmp_path, encoding):
    # Notepad saves "Unicode" as UTF-16 with a BOM; old Vietnamese Windows used cp1258.
    user = tmp_path / "names.txt"
    text = "Yên Nhân\nThường Xuân\n"
    user.write_bytes(encode_legacy(text, encoding) if encoding == "cp1258"
                     else text.encode(encoding))
    assert load_lexicon([user]).user_terms == ("Yên Nhân", "Thường Xuân")


# --- the committed files ----------------------------------------------------------------

def _nfc(s: str) -> bool:
    return unicodedata.normalize("NFC", s) == s


@pytest.mark.parametrize("name,max_len", [("words.txt", 4), ("admin_terms.txt", 20)])
def test_committed_phrases_are_valid(name, max_len):
    entries = lines(lexicon_dir() / name)
    assert entries and len(entries) == len(set(entries))
    for e in entries:
        syl = e.split(" ")
        assert _nfc(e) and e == e.lower(), e
        assert 2 <= len(syl) <= max_len, e
        assert all(is_syllable(s) and place_tone(s, "old") == s for s in syl), e


def test_committed_syllables_are_valid_and_unique():
    # Inventory.load trusts this file (start-up time): the build must keep it clean.
    rows = [line.split("\t") for line in lines(lexicon_dir() / "syllables.tsv")]
    syllables = [r[0] for r in rows]
    assert len(syllables) > 5000 and len(syllables) == len(set(syllables))
    assert all(is_syllable(s) and _nfc(s) and int(n) > 0 for s, n in rows)


def test_committed_words_size():
    assert (lexicon_dir() / "words.txt").stat().st_size < 3_000_000


def test_committed_gazetteer_is_valid():
    names = lines(lexicon_dir() / "gazetteer.txt")
    assert len(names) == len(set(names)) > 5000
    for n in names:
        assert _nfc(n) and n == n.strip() and n[:1].isupper(), n
        assert not any(ch.isdigit() for ch in n) and " - " not in n, n


def test_committed_abbreviations_are_unambiguous():
    rows = [r.split("\t") for r in lines(lexicon_dir() / "abbreviations.tsv")]
    assert all(len(r) == 2 and _nfc(r[0]) and r[0] for r in rows)
    keys = [abbrev_key(r[0]) for r in rows]
    assert len(keys) == len(set(keys))
    assert 100 <= len(rows) <= 500


def test_count_files_are_read_one_way(tmp_path):
    """syllables.tsv and capitalized.tsv share one reader: comments skipped, a missing
    count is the default, a missing file an error unless it may be missing."""
    import pytest

    from vnrestore.data import read_counts

    path = tmp_path / "counts.tsv"
    path.write_text("# SYLLABLE<TAB>count\nnam\t96614\nviệt\n", encoding="utf-8")
    assert read_counts(path, default=1) == {"nam": 96614, "việt": 1}
    assert read_counts(tmp_path / "none.tsv", missing_ok=True) == {}
    with pytest.raises(FileNotFoundError):
        read_counts(tmp_path / "none.tsv")
