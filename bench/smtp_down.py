"""The mail server down for 10 minutes, time injected: a real SMTP server (aiosmtpd, with a
login) on a free 127.0.0.1 port is closed while --alerts alerts are raised (distinct
places, one event each) for an email channel and a Mattermost channel (Slack-format JSON
to a local HTTP server that stays up); the outbox's delivery rounds run every 5 s of the
service's clock (moved on, not slept) with the shipped retry policy (60 s doubling, up to
1 h); after --minutes the server comes back on the same port and the rounds go on until
every email arrived or 2 h passed. Apprise's own pause between two emails (5.5 s of real
time) is turned off for the run; it is not the outbox's clock.

Prints alerts, failed attempts recorded while down, email deliveries `warning deliveries`
showed failed while down, /metrics (as the web app serves it) warning_deliveries_total
{status="failed"} added and warning_deliveries_owed as the outage ends, chat messages
received while the mail was down, alerts received by email after, received twice (target
0), lost (target 0), how long after the server came back the last one arrived (injected
time), and where the channel's password showed in what users see (target 0: failure
texts in the store, `warning deliveries` output, the log).
Run: python bench/smtp_down.py [--alerts 20] [--minutes 10]
"""

from __future__ import annotations

import argparse
import contextlib
import email
import email.policy
import io
import logging
import re
import secrets
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.smtp import AuthResult, LoginPassword  # noqa: E402
from apprise.plugins.email import NotifyEmail  # noqa: E402
from corpus import sentences  # noqa: E402
from prometheus_client.parser import text_string_to_metric_families  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from tests.conftest import (  # noqa: E402
    HttpCapture,
    Mailbox,
    capture_server,
    free_port,
    invoke,
    write_config,
)
from tests.test_updates import Clock  # noqa: E402
from warning import metrics  # noqa: E402
from warning.config import load_settings  # noqa: E402
from warning.models import Attempt, Delivery, utcnow  # noqa: E402
from warning.notify import Notifier  # noqa: E402
from warning.pipeline import Service  # noqa: E402
from warning.score import Scorer  # noqa: E402
from warning.sources import Incoming  # noqa: E402
from warning.store import Store  # noqa: E402

EMAIL, CHAT = "duty-email", "duty-chat"
STEP = timedelta(seconds=5)  # the daemon's rounds are 1 s apart; 5 s of clock is enough here
AFTER = timedelta(hours=2)  # how long the rounds go on once the server is back
FAILED_LINE = re.compile(rf"delivery #\d+ of alert #\d+ to {EMAIL} failed \(attempt \d+; next try ")
SENT_ALERT = re.compile(r"Alert #(\d+) from warning")
# one place per alert: each makes an event of its own (no two in one country)
PLACES = (
    "Goma, Congo", "El Fasher, Sudan", "Mopti, Mali", "Kano, Nigeria", "Niamey, Niger",
    "Baidoa, Somalia", "Bentiu, South Sudan", "Sittwe, Myanmar", "Marib, Yemen",
    "Kharkiv, Ukraine", "Beirut, Lebanon", "Tal Rifaat, Syria", "Cap-Haitien, Haiti",
    "Djibo, Burkina Faso", "Mekele, Ethiopia", "Bangui, Central African Republic",
    "Maputo, Mozambique", "Kandahar, Afghanistan", "Tripoli, Libya", "Ndjamena, Chad",
)  # fmt: skip


@dataclass
class Outage:
    alerts: int = 0
    failed_attempts: int = 0  # email attempts recorded as failed while the server was down
    logged_failures: int = 0  # log lines saying an email delivery failed, while down
    shown_failing: int = 0  # email deliveries `warning deliveries --json` showed failed then
    metric_failed: float = 0  # /metrics: warning_deliveries_total{channel=EMAIL,status=failed}
    metric_owed: float = 0  # /metrics: warning_deliveries_owed, as the outage ends
    chat_while_down: int = 0  # chat messages received while the mail server was down
    errors: set[str] = field(default_factory=set)  # the distinct failure texts recorded
    received: int = 0  # alerts received by email after the server came back
    twice: int = 0  # alerts received by email more than once
    lost: int = 0  # alerts never received by email
    last_after: timedelta | None = None  # the last email's arrival after the server was back
    password_shown: int = 0  # texts users see that hold the channel's password
    password_in_url: bool = False  # the channel URL in the config holds it (else 0 says little)


@dataclass
class Bench:
    """What one run works with: the service on its clock, the mail server's port, mailbox
    and password, the chat server, and the log written meanwhile."""

    service: Service
    clock: Clock
    config: Path
    port: int
    password: str
    mailbox: Mailbox = field(default_factory=Mailbox)
    log: io.StringIO = field(default_factory=io.StringIO)


def smtp_outage(folder: Path, scorer: Scorer, alerts: int, down: timedelta) -> Outage:
    """Raise `alerts` alerts while the mail server is down for `down` of injected time,
    deliver across the outage, bring it back and count what arrived."""
    with capture_server() as chat, no_email_pause(), logged() as log:
        bench = _bench(folder, scorer, chat, log)
        counts = Outage(alerts=len(_raise(bench.service, alerts)))
        failed_before = _scraped(bench.service.store)["failed"]
        _while_down(bench, down, counts)
        scraped = _scraped(bench.service.store)
        counts.metric_failed = scraped["failed"] - failed_before
        counts.metric_owed = scraped["owed"]
        counts.chat_while_down = len(chat.posts)
        back = bench.clock()
        with smtp_back(bench):
            counts.last_after = _rounds(bench, back + AFTER, until_all=counts.alerts) - back
        _tally(bench, counts)
    return counts


def _bench(folder: Path, scorer: Scorer, chat: HttpCapture, log: io.StringIO) -> Bench:
    port, password = free_port(), secrets.token_urlsafe(12)  # nothing listens on it yet
    mail = f"mailto://warning:{password}@127.0.0.1:{port}?from=warning@example.org&to=d@example.org"
    channels = {
        EMAIL: {"url": mail, "min_severity": "high"},
        CHAT: {"url": chat.mattermost_url(), "min_severity": "high"},
    }
    config = write_config(folder, channels, delivery={})  # the shipped retry policy
    settings = load_settings(config)
    service = Service(settings, Store(settings.database.url), scorer, Notifier(settings))
    service.clock = clock = Clock(utcnow())
    return Bench(service, clock, config, port, password, log=log)


def _raise(service: Service, count: int) -> list:
    """`count` alerts, one per place, each report long enough to be unlike the others."""
    pool = sentences()
    items = [
        Incoming(
            ref=f"outage-{n}",
            title=place,
            text=(
                f"Around {n + 2},000 residents of {place} are besieged by armed factions, who "
                f"cut the roads. Aid agencies fear massacres in {place.split(',')[0]}. "
            )
            + " ".join(pool[7 * n : 7 * n + 4]),
        )
        for n, place in enumerate(PLACES[:count])
    ]
    service.intake("inbox", items)
    return service.score_pending()


def _while_down(bench: Bench, down: timedelta, counts: Outage) -> None:
    """Delivery rounds until the outage ends; what users were shown meanwhile."""
    end = bench.clock() + down
    _rounds(bench, end)
    shown = _cli(bench, "--json")
    counts.logged_failures = len(FAILED_LINE.findall(bench.log.getvalue()))
    counts.shown_failing = shown.count(f'"channel": "{EMAIL}", "status": "failed"')
    attempts = _attempts(bench.service.store)
    counts.failed_attempts = sum(not a.ok for a in attempts)
    counts.errors = {a.error for a in attempts if not a.ok}


def _rounds(bench: Bench, until: datetime, until_all: int = 0) -> datetime:
    """A delivery round every STEP of the clock until `until` (or, with `until_all`, until
    that many emails arrived); the clock when the last new email arrived."""
    last = bench.clock()
    while bench.clock() < until:
        before = len(bench.mailbox.messages)
        bench.service.deliver_due()
        if len(bench.mailbox.messages) > before:
            last = bench.clock()
        if until_all and len(bench.mailbox.messages) >= until_all:
            break
        bench.clock.move(seconds=STEP.total_seconds())
    return last


@contextlib.contextmanager
def smtp_back(bench: Bench) -> Iterator[None]:
    """The mail server, up on the bench's port, taking the channel's login."""

    def login(server, session, envelope, mechanism, auth_data) -> AuthResult:  # noqa: ANN001
        ok = isinstance(auth_data, LoginPassword) and auth_data.password.decode() == bench.password
        return AuthResult(success=ok)

    controller = Controller(
        bench.mailbox, hostname="127.0.0.1", port=bench.port,
        authenticator=login, auth_require_tls=False,
    )  # fmt: skip
    controller.start()
    try:
        yield
    finally:
        controller.stop()


def _tally(bench: Bench, counts: Outage) -> None:
    """Emails per alert, and the password wherever users could read it."""
    per_alert = Counter(alert_id for m in bench.mailbox.messages for alert_id in _alert_ids(m))
    counts.received = len(per_alert)
    counts.twice = sum(n > 1 for n in per_alert.values())
    counts.lost = counts.alerts - counts.received
    counts.password_shown = sum(bench.password in text for text in _shown(bench))
    counts.password_in_url = bench.password in bench.config.read_text()


def _alert_ids(envelope) -> list[int]:  # noqa: ANN001 (aiosmtpd's Envelope)
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    body = message.get_body(preferencelist=("html", "plain"))
    return [int(n) for n in SENT_ALERT.findall(body.get_content() if body else "")]


def _shown(bench: Bench) -> list[str]:
    """Every failure text a user sees: the stored errors, `warning deliveries` (table and
    JSON), and the log."""
    store = bench.service.store
    return [
        *(a.error for a in _attempts(store)),
        *(d.error for d in store.deliveries(limit=1000)),
        _cli(bench),
        _cli(bench, "--json"),
        bench.log.getvalue(),
    ]


def _cli(bench: Bench, *options: str) -> str:
    """`warning deliveries` as a duty officer runs it (in this process; the root logger's
    handlers put back after, as the command installs its own)."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        return invoke("deliveries", *options, "--limit", "1000", "-c", str(bench.config)).stdout
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def _attempts(store: Store) -> list[Attempt]:
    """Every attempt at an email delivery."""
    with Session(store.engine) as session:
        query = select(Attempt).join(Delivery).where(Delivery.channel == EMAIL)
        return list(session.exec(query))


def _scraped(store: Store) -> dict[str, float]:
    """/metrics as the web app serves it: the failed email attempts counted, and the
    deliveries owed."""
    text = metrics.exposition(store).decode()
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    failed = (("channel", EMAIL), ("status", "failed"))
    return {
        "failed": samples.get(("warning_deliveries_total", failed), 0.0),
        "owed": samples.get(("warning_deliveries_owed", ()), 0.0),
    }


@contextlib.contextmanager
def no_email_pause() -> Iterator[None]:
    """Apprise waits 5.5 s (real time) between two emails of one sender; not here."""
    saved = NotifyEmail.request_rate_per_sec
    NotifyEmail.request_rate_per_sec = 0
    try:
        yield
    finally:
        NotifyEmail.request_rate_per_sec = saved


@contextlib.contextmanager
def logged() -> Iterator[io.StringIO]:
    """What the service logs meanwhile (level INFO and up), as text."""
    text, root = io.StringIO(), logging.getLogger()
    handler, level = logging.StreamHandler(text), root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield text
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=20, choices=range(1, len(PLACES) + 1))
    parser.add_argument("--minutes", type=float, default=10.0)
    args = parser.parse_args()
    from warning.config import Settings
    from warning.pipeline import build_scorer

    scorer = build_scorer(Settings())
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        counts = smtp_outage(Path(folder), scorer, args.alerts, timedelta(minutes=args.minutes))
        print_counts(counts, time.perf_counter() - started)


def print_counts(counts: Outage, seconds: float) -> None:
    last = counts.last_after.total_seconds() if counts.last_after is not None else None
    print(f"alerts raised while the mail server was down:   {counts.alerts}")
    print(f"failed email attempts recorded while down:      {counts.failed_attempts}")
    print(f"log lines saying an email delivery failed:      {counts.logged_failures}")
    print(f"email deliveries shown failed (deliveries):     {counts.shown_failing}")
    print(f"/metrics warning_deliveries_total{{failed}} added: {counts.metric_failed:.0f}")
    print(f"/metrics warning_deliveries_owed as it ends:    {counts.metric_owed:.0f}")
    print(f"chat messages received while mail was down:     {counts.chat_while_down}")
    print(f"failure texts recorded:                         {sorted(counts.errors)}")
    print(f"alerts received by email after:                 {counts.received}")
    print(f"received twice (target 0):                      {counts.twice}")
    print(f"lost (target 0):                                {counts.lost}")
    print(f"last email after the server came back:          {last} s (injected)")
    print(f"texts shown to users holding the password (0):  {counts.password_shown}")
    print(f"real time: {seconds:.1f} s")


if __name__ == "__main__":
    main()
