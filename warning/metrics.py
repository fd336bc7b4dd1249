"""Prometheus metrics (prometheus-client), served at /metrics by the web app inside
`warning run`: counters the pipeline, the outbox and the reloader add to as they work, and
the queue depths read from the store at each scrape. One registry per process."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from warning.store import Store

REGISTRY = CollectorRegistry()
RECEIVED = Counter(
    "warning_reports_received", "Reports stored (new, not duplicates), by source.",
    ["source"], registry=REGISTRY,
)  # fmt: skip
SCORED = Counter(
    "warning_reports_scored", "Reports scored, by source.", ["source"], registry=REGISTRY
)
SCORING = Histogram(
    "warning_scoring_seconds", "Seconds to score one report (a batch's time over its size).",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
    registry=REGISTRY,
)  # fmt: skip
ALERTS = Counter(
    "warning_alerts", "Alerts raised (new alerts), by severity.", ["severity"], registry=REGISTRY
)
DELIVERIES = Counter(
    "warning_deliveries", "Delivery attempts, by channel and outcome.",
    ["channel", "status"], registry=REGISTRY,
)  # fmt: skip
POLL_FAILURES = Counter(
    "warning_poll_failures", "Failed polls, by source.", ["source"], registry=REGISTRY
)
SCORING_FAILURES = Counter(
    "warning_scoring_failures", "Reports whose scoring failed (a bug): recorded with no signal.",
    registry=REGISTRY,
)  # fmt: skip
RELOAD_FAILURES = Counter(
    "warning_reload_failures", "Reloads rejected (the last good configuration kept running).",
    registry=REGISTRY,
)  # fmt: skip


class Queues(Collector):
    """The store's queue depths, read when scraped."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def collect(self):  # noqa: ANN201 (prometheus-client's Collector protocol)
        for name, count in self.store.queue_lengths().items():
            yield GaugeMetricFamily(f"warning_{name}", f"Queue depth: {name}.", value=count)


def exposition(store: Store | None) -> bytes:
    """The text format of every metric, with the queue depths of `store` if given."""
    text = generate_latest(REGISTRY)
    if store is not None:
        queues = CollectorRegistry()
        queues.register(Queues(store))
        text += generate_latest(queues)
    return text
