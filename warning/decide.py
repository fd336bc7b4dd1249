"""Decisions that look beyond one report: severity raised by what recent reports about the
same place said (severity rules with `across`). Pure: the caller fetches the recent reports."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

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
