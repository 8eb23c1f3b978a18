"""Stage 1: text-level normalization applied before tokenizing.

Only changes that are always right belong here (Unicode composition, typographic
ligatures); anything that needs context is a candidate for the decoder instead.

``normalize(raw)`` also says what it changed, cluster by cluster, so every later edit can
be reported against the raw input: replaying the edits on the raw text gives the output.
"""

from __future__ import annotations

import bisect
import unicodedata
from dataclasses import dataclass, field

import regex

LIGATURES = str.maketrans({
    "\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
    "\ufb05": "st", "\ufb06": "st",
})
_LIGATURE = regex.compile("[\ufb00-\ufb06]")
_CLUSTER = regex.compile(r"\X")


def normalize_text(text: str) -> str:
    """NFC plus ligature expansion.  Line breaks are never touched."""
    return unicodedata.normalize("NFC", text.translate(LIGATURES))


@dataclass
class Normalized:
    """The normalized text and what normalization changed, in raw offsets.

    ``changes`` holds (raw start, raw end, normalized start, normalized end) of every
    grapheme cluster that normalization rewrote; elsewhere the two texts match."""

    raw: str
    text: str
    changes: list[tuple[int, int, int, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._norm_starts = [c[2] for c in self.changes]

    def to_raw(self, pos: int) -> int:
        """The raw offset of normalized offset ``pos`` (a token boundary: never inside a
        rewritten cluster, whose ends map to the cluster's ends)."""
        i = bisect.bisect_right(self._norm_starts, pos) - 1
        if i < 0:
            return pos
        rs, re, ns, ne = self.changes[i]
        if pos == ns:
            return rs
        if pos < ne:  # inside a cluster: its end (tokens never split one)
            return re
        return re + (pos - ne)


def normalize(raw: str) -> Normalized:
    """``normalize_text(raw)`` with its changes, grapheme cluster by cluster (NFC never
    composes across clusters; a ligature is a cluster of its own)."""
    if unicodedata.is_normalized("NFC", raw) and not _LIGATURE.search(raw):
        return Normalized(raw, raw)  # the common case: nothing to map
    parts: list[str] = []
    changes: list[tuple[int, int, int, int]] = []
    at = norm_at = 0
    for m in _CLUSTER.finditer(raw):
        cluster = m.group()
        new = normalize_text(cluster)
        if new != cluster:
            start, end = m.span()
            parts.append(raw[at:start])
            norm_at += start - at
            parts.append(new)
            changes.append((start, end, norm_at, norm_at + len(new)))
            norm_at += len(new)
            at = end
    parts.append(raw[at:])
    text = "".join(parts)
    if not unicodedata.is_normalized("NFC", text):  # not expected; never give bad text
        raise AssertionError("NFC did not hold across grapheme clusters")
    return Normalized(raw, text, changes)
