"""The alert lifecycle end to end against a real local chat server (issue 10, items 3-5):
updates that reach the channel that had an alert, group waits, quiet hours and digests
with time moved on by a clock (no sleeping), acknowledgement by signed link and by CLI,
repeats and escalation, and a silence made from a message's link."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from tests.conftest import HttpCapture, free_port, write_config
from warning.cli import app
from warning.config import load_settings
from warning.notify import Notifier
from warning.pipeline import Service
from warning.sources import Incoming
from warning.store import Store
from warning.tokens import sign
from warning.web import WebServer, create_app

pytestmark = pytest.mark.both_databases

EXAMPLES = Path(__file__).parent.parent / "examples" / "inbox"
SECRET = "a link secret of thirty-two chars"
BESIEGED = (
    "Around 20,000 residents of Tal Rifaat are besieged by armed factions. "
    "Aid agencies fear massacres of Kurds in the town."
)
CUT_OFF = (
    "In Tal Rifaat, communications have been cut and the internet is down, and residents "
    "remain besieged by the factions, raising fears of possible massacres."
)
THIRD = (
    "Kurdish families trapped in Tal Rifaat say the factions have encircled the town and "
    "blocked every road; a local council member said he feared a massacre."
)
IDLIB = (
    "Government shelling killed at least 14 civilians in Maarat al-Numan in Idlib province, "
    "Syria, on Tuesday, local rescuers said."
)


class Clock:
    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def move(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def cli(*args: str):  # noqa: ANN201
    return CliRunner().invoke(app, list(args))


def service_for(tmp_path: Path, scorer, clock: Clock, channels: dict, **extra: object) -> Service:  # noqa: ANN001
    settings = load_settings(write_config(tmp_path, channels, **extra))
    service = Service(settings, Store(settings.database.url), scorer, Notifier(settings))
    service.clock = clock
    return service


def post(service: Service, ref: str, text: str, outlet: str = "") -> None:
    service.intake("inbox", [Incoming(ref=ref, title=text[:60], text=text, outlet=outlet)])
    service.score_pending()


def texts(capture: HttpCapture, token: str = "duty") -> list[str]:
    return [body["text"] for path, body in capture.posts if path == f"/hooks/{token}"]


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime.now(UTC))


def test_a_raise_reaches_the_channel_that_had_the_alert_and_a_copy_sends_nothing(
    tmp_path: Path,
    scorer,
    clock: Clock,
    http_server: HttpCapture,  # noqa: ANN001
) -> None:
    channels = {"duty": {"url": http_server.mattermost_url("duty")}}
    service = service_for(tmp_path, scorer, clock, channels)
    post(service, "a", BESIEGED)
    assert service.deliver_due() == (1, 0)
    assert "HIGH" in texts(http_server)[0] or "high" in texts(http_server)[0].lower()
    post(service, "a-copy", "Wire: " + BESIEGED, outlet="another outlet")  # a verbatim copy
    clock.move(minutes=1)
    assert service.deliver_due() == (0, 0)
    post(service, "b", CUT_OFF)
    assert service.deliver_due() == (0, 0)  # an update waits for the group interval (5 min)...
    clock.move(minutes=4, seconds=1)
    assert service.deliver_due() == (1, 0)  # ...after the last message to its group
    update = texts(http_server)[1]
    assert update.startswith("[CRITICAL] Syria (Tal Rifaat): now CRITICAL (was high); new signal")
    assert "\n**now CRITICAL (was high); new signal: comms blackout**\n" in update
    assert "Source:" in update and "score" not in update  # short: no evidence list
    post(service, "b-copy", "Wire: " + CUT_OFF, outlet="a third outlet")
    clock.move(minutes=10)
    assert service.deliver_due() == (0, 0) and len(http_server.posts) == 2
    shown = cli("alerts", "show", "1", "--json", "-c", str(tmp_path / "config.yaml"))
    history = [(h["what"], h["channel"]) for h in json.loads(shown.output)["history"]]
    assert history[:2] == [("created", ""), ("sent", "duty")]
    assert ("raised", "") in history and history.count(("sent", "duty")) == 2


def test_ten_reports_within_group_wait_make_one_message(
    tmp_path: Path,
    scorer,
    clock: Clock,
    http_server: HttpCapture,  # noqa: ANN001
) -> None:
    channels = {"duty": {"url": http_server.mattermost_url("duty")}}
    routes = {"channels": ["duty"], "group_wait": "30s"}
    service = service_for(tmp_path, scorer, clock, channels, routes=routes)
    reports = [BESIEGED, CUT_OFF, THIRD] + [
        f"{lead} {BESIEGED}" for lead in ("Update:", "Latest:", "Monday:", "Again:", "Now:")
    ] + [f"Report {n}: {CUT_OFF}" for n in (1, 2)]  # fmt: skip
    for n, text in enumerate(reports):
        post(service, f"r{n}", text, outlet=f"outlet {n}")
        clock.move(seconds=2)
    (row,) = service.store.alert_log()
    assert row.alert.reports == 10
    assert service.deliver_due() == (0, 0)  # 20 s after the first: still collecting
    clock.move(seconds=11)
    assert service.deliver_due() == (1, 0)
    (message,) = texts(http_server)
    assert "CRITICAL" in message and "comms blackout" in message  # the event as it stands now


def test_alerts_grouped_by_country_go_out_as_one_message_per_country(
    tmp_path: Path,
    scorer,  # noqa: ANN001
    clock: Clock,
    http_server: HttpCapture,
) -> None:
    channels = {"duty": {"url": http_server.mattermost_url("duty")}}
    routes = {"channels": ["duty"], "group_by": ["country"], "group_wait": "30s"}
    service = service_for(tmp_path, scorer, clock, channels, routes=routes)
    post(service, "a", BESIEGED)
    post(service, "idlib", IDLIB)
    post(service, "darfur", (EXAMPLES / "02_darfur_town_encircled.txt").read_text())
    assert len(service.store.alert_log()) == 3  # three events, three alerts
    clock.move(seconds=31)
    assert service.deliver_due() == (3, 0)  # three deliveries...
    syria, sudan = sorted(texts(http_server), key=lambda t: "Sudan" in t)  # ...two messages
    assert "\n**2 alerts of one group**\n" in syria
    assert "Tal Rifaat" in syria and "Idlib" in syria and "Sudan" not in syria
    assert sudan.startswith("[CRITICAL] Sudan") and "alerts of one group" not in sudan


def test_quiet_hours_hold_then_release_and_critical_breaks_them(
    tmp_path: Path,
    scorer,
    http_server: HttpCapture,  # noqa: ANN001
) -> None:
    clock = Clock(datetime.now(UTC).replace(hour=23, minute=0))
    channels = {"duty": {"url": http_server.mattermost_url("duty")}}
    routes = {
        "channels": ["duty"], "group_wait": "0s", "break_quiet": "critical",
        "quiet_hours": {"times": ["22:00-07:00"], "timezone": "UTC"},
    }  # fmt: skip
    service = service_for(tmp_path, scorer, clock, channels, routes=routes)
    post(service, "a", BESIEGED)  # high, at 23:00
    assert service.deliver_due() == (0, 0)
    assert service.run_once().sent == 0  # --once does not send what quiet hours hold
    clock.move(hours=7, minutes=59)  # 06:59
    assert service.deliver_due() == (0, 0)
    clock.move(minutes=1, seconds=1)  # 07:00:01
    assert service.deliver_due() == (1, 0)
    clock.move(hours=15)  # 22:00:01 again
    post(service, "critical", (EXAMPLES / "02_darfur_town_encircled.txt").read_text())
    alerts = {r.alert.id: r.alert.severity for r in service.store.alert_log()}
    assert sorted(alerts.values()) == ["critical", "high"]
    assert service.deliver_due() == (1, 0)  # critical breaks the quiet hours


def test_a_digest_holds_three_alerts_and_sends_one_message_listing_them(
    tmp_path: Path,
    scorer,
    http_server: HttpCapture,  # noqa: ANN001
) -> None:
    clock = Clock(datetime.now(UTC).replace(hour=5, minute=0))
    channels = {"daily": {"url": http_server.mattermost_url("daily")}}
    routes = {"channels": ["daily"], "digest": {"every": "1d", "at": "07:00"}}
    service = service_for(tmp_path, scorer, clock, channels, routes=routes)
    for name in sorted(p.name for p in EXAMPLES.glob("0[1-3]_*.txt")):
        post(service, name, (EXAMPLES / name).read_text())
    rows = service.store.alert_log()
    assert len(rows) == 3
    assert service.run_once().sent == 0  # --once does not send a digest early
    clock.move(hours=2, seconds=1)
    assert service.deliver_due() == (3, 0)  # three deliveries, one message
    (digest,) = texts(http_server, "daily")
    assert digest.startswith("[CRITICAL] digest: ")
    assert "\n**Digest: 3 alert(s) since the last one**\n" in digest
    for row in rows:
        place = row.alert.place.replace("(", r"\(").replace(")", r"\)")
        assert re.search(place, digest), row.alert.place
    clock.move(days=1)
    assert service.deliver_due() == (0, 0)  # nothing new: no empty digest


@pytest.fixture
def linked(tmp_path: Path, scorer, clock: Clock, http_server: HttpCapture) -> Iterator[tuple]:  # noqa: ANN001
    port = free_port()
    channels = {
        "duty": {"url": http_server.mattermost_url("duty")},
        "oncall": {"url": http_server.mattermost_url("oncall")},
    }
    routes = {
        "channels": ["duty"], "group_wait": "0s", "repeat_interval": "1h",
        "escalate": {"after": "30m", "to": ["oncall"]},
    }  # fmt: skip
    web = {"base_url": f"http://127.0.0.1:{port}", "port": port, "secret": SECRET}
    service = service_for(tmp_path, scorer, clock, channels, routes=routes, web=web)
    server = WebServer(
        create_app(service.settings, service.intake, service.store), service.settings.web
    )
    server.start()
    try:
        with httpx.Client(timeout=10) as client:
            yield service, client
    finally:
        server.stop()


def links(message: str, what: str) -> list[str]:
    """The targets of the markdown links after "what: " in a chat message."""
    return re.findall(rf"{what}: \[[^\]]*\]\((http://127\.0\.0\.1:\d+/[^)]+)\)", message)


def test_ack_link_stops_repeats_and_escalation_fires_once_for_the_unacked(
    tmp_path: Path, linked: tuple, clock: Clock, http_server: HttpCapture
) -> None:
    service, client = linked
    post(service, "a", BESIEGED)
    post(service, "darfur", (EXAMPLES / "02_darfur_town_encircled.txt").read_text())
    assert service.deliver_due() == (2, 0)
    first = texts(http_server)[0]
    found = links(first, "Acknowledge")
    assert len(found) == 1, first
    ack_url = found[0]
    assert "/ack/ack.1." in ack_url
    page = client.get(ack_url)
    assert page.status_code == 200 and '<form method="post">' in page.text
    assert service.store.alert(1).acked_at is None  # opening the link changes nothing

    head, mac = ack_url.rsplit(".", 1)
    tampered = f"{head}.{mac[:-1]}{'A' if mac[-1] != 'A' else 'B'}"
    other_alert = ack_url.replace("/ack/ack.1.", "/ack/ack.2.")
    base = ack_url.split("/ack/")[0]
    expired = f"{base}/ack/{sign(SECRET, 'ack', 1, datetime.now(UTC) - timedelta(seconds=1))}"
    for bad in (tampered, other_alert, expired):
        assert client.get(bad).status_code == 403
        assert client.post(bad, data={"by": "mallory"}).status_code == 403
    assert service.store.alert(1).acked_at is None and service.store.alert(2).acked_at is None

    acked = client.post(ack_url, data={"by": "Amina (duty)", "note": "calling the field team"})
    assert acked.status_code == 200 and "Acknowledged by Amina (duty)" in acked.text
    assert service.store.alert(1).acked_by == "Amina (duty)"

    clock.move(minutes=31)
    assert service.deliver_due() == (1, 0)  # escalation of the unacknowledged alert only
    (escalated,) = texts(http_server, "oncall")
    assert "\n**escalated: not acknowledged 30 min after it was sent**\n" in escalated
    assert "/ack/ack.2." in escalated
    clock.move(minutes=15)
    assert service.deliver_due() == (0, 0)  # once
    clock.move(minutes=15)  # an hour after the first messages
    assert service.deliver_due() == (1, 0)  # a reminder of alert 2 only
    assert "\n**reminder: not acknowledged 61 min after it was sent**" in texts(http_server)[-1]
    assert "/ack/ack.2." in texts(http_server)[-1]

    config = str(tmp_path / "config.yaml")
    done = cli("ack", "2", "--by", "Omar", "--note", "seen", "-c", config)
    assert done.exit_code == 0 and done.output.startswith("alert #2 acknowledged by Omar at")
    clock.move(hours=3)
    assert service.deliver_due() == (0, 0)  # both acknowledged: no more repeats
    shown = cli("alerts", "show", "2", "-c", config).output
    for what in ("created", "sent", "escalated", "repeated", "acked"):
        assert re.search(rf"\b{what}\b", shown), (what, shown)
    assert "Omar" in shown and "oncall" in shown
    assert json.loads(cli("alerts", "show", "1", "--json", "-c", config).output)["acked_by"] == (
        "Amina (duty)"
    )


def test_a_silence_from_a_message_link_stops_sending_and_expires(
    tmp_path: Path, linked: tuple, clock: Clock, http_server: HttpCapture
) -> None:
    service, client = linked
    post(service, "a", BESIEGED)
    assert service.deliver_due() == (1, 0)
    (silence_url,) = links(texts(http_server)[0], "Silence this event")
    form = client.get(silence_url)
    assert form.status_code == 200 and 'name="days"' in form.text
    assert client.post(silence_url, data={"days": "99", "by": "Amina"}).status_code == 422
    made = client.post(silence_url, data={"days": "2", "by": "Amina", "comment": "known"})
    assert made.status_code == 200 and "Silence #1" in made.text
    config = str(tmp_path / "config.yaml")
    (silence,) = json.loads(cli("silence", "list", "--json", "-c", config).output)
    assert silence["matchers"] == ['event="1"'] and silence["author"] == "Amina"

    post(service, "b", CUT_OFF, outlet="second")  # raised, while silenced
    clock.move(minutes=10)
    assert service.deliver_due() == (0, 0) and len(http_server.posts) == 1
    assert service.store.alert(1).silenced_by == 1
    clock.move(hours=3)
    assert service.deliver_due() == (0, 0)  # a silenced alert is not repeated either

    assert cli("silence", "expire", "1", "-c", config).exit_code == 0
    post(service, "c", THIRD, outlet="third")  # a third independent source, after it ended
    clock.move(minutes=10)
    sent, _ = service.deliver_due()
    assert sent >= 1 and service.store.alert(1).silenced_by is None
    assert "now 3 independent sources" in texts(http_server)[1]


def test_follow_ups_are_decided_at_most_every_15_seconds(
    tmp_path: Path,
    scorer,
    clock: Clock,
    http_server: HttpCapture,  # noqa: ANN001
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Repeats and escalations are hours apart: the firing alerts are read for them at most
    every 15 s, not at each 1-s delivery round (spied on the real store's query)."""
    service = service_for(tmp_path, scorer, clock, {"duty": {"url": http_server.mattermost_url()}})
    looked: list[datetime] = []
    firing = service.store.firing
    monkeypatch.setattr(
        service.store, "firing", lambda since: looked.append(since) or firing(since)
    )
    service.deliver_due()
    service.deliver_due()
    assert len(looked) == 1
    clock.move(seconds=14)
    service.deliver_due()
    assert len(looked) == 1
    clock.move(seconds=2)
    service.deliver_due()
    assert len(looked) == 2
