"""What the benchmarks that start `warning run` share: a free local port, and waiting for
the daemon's /healthz to say it is up."""

from __future__ import annotations

import socket
import time

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(port: int, timeout: float = 120) -> None:
    """Until the daemon on 127.0.0.1:`port` answers /healthz with 200 (it loads its scorer
    first: seconds); SystemExit after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the daemon on port {port} never became healthy")
