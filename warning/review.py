"""What the review desk and the CLI compute from the store's alerts and verdicts."""

from __future__ import annotations

import json
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress

from warning.backtest import Alerted, Outcome, Replayed, compare
from warning.config import ClassifierSettings, PackSettings, Settings
from warning.decide import Recent, escalate, window
from warning.levels import Severity
from warning.models import Report, utcnow
from warning.precision import Judged, RuleRecord, rule_precision
from warning.rules.model import SeverityRule
from warning.rules.pack import SHIPPED
from warning.score import Assessment, Scorer, lead_of
from warning.store import Store
from warning.times import as_utc
from warning.yamlio import InputError


def precision_records(store: Store) -> list[RuleRecord]:
    """Per-rule precision over every alert and the latest verdict per alert and signal."""
    alerts = [(aid, json.loads(text)) for aid, text in store.assessments()]
    verdicts = [Judged(v.alert_id, v.signal, v.verdict) for v in store.verdicts()]
    return rule_precision(alerts, verdicts)


NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,60}\.yaml$")
MAX_RULE_CHARS = 200_000
MAX_DAYS = 90


def rule_files(settings: Settings) -> list[str]:
    """The names of the configured pack's rule files."""
    return sorted(p.name for p in (settings.rules.path or SHIPPED).glob("*.yaml"))


def candidate_settings(
    settings: Settings, rules: Path | None, classifier: Path | None = None
) -> Settings:
    """`settings` with a candidate rules folder and/or classifier examples folder."""
    update: dict[str, Any] = {}
    if rules is not None:
        update["rules"] = PackSettings(path=rules.resolve())
    if classifier is not None:
        update["classifier"] = ClassifierSettings(
            **{**settings.classifier.model_dump(), "path": classifier.resolve(), "extra": []}
        )
    return settings.model_copy(update=update)


@dataclass(frozen=True)
class Candidate:
    """A rule file pasted or uploaded on the desk's /backtest page, replacing (or joining)
    the file of that name in a copy of the configured pack, replayed over the last `days`."""

    name: str
    text: str
    days: int

    @classmethod
    def parse(cls, form: dict[str, str]) -> Candidate:
        """From the form's fields: `name`, `days`, and the rules as `text` or an uploaded
        `file` (which wins; its own name is used when `name` is empty)."""
        name, text, days = form.get("name", "").strip(), form.get("text", ""), form.get("days", "")
        if form.get("file", "").strip():
            text = form["file"]
            name = name or Path(form.get("file.filename", "")).name
        problems = []
        if not NAME.match(name):
            problems.append("file name: lower-case letters, digits, - and _, ending in .yaml")
        if not text.strip() or len(text) > MAX_RULE_CHARS:
            problems.append(
                f"rules: paste or upload the YAML of one rule file (at most {MAX_RULE_CHARS:,} "
                "characters)"
            )
        if not days.isdigit() or not 1 <= int(days) <= MAX_DAYS:
            problems.append(f"days: a whole number from 1 to {MAX_DAYS}")
        if problems:
            raise InputError(problems)
        return cls(name, text.replace("\r\n", "\n"), int(days))

    def replay(self, settings: Settings, store: Store) -> Outcome:
        """The backtest of this candidate (a rule file error: InputError naming its line)."""
        from warning.scorer_factory import build_scorer  # loads scikit-learn: not for every command

        with tempfile.TemporaryDirectory(prefix="warning-backtest-") as folder:
            pack = Path(folder) / "rules"
            shutil.copytree(settings.rules.path or SHIPPED, pack)
            (pack / self.name).write_text(self.text, encoding="utf-8")
            try:
                scorer = build_scorer(candidate_settings(settings, pack))
            except InputError as exc:  # its messages name the copy: name the file alone
                raise InputError([m.replace(f"{pack}/", "") for m in exc.messages]) from None
        end = utcnow()
        start = end - timedelta(days=self.days)
        return replay_period(store, scorer, settings.alerts.min_severity, start, end)


BATCH = 500


def replay_period(
    store: Store,
    scorer: Scorer,
    alert_from: Severity,
    start: datetime,
    end: datetime,
    progress: bool = False,
) -> Outcome:
    """Score every report scored live in [start, end) again with `scorer`, in batches (a
    progress bar on a terminal if `progress`); compare with the stored alerts of their
    events and the verdicts on them."""
    total = store.count_scored_between(start, end)
    replayed: list[Replayed] = []
    across = Across(scorer.rules.severity)
    shown = progress and sys.stderr.isatty()
    with Progress(console=Console(stderr=True), disable=not shown, transient=True) as bar:
        task = bar.add_task("re-scoring", total=total)
        after = 0
        while batch := store.scored_between(start, end, after, BATCH):
            assessments = scorer.score_many([r.text for r in batch])
            replayed += [
                _replayed(r, across(r, a)) for r, a in zip(batch, assessments, strict=True)
            ]
            after = batch[-1].id
            bar.advance(task, len(batch))
    events = sorted({r.event_id for r in replayed if r.event_id is not None})
    alerted = {
        a.event_id: Alerted(
            a.id, a.event_id, Severity(a.severity), a.place, lead_of(json.loads(a.assessment))[1]
        )  # fmt: skip
        for a in store.alerts_of_events(events)
    }
    judged = [
        Judged(v.alert_id, v.signal, v.verdict)
        for v in store.verdicts()
        if v.alert_id in {a.alert_id for a in alerted.values()}
    ]
    return compare(replayed, alerted, alert_from, judged)


class Across:
    """Severity rules with `across`, replayed as live scoring applied them: each report
    (in the order they were scored) sees the candidate's signals of the earlier reports
    about its country within the rules' window."""

    def __init__(self, rules: list[SeverityRule]):
        self.rules, self.span = rules, window(rules)
        self.seen: dict[str, list[Recent]] = {}

    def __call__(self, report: Report, assessment: Assessment) -> Assessment:
        country = assessment.main.country
        if self.span is None or not country or not assessment.signals:
            return assessment
        now = as_utc(report.scored_at) if report.scored_at else utcnow()
        recent = [r for r in self.seen.get(country, []) if now - r.scored_at <= self.span]
        raised = escalate(assessment, recent, self.rules, now)
        signals = frozenset(s.name for s in assessment.signals)
        recent.append(Recent(report.id, country, frozenset(assessment.main.towns), signals, now))
        self.seen[country] = recent
        return raised


def _replayed(report: Report, assessment: Assessment) -> Replayed:
    return Replayed(
        report.id, report.event_id, frozenset(filter(None, report.signals.split(","))),
        assessment.severity, frozenset(s.name for s in assessment.signals), assessment.place,
        lead_of(assessment.to_json())[1],
    )  # fmt: skip
