"""Silences: matchers that keep matching alerts from being sent for a while (Alertmanager's
silences, for NGO alerts). A silenced alert is still logged, marked with the silence that
holds it. Pure: the store keeps silences, the CLI makes them."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from warning.routing import Labels, Matcher


@dataclass(frozen=True, slots=True)
class ActiveSilence:
    id: int
    matchers: tuple[Matcher, ...]

    @classmethod
    def parse(cls, silence_id: int, stored: str) -> ActiveSilence:
        """From the store's JSON list of matcher texts."""
        return cls(silence_id, tuple(Matcher.parse(m) for m in json.loads(stored)))


MAX_EVENT_DAYS = 30  # a silence made from a message link or an alert's page


def event_matchers(event_id: int | None) -> list[str]:
    """The matchers of a silence for one event (every alert carries its `event` label)."""
    return [f'event="{event_id}"']


def event_days(text: str) -> int | None:
    """The days asked for an event's silence (1 to MAX_EVENT_DAYS), else None."""
    text = text.strip()
    return int(text) if text.isdigit() and 1 <= int(text) <= MAX_EVENT_DAYS else None


def silencing(silences: Iterable[ActiveSilence], labels: Labels) -> int | None:
    """The id of the first silence all of whose matchers hold for these labels."""
    return next((s.id for s in silences if all(m.holds(labels) for m in s.matchers)), None)
