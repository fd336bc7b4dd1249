"""Politeness towards the sites we poll: at most `per_host` polls of one host at once. A
poll that finds its host's slots taken does not wait (it would hold a thread of the polling
pool that another host's feed could use): it is tried again a moment later."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class HostSlots:
    def __init__(self, per_host: int):
        self.per_host = per_host
        self._guard = threading.Lock()
        self._slots: dict[str, threading.BoundedSemaphore] = {}

    @contextmanager
    def slot(self, host: str) -> Iterator[bool]:
        """True while this caller holds one of `host`'s slots; False (at once) when they
        are all taken. No host (a folder): always True."""
        if not host:
            yield True
            return
        with self._guard:
            slots = self._slots.setdefault(host, threading.BoundedSemaphore(self.per_host))
        held = slots.acquire(blocking=False)
        try:
            yield held
        finally:
            if held:
                slots.release()
