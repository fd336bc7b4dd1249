"""Reviewers' verdicts as classifier examples: the sentences that carried a judged signal
in an alert (the rule hits' quotes and the classifier's surest sentence) become positives
of that signal (true positive) or negatives (false positive); the latest verdict per alert
and signal counts."""

from __future__ import annotations

import json

from warning.classifier import Reviewed
from warning.config import Settings
from warning.precision import TRUE
from warning.store import Store


def reviewed_examples(store: Store, settings: Settings) -> list[Reviewed]:
    """The reviewed sentences the classifier learns from ([] when `classifier.verdicts`
    is off or nothing was judged)."""
    if not settings.classifier.verdicts:
        return []
    latest = {(v.alert_id, v.signal): v.verdict for v in store.verdicts()}
    if not latest:
        return []
    assessments = {aid: text for aid, text in store.assessments(sorted({a for a, _ in latest}))}
    found: dict[tuple[str, str], Reviewed] = {}
    for (alert_id, signal), verdict in sorted(latest.items()):
        scored = json.loads(assessments.get(alert_id, "{}"))
        for quote in _sentences(scored, signal):
            found[(quote, signal)] = Reviewed(quote, signal, verdict == TRUE)
    return list(found.values())


def verdicts_stamp(store: Store) -> bytes:
    """Changes whenever a verdict is added (the reloader retrains then)."""
    return repr(store.verdicts_mark()).encode()


def _sentences(scored: dict, signal: str) -> list[str]:
    for item in scored.get("signals", []):
        if item["name"] == signal:
            quotes = [h["quote"] for h in item.get("hits", [])]
            quotes.append(item.get("classifier_quote", ""))
            return list(dict.fromkeys(q.strip() for q in quotes if q and q.strip()))
    return []
