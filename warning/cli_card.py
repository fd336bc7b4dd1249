"""`warning classifier eval`: cross-validated figures on the examples and, given labelled
sets (`--tune FILE`), per-signal thresholds chosen on their tune items, figures on their
holdout items, and the classifier card and thresholds written beside the examples."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import Progress
from rich.table import Table

from warning.card import (
    CardData,
    Threshold,
    choose,
    figures_at,
    floor,
    scored_items,
    write_card,
    write_thresholds,
)
from warning.cli_eval import MapOption, SkipOption, TextOption, read_set
from warning.cliutil import (
    DEFAULT_CONFIG,
    ConfigOption,
    err,
    fail,
    open_store,
    out,
    scorer_for,
    settings_from,
)
from warning.config import Settings
from warning.evaluation import reliability_bins
from warning.labelled import LabelledSet
from warning.score import Assessment, Scorer
from warning.store import store_missing
from warning.yamlio import InputError

if TYPE_CHECKING:  # imported where used: scikit-learn would slow every other command
    from warning.classifier import Examples, Reviewed
    from warning.training import SignalQuality


def _quality_table(quality: list[SignalQuality]) -> Table:
    table = Table("signal", "positives", "precision", "recall", "F1")
    for q in quality:
        table.add_row(
            q.signal, str(q.positives), f"{q.precision:.3f}", f"{q.recall:.3f}", f"{q.f1:.3f}"
        )
    return table


def _reviewed(settings: Settings) -> list[Reviewed]:
    """Reviewed sentences from the store's verdicts; none without a store yet."""
    from warning.feedback import reviewed_examples

    url = settings.database.url
    if store_missing(url):
        return []
    return reviewed_examples(open_store(settings), settings)


classifier_app = typer.Typer(no_args_is_help=True, help="The signal classifier.")


@classifier_app.command("eval")
def classifier_eval(
    folds: Annotated[int, typer.Option(help="Cross-validation folds.")] = 5,
    tune: Annotated[
        list[Path] | None,
        typer.Option(
            "--tune",
            help="A labelled set (JSONL or CSV, as `warning eval` reads it): thresholds are "
            "chosen on its tune items and measured on its holdout items. Repeatable. With "
            "it, CARD.md and thresholds.yaml are written beside the examples.",
        ),
    ] = None,
    maps: MapOption = None,
    text_column: TextOption = None,
    skips: SkipOption = None,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Cross-validated precision, recall and F1 per signal; with --tune, thresholds and the
    classifier card."""
    from warning.classifier import SHIPPED, load_examples

    settings = settings_from(config, secrets=False)
    try:
        examples = load_examples(settings.classifier.path, settings.classifier.extra)
    except InputError as exc:
        fail(exc.messages)
    # --map, --text and --skip read a CSV set; a JSONL set is read with its own labels
    sets = [
        read_set(path, None, maps, text_column, skips)
        if path.suffix.lower() == ".csv"
        else read_set(path, None, None, None, None)
        for path in tune or []
    ]
    quality = _cross_validated(examples, folds)
    out.print(f"{len(examples.texts)} examples, {folds}-fold cross-validation, threshold 0.5")
    out.print(_quality_table(quality))
    reviewed = _reviewed(settings)
    if reviewed:
        with_them = load_examples(settings.classifier.path, settings.classifier.extra, reviewed)
        out.print(
            f"with {len(reviewed)} reviewed sentence(s) from verdicts (what `warning run` "
            f"learns from): {len(with_them.texts)} examples"
        )
        out.print(_quality_table(_cross_validated(with_them, folds)))
    if not sets:
        return
    card = _card_data(scorer_for(settings, thresholds=False), examples, quality, sets)
    folder = settings.classifier.path or SHIPPED
    _print_thresholds(card)
    out.print(f"wrote {write_thresholds(folder, card.thresholds, examples.digest)}")
    out.print(f"wrote {write_card(folder, card)}")


def _cross_validated(examples: Examples, folds: int) -> list[SignalQuality]:
    """cross_validate with a progress bar (one step a signal) when stderr is a terminal."""
    from warning.training import cross_validate

    with Progress(console=err, transient=True) as progress:
        task = progress.add_task(f"{folds}-fold cross-validation", total=len(examples.signals))
        return cross_validate(examples, folds, lambda _: progress.advance(task))


def _card_data(
    scorer: Scorer, examples: Examples, quality: list[SignalQuality], sets: list[LabelledSet]
) -> CardData:
    tune = [labelled.only("tune") for labelled in sets]
    holdout = [labelled.only("holdout") for labelled in sets]
    tune_scored, holdout_scored = _assess(scorer, tune), _assess(scorer, holdout)
    thresholds: list[Threshold] = []
    figures, every_pair = [], []
    floors = {q.signal: floor(q.negatives) for q in quality}
    for signal in examples.signals:
        on_tune = scored_items(tune, tune_scored, signal)
        if not any(item.positive for item in on_tune):
            continue  # no tune positive: the threshold would be a guess
        threshold = choose(on_tune, signal, scorer.threshold, floors[signal])
        thresholds.append(threshold)
        held = scored_items(holdout, holdout_scored, signal)
        figures.append(figures_at(held, threshold, scorer.threshold))
        every_pair += [(item.classifier, item.positive) for item in held]
    return CardData(
        examples,
        quality,
        [(labelled.name, len(t.items)) for labelled, t in zip(sets, tune, strict=True)],
        thresholds,
        figures,
        sum(len(h.items) for h in holdout),
        reliability_bins(every_pair),
    )


def _assess(scorer: Scorer, sets: list[LabelledSet]) -> list[list[Assessment]]:
    return [list(scorer.score_many([i.text for i in labelled.items])) for labelled in sets]


def _print_thresholds(card: CardData) -> None:
    table = Table("signal", "threshold", "tune P", "tune R", "holdout P", "holdout R", "F1")
    for threshold, figures in zip(card.thresholds, card.holdout, strict=True):
        table.add_row(
            threshold.signal,
            f"{threshold.value:g}",
            f"{threshold.tune.precision:.3f}",
            f"{threshold.tune.recall:.3f}",
            f"{figures.precision:.3f}",
            f"{figures.recall:.3f}",
            f"{figures.f1:.3f}",
        )
    out.print(table)
