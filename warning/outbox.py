"""Sending deliveries and recording each attempt: those due (the daemon's round) and those
re-queued by hand (`warning deliveries retry`). Either way a delivery is leased first, so
no other worker sends it too, and goes through the same `attempt`."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from warning.config import Settings
from warning.models import Delivery, DeliveryStatus, utcnow
from warning.notify import Notifier
from warning.retry import next_attempt
from warning.store import Store
from warning.times import as_utc

log = logging.getLogger(__name__)
CLAIM_BATCH = 10  # at ~5.5 s per email (Apprise's throttle), 55 s: well inside the lease


class Outbox:
    def __init__(self, settings: Settings, store: Store, notifier: Notifier):
        self.settings = settings
        self.store = store
        self.notifier = notifier

    @property
    def lease(self) -> timedelta:
        """How long a claimed delivery is ours: ample for one send with its time-out."""
        return timedelta(seconds=self.settings.delivery.timeout * 4)

    def deliver_due(self) -> tuple[int, int]:
        """Try every delivery that is due, claimed CLAIM_BATCH at a time (just before they
        are sent, so no lease runs out while Apprise waits between emails and another
        worker takes them over); returns (sent, failed). Each outcome is recorded. A tried
        delivery is sent, due later or gave up, so the loop ends."""
        tried: list[Delivery] = []
        while batch := self.store.claim_due_deliveries(self.lease, CLAIM_BATCH):
            tried.extend(self.attempt(d) for d in batch)
        sent = sum(d.status == DeliveryStatus.sent for d in tried)
        return sent, len(tried) - sent

    def retry(
        self, delivery_id: int | None = None, since: datetime | None = None
    ) -> list[Delivery]:
        """Send again now: delivery `delivery_id` (unless it was sent), else every delivery
        that gave up (since `since`), leased a few at a time so that no lease runs out while
        Apprise waits between two emails. Returns them as recorded; one another worker is
        sending is left out."""
        tried: list[Delivery] = []
        while batch := self.store.requeue(
            self.lease, delivery_id, since, tried[-1].id if tried else 0
        ):
            tried.extend(self.attempt(d) for d in batch)
        return tried

    def attempt(self, delivery: Delivery) -> Delivery:
        """Send one claimed delivery and record the outcome, with the next try if it failed."""
        alert = self.store.alert(delivery.alert_id)
        error = self.notifier.send(delivery.channel, alert) if alert else "alert not found"
        now, retry_at = utcnow(), None
        if error:
            since = as_utc(delivery.failing_since) if delivery.failing_since else None
            retry_at = next_attempt(self.settings.delivery, delivery.failures + 1, since, now)
        recorded = self.store.record_attempt(delivery, error, retry_at, now)
        _log_attempt(recorded)
        return recorded


def _log_attempt(delivery: Delivery) -> None:
    where = f"delivery #{delivery.id} of alert #{delivery.alert_id} to {delivery.channel}"
    if delivery.status == DeliveryStatus.sent:
        log.info("alert #%d sent to %s", delivery.alert_id, delivery.channel)
    elif delivery.status == DeliveryStatus.failed:
        log.error(
            "%s failed (attempt %d; next try %s): %s",
            where,
            delivery.attempts,
            as_utc(delivery.next_attempt_at).isoformat(timespec="seconds"),
            delivery.error,
        )
    else:
        log.error(
            "%s gave up after %d failures in a row (`warning deliveries retry %d` sends it "
            "again): %s",
            where,
            delivery.failures,
            delivery.id,
            delivery.error,
        )
