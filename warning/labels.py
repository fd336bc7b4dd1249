"""An alert's labels: what routes (and silences) match. Pure.

Built in: `severity`, `signal` (one value per fired signal), `cause` (the causes its
signals name), `country` (ISO code), `region`, `town` (those the evidence names), `source`
(the configured source of its strongest report), `language` and `event` (its event's
id: a silence made from a message's link matches it); then the `labels:` of that
source in the config and of the rule files whose signal fired (a built-in name wins).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

Pairs = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class AddedLabels:
    """Labels the config gives a source's alerts and the rule pack a signal's."""

    by_source: Mapping[str, Pairs] = field(default_factory=dict)
    by_signal: Mapping[str, Pairs] = field(default_factory=dict)


def alert_labels(
    assessment: Mapping[str, Any],
    severity: str,
    source: str,
    added: AddedLabels,
    event_id: int | None = None,
) -> dict[str, tuple[str, ...]]:
    """The labels of an alert of event `event_id` whose strongest report is `assessment`
    (as stored: the JSON of `Assessment.to_json`), from `source`, now at `severity`."""
    signals = [s["name"] for s in assessment.get("signals", [])]
    main = assessment.get("main", {})
    built_in = {
        "severity": (severity,),
        "signal": tuple(signals),
        "cause": _distinct(s.get("cause", "") for s in assessment.get("signals", [])),
        "country": _distinct([assessment.get("country", "")]),
        "region": _distinct(main.get("regions", [])),
        "town": _distinct(main.get("towns", [])),
        "source": _distinct([source]),
        "language": _distinct([assessment.get("language", "")]),
        "event": _distinct([str(event_id or "")]),
    }
    labels: dict[str, tuple[str, ...]] = {}
    pairs = list(added.by_source.get(source, ()))
    pairs += [pair for signal in signals for pair in added.by_signal.get(signal, ())]
    for name, value in pairs:
        labels[name] = _distinct([*labels.get(name, ()), value])
    labels.update({name: values for name, values in built_in.items() if values})
    return labels


def labels_json(labels: Mapping[str, tuple[str, ...]]) -> str:
    return json.dumps({k: list(v) for k, v in sorted(labels.items())}, ensure_ascii=False)


def read_labels(stored: str) -> dict[str, tuple[str, ...]]:
    """Labels as the store keeps them ("" for an alert made before labels existed)."""
    return {k: tuple(v) for k, v in json.loads(stored).items()} if stored else {}


def parse_pairs(pairs: list[str]) -> dict[str, tuple[str, ...]]:
    """`LABEL=VALUE` arguments (a label given twice has two values) -> labels."""
    labels: dict[str, tuple[str, ...]] = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        if not equals or not name.strip():
            raise ValueError(f"not LABEL=VALUE: {pair!r}")
        labels[name.strip()] = (*labels.get(name.strip(), ()), value)
    return labels


def _distinct(values: Any) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))
