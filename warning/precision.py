"""Per-rule precision from reviewers' verdicts: each verdict on a signal of an alert counts
for every rule that fired for that signal in the alert (the latest verdict per alert and
signal). Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

TRUE, FALSE = "true_positive", "false_positive"
LAST_SHOWN = 5


@dataclass(frozen=True, slots=True)
class Judged:
    alert_id: int
    signal: str
    verdict: str  # TRUE or FALSE


@dataclass
class RuleRecord:
    rule: str
    signal: str
    alerts: int = 0  # alerts it contributed evidence to
    true: int = 0
    false: int = 0
    last_false: list[int] = field(default_factory=list)  # alert ids, newest first

    @property
    def judged(self) -> int:
        return self.true + self.false

    @property
    def precision(self) -> float | None:
        return self.true / self.judged if self.judged else None

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "signal": self.signal, "alerts": self.alerts,
                "true_positives": self.true, "false_positives": self.false,
                "precision": self.precision, "last_false_positives": self.last_false}  # fmt: skip


def rules_by_signal(assessment: Mapping[str, Any]) -> dict[str, set[str]]:
    """The rules that fired for each signal of a stored assessment."""
    return {
        s["name"]: {h["rule"] for h in s.get("hits", [])} for s in assessment.get("signals", [])
    }


def rule_precision(
    alerts: Iterable[tuple[int, Mapping[str, Any]]], verdicts: Iterable[Judged]
) -> list[RuleRecord]:
    """One record per rule that contributed to any alert, worst precision first (unjudged
    rules last, by name). `alerts`: (alert id, stored assessment); `verdicts` oldest first."""
    latest = {(v.alert_id, v.signal): v.verdict for v in verdicts}
    records: dict[str, RuleRecord] = {}
    for alert_id, assessment in sorted(alerts, key=lambda a: -a[0]):
        for signal, rules in rules_by_signal(assessment).items():
            verdict = latest.get((alert_id, signal))
            for rule in rules:
                record = records.setdefault(rule, RuleRecord(rule, signal))
                record.alerts += 1
                if verdict == TRUE:
                    record.true += 1
                elif verdict == FALSE:
                    record.false += 1
                    if len(record.last_false) < LAST_SHOWN:
                        record.last_false.append(alert_id)
    return sorted(records.values(), key=_order)


def _order(record: RuleRecord) -> tuple:
    precision = record.precision
    return (precision is None, precision if precision is not None else 0.0, record.rule)


def below(records: Iterable[RuleRecord], floor: float, least: int) -> list[RuleRecord]:
    """Rules judged on at least `least` alerts whose precision is under `floor`."""
    return [r for r in records if r.judged >= least and (r.precision or 0.0) < floor]
