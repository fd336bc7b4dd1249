"""An alert as JSON: what `warning alerts --json`, `alerts show --json` and the desk's
/alerts.json give."""

from __future__ import annotations

import json
from typing import Any

from warning.models import Delivery
from warning.store import AlertRow


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
