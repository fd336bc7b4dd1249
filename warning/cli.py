"""The `warning` command line."""

from __future__ import annotations

import importlib
import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import click
import typer
from typer.core import TyperGroup

from warning.cliutil import (
    DEFAULT_CONFIG,
    SEVERITY_STYLE,
    ConfigOption,
    err,
    fail,
    open_store,
    out,
    scorer_for,
    settings_from,
)
from warning.config import Settings
from warning.yamlio import InputError, load_yaml

if TYPE_CHECKING:
    from warning.pipeline import Service
    from warning.score import Assessment, Scorer

PARTLY_FAILED = 3  # `run --once` did its work, but a delivery failed or a source errored

# Commands whose module is imported only when they run (or `--help` lists them): each
# loads what it needs (SQLAlchemy, Apprise, scikit-learn...), and `warning score` needs
# none of that: it starts in a third of the time. Name -> (module, its Typer app or
# command function), in the order `--help` lists them.
LAZY = {
    "classifier": ("warning.cli_card", "classifier_app"),
    "rules": ("warning.cli_rules", "rules_app"),
    "deliveries": ("warning.cli_deliveries", "deliveries_app"),
    "routes": ("warning.cli_routes", "routes_app"),
    "silence": ("warning.cli_silences", "silence_app"),
    "alerts": ("warning.cli_alerts", "alerts_app"),
    "user": ("warning.cli_users", "user_app"),
    "db": ("warning.cli_db", "db_app"),
    "ack": ("warning.cli_alerts", "ack"),
    "backtest": ("warning.cli_backtest", "backtest"),
    "sources": ("warning.cli_sources", "sources"),
    "eval": ("warning.cli_eval", "eval_command"),
}


class LazyCommands(TyperGroup):
    """The commands defined here, then those of LAZY, each imported when asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*LAZY, *(name for name in super().list_commands(ctx) if name not in LAZY)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in LAZY:
            return super().get_command(ctx, cmd_name)
        module, attribute = LAZY[cmd_name]
        found = getattr(importlib.import_module(module), attribute)
        if isinstance(found, typer.Typer):
            command: click.Command = typer.main.get_group(found)  # a group, even of one
        else:
            single = typer.Typer()
            single.command(cmd_name)(found)
            command = typer.main.get_command(single)
        command.name = cmd_name
        return command


app = typer.Typer(
    cls=LazyCommands,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,  # never print locals
    help="Early-warning alerts for humanitarian NGOs.",
)


def _version(shown: bool) -> None:
    if shown:
        from importlib.metadata import version

        print(f"warning {version('warning')}")
        raise typer.Exit()


@app.callback()
def _options(
    show_version: Annotated[
        bool | None,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = None,
) -> None:
    """Early-warning alerts for humanitarian NGOs."""


@app.command()
def score(
    path: Annotated[
        str | None, typer.Argument(help="A text file, or - for standard input.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    jsonl: Annotated[
        Path | None, typer.Option("--jsonl", help="Score each line {id, text, title?}.")
    ] = None,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Score one report and explain why: signals, severity, quoted evidence, places."""
    if (path is None) == (jsonl is None):
        fail(["give either a PATH (or -) or --jsonl FILE"])
    scorer = scorer_for(settings_from(config, secrets=False))
    if jsonl is not None:
        _score_jsonl(scorer, jsonl)
        return
    text = _read_text(path)
    assessment = scorer.score(text)
    if as_json:
        print(json.dumps(assessment.to_json(), ensure_ascii=False))
    else:
        _explain(assessment)


def _read_text(path: str) -> str:
    from warning.extract import ExtractError, text_to_score  # trafilatura: for a page only

    try:
        raw = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        fail([f"{path}: cannot read: {exc.strerror or exc}"])
    try:
        return text_to_score(raw, path)
    except ExtractError as exc:
        fail([f"{path}: {exc}"])


def _score_jsonl(scorer: Scorer, path: Path) -> None:
    from warning.jsonl import score_lines

    try:
        raw = path.read_bytes()
    except OSError as exc:
        fail([f"{path}: cannot read: {exc.strerror or exc}"])
    for line in score_lines(scorer, raw, str(path)):
        print(line, flush=True)


def _explain(assessment: Assessment) -> None:
    style = SEVERITY_STYLE[assessment.severity.value]
    out.print(
        f"[{style}] {assessment.severity.value.upper()} [/] "
        f"{assessment.place or '(no place found)'}"
        f"  [dim]language {assessment.language}[/]"
    )
    if assessment.why:
        out.print(f"why: {assessment.why}")
    if not assessment.signals:
        out.print("no signal fired")
    for signal in assessment.signals:
        indicators = f"  UN Framework {', '.join(signal.indicators)}" if signal.indicators else ""
        cause = f"  cause {signal.cause}" if signal.cause else ""
        out.print(
            f"\n[bold]{signal.name}[/]  score {signal.score:.2f} (rules {signal.rules:.2f}, "
            f"classifier {signal.classifier:.2f}){cause}{indicators}"
        )
        for hit in signal.hits:
            out.print(
                f"  [green]{hit.rule}[/] [dim][{hit.start}:{hit.end}] on: {', '.join(hit.terms)}[/]"
            )
            out.print(f"    \u201c{hit.quote}\u201d", markup=False)
        if not signal.hits and signal.classifier_quote:
            out.print(
                f"  classifier only; surest on: \u201c{signal.classifier_quote}\u201d", markup=False
            )
    if assessment.places:
        named = ", ".join(f"{p.name} ({p.mentions})" for p in assessment.places[:10])
        out.print(f"\nplaces: {named}", markup=False)


@app.command()
def run(
    once: Annotated[
        bool, typer.Option("--once", help="Process everything pending, then exit.")
    ] = False,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict/--no-strict",
            help=f"With --once: exit {PARTLY_FAILED} when a delivery failed or a source "
            "errored (the default), or 0 all the same.",
        ),
    ] = True,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Poll the sources, score, alert and deliver; until stopped, or once with --once."""
    from warning.outbox import SendingMeanwhile

    settings = settings_from(config)
    open_store(settings, write=True).close()  # a new database gets its tables; an old one: refused
    if not once:
        with SendingMeanwhile(settings):  # what is due goes out while the scorer loads
            service = _service(settings)
        from warning.daemon import run_forever

        run_forever(service, config if config.exists() else None)
        return
    service = _service(settings)
    summary = service.run_once()
    new = sum(p.new for p in summary.polls)
    errors = sum(len(p.errors) for p in summary.polls)
    out.print(
        f"{new} new report(s), {len(summary.alerts)} alert(s), {summary.sent} delivery(ies) sent, "
        f"{summary.failed} failed, {errors} source error(s)"
    )
    if strict and (summary.failed or errors):
        raise typer.Exit(PARTLY_FAILED)


def _service(settings: Settings) -> Service:
    """The pipeline (imported here: it loads scikit-learn, which other commands need not)."""
    from warning.pipeline import build_service

    try:
        return build_service(settings)
    except InputError as exc:
        fail(exc.messages)


@app.command()
def check(config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Validate the configuration, the rules and the classifier examples; run every rule test."""
    from warning.card import THRESHOLDS_FILE, load_thresholds
    from warning.classifier import SHIPPED, load_examples
    from warning.rules.pack import load_pack, run_tests
    from warning.store import StoreError, engine_for

    settings = settings_from(config)
    try:
        engine_for(settings.database.url).dispose()  # its driver is installed (no connection)
    except StoreError as exc:
        fail([str(exc)], code=1)
    unreadable = channel_problems(config, settings)
    if unreadable:
        fail(unreadable, code=1)
    try:
        pack = load_pack(settings.rules.path)
        examples = load_examples(settings.classifier.path, settings.classifier.extra)
        thresholds = load_thresholds(settings.classifier.path or SHIPPED)
    except InputError as exc:
        fail(exc.messages, code=1)
    if thresholds and thresholds.examples != examples.digest:
        err.print(
            f"warning: {THRESHOLDS_FILE} was chosen for other classifier examples; "
            "run `warning classifier eval --tune FILE` to choose them again",
            markup=False,
        )
    failures = run_tests(pack)
    if failures:
        fail([*failures, f"{len(failures)} of {len(pack.tests)} rule tests failed"], code=1)
    out.print(
        f"ok: config, {len(pack.files)} rule files, {len(pack.rule_ids)} rules, "
        f"{len(pack.tests)} rule tests passed, {len(examples.texts)} classifier examples"
    )


def channel_problems(config: Path, settings: Settings) -> list[str]:
    """`file:line:col: channels.NAME.url: why` for each channel URL Apprise cannot use."""
    from warning.notify import url_problem

    found = {name: url_problem(c.url) for name, c in settings.channels.items()}
    if not any(found.values()):
        return []
    doc = load_yaml(config)
    return [
        f"{doc.where(('channels', name, 'url'))}: channels.{name}.url: {settings.redact(why)}"
        for name, why in found.items()
        if why
    ]


def main() -> None:
    logging.captureWarnings(True)
    app()
