"""Scoring against a line-aligned gold text, with the metric of ../shared/tools/score.py.

Tokens are runs of letters, runs of digits, or single other characters; gold and
output tokens are aligned per line (Levenshtein); word accuracy is the share of gold
letter tokens that come out exactly right.  Tone placement style is not an error.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import regex
from rapidfuzz.distance import Levenshtein

TONES = "\u0300\u0301\u0303\u0309\u0323"
_TOKEN = regex.compile(r"\p{L}[\p{L}\p{M}]*|\p{N}+|[^\s\p{L}\p{N}]")
_WORD = regex.compile(r"\p{L}[\p{L}\p{M}]*")
_LETTER = regex.compile(r"\p{L}")


def _canon_word(m: regex.Match) -> str:
    d = unicodedata.normalize("NFD", m.group())
    tone = "".join(c for c in d if c in TONES)
    return unicodedata.normalize("NFC", "".join(c for c in d if c not in TONES)) + tone


def tokens(line: str) -> list[str]:
    """Score tokens of one line, tone moved to the end of each word."""
    return _TOKEN.findall(_WORD.sub(_canon_word, unicodedata.normalize("NFC", line)))


@dataclass
class Score:
    word_acc: float
    cer: float
    wer: float
    words: int  # gold letter tokens
    chars: int
    changed_wrong: int | None = None  # output differs from the input and is still wrong
    broken: int | None = None  # right in the input, wrong in the output
    fixed: int | None = None  # wrong in the input, right in the output

    def as_dict(self) -> dict:
        return asdict(self)


def _right(gold: list[str], hyp: list[str]) -> dict[int, str | None]:
    """For every gold letter token: the aligned hypothesis token when equal, else None,
    plus the aligned token (right or not) under key -1 - i."""
    out: dict[int, str | None] = {}
    for op in Levenshtein.opcodes(gold, hyp):
        tag, i1, i2, j1, j2 = op.tag, op.src_start, op.src_end, op.dest_start, op.dest_end
        for k, i in enumerate(range(i1, i2)):
            j = j1 + k
            aligned = hyp[j] if j < j2 else None
            out[-1 - i] = aligned
            out[i] = aligned if tag == "equal" else None
    return out


def score_lines(gold: Sequence[str], hyp: Sequence[str],
                original: Sequence[str] | None = None) -> Score:
    """Score ``hyp`` against ``gold`` line by line; with ``original`` (the input ``hyp``
    was restored from) also count words fixed, broken, and changed but still wrong."""
    if len(gold) != len(hyp) or (original is not None and len(original) != len(gold)):
        raise ValueError(f"line counts differ: gold {len(gold)}, output {len(hyp)}"
                         + (f", input {len(original)}" if original is not None else ""))
    ce = cn = we = wn = ok = n = 0
    changed_wrong = broken = fixed = 0
    for k, (g, h) in enumerate(zip(gold, hyp, strict=True)):
        g, h = unicodedata.normalize("NFC", g.strip()), unicodedata.normalize("NFC", h.strip())
        ce += Levenshtein.distance(g, h)
        cn += len(g)
        gt, ht = tokens(g), tokens(h)
        we += Levenshtein.distance(gt, ht)
        wn += len(gt)
        out = _right(gt, ht)
        src = _right(gt, tokens(original[k].strip())) if original is not None else None
        for i, tok in enumerate(gt):
            if not _LETTER.search(tok):
                continue
            n += 1
            good = out[i] is not None
            ok += good
            if src is not None:
                was_good = src[i] is not None
                broken += was_good and not good
                fixed += good and not was_good
                changed_wrong += (not good) and out[-1 - i] != src[-1 - i]
    has_src = original is not None
    return Score(ok / max(n, 1), ce / max(cn, 1), we / max(wn, 1), n, cn,
                 changed_wrong if has_src else None, broken if has_src else None,
                 fixed if has_src else None)


def split_lines(text: str) -> list[str]:
    """Lines as ``wc -l`` counts them: a newline ends a line (a last line without one
    still counts), so "a\nb\n" and "a\nb" both have two lines; "\r\n" ends one too."""
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


def read_lines(path: str, encoding: str | None = None) -> list[str]:
    """The lines of a text file read the way ``clean`` reads it (encoding detected,
    binary refused with an InputError); ``-`` is stdin."""
    import sys

    from .encoding import decode_bytes
    from .files import read_text

    if path == "-":
        return split_lines(decode_bytes(sys.stdin.buffer.read(), encoding, "<stdin>")[0])
    return split_lines(read_text(Path(path), encoding))


def score_files(gold_path: str, hyp_path: str, input_path: str | None = None) -> Score:
    """Score files line by line (``input_path``: the OCR input ``hyp_path`` was restored
    from); ValueError when their line counts differ."""
    names = [gold_path, hyp_path] + ([input_path] if input_path else [])
    if names.count("-") > 1:
        raise ValueError("only one of the files can be '-' (stdin)")
    gold, hyp = read_lines(gold_path), read_lines(hyp_path)
    original = read_lines(input_path) if input_path else None
    return score_lines(gold, hyp, original)
