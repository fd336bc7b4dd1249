"""When a message about an alert goes out, and which follow-ups it gets: group waits and
intervals, quiet hours, digests, updates (severity rose, a new signal, more independent
sources), repeats of unacknowledged alerts and escalation. Pure: the store keeps the
deliveries these decisions make, the outbox sends them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from warning.levels import Severity
from warning.routing import Labels, Options, Route


class Kind(StrEnum):
    """What a delivery says about its alert."""

    alert = "alert"  # the first message a channel gets about it
    update = "update"  # its severity rose, a signal joined, more sources report it
    repeat = "repeat"  # still not acknowledged after the route's repeat_interval
    escalation = "escalation"  # not acknowledged within the route's escalate.after
    digest = "digest"  # listed in the route's next digest, not sent on its own


class Hold(StrEnum):
    """Why a delivery is due later than when it was made."""

    none = ""
    group_wait = "group_wait"  # collecting the burst of its group
    group_interval = "group_interval"  # its group had a message a short while ago
    quiet_hours = "quiet_hours"
    digest = "digest"


FLUSHABLE = (Hold.group_wait.value, Hold.group_interval.value)  # `run --once` sends these


@dataclass(frozen=True, slots=True)
class Due:
    at: datetime
    hold: Hold = Hold.none


def due(
    options: Options, kind: Kind, severity: Severity, now: datetime, last_sent: datetime | None
) -> Due:
    """When a new delivery of `kind` goes out on a route with `options`: a digest entry at
    the next digest; a first message after group_wait; an update no sooner than
    group_interval after its group's last message; then moved past quiet hours unless its
    severity may break them."""
    timing = options.timing
    if timing.digest is not None:
        return Due(timing.digest.next_after(now), Hold.digest)
    at, hold = now, Hold.none
    if kind == Kind.alert and options.group_wait > 0:
        at, hold = now + timedelta(seconds=options.group_wait), Hold.group_wait
    elif last_sent is not None and options.group_interval > 0:
        earliest = last_sent + timedelta(seconds=options.group_interval)
        if earliest > at:
            at, hold = earliest, Hold.group_interval
    quiet = timing.quiet_hours
    loud = timing.break_quiet is not None and severity.at_least(timing.break_quiet)
    released = quiet.release(at) if quiet is not None and not loud else None
    return Due(released, Hold.quiet_hours) if released else Due(at, hold)


def group_key(options: Options, labels: Labels, route: Route) -> str:
    """Alerts with one key are sent together: the route, and the values of its `group_by`
    labels ("digest" for a digest route: all its alerts in one message)."""
    if options.timing.digest is not None:
        return f"{route.path}|digest"
    values = (f"{name}={','.join(labels.get(name, ()))}" for name in options.group_by)
    return f"{route.path}|" + "|".join(values)


def acked_before_sent(by: str) -> str:
    """Why a repeat or escalation was not sent: its alert was acknowledged first."""
    return f"acknowledged by {by} before it was sent"


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What updates compare of an alert before and after a report joined its event."""

    severity: Severity
    signals: frozenset[str]
    sources: int


def update_note(before: Snapshot, after: Snapshot, thresholds: tuple[int, ...]) -> str:
    """Why the channels that had the alert hear about it again ("" for a mere extra copy):
    its severity rose, a signal joined, or its independent sources passed a threshold."""
    notes = []
    if after.severity.rank > before.severity.rank:
        notes.append(f"now {after.severity.value.upper()} (was {before.severity.value})")
    joined = sorted(after.signals - before.signals)
    if joined:
        names = ", ".join(s.replace("_", " ") for s in joined)
        notes.append(f"new signal{'s' if len(joined) > 1 else ''}: {names}")
    passed = [n for n in thresholds if before.sources < n <= after.sources]
    if passed:
        notes.append(f"now {after.sources} independent sources")
    return "; ".join(notes)


@dataclass(frozen=True, slots=True)
class Sent:
    """A message a channel got about a firing (unacknowledged, unsilenced) alert."""

    alert_id: int
    channel: str
    route: str  # the path of the route that gave it
    kind: Kind
    first_at: datetime  # the channel's first message about the alert
    last_at: datetime  # and its latest
    redact: str = ""
    severity: Severity = Severity.high  # the alert's, now


@dataclass(frozen=True, slots=True)
class FollowUp:
    alert_id: int
    channel: str
    route: str
    kind: Kind
    note: str
    redact: str
    at: datetime  # when it goes out: now, or when the route's quiet hours end
    hold: Hold = Hold.none


def follow_ups(
    sent: list[Sent],
    routes: Mapping[str, Route],
    owed: set[tuple[int, str]],
    escalated: set[tuple[int, str]],
    now: datetime,
) -> list[FollowUp]:
    """Repeats (the route's repeat_interval passed since the channel's last message) and
    escalations (escalate.after passed since the first message; once per alert and route,
    `escalated` lists those made) for firing alerts, given what their channels were `sent`;
    none for a channel that still has one owed (in `owed`). Quiet hours hold them too."""
    found: dict[tuple[int, str], FollowUp] = {}
    escalated = set(escalated)
    for item in sent:
        route = routes.get(item.route)
        if route is None:  # the route is gone from the config
            continue
        options = route.options
        if options.timing.digest is None and item.kind != Kind.escalation:
            every = options.repeat_interval
            if every > 0 and now - item.last_at >= timedelta(seconds=every):
                note = f"reminder: not acknowledged {_span(now - item.first_at)} after it was sent"
                key = (item.alert_id, item.channel)
                when = due(options, Kind.repeat, item.severity, now, None)
                found.setdefault(
                    key,
                    FollowUp(*key, item.route, Kind.repeat, note, item.redact, when.at, when.hold),
                )
        rule = options.timing.escalate
        if (
            rule is not None
            and item.kind != Kind.escalation
            and (item.alert_id, item.route) not in escalated
            and now - item.first_at >= timedelta(seconds=rule.after)
        ):
            escalated.add((item.alert_id, item.route))
            waited = _span(timedelta(seconds=rule.after))
            note = f"escalated: not acknowledged {waited} after it was sent"
            for channel in rule.to:
                key = (item.alert_id, channel)
                when = due(options, Kind.escalation, item.severity, now, None)
                found[key] = FollowUp(
                    *key, item.route, Kind.escalation, note, options.redact, when.at, when.hold
                )
    return [f for key, f in found.items() if key not in owed]


def _span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes >= 120:
        return f"{minutes // 60} h"
    return f"{minutes} min"
