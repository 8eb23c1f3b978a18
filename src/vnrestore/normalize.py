"""Stage 1: text-level normalization applied before tokenizing.

Only changes that are always right belong here (Unicode composition, typographic
ligatures); anything that needs context is a candidate for the decoder instead.
"""

from __future__ import annotations

import unicodedata

LIGATURES = str.maketrans({
    "\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
    "\ufb05": "st", "\ufb06": "st",
})


def normalize_text(text: str) -> str:
    """NFC plus ligature expansion.  Line breaks are never touched."""
    return unicodedata.normalize("NFC", text.translate(LIGATURES))
