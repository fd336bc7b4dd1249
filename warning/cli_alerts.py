"""`warning alerts [show ID]` and `warning ack ID`: the alert log, one alert with its
deliveries and history, and acknowledging an alert (no more repeats or escalation)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from warning.alertview import alert_json
from warning.cliutil import (
    DEFAULT_CONFIG,
    SEVERITY_STYLE,
    ConfigOption,
    fail,
    open_store,
    out,
    settings_from,
)
from warning.models import Alert
from warning.store import AlertRow
from warning.times import as_utc

alerts_app = typer.Typer(help="The alert log; `alerts show ID` for one alert's history.")


@alerts_app.callback(invoke_without_command=True)
def alerts(
    context: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 50,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """The alert log: time, severity, signals, place, title, delivery state."""
    if context.invoked_subcommand is not None:
        return
    settings = settings_from(config, secrets=False)
    rows = open_store(settings).alert_log(limit)
    if as_json:
        print(json.dumps([alert_json(row) for row in rows], ensure_ascii=False, default=str))
        return
    table = Table(
        "#", "time (UTC)", "severity", "signals", "place", "title", "reports/sources", "delivery"
    )
    for row in rows:
        a = row.alert
        table.add_row(
            str(a.id),
            a.created_at.strftime("%Y-%m-%d %H:%M"),
            f"[{SEVERITY_STYLE[a.severity]}]{a.severity}[/]",
            a.signals.replace(",", ", "),
            a.place,
            a.title,  # whole: the table wraps it
            f"{a.reports}/{a.sources}",
            row.delivery_state,
        )
    out.print(table if rows else "no alerts yet")


@alerts_app.command("show")
def show(
    alert_id: int,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """One alert: what, where, how bad, its labels, every message owed or sent per channel,
    and its history (created, updated, raised, silenced, sent, acked, repeated, escalated)."""
    settings = settings_from(config, secrets=False)
    store = open_store(settings)
    alert = store.alert(alert_id)
    if alert is None:
        fail([f"no alert #{alert_id}"], code=1)
    deliveries, history = store.alert_deliveries(alert_id), store.history(alert_id)
    if as_json:
        shown = alert_json(AlertRow(alert, tuple(deliveries)))
        shown["history"] = [
            {"at": _time(h.at), "what": h.what, "channel": h.channel, "by": h.by,
             "detail": h.detail}
            for h in history
        ]  # fmt: skip
        print(json.dumps(shown, ensure_ascii=False, default=str))
        return
    lines = [
        f"alert #{alert.id}: {alert.severity.upper()} {alert.place or '(place not named)'}",
        f"title: {alert.title}",
        f"signals: {alert.signals.replace(',', ', ')}",
        f"reports/sources: {alert.reports}/{alert.sources}",
        f"acknowledged: {_acked(alert)}",
    ]
    if alert.silenced_by is not None:
        lines.append(f"silenced by #{alert.silenced_by}")
    out.print("\n".join(lines), markup=False)
    table = Table("#", "channel", "kind", "status", "due / sent (UTC)", "note or error")
    for d in deliveries:
        when = _time(d.sent_at or d.next_attempt_at) + (
            f" ({d.hold})" if d.hold and not d.sent_at else ""
        )
        table.add_row(str(d.id), d.channel, d.kind, d.status, when, d.error or d.note)
    out.print(table if deliveries else "deliveries: none (logged only)")
    events = Table("time (UTC)", "what", "channel", "by", "detail")
    for h in history:
        events.add_row(_time(h.at), h.what, h.channel, h.by, h.detail)
    out.print(events if history else "history: none recorded")


def ack(
    alert_id: int,
    by: Annotated[str, typer.Option("--by", help="Who acknowledges it.")],
    note: Annotated[str, typer.Option(help="A note kept in its history.")] = "",
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Acknowledge an alert: it stops repeating and is not escalated."""
    if not by.strip():
        fail(["--by: say who acknowledges it"])
    settings = settings_from(config, secrets=False)
    alert = open_store(settings, write=True).ack(alert_id, by.strip(), note)
    if alert is None:
        fail([f"no alert #{alert_id}"], code=1)
    out.print(f"alert #{alert_id} acknowledged by {_acked(alert)}", markup=False)


def _acked(alert: Alert) -> str:
    if alert.acked_at is None:
        return "no"
    return f"{alert.acked_by} at {_time(alert.acked_at)}"


def _time(moment: Any) -> str:
    return as_utc(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else ""
