"""Serve an ASGI app with uvicorn in a background thread (used by `warning run` and tests)."""

from __future__ import annotations

import logging
import socket
import threading
import time
from functools import partial

import uvicorn
from fastapi import FastAPI

from warning.config import WebSettings
from warning.web.protocol import HeaderDeadlineProtocol

log = logging.getLogger(__name__)


class WebServer:
    """`app` on `web.host`, `web.port` in a daemon thread, with `web`'s header deadline and
    header size limit; port 0 picks a free port (see `port`)."""

    def __init__(self, app: FastAPI, web: WebSettings):
        self.app = app
        self.web = web
        self.host = web.host
        self.port = web.port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self, timeout: float = 10.0) -> None:
        """Bind, start serving, and return once connections are accepted."""
        if self._thread is not None:
            raise RuntimeError("the web server is already running")
        sock = _bind(self.host, self.port)
        self.port = sock.getsockname()[1]
        protocol = partial(HeaderDeadlineProtocol, header_timeout=self.web.header_timeout)
        config = uvicorn.Config(
            self.app,
            log_config=None,  # keep the service's logging as configured
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=3,
            http=protocol,  # type: ignore[arg-type]  # uvicorn calls it like a class
            h11_max_incomplete_event_size=self.web.max_header_bytes,
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="warning-web", daemon=True
        )
        self._server, self._thread = server, thread
        thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                sock.close()
                raise RuntimeError(f"the web server did not start on {self.url}")
            time.sleep(0.01)
        log.info("web: listening on %s", self.url)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop accepting, finish open requests (up to a few seconds), and join the thread."""
        if self._server is None or self._thread is None:
            return
        self._server.should_exit = True
        self._thread.join(timeout)
        if self._thread.is_alive():
            self._server.force_exit = True
            self._thread.join(timeout)
        self._server = self._thread = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def __enter__(self) -> WebServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on (host, port); raises OSError if it is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family, backlog=2048)
