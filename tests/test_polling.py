"""Polls run on a pool (`polling.concurrency`) with at most `polling.per_host` at once per
host: a slow feed holds one thread, never the others' polls."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

from tests.conftest import Page, Site, query, start_daemon, write_config
from tests.test_sources import item, rss
from warning.hostslots import HostSlots


def test_a_host_has_per_host_slots_and_a_folder_has_no_limit() -> None:
    slots = HostSlots(per_host=2)
    with slots.slot("news.example") as a, slots.slot("news.example") as b:
        with slots.slot("news.example") as c, slots.slot("other.example") as d:
            assert (a, b, c, d) == (True, True, False, True)
        with slots.slot("") as e, slots.slot("") as f, slots.slot("") as g:
            assert e and f and g
    with slots.slot("news.example") as again:
        assert again  # released


def test_slow_feeds_do_not_hold_back_a_fast_one(tmp_path: Path, site: Site) -> None:
    """Two feeds that answer after 12 s, then a fast one (on another host name for the
    same server): the fast feed's report is scored seconds after start, while the slow
    ones are still answering. One polling thread (the daemon before the pool) would have
    polled a slow feed first and scored the fast report after 12 s or more."""
    text = "Fighters besieged the town of Kutum in North Darfur; residents said food ran out."
    for name in ("slow1", "slow2"):
        site.pages[f"/{name}"] = Page(rss([item("", name, text + name)]), delay=12)
    site.pages["/fast"] = Page(rss([item("", "fast", text)]))
    fast = site.url("/fast").replace("127.0.0.1", "localhost")
    sources = [
        {"name": "slow1", "kind": "rss", "url": site.url("/slow1"), "every": "600s"},
        {"name": "slow2", "kind": "rss", "url": site.url("/slow2"), "every": "600s"},
        # named to sort last: jobs due at the same moment start in the order of their ids
        {"name": "zz-fast", "kind": "rss", "url": fast, "every": "600s"},
    ]
    config = write_config(tmp_path, sources=sources, polling={"concurrency": 4, "per_host": 2})
    daemon = start_daemon(config, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not query(tmp_path, "SELECT 1 FROM report WHERE source = 'zz-fast' AND scored_at IS "
                        "NOT NULL"):  # fmt: skip
            assert time.monotonic() < deadline, "the fast feed was never scored"
            time.sleep(0.2)
        first = min(at for path, at in _requests(site) if path in ("/slow1", "/slow2"))
        assert time.monotonic() - first < 8, "the fast feed waited for the slow ones"
        assert query(tmp_path, "SELECT count(*) FROM report WHERE source LIKE 'slow%'") == [(0,)]
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.communicate(timeout=60)


def _requests(site: Site) -> list[tuple[str, float]]:
    return [(path, at) for _, path, at in site.arrivals]
