"""What a restoration returns: the text and its edits, which replay on the input.

``apply_edits(text, result.edits) == result.text`` for any input: the edits refer to the
input as given (offsets of its characters), and normalization (NFC, ligatures) shows up
as edits of kind ``normalize``.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from .channel import ChannelParams
    from .normalize import Normalized

_NAN = math.nan


class Edit(NamedTuple):  # a tuple: a megabyte of OCR text has ~10^5 edits
    """One change: where, what it was, what it became, how sure we are, and why.

    The evidence (decoder edits, with a report): ``channel`` is the cost in nats of the
    chosen reading on its own (channel plus spelling and lexicon prior) and ``lm`` its
    cost in context (weighted language model and phrase bonus, neighbours as decoded);
    ``runner_up`` is the next likeliest reading with the same two costs.  A reviewer can
    see whether the channel or the context made a choice."""

    line: int  # 0-based line of the input
    column: int  # 0-based character column in that line
    start: int  # character offset in the input (a slice: input[start:end] == original)
    end: int
    original: str
    replacement: str
    confidence: float
    alternatives: tuple[tuple[str, float], ...] = ()  # other readings with their probability
    kind: str = "decoder"  # decoder | style | heading | normalize
    channel: float = _NAN
    lm: float = _NAN
    runner_up: str = ""
    runner_up_channel: float = _NAN
    runner_up_lm: float = _NAN

    def as_dict(self) -> dict:
        d = self._asdict()
        d["alternatives"] = [list(a) for a in self.alternatives]
        for key in ("channel", "lm", "runner_up_channel", "runner_up_lm"):
            d[key] = None if math.isnan(d[key]) else round(d[key], 3)
        return d


@dataclass
class Result:
    text: str
    edits: list[Edit] = field(default_factory=list)
    params: ChannelParams | None = None
    normalized: str = ""  # the input after stage 1
    changed: int = 0  # tokens changed (also when the edits were not kept)
    original: str = ""  # the input, which edit offsets refer to
    regions: list = field(default_factory=list)  # pipeline.Region: the estimates made


def apply_edits(original: str, edits: Sequence[Edit]) -> str:
    """Replay edits on the input they were made on: the output."""
    return apply_spans(original, ((e.start, e.end, e.replacement) for e in edits))


def apply_spans(text: str, changes: Iterable[tuple[int, int, str]]) -> str:
    """The text with each (start, end, replacement) span replaced."""
    out, at = [], 0
    for start, end, new in sorted(changes):
        out.append(text[at:start])
        out.append(new)
        at = end
    out.append(text[at:])
    return "".join(out)


def to_raw(norm: Normalized, edits: list[Edit]) -> list[Edit]:
    """Edits of the normalized text as edits of the raw input: spans mapped back, and
    each cluster normalization rewrote outside them as an edit of kind ``normalize``."""
    if not norm.changes:
        return edits
    raw = norm.raw
    line_starts = [0, *(i + 1 for i, c in enumerate(raw) if c == "\n")]
    out = sorted((_moved(e, norm.to_raw(e.start), norm.to_raw(e.end), raw, line_starts)
                  for e in edits), key=lambda e: e.start)
    starts = [e.start for e in out]
    for rs, re_, ns, ne in norm.changes:
        i = bisect.bisect_right(starts, rs) - 1
        if i >= 0 and out[i].end >= re_:
            continue  # inside a decoder edit, which replaces the whole token
        out.append(_moved(Edit(0, 0, rs, re_, raw[rs:re_], norm.text[ns:ne], 1.0, (),
                               "normalize"), rs, re_, raw, line_starts))
    return sorted(out, key=lambda e: e.start)


def _moved(e: Edit, start: int, end: int, raw: str, line_starts: list[int]) -> Edit:
    line = bisect.bisect_right(line_starts, start) - 1
    return e._replace(line=line, column=start - line_starts[line], start=start, end=end,
                      original=raw[start:end])
