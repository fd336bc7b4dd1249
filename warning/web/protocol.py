"""uvicorn's h11 protocol with a deadline for each request's line and headers.

uvicorn bounds the header size (`h11_max_incomplete_event_size`) and the idle time
between requests (`timeout_keep_alive`), but not the time a client may take to send its
headers: one that trickles a byte every few seconds (slowloris) holds its connection for
ever. This subclass arms a timer when the connection opens, and again when the first byte
of a later request arrives, and closes the connection if the headers are not complete
when it fires. The body's own deadline is the app's (`WebSettings.body_timeout`).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger(__name__)


class HeaderDeadlineProtocol(H11Protocol):
    """H11Protocol that closes a connection whose request headers take over `header_timeout`
    seconds; pass it to `uvicorn.Config(http=partial(HeaderDeadlineProtocol, header_timeout=…))`."""

    def __init__(self, *args: Any, header_timeout: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout = header_timeout
        self.header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self.conn.their_state is h11.IDLE:  # bytes of a request whose headers are not in
            self._arm()
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:  # headers complete (or a protocol error)
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        if self.header_timer is None:
            self.header_timer = self.loop.call_later(self.header_timeout, self._expired)

    def _disarm(self) -> None:
        if self.header_timer is not None:
            self.header_timer.cancel()
            self.header_timer = None

    def _expired(self) -> None:
        self.header_timer = None
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        client = "{}:{}".format(*self.client) if self.client else "a client"
        log.info(
            "web: closed the connection from %s: request headers not complete within %gs",
            client,
            self.header_timeout,
        )
        self.transport.close()
