"""Stage 3d: what a word's shape and place on its line say about how to read it.

The candidates of a token (``candidates``) come from the token alone; these cues come
from its surroundings and the corpora's habits, and the pipeline uses them to price the
candidates (``Restorer._slots``) and to write the chosen reading (``meant_case``):

* a capitalized word inside a sentence is likely a name (``name_like``), and a
  syllable's chance of being one is in the corpora (``capitalized``, ``name_shifts``);
* an all-capital word among small letters is an abbreviation (``isolated_caps``);
* OCR misreads the case of letters whose capitals are their small letters enlarged
  (``case_shape``, ``meant_case``);
* a short number between words may be a misread word ("13" = là, ``between_words``);
* adjacent words may spell a phrase of the lexicon (``continues``);
* a document writes its own names the same way (``document_spellings``).
"""

from __future__ import annotations

import math
from collections import Counter
from functools import lru_cache

from rapidfuzz.distance import Levenshtein

from .candidates import Candidate, Inventory
from .tokenize import Kind, Token, neighbour
from .vietnamese import is_syllable, strip_marks

# Capitals that are their small letters enlarged (OCR confuses their case).  Not K: dev
# eng-UD and degraded pages gained 0.05 with it, but a real district plan lost the
# capital of every "Kết luận số 57-KL/TW" (a document's title; "kết" is capitalized
# inside 0.5% of the corpora's sentences).
_SAME_SHAPE_CAPITALS = frozenset("COSVWXZ")


def case_shape(paragraph: list[Token], i: int) -> str | None:
    """How the case of word ``i`` may have been misread: "title" (all capitals, those
    after the first all of the same shape as their small letters, next to words in small
    letters), "lower" (a capitalized word after a word or comma on its line, its capital
    of that shape), or None."""
    text = paragraph[i].text
    letters = [c for c in text if c.isalpha()]
    if len(letters) >= 2 and all(c.isupper() for c in letters):
        rest = {strip_marks(c) for c in letters[1:]}
        if rest <= _SAME_SHAPE_CAPITALS and _among_small_letters(paragraph, i):
            return "title"
        return None
    if strip_marks(text[0]) in _SAME_SHAPE_CAPITALS and not any(c.isupper() for c in text[1:]) \
            and _mid_line(paragraph, i):
        return "lower"
    return None


def _mid_line(paragraph: list[Token], i: int) -> bool:
    """Is token ``i`` inside a sentence and not in a name: after a word in small letters,
    a number or a comma on its own line (a line may start a sentence, a list item or a
    heading where the line before has no full stop), and not before a capitalized word
    ("Quả Cảm", "bộ Vũ Ninh")?"""
    tok = paragraph[i]
    before, after = neighbour(paragraph, i, -1), neighbour(paragraph, i, 1)
    if before is None or before.line != tok.line or not (
            before.text == "," or before.kind is Kind.NUMBER or
            (before.kind is Kind.WORD and before.text.islower())):
        return False
    return after is None or after.line != tok.line or not after.text[:1].isupper()


def _among_small_letters(paragraph: list[Token], i: int) -> bool:
    """Is a word next to token ``i`` (on either side) written in small letters?"""
    for step in (-1, 1):
        near = neighbour(paragraph, i, step)
        if near is not None and near.kind is Kind.WORD and near.text.islower():
            return True
    return False


_SENTENCE_OPENERS = frozenset('.!?…:;"“”«»(–—-')


def name_like(paragraph: list[Token], i: int) -> bool:
    """A capitalized word inside a sentence ("ông Hai", "tỉnh Thanh"): the evidence of a
    name.  Not at the start of a paragraph or sentence, and not in an all-capital run."""
    tok = paragraph[i]
    text = tok.text
    if not (text[:1].isupper() and text[1:2].islower()):
        return False
    j = i - 1
    while j >= 0 and paragraph[j].kind in (Kind.SPACE, Kind.NEWLINE):
        j -= 1
    return j >= 0 and paragraph[j].text[-1] not in _SENTENCE_OPENERS


def isolated_caps(paragraph: list[Token], i: int) -> bool:
    """An all-capital word of two letters or more between words that are not, on its
    line ("vô địch CAN,", "hãng tin AP"): in the corpora 97.5% of such words that spell
    a syllable are written as they are (MU, EU, CIA, AP: 15,880 against 402 with marks),
    while a heading's words stand among capitals."""
    text = paragraph[i].text
    if len(text) < 2 or not text.isupper() or not text.isalpha():
        return False
    # The nearest tokens past the spaces (a line break or punctuation is no word).
    sides = [neighbour(paragraph, i, -1), neighbour(paragraph, i, 1)]
    words = [t for t in sides if t is not None and t.kind is Kind.WORD]
    return bool(words) and not any(t.text.isupper() for t in words)


def continues(paragraph: list[Token], i: int, run_end: int) -> bool:
    """Does token ``i`` go on the run that ends at ``run_end`` (adjacent, or one space
    between)?"""
    return run_end == i - 1 or (run_end == i - 2 and paragraph[i - 1].kind is Kind.SPACE)


def between_words(paragraph: list[Token], i: int) -> bool:
    """Does token ``i`` (a number, or a symbol OCR reads for a vowel) stand alone between
    two words, a space on either side ("nhat 13 nhiing" = nhất là những)?"""
    before, after = neighbour(paragraph, i, -1), neighbour(paragraph, i, 1)
    return all(t is not None and t.kind is Kind.WORD and t.start != paragraph[i].start
               for t in (before, after)) and paragraph[i - 1].kind is Kind.SPACE \
        and i + 1 < len(paragraph) and paragraph[i + 1].kind is Kind.SPACE


@lru_cache(maxsize=1)
def capitalized() -> dict[str, int]:
    """Times each syllable is written capitalized inside a sentence in the corpora
    (lexicons/capitalized.tsv; empty without the file)."""
    from .data import lexicon_dir, read_counts

    return read_counts(lexicon_dir() / "capitalized.tsv", missing_ok=True)


def name_shifts(inventory: Inventory, mass: float) -> dict[str, float]:
    """ln P(syllable | skeleton, capitalized inside a sentence) - ln P(syllable |
    skeleton), the first smoothed toward the second with ``mass`` pseudo-counts
    (lexicons/capitalized.tsv; a skeleton seldom capitalized barely moves)."""
    caps = capitalized()
    if not caps:
        return {}
    out: dict[str, float] = {}
    for group in inventory.by_skeleton.values():
        total = sum(inventory.counts[s] for s in group)
        capped = sum(caps.get(s, 0) for s in group)
        if len(group) < 2 or not capped:
            continue
        for s in group:
            p_all = inventory.counts[s] / total
            p_cap = (caps.get(s, 0) + mass * p_all) / (capped + mass)
            shift = math.log(p_cap / p_all)
            if abs(shift) > 0.05:
                out[s] = shift
    return out


def document_spellings(tokens: list[Token], least: int) -> dict[str, str]:
    """Words of the text the document writes otherwise, far more often: a capitalized
    word of 5 letters or more, not a syllable, that occurs once or twice and is one edit
    from exactly one word written ``least`` times or more and twice as often ("Clinon"
    in a document that writes "Clinton" throughout, "TTXYVN" beside "TTXVN") is that
    word misread."""
    forms = Counter(t.text for t in tokens if t.kind is Kind.WORD and len(t.text) >= 5
                    and t.text[0].isupper() and t.text.isalpha() and not t.code)
    frequent = [f for f, c in forms.items() if c >= least and not is_syllable(f.lower())]
    if not frequent:
        return {}
    near: dict[str, set[str]] = {}  # the word and its one-letter deletions -> words
    for f in frequent:
        for d in _deletions(f):
            near.setdefault(d, set()).add(f)
    out = {}
    for w, c in forms.items():
        if c > 2 or is_syllable(w.lower()):
            continue
        found = {f for d in _deletions(w) for f in near.get(d, ())
                 if forms[f] >= max(least, 2 * c)
                 and Levenshtein.distance(f, w, score_cutoff=1) <= 1}
        if len(found) == 1:
            out[w] = found.pop()
    return out


def _deletions(word: str) -> list[str]:
    return [word, *(word[:i] + word[i + 1:] for i in range(len(word)))]



def meant_case(text: str, shape: str, chosen: Candidate, counts: dict[str, int],
               share_max: float) -> str:
    """``text`` in the case its writer meant: "title" for an all-capital word whose
    capitals after the first may be small letters misread ("BO" on a line of small
    letters is "Bộ"); "lower" for a capitalized word inside a sentence whose first
    capital may be a small letter misread, when its reading is written capitalized there
    less than ``share_max`` of the times the corpora write it (``counts``): "xem Xét" is
    "xem xét", "huyện Xuân" stays."""
    if chosen.kind != "syllable":
        return text
    if shape == "title":
        return text[0] + text[1:].lower()
    share = capitalized().get(chosen.text, 0) / max(counts.get(chosen.text, 0), 1)
    return text.lower() if share < share_max else text
