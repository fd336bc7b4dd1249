"""`warning eval FILE`: how well the configured rules and classifier do on labelled text."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table

from warning.cliutil import DEFAULT_CONFIG, ConfigOption, fail, out, scorer_for, settings_from
from warning.evaluation import Evaluation, evaluate
from warning.labelled import LabelledSet, read_labelled
from warning.score import Assessment, Scorer
from warning.yamlio import InputError

MapOption = Annotated[
    list[str] | None,
    typer.Option("--map", help="COLUMN=SIGNAL: a 0/1 column (or JSONL label) that labels SIGNAL."),
]
TextOption = Annotated[
    str | None, typer.Option("--text", help="The CSV's text column (default: text or message).")
]
SkipOption = Annotated[
    list[str] | None,
    typer.Option("--skip", help="COLUMN=VALUE: leave out CSV rows with that value."),
]


def eval_command(
    path: Annotated[Path, typer.Argument(help="A labelled set: JSONL or CSV.")],
    form: Annotated[
        str | None, typer.Option("--format", help="jsonl or csv (default: from the suffix).")
    ] = None,
    maps: MapOption = None,
    text_column: TextOption = None,
    skips: SkipOption = None,
    split: Annotated[
        str | None, typer.Option(help="Only the 'tune' or the 'holdout' items (by id hash).")
    ] = None,
    misses: Annotated[
        int, typer.Option("--misses", help="Misses and false alarms shown per signal.")
    ] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Precision, recall and F1 per signal on a labelled set, the false-alarm rate on its
    all-negative items, a reliability table, and the worst misses and false alarms."""
    if split not in (None, "tune", "holdout"):
        fail([f"--split {split!r}: 'tune' or 'holdout'"])
    labelled = read_set(path, form, maps, text_column, skips).only(split)
    scorer = scorer_for(settings_from(config, secrets=False))
    result = evaluate(labelled, _scored(scorer, labelled, show=not as_json), misses)
    if as_json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        _print(result)


def read_set(
    path: Path,
    form: str | None,
    maps: list[str] | None,
    text_column: str | None,
    skips: list[str] | None,
) -> LabelledSet:
    """The labelled set in `path` as the --map, --text and --skip options say, or a clear
    error (file and line) and exit 2."""
    mapping, skipped = _pairs(maps, "--map"), list(_pairs(skips, "--skip").items())
    try:
        return read_labelled(path, form, mapping, text_column, skipped)
    except InputError as exc:
        fail(exc.messages)


def _pairs(values: list[str] | None, option: str) -> dict[str, str]:
    pairs = {}
    for value in values or []:
        name, sep, target = value.partition("=")
        if not sep or not name or not target:
            fail([f"{option} {value!r}: expected NAME=VALUE"])
        pairs[name] = target
    return pairs


def _scored(scorer: Scorer, labelled: LabelledSet, show: bool) -> list[Assessment]:
    texts = [item.text for item in labelled.items]
    if not (show and out.is_terminal):
        return list(scorer.score_many(texts))
    with Progress(console=out, transient=True) as progress:
        task = progress.add_task(f"scoring {labelled.name}", total=len(texts))
        assessments = []
        for assessment in scorer.score_many(texts):
            assessments.append(assessment)
            progress.advance(task)
    return assessments


def _print(result: Evaluation) -> None:
    out.print(f"{result.name}: {result.items} items")
    table = Table("signal", "support", "precision", "recall", "F1", "TP", "FP", "FN")
    for s in result.signals:
        table.add_row(
            s.signal,
            str(s.support),
            f"{s.precision:.3f}",
            f"{s.recall:.3f}",
            f"{s.f1:.3f}",
            str(s.true_positives),
            str(s.false_positives),
            str(s.false_negatives),
        )
    out.print(table)
    out.print(
        f"mean F1 {result.mean_f1:.3f}; false alarms: {result.false_alarms} of "
        f"{result.all_negative} all-negative items ({result.false_alarm_rate:.1%})"
    )
    reliability = Table("score", "pairs", "mean score", "labelled 1", title="reliability")
    for b in result.reliability:
        if b.count:
            reliability.add_row(
                f"{b.low:.1f}-{b.high:.1f}",
                str(b.count),
                f"{b.mean_score:.3f}",
                f"{b.positive_rate:.3f}",
            )
    out.print(reliability)
    for case in result.cases:
        head = f"{case.signal} {case.item} (line {case.line}, score {case.score:.2f})"
        out.print(
            f"[bold]{case.kind}[/] {escape(head)}: {escape(case.why)}\n    {escape(case.text)}"
        )
