"""Replaying a candidate rule pack (or classifier) over stored reports before it goes live:
which alerts it would add, remove or change in severity against what was alerted, with
the quote that decides each, the reports per signal before and after, and, where reviewers
judged alerts, the precision it would have had. Pure: the CLI reads and scores."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from warning.levels import Severity
from warning.precision import TRUE, Judged


@dataclass(frozen=True, slots=True)
class Replayed:
    """One stored report as the candidate scores it."""

    report_id: int
    event_id: int | None  # the event it joined when it was scored live (None: it fired none)
    before: frozenset[str]  # the signals it fired live
    severity: Severity
    signals: frozenset[str]
    place: str
    quote: str  # the candidate's deciding quote


@dataclass(frozen=True, slots=True)
class Alerted:
    """An alert as it stands in the store (the one that speaks for its event)."""

    alert_id: int
    event_id: int
    severity: Severity
    place: str
    quote: str


@dataclass(frozen=True, slots=True)
class Change:
    kind: str  # added | removed | raised | lowered
    before: Severity | None
    after: Severity | None
    place: str
    quote: str  # the candidate's deciding quote (the stored alert's, for a removed one)
    report_id: int | None  # the candidate's strongest report
    alert_id: int | None  # the stored alert, if there is one

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "before": self.before and self.before.value,
                "after": self.after and self.after.value, "place": self.place,
                "quote": self.quote, "report_id": self.report_id,
                "alert_id": self.alert_id}  # fmt: skip


@dataclass
class Outcome:
    reports: int = 0
    changes: list[Change] = field(default_factory=list)
    before: Counter[str] = field(default_factory=Counter)  # reports per signal, live
    after: Counter[str] = field(default_factory=Counter)  # and under the candidate
    precision_before: float | None = None  # on judged alert signals, as alerted
    precision_after: float | None = None  # on those the candidate still fires
    judged: int = 0


def compare(
    replayed: Iterable[Replayed],
    alerted: Mapping[int, Alerted],
    alert_from: Severity,
    verdicts: Iterable[Judged] = (),
) -> Outcome:
    """The candidate's alerts against the stored ones, event by event: the reports of one
    stored event are one happening (the candidate's severity is its strongest report's); a
    report that joined no event is a happening of its own."""
    outcome = Outcome()
    strongest: dict[tuple[str, int], Replayed] = {}
    fired: dict[int, set[str]] = {}  # event -> signals the candidate fires in it
    for item in replayed:
        outcome.reports += 1
        outcome.before.update(item.before)
        outcome.after.update(item.signals)
        key = ("event", item.event_id) if item.event_id is not None else ("report", item.report_id)
        if item.event_id is not None:
            fired.setdefault(item.event_id, set()).update(item.signals)
        best = strongest.get(key)
        if best is None or item.severity.rank > best.severity.rank:
            strongest[key] = item
    for (kind, key), item in strongest.items():
        stored = alerted.get(key) if kind == "event" else None
        change = _change(stored, item, alert_from)
        if change is not None:
            outcome.changes.append(change)
    outcome.changes.sort(key=lambda c: (_ORDER[c.kind], -(c.after or c.before).rank))
    alerting = {
        key for (kind, key), item in strongest.items()
        if kind == "event" and _alerts(item.severity, alert_from)
    }  # fmt: skip
    _precision(outcome, alerted, {e: s for e, s in fired.items() if e in alerting}, verdicts)
    return outcome


def _alerts(severity: Severity, alert_from: Severity) -> bool:
    return severity != Severity.none and severity.at_least(alert_from)


_ORDER = {"added": 0, "raised": 1, "lowered": 2, "removed": 3}


def _change(stored: Alerted | None, item: Replayed, alert_from: Severity) -> Change | None:
    alerts = _alerts(item.severity, alert_from)
    if stored is None:
        if not alerts:
            return None
        return Change("added", None, item.severity, item.place, item.quote, item.report_id, None)
    if not alerts:
        return Change("removed", stored.severity, None, stored.place, stored.quote,
                      None, stored.alert_id)  # fmt: skip
    if item.severity == stored.severity:
        return None
    kind = "raised" if item.severity.rank > stored.severity.rank else "lowered"
    return Change(kind, stored.severity, item.severity, item.place, item.quote,
                  item.report_id, stored.alert_id)  # fmt: skip


def _precision(
    outcome: Outcome,
    alerted: Mapping[int, Alerted],
    fired: Mapping[int, set[str]],
    verdicts: Iterable[Judged],
) -> None:
    """Over the judged signals of stored alerts in the period: the precision as alerted,
    and over those the candidate still alerts and fires (`fired`: by event it alerts), the
    precision it would have had."""
    by_alert = {a.alert_id: a for a in alerted.values()}
    latest = {(v.alert_id, v.signal): v.verdict for v in verdicts if v.alert_id in by_alert}
    if not latest:
        return
    outcome.judged = len(latest)
    outcome.precision_before = sum(v == TRUE for v in latest.values()) / len(latest)
    kept = [v for (aid, signal), v in latest.items()
            if signal in fired.get(by_alert[aid].event_id, ())]  # fmt: skip
    if kept:
        outcome.precision_after = sum(v == TRUE for v in kept) / len(kept)
