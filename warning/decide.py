"""Decisions that look beyond one report: severity raised by what recent reports about the
same place said (severity rules with `across`), and the alert lifecycle (one alert per
event, raised or updated, its labels, silence and the messages it owes). Pure: the caller
fetches and stores."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from warning.labels import AddedLabels, alert_labels, labels_json
from warning.levels import Severity
from warning.lifecycle import Kind, Snapshot, due, group_key, update_note
from warning.models import Alert, AlertHistory, Delivery, Event, Report, utcnow
from warning.routing import Labels, Route, Routed, channels_for
from warning.rules.model import SeverityRule
from warning.score import Assessment
from warning.silences import ActiveSilence, silencing


@dataclass(frozen=True)
class Recent:
    """A scored report, as far as escalation cares."""

    report_id: int
    country: str
    towns: frozenset[str]
    signals: frozenset[str]
    scored_at: datetime


@dataclass(frozen=True)
class Nearby:
    """The earlier reports about a report's place (`MainPlace.near`) within one rule's
    `across`, as its reason names them: their ids, oldest first (the latest ones only when
    `more`: there were more than could be listed)."""

    reports: tuple[int, ...]
    more: bool = False


def window(rules: list[SeverityRule]) -> timedelta | None:
    """How far back escalation needs to look, or None when no rule looks across reports."""
    spans = spans_of(rules)
    return timedelta(seconds=max(spans)) if spans else None


def spans_of(rules: list[SeverityRule]) -> list[float]:
    """The distinct `across` of the rules (seconds), shortest first."""
    return sorted({rule.across for rule in rules if rule.across})


def escalation(
    assessment: Assessment, near: dict[float, frozenset[str]], rules: list[SeverityRule]
) -> SeverityRule | None:
    """The rule with `across` that raises `assessment`'s severity the most (the first of
    its level), given the signals fired by earlier reports about the same place within
    each span (`near`: span -> signals; none: no such report); None: none raises it."""
    fired = {s.name for s in assessment.signals}
    if not fired:
        return None
    best, chosen = assessment.severity, None
    for rule in rules:
        if rule.across is None or rule.level.rank <= best.rank:
            continue
        signals = near.get(rule.across, frozenset())
        if signals and rule.when.holds(fired | signals):
            best, chosen = rule.level, rule
    return chosen


def escalated(assessment: Assessment, rule: SeverityRule, nearby: Nearby) -> Assessment:
    """`assessment` raised to `rule`'s level, its reason naming the earlier reports."""
    hours = rule.across / 3600
    listed = ", ".join(f"#{rid}" for rid in nearby.reports)
    if nearby.more:
        said = f"more than {len(nearby.reports)} earlier reports about {assessment.place}"
        why = f"{rule.why} ({said} in the last {hours:g} h, the latest: {listed})"
    else:
        said = f"{len(nearby.reports)} earlier report(s) about {assessment.place}"
        why = f"{rule.why} (with {said} in the last {hours:g} h: {listed})"
    return replace(assessment, severity=rule.level, why=why)


def escalate(
    assessment: Assessment, recent: list[Recent], rules: list[SeverityRule], now: datetime
) -> Assessment:
    """`assessment` with its severity raised where a rule with `across` holds over its own
    signals plus those of `recent` reports about the same place (held in memory: a
    backtest's replay; the daemon asks the store, `Store.signals_near`)."""
    near = {span: _near(assessment, recent, span, now) for span in spans_of(rules)}
    signals = {span: frozenset().union(*(r.signals for r in rs)) for span, rs in near.items()}
    rule = escalation(assessment, signals, rules)
    if rule is None:
        return assessment
    return escalated(assessment, rule, Nearby(tuple(r.report_id for r in near[rule.across])))


def _near(assessment: Assessment, recent: list[Recent], span: float, now: datetime) -> list[Recent]:
    return [
        r
        for r in recent
        if now - r.scored_at <= timedelta(seconds=span)
        and assessment.main.near(r.country, set(r.towns))
    ]


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
    that hold back lesser alerts, the labels the config and rule pack add, and the time
    the decisions are made at."""

    alert_from: Severity
    routes: Route
    floors: dict[str, Severity]
    added: AddedLabels
    now: datetime = field(default_factory=utcnow)


@dataclass(frozen=True)
class ChannelPast:
    """What a channel already had about an event's alerts."""

    route: str  # the path of the route its first delivery came by
    redact: str = ""  # and that delivery's redaction
    owed: Delivery | None = None  # an update or first message not sent yet


@dataclass(frozen=True)
class AlertFacts:
    """What the store read, inside the scoring transaction, for deciding about one report
    that fired: its event (the report joined), the event's alert if any, the event as it
    was before the report joined, and what each channel already had."""

    event: Event
    report: Report
    assessment: Assessment
    existing: Alert | None
    before: Snapshot | None  # None: the event is new
    source: str  # the configured source of the alert's strongest report
    silences: tuple[ActiveSilence, ...]
    past: dict[str, ChannelPast]  # by channel
    group_sent: dict[str, datetime]  # "channel|group key" -> the group's last message there


@dataclass(frozen=True)
class AlertChange:
    alert: Alert
    created: bool  # a new alert; else an update of its event's alert
    raised: bool = False  # the update raised its severity
    deliveries: tuple[Delivery, ...] = ()  # to add (alert_id set by the store)
    notes: tuple[tuple[Delivery, str], ...] = ()  # owed updates that now say more
    history: tuple[AlertHistory, ...] = ()


def plan_alert(facts: AlertFacts, policy: AlertPolicy) -> AlertChange | None:
    """The event's alert raised or updated (see `decide_alert`), its labels, the silence
    that holds it, and the messages it now owes: a first message to each channel its routes
    newly give it, an update to each channel that had it when its severity rose, a signal
    joined or its sources passed a threshold (never for a mere copy); each due as its
    route's group wait, group interval, quiet hours or digest say."""
    decided = decide_alert(facts.existing, facts.event, facts.report, facts.assessment, policy)
    if decided is None:
        return None
    alert = decided.alert
    labels = alert_labels(
        json.loads(alert.assessment), alert.severity, facts.source, policy.added, facts.event.id
    )
    alert.labels = labels_json(labels)
    history = [_happened(decided, facts, policy.now)]
    alert.silenced_by = silencing(facts.silences, labels)
    if alert.silenced_by is not None:
        history.append(
            AlertHistory(
                alert_id=0,
                at=policy.now,
                what="silenced",
                detail=f"by silence #{alert.silenced_by}",
            )
        )
        return replace(decided, history=tuple(history))
    severity = Severity(alert.severity)
    routes = policy.routes.by_path()
    deliveries: list[Delivery] = []
    notes: list[tuple[Delivery, str]] = []
    after = Snapshot(severity, _split(facts.event.signals), facts.event.sources)
    for name, past in facts.past.items():
        route = routes.get(past.route, policy.routes)
        note = (
            update_note(facts.before, after, route.options.timing.notify_on_sources)
            if facts.before
            else ""
        )
        if not note or route.options.timing.digest is not None:
            continue
        if past.owed is not None:
            if past.owed.kind == Kind.update:
                notes.append((past.owed, f"{past.owed.note}; {note}"))
            continue
        group = group_key(route.options, labels, route)
        deliveries.append(
            _delivery(name, Kind.update, note, route, group, severity, facts, policy, past.redact)
        )
    for name, routed in channels_owed(labels, policy, set(facts.past)).items():
        route = routed.route
        kind = Kind.digest if route.options.timing.digest is not None else Kind.alert
        group = group_key(route.options, labels, route)
        deliveries.append(
            _delivery(name, kind, "", route, group, severity, facts, policy, routed.redact)
        )
    return replace(
        decided, deliveries=tuple(deliveries), notes=tuple(notes), history=tuple(history)
    )


def _delivery(
    channel: str,
    kind: Kind,
    note: str,
    route: Route,
    group: str,
    severity: Severity,
    facts: AlertFacts,
    policy: AlertPolicy,
    redact: str,
) -> Delivery:
    when = due(
        route.options, kind, severity, policy.now, facts.group_sent.get(f"{channel}|{group}")
    )
    return Delivery(
        alert_id=0, channel=channel, kind=kind.value, note=note, route=route.path,
        group_key=group, hold=when.hold.value, next_attempt_at=when.at, created_at=policy.now,
        redact=redact,
    )  # fmt: skip


def _happened(change: AlertChange, facts: AlertFacts, now: datetime) -> AlertHistory:
    report = f"report #{facts.report.id}"
    if change.created:
        what, detail = "created", f"{change.alert.severity} from {report}"
    elif change.raised:
        what, detail = "raised", f"to {change.alert.severity} by {report}"
    else:
        what, detail = (
            "updated",
            f"{report} joined ({facts.event.reports} reports, {facts.event.sources} sources)",
        )
    return AlertHistory(alert_id=0, at=now, what=what, detail=detail)


def _split(joined: str) -> frozenset[str]:
    return frozenset(filter(None, joined.split(",")))


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
        existing.updated_at = policy.now
        change = AlertChange(existing, created=False, raised=raised)
    change.alert.reports, change.alert.sources = event.reports, event.sources
    return change


def channels_owed(labels: Labels, policy: AlertPolicy, already: set[str]) -> dict[str, Routed]:
    """Channels the routes give an alert with these labels that have no delivery of it yet
    (and whose min_severity, if they set one, it reaches), in match order, each with the
    route that gave it and the redaction its routes ask."""
    severity = Severity(labels["severity"][0])
    return {
        name: routed
        for name, routed in channels_for(policy.routes, labels).items()
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
