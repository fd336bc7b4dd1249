"""Throughput of one `warning run` against two on one PostgreSQL database.

For each of 1 and 2 instances: a fresh database, the instances started (the shipped rules
and classifier, no sources, no channels) and healthy, then every distinct labelled text of
bench/data/*.jsonl (2,060: short reports and news paragraphs, our own invention) stored in
one transaction as if POSTed; the clock runs from that commit until no report is unscored.
Prints reports/s for each pass (1 and 2 alternated), the best of each and the ratio (target
>= 1.7 on a machine with a core per instance, PostgreSQL sharing them). Each instance
scores batches it claims with FOR UPDATE SKIP LOCKED and joins events under an advisory
lock per country.
Run: python bench/instances_bench.py [--passes 3] [--server postgresql://postgres@127.0.0.1:5432]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import psycopg  # noqa: E402
from sqlmodel import Session  # noqa: E402

from bench.daemons import free_port, wait_healthy  # noqa: E402
from warning.dedupe import fingerprint  # noqa: E402
from warning.models import Report  # noqa: E402
from warning.store import Store, content_hash  # noqa: E402

WARNING = str(Path(sys.executable).with_name("warning"))


def labelled_texts() -> list[str]:
    seen: dict[str, None] = {}
    for path in sorted((REPO / "bench" / "data").glob("*.jsonl")):
        for line in path.open(encoding="utf-8"):
            seen.setdefault(json.loads(line)["text"], None)
    texts = list(seen)
    random.Random(3).shuffle(texts)  # a stream mixes places; the files are grouped by set
    return texts


def rate(server: str, texts: list[str], instances: int, folder: Path) -> float:
    name = f"warning_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{server}/{name}"
    daemons = []
    try:
        store = Store(url)
        ports = [free_port() for _ in range(instances)]
        for n, port in enumerate(ports):
            config = folder / f"{name}-{n}.yaml"
            config.write_text(json.dumps({
                "database": {"url": url}, "sources": [], "channels": {},
                "web": {"enabled": True, "port": port},
            }))  # fmt: skip
            env = {**os.environ, "WARNING_INSTANCE": f"bench-{n}"}
            daemons.append(subprocess.Popen(
                [WARNING, "run", "-c", str(config)], env=env,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            ))  # fmt: skip
        for port in ports:
            wait_healthy(port)
        reports = [
            Report(source="bench", ref=f"r{i}", title=f"report {i}", text=text,
                   content_hash=content_hash(text), fingerprint=fingerprint(text).to_bytes())
            for i, text in enumerate(texts)
        ]  # fmt: skip
        with Session(store.engine) as session:
            session.add_all(reports)
            session.commit()
        started = time.perf_counter()
        while store.queue_lengths()["unscored_reports"]:
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        store.close()
        return len(texts) / seconds
    finally:
        for daemon in daemons:
            daemon.send_signal(signal.SIGTERM)
        for daemon in daemons:
            daemon.wait(timeout=60)
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    texts = labelled_texts()
    size = sum(map(len, texts)) / len(texts)
    print(f"{len(texts)} reports of {size:.0f} characters on average, {os.cpu_count()} cores")
    rates: dict[int, list[float]] = {1: [], 2: []}
    with tempfile.TemporaryDirectory() as folder:
        for n in range(args.passes):  # alternated: a busy moment slows both alike
            for instances in (1, 2):
                rates[instances].append(rate(args.server, texts, instances, Path(folder)))
                print(
                    f"pass {n + 1}, {instances} instance(s): {rates[instances][-1]:6.1f} reports/s"
                )
    one, two = max(rates[1]), max(rates[2])  # best of the passes: noise only ever slows one
    print(f"1 instance : {one:7.1f} reports/s (best of {args.passes})")
    print(f"2 instances: {two:7.1f} reports/s (best of {args.passes})")
    print(f"ratio      : {two / one:.2f}x (target >= 1.7)")


if __name__ == "__main__":
    main()
