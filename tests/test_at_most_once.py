"""Delivery at most once across crashes (warning/outbox.py): each delivery is claimed alone,
marked `sending` before it is sent and recorded after; a send a crash interrupted becomes
`unknown`, never a second message. Against a real HTTP server and a real daemon killed
with SIGKILL, some kills landing after the server got a message and before its answer."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import threading
import time
from collections import Counter
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlmodel import Session, select

from tests.conftest import SEED, free_port, start_daemon, write_config
from warning.config import load_settings
from warning.models import Alert, Delivery, DeliveryStatus, Report, utcnow
from warning.store import INTERRUPTED, Store

pytestmark = pytest.mark.both_databases

ALERTS = 50
KILLS = 20
TITLE = re.compile(r"ALERT-\d{4}")


class Receiver:
    """A Mattermost-style webhook on 127.0.0.1 that counts each alert per channel; when
    armed, it kills the daemon after reading a message and before answering."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: Counter[tuple[str, str]] = Counter()
        self.lock = threading.Lock()
        self.kill_pid: int | None = None  # armed: kill this process on the next message
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                title = TITLE.search(json.loads(body)["text"]).group(0)
                with receiver.lock:
                    receiver.received[(self.path.rsplit("/", 1)[-1], title)] += 1
                    pid, receiver.kill_pid = receiver.kill_pid, None
                if pid is not None:
                    os.kill(pid, signal.SIGKILL)  # it arrived; the sender never hears so
                time.sleep(0.02)
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def total(self) -> int:
        with self.lock:
            return sum(self.received.values())


def _fill(store: Store, assessment: str) -> None:
    """ALERTS alerts, each owed to channels a and b."""
    with Session(store.engine) as session:
        for i in range(ALERTS):
            report = Report(
                source="inbox", title=f"ALERT-{i:04d}", text=f"r{i}", content_hash=f"h{i}"
            )
            session.add(report)
            session.flush()
            alert = Alert(
                report_id=report.id, severity="critical", severity_rank=4, place="Syria",
                title=f"ALERT-{i:04d}", signals="siege", assessment=assessment,
            )  # fmt: skip
            session.add(alert)
            session.flush()
            session.add_all(Delivery(alert_id=alert.id, channel=c) for c in ("a", "b"))
        session.commit()


def _settled(store: Store) -> bool:
    return all(
        d.status in (DeliveryStatus.sent, DeliveryStatus.unknown)
        for d in store.deliveries(limit=1000)
    )


def test_kill_the_daemon_at_20_moments_nothing_twice_nothing_lost(
    tmp_path: Path,
    scorer,  # noqa: ANN001
) -> None:
    rng = random.Random(20261206)
    receiver = Receiver()
    channels = {c: {"url": f"mmost://127.0.0.1:{receiver.port}/{c}"} for c in ("a", "b")}
    config = write_config(tmp_path, channels, delivery={"timeout": "1s"}, reload={"enabled": False})
    store = Store(load_settings(config).database.url)
    _fill(store, json.dumps(scorer.score(SEED.read_text()).to_json()))
    try:
        for kill in range(KILLS):
            daemon = start_daemon(config)
            before = receiver.total()
            deadline = time.monotonic() + 60
            if kill % 2 == 0:  # inside a send: after the server read it, before its answer
                receiver.kill_pid = daemon.pid
                while daemon.poll() is None and time.monotonic() < deadline:
                    time.sleep(0.05)
                receiver.kill_pid = None
            else:  # at a random moment while it sends
                while receiver.total() == before and time.monotonic() < deadline:
                    time.sleep(0.02)
                time.sleep(rng.uniform(0, 0.3))
                daemon.send_signal(signal.SIGKILL)
            daemon.wait(timeout=30)
            assert receiver.total() < 2 * ALERTS, "every alert was sent before the kills ended"
        daemon = start_daemon(config)
        deadline = time.monotonic() + 90
        while not _settled(store) and time.monotonic() < deadline:
            time.sleep(0.5)
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=60)
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()
    deliveries = store.deliveries(limit=1000)
    assert len(deliveries) == 2 * ALERTS
    assert max(receiver.received.values()) == 1  # no message received twice
    titles = {a.id: a.title for a in _alerts(store)}
    unknown = 0
    for d in deliveries:
        got = receiver.received[(d.channel, titles[d.alert_id])]
        if d.status == DeliveryStatus.sent:
            assert got == 1
        else:  # none lost: the rest is visible as unknown, with the reason
            assert d.status == DeliveryStatus.unknown and d.error == INTERRUPTED, d
            unknown += 1
    assert 0 < unknown <= KILLS  # the kills inside a send each left one
    assert sum(receiver.received.values()) >= 2 * ALERTS - unknown


def _alerts(store: Store) -> list[Alert]:
    with Session(store.engine) as session:
        return list(session.exec(select(Alert)))


def test_a_send_left_sending_by_a_dead_worker_becomes_unknown_or_is_resent_if_idempotent(
    tmp_path: Path,
    scorer,  # noqa: ANN001
) -> None:
    channels = {
        "a": {"url": "json://127.0.0.1:9/a"},
        "b": {"url": "json://127.0.0.1:9/b", "idempotent": True},
    }
    store = Store(load_settings(write_config(tmp_path, channels)).database.url)
    _fill(store, json.dumps(scorer.score(SEED.read_text()).to_json()))
    lease = timedelta(seconds=30)
    (first,), (second,) = store.claim_next(lease), store.claim_next(lease)
    assert (first.status, second.status) == (DeliveryStatus.sending, DeliveryStatus.sending)
    assert store.mark_interrupted(frozenset({"b"})) == []  # their leases still run
    with Session(store.engine) as session:
        for d in session.exec(select(Delivery).where(Delivery.status == "sending")):
            d.claimed_until = utcnow() - timedelta(seconds=1)  # the worker died a while ago
        session.commit()
    marked = {d.channel: d for d in store.mark_interrupted(frozenset({"b"}))}
    assert marked["a"].status == DeliveryStatus.unknown and marked["a"].error == INTERRUPTED
    assert marked["b"].status == DeliveryStatus.failed  # idempotent: due again now
    assert [d.id for d in store.claim_next(lease)] == [marked["b"].id]
    assert store.delivery(marked["a"].id).status == DeliveryStatus.unknown  # never by itself
