"""Per-signal thresholds chosen on tune, the classifier card, and the calibrated classifier."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from tests.conftest import REPO, trimmed_examples
from warning.card import (
    GRID,
    Scored,
    Threshold,
    choose,
    figures_at,
    floor,
    load_thresholds,
    weight_for,
)
from warning.classifier import SHIPPED, load_examples
from warning.cli import app
from warning.config import Settings
from warning.features import TextFeatures
from warning.labelled import split_of
from warning.pipeline import build_scorer
from warning.training import _model
from warning.yamlio import InputError


def test_a_threshold_gives_the_weight_that_fires_at_it_alone() -> None:
    for threshold in GRID:
        # a vote at the threshold and no rule: 1 - (1 - 0)(1 - w p) == 0.5
        assert weight_for(threshold) * threshold == pytest.approx(0.5)
    assert weight_for(0.4) == 1.0  # a weight never passes 1


def test_the_threshold_with_the_best_f1_and_of_equals_the_highest() -> None:
    # weight at t: 0.5 / t; an item fires when 1 - (1 - rules)(1 - w p) >= 0.5
    items = [
        Scored(0.0, 0.999, True),  # fires with every threshold of the grid
        Scored(0.0, 0.95, True),  # fires while t <= 0.95
        Scored(0.0, 0.93, False),  # fires while t <= 0.93: a false alarm
        Scored(0.2, 0.5, True),  # 1 - 0.8 (1 - 0.5 * 0.5 / t) >= 0.5 while t <= 2/3: never
        Scored(0.0, 0.1, False),
    ] * 10  # 30 positives: a tie is an F1 within 1/30 of the best
    chosen = choose(items, "siege")
    # t in (0.93, 0.95]: TP 20, FP 0, FN 10 -> F1 0.8, the best (0.5 above 0.95, 0.667
    # from 0.93 down: no tie); 0.95 is the highest of those
    assert chosen == Threshold("siege", 0.95, chosen.tune)
    assert (chosen.tune.precision, chosen.tune.recall, chosen.tune.f1) == (1.0, 0.667, 0.8)
    assert chosen.tune.positives == 30
    at_lowest = figures_at(items, Threshold("siege", 0.91, chosen.tune))
    assert (at_lowest.precision, at_lowest.recall) == (0.667, 0.667)


def test_no_threshold_below_what_an_ordinary_example_reaches_out_of_fold() -> None:
    """The floor: the lowest threshold of the grid that no example labelled with no signal
    reaches out of fold; the chosen threshold is never below it."""
    assert floor([]) == GRID[0]
    assert floor([0.2, 0.95]) == 0.96  # 0.95 reaches 0.95: the next of the grid
    assert floor([0.9995]) == GRID[-1]  # reaches every threshold: the most careful
    items = [Scored(0.0, 0.95, True), Scored(0.0, 0.985, True), Scored(0.0, 0.1, False)] * 10
    assert choose(items, "siege").value == 0.95  # recall 1 down to 0.95
    # from the floor 0.98 on: recall 0.5 at 0.98, 0 above it
    assert choose(items, "siege", at_least=floor([0.97])).value == 0.98


def test_an_f1_within_the_tie_of_the_best_goes_to_the_higher_threshold() -> None:
    """One more positive found among 200 at a lower threshold is no reason to be bolder:
    an F1 within one item (1 / positives) of the best is a tie, won by the higher threshold."""
    caught_low = [Scored(0.0, 0.95, True)]  # fires while t <= 0.95
    rest = [Scored(0.0, 0.999, True)] * 199 + [Scored(0.0, 0.1, False)] * 50
    chosen = choose(caught_low + rest, "displacement")
    assert chosen.value == 0.999 and chosen.tune.recall == 0.995  # F1 0.9975 against 1.0
    assert choose(caught_low * 20 + rest, "displacement").value == 0.95  # 20 items: not a tie


def test_calibrated_probabilities_fold_into_one_weight_vector() -> None:
    """The scorer's projection gives what CalibratedClassifierCV's predict_proba gives."""
    examples = load_examples()
    texts = list(examples.texts)
    features = TextFeatures().fit(texts)
    matrix, target = features.transform(texts), examples.matrix()[:, 0]
    model = _model().fit(matrix, target)
    from warning.training import _folded

    weights, bias = _folded(model)
    ours = 1.0 / (1.0 + np.exp(-(matrix @ weights + bias)))
    assert np.abs(ours - model.predict_proba(matrix)[:, 1]).max() < 1e-9
    # calibrated on held-out folds: not the raw regression's probabilities
    regression = model.calibrated_classifiers_[0].estimator
    assert np.abs(ours - regression.predict_proba(matrix)[:, 1]).max() > 0.05


def _labelled(path: Path, count: int) -> Path:
    """Items the shipped rules and classifier read plainly, half of each split positive."""
    lines = []
    sentences = [
        ("Thousands of families fled the shelling and crossed into the next province.", 1),
        ("The football club signed a new striker on a three-year contract.", 0),
        ("Residents fled their villages as fighters advanced on the town.", 1),
        ("The central bank held interest rates steady for a third month.", 0),
    ]
    for n in range(count):
        text, label = sentences[n % len(sentences)]
        lines.append(
            json.dumps({"id": f"item-{n}", "text": text, "labels": {"displacement": label}})
        )
    path.write_text("\n".join(lines) + "\n")
    return path


def test_eval_chooses_thresholds_on_tune_and_writes_the_card(tmp_path: Path) -> None:
    folder = trimmed_examples(tmp_path / "examples")
    config = tmp_path / "config.yaml"
    config.write_text(f"classifier: {{path: {folder}, cache: {tmp_path / 'cache'}}}\n")
    labelled = _labelled(tmp_path / "set.jsonl", 40)
    tune = sum(split_of(f"item-{n}") == "tune" for n in range(40))
    result = CliRunner().invoke(
        app,
        ["classifier", "eval", "--folds", "2", "--tune", str(labelled), "--config", str(config)],
    )
    assert result.exit_code == 0, result.output
    thresholds = load_thresholds(folder)
    assert thresholds is not None
    assert set(thresholds.values) == {"displacement"}  # the only signal the set labels
    assert thresholds.values["displacement"] in GRID
    assert thresholds.examples == load_examples(folder).digest
    card = (folder / "CARD.md").read_text()
    for heading in (
        "## Model",
        "## Data",
        "## Cross-validated on the examples",
        "## Thresholds, chosen on tune",
        f"## The scorer on holdout ({40 - tune} items",
        "## Reliability of the classifier's probability on holdout",
        "## Known failure modes",
    ):
        assert heading in card, heading
    assert f"`set.jsonl` ({tune})" in card
    row = next(line for line in card.splitlines() if line.startswith("| displacement | 0.9"))
    assert row.split(" | ")[1] == f"{thresholds.values['displacement']:g}"
    settings = Settings.model_validate(
        {"classifier": {"path": str(folder), "cache": str(tmp_path / "cache")}}
    )
    scorer = build_scorer(settings)
    assert scorer.classifier_weights == {
        "displacement": pytest.approx(0.5 / thresholds.values["displacement"])
    }


def test_a_broken_thresholds_file_names_its_place(tmp_path: Path) -> None:
    (tmp_path / "thresholds.yaml").write_text("examples: x\nthresholds:\n  siege: 1.5\n")
    with pytest.raises(InputError) as caught:
        load_thresholds(tmp_path)
    assert f"{tmp_path / 'thresholds.yaml'}:3:" in caught.value.messages[0]


def test_the_shipped_card_and_thresholds_match_the_shipped_examples() -> None:
    thresholds = load_thresholds(REPO / "classifiers")
    assert thresholds is not None, "run warning classifier eval --tune bench/data/..."
    assert thresholds.examples == load_examples().digest
    card = (REPO / "classifiers" / "CARD.md").read_text()
    assert load_examples().digest[:16] in card
    for signal, value in thresholds.values.items():
        assert f"| {signal} | {value:g} |" in card


def test_check_says_when_the_thresholds_were_chosen_for_other_examples(tmp_path: Path) -> None:
    folder = tmp_path / "examples"
    shutil.copytree(SHIPPED, folder)
    with (folder / "siege.txt").open("a") as handle:
        handle.write("The militia has encircled the camp and nobody can leave.\n")
    config = tmp_path / "config.yaml"
    config.write_text(f"classifier: {{path: {folder}, cache: {tmp_path / 'cache'}}}\n")
    result = CliRunner().invoke(app, ["check", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "thresholds.yaml was chosen for other classifier examples" in result.output
    (folder / "siege.txt").write_text((SHIPPED / "siege.txt").read_text())
    result = CliRunner().invoke(app, ["check", "--config", str(config)])
    assert "thresholds.yaml" not in result.output


def test_eval_reads_a_csv_tune_set_with_map_skip_and_text(tmp_path: Path) -> None:
    """A CSV labelled history (an NGO's own) sets thresholds as a JSONL set does: --map
    names the 0/1 column, --text the text column, --skip the rows left out."""
    folder = trimmed_examples(tmp_path / "examples")
    config = tmp_path / "config.yaml"
    config.write_text(f"classifier: {{path: {folder}, cache: {tmp_path / 'cache'}}}\n")
    jsonl = [json.loads(line) for line in _labelled(tmp_path / "set.jsonl", 40).open()]
    rows = [(i["id"], i["text"], i["labels"]["displacement"], "1") for i in jsonl]
    rows.append(("skipped-0", "A row the --skip option leaves out.", 1, "2"))  # a tune id
    with (tmp_path / "history.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "body", "moved", "related"])
        writer.writerows(rows)
    command = ["classifier", "eval", "--folds", "2", "--tune", str(tmp_path / "history.csv")]
    bare = CliRunner().invoke(app, [*command, "--config", str(config)])
    assert bare.exit_code == 2
    assert "history.csv: a CSV needs --map COLUMN=SIGNAL" in bare.output
    assert not (folder / "thresholds.yaml").exists()
    options = ["--map", "moved=displacement", "--text", "body", "--skip", "related=2"]
    result = CliRunner().invoke(app, [*command, *options, "--config", str(config)])
    assert result.exit_code == 0, result.output
    thresholds = load_thresholds(folder)
    assert thresholds is not None and set(thresholds.values) == {"displacement"}
    tune = sum(split_of(f"item-{n}") == "tune" for n in range(40))
    assert f"`history.csv` ({tune})" in (folder / "CARD.md").read_text()  # skipped row out
