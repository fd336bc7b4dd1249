"""`warning silence add|list|expire`: keep alerts matching some labels from being sent for a
while (they are still logged, marked with the silence)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Annotated

import typer
from rich.table import Table

from warning.cliutil import DEFAULT_CONFIG, ConfigOption, fail, open_store, out, settings_from
from warning.config import parse_duration
from warning.models import Silence, utcnow
from warning.routing import Matcher
from warning.times import as_utc

silence_app = typer.Typer(
    no_args_is_help=True, help="Silences: matching alerts are logged, not sent."
)


@silence_app.command("add")
def add(
    matcher: Annotated[
        list[str], typer.Option("--matcher", "-m", help='A label matcher: country="ML" (repeat).')
    ],
    duration: Annotated[str, typer.Option("--for", help="How long: 3d, 12h, 90m.")],
    comment: Annotated[str, typer.Option(help="Why (shown in the list).")] = "",
    author: Annotated[str, typer.Option(help="Who.")] = "",
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Silence alerts whose labels all the matchers hold, from now for --for."""
    try:
        for text in matcher:
            Matcher.parse(text)
        seconds = parse_duration(duration)
    except ValueError as exc:
        fail([str(exc)])
    if seconds <= 0:
        fail([f"--for: {duration!r} is not a positive duration"])
    settings = settings_from(config, secrets=False)
    silence = open_store(settings, write=True).add_silence(
        matcher, utcnow() + timedelta(seconds=seconds), comment, author
    )
    out.print(f"silence #{silence.id} until {_when(silence)}: {', '.join(matcher)}", markup=False)


@silence_app.command("list")
def list_silences(
    everyone: Annotated[bool, typer.Option("--all", help="Expired ones too.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Active silences, newest first (every one with --all)."""
    settings = settings_from(config, secrets=False)
    silences = open_store(settings).silences(everyone)
    if as_json:
        print(json.dumps([_json(s) for s in silences], ensure_ascii=False))
        return
    table = Table("#", "matchers", "until (UTC)", "author", "comment")
    for s in silences:
        table.add_row(str(s.id), ", ".join(json.loads(s.matchers)), _when(s), s.author, s.comment)
    out.print(table if silences else "no active silences")


@silence_app.command("expire")
def expire(silence_id: int, config: ConfigOption = DEFAULT_CONFIG) -> None:
    """End a silence now."""
    settings = settings_from(config, secrets=False)
    silence = open_store(settings, write=True).expire_silence(silence_id)
    if silence is None:
        fail([f"no silence #{silence_id}"], code=1)
    out.print(f"silence #{silence_id} expired at {_when(silence)}", markup=False)


def _when(silence: Silence) -> str:
    return as_utc(silence.ends_at).isoformat(timespec="seconds")


def _json(silence: Silence) -> dict:
    return {
        "id": silence.id,
        "matchers": json.loads(silence.matchers),
        "starts_at": as_utc(silence.starts_at).isoformat(),
        "ends_at": as_utc(silence.ends_at).isoformat(),
        "active": as_utc(silence.ends_at) > utcnow(),
        "author": silence.author,
        "comment": silence.comment,
    }
