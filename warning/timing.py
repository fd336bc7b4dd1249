"""A route's time options: quiet hours, digests, escalation, the source-count thresholds of
updates. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from warning.levels import Severity


@dataclass(frozen=True, slots=True)
class QuietHours:
    """Times of day (in `timezone`) on `weekdays` (0 Monday .. 6 Sunday) when messages are
    held; a span past midnight ("22:00-07:00") belongs to the weekday it starts on."""

    spans: tuple[tuple[time, time], ...]
    weekdays: frozenset[int] = frozenset(range(7))
    timezone: str = "UTC"

    def release(self, moment: datetime) -> datetime | None:
        """When the quiet span `moment` falls in ends (None: it falls in none)."""
        zone = ZoneInfo(self.timezone)
        local = moment.astimezone(zone)
        ends = []
        for start, end in self.spans:
            for back in (0, 1):  # a span may have started the day before
                day = local.date() - timedelta(days=back)
                if day.weekday() not in self.weekdays:
                    continue
                begins = datetime.combine(day, start, zone)
                finish = datetime.combine(day + timedelta(days=end <= start), end, zone)
                if begins <= local < finish:
                    ends.append(finish)
        return max(ends).astimezone(moment.tzinfo) if ends else None


@dataclass(frozen=True, slots=True)
class Digest:
    """One message every `every` seconds at `at` (local time in `timezone`)."""

    every: float
    at: time = time(7, 0)
    timezone: str = "UTC"

    def next_after(self, moment: datetime) -> datetime:
        """The first digest time after `moment`: `at` on the day, then every `every`."""
        zone = ZoneInfo(self.timezone)
        local = moment.astimezone(zone)
        slot = datetime.combine(local.date(), self.at, zone)
        step = timedelta(seconds=self.every)
        while slot - step > local:
            slot -= step
        while slot <= local:
            slot += step
        return slot.astimezone(moment.tzinfo)


@dataclass(frozen=True, slots=True)
class Escalate:
    after: float  # seconds after its first message
    to: tuple[str, ...]  # channels


@dataclass(frozen=True, slots=True)
class Timing:
    """A route's lifecycle options (in `Options.timing`)."""

    notify_on_sources: tuple[int, ...] = (3, 10)
    quiet_hours: QuietHours | None = None
    break_quiet: Severity | None = None  # this severity and above are sent in quiet hours
    digest: Digest | None = None
    escalate: Escalate | None = None
