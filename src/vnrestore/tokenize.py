"""Stage 2: lossless tokenization, and paragraphs of tokens.

``"".join(t.text for t in tokenize(s)) == s`` always holds.  Each token knows what it
is, so later stages can leave numbers, codes, URLs and layout alone.  ``paragraphs``
cuts the tokens into the units the decoder reads as one sentence of context.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import NamedTuple

import regex

from .config import DEFAULT, RestoreConfig


class Kind(str, Enum):
    WORD = "word"  # letters, possibly with OCR digits/symbols inside ("d6i", "c¢é")
    NUMBER = "number"  # a run of digits
    PUNCT = "punct"  # one other visible character
    SPACE = "space"  # horizontal white space
    NEWLINE = "newline"  # \n, \r\n or \r
    PROTECTED = "protected"  # URL or e-mail: never touched


class Token(NamedTuple):  # a tuple: documents have hundreds of thousands of tokens
    kind: Kind
    text: str
    start: int
    line: int
    code: bool = False  # part of a document code such as 57-KL/TW or NĐ-CP


# Characters OCR puts inside Vietnamese words in place of marked letters; at a word's
# end only the letter-like ones, and at its start only ¢ (for c: "¢6" = có), as € ¥
# there prefix amounts.
_JUNK = r"¢€¥£&@’‘'`´\\§"
_PATTERN = regex.compile(
    rf"""
    (?P<protected>(?:https?://|www\.)[^\s<>"]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+)
  | (?P<word>¢?[\p{{L}}\p{{M}}\p{{N}}]+(?:[{_JUNK}]+[\p{{L}}\p{{M}}\p{{N}}]+)*
             (?:[¢€¥&@](?![\p{{L}}\p{{N}}]))?)
  | (?P<newline>\r\n|\n|\r)
  | (?P<space>[^\S\r\n]+)
  | (?P<punct>.)
    """,
    regex.VERBOSE | regex.DOTALL,
)
# A code is an all-caps/digit run glued to others by / or -, e.g. 57-KL/TW, 42/2022/NĐ-CP.
_CODE = regex.compile(
    r"[\p{Lu}\p{N}]+(?:[-/.][\p{Lu}\p{N}]+)*(?:[-/][\p{Lu}\p{N}]+)+"
    r"|/[\p{Lu}]+(?:-[\p{Lu}]+)*"
)


_KINDS = {k.value: k for k in Kind}  # a dict beats Kind(name) in the hot loop


def _code_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _CODE.finditer(text)]


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    append, new = tokens.append, tuple.__new__  # the hot loop: ~2 tokens per word
    codes = _code_spans(text)
    code_start, code_end = codes[0] if codes else (-1, -1)
    ci = 0
    line = 0
    newline, number, kinds = Kind.NEWLINE, Kind.NUMBER, _KINDS
    for m in _PATTERN.finditer(text):
        value = m.group()
        kind = kinds[m.lastgroup]
        # A "word" of digits only is a number; digits mixed with letters or OCR junk
        # ("d6i", "1a") stay words.
        if kind is Kind.WORD and value.isdigit():
            kind = number
        start = m.start()
        while start >= code_end >= 0:
            ci += 1
            code_start, code_end = codes[ci] if ci < len(codes) else (-1, -1)
        append(new(Token, (kind, value, start, line, code_start <= start < code_end)))
        if kind is newline:
            line += 1
    return tokens


def neighbour(tokens: list[Token], i: int, step: int) -> Token | None:
    """The nearest token before (``step`` -1) or after (+1) token ``i`` that is not a
    space, or None at the edge."""
    j = i + step
    while 0 <= j < len(tokens) and tokens[j].kind is Kind.SPACE:
        j += step
    return tokens[j] if 0 <= j < len(tokens) else None


class Para(NamedTuple):
    """A paragraph's tokens and, once for every stage that counts them, its words."""

    tokens: list[Token]
    words: list[str]


def paragraphs(tokens: list[Token], config: RestoreConfig = DEFAULT) -> Iterable[list[Token]]:
    """Runs of tokens between blank lines or page breaks, at most ``config.paragraph_lines``
    lines and
    about ``config.paragraph_words`` words (cut after a sentence end when possible), so
    the decoder's work and memory per paragraph stay bounded even for a megabyte without
    a newline.  Each is decoded as one sentence of context."""
    max_lines, max_words = config.paragraph_lines, config.paragraph_words
    paragraph: list[Token] = []
    append = paragraph.append
    lines = words = 0
    blank = True
    newline, space, word = Kind.NEWLINE, Kind.SPACE, Kind.WORD  # locals: the hot loop
    for tok in tokens:
        kind = tok[0]
        if kind is newline:
            lines += 1
            if blank or lines >= max_lines:
                if paragraph:
                    yield paragraph
                paragraph, lines, words = [], 0, 0
                append = paragraph.append
            blank = True
            continue
        if kind is not space:
            blank = False
            if kind is word:
                words += 1
        elif "\f" in tok[1] and paragraph:  # a page break ends a paragraph
            yield paragraph
            paragraph, lines, words = [], 0, 0
            append = paragraph.append
        append(tok)
        if words >= max_words and (tok[1] in ".;!?" or words >= 2 * max_words):
            yield paragraph
            paragraph, words = [], 0
            append = paragraph.append
    if paragraph:
        yield paragraph


def paras_of(tokens: list[Token], config: RestoreConfig) -> list[Para]:
    word = Kind.WORD
    return [Para(p, [t[1] for t in p if t[0] is word]) for p in paragraphs(tokens, config)]
