"""`warning routes test|show`: which channels an alert with given labels goes to, and the
routing tree as the config makes it (warning/routing.py)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from warning.cliutil import DEFAULT_CONFIG, ConfigOption, fail, out, settings_from
from warning.labels import parse_pairs
from warning.routing import Route, describe

routes_app = typer.Typer(no_args_is_help=True, help="The routing tree: test a label set, show it.")


@routes_app.command("test")
def test_routes(
    labels: Annotated[
        list[str],
        typer.Argument(help="LABEL=VALUE pairs; a label given twice has two values."),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """One line per route that takes an alert with these labels: its channels, in match
    order (with --json: each route's channels, path and timings)."""
    settings = settings_from(config, secrets=False)
    try:
        given = parse_pairs(labels)
    except ValueError as exc:
        fail([str(exc)])
    matched = settings.route_tree.match(given)
    if as_json:
        print(json.dumps([_route_json(r) for r in matched], ensure_ascii=False))
        return
    for route in matched:
        out.print(",".join(route.options.channels), markup=False)


@routes_app.command("show")
def show_routes(config: ConfigOption = DEFAULT_CONFIG) -> None:
    """The routing tree, one route a line, children indented under their parent."""
    settings = settings_from(config, secrets=False)
    for depth, route in settings.route_tree.walk():
        out.print(describe(route, depth), markup=False)


def _route_json(route: Route) -> dict:
    o = route.options
    return {
        "channels": list(o.channels),
        "path": route.path,
        "group_by": list(o.group_by),
        "group_wait": o.group_wait,
        "group_interval": o.group_interval,
        "repeat_interval": o.repeat_interval,
        "redact": o.redact,
    }
