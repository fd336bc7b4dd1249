"""Severity across reports: signals of recent reports about the same place complete a
pattern (besieged + cut off + atrocity language) that no single report holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import write_config
from warning.config import load_settings
from warning.notify import Notifier
from warning.pipeline import Service
from warning.store import Store, upgrade_schema

pytestmark = pytest.mark.both_databases

SIEGE = "Around 20,000 people are besieged by armed factions in the town of Aleppo, Syria."
COMMS = "Communications have been cut in Aleppo, Syria, raising fears of massacres."
ELSEWHERE = "Communications have been cut in Homs, Syria, raising fears of massacres."


def _service(tmp_path: Path, scorer) -> Service:  # noqa: ANN001
    settings = load_settings(write_config(tmp_path))
    return Service(settings, Store(settings.database.url), scorer, Notifier(settings))


def _ingest(service: Service, tmp_path: Path, name: str, text: str):  # noqa: ANN202
    (tmp_path / "inbox" / name).write_text(text + "\n")
    service.poll("inbox")
    return service.score_pending()


def test_two_reports_about_one_place_make_a_critical_alert(tmp_path: Path, scorer) -> None:  # noqa: ANN001
    service = _service(tmp_path, scorer)
    first = _ingest(service, tmp_path, "a.txt", SIEGE)
    assert [a.severity for a in first] == ["low"]
    second = _ingest(service, tmp_path, "b.txt", COMMS)
    assert [a.severity for a in second] == ["critical"]
    assert "with 1 earlier report(s) about Syria (Aleppo)" in second[0].assessment


def test_a_report_about_another_town_does_not_escalate(tmp_path: Path, scorer) -> None:  # noqa: ANN001
    service = _service(tmp_path, scorer)
    _ingest(service, tmp_path, "a.txt", SIEGE)
    alerts = _ingest(service, tmp_path, "b.txt", ELSEWHERE)
    assert [a.severity for a in alerts] == ["high"]  # atrocity language with a comms cut, alone


OLD_REPORT_TABLE = """
create table report (
    id integer primary key, source varchar not null, ref varchar not null,
    url varchar not null, title varchar not null, text text not null,
    content_hash varchar not null unique, received_at datetime not null,
    scored_at datetime, language varchar not null);
insert into report (source, ref, url, title, text, content_hash, received_at, language)
    values ('inbox', 'a', '', 't', 'x', 'h', '2026-01-01 00:00:00', '');
"""


def test_a_store_from_an_older_version_gains_the_new_columns(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "old.db"
    with sqlite3.connect(db) as connection:
        connection.executescript(OLD_REPORT_TABLE)
    upgrade_schema(f"sqlite:///{db}")
    store = Store(f"sqlite:///{db}")
    assert store.counts()["report"] == 1
    with sqlite3.connect(db) as connection:
        columns = {row[1] for row in connection.execute("pragma table_info(report)")}
        indexes = {row[1] for row in connection.execute("pragma index_list(report)")}
    assert {"signals", "country", "towns", "fingerprint", "event_id"} <= columns
    assert {"ix_report_source_ref", "ix_report_event_id"} <= indexes
    assert store.knows("inbox", "nothing-here") is False


def test_the_place_index_forgets_what_escalation_will_not_look_back_on(
    tmp_path: Path,
    scorer,  # noqa: ANN001
) -> None:
    """Each fired report files about 8 rows in `reportplace`; rows older than the longest
    `across` (and a week) are removed, at most every 10 minutes, the reports kept."""
    from datetime import timedelta

    from tests.conftest import query
    from warning.pipeline import FORGET_EVERY, PLACES_KEPT

    service = _service(tmp_path, scorer)
    _ingest(service, tmp_path, "a.txt", SIEGE)
    _ingest(service, tmp_path, "b.txt", ELSEWHERE)
    rows = {
        rid: n
        for rid, n in query(
            tmp_path, "SELECT report_id, count(*) FROM reportplace GROUP BY report_id"
        )
    }
    assert len(rows) == 2 and min(rows.values()) >= 4
    old, recent = sorted(rows)
    now = service.clock()
    query(tmp_path, "UPDATE reportplace SET scored_at = :at WHERE report_id = :rid",
          at=now - PLACES_KEPT - timedelta(hours=1), rid=old)  # fmt: skip
    service.clock = lambda: now + FORGET_EVERY / 2  # pruned at the last scoring: not yet again
    service.score_pending()
    assert {rid for (rid,) in query(tmp_path, "SELECT report_id FROM reportplace")} == {old, recent}
    service.clock = lambda: now + FORGET_EVERY * 2
    service.score_pending()
    assert {rid for (rid,) in query(tmp_path, "SELECT report_id FROM reportplace")} == {recent}
    assert len(query(tmp_path, "SELECT id FROM report")) == 2
