"""Two `warning run` processes on one PostgreSQL database, coordinating only through it:
every report scored once (the two /metrics counters add up to the reports stored), one
alert per event (near-duplicates found across the instances), every delivery sent once."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from tests.conftest import (
    REPO,
    Page,
    Site,
    free_port,
    postgres_database,
    query,
    start_daemon,
    write_config,
)
from tests.test_sources import item, rss

FEEDS = 4
PER_FEED = 100
FOLDER = 100  # 500 reports in all
SETS = ["news.jsonl", "news_b.jsonl", "news_c.jsonl", "news_e.jsonl", "news_g.jsonl"]


def texts(count: int) -> list[tuple[str, str]]:
    """(id, text) of `count` labelled development texts (bench/data: our own invention), the
    event set first: its copies and rewrites of one happening land on both instances."""
    rows = [json.loads(line) for line in (REPO / "bench/data/events.jsonl").open()]
    for name in SETS:
        rows += [json.loads(line) for line in (REPO / "bench/data" / name).open()]
    seen, picked = set(), []
    for row in rows:
        if row["text"] not in seen:
            seen.add(row["text"])
            picked.append((row["id"], row["text"]))
    assert len(picked) >= count
    picked = picked[:count]
    random.Random(7).shuffle(picked)  # copies of one story in different feeds and the folder
    return picked


def metric(port: int, name: str) -> float:
    body = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in body.splitlines()
        if line.startswith(name + "{") or line.startswith(name + " ")
    )


def wait_for(check, timeout: float, what) -> None:  # noqa: ANN001
    """Until `check()`; else fail saying `what` (or what `what()` says then)."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, what() if callable(what) else what
        time.sleep(0.5)


@pytest.mark.timeout(400)
def test_two_instances_share_the_work_and_do_nothing_twice(
    tmp_path: Path,
    site: Site,
    http_server,  # noqa: ANN001
) -> None:
    corpus = texts(FEEDS * PER_FEED + FOLDER)
    for feed in range(FEEDS):
        chunk = corpus[feed * PER_FEED : (feed + 1) * PER_FEED]
        site.pages[f"/feed{feed}"] = Page(rss(
            [item(site.url(f"/s/{rid}"), rid, "", content=text) for rid, text in chunk],
            f"Outlet {feed}",
        ))  # fmt: skip
    sources = [
        {
            "name": f"feed{n}",
            "kind": "rss",
            "url": site.url(f"/feed{n}"),
            "every": "2s",
            "full_text": "never",
        }
        for n in range(FEEDS)
    ]
    sources.append({"name": "inbox", "kind": "folder", "path": "inbox", "every": "1s"})
    channels = {"field-chat": {"url": http_server.mattermost_url(), "min_severity": "high"}}
    with postgres_database() as url:
        ports, daemons = [free_port(), free_port()], []
        for name, port in zip("ab", ports, strict=True):
            folder = tmp_path / name
            folder.mkdir()
            config = write_config(
                folder, channels, sources=sources, database={"url": url},
                web={"enabled": True, "port": port},
            )  # fmt: skip
            (folder / "inbox").rmdir()
            (folder / "inbox").symlink_to(tmp_path / "inbox", target_is_directory=True)
            if name == "a":
                (tmp_path / "inbox").mkdir()
                assert subprocess.run(
                    [str(REPO / ".venv/bin/warning"), "db", "upgrade", "-c", str(config)],
                    capture_output=True, timeout=60,
                ).returncode == 0  # fmt: skip
            env = {**os.environ, "WARNING_INSTANCE": f"test-{name}"}
            daemons.append(start_daemon(config, env, stdout=subprocess.DEVNULL))
        for rid, text in corpus[FEEDS * PER_FEED :]:
            (tmp_path / "inbox" / f"{rid}.txt").write_text(text, encoding="utf-8")
        try:
            wait_for(lambda: all(_healthy(p) for p in ports), 120, "an instance never started")
            unscored = "SELECT count(*) FROM report WHERE scored_at IS NULL"
            wait_for(
                lambda: (
                    query(url, "SELECT count(*) FROM report") == [(len(corpus),)]
                    and query(url, unscored) == [(0,)]
                ),
                240,
                "not every report was stored and scored",
            )
            owed = (  # due now: updates held for their group's interval are not
                "SELECT count(*) FROM delivery WHERE status NOT IN ('sent', 'cancelled') "
                "AND hold = ''"
            )
            statuses = "SELECT status, hold, count(*) FROM delivery GROUP BY status, hold"
            wait_for(lambda: query(url, owed) == [(0,)], 90, lambda: query(url, statuses))
            scored = [metric(p, "warning_reports_scored_total") for p in ports]
            alerts_made = sum(metric(p, "warning_alerts_total") for p in ports)
        finally:
            for daemon in daemons:
                daemon.send_signal(signal.SIGTERM)
            logs = [daemon.communicate(timeout=60)[1] for daemon in daemons]
        assert all(d.returncode == 0 for d in daemons), logs

        assert sum(scored) == len(corpus), scored  # each report scored by one instance
        assert min(scored) > 0, f"one instance scored nothing: {scored}"
        per_event = query(
            url, "SELECT event_id, count(*) FROM alert WHERE merged_into IS NULL "
            "GROUP BY event_id HAVING count(*) > 1",
        )  # fmt: skip
        assert per_event == []
        alerts = query(url, "SELECT count(*) FROM alert")[0][0]
        assert alerts == alerts_made > 0
        counted = query(url, "SELECT count(*) FROM report WHERE event_id IS NOT NULL")[0][0]
        assert query(url, "SELECT sum(reports) FROM event")[0][0] == counted

        assert _copies_apart(url) == []

        sent = query(url, "SELECT count(*) FROM delivery WHERE status = 'sent'")[0][0]
        assert sent > 0 and len(http_server.posts) == sent
        bodies = Counter(json.dumps(p, sort_keys=True) for p in http_server.posts)
        assert max(bodies.values()) == 1, "a message arrived twice"


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _copies_apart(url: str) -> list[tuple[str, str]]:
    """Wire copies of the event set (near-duplicates of their original) in another event
    than their original's, whichever instance scored each."""
    rows = [json.loads(line) for line in (REPO / "bench/data/events.jsonl").open()]
    stored = query(url, "SELECT ref, event_id FROM report WHERE event_id IS NOT NULL")
    event_of = {ref.rsplit("/", 1)[-1].removesuffix(".txt"): event for ref, event in stored}
    pairs = [(row["id"], row["copy_of"]) for row in rows if row.get("copy_of")]
    joined = [(c, o) for c, o in pairs if c in event_of and o in event_of]
    assert len(joined) >= 5, f"too few copies fired to tell: {joined}"
    return [(c, o) for c, o in joined if event_of[c] != event_of[o]]
