"""The lifecycle's pure decisions (issue 10, items 3-5): when a message goes out (group wait,
group interval, quiet hours, digests), what an update says, repeats and escalation, and
the signed links."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from warning.config import Settings
from warning.levels import Severity
from warning.lifecycle import (
    Due,
    FollowUp,
    Hold,
    Kind,
    Sent,
    Snapshot,
    due,
    follow_ups,
    group_key,
    update_note,
)
from warning.routing import Options, Route
from warning.timing import Digest, Escalate, QuietHours, Timing
from warning.tokens import BadToken, sign, verify

pytestmark = pytest.mark.both_databases

NIGHT = QuietHours(((time(22), time(7)),), frozenset(range(5)), "Africa/Khartoum")  # UTC+2


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "released"),
    [
        ("2026-12-07 19:59", None),  # Monday 21:59 in Khartoum
        ("2026-12-07 20:00", "2026-12-08 05:00"),  # Monday 22:00: until Tuesday 07:00
        ("2026-12-08 04:59", "2026-12-08 05:00"),  # the span began the day before
        ("2026-12-08 05:00", None),
        ("2026-12-12 21:00", None),  # Saturday 23:00: not a quiet weekday
        ("2026-12-12 03:00", "2026-12-12 05:00"),  # Saturday 05:00: Friday's night
    ],
)
def test_quiet_hours_in_local_time_across_midnight(moment: str, released: str | None) -> None:
    assert NIGHT.release(at(moment)) == (at(released) if released else None)


def test_a_digest_comes_at_its_local_time_then_every_period() -> None:
    daily = Digest(86400, time(7), "Africa/Khartoum")
    assert daily.next_after(at("2026-12-07 04:00")) == at("2026-12-07 05:00")
    assert daily.next_after(at("2026-12-07 05:00")) == at("2026-12-08 05:00")
    six_hourly = Digest(6 * 3600, time(7), "UTC")
    assert six_hourly.next_after(at("2026-12-07 02:00")) == at("2026-12-07 07:00")
    assert six_hourly.next_after(at("2026-12-07 14:00")) == at("2026-12-07 19:00")
    assert six_hourly.next_after(at("2026-12-07 23:30")) == at("2026-12-08 01:00")


def test_when_each_kind_of_message_is_due() -> None:
    now, options = at("2026-12-07 12:00"), Options(group_wait=30, group_interval=300)
    assert due(options, Kind.alert, Severity.high, now, None) == Due(
        now + timedelta(seconds=30), Hold.group_wait
    )
    # an update waits for the group interval after the group's last message, no longer
    sent = now - timedelta(seconds=100)
    assert due(options, Kind.update, Severity.high, now, sent) == Due(
        sent + timedelta(seconds=300), Hold.group_interval
    )
    assert due(options, Kind.update, Severity.high, now, now - timedelta(hours=1)) == Due(now)
    quiet = Options(group_wait=0, timing=Timing(quiet_hours=NIGHT, break_quiet=Severity.critical))
    night = at("2026-12-07 21:00")
    assert due(quiet, Kind.alert, Severity.high, night, None) == Due(
        at("2026-12-08 05:00"), Hold.quiet_hours
    )
    assert due(quiet, Kind.alert, Severity.critical, night, None) == Due(night)
    digest = Options(timing=Timing(digest=Digest(86400, time(7))))
    assert due(digest, Kind.digest, Severity.critical, night, None) == Due(
        at("2026-12-08 07:00"), Hold.digest
    )


def test_group_keys_follow_group_by() -> None:
    route = Route("root.routes[0]", (), Options())
    labels = {"event": ("12",), "country": ("SD",), "signal": ("siege", "massacre_fear")}
    assert group_key(Options(), labels, route) == "root.routes[0]|event=12"
    by_country = Options(group_by=("country", "signal"))
    assert group_key(by_country, labels, route) == (
        "root.routes[0]|country=SD|signal=siege,massacre_fear"
    )
    digest = Options(timing=Timing(digest=Digest(86400)))
    assert group_key(digest, labels, route) == "root.routes[0]|digest"


HIGH = Snapshot(Severity.high, frozenset({"siege"}), 1)


@pytest.mark.parametrize(
    ("after", "note"),
    [
        (HIGH, ""),  # a verbatim copy: nothing new
        (Snapshot(Severity.high, frozenset({"siege"}), 2), ""),  # no threshold passed
        (Snapshot(Severity.critical, frozenset({"siege"}), 1), "now CRITICAL (was high)"),
        (Snapshot(Severity.medium, frozenset({"siege"}), 1), ""),  # never "lowered"
        (
            Snapshot(Severity.high, frozenset({"siege", "comms_blackout"}), 1),
            "new signal: comms blackout",
        ),
        (Snapshot(Severity.high, frozenset({"siege"}), 3), "now 3 independent sources"),
        (Snapshot(Severity.high, frozenset({"siege"}), 11), "now 11 independent sources"),
        (
            Snapshot(Severity.critical, frozenset({"siege", "displacement"}), 4),
            "now CRITICAL (was high); new signal: displacement; now 4 independent sources",
        ),
    ],
)
def test_what_an_update_says(after: Snapshot, note: str) -> None:
    assert update_note(HIGH, after, (3, 10)) == note


def test_repeats_and_escalations_come_once_each_when_due() -> None:
    t0 = at("2026-12-07 12:00")
    options = Options(
        channels=("duty",), repeat_interval=3600,
        timing=Timing(escalate=Escalate(1800, ("oncall",))),
    )  # fmt: skip
    routes = {"root": Route("root", (), options)}
    sent = [
        Sent(1, "duty", "root", Kind.alert, t0, t0),
        Sent(2, "duty", "root", Kind.alert, t0, t0),
    ]
    assert follow_ups(sent, routes, set(), set(), t0 + timedelta(minutes=29)) == []
    escalations = follow_ups(sent, routes, set(), set(), t0 + timedelta(minutes=31))
    assert [(f.alert_id, f.channel, f.kind) for f in escalations] == [
        (1, "oncall", Kind.escalation), (2, "oncall", Kind.escalation)
    ]  # fmt: skip
    assert escalations[0].note == "escalated: not acknowledged 30 min after it was sent"
    made = {(1, "root"), (2, "root")}
    assert follow_ups(sent, routes, set(), made, t0 + timedelta(minutes=45)) == []  # once
    t61 = t0 + timedelta(minutes=61)
    later = follow_ups(sent, routes, {(2, "duty")}, made, t61)
    note = "reminder: not acknowledged 61 min after it was sent"
    # alert 2's channel still has a message owed: no second one
    assert later == [FollowUp(1, "duty", "root", Kind.repeat, note, "", t61)]
    gone = follow_ups(sent, {}, set(), set(), t0 + timedelta(hours=5))
    assert gone == []  # its route left the config


def test_signed_links_refuse_changes_other_actions_and_expiry() -> None:
    key, now = "k" * 32, at("2026-12-07 12:00")
    token = sign(key, "ack", 42, now + timedelta(days=7))
    assert verify(key, token, "ack", now) == 42
    action, alert, expires, mac = token.split(".")
    flipped = mac[:-1] + ("A" if mac[-1] != "A" else "B")
    for bad in (
        f"{action}.{alert}.{expires}.{flipped}",
        f"{action}.43.{expires}.{mac}",  # another alert
        f"{action}.{alert}.{int(expires) + 86400}.{mac}",  # a later expiry
        "ack.42",
        "ack.٤٢.1.x",
    ):
        with pytest.raises(BadToken):
            verify(key, bad, "ack", now)
    with pytest.raises(BadToken):
        verify("another key of 32 characters....", token, "ack", now)
    with pytest.raises(BadToken):
        verify(key, token, "silence", now)
    with pytest.raises(BadToken, match="expired"):
        verify(key, token, "ack", now + timedelta(days=7))


def test_route_time_options_are_read_and_inherited() -> None:
    settings = Settings.model_validate(
        {
            "channels": {"duty": {"url": "json://127.0.0.1:9/a"}, "sms": {"url": "json://127.0.0.1:9/b"}},
            "routes": {
                "channels": ["duty"],
                "quiet_hours": {"times": ["22:00-07:00"], "weekdays": ["friday"],
                                "timezone": "Africa/Khartoum"},
                "break_quiet": "critical",
                "escalate": {"after": "30m", "to": ["sms"]},
                "notify_on_sources": [5],
                "routes": [
                    {"matchers": ['severity="low"'], "digest": {"every": "1d", "at": "08:30"}}
                ],
            },
        }
    )  # fmt: skip
    root = settings.route_tree
    (child,) = root.children
    assert root.options.timing.quiet_hours == QuietHours(
        ((time(22), time(7)),), frozenset({4}), "Africa/Khartoum"
    )
    assert child.options.timing.escalate == Escalate(1800, ("sms",))  # inherited
    assert child.options.timing.notify_on_sources == (5,)
    assert child.options.timing.digest == Digest(86400, time(8, 30), "UTC")
    assert root.options.timing.digest is None


@pytest.mark.parametrize(
    ("routes", "says"),
    [
        ({"quiet_hours": {"times": ["22-7"]}}, "routes.quiet_hours.times.0"),
        (
            {"quiet_hours": {"times": ["22:00-07:00"], "timezone": "Mars/Olympus"}},
            "unknown time zone",
        ),
        ({"escalate": {"after": "30m", "to": ["pager"]}}, "no channel named 'pager'"),
        ({"digest": {"every": "1d", "at": "7am"}}, "routes.digest.at"),
    ],
)
def test_bad_route_time_options_are_refused(routes: dict, says: str) -> None:
    with pytest.raises(ValueError, match=says.replace(".", r"\.")):
        Settings.model_validate(
            {
                "channels": {"duty": {"url": "json://127.0.0.1:9/a"}},
                "routes": {"channels": ["duty"], **routes},
            }
        )
