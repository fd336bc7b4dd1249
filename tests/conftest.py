"""Shared fixtures: real servers on 127.0.0.1 (SMTP, HTTP), the seed, and a CLI runner."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

DATA = Path(__file__).parent / "data"
SEED = DATA / "seed_syria_2024.txt"
REPO = Path(__file__).parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session", autouse=True)
def cache_dir(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """One classifier cache for the whole run, shared by pytest-xdist's workers (the models
    in it are written atomically, named by what they were trained on)."""
    root = tmp_path_factory.getbasetemp()
    path = (root if worker_id == "master" else root.parent) / "cache"
    path.mkdir(exist_ok=True)
    os.environ["XDG_CACHE_HOME"] = str(path)
    return path


def trimmed_examples(folder: Path, keep: int = 60) -> Path:
    """The shipped classifier examples, each file cut to its first `keep` lines, with no
    thresholds or card: for tests of how the classifier is trained, cached and evaluated,
    not how well (the whole set takes a minute to cross-validate on a busy machine)."""
    from warning.classifier import SHIPPED

    folder.mkdir()
    for source in SHIPPED.glob("*.txt"):
        lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
        (folder / source.name).write_text("".join(lines[:keep]), encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def scorer(cache_dir: Path):  # noqa: ANN201
    from warning.config import Settings
    from warning.scorer_factory import build_scorer

    with (cache_dir / "scorer.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one worker trains the shipped model, the rest load it
        return build_scorer(Settings())


@dataclass
class Mailbox:
    messages: list = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802, ANN001, ANN201 (aiosmtpd API)
        self.messages.append(envelope)
        return "250 Message accepted"


@dataclass
class SmtpServer:
    port: int
    mailbox: Mailbox
    controller: Controller

    def url(self, to: str = "duty@example.org") -> str:
        return f"mailto://127.0.0.1:{self.port}?from=warning@example.org&to={to}"

    def stop(self) -> None:
        self.controller.stop()


@pytest.fixture
def smtp_server():  # noqa: ANN201
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    server = SmtpServer(port, mailbox, controller)
    yield server
    with contextlib.suppress(AssertionError, RuntimeError):  # already stopped by the test
        controller.stop()


@dataclass
class HttpCapture:
    port: int
    posts: list[tuple[str, dict]] = field(default_factory=list)

    def mattermost_url(self, token: str = "hooktoken") -> str:
        """Apprise's Mattermost webhook URL: it POSTs Slack-format JSON to /hooks/<token>."""
        return f"mmost://127.0.0.1:{self.port}/{token}"


@contextlib.contextmanager
def serving(server: ThreadingHTTPServer) -> Iterator[None]:
    """`server` answering on its own threads until the end of the block, then closed."""
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def capture_server() -> Iterator[HttpCapture]:
    """A chat server on 127.0.0.1 recording every POST (path, JSON body), until the end of
    the block."""
    capture = HttpCapture(free_port())

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            capture.posts.append((self.path, json.loads(body or b"{}")))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    with serving(ThreadingHTTPServer(("127.0.0.1", capture.port), Handler)):
        yield capture


@pytest.fixture
def http_server():  # noqa: ANN201
    with capture_server() as capture:
        yield capture


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str


def run_cli(*args: str, env: dict | None = None, timeout: float = 120) -> Result:
    """Run the real `warning` command in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-m", "warning", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
    )
    return Result(done.returncode, done.stdout, done.stderr)


def invoke(*args: str, env: dict | None = None) -> Result:
    """Run a `warning` command in this process (no interpreter start, and the scorer's
    gazetteer and classifier are loaded once per worker): for tests where the process is
    not the point. Its log goes to the returned stderr."""
    from typer.testing import CliRunner

    from warning.cli import app

    done = CliRunner().invoke(app, list(args), env=env)
    if done.exception is not None and not isinstance(done.exception, SystemExit):
        raise done.exception
    return Result(done.exit_code, done.stdout, done.stderr)


def start_daemon(config: Path, env: dict | None = None, stdout: int = subprocess.PIPE):  # noqa: ANN201
    """`warning run` in a fresh process, as an operator starts it; stderr (the log) piped."""
    return subprocess.Popen(
        [sys.executable, "-m", "warning", "run", "--config", str(config)],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
    )


def write_config(folder: Path, channels: dict[str, dict] | None = None, **extra: object) -> Path:
    """A config.yaml in `folder`: a folder source over folder/inbox, and the test's database
    (SQLite in folder, or a fresh PostgreSQL database in a test of both: `store_url`)."""
    (folder / "inbox").mkdir(exist_ok=True)
    config = {
        "database": {"url": DATABASE.url or "sqlite:///warning.db"},
        "sources": [{"name": "inbox", "kind": "folder", "path": "inbox", "every": "1s"}],
        "channels": channels or {},
        "delivery": {"retry_after": "1s", "max_attempts": 3},
        **extra,
    }
    path = folder / "config.yaml"
    path.write_text(json.dumps(config, indent=2))  # JSON is YAML
    return path


@dataclass
class Page:
    body: bytes | Callable[[], Iterator[bytes]]  # bytes, or chunks produced as sent
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering


@dataclass
class Site:
    """A real HTTP server on 127.0.0.1 serving `pages` by path (query ignored); records every
    request. An ETag header on a page makes it answer 304 to a matching If-None-Match."""

    port: int
    pages: dict[str, Page] = field(default_factory=dict)
    requests: list[tuple[str, str, dict[str, str], bytes]] = field(default_factory=list)
    arrivals: list[tuple[str, str, float]] = field(default_factory=list)  # time.monotonic()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@contextlib.contextmanager
def site_server() -> Iterator[Site]:
    """A Site serving on 127.0.0.1 until the end of the block."""
    served = Site(free_port())

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length", 0) or 0)
            body = self.rfile.read(length) if length else b""
            served.requests.append((self.command, self.path, dict(self.headers), body))
            served.arrivals.append((self.command, self.path, time.monotonic()))
            page = served.pages.get(self.path.split("?", 1)[0])
            if page is None:
                page = Page(b"not found", 404)
            time.sleep(page.delay)
            etag = page.headers.get("ETag")
            if etag and self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(page.status)
            for key, value in page.headers.items():
                self.send_header(key, value)
            if callable(page.body):
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                with contextlib.suppress(OSError):
                    for chunk in page.body():
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    self.wfile.write(b"0\r\n\r\n")
                return
            self.send_header("Content-Length", str(len(page.body)))
            self.end_headers()
            self.wfile.write(page.body)

        do_GET = do_POST = _answer  # noqa: N815

        def log_message(self, *args: object) -> None:
            pass

    with serving(ThreadingHTTPServer(("127.0.0.1", served.port), Handler)):
        yield served


@pytest.fixture
def site():  # noqa: ANN201
    with site_server() as served:
        yield served


PG_SERVER = os.environ.get("WARNING_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432")


@dataclass
class TestDatabase:
    """The database of the running test: "" for SQLite in its folder; a PostgreSQL URL in
    tests marked `both_databases` when run on PostgreSQL (a fresh database for each test)."""

    url: str = ""


DATABASE = TestDatabase()


def store_url(folder: Path) -> str:
    """The running test's store URL: its PostgreSQL database, or SQLite in `folder`."""
    return DATABASE.url or f"sqlite:///{folder / 'warning.db'}"


def query(where: Path | str, sql: str, **params: object) -> list[tuple]:
    """The rows of `sql` in the test's database in folder `where` (or at the URL `where`);
    none while it or its table does not exist. A statement that changes rows is committed."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from warning.store import engine_for, store_missing

    url = where if isinstance(where, str) else store_url(where)
    if store_missing(url):
        return []
    engine = engine_for(url)
    try:
        with engine.begin() as connection:
            result = connection.execute(text(sql), params)
            return [tuple(row) for row in result] if result.returns_rows else []
    except (OperationalError, ProgrammingError):
        return []
    finally:
        engine.dispose()


def stored_text(where: Path | str) -> str:
    """Everything the test's database (in folder `where`, or at URL `where`) holds, as
    text: a SQLite file's bytes (free pages too), or every row of every PostgreSQL table."""
    from warning.store import sqlite_file

    url = where if isinstance(where, str) else store_url(where)
    path = sqlite_file(url)
    if path is not None:
        return path.read_bytes().decode("utf-8", "replace")
    tables = query(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    return "\n".join(repr(query(url, f'SELECT * FROM "{name}"')) for (name,) in tables)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "both_databases: run the test on SQLite and on PostgreSQL (PG_SERVER)"
    )
    config.addinivalue_line(
        "markers", "sqlite_only: not run on PostgreSQL in a module marked both_databases"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    definition = metafunc.definition
    if definition.get_closest_marker("both_databases") and not definition.get_closest_marker(
        "sqlite_only"
    ):
        metafunc.parametrize("database", ["sqlite", "postgresql"], indirect=True)


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh database on PG_SERVER (the server must be up: `.ci/run` starts it), its URL;
    dropped afterwards, whoever is still connected."""
    import uuid

    import psycopg

    name = f"warning_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(autouse=True)
def database(request: pytest.FixtureRequest) -> Iterator[str]:
    """ "sqlite", or in a test marked `both_databases` "postgresql" too: a fresh database for
    that test alone. Autouse, so it is set before any fixture writes a config or opens a
    store (a module-scoped fixture must name its database itself: tests/test_desk.py)."""
    if getattr(request, "param", "sqlite") == "sqlite":
        yield "sqlite"
        return
    with postgres_database() as url:
        DATABASE.url = url
        try:
            yield "postgresql"
        finally:
            DATABASE.url = ""


@pytest.fixture(autouse=True)
def root_log_handlers() -> Iterator[None]:
    """Put the root logger back after each test: an in-process command installs a handler
    on the stream it was given (CliRunner's, closed after the call), which later log lines
    from another thread would otherwise be written to."""
    import logging

    root, apprise = logging.getLogger(), logging.getLogger("apprise")
    saved = (list(root.handlers), root.level, apprise.level)
    yield
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    apprise.setLevel(saved[2])
