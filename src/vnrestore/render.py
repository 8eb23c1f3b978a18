"""Stage 5 helpers: present a result for people (review diff, uncertainty markers)."""

from __future__ import annotations

from collections.abc import Sequence

from .pipeline import Edit, Result, apply_edits

RED, GREEN, YELLOW, RESET = "\x1b[31m", "\x1b[32m", "\x1b[33m", "\x1b[0m"


def mark_uncertain(result: Result, marker: str = "[[{}]]", below: float = 0.6) -> str:
    """The output text with every low-confidence replacement wrapped in ``marker``."""
    edits = [
        e._replace(replacement=marker.format(e.replacement))
        if e.confidence < below else e
        for e in result.edits
    ]
    return apply_edits(result.original, edits)


def diff_lines(result: Result, below: float = 0.6, color: bool = False) -> list[str]:
    """Changed lines only, as ``LINE: text`` with ``{old→new}`` (``?`` when uncertain)."""
    by_line: dict[int, list[Edit]] = {}
    for e in result.edits:
        if e.source != "normalize":  # invisible: NFC, ligatures
            by_line.setdefault(e.line, []).append(e)
    lines = result.original.split("\n")
    out = []
    for n in sorted(by_line):
        out.append(f"{n + 1}: {_mark_line(lines[n], by_line[n], below, color)}")
    return out


def _mark_line(line: str, edits: Sequence[Edit], below: float, color: bool) -> str:
    parts, at = [], 0
    for e in sorted(edits, key=lambda e: e.column):
        parts.append(line[at : e.column])
        unsure = "?" if e.confidence < below else ""
        if color:
            tint = YELLOW if unsure else GREEN
            parts.append(f"{RED}{e.original}{RESET}→{tint}{e.replacement}{unsure}{RESET}")
        else:
            parts.append(f"{{{e.original}→{e.replacement}{unsure}}}")
        at = e.column + len(e.original)
    parts.append(line[at:])
    return "".join(parts)
