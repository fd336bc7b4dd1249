"""An alert as the log shows it: as JSON (what `warning alerts --json`, `alerts show
--json` and the desk's /alerts.json give), its state, its verdicts."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from warning.models import Alert, Delivery, Verdict
from warning.store import AlertRow
from warning.times import as_utc

# silenced; else acknowledged; else resolved (its event quiet for events.window) or new.
# The store's filter (store._in_state) selects by the same rule.
STATES = ("new", "acked", "silenced", "resolved")
VERDICTS = ("true_positive", "false_positive", "unjudged")


def alert_state(alert: Alert, quiet_before: datetime | None) -> str:
    """Its one state: silenced, acked, resolved (unchanged since `quiet_before`) or new."""
    if alert.silenced_by is not None:
        return "silenced"
    if alert.acked_at is not None:
        return "acked"
    last = as_utc(alert.updated_at or alert.created_at)
    return "resolved" if quiet_before is not None and last < quiet_before else "new"


def latest_verdicts(verdicts: Iterable[Verdict]) -> dict[str, Verdict]:
    """The latest verdict per signal, of verdicts given oldest first."""
    return {v.signal: v for v in verdicts}


def alert_json(row: AlertRow) -> dict[str, Any]:
    a = row.alert
    return {
        "id": a.id,
        "time": a.created_at.isoformat(),
        "severity": a.severity,
        "signals": [s for s in a.signals.split(",") if s],
        "place": a.place,
        "title": a.title,
        "url": a.url,
        "report_id": a.report_id,
        "event_id": a.event_id,
        "reports": a.reports,
        "sources": a.sources,
        "updated": a.updated_at.isoformat() if a.updated_at else None,
        "merged_into": a.merged_into,  # set when its event merged into another alert's
        "deliveries": [delivery_json(d) for d in row.deliveries],
        "labels": json.loads(a.labels) if a.labels else {},  # as stored: {label: [values]}
        "silenced_by": a.silenced_by,  # the silence that held it back, if one did
        "acked_by": a.acked_by or None,
        "acked_at": a.acked_at.isoformat() if a.acked_at else None,
        "assessment": json.loads(a.assessment),
    }


def delivery_json(d: Delivery) -> dict[str, Any]:
    return {
        "channel": d.channel,
        "kind": d.kind,
        "status": d.status,
        "attempts": d.attempts,
        "error": d.error,
        "note": d.note,
        "last_attempt_at": d.last_attempt_at.isoformat() if d.last_attempt_at else None,
    }
