"""A Scorer as the configuration asks for it: the rule pack, the classifier, the gazetteer
and the thresholds chosen on tune. Kept apart from the pipeline, so that `warning score`
loads neither the store nor the senders."""

from __future__ import annotations

from collections.abc import Sequence

from warning.card import load_thresholds
from warning.classifier import SHIPPED, Reviewed, load_classifier
from warning.config import Settings
from warning.places import Gazetteer, shipped_gazetteer
from warning.rules.pack import load_pack
from warning.score import Scorer


def build_scorer(
    settings: Settings,
    gazetteer: Gazetteer | None = None,
    thresholds: bool = True,
    reviewed: Sequence[Reviewed] = (),
) -> Scorer:
    """Load the rule pack and the classifier named in `settings` (or the shipped ones; it
    learns from `reviewed` sentences too), with the per-signal thresholds chosen for the
    classifier on tune, when there are some (and `thresholds`: choosing them again needs
    none)."""
    chosen = load_thresholds(settings.classifier.path or SHIPPED) if thresholds else None
    return Scorer(
        rules=load_pack(settings.rules.path),
        classifier=load_classifier(
            settings.classifier.path,
            settings.classifier.cache,
            settings.classifier.extra,
            reviewed,
        ),  # fmt: skip
        gazetteer=gazetteer or shipped_gazetteer(),
        threshold=settings.alerts.threshold,
        max_chars=settings.alerts.max_chars,
        classifier_weight=settings.classifier.weight,
        classifier_weights=chosen.weights(settings.alerts.threshold) if chosen else {},
    )
