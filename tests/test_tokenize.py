"""Tokenization is lossless and knows numbers, codes and URLs."""

from hypothesis import given, settings
from hypothesis import strategies as st

from vnrestore.tokenize import Kind, tokenize


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_lossless_on_any_text(text):
    assert "".join(t.text for t in tokenize(text)) == text


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="aăâbcdđeêg hiklmnoôơpqrstuưvxyàáảãạ06 1\n\r-/.,¢€&'’KHUBND"))
def test_line_numbers_follow_newlines(text):
    tokens = tokenize(text)
    newlines = sum(t.kind is Kind.NEWLINE for t in tokens)
    assert newlines == text.count("\n") + text.count("\r") - text.count("\r\n")


def kinds(text):
    return [(t.kind.value, t.text) for t in tokenize(text) if t.kind is not Kind.SPACE]


def test_words_keep_ocr_digits_and_symbols_inside():
    assert kinds("d6i c¢é x& hi€u dw@ng s@") == [
        ("word", "d6i"), ("word", "c¢é"), ("word", "x&"), ("word", "hi€u"),
        ("word", "dw@ng"), ("word", "s@")]


def test_a_cent_sign_read_for_c_may_start_a_word():
    """OCR without Vietnamese reads the c of "có" as ¢ ("¢6"); alone it stays a symbol,
    and the other stand-ins (€ ¥ & @) do not start a word: they prefix amounts."""
    assert kinds("¢6 trach ¢ €5 ¥200") == [
        ("word", "¢6"), ("word", "trach"), ("punct", "¢"), ("punct", "€"), ("number", "5"),
        ("punct", "¥"), ("number", "200")]


def test_numbers_dates_and_codes():
    tokens = [t for t in tokenize("Số 57-KL/TW ngày 13/9/2023, 42/2022/NĐ-CP") if t.text.strip()]
    code = {t.text for t in tokens if t.code}
    assert {"57", "KL", "TW", "13", "9", "2023", "42", "2022", "NĐ", "CP"} <= code
    assert not any(t.code for t in tokens if t.text in ("Số", "ngày"))
    assert [t.kind for t in tokens if t.text == "2023"] == [Kind.NUMBER]


def test_urls_and_emails_are_protected():
    got = kinds("xem https://vanban.gov.vn/a?b=1 hoặc ubnd@thanhhoa.gov.vn.")
    assert ("protected", "https://vanban.gov.vn/a?b=1") in got
    assert ("protected", "ubnd@thanhhoa.gov.vn") in got
