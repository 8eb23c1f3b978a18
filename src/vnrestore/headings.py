"""A named rule: heading numerals that OCR read as digits or letters.

Section headings of administrative documents are numbered with Roman numerals at the
start of a line ("II. NHIỆM VỤ"), which OCR reads as "I1-", "Il." or "111 -".  Such a
token is no word for the channel and language model to weigh, so it is fixed here, before
candidates are made, and reported as an edit of kind ``heading``.
"""

from __future__ import annotations

import regex

from .tokenize import Token, neighbour

_CANDIDATE = regex.compile(r"[IVXl1|]+")
FIRST = frozenset("IVXl1|")  # a token can only be a numeral if it starts with one of these
_NUMERAL = regex.compile(r"(?=[IVX])M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})")


def heading_numeral(paragraph: list[Token], i: int) -> str | None:
    """The Roman numeral token ``i`` of a paragraph stands for, when it opens a line and
    is followed by "-", ".", "–" or ")": "I1" -> "II", "111" -> "III"; else None."""
    tok = paragraph[i]
    if not _CANDIDATE.fullmatch(tok.text):  # first: the cheapest test, nearly always false
        return None
    before = neighbour(paragraph, i, -1)
    if before is not None and before.line == tok.line:
        return None
    after = neighbour(paragraph, i, 1)
    if after is None or after.text not in "-.–)":
        return None
    fixed = regex.sub(r"[l1|]", "I", tok.text)
    if fixed == tok.text and tok.text.isdigit():
        return None
    return fixed if _NUMERAL.fullmatch(fixed) else None
