"""`warning deliveries [retry]` in-process, against a real SMTP server and a SQLite file."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.test_retry import attempts_of, outbox, restart, rewrite, seed_alert
from warning.cli import app
from warning.models import Delivery, DeliveryStatus, utcnow

pytestmark = pytest.mark.both_databases

DAY = timedelta(days=1)


def cli(*args: str):  # noqa: ANN201
    return CliRunner().invoke(app, list(args))


def _gave_up(folder: Path, scorer, smtp_server, channels: list[str]):  # noqa: ANN001, ANN202
    """The seed's alert owed to `channels`, each of which gave up while SMTP was down; the
    server is back (the caller stops the returned controller)."""
    wanted = {name: {"url": smtp_server.url(f"{name}@example.org")} for name in channels}
    config, settings, store = seed_alert(folder, scorer, wanted, delivery={"max_attempts": 1})
    smtp_server.stop()
    assert outbox(settings, store).deliver_due() == (0, len(channels))
    assert {d.status for d in store.deliveries()} == {DeliveryStatus.gave_up}
    return config, store, restart(smtp_server)


def _listed(config: Path, *args: str) -> list[dict]:
    result = cli("deliveries", "--json", *args, "--config", str(config))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_retry_gave_up_sends_again_once_smtp_is_back(tmp_path: Path, scorer, smtp_server) -> None:  # noqa: ANN001
    config, store, controller = _gave_up(tmp_path, scorer, smtp_server, ["duty"])
    try:
        [row] = _listed(config, "--status", "gave_up")
        assert (row["id"], row["alert_id"], row["channel"], row["attempts"]) == (1, 1, "duty", 1)
        assert "refused" in row["error"].lower() and row["next_attempt_at"] is None
        table = cli("deliveries", "--config", str(config))
        assert table.exit_code == 0 and "│ 1 │ #1    │ duty    │ gave_up │" in table.stdout
        result = cli("deliveries", "retry", "--gave-up", "--config", str(config))
    finally:
        controller.stop()
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "delivery #1 (alert #1 to duty): sent"
    assert [m.rcpt_tos for m in smtp_server.mailbox.messages] == [["duty@example.org"]]
    assert store.delivery(1).status == DeliveryStatus.sent
    assert [a.ok for a in attempts_of(store, 1)] == [False, True]
    assert _listed(config, "--status", "gave_up") == []
    again = cli("deliveries", "retry", "--gave-up", "--config", str(config))
    assert again.exit_code == 0 and again.stdout.strip() == "no delivery gave up"


def test_retry_id_of_a_sent_delivery_is_refused(tmp_path: Path, scorer, smtp_server) -> None:  # noqa: ANN001
    channels = {"duty": {"url": smtp_server.url(), "min_severity": "high"}}
    config, settings, store = seed_alert(tmp_path, scorer, channels, delivery={})
    assert outbox(settings, store).deliver_due() == (1, 0)
    result = cli("deliveries", "retry", "1", "--config", str(config))
    assert result.exit_code == 1
    assert "delivery #1 was sent to duty at " in result.stderr
    assert result.stderr.rstrip().endswith(": not sent again")
    assert len(smtp_server.mailbox.messages) == 1 and len(attempts_of(store, 1)) == 1
    missing = cli("deliveries", "retry", "7", "--config", str(config))
    assert missing.exit_code == 1 and missing.stderr.strip() == "no delivery #7"


def test_retry_id_sends_a_failing_delivery_now(tmp_path: Path, scorer, smtp_server) -> None:  # noqa: ANN001
    channels = {"duty": {"url": smtp_server.url(), "min_severity": "high"}}
    config, settings, store = seed_alert(tmp_path, scorer, channels, delivery={})
    smtp_server.stop()
    assert outbox(settings, store).deliver_due() == (0, 1)
    [row] = _listed(config)
    assert row["status"] == "failed" and row["next_attempt_at"] > utcnow().isoformat()
    down = cli("deliveries", "retry", "1", "--config", str(config))
    assert down.exit_code == 1
    assert down.stdout.startswith("delivery #1 (alert #1 to duty): failed, next try 20")
    assert store.delivery(1).failures == 1  # a re-queued delivery starts a new failing spell
    controller = restart(smtp_server)
    try:
        result = cli("deliveries", "retry", "1", "--config", str(config))
    finally:
        controller.stop()
    assert result.exit_code == 0, result.output
    assert len(smtp_server.mailbox.messages) == 1
    assert [a.ok for a in attempts_of(store, 1)] == [False, False, True]


def test_since_picks_what_gave_up_since_then(tmp_path: Path, scorer, smtp_server) -> None:  # noqa: ANN001
    config, store, controller = _gave_up(tmp_path, scorer, smtp_server, ["duty", "ops"])
    ops = next(d for d in store.deliveries() if d.channel == "ops")
    rewrite(store, ops.id, last_attempt_at=utcnow() - 3 * DAY)
    try:
        recent = cli("deliveries", "retry", "--gave-up", "--since", "24h", "-c", str(config))
        assert recent.exit_code == 0, recent.output
        assert "to duty): sent" in recent.stdout and "ops" not in recent.stdout
        assert store.delivery(ops.id).status == DeliveryStatus.gave_up
        moment = (utcnow() - 4 * DAY).date().isoformat()
        older = cli("deliveries", "retry", "--gave-up", "--since", moment, "-c", str(config))
        assert older.exit_code == 0, older.output
        assert older.stdout.strip() == f"delivery #{ops.id} (alert #1 to ops): sent"
    finally:
        controller.stop()
    assert sorted(m.rcpt_tos[0] for m in smtp_server.mailbox.messages) == [
        "duty@example.org",
        "ops@example.org",
    ]


def test_a_delivery_another_worker_is_sending_is_left_alone(
    tmp_path: Path,
    scorer,  # noqa: ANN001
    smtp_server,  # noqa: ANN001
) -> None:
    config, store, controller = _gave_up(tmp_path, scorer, smtp_server, ["duty"])
    try:
        rewrite(store, 1, status="sending", claimed_until=utcnow() + timedelta(minutes=2))
        busy = cli("deliveries", "retry", "1", "--config", str(config))
        assert busy.exit_code == 1
        assert busy.stderr.strip() == "delivery #1 is being sent by another worker right now"
        rewrite(store, 1, status="gave_up", claimed_until=None)
        requeued = store.requeue(timedelta(minutes=2), delivery_id=1)
        assert [d.status for d in requeued] == [DeliveryStatus.sending]
        assert store.claim_next(timedelta(minutes=2)) == []  # the daemon waits
    finally:
        controller.stop()
    assert smtp_server.mailbox.messages == []


def test_requeue_claims_one_at_a_time(tmp_path: Path, scorer, smtp_server) -> None:  # noqa: ANN001
    """Each re-sent delivery is claimed alone, right before it is sent: a crash loses at
    most the one being sent, never a batch under one lease."""
    _, store, controller = _gave_up(tmp_path, scorer, smtp_server, ["a", "b", "c"])
    controller.stop()
    lease = timedelta(minutes=2)
    assert [d.id for d in store.requeue(lease)] == [1]
    assert [d.id for d in store.requeue(lease, after=1)] == [2]
    assert [d.id for d in store.requeue(lease, after=2)] == [3]
    assert store.requeue(lease, after=3) == []
    assert {d.status for d in store.deliveries()} == {DeliveryStatus.sending}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give either a delivery ID or --gave-up"),
        (["1", "--gave-up"], "give either a delivery ID or --gave-up"),
        (["1", "--since", "24h"], "give either a delivery ID or --gave-up"),
        (["--gave-up", "--since", "soon"], "--since: not a date, time or duration: 'soon'"),
    ],
)
def test_retry_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    result = cli("deliveries", "retry", *args, "--config", str(tmp_path / "none.yaml"))
    assert result.exit_code == 2 and result.stderr.startswith(message)


def test_due_deliveries_are_claimed_one_at_a_time(tmp_path: Path, scorer, smtp_server) -> None:  # noqa: ANN001
    """A backlog is claimed one delivery at a time, each just before it is sent, so a
    lease never runs out under Apprise's wait between emails, no other worker sends the
    same alert, and a crash interrupts at most one send; every delivery goes out once."""
    names = [f"c{i:02d}" for i in range(5)]
    wanted = {name: {"url": smtp_server.url(f"{name}@example.org")} for name in names}
    _, settings, store = seed_alert(tmp_path, scorer, wanted, delivery={})
    claimed: list[str | None] = []
    claim = store.claim_next

    def recording(lease: timedelta, now: datetime, flush: bool) -> list[Delivery]:
        deliveries = claim(lease, now, flush)
        # the one claimed is the only delivery marked sending: nothing else is held
        held = [d.channel for d in store.deliveries() if d.status == DeliveryStatus.sending]
        assert held == [d.channel for d in deliveries] and len(held) <= 1
        claimed.append(deliveries[0].channel if deliveries else None)
        return deliveries

    store.claim_next = recording  # type: ignore[method-assign]
    assert outbox(settings, store).deliver_due() == (len(names), 0)
    assert claimed == [*names, None]
    assert sorted(m.rcpt_tos[0] for m in smtp_server.mailbox.messages) == [
        f"{name}@example.org" for name in names
    ]
