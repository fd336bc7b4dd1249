"""Numbers of people in a text: "200,000", "2.5 million", "tens of thousands", "dozens",
"eleven", "40 ألف", "40.000 personnes". Each with its token span and a lower-bound value."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from warning.text import Tokens

UNITS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "dozen": 12,
    "a": 1,
}
MULTIPLIERS = {
    "hundred": 100,
    "thousand": 1_000,
    "million": 1_000_000,
    "billion": 1_000_000_000,
    "mille": 1_000,
    "mil": 1_000,
    "millions": 1_000_000,
    "millones": 1_000_000,
    "millón": 1_000_000,
    "milliers": 1_000,
    "ألف": 1_000,
    "آلاف": 1_000,
    "مليون": 1_000_000,
    "ملايين": 1_000_000,
}
# Vague plurals, counted at their smallest plausible value.
VAGUE = {
    "dozens": 24,
    "scores": 40,
    "hundreds": 200,
    "thousands": 2_000,
    "millions": 2_000_000,
    "tens": 20,
    "centaines": 200,
    "milliers": 2_000,
    "cientos": 200,
    "miles": 2_000,
    "decenas": 20,
    "dizaines": 20,
    "عشرات": 20,
    "مئات": 200,
    "آلاف": 2_000,
}
YEAR = re.compile(r"^(1[89]|20)\d\d$")
SPACED_GROUP = re.compile(r"^\d{3}$")
GROUPED = re.compile(r"^\d{1,3}(?:([.,])\d{3})(?:\1\d{3})*$")  # 200,000 or 40.000


STARTERS = frozenset(UNITS) | frozenset(VAGUE)  # the words a number may start with


NO_NUMBER = -1  # values_at: no number starts at this token (a count is never negative)


@dataclass(frozen=True, slots=True)
class Quantity:
    start: int  # token index
    end: int  # token index just past it
    value: int


def _digits(word: str) -> float | None:
    if not word[0].isdigit():
        return None
    if GROUPED.match(word):
        return float(re.sub(r"[.,]", "", word))
    try:
        return float(word.replace(",", "."))
    except ValueError:
        return None


def quantities(tokens: Tokens) -> list[Quantity]:
    """Every number in the text, reading "2.5 million" and "tens of thousands" as one."""
    words = tokens.words
    found, i = [], 0
    while i < len(words):
        if not _may_start(words[i]):
            i += 1
            continue
        quantity = _read(words, i)
        if quantity:
            found.append(quantity)
            i = quantity.end
        else:
            i += 1
    return found


def values_at(tokens: Tokens, starts: Iterable[int], read: dict[int, int]) -> tuple[int, ...]:
    """The values of the numbers that start at these tokens, in order. `read`: what was
    already read in these tokens (NO_NUMBER: none starts there), which this adds to; the
    hits of one report share most of their spans."""
    words, values = tokens.words, []
    for i in starts:
        value = read.get(i)
        if value is None:
            found = _read(words, i) if _may_start(words[i]) else None
            value = read[i] = found.value if found else NO_NUMBER
        if value != NO_NUMBER:
            values.append(value)
    return tuple(values)


def _may_start(word: str) -> bool:
    """Whether `_read` can find a number starting with `word` (most words: no)."""
    return word[0].isdigit() or word in STARTERS


def _read(words: tuple[str, ...], i: int) -> Quantity | None:
    word = words[i]
    value, end = _digits(word), i + 1
    if value is not None and YEAR.match(word):
        return None  # "since 2024" is a date, not 2,024 people
    while value is not None and end < len(words) and SPACED_GROUP.match(words[end]):
        value, end = value * 1000 + int(words[end]), end + 1  # "20 000" (French style)
    if value is None and word in UNITS:
        value = UNITS[word]
        if end < len(words) and value >= 20 and value % 10 == 0 and UNITS.get(words[end], 10) < 10:
            value, end = value + UNITS[words[end]], end + 1  # "twenty-five"
    if value is None and word in VAGUE:
        return _vague(words, i)
    if value is None or (word == "a" and (end >= len(words) or words[end] not in MULTIPLIERS)):
        return None
    while end < len(words) and words[end] in MULTIPLIERS and words[end] not in VAGUE:
        value *= MULTIPLIERS[words[end]]
        end += 1
    if not math.isfinite(value):  # 309 digits or more, as a float: no count of people
        return None
    return Quantity(i, end, int(value))


def _vague(words: tuple[str, ...], i: int) -> Quantity:
    """'tens of thousands' = 20,000; 'hundreds of thousands' = 200,000; 'dozens' = 24."""
    value = VAGUE[words[i]]
    end = i + 1
    if end + 1 < len(words) and words[end] in {"of", "de", "des"} and words[end + 1] in VAGUE:
        value *= VAGUE[words[end + 1]] // 2  # "thousands" counts 2,000 alone; 1,000 as a unit
        end += 2
    return Quantity(i, end, value)
