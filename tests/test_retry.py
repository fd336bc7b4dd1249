"""The delivery retry policy alone (exact times), and a real SMTP outage of hours driven
through the store's rows (the clock moved by rewriting times, not by sleeping)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import Session, select

from tests.conftest import SEED, write_config
from warning.config import DeliverySettings, Settings, load_settings
from warning.models import Attempt, Delivery, DeliveryStatus, utcnow
from warning.notify import Notifier
from warning.outbox import Outbox
from warning.pipeline import Service
from warning.retry import next_attempt, retry_delay
from warning.score import Scorer
from warning.sources import Incoming
from warning.store import Store
from warning.yamlio import InputError

pytestmark = pytest.mark.both_databases

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
DEFAULTS = DeliverySettings()
HOUR = timedelta(hours=1)


def test_delays_double_from_retry_after_up_to_max_delay() -> None:
    delays = [retry_delay(DEFAULTS, n).total_seconds() for n in range(1, 10)]
    assert delays == [60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]
    assert retry_delay(DEFAULTS, 10**6) == HOUR  # no overflow however long it fails


def test_first_failure_is_retried_after_retry_after() -> None:
    assert next_attempt(DEFAULTS, 1, None, T0) == T0 + timedelta(seconds=60)
    assert next_attempt(DEFAULTS, 3, T0, T0 + timedelta(minutes=3)) == T0 + timedelta(
        minutes=3, seconds=240
    )


def test_an_outage_of_23_hours_still_retries_25_hours_gives_up() -> None:
    # the last wait is cut short so that a try falls exactly 24 h after the first failure
    assert next_attempt(DEFAULTS, 30, T0, T0 + 23 * HOUR) == T0 + 24 * HOUR
    assert next_attempt(DEFAULTS, 30, T0, T0 + 23.5 * HOUR) == T0 + 24 * HOUR
    assert next_attempt(DEFAULTS, 31, T0, T0 + 24 * HOUR) is None
    assert next_attempt(DEFAULTS, 31, T0, T0 + 25 * HOUR) is None


def test_the_schedule_over_a_day_long_outage() -> None:
    """Every try the policy asks for, from the first failure until it gives up."""
    tries, now, failures = [T0], T0, 1
    while (later := next_attempt(DEFAULTS, failures, T0, now)) is not None:
        tries.append(later)
        now, failures = later, failures + 1
    gaps = [(b - a).total_seconds() for a, b in zip(tries, tries[1:], strict=False)]
    assert gaps[:7] == [60, 120, 240, 480, 960, 1920, 3600]
    assert tries[-1] == T0 + 24 * HOUR and max(gaps) == 3600
    assert len(tries) == 30  # 7 tries in the first 63 min, then hourly, the last at 24 h
    assert tries[6] - T0 == timedelta(seconds=3780)


def test_max_attempts_is_an_extra_cap() -> None:
    capped = DeliverySettings(retry_after=1, max_attempts=3)  # what the tests' config says
    assert next_attempt(capped, 2, T0, T0 + timedelta(seconds=1)) == T0 + timedelta(seconds=3)
    assert next_attempt(capped, 3, T0, T0 + timedelta(seconds=3)) is None


def test_a_four_minute_outage_with_retry_after_5s_loses_nothing() -> None:
    """The outage in the issue: retry_after 5s gave up after 3 tries within seconds."""
    quick = DeliverySettings(retry_after=5)
    now, failures = T0, 1
    while now < T0 + timedelta(minutes=4):
        later = next_attempt(quick, failures, T0, now)
        assert later is not None
        now, failures = later, failures + 1
    assert failures == 7  # tries at 0, 5, 15, 35, 75, 155 and 315 s: the last one succeeds


def test_delivery_settings_defaults_and_the_shipped_config() -> None:
    assert (DEFAULTS.retry_after, DEFAULTS.max_delay) == (60, 3600)
    assert (DEFAULTS.give_up_after, DEFAULTS.max_attempts) == (86400, None)
    shipped = load_settings(Path(__file__).parent.parent / "config.yaml").delivery
    assert shipped == DEFAULTS


def test_delivery_settings_refuse_nonsense(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("delivery: {give_up_after: 0s, max_attempts: 0}\n")
    with pytest.raises(InputError) as caught:
        load_settings(path)
    assert caught.value.messages == [
        f"{path}:1:12: delivery.give_up_after: Input should be greater than 0 (got 0.0)",
        f"{path}:1:31: delivery.max_attempts: Input should be greater than or equal to 1 (got 0)",
    ]


def seed_alert(
    folder: Path, scorer: Scorer, channels: dict, delivery: dict
) -> tuple[Path, Settings, Store]:
    """A store in `folder` holding the seed's critical alert, its deliveries pending."""
    config = write_config(folder, channels, delivery=delivery)
    settings = load_settings(config)
    store = Store(settings.database.url)
    service = Service(settings, store, scorer, Notifier(settings))
    service.intake("inbox", [Incoming(ref="seed.txt", title="Syria", text=SEED.read_text())])
    assert service.score_pending()
    return config, settings, store


def outbox(settings: Settings, store: Store) -> Outbox:
    """A fresh notifier each time: Apprise waits about 5 s between two emails of one sender."""
    return Outbox(settings, store, Notifier(settings))


def rewrite(store: Store, delivery_id: int, **values: object) -> None:
    """Move a delivery's clock: set its times (or other columns) directly."""
    with Session(store.engine) as session:
        delivery = session.get(Delivery, delivery_id)
        for name, value in values.items():
            setattr(delivery, name, value)
        session.commit()


def restart(smtp_server) -> Controller:  # noqa: ANN001
    """The outage ends: a new server on the same port, same mailbox."""
    controller = Controller(smtp_server.mailbox, hostname="127.0.0.1", port=smtp_server.port)
    controller.start()
    return controller


def attempts_of(store: Store, delivery_id: int) -> list[Attempt]:
    with Session(store.engine) as session:
        query = select(Attempt).where(Attempt.delivery_id == delivery_id).order_by(Attempt.id)
        return list(session.exec(query))


def test_an_outage_of_five_hours_does_not_give_up_and_the_email_arrives(
    tmp_path: Path,
    scorer,  # noqa: ANN001
    smtp_server,  # noqa: ANN001
) -> None:
    channels = {"duty-email": {"url": smtp_server.url(), "min_severity": "high"}}
    _, settings, store = seed_alert(tmp_path, scorer, channels, delivery={})  # the defaults
    smtp_server.stop()
    for _ in range(8):  # more tries than the old default allowed (6, over 31 minutes)
        assert outbox(settings, store).deliver_due() == (0, 1)
        now = utcnow()
        rewrite(store, 1, failing_since=now - 5 * HOUR, next_attempt_at=now - timedelta(seconds=1))
    failing = store.delivery(1)
    assert failing.status == DeliveryStatus.failed and failing.failures == 8
    assert "refused" in failing.error.lower()
    assert outbox(settings, store).deliver_due() == (0, 1)  # the 9th, then an hour's wait
    waiting = store.delivery(1)
    wait = waiting.next_attempt_at.replace(tzinfo=UTC) - waiting.last_attempt_at.replace(tzinfo=UTC)
    assert wait == HOUR
    controller = restart(smtp_server)
    try:
        rewrite(store, 1, next_attempt_at=utcnow() - timedelta(seconds=1))
        assert outbox(settings, store).deliver_due() == (1, 0)
    finally:
        controller.stop()
    assert len(smtp_server.mailbox.messages) == 1
    sent = store.delivery(1)
    assert (sent.status, sent.attempts, sent.failures, sent.failing_since) == ("sent", 10, 0, None)
    assert [a.ok for a in attempts_of(store, 1)] == [False] * 9 + [True]


def test_a_failure_past_give_up_after_gives_up(tmp_path: Path, scorer, smtp_server) -> None:  # noqa: ANN001
    channels = {"duty-email": {"url": smtp_server.url(), "min_severity": "high"}}
    _, settings, store = seed_alert(tmp_path, scorer, channels, delivery={})
    smtp_server.stop()
    assert outbox(settings, store).deliver_due() == (0, 1)
    rewrite(store, 1, failing_since=utcnow() - 25 * HOUR, next_attempt_at=utcnow())
    assert outbox(settings, store).deliver_due() == (0, 1)
    assert store.delivery(1).status == DeliveryStatus.gave_up
    assert outbox(settings, store).deliver_due() == (0, 0)  # never tried again by itself
