"""Each configured source's health as `warning sources --json` and the desk's /sources
show it (errors redacted)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from warning.config import Settings
from warning.models import SourceState
from warning.store import Store


def source_rows(settings: Settings, store: Store) -> list[dict[str, Any]]:
    states = store.source_states()
    return [
        _row(s.name, s.kind, s.every, states.get(s.name) or SourceState(name=s.name), settings)
        for s in settings.sources
    ]


def _row(
    name: str, kind: str, every: float, state: SourceState, settings: Settings
) -> dict[str, Any]:
    return {
        "name": name,
        "kind": kind,
        "every": every,
        "last_run": _iso(state.last_run_at),
        "last_success": _iso(state.last_success),
        "last_error": settings.redact(state.last_error),
        "last_error_at": _iso(state.last_error_at),
        "failures": state.failures,
        "items_seen": state.items_seen,
        "items_new": state.items_new,
        "total_new": state.total_new,
        "next_run": _iso(state.next_run_at),
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
