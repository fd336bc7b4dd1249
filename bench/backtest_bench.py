"""Backtest speed: how fast `warning backtest` replays a period of stored reports, beside the
live scoring of the same reports in the same run (the baseline it is measured against).

Stores N reports of about 4 KB stitched from real sentences (bench/corpus.py) in a
temporary SQLite store, scores them through the service as the daemon does (the baseline:
scoring, events, alerts; no channels), then replays them with the shipped pack as a
candidate (`warning.review.replay_period`, what the CLI and /backtest run) and prints both
rates and the time 50,000 reports (30 days of a busy deployment) would take.
Run: python bench/backtest_bench.py [N]   (default 2000)
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from corpus import corpus  # noqa: E402

from warning.config import Settings  # noqa: E402
from warning.models import utcnow  # noqa: E402
from warning.notify import Notifier  # noqa: E402
from warning.pipeline import Service, build_scorer  # noqa: E402
from warning.review import replay_period  # noqa: E402
from warning.sources.base import Incoming  # noqa: E402
from warning.store import Store  # noqa: E402

BUSY_MONTH = 50_000


def main(count: int) -> None:
    texts = corpus(count, seed=11)
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings.model_validate({"database": {"url": f"sqlite:///{folder}/w.db"}})
        scorer = build_scorer(settings)
        service = Service(settings, Store(settings.database.url), scorer, Notifier(settings))
        start = utcnow() - timedelta(seconds=1)
        service.intake("bench", [Incoming(ref=f"r{i}", title=f"report {i}", text=text)
                                 for i, text in enumerate(texts)])  # fmt: skip
        began = time.monotonic()
        alerts = service.score_pending()
        live = time.monotonic() - began
        began = time.monotonic()
        outcome = replay_period(service.store, scorer, settings.alerts.min_severity, start,
                                utcnow() + timedelta(seconds=1))  # fmt: skip
        replayed = time.monotonic() - began
    print(f"{count} reports of about 4 KB, {len(alerts)} alerts")
    print(f"  live scoring (baseline): {count / live:7.1f} reports/s ({live:.1f} s)")
    print(f"  backtest replay        : {count / replayed:7.1f} reports/s ({replayed:.1f} s); "
          f"{len(outcome.changes)} changes with the same pack (expected 0)")  # fmt: skip
    print(f"  50,000 reports (30 busy days) would take {BUSY_MONTH / (count / replayed) / 60:.1f} "
          "min to replay")  # fmt: skip


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
