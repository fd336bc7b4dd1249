"""Sending deliveries and recording each attempt: those due (the daemon's round) and those
re-queued by hand (`warning deliveries retry`). At most once: each delivery is claimed
alone, marked `sending` in a committed step right before it is sent, and its outcome is
recorded right after; one left `sending` by a worker that died mid-send is marked
`unknown` (it may or may not have arrived) and not sent again unless its channel is
`idempotent` or an admin says `warning deliveries retry ID`."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from warning import metrics
from warning.config import Settings
from warning.donoharm import public
from warning.lifecycle import Kind, acked_before_sent, follow_ups
from warning.models import Delivery, DeliveryStatus, utcnow
from warning.notify import Item, Notifier
from warning.retry import next_attempt
from warning.store import Store
from warning.times import as_utc

log = logging.getLogger(__name__)
FOLLOW_UP_EVERY = timedelta(seconds=15)


class Outbox:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        notifier: Notifier,
        clock: Callable[[], datetime] = utcnow,
    ):
        self.settings = settings
        self.store = store
        self.notifier = notifier
        self.clock = clock
        self.followed_up: datetime | None = None  # when repeats and escalations were last decided

    @property
    def lease(self) -> timedelta:
        """How long a claimed delivery is ours: ample for one send with its time-out."""
        return timedelta(seconds=self.settings.delivery.timeout * 4)

    def deliver_due(self, flush: bool = False) -> tuple[int, int]:
        """Mark what a dead worker left mid-send, add the repeats and escalations now due,
        then send every delivery that is due (with `flush`, also those held only to collect
        their group: `run --once`), one group claimed at a time; returns (sent, failed). A
        tried delivery is sent, due later or gave up, so the loop ends."""
        resend = frozenset(n for n, c in self.settings.channels.items() if c.idempotent)
        for delivery in self.store.mark_interrupted(resend):
            log.error(
                "delivery #%d of alert #%d to %s: %s",
                delivery.id, delivery.alert_id, delivery.channel, delivery.error,
            )  # fmt: skip
        self.follow_up()
        tried: list[Delivery] = []
        while claimed := self.store.claim_next(self.lease, self.clock(), flush):
            tried.extend(self.send(claimed))
        sent = sum(d.status == DeliveryStatus.sent for d in tried)
        failed = sum(d.status in (DeliveryStatus.failed, DeliveryStatus.gave_up) for d in tried)
        return sent, failed

    def follow_up(self) -> None:
        """Repeats of firing alerts nobody acknowledged, and escalations (warning/lifecycle.py),
        decided at most every FOLLOW_UP_EVERY (they are due minutes or hours apart; reading
        every firing alert at each 1-s delivery round was the daemon's busiest query)."""
        now = self.clock()
        if self.followed_up is not None and now - self.followed_up < FOLLOW_UP_EVERY:
            return
        self.followed_up = now
        with self.store.try_lock("follow-ups") as alone:  # one instance decides them
            if not alone:
                return
            sent, owed, escalated = self.store.firing(
                now - timedelta(seconds=self.settings.events.window)
            )
            due = follow_ups(sent, self.settings.route_tree.by_path(), owed, escalated, now)
            if due:
                self.store.add_follow_ups(due, now)
                for f in due:
                    log.info("alert #%d: %s to %s", f.alert_id, f.kind.value, f.channel)

    def retry(
        self, delivery_id: int | None = None, since: datetime | None = None
    ) -> list[Delivery]:
        """Send again now: delivery `delivery_id` (unless it was sent or is being sent), else
        every delivery that gave up (since `since`), each claimed alone right before it is
        sent. Returns them as recorded."""
        tried: list[Delivery] = []
        while batch := self.store.requeue(
            self.lease, delivery_id, since, tried[-1].id if tried else 0
        ):
            tried.extend(self.attempt(d) for d in batch)
        return tried

    def attempt(self, delivery: Delivery) -> Delivery:
        """Send one claimed delivery on its own and record the outcome."""
        return self.send([delivery])[0]

    def send(self, claimed: list[Delivery]) -> list[Delivery]:
        """Send claimed deliveries of one channel and group as one message (those a silence
        or an acknowledgement made moot set aside) and record the outcome of each, with the
        next try if it failed."""
        done: list[Delivery] = []
        items: list[tuple[Delivery, Item]] = []
        for delivery in claimed:
            item, why = self._item(delivery)
            if item is None:
                done.append(why)
            else:
                items.append((delivery, item))
        if not items:
            return done
        first = items[0][0]
        digest = first.kind == Kind.digest
        error = self.notifier.send_items(first.channel, [i for _, i in items], digest)
        now = self.clock()
        for delivery, _ in items:
            retry_at = None
            if error:
                since = as_utc(delivery.failing_since) if delivery.failing_since else None
                retry_at = next_attempt(self.settings.delivery, delivery.failures + 1, since, now)
            recorded = self.store.record_attempt(delivery, error, retry_at, now)
            metrics.DELIVERIES.labels(recorded.channel, recorded.status).inc()
            _log_attempt(recorded)
            done.append(recorded)
        return done

    def _item(self, delivery: Delivery) -> tuple[Item | None, Delivery]:
        """What the message says about a delivery's alert, or None and the delivery as set
        aside (silenced now, or a repeat or escalation of an acknowledged alert)."""
        alert = self.store.alert(delivery.alert_id)
        if alert is None:
            return Item(None, None, delivery.kind, delivery.note), delivery
        silence = self.store.silenced_now(alert)
        if silence is not None:
            return None, self.store.record_silenced(delivery, silence)
        if alert.acked_at is not None and delivery.kind in (Kind.repeat, Kind.escalation):
            return None, self.store.record_cancelled(delivery, acked_before_sent(alert.acked_by))
        report = self.store.report(alert.report_id)
        if delivery.redact == "public":
            alert, report = public(alert, report)
        return Item(alert, report, delivery.kind, delivery.note), delivery


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


class SendingMeanwhile:
    """Sends what is due, every `every` seconds on a thread of its own, while `warning run`
    loads its rules, classifier and gazetteer (several seconds): after a restart, messages
    already decided go out at once. Stopped (and joined) when the daemon's own sending
    worker takes over."""

    def __init__(self, settings: Settings, every: float = 1.0):
        self.outbox = Outbox(settings, Store(settings.database.url), Notifier(settings))
        self.every = every
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="sending-meanwhile", daemon=True)

    def __enter__(self) -> SendingMeanwhile:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.thread.join()

    def _loop(self) -> None:
        while not self.stopping.is_set():
            try:
                self.outbox.deliver_due()
            except Exception:  # by design: the daemon's worker will try again
                log.exception("delivery run failed")
            self.stopping.wait(self.every)
