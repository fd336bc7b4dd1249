"""Where and how often: alerts per day by severity (a stacked bar chart drawn as SVG) and
per country, from the alerts a filter lets through. Pure."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

SEVERITIES = ("critical", "high", "medium", "low")  # stacked from the bottom up
WIDTH, HEIGHT = 900, 220


@dataclass(frozen=True)
class Day:
    day: date
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    severity: str
    count: int
    day: date


def per_day(times: Iterable[tuple[datetime, str]], last: date, days: int) -> list[Day]:
    """One Day for each of the `days` days up to `last`, with its alerts by severity."""
    found = [Day(last - timedelta(days=n)) for n in range(days - 1, -1, -1)]
    index = {d.day: d for d in found}
    for moment, severity in times:
        day = index.get(moment.date())
        if day is not None:
            day.counts[severity] += 1
    return found


def per_country(labels: Iterable[str]) -> list[tuple[str, int]]:
    """(ISO code, alerts) most first; "" for alerts that name no country."""
    counted = Counter(
        next(iter(json.loads(text).get("country", [""])), "") if text else "" for text in labels
    )
    return sorted(counted.items(), key=lambda item: (-item[1], item[0]))


def bars(days: list[Day]) -> tuple[list[Bar], int]:
    """Stacked bars for the chart (SVG units, y down) and the tallest day's count."""
    tallest = max((d.total for d in days), default=0)
    if not tallest or not days:
        return [], tallest
    step = WIDTH / len(days)
    scale = (HEIGHT - 20) / tallest
    drawn = []
    for i, day in enumerate(days):
        bottom = float(HEIGHT)
        for severity in SEVERITIES:
            count = day.counts.get(severity, 0)
            if count:
                height = count * scale
                bottom -= height
                drawn.append(
                    Bar(i * step + 1, bottom, max(step - 2, 1), height, severity, count, day.day)
                )
    return drawn, tallest
