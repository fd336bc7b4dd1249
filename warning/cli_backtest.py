"""`warning backtest`: re-score the stored reports of a period with a candidate rule pack
or classifier, in a read-only pass (nothing stored, nothing sent), and print what would
have been alerted differently."""

from __future__ import annotations

import json
import time
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from warning.backtest import Outcome
from warning.cliutil import (
    DEFAULT_CONFIG,
    ConfigOption,
    fail,
    open_store,
    out,
    scorer_for,
    settings_from,
)
from warning.models import utcnow
from warning.times import moment_or_ago


def backtest(
    rules: Annotated[Path | None, typer.Option(help="The candidate rules folder.")] = None,
    classifier: Annotated[
        Path | None, typer.Option(help="The candidate classifier examples folder.")
    ] = None,
    since: Annotated[str, typer.Option(help="From: 30d, 12h, or an ISO date.")] = "30d",
    until: Annotated[str | None, typer.Option(help="Until (default: now).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Replay stored reports with a candidate pack: alerts added, removed and changed in
    severity against what was alerted, reports per signal, and the precision on reviewed
    alerts. Reads only."""
    if rules is None and classifier is None:
        fail(["give --rules PATH, --classifier PATH or both"])
    start, end = _when(since, "--since"), _when(until, "--until") if until else utcnow()
    settings = settings_from(config, secrets=False)
    store = open_store(settings)
    from warning.review import candidate_settings, replay_period  # loads scikit-learn

    scorer = scorer_for(candidate_settings(settings, rules, classifier))
    began = time.monotonic()
    outcome = replay_period(store, scorer, settings.alerts.min_severity, start, end, True)
    seconds = time.monotonic() - began
    if as_json:
        print(json.dumps(_json(outcome, seconds), ensure_ascii=False))
        return
    _print(outcome, seconds, start, end)


def _when(text: str, option: str) -> datetime:
    moment = moment_or_ago(text, utcnow())
    if moment is None:
        fail([f"{option}: not a date, time or duration: {text!r}"])
    return moment


def _json(outcome: Outcome, seconds: float) -> dict[str, Any]:
    return {
        "reports": outcome.reports,
        "seconds": round(seconds, 2),
        "reports_per_second": round(outcome.reports / seconds, 1) if seconds else None,
        "changes": [c.to_json() for c in outcome.changes],
        "signals": {
            name: {"before": outcome.before[name], "after": outcome.after[name]}
            for name in sorted(set(outcome.before) | set(outcome.after))
        },
        "judged": outcome.judged,
        "precision_before": outcome.precision_before,
        "precision_after": outcome.precision_after,
    }


def _print(outcome: Outcome, seconds: float, start: datetime, end: datetime) -> None:
    rate = outcome.reports / seconds if seconds else 0.0
    out.print(
        f"{outcome.reports} report(s) scored from {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} "
        f"UTC re-scored in {seconds:.1f} s ({rate:.0f} reports/s); nothing stored or sent",
        markup=False,
    )
    kinds = [c.kind for c in outcome.changes]
    out.print(
        f"alerts: {kinds.count('added')} added, {kinds.count('removed')} removed, "
        f"{kinds.count('raised')} raised, {kinds.count('lowered')} lowered",
        markup=False,
    )
    marks = {"added": "+", "removed": "-", "raised": "^", "lowered": "v"}
    for c in outcome.changes:
        was = f"{c.before.value} -> " if c.before and c.after else ""
        now = (c.after or c.before).value.upper()
        which = f"alert #{c.alert_id}" if c.alert_id else f"report #{c.report_id}"
        out.print(f"{marks[c.kind]} [{was}{now}] {c.place or '(no place)'}: “{c.quote[:160]}” "
                  f"({which})", markup=False)  # fmt: skip
    table = Table("signal", "reports as alerted", "with the candidate", "difference")
    for name in sorted(set(outcome.before) | set(outcome.after)):
        before, after = outcome.before[name], outcome.after[name]
        table.add_row(name, str(before), str(after), f"{after - before:+d}")
    out.print(table)
    if outcome.judged:
        kept = "-" if outcome.precision_after is None else f"{outcome.precision_after:.2f}"
        out.print(
            f"precision on {outcome.judged} reviewed signal(s) of these alerts: "
            f"{outcome.precision_before:.2f} as alerted, {kept} with the candidate",
            markup=False,
        )
