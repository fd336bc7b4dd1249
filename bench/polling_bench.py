"""Slow feeds must not hold back fast ones: `warning run` over 500 local RSS feeds, 10% of
them answering after 15 s.

50 HTTP servers on loopback addresses 127.0.0.2 to 127.0.0.51 (the per-host limit counts
hosts), ten feeds each, one of the ten slow; each feed holds one new report. `warning run`
(SQLite in a temporary folder, the shipped rules and classifier, every feed due at start)
runs until every report is scored, or --limit seconds. For each fast feed: seconds from
its poll (the request reaching its server) to its report being scored, and from the
daemon's first request to that moment. Printed side by side for the polling pool
(`polling: {concurrency: 8, per_host: 2}`, the defaults) and for one polling thread (the
daemon before the pool: one worker polled, in turn). Target: every fast feed's report
scored within 30 s of its poll.
Run: python bench/polling_bench.py [--limit 150]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from statistics import quantiles

WARNING = str(Path(sys.executable).with_name("warning"))
HOSTS, PER_HOST, SLOW_SECONDS = 50, 10, 15.0


class Feeds:
    """The feed servers; `polled[path]` is when each feed's request arrived."""

    def __init__(self) -> None:
        self.polled: dict[str, float] = {}
        self.servers: list[ThreadingHTTPServer] = []

    def start(self) -> list[str]:
        urls = []
        for h in range(HOSTS):
            server = ThreadingHTTPServer((f"127.0.0.{h + 2}", 0), self._handler())
            server.daemon_threads = True
            threading.Thread(target=server.serve_forever, daemon=True).start()
            self.servers.append(server)
            urls += [f"http://127.0.0.{h + 2}:{server.server_port}/feed/{h}-{f}"
                     for f in range(PER_HOST)]  # fmt: skip
        return urls

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        feeds = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                feeds.polled.setdefault(self.path, time.monotonic())
                if self.path.endswith("-0"):  # one feed of each host is slow
                    time.sleep(SLOW_SECONDS)
                body = feed(self.path.rsplit("/", 1)[1])
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    def stop(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()


def feed(name: str) -> bytes:
    text = (f"Report {name}: residents of the district met on Tuesday to discuss the new "
            f"market hours and the repair of road {name}.")  # fmt: skip
    return (
        '<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/'
        f'modules/content/"><channel><title>Feed {name}</title><link>http://127.0.0.1/</link>'
        f"<description>d</description><item><title>{name}</title>"
        f"<link>http://127.0.0.1/s/{name}</link><guid>{name}</guid>"
        f"<content:encoded><![CDATA[{text}]]></content:encoded></item></channel></rss>"
    ).encode()


def run(polling: dict, limit: float) -> tuple[list[float], list[float], int]:
    """(seconds poll -> scored, seconds start -> scored) of each fast feed scored within
    `limit`, and how many fast feeds there are."""
    feeds = Feeds()
    urls = feeds.start()
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "config.yaml"
        config.write_text(json.dumps({
            "database": {"url": "sqlite:///warning.db"}, "polling": polling, "channels": {},
            "sources": [{"name": f"f{i}", "kind": "rss", "url": url, "every": 600,
                         "full_text": "never"} for i, url in enumerate(urls)],
        }))  # fmt: skip
        daemon = subprocess.Popen(
            [WARNING, "run", "-c", str(config)], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, env={**os.environ, "WARNING_INSTANCE": "bench"},
        )  # fmt: skip
        scored: dict[str, float] = {}
        deadline = None
        try:
            while deadline is None or time.monotonic() < deadline:
                if deadline is None and feeds.polled:
                    deadline = min(feeds.polled.values()) + limit
                scored.update(_newly_scored(Path(folder) / "warning.db", scored))
                if len(scored) == len(urls):
                    break
                time.sleep(0.2)
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=60)
            feeds.stop()
    start = min(feeds.polled.values())
    fast = [path for path in feeds.polled if not path.endswith("-0")]
    from_poll = [scored[p] - feeds.polled[p] for p in fast if p in scored]
    from_start = [scored[p] - start for p in fast if p in scored]
    return from_poll, from_start, len(urls) - HOSTS


def _newly_scored(db: Path, known: dict[str, float]) -> dict[str, float]:
    if not db.exists():
        return {}
    now = time.monotonic()
    try:
        with sqlite3.connect(db) as connection:
            rows = connection.execute("SELECT title FROM report WHERE scored_at IS NOT NULL")
            return {f"/feed/{title}": now for (title,) in rows if f"/feed/{title}" not in known}
    except sqlite3.OperationalError:  # not created yet
        return {}


def describe(label: str, result: tuple[list[float], list[float], int]) -> None:
    from_poll, from_start, fast = result
    p95 = quantiles(from_poll, n=20)[-1] if len(from_poll) > 1 else float("nan")
    late = sum(s > 30 for s in from_poll)
    print(f"{label}: {len(from_poll)}/{fast} fast feeds scored; poll -> scored max "
          f"{max(from_poll, default=float('nan')):.1f} s, p95 {p95:.1f} s, over 30 s: {late}; "
          f"start -> scored max {max(from_start, default=float('nan')):.1f} s")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=float, default=150.0)
    args = parser.parse_args()
    print(f"{HOSTS * PER_HOST} feeds on {HOSTS} hosts, {HOSTS} of them answering after "
          f"{SLOW_SECONDS:.0f} s; stop after {args.limit:.0f} s")  # fmt: skip
    describe("pool (8 threads, 2 per host)", run({"concurrency": 8, "per_host": 2}, args.limit))
    describe("one polling thread          ", run({"concurrency": 1, "per_host": 2}, args.limit))


if __name__ == "__main__":
    main()
