"""`warning deliveries [retry]`: the outbox for a duty officer; what was sent, what is
failing, what gave up, and sending again what gave up."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.table import Table

from warning.cliutil import DEFAULT_CONFIG, ConfigOption, fail, open_store, out, settings_from
from warning.config import Settings
from warning.models import Delivery, DeliveryStatus, utcnow
from warning.notify import Notifier
from warning.outbox import Outbox
from warning.store import Store
from warning.times import as_utc, moment_or_ago

deliveries_app = typer.Typer(help="Every alert owed to a channel; send again what gave up.")
WAITING = {DeliveryStatus.pending, DeliveryStatus.failed}  # those with a next attempt


@deliveries_app.callback(invoke_without_command=True)
def deliveries(
    context: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
    status: Annotated[DeliveryStatus | None, typer.Option(help="Only those in this state.")] = None,
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 100,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Deliveries, newest first: alert, channel, status, attempts, last error, next attempt."""
    if context.invoked_subcommand is not None:
        return
    settings = settings_from(config, secrets=False)
    rows = [_row(d, settings) for d in open_store(settings).deliveries(status, limit)]
    if as_json:
        print(json.dumps(rows, ensure_ascii=False))
        return
    table = Table("#", "alert", "channel", "status", "attempts", "next attempt", "last error")
    for row in rows:
        table.add_row(
            str(row["id"]),
            f"#{row['alert_id']}",
            row["channel"],
            row["status"],
            str(row["attempts"]),
            _short(row["next_attempt_at"]),
            row["error"][:100] or "-",
        )
    out.print(table if rows else "no deliveries")


@deliveries_app.command("retry")
def retry(
    delivery_id: Annotated[
        int | None, typer.Argument(help="The delivery to send again now, unless it was sent.")
    ] = None,
    gave_up: Annotated[
        bool, typer.Option("--gave-up", help="Send again every delivery that gave up.")
    ] = False,
    since: Annotated[
        str | None,
        typer.Option(help="With --gave-up: only those that gave up since then (ISO or 24h)."),
    ] = None,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Re-queue and send now through the configured channel; one line per delivery."""
    if (delivery_id is None) == (not gave_up) or (since is not None and not gave_up):
        fail(["give either a delivery ID or --gave-up (optionally with --since T)"])
    after = _since(since) if since is not None else None
    settings = settings_from(config)
    store = open_store(settings, write=True)
    if delivery_id is not None:
        _check_retryable(store, delivery_id)
    outbox = Outbox(settings, store, Notifier(settings))
    tried = outbox.retry(delivery_id, after)
    if delivery_id is not None and not tried:
        fail([f"delivery #{delivery_id} is being sent by another worker right now"], code=1)
    for delivery in tried:
        out.print(_outcome(delivery, settings), markup=False)
    if not tried:
        out.print("no delivery gave up" + (f" since {after.isoformat()}" if after else ""))
    if any(d.status != DeliveryStatus.sent for d in tried):
        raise typer.Exit(1)


def _check_retryable(store: Store, delivery_id: int) -> None:
    delivery = store.delivery(delivery_id)
    if delivery is None:
        fail([f"no delivery #{delivery_id}"], code=1)
    if delivery.status == DeliveryStatus.sent:
        when = as_utc(delivery.last_attempt_at).isoformat(timespec="seconds")
        fail(
            [f"delivery #{delivery_id} was sent to {delivery.channel} at {when}: not sent again"],
            code=1,
        )


def _since(value: str) -> datetime:
    """An ISO date or time, or a duration meaning that long ago."""
    moment = moment_or_ago(value, utcnow())
    if moment is None:
        fail([f"--since: not a date, time or duration: {value!r} (e.g. 2025-01-31, 24h)"])
    return moment


def _outcome(delivery: Delivery, settings: Settings) -> str:
    where = f"delivery #{delivery.id} (alert #{delivery.alert_id} to {delivery.channel})"
    if delivery.status == DeliveryStatus.sent:
        return f"{where}: sent"
    error = settings.redact(delivery.error)
    if delivery.status == DeliveryStatus.failed:
        when = as_utc(delivery.next_attempt_at).isoformat(timespec="seconds")
        return f"{where}: failed, next try {when}: {error}"
    return f"{where}: gave up again: {error}"


def _row(delivery: Delivery, settings: Settings) -> dict[str, Any]:
    waiting = delivery.status in WAITING
    return {
        "id": delivery.id,
        "alert_id": delivery.alert_id,
        "channel": delivery.channel,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "error": settings.redact(delivery.error),
        "created_at": _iso(delivery.created_at),
        "last_attempt_at": _iso(delivery.last_attempt_at),
        "next_attempt_at": _iso(delivery.next_attempt_at) if waiting else None,
        "failing_since": _iso(delivery.failing_since),
    }


def _iso(moment: datetime | None) -> str | None:
    return as_utc(moment).isoformat(timespec="seconds") if moment else None


def _short(iso: str | None) -> str:
    return iso[:16].replace("T", " ") if iso else "-"
