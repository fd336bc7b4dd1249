"""Feeds, the ReliefWeb API and broken sources, against real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import SEED, Page, Site, invoke, query, start_daemon, write_config
from warning.cli import PARTLY_FAILED
from warning.config import load_settings
from warning.pipeline import build_service

SEED_TEXT = SEED.read_text()
SEED_PARAGRAPHS = "".join(f"<p>{p}</p>" for p in SEED_TEXT.split("\n\n") if p.strip())
NEUTRAL = "The city council approved a new budget for parks, libraries and bus routes. " * 8


def rss(items: list[str], title: str = "World news") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        f"<title>{title}</title><link>http://127.0.0.1/</link><description>d</description>"
        + "".join(items)
        + "</channel></rss>"
    ).encode()


def item(link: str, title: str, summary: str, content: str = "", date: str = "") -> str:
    parts = [f"<title>{title}</title>", f"<description><![CDATA[{summary}]]></description>"]
    if link:
        parts.append(f"<link>{link}</link><guid>{link}</guid>")
    if content:
        parts.append(f"<content:encoded><![CDATA[{content}]]></content:encoded>")
    parts.append(f"<pubDate>{date or 'Mon, 02 Dec 2024 08:50:00 GMT'}</pubDate>")
    return "<item>" + "".join(parts) + "</item>"


def feed_config(tmp_path: Path, sources: list[dict]) -> Path:
    return write_config(tmp_path, sources=sources)


def sources_json(config: Path) -> dict[str, dict]:
    result = invoke("sources", "--json", "--config", str(config))
    assert result.code == 0, result.stderr
    return {source["name"]: source for source in json.loads(result.stdout)}


def service_for(config: Path):  # noqa: ANN201
    return build_service(load_settings(config))


def test_rss_end_to_end_with_full_text_and_conditional_get(tmp_path: Path, site: Site) -> None:
    site.pages["/article"] = Page(
        f"<html><head><title>Syria</title></head><body><nav>Home World</nav><article>"
        f"{SEED_PARAGRAPHS}</article><footer>Privacy policy</footer></body></html>".encode(),
        headers={"Content-Type": "text/html; charset=utf-8"},
    )
    site.pages["/feed"] = Page(
        rss(
            [
                item(site.url("/article"), "Kurds besieged as rebels advance", "Short summary."),
                item(site.url("/budget"), "Council budget", NEUTRAL),
            ]
        ),
        headers={"Content-Type": "application/rss+xml", "ETag": '"v1"'},
    )
    config = feed_config(tmp_path, [{"name": "news", "kind": "rss", "url": site.url("/feed")}])
    first = invoke("run", "--once", "--config", str(config))
    assert first.code == 0, first.stderr
    assert "2 new report(s), 1 alert(s)" in first.stdout
    alerts = json.loads(invoke("alerts", "--json", "--config", str(config)).stdout)
    assert [(a["severity"], a["assessment"]["country"]) for a in alerts] == [("critical", "SY")]
    assert alerts[0]["url"] == site.url("/article")
    quotes = [h["quote"] for s in alerts[0]["assessment"]["signals"] for h in s["hits"]]
    assert not any("Privacy policy" in q or "Home World" in q for q in quotes)
    # second poll: the feed answers 304 to our ETag; nothing new, nothing fetched again
    second = invoke("run", "--once", "--config", str(config))
    assert "0 new report(s), 0 alert(s)" in second.stdout
    feed_requests = [r for r in site.requests if r[1] == "/feed"]
    assert feed_requests[-1][2].get("If-None-Match") == '"v1"'
    assert [r[1] for r in site.requests].count("/article") == 1
    health = sources_json(config)["news"]
    assert health["last_success"] and health["last_error"] == ""


def test_atom_feed_and_item_problems_are_recorded(tmp_path: Path, site: Site) -> None:
    site.pages["/atom"] = Page(
        (
            '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            "<title>Agency</title><id>urn:a</id><updated>2024-12-02T08:50:00Z</updated>"
            "<entry><title>Linked</title><id>urn:1</id><link href='http://127.0.0.1:9/x'/>"
            f"<updated>2024-12-02T08:50:00Z</updated><content type='html'>{NEUTRAL}</content>"
            "</entry><entry><title>No link</title><id>urn:2</id><updated>yesterday-ish</updated>"
            f"<summary>{NEUTRAL} Second.</summary></entry></feed>"
        ).encode(),
        headers={"Content-Type": "application/atom+xml"},
    )
    config = feed_config(tmp_path, [{"name": "agency", "kind": "rss", "url": site.url("/atom")}])
    service = service_for(config)
    outcome = service.poll("agency")
    assert (outcome.new, outcome.duplicates) == (2, 0)
    assert any("unreadable date 'yesterday-ish'" in e for e in outcome.errors)
    assert service.poll("agency").new == 0  # known items are not stored again


@pytest.mark.parametrize(
    ("page", "timeout", "reason"),
    [
        (Page(b"oops", 500), 5, "HTTP 500"),
        (Page(b"<rss", delay=2.0), 0.5, "timed out after 0.5s"),
        (Page(b"", 302, {"Location": "/feed"}), 5, "redirects (a loop?)"),
        (Page(lambda: (b"x" * 65536 for _ in range(800))), 5, "over the 1048576-byte limit"),
        (Page(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 50), 5, "not a readable RSS or Atom feed"),
        (Page(b""), 5, "not a readable RSS or Atom feed"),
        (Page(b"<rss><channel><title>unclosed"), 5, "not a readable RSS or Atom feed"),
    ],
    ids=["http-500", "timeout", "redirect-loop", "50mb", "binary", "empty", "malformed-xml"],
)
def test_a_broken_feed_beside_a_good_one(
    tmp_path: Path, site: Site, page: Page, timeout: float, reason: str
) -> None:
    site.pages["/feed"] = page
    site.pages["/good"] = Page(rss([item(site.url("/a"), "Budget", NEUTRAL)]))
    config = feed_config(
        tmp_path,
        [
            {
                "name": "broken",
                "kind": "rss",
                "url": site.url("/feed"),
                "timeout": timeout,
                "max_bytes": 1048576,
            },
            {"name": "good", "kind": "rss", "url": site.url("/good")},
        ],
    )
    result = invoke("run", "--once", "--config", str(config))
    assert result.code == PARTLY_FAILED, result.stderr  # it did its work; a source errored
    assert "1 new report(s)" in result.stdout
    listed = invoke("sources", "--json", "--config", str(config)).stdout
    health = {s["name"]: s for s in json.loads(listed)}
    assert reason in health["broken"]["last_error"]
    assert health["broken"]["last_success"] is None and health["broken"]["failures"] == 1
    assert health["broken"]["next_run"] is not None  # backing off
    assert health["good"]["last_success"] and health["good"]["items_new"] == 1
    assert reason in result.stderr  # said in the log too


def test_a_malformed_feed_gives_what_it_can_and_says_so(tmp_path: Path, site: Site) -> None:
    good = item(site.url("/a"), "Budget", NEUTRAL)
    site.pages["/feed"] = Page(rss([good]).replace(b"</channel></rss>", b"<item><title>cut"))
    config = feed_config(tmp_path, [{"name": "news", "kind": "rss", "url": site.url("/feed")}])
    outcome = service_for(config).poll("news")
    assert outcome.new == 1
    assert any(e.startswith("malformed feed (") for e in outcome.errors)


def test_failing_source_backs_off_then_recovers(tmp_path: Path, site: Site) -> None:
    site.pages["/feed"] = Page(b"down", 503)
    config = feed_config(
        tmp_path, [{"name": "flaky", "kind": "rss", "url": site.url("/feed"), "every": "10s"}]
    )
    service = service_for(config)
    assert service.poll("flaky").errors
    assert service.poll("flaky").skipped  # within the back-off: not even asked
    assert len(site.requests) == 1
    site.pages["/feed"] = Page(rss([item(site.url("/a"), "Budget", NEUTRAL)]))
    assert service.poll("flaky", force=True).new == 1
    state = service.store.source_state("flaky")
    assert (state.failures, state.next_run_at, state.last_error) == (
        0,
        None,
        "HTTP 503 Service Unavailable",
    )


def reliefweb_page(items: list[tuple[str, str, str]]) -> bytes:
    data = [
        {
            "id": rid,
            "fields": {
                "title": f"Report {rid}",
                "body": body,
                "url_alias": f"https://reliefweb.int/report/{rid}",
                "date": {"created": created, "original": created},
                "source": [{"name": "OCHA"}],
            },
        }
        for rid, body, created in items
    ]
    return json.dumps({"totalCount": len(data), "count": len(data), "data": data}).encode()


def test_reliefweb_api_shape_paging_and_newest_date(tmp_path: Path, site: Site) -> None:
    site.pages["/v1/reports"] = Page(
        reliefweb_page(
            [
                ("2", f"<p>{SEED_TEXT}</p>", "2024-12-02T10:00:00+00:00"),
                ("1", NEUTRAL, "2024-12-01T10:00:00+00:00"),
            ]
        ),
        headers={"Content-Type": "application/json"},
    )
    source = {
        "name": "rw",
        "kind": "reliefweb",
        "url": site.url("/v1/reports"),
        "appname": "ngo-test",
        "query": "country:Syria",
        "page_size": 2,
        "max_pages": 2,
    }
    service = service_for(feed_config(tmp_path, [source]))
    assert service.poll("rw").new == 2
    method, path, _headers, body = site.requests[0]
    payload = json.loads(body)
    assert (method, path) == ("POST", "/v1/reports?appname=ngo-test")
    assert payload["query"] == {"value": "country:Syria", "operator": "AND"}
    assert payload["sort"] == ["date.created:desc"] and payload["limit"] == 2
    assert json.loads(site.requests[1][3])["offset"] == 2  # a full page: the next one asked
    assert service.store.source_state("rw").cursor == "2024-12-02T10:00:00+00:00"
    assert service.poll("rw").new == 0
    again = json.loads(site.requests[2][3])
    assert again["filter"] == {
        "field": "date.created",
        "value": {"from": "2024-12-02T10:00:00+00:00"},
    }
    alerts = service.score_pending()
    assert [a.severity for a in alerts] == ["critical"]


def test_reliefweb_garbage_is_a_source_error(tmp_path: Path, site: Site) -> None:
    site.pages["/v1/reports"] = Page(b'{"data": "nope"}')
    source = {"name": "rw", "kind": "reliefweb", "url": site.url("/v1/reports"), "appname": "x"}
    service = service_for(feed_config(tmp_path, [source]))
    outcome = service.poll("rw")
    assert outcome.errors == [
        "rw: poll failed: not a ReliefWeb reports response: 'data' is not a list"
    ]


def test_a_poll_killed_half_way_loses_and_repeats_nothing(tmp_path: Path, site: Site) -> None:
    count = 30
    items = []
    for n in range(count):
        text = f"Report {n}: the council of district {n} approved {n * 7} new bus routes. " * 3
        site.pages[f"/story/{n}"] = Page(
            f"<html><body><article><p>{text}</p><p>{text}</p></article></body></html>".encode(),
            headers={"Content-Type": "text/html"},
            delay=0.1,
        )
        items.append(item(site.url(f"/story/{n}"), f"Story {n}", "Summary only."))
    site.pages["/feed"] = Page(rss(items))
    inbox_files = {
        f"note{n}.txt": f"Field note {n}: the market reopened in town {n}." for n in range(5)
    }
    config = feed_config(tmp_path, [{"name": "news", "kind": "rss", "url": site.url("/feed")}])
    data = json.loads(config.read_text())
    data["sources"].append({"name": "inbox", "kind": "folder", "path": "inbox", "every": "1s"})
    config.write_text(json.dumps(data))
    for name, text in inbox_files.items():
        (tmp_path / "inbox" / name).write_text(text)
    daemon = start_daemon(config, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while sum(r[1].startswith("/story/") for r in site.requests) < count // 2:
            assert time.monotonic() < deadline, "the daemon never got half-way"
            time.sleep(0.05)
    finally:
        daemon.send_signal(signal.SIGKILL)  # no clean shutdown: half-way through the feed
        daemon.communicate(timeout=10)
    result = invoke("run", "--once", "--config", str(config))
    assert result.code == 0, result.stderr
    refs = [ref for (ref,) in query(tmp_path, "SELECT ref FROM report WHERE source = 'news'")]
    ((files,),) = query(tmp_path, "SELECT count(*) FROM report WHERE source = 'inbox'")
    assert sorted(refs) == sorted(site.url(f"/story/{n}") for n in range(count))
    assert files == len(inbox_files)
    assert sorted(p.name for p in (tmp_path / "inbox" / "done").iterdir()) == sorted(inbox_files)
    assert sources_json(config)["news"]["last_success"]
