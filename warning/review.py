"""What the review desk and the CLI compute from the store's alerts and verdicts."""

from __future__ import annotations

import json

from warning.precision import Judged, RuleRecord, rule_precision
from warning.store import Store


def precision_records(store: Store) -> list[RuleRecord]:
    """Per-rule precision over every alert and the latest verdict per alert and signal."""
    alerts = [(aid, json.loads(text)) for aid, text in store.assessments()]
    verdicts = [Judged(v.alert_id, v.signal, v.verdict) for v in store.verdicts()]
    return rule_precision(alerts, verdicts)
