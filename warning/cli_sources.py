"""`warning sources`: each configured source's health, from the store."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.table import Table

from warning.cliutil import DEFAULT_CONFIG, ConfigOption, out, settings_from
from warning.models import SourceState
from warning.store import Store


def sources(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Every configured source: last success, last error, items seen and new, next run."""
    settings = settings_from(config, secrets=False)
    states = Store(settings.database.url).source_states()
    rows = [
        _row(s.name, s.kind, s.every, states.get(s.name) or SourceState(name=s.name))
        for s in settings.sources
    ]
    if as_json:
        print(json.dumps(rows, ensure_ascii=False))
        return
    table = Table("source", "kind", "last success", "seen/new", "next run", "last error")
    for row in rows:
        table.add_row(
            row["name"],
            row["kind"],
            _short(row["last_success"]) or "never",
            f"{row['items_seen']}/{row['items_new']}",
            _short(row["next_run"]) or f"every {row['every']:g}s",
            settings.redact(row["last_error"] or "-")[:100],
        )
    out.print(table if rows else "no sources configured")


def _row(name: str, kind: str, every: float, state: SourceState) -> dict[str, Any]:
    return {
        "name": name,
        "kind": kind,
        "every": every,
        "last_run": _iso(state.last_run_at),
        "last_success": _iso(state.last_success),
        "last_error": state.last_error,
        "last_error_at": _iso(state.last_error_at),
        "failures": state.failures,
        "items_seen": state.items_seen,
        "items_new": state.items_new,
        "total_new": state.total_new,
        "next_run": _iso(state.next_run_at),
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _short(iso: str | None) -> str:
    return iso[:16].replace("T", " ") if iso else ""
