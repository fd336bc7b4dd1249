"""The API edge against the real server (WebServer on 127.0.0.1, port 0): bounded numbers,
JSON only, header and body deadlines, a client that leaves mid-body, unexpected errors.
Slow and vanishing clients are raw sockets; the deadlines are configured small."""

from __future__ import annotations

import logging
import select
import socket
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import httpx
import pytest

from warning.config import Settings
from warning.sources.base import Incoming, Stored
from warning.web import WebServer, create_app

TOKEN = "t0k3n-abcdefghijklmnop"
AUTH = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
DEADLINE = 0.5  # header_timeout and body_timeout in these tests, seconds
SLACK = 1.5  # how much later than the deadline the server may act
Intake = Callable[[str, Sequence[Incoming]], list[Stored]]


def storing(source: str, reports: Sequence[Incoming]) -> list[Stored]:
    return [Stored(report.ref, n, False) for n, report in enumerate(reports, 1)]


@contextmanager
def serving(intake: Intake = storing, **web: object) -> Iterator[WebServer]:
    web = {"port": 0, "header_timeout": DEADLINE, "body_timeout": DEADLINE, **web}
    source = {"name": "field", "kind": "http", "token": TOKEN}
    config = Settings.model_validate({"sources": [source], "web": web})
    server = WebServer(create_app(config, intake), config.web)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def server() -> Iterator[WebServer]:
    with serving() as server:
        yield server


def head(length: int, content_type: str = "application/json") -> bytes:
    return (
        f"POST /api/reports HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {TOKEN}\r\n"
        f"Content-Type: {content_type}\r\nContent-Length: {length}\r\n\r\n"
    ).encode()


def connect(server: WebServer) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=5)


def trickle(sock: socket.socket, data: bytes, every: float = 0.02) -> tuple[float, bytes, bool]:
    """Send `data` a byte every `every` seconds until the server answers or hangs up, then
    read what it sends: (seconds taken, bytes received, whether it closed the connection)."""
    start = time.monotonic()
    for byte in data:
        if select.select([sock], [], [], every)[0]:
            break
        try:
            sock.sendall(bytes([byte]))
        except OSError:
            break
    received, closed = read_until_closed(sock, timeout=3)
    return time.monotonic() - start, received, closed


def read_until_closed(sock: socket.socket, timeout: float) -> tuple[bytes, bool]:
    sock.settimeout(timeout)
    chunks = []
    try:
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    except TimeoutError:
        return b"".join(chunks), False
    except ConnectionResetError:
        pass
    return b"".join(chunks), True


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('{"text": 1%s}' % ("0" * 4300), "text: invalid JSON: integer of 4301 digits"),
        (
            '[{"text": "fine"}, {"text": "fine", "title": -%s}]' % ("9" * 4301),
            "item 2: title: invalid JSON: integer of 4301 digits",
        ),
        ('{"text": "fine", "url": 1e999}', "url: invalid JSON: number out of range (1e999)"),
        ('{"text": NaN}', "text: invalid JSON: NaN is not a JSON number"),
        ("[%s]" % ("7" * 5000), "item 1: invalid JSON: integer of 5000 digits"),
    ],
)
def test_absurd_numbers_are_422_naming_item_and_field(
    server: WebServer, body: str, expected: str
) -> None:
    response = httpx.post(f"{server.url}/api/reports", content=body, headers=AUTH)
    assert response.status_code == 422
    assert response.json() == {"error": expected}


@pytest.mark.parametrize(
    ("content_type", "status"),
    [
        ("text/plain", 415),
        ("application/x-www-form-urlencoded", 415),
        ("application/json; charset=latin-1", 415),
        (None, 415),
        ("application/json; charset=UTF-8", 202),
        ("application/vnd.api+json", 202),
    ],
)
def test_only_json_is_taken(server: WebServer, content_type: str | None, status: int) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    if content_type:
        headers["Content-Type"] = content_type
    response = httpx.post(f"{server.url}/api/reports", content=b'{"text": "t"}', headers=headers)
    assert response.status_code == status
    if status == 415:
        assert "JSON" in response.json()["error"]


def test_slow_body_is_408_within_the_bound(server: WebServer) -> None:
    body = b'{"text": "' + b"x" * 990 + b'"}'
    with connect(server) as sock:
        sock.sendall(head(len(body)))
        seconds, answer, closed = trickle(sock, body)
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert b"did not arrive within 0.5s" in answer
    assert closed and DEADLINE * 0.8 < seconds < DEADLINE + SLACK


def test_trickled_headers_close_the_connection(server: WebServer) -> None:
    with connect(server) as sock:
        seconds, answer, closed = trickle(sock, head(0).rstrip(b"\r\n") + b"a" * 300)
    assert closed and answer == b""
    assert DEADLINE * 0.8 < seconds < DEADLINE + SLACK


def test_trickled_headers_after_a_kept_alive_request_close_the_connection(
    server: WebServer,
) -> None:
    with connect(server) as sock:
        sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: test\r\n\r\n")
        answer = b""
        while not answer.endswith(b'{"status":"ok"}'):
            answer += sock.recv(65536)
        seconds, answer, closed = trickle(sock, b"GET /api/health HTTP/1.1\r\n" + b"X" * 300)
    assert closed and answer == b""
    assert seconds < DEADLINE + SLACK


@pytest.mark.parametrize("split", [True, False])
def test_headers_over_the_limit_are_refused(split: bool) -> None:
    """Sent in two parts, the server refuses the head while still incomplete (400); sent
    whole in one read, the app refuses it (431)."""
    request = head(2).replace(b"Host: test", b"Host: test\r\nX-Pad: " + b"a" * 4096) + b"{}"
    with serving(max_header_bytes=2048) as server, connect(server) as sock:
        if split:
            sock.sendall(request[:3000])
            time.sleep(0.1)
        sock.sendall(request[3000:] if split else request)
        answer, closed = read_until_closed(sock, timeout=3)
    assert answer.startswith(b"HTTP/1.1 400 " if split else b"HTTP/1.1 431 ") and closed


def test_disconnect_mid_body_is_one_log_line(
    server: WebServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    caplog.clear()
    with connect(server) as sock:
        sock.sendall(head(100) + b'{"text": "')
        time.sleep(0.1)
    deadline = time.monotonic() + 3
    while not caplog.records and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.2)  # anything else logged about it would be here by now
    [record] = caplog.records
    assert record.name == "warning.web.app" and record.levelno == logging.INFO
    assert record.getMessage() == "source field: the client left before sending the whole body"
    assert record.exc_info is None and "Traceback" not in caplog.text


def test_unexpected_error_is_500_with_one_redacted_line(caplog: pytest.LogCaptureFixture) -> None:
    def broken(source: str, reports: Sequence[Incoming]) -> list[Stored]:
        return None  # type: ignore[return-value]  # a bug: the endpoint cannot count it

    with serving(broken) as server:
        caplog.set_level(logging.INFO)
        caplog.clear()
        response = httpx.post(
            f"{server.url}/api/reports", json={"text": f"a report quoting {TOKEN}"}, headers=AUTH
        )
        time.sleep(0.1)
    assert response.status_code == 500
    assert response.json() == {"error": "the reports could not be stored"}
    errors = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.name for r in errors] == ["warning.web.app"]
    assert errors[0].getMessage().startswith("source field: posted reports failed: TypeError:")
    assert errors[0].exc_info is None and "Traceback" not in caplog.text
    assert TOKEN not in caplog.text
