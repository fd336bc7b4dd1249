"""Escalation reads the reports near a place by index seeks (warning.models.ReportPlace,
Store.signals_near / reports_near) instead of every recent report about the country: the
same severities and reasons as the old look-up, computed from the same rows, over a fixed
corpus (the events set and labelled texts of bench/data); and the rows are there for the
reports scored before the table existed (migration 0003)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from tests.conftest import store_url, write_config
from warning import schema
from warning.config import load_settings
from warning.decide import Recent, window
from warning.models import Report, ReportPlace, utcnow
from warning.notify import Notifier
from warning.pipeline import NAMED_NEAR, Service
from warning.rules.model import SeverityRule
from warning.score import Assessment
from warning.sources import Incoming
from warning.store import Store, engine_for, upgrade_schema

pytestmark = pytest.mark.both_databases

BENCH = Path(__file__).resolve().parent.parent / "bench" / "data"
CORPUS = ("events.jsonl", "short_en.jsonl", "news.jsonl")


def corpus() -> list[Incoming]:
    items = []
    for name in CORPUS:
        for number, line in enumerate((BENCH / name).read_text(encoding="utf-8").splitlines()):
            row = json.loads(line)
            items.append(Incoming(f"{name}:{number}", row.get("title", ""), row["text"]))
    return items


def old_recent(store: Store, country: str, since: datetime) -> list[Recent]:
    """The look-up escalation made before: every fired report about the country."""
    query = (
        select(Report.id, Report.towns, Report.signals, Report.scored_at)
        .where(Report.country == country, Report.scored_at >= since, Report.signals != "")
        .order_by(Report.id)
    )
    with Session(store.engine) as session:
        return [
            Recent(rid, country, frozenset(filter(None, towns.split("|"))),
                   frozenset(signals.split(",")), at)
            for rid, towns, signals, at in session.exec(query)
        ]  # fmt: skip


def old_escalate(
    assessment: Assessment, recent: list[Recent], rules: list[SeverityRule], now: datetime
) -> Assessment:
    """warning.decide.escalate as it was (the reference)."""
    fired = {s.name for s in assessment.signals}
    best, why = assessment.severity, assessment.why
    for rule in rules:
        if rule.across is None or rule.level.rank <= best.rank:
            continue
        related = [
            r
            for r in recent
            if now - as_aware(r.scored_at) <= timedelta(seconds=rule.across)
            and assessment.main.near(r.country, set(r.towns))
        ]
        if related and rule.when.holds(fired.union(*(r.signals for r in related))):
            best = rule.level
            why = (
                f"{rule.why} (with {len(related)} earlier report(s) about {assessment.place} "
                f"in the last {rule.across / 3600:g} h: "
                f"{', '.join(f'#{r.report_id}' for r in related)})"
            )
    return replace(assessment, severity=best, why=why)


def as_aware(moment: datetime) -> datetime:
    from warning.times import as_utc

    return as_utc(moment)


def test_escalation_finds_what_the_old_look_up_found(tmp_path: Path, scorer) -> None:  # noqa: ANN001
    settings = load_settings(write_config(tmp_path))
    service = Service(settings, Store(settings.database.url), scorer, Notifier(settings))
    rules = scorer.rules.severity
    compared: list[tuple[Assessment, Assessment]] = []
    new_look_up = service._escalated

    def both(assessment: Assessment) -> Assessment:
        country = assessment.main.country
        now = utcnow()
        if country and assessment.signals:
            recent = old_recent(service.store, country, now - window(rules))
            compared.append((old_escalate(assessment, recent, rules, now), new_look_up(assessment)))
        return new_look_up(assessment)

    service._escalated = both
    service.intake("inbox", corpus())
    service.score_pending()

    assert len(compared) > 100
    raised = [(old, new) for old, new in compared if "earlier report" in old.why]
    assert len(raised) >= 5, "the corpus must escalate some reports"
    for old, new in compared:
        assert new.severity == old.severity, old.why
        if "more than" not in new.why:
            assert new.why == old.why
        else:  # the reason names the latest NAMED_NEAR of the old look-up's reports
            named = new.why.split("the latest: ")[1].rstrip(")").split(", ")
            assert len(named) == NAMED_NEAR and set(named) <= set(old.why.split(": ")[-1][:-1]
                                                                   .split(", "))  # fmt: skip


def test_reports_scored_before_the_table_are_filed_by_the_migration(
    tmp_path: Path,
    scorer,  # noqa: ANN001
) -> None:
    from alembic import command

    settings = load_settings(write_config(tmp_path))
    store = Store(settings.database.url)
    service = Service(settings, store, scorer, Notifier(settings))
    service.intake("inbox", corpus()[:60])
    service.score_pending()
    filed = report_places(store)
    store.close()
    assert len({row[0] for row in filed}) > 20 and ("*", "") in {row[1:3] for row in filed}
    engine = engine_for(store_url(tmp_path))
    with engine.connect() as connection:
        command.downgrade(schema._config(connection), "0002")  # the table goes
        connection.commit()
    engine.dispose()
    upgrade_schema(store_url(tmp_path))
    store = Store(store_url(tmp_path))
    assert report_places(store) == filed
    store.close()


def report_places(store: Store) -> list[tuple]:
    query = select(ReportPlace.report_id, ReportPlace.town, ReportPlace.signal,
                   ReportPlace.country)  # fmt: skip
    with Session(store.engine) as session:
        return sorted(tuple(row) for row in session.exec(query))
