"""POST /api/reports under load: `warning run` (SQLite in a temporary folder, the shipped
rules and classifier, an `http` source) takes --rate requests/s for --seconds (defaults:
100/s for 60 s), each a distinct short report, sent on schedule from a pool of client
threads (open loop: a slow answer does not slow the sender). Prints requests sent, errors
(anything but 202, or no answer), p50/p95/max latency, and then, once the daemon has
scored what it took: reports stored, reports stored twice (two rows with one posted title) and
accepted reports missing from the store. Targets: 0 errors, 0 stored twice, 0 missing.
Run: python bench/post_load.py [--rate 100] [--seconds 60]
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
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from statistics import quantiles

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402

from bench.daemons import free_port, wait_healthy  # noqa: E402

WARNING = str(Path(sys.executable).with_name("warning"))
TOKEN = "load-test-token-0123456789"  # a throwaway token for a local, temporary daemon
TEXTS = [
    "Armed men surrounded the village of {n} at dawn; residents said no food has come in.",
    "Families fled {n} overnight after shelling; about 300 people reached the camp.",
    "Market day in {n} went ahead as planned, traders said, with prices steady.",
    "Phone and internet were cut in {n} as fighters moved in, an aid worker said.",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "config.yaml"
        config.write_text(json.dumps({
            "database": {"url": "sqlite:///warning.db"}, "channels": {},
            "web": {"enabled": True, "port": port},
            "sources": [{"name": "field", "kind": "http", "token": TOKEN}],
        }))  # fmt: skip
        daemon = subprocess.Popen(
            [WARNING, "run", "-c", str(config)], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, env={**os.environ, "WARNING_INSTANCE": "load"},
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            wait_healthy(port)
            results = _load(base, args.rate, args.seconds)
            accepted = {ref for ref, status, _ in results if status == 202}
            _wait_scored(Path(folder) / "warning.db", len(accepted))
            stored = _stored(Path(folder) / "warning.db")
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=120)
    _report(results, accepted, stored)


def _load(base: str, rate: float, seconds: float) -> list[tuple[str, int, float]]:
    """(title, status (0: no answer), seconds) of each request, sent every 1/rate s."""
    count = int(rate * seconds)
    client = httpx.Client(base_url=base, timeout=30, limits=httpx.Limits(max_connections=64))
    headers = {"Authorization": f"Bearer {TOKEN}"}

    def send(n: int) -> tuple[str, int, float]:
        ref = f"load-{n}"
        body = {"title": ref, "text": TEXTS[n % len(TEXTS)].format(n=f"Village {n}")}
        started = time.perf_counter()
        try:
            status = client.post("/api/reports", json=body, headers=headers).status_code
        except httpx.HTTPError:
            status = 0
        return ref, status, time.perf_counter() - started

    start = time.perf_counter()
    with ThreadPoolExecutor(64) as pool:
        futures = []
        for n in range(count):
            time.sleep(max(0.0, start + n / rate - time.perf_counter()))
            futures.append(pool.submit(send, n))
        results = [future.result() for future in futures]
    client.close()
    return results


def _wait_scored(db: Path, accepted: int) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        with sqlite3.connect(db) as connection:
            done = connection.execute(
                "SELECT count(*) FROM report WHERE scored_at IS NOT NULL"
            ).fetchone()[0]
        if done >= accepted:
            return
        time.sleep(0.5)


def _stored(db: Path) -> list[str]:
    with sqlite3.connect(db) as connection:
        return [title for (title,) in connection.execute("SELECT title FROM report")]


def _report(results: list[tuple[str, int, float]], accepted: set[str], stored: list[str]) -> None:
    latencies = sorted(seconds for _, _, seconds in results)
    errors = sum(status != 202 for _, status, _ in results)
    cuts = quantiles(latencies, n=100)
    print(f"requests {len(results)}, errors {errors}, latency p50 {cuts[49] * 1000:.1f} ms, "
          f"p95 {cuts[94] * 1000:.1f} ms, max {latencies[-1] * 1000:.1f} ms")  # fmt: skip
    twice = len(stored) - len(set(stored))
    missing = len(accepted - set(stored))
    print(f"reports stored {len(stored)}, stored twice {twice}, accepted but missing {missing}")


if __name__ == "__main__":
    main()
