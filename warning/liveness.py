"""Is the daemon's scheduler still running its jobs? A job on a worker of its own beats
every BEAT seconds; /healthz reports the age of the last beat, and calls the scheduler
stalled when it passes STALE (the thread died, or the process is starved)."""

from __future__ import annotations

import time
from collections.abc import Callable

BEAT = 5.0  # seconds between beats
STALE = 30.0  # no beat for this long: stalled


class Heartbeat:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.last: float | None = None

    def beat(self) -> None:
        self.last = self.clock()

    def age(self) -> float | None:
        """Seconds since the last beat; None before the first."""
        return None if self.last is None else self.clock() - self.last

    def state(self) -> str:
        """ "alive", "stalled", or "starting" (no beat yet)."""
        age = self.age()
        return "starting" if age is None else "alive" if age <= STALE else "stalled"
