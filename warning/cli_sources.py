"""`warning sources`: each configured source's health, from the store."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from warning.cliutil import DEFAULT_CONFIG, ConfigOption, open_store, out, settings_from
from warning.sourceview import source_rows


def sources(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Every configured source: last success, last error, items seen and new, next run."""
    settings = settings_from(config, secrets=False)
    rows = source_rows(settings, open_store(settings))
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
            (row["last_error"] or "-")[:100],
        )
    out.print(table if rows else "no sources configured")


def _short(iso: str | None) -> str:
    return iso[:16].replace("T", " ") if iso else ""
