"""When a failed delivery is tried again. Pure: the caller reads the delivery and the clock.

The wait doubles from `retry_after` with each failure in a row, up to `max_delay`; the
delivery gives up at the first failure `give_up_after` or more after its first one (the
last wait is cut short so that a try falls exactly then), or at `max_attempts` failures in a
row when that cap is set. With the defaults (60 s doubling to 1 h, for 24 h) an outage of
up to a day loses nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from warning.config import DeliverySettings

MAX_DOUBLINGS = 64  # beyond this the delay is max_delay anyway; keeps 2**n a small float


def retry_delay(settings: DeliverySettings, failures: int) -> timedelta:
    """The wait after the `failures`-th failure in a row (1: the first)."""
    doublings = min(max(failures - 1, 0), MAX_DOUBLINGS)
    return timedelta(seconds=min(settings.retry_after * 2.0**doublings, settings.max_delay))


def next_attempt(
    settings: DeliverySettings, failures: int, failing_since: datetime | None, now: datetime
) -> datetime | None:
    """After the `failures`-th failed attempt in a row, made at `now`, the first of them at
    `failing_since` (None: this is the first), when to try again; None: give up."""
    if settings.max_attempts is not None and failures >= settings.max_attempts:
        return None
    deadline = (failing_since or now) + timedelta(seconds=settings.give_up_after)
    if now >= deadline:
        return None
    return min(now + retry_delay(settings, failures), deadline)
