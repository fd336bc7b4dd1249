"""Decisions that look beyond one report: severity raised by what recent reports about the
same place said (severity rules with `across`), and the alert lifecycle (one alert per
event, raised or updated). Pure: the caller fetches and stores."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from warning.labels import AddedLabels
from warning.levels import Severity
from warning.models import Alert, Event, Report, utcnow
from warning.routing import Labels, Route, channels_for
from warning.rules.model import SeverityRule
from warning.score import Assessment


@dataclass(frozen=True)
class Recent:
    """A scored report, as far as escalation cares."""

    report_id: int
    country: str
    towns: frozenset[str]
    signals: frozenset[str]
    scored_at: datetime


def window(rules: list[SeverityRule]) -> timedelta | None:
    """How far back escalation needs to look, or None when no rule looks across reports."""
    spans = [rule.across for rule in rules if rule.across]
    return timedelta(seconds=max(spans)) if spans else None


def escalate(
    assessment: Assessment, recent: list[Recent], rules: list[SeverityRule], now: datetime
) -> Assessment:
    """`assessment` with its severity raised where a rule with `across` holds over its own
    signals plus those of recent reports about the same place."""
    fired = {s.name for s in assessment.signals}
    if not fired:
        return assessment
    best, why = assessment.severity, assessment.why
    for rule in rules:
        if rule.across is None or rule.level.rank <= best.rank:
            continue
        related = [
            r
            for r in recent
            if now - r.scored_at <= timedelta(seconds=rule.across)
            and assessment.main.near(r.country, set(r.towns))
        ]
        if related and rule.when.holds(fired.union(*(r.signals for r in related))):
            hours = rule.across / 3600
            best = rule.level
            why = (
                f"{rule.why} (with {len(related)} earlier report(s) about {assessment.place} "
                f"in the last {hours:g} h: {', '.join(f'#{r.report_id}' for r in related)})"
            )
    if best == assessment.severity:
        return assessment
    return replace(assessment, severity=best, why=why)


@dataclass(frozen=True)
class Joining:
    """The event a report joins (None: a new one), and whether the report is a copy of one
    of that event's reports (a syndicated wire story: no new independent source)."""

    event: int | None = None
    copy: bool = False
    places: frozenset[str] = frozenset()  # the report's place keys, kept for later reports
    merge: tuple[int, ...] = ()  # other events the report shows are the same happening


@dataclass(frozen=True)
class AlertPolicy:
    """Who gets what: the least severity logged as an alert, the routing tree, the channels
    that hold back lesser alerts, and the labels the config and rule pack add."""

    alert_from: Severity
    routes: Route
    floors: dict[str, Severity]
    added: AddedLabels


@dataclass(frozen=True)
class AlertChange:
    alert: Alert
    created: bool  # a new alert; else an update of its event's alert
    raised: bool = False  # the update raised its severity


def decide_alert(
    existing: Alert | None,
    event: Event,
    report: Report,
    assessment: Assessment,
    policy: AlertPolicy,
) -> AlertChange | None:
    """One alert per event: a new one when the report is severe enough and its event has
    none; else the event's alert updated (counts; severity, quotes and title too when this
    report is more severe). None: no alert."""
    severity = assessment.severity
    if existing is None:
        if severity == Severity.none or not severity.at_least(policy.alert_from):
            return None
        change = AlertChange(Alert(event_id=event.id, assessment=""), created=True)
        describe(change.alert, report, assessment)
    else:
        raised = severity.rank > existing.severity_rank
        if raised:
            describe(existing, report, assessment)
        existing.updated_at = utcnow()
        change = AlertChange(existing, created=False, raised=raised)
    change.alert.reports, change.alert.sources = event.reports, event.sources
    return change


def channels_owed(labels: Labels, policy: AlertPolicy, already: set[str]) -> dict[str, str]:
    """Channels the routes give an alert with these labels that have no delivery of it yet
    (and whose min_severity, if they set one, it reaches), in match order, each with the
    redaction its routes ask."""
    severity = Severity(labels["severity"][0])
    return {
        name: redact
        for name, redact in channels_for(policy.routes, labels).items()
        if name not in already and severity.at_least(policy.floors.get(name, Severity.none))
    }


def describe(alert: Alert, report: Report, assessment: Assessment) -> None:
    """The alert as its strongest report tells it."""
    alert.report_id = report.id
    alert.severity = assessment.severity.value
    alert.severity_rank = assessment.severity.rank
    alert.place = assessment.place
    alert.title = report.title
    alert.url = report.url
    alert.signals = ",".join(s.name for s in assessment.signals)
    alert.assessment = json.dumps(assessment.to_json(), ensure_ascii=False)
