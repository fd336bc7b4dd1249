"""What every command shares: the console, the --config option, settings and scorer loading."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console

from warning.config import Settings, load_settings
from warning.logs import setup_logging
from warning.yamlio import InputError

if TYPE_CHECKING:  # imported where used: `warning score` starts without SQLAlchemy
    from warning.score import Scorer
    from warning.store import Store

# a pipe or a file gets lines of 160 columns rather than 80: tables stay readable
out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, highlight=False)

ConfigOption = Annotated[
    Path,
    typer.Option("--config", "-c", envvar="WARNING_CONFIG", help="The configuration file."),
]
DEFAULT_CONFIG = Path("config.yaml")
SEVERITY_STYLE = {
    "critical": "bold white on red",
    "high": "bold red",
    "medium": "yellow",
    "low": "cyan",
    "none": "dim",
}


def settings_from(path: Path, secrets: bool = True) -> Settings:
    """The settings in `path`; the built-in defaults when the default file is absent.
    `secrets=False` for commands that send nothing: an unset `${NAME}` is not an error."""
    try:
        if path == DEFAULT_CONFIG and not path.exists():
            settings = Settings()
        else:
            settings = load_settings(path, unset_ok=not secrets)
    except InputError as exc:
        fail(exc.messages)
    logs = settings.logging
    setup_logging(settings.redact, logs.level, logs.apprise, logs.format)
    return settings


def open_store(settings: Settings, write: bool = False) -> Store:
    """The configured store; refused (one line, exit 2) when no config file was read and
    the database does not exist yet (`warning` run from the wrong directory would create
    an empty database there and report "no alerts"), when its schema is not this version's
    (`warning db upgrade`), or when it cannot be reached. `write`: a command that writes
    creates a new database's tables; a read-only one writes no DDL."""
    from warning.schema import SchemaError
    from warning.store import Store, StoreError

    require_store_home(settings)
    try:
        return Store(settings.database.url, create=write)
    except (SchemaError, StoreError) as exc:
        fail([str(exc)])


def require_store_home(settings: Settings) -> None:
    from warning.store import sqlite_file, store_missing

    url = settings.database.url
    if settings.config_file is None and store_missing(url):
        fail([
            f"no {DEFAULT_CONFIG} here, so no database: run warning where its config file is, "
            f"or give --config FILE (or WARNING_CONFIG=FILE); nothing was created at "
            f"{sqlite_file(url)}"
        ])  # fmt: skip


def fail(messages: list[str], code: int = 2) -> NoReturn:
    for message in messages:
        print(message, file=sys.stderr)
    raise typer.Exit(code)


def scorer_for(settings: Settings, thresholds: bool = True) -> Scorer:
    from warning.scorer_factory import build_scorer  # loads the gazetteer and classifier: seconds

    try:
        return build_scorer(settings, thresholds=thresholds)
    except InputError as exc:
        fail(exc.messages)
