"""Stage 5: rendering — what a chosen reading looks like in the output, and how a result
is shown to people (uncertainty markers, the review diff).

A reading is lowercase and in the old tone style ("hòa"); the output keeps the token's
case ("HÒA", "Hòa") and takes the chosen tone-placement style (``old``, ``new``, or
``keep`` as written).
"""

from __future__ import annotations

from collections.abc import Sequence

from .candidates import Candidate
from .edits import Edit, Result, apply_edits
from .vietnamese import match_case, place_tone

RED, GREEN, YELLOW, RESET = "\x1b[31m", "\x1b[32m", "\x1b[33m", "\x1b[0m"
RENDER_CACHE = 200_000  # rendered choices kept (a resource limit, not a behaviour)
# Readings that are output exactly as they are (not syllables to case and style).
_VERBATIM = frozenset(("identity", "number", "abbreviation", "user"))


def render(chosen: Candidate, token: str, style: str) -> str:
    """The output text of ``token`` read as ``chosen``, in ``style``."""
    if chosen.kind == "syllable" and chosen.text == place_tone(token.lower(), "old"):
        # The token as written, but for tone placement: keep it, or restyle it.
        return token if style == "keep" else place_tone(token, style)
    if chosen.kind in _VERBATIM:
        return chosen.text
    return match_case(token, place_tone(chosen.text, "old" if style == "keep" else style))


def is_restyle(chosen: Candidate, token: str) -> bool:
    """Is the choice the token itself, only with its tone placed in another style?"""
    return chosen.kind == "syllable" and chosen.text == place_tone(token.lower(), "old")


class Renderer:
    """``render`` with a bounded cache: documents repeat their words."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str, str, str], str] = {}

    def __call__(self, chosen: Candidate, token: str, style: str) -> str:
        key = (chosen.text, chosen.kind, token, style)
        out = self._cache.get(key)
        if out is None:
            if len(self._cache) >= RENDER_CACHE:
                self._cache.clear()
            out = self._cache[key] = render(chosen, token, style)
        return out


# --------------------------------------------------------------------- for people


def mark_uncertain(result: Result, marker: str = "[[{}]]", uncertain_below: float = 0.6
                   ) -> str:
    """The output text with every low-confidence replacement wrapped in ``marker``."""
    edits = [
        e._replace(replacement=marker.format(e.replacement))
        if e.confidence < uncertain_below else e
        for e in result.edits
    ]
    return apply_edits(result.original, edits)


def diff_lines(result: Result, uncertain_below: float = 0.6, color: bool = False
               ) -> list[str]:
    """Changed lines only, as ``LINE: text`` with ``{old→new}`` (``?`` when uncertain)."""
    by_line: dict[int, list[Edit]] = {}
    for e in result.edits:
        if e.kind != "normalize":  # invisible: NFC, ligatures
            by_line.setdefault(e.line, []).append(e)
    lines = result.original.split("\n")
    return [f"{n + 1}: {_mark_line(lines[n], by_line[n], uncertain_below, color)}"
            for n in sorted(by_line)]


def _mark_line(line: str, edits: Sequence[Edit], uncertain_below: float, color: bool) -> str:
    parts, at = [], 0
    for e in sorted(edits, key=lambda e: e.column):
        parts.append(line[at : e.column])
        unsure = "?" if e.confidence < uncertain_below else ""
        if color:
            tint = YELLOW if unsure else GREEN
            parts.append(f"{RED}{e.original}{RESET}→{tint}{e.replacement}{unsure}{RESET}")
        else:
            parts.append(f"{{{e.original}→{e.replacement}{unsure}}}")
        at = e.column + len(e.original)
    parts.append(line[at:])
    return "".join(parts)
