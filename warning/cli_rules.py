"""`warning rules test|explain|lint|precision`: the analyst's tools."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from warning.cliutil import (
    DEFAULT_CONFIG,
    ConfigOption,
    fail,
    open_store,
    out,
    scorer_for,
    settings_from,
)
from warning.precision import below
from warning.review import precision_records
from warning.rules.pack import RulePack, load_pack, run_tests
from warning.rules.tools import explain, lint, read_corpus
from warning.store import store_missing
from warning.yamlio import InputError

rules_app = typer.Typer(no_args_is_help=True, help="Test, explain and lint the rules.")
PathArgument = Annotated[
    Path | None, typer.Argument(help="A rules folder (default: the configured one).")
]


def _pack(path: Path | None, config: Path) -> RulePack:
    folder = path or settings_from(config, secrets=False).rules.path
    try:
        return load_pack(folder)
    except InputError as exc:
        fail(exc.messages, code=1)


@rules_app.command("test")
def test_rules(path: PathArgument = None, config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Run every rule's tests; a failure names the rule, the text and what went wrong."""
    pack = _pack(path, config)
    failures = run_tests(pack)
    if failures:
        fail([*failures, f"{len(failures)} of {len(pack.tests)} rule tests failed"], code=1)
    languages = sorted({t.language for t in pack.tests})
    out.print(f"{len(pack.tests)} rule tests passed ({', '.join(languages)})")


@rules_app.command("explain")
def explain_text(
    text: Annotated[str, typer.Argument(help="The text, or a file holding it.")],
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Every rule that matched, its words, its weight, the context that weakened or
    cancelled it, and the resulting scores."""
    if _is_file(text):
        text = Path(text).read_bytes().decode("utf-8", errors="replace")
    scorer = scorer_for(settings_from(config, secrets=False))
    result = scorer.score(text)
    out.print(
        f"language {result.language}; {len(scorer.rules.rules_for(result.language).rules)} rules"
    )
    for item in explain(scorer.rules, result.language, text):
        words = ", ".join(f"'{w}' [{a}:{b}]" for a, b, w in item.spans)
        state = (
            ""
            if item.factor == 1
            else (
                f"  [red]cancelled by {', '.join(item.cancelled_by)}[/]"
                if item.factor == 0
                else f"  [yellow]x{item.factor:g} by {', '.join(item.cancelled_by)}[/]"
            )
        )
        out.print(f"\n[green]{item.rule}[/] ({item.signal}, weight {item.weight:g}){state}")
        out.print(f"  on {words}")
        out.print(f"  \u201c{item.sentence.text}\u201d", markup=False)
    out.print(f"\nseverity {result.severity.value}" + (f": {result.why}" if result.why else ""))
    for signal in result.signals:
        out.print(
            f"  {signal.name}: score {signal.score:.2f} from rules {signal.rules:.2f} "
            f"and classifier {signal.classifier:.2f}"
        )


def _is_file(text: str) -> bool:
    try:
        return "\n" not in text and Path(text).is_file()
    except OSError:  # far too long for a file name: it is the text
        return False


@rules_app.command("lint")
def lint_rules(
    path: PathArgument = None,
    corpus: Annotated[Path | None, typer.Option(help="Folder of neutral *.txt reports.")] = None,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Rules that can never fire, terms a context always cancels, noisy terms, and rules
    whose precision on reviewed alerts is below review.min_precision."""
    pack = _pack(path, config)
    neutral = read_corpus(corpus) if corpus else None
    findings = [str(f) for f in lint(pack, neutral)] + _imprecise(config)
    for finding in findings:
        out.print(finding, markup=False)
    if findings:
        raise typer.Exit(1)
    checked = f", {len(neutral)} neutral reports" if neutral else ""
    out.print(f"no findings: {len(pack.rule_ids)} rules{checked}")


def _imprecise(config: Path) -> list[str]:
    """Rules reviewers found imprecise (review.min_precision, review.min_judged)."""
    settings = settings_from(config, secrets=False)
    url = settings.database.url
    if store_missing(url):
        return []  # no store yet: nothing reviewed (and linting creates none)
    floor, least = settings.review.min_precision, settings.review.min_judged
    return [
        f"{r.rule}: precision {r.precision:.2f} on {r.judged} reviewed alerts, below "
        f"{floor:.2f} (false positives: {', '.join(f'#{i}' for i in r.last_false)})"
        for r in below(precision_records(open_store(settings)), floor, least)
    ]


@rules_app.command("precision")
def precision(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Per rule: alerts it contributed to, reviewers' true and false positives, precision,
    the last false positives (worst first)."""
    settings = settings_from(config, secrets=False)
    records = precision_records(open_store(settings))
    if as_json:
        print(json.dumps([r.to_json() for r in records]))
        return
    table = Table("rule", "signal", "alerts", "true", "false", "precision", "last false positives")
    for r in records:
        shown = f"{r.precision:.2f} (of {r.judged})" if r.precision is not None else "-"
        table.add_row(r.rule, r.signal, str(r.alerts), str(r.true), str(r.false), shown,
                      ", ".join(f"#{i}" for i in r.last_false))  # fmt: skip
    out.print(table if records else "no alerts yet")
