"""The classifier: trains from the shipped examples, caches by content, evaluates honestly."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from tests.conftest import REPO, invoke, trimmed_examples
from warning.classifier import load_classifier, load_examples
from warning.cli import app
from warning.training import build_pipeline, train


def test_shipped_examples_meet_the_minimum() -> None:
    examples = load_examples()
    assert set(examples.signals) == {
        "aid_obstruction",
        "hate_speech",
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


def test_fast_scoring_equals_predict_proba(tmp_path: Path) -> None:
    examples = load_examples(trimmed_examples(tmp_path / "examples"))
    sentences = ["Thousands fled the shelling.", "The match ended 2-1.", "Phone lines were cut."]
    # every text judged for every signal: the one-vs-rest pipeline's numbers
    everything = replace(examples, judged=())  # as shipped (masks come with `extra` sets)
    pipeline = build_pipeline().fit(list(examples.texts), examples.matrix())
    assert np.allclose(
        train(everything).probabilities(sentences), pipeline.predict_proba(sentences)
    )


def test_cache_is_keyed_by_content(tmp_path: Path) -> None:
    folder = trimmed_examples(tmp_path / "examples")
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
    # in process (the command is not what is slow); 3 folds: the figures, in half the time
    result = CliRunner().invoke(app, ["classifier", "eval", "--folds", "3"])
    assert result.exit_code == 0, result.output
    for signal in (
        "displacement",
        "siege",
        "comms_blackout",
        "mass_atrocity_risk",
        "armed_escalation",
    ):
        row = next(line for line in result.output.splitlines() if signal in line)
        f1 = float(row.split("│")[-2])
        assert f1 >= 0.6, row


def test_extra_labelled_sets_are_learnt_for_the_signals_they_label(tmp_path: Path) -> None:
    from warning.config import ExtraExamples
    from warning.labelled import split_of

    jsonl = tmp_path / "history.jsonl"
    items = [
        ("h1", "Armed men surrounded the hill villages and let no food in.", 1, 0),
        ("h2", "The rally in the capital ended peacefully on Saturday evening.", 0, 0),
        ("h3", "Militia fighters have blockaded the market town for three weeks.", 1, 0),
        ("h4", "Ten thousand people fled the floods along the river.", 0, 1),
    ]
    jsonl.write_text(
        "".join(
            json.dumps({"id": i, "text": t, "labels": {"siege": s, "displacement": d}}) + "\n"
            for i, t, s, d in items
        )
    )
    csv_path = tmp_path / "sms.csv"
    csv_path.write_text("id,message,refugees\nm1,we sleep in the street since the quake,1\n")
    base = load_examples()
    extra = [
        ExtraExamples(path=jsonl, split="tune"),
        ExtraExamples(path=csv_path, map={"refugees": "displacement"}),
    ]
    examples = load_examples(None, extra)
    tune = [i for i in items if split_of(i[0]) == "tune"]
    assert len(examples.texts) == len(base.texts) + len(tune) + 1
    assert examples.digest != base.digest
    position = {text: n for n, text in enumerate(examples.texts)}
    mask = examples.mask()
    siege, displacement = examples.signals.index("siege"), examples.signals.index("displacement")
    for ident, text, is_siege, _ in items:
        if split_of(ident) == "tune":
            assert ("siege" in examples.labels[position[text]]) == bool(is_siege)
            assert mask[position[text], siege]  # judged for both signals it labels
        else:
            assert text not in position  # holdout items are never learnt
    sms = position["we sleep in the street since the quake"]
    assert examples.labels[sms] == {"displacement"}
    assert mask[sms, displacement] and not mask[sms, siege]  # says nothing of sieges


def test_extra_sets_come_from_the_config(tmp_path: Path) -> None:
    from warning.config import load_settings

    (tmp_path / "data").mkdir()
    config = tmp_path / "config.yaml"
    config.write_text(
        "classifier:\n  extra:\n    - {path: data/h.csv, map: {refugees: displacement},"
        " skip: {related: '2'}}\n"
    )
    (extra,) = load_settings(config).classifier.extra
    assert extra.path == (tmp_path / "data" / "h.csv").resolve()
    assert extra.skip == {"related": "2"}
    config.write_text("classifier:\n  extra:\n    - {path: h.csv, mapp: {}}\n")
    result = invoke("check", "--config", str(config))
    assert result.code == 2 and "config.yaml:3:" in result.stderr and "mapp" in result.stderr


def test_cross_validation_reports_each_signal_as_it_finishes(tmp_path: Path) -> None:
    """The hook `classifier eval` draws its progress bar with (one step a signal)."""
    from warning.training import cross_validate

    examples = load_examples(trimmed_examples(tmp_path / "examples"))
    finished: list[str] = []
    quality = cross_validate(examples, 2, finished.append)
    assert finished == list(examples.signals) == [q.signal for q in quality]
    assert [q.positives for q in quality] == list(examples.matrix().sum(axis=0))
