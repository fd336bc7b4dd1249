"""A report's text cut into pieces for the alert page: each piece with the evidence (rule
and signal) of every span that covers it, so the page can highlight them. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

SHOWN_CHARS = 200_000  # a longer report is shown up to here (the page says so)


@dataclass(frozen=True, slots=True)
class Mark:
    signal: str
    rule: str


@dataclass(frozen=True, slots=True)
class Piece:
    text: str
    marks: tuple[Mark, ...] = ()

    @property
    def title(self) -> str:
        """What hovering shows: each rule and its signal."""
        return "; ".join(f"{m.rule} ({m.signal})" for m in self.marks)

    @property
    def signals(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(m.signal for m in self.marks))


def pieces(text: str, signals: Iterable[Mapping[str, Any]]) -> list[Piece]:
    """`text` (up to SHOWN_CHARS) in pieces at every evidence boundary; hits whose offsets
    do not fit the text are left out."""
    shown = text[:SHOWN_CHARS]
    spans = [
        (hit["start"], hit["end"], Mark(signal["name"], hit["rule"]))
        for signal in signals
        for hit in signal.get("hits", [])
        if isinstance(hit.get("start"), int) and 0 <= hit["start"] < hit["end"] <= len(shown)
    ]
    cuts = sorted({0, len(shown), *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    found = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        marks = tuple(dict.fromkeys(m for s, e, m in spans if s <= start and end <= e))
        found.append(Piece(shown[start:end], marks))
    return found
