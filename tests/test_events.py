"""One happening, one alert: the seed story from three outlets joins one event."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import (
    DATA,
    SEED,
    HttpCapture,
    Page,
    Site,
    free_port,
    invoke,
    start_daemon,
    store_url,
    write_config,
)
from tests.test_sources import item, rss
from warning.config import Settings, load_settings
from warning.daemon import Web
from warning.notify import Notifier
from warning.pipeline import Service
from warning.sources import Stored
from warning.store import Store

pytestmark = pytest.mark.both_databases

ORIGINAL = (DATA / "pages" / "seed_page.html").read_bytes()


def page_of(path: Path, title: str) -> bytes:
    """A plain news page around a text file's paragraphs."""
    paragraphs = [p for p in path.read_text().split("\n\n") if p.strip()]
    body = "".join(f"<p>{p}</p>" for p in paragraphs[1:])
    return (
        f"<html><head><title>{title}</title></head><body><nav>Home | World | Sport</nav>"
        f"<article><h1>{title}</h1>{body}</article><footer>© Outlet</footer></body></html>"
    ).encode()


def outlet(site: Site, name: str, page: bytes, title: str, summary: str) -> dict:
    site.pages[f"/{name}/story"] = Page(page, headers={"Content-Type": "text/html"})
    site.pages[f"/{name}/feed"] = Page(rss([item(site.url(f"/{name}/story"), title, summary)]))
    return {"name": name, "kind": "rss", "url": site.url(f"/{name}/feed")}


def test_seed_from_three_outlets_is_one_event_and_one_alert(
    tmp_path: Path, site: Site, http_server: HttpCapture
) -> None:
    sources = [
        outlet(site, "original", ORIGINAL, "Assad huddles with Russia, Iran", "Rebels near."),
        outlet(
            site,
            "wire-copy",
            page_of(DATA / "seed_syndicated.txt", "Syria: rebels push on"),
            "Syria: rebels push on",
            "Copy.",
        ),
        outlet(
            site,
            "rewrite",
            page_of(DATA / "seed_rewrite.txt", "Kurdish enclave cut off"),
            "Kurdish enclave cut off",
            "Own reporting.",
        ),
    ]
    chat = {"url": http_server.mattermost_url(), "min_severity": "high"}
    config = write_config(tmp_path, channels={"duty-chat": chat}, sources=sources)
    result = invoke("run", "--once", "--config", str(config))
    assert result.code == 0, result.stderr
    assert "3 new report(s), 1 alert(s)" in result.stdout
    alerts = json.loads(invoke("alerts", "--json", "--config", str(config)).stdout)
    assert len(alerts) == 1
    alert = alerts[0]
    assert (alert["reports"], alert["sources"]) == (3, 2)
    assert alert["severity"] == "critical" and alert["place"].startswith("Syria (")
    assert [d["status"] for d in alert["deliveries"]] == ["sent"]
    assert len(http_server.posts) == 1  # updated, not sent again
    assert "alert updated" in result.stderr

    again = invoke("run", "--once", "--config", str(config))
    assert "0 new report(s), 0 alert(s)" in again.stdout
    assert len(http_server.posts) == 1


def test_posted_reports_reach_the_running_daemon_and_become_alerts(tmp_path: Path) -> None:
    token = "field-T0ken-0123456789"
    port = free_port()
    config = write_config(
        tmp_path,
        sources=[{"name": "field", "kind": "http", "token": "${FIELD_TOKEN}"}],
        web={"port": port},
    )
    env = {**os.environ, "FIELD_TOKEN": token}
    daemon = start_daemon(config, env)
    try:
        url = f"http://127.0.0.1:{port}/api/reports"
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = httpx.post(
                    url,
                    json={"text": SEED.read_text(), "source": "Partner NGO"},
                    headers={"Authorization": f"Bearer {token}"},
                )
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the web app never answered"
                time.sleep(0.3)
        assert answer.status_code == 202, answer.text
        assert httpx.post(url, json={"text": "x"}).status_code == 401
        report_id = answer.json()["reports"][0]["id"]
        while not (
            alerts := json.loads(
                invoke("alerts", "--json", "--config", str(config), env=env).stdout
            )
        ):
            assert time.monotonic() < deadline, "no alert for the posted report"
            time.sleep(0.5)
        assert alerts[0]["report_id"] == report_id and alerts[0]["severity"] == "critical"
        health = httpx.get(f"http://127.0.0.1:{port}/healthz")
        assert health.status_code == 200 and health.json()["scheduler"] == "alive", health.text
        assert health.json()["scheduler_beat_age_s"] < 30
    finally:
        daemon.send_signal(signal.SIGTERM)
        out, err = daemon.communicate(timeout=60)
    assert daemon.returncode == 0, err
    assert token not in out + err


def test_a_later_report_raises_the_events_alert_and_owes_new_channels(
    tmp_path: Path,
    scorer,
    http_server: HttpCapture,  # noqa: ANN001
) -> None:
    channels = {
        "duty": {"url": http_server.mattermost_url("duty"), "min_severity": "high"},
        "wide": {"url": http_server.mattermost_url("wide"), "min_severity": "critical"},
    }
    settings = load_settings(write_config(tmp_path, channels=channels))
    service = Service(settings, Store(settings.database.url), scorer, Notifier(settings))
    inbox = tmp_path / "inbox"
    (inbox / "a.txt").write_text(
        "Around 20,000 residents of Tal Rifaat are besieged by armed factions. "
        "Aid agencies fear massacres of Kurds in the town."
    )
    first = service.run_once()
    assert [a.severity for a in first.alerts] == ["high"]
    assert [path for path, _ in http_server.posts] == ["/hooks/duty"]
    (inbox / "b.txt").write_text(
        "In Tal Rifaat, communications have been cut and the internet is down, and residents "
        "remain besieged by the factions, raising fears of possible massacres."
    )
    second = service.run_once()
    assert second.alerts == []  # no new alert: the event's alert was raised
    rows = service.store.alert_log()
    assert len(rows) == 1 and rows[0].alert.severity == "critical"
    assert (rows[0].alert.reports, rows[0].alert.sources) == (2, 2)
    # duty, which had "high", hears that it is now critical; wide gets its first message
    paths = [path for path, _ in http_server.posts]
    assert sorted(paths) == ["/hooks/duty", "/hooks/duty", "/hooks/wide"]
    update = [body for path, body in http_server.posts if path == "/hooks/duty"][1]
    assert "now CRITICAL (was high)" in update["text"]


def test_reload_restarts_the_web_app_with_the_new_tokens(tmp_path: Path) -> None:
    port = free_port()
    received: list[str] = []

    def intake(name: str, items) -> list[Stored]:  # noqa: ANN001
        received.extend(f"{name}:{i.text}" for i in items)
        return [Stored(i.ref, n, False) for n, i in enumerate(items, 1)]

    def settings(token: str | None) -> Settings:
        sources = [{"name": "field", "kind": "http", "token": token}] if token else []
        return Settings.model_validate({"sources": sources, "web": {"port": port}})

    def post(token: str) -> int:
        url = f"http://127.0.0.1:{port}/api/reports"
        auth = {"Authorization": f"Bearer {token}"}
        return httpx.post(url, json={"text": "hello there"}, headers=auth).status_code

    web = Web()
    try:
        web.sync(settings("first-token-0123456789"), intake)
        assert post("first-token-0123456789") == 202
        web.sync(settings("second-token-0123456789"), intake)
        assert post("first-token-0123456789") == 401
        assert post("second-token-0123456789") == 202
        server = web.server
        web.sync(settings("second-token-0123456789"), intake)  # unchanged: not restarted
        assert web.server is server
        web.sync(settings(None), intake)  # no http source, web not enabled: not served
        assert web.server is None
        with pytest.raises(httpx.TransportError):
            post("second-token-0123456789")
    finally:
        web.stop()
    assert received == ["field:hello there", "field:hello there"]


def test_a_stored_reports_reading_is_kept_not_redone(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    """Each report joining an event compares itself with the event's latest 20: their
    readings (copies.told, 90 us per KB) are kept for the TOLD_KEPT latest report ids."""
    from warning import events
    from warning.config import EventSettings

    calls: list[str] = []
    real = events.told

    def counting(outlet: str, title: str, text: str):  # noqa: ANN202
        calls.append(title)
        return real(outlet, title, text)

    monkeypatch.setattr(events, "told", counting)
    monkeypatch.setattr(events, "TOLD_KEPT", 2)
    finder = events.EventFinder(Store(store_url(tmp_path)), EventSettings())
    first = finder._reading(1, "Outlet", "one", "Gunmen killed 11 villagers in Kutum.")
    assert finder._reading(1, "Outlet", "one", "Gunmen killed 11 villagers in Kutum.") is first
    finder._reading(2, "Outlet", "two", "Thousands fled Kutum.")
    finder._reading(3, "Outlet", "three", "The town is besieged.")  # 1, the oldest, goes
    finder._reading(1, "Outlet", "one", "Gunmen killed 11 villagers in Kutum.")
    assert calls == ["one", "two", "three", "one"]
    assert list(finder.readings) == [3, 1]


def test_the_near_duplicate_index_holds_only_the_window_and_restarts_the_same(
    tmp_path: Path,
    scorer,  # noqa: ANN001
) -> None:
    """Issue 12, item 4: a report leaves the in-memory index once it was received more than
    events.window ago, so the index stays the window's size; a finder built after a restart
    holds the same reports, so a copy joins (or not) the same either way."""
    from datetime import timedelta

    from sqlmodel import Session

    from warning.config import EventSettings
    from warning.dedupe import fingerprint
    from warning.events import EventFinder, report_fingerprint
    from warning.models import Report, utcnow

    store = Store(store_url(tmp_path))
    settings = EventSettings(window=3600)
    now = [utcnow()]
    finder = EventFinder(store, settings, clock=lambda: now[0])
    text = SEED.read_text()
    first = Report(source="s", title="first", text=text, received_at=now[0],
                   fingerprint=fingerprint(text).to_bytes())  # as intake stores it  # fmt: skip
    first_id, _ = store.add_report(first)
    with Session(store.engine, expire_on_commit=False) as session:
        first = session.get(Report, first_id)
    assessment = scorer.score(text)
    joining = finder.event_for(first, assessment)
    store.record_score(first, assessment, joining, lambda facts: None)
    assert len(finder.index) == 1

    def first_found(minutes: int, n: int) -> tuple[bool, bool]:
        """Is the first report a near-duplicate candidate for a copy received `minutes`
        after it, in the running finder and in one built now (a restart)?"""
        now[0] = first.received_at + timedelta(minutes=minutes)
        copy = Report(id=10_000 + n, source="s", title=f"copy {n}", text=text + f" ({n})",
                      received_at=now[0])  # fmt: skip
        prints = report_fingerprint(copy)
        restarted = EventFinder(store, settings, clock=lambda: now[0])
        finder.event_for(copy, assessment)  # forgets what left the window, indexes the copy
        running = first_id in {key for key, _ in finder.index.similar(prints)}
        fresh = first_id in {key for key, _ in restarted.index.similar(prints)}
        return running, fresh

    assert first_found(59, 1) == (True, True)
    assert first_found(61, 2) == (False, False)  # past the window: both forgot the first
    assert first_id not in finder.received and len(finder.index) == 2  # the two copies
