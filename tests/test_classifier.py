"""The classifier: trains from the shipped examples, caches by content, evaluates honestly."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from tests.conftest import REPO, run_cli
from warning.classifier import SHIPPED, build_pipeline, load_classifier, load_examples


def test_shipped_examples_meet_the_minimum() -> None:
    examples = load_examples()
    assert set(examples.signals) == {
        "displacement",
        "siege",
        "comms_blackout",
        "mass_atrocity_risk",
        "armed_escalation",
    }
    counts = examples.matrix().sum(axis=0)
    assert (counts >= 60).all(), dict(zip(examples.signals, counts, strict=True))
    negatives = sum(1 for labels in examples.labels if not labels)
    assert negatives >= 150


def test_fast_scoring_equals_predict_proba() -> None:
    examples = load_examples()
    pipeline = build_pipeline().fit(list(examples.texts), examples.matrix())
    from warning.classifier import SignalClassifier

    fast = SignalClassifier(pipeline, examples.signals, examples.digest)
    sentences = ["Thousands fled the shelling.", "The match ended 2-1.", "Phone lines were cut."]
    assert np.allclose(fast.probabilities(sentences), pipeline.predict_proba(sentences))


def test_cache_is_keyed_by_content(tmp_path: Path) -> None:
    folder = tmp_path / "examples"
    shutil.copytree(SHIPPED, folder)
    cache = tmp_path / "cache"
    first = load_classifier(folder, cache)
    assert len(list(cache.glob("classifier-*.pickle"))) == 1
    assert load_classifier(folder, cache).digest == first.digest
    with (folder / "siege.txt").open("a") as handle:
        handle.write("The militia has encircled the camp and nobody can leave.\n")
    changed = load_classifier(folder, cache)
    assert changed.digest != first.digest
    assert len(list(cache.glob("classifier-*.pickle"))) == 2


def test_no_pickles_in_the_repository() -> None:
    assert not list((REPO / "classifiers").glob("*.pickle"))
    assert not list((REPO / "classifiers").glob("*.pkl"))


def test_eval_prints_precision_recall_f1_per_signal() -> None:
    result = run_cli("classifier", "eval")
    assert result.code == 0, result.stderr
    for signal in (
        "displacement",
        "siege",
        "comms_blackout",
        "mass_atrocity_risk",
        "armed_escalation",
    ):
        row = next(line for line in result.stdout.splitlines() if signal in line)
        f1 = float(row.split("│")[-2])
        assert f1 >= 0.6, row
