"""Is a report a retelling of an earlier report of its event: a wire story syndicated or
rewritten by another outlet, which brings no new independent source?

Near-verbatim copies share word 5-grams (`dedupe.py`). A rewritten copy shares few of them,
but it keeps the story's facts in the story's order: the same figures and the same names,
paragraph after paragraph ("23 ... 2 a.m. ... 30 houses ... Verrettes ... Saint-Marc"),
where an independent report of the same happening shares a few of them in its own order.
It also often credits the outlet it came from ("according to Reuters", "(AP)").

A report retells an earlier one when it names that report's outlet, or when the longest
run of facts the two have in the same order (not necessarily adjacent) holds at least
MIN_SHARED facts and at least MIN_SHARE of the shorter report's facts.
Pure functions; `events.py` asks them about the event's latest reports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from warning.gazetteer_data import fold

MIN_SHARED = 8
MIN_SHARE = 0.6
MAX_FACTS = 150  # read from the start of a report: the comparison costs their product
MIN_OUTLET = 3  # shorter outlet names are too likely to be ordinary words
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
TOKEN = re.compile(r"\d[\d,.]*\d|\d|[^\W\d_][\w'’-]*")


@dataclass(frozen=True, slots=True)
class Told:
    """What a report's retelling is judged on."""

    outlet: str
    text: str
    facts: tuple[str, ...]


def told(outlet: str, title: str, text: str) -> Told:
    return Told(outlet.strip(), text, facts(f"{title}.\n{text}"))


def facts(text: str) -> tuple[str, ...]:
    """Numbers (digits only: "2,000" -> "2000") and capitalised words that do not start a
    sentence (folded: "Désarmes" -> "desarmes"), in reading order, at most MAX_FACTS."""
    found: list[str] = []
    for sentence in SENTENCE_END.split(text):
        for i, token in enumerate(TOKEN.findall(sentence)):
            if token[0].isdigit():
                found.append(token.replace(",", "").rstrip("."))
            elif i and token[0].isupper():
                found.append(fold(token))
            if len(found) >= MAX_FACTS:
                return tuple(found)
    return tuple(found)


def retells(report: Told, earlier: Told) -> str:
    """Why `report` retells `earlier`, or "" when it does not."""
    if _credits(report.text, earlier.outlet) and earlier.outlet != report.outlet:
        return f"credits {earlier.outlet}"
    shared = in_order(report.facts, earlier.facts)
    shorter = min(len(report.facts), len(earlier.facts))
    if shared >= MIN_SHARED and shared >= MIN_SHARE * shorter:
        return f"{shared} of {shorter} facts in the same order"
    return ""


def _credits(text: str, outlet: str) -> bool:
    return len(outlet) >= MIN_OUTLET and bool(
        re.search(rf"(?<!\w){re.escape(outlet)}(?!\w)", text, re.IGNORECASE)
    )


def in_order(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    """The length of the longest common subsequence of `a` and `b`, bit-parallel (Hyyrö
    2004: one row of the table is one integer, a bit per item of `b`), so comparing a
    report with the 20 latest of its event costs microseconds, not milliseconds."""
    where: dict[str, int] = {}  # item -> the bits of its places in `b`
    for j, item in enumerate(b):
        where[item] = where.get(item, 0) | 1 << j
    full = (1 << len(b)) - 1
    row = full
    for item in a:
        kept = row & where.get(item, 0)
        row = ((row + kept) | (row - kept)) & full
    return len(b) - row.bit_count()
