"""`warning db upgrade|current`: the database's schema version (Alembic migrations)."""

from __future__ import annotations

import typer
from sqlalchemy.exc import SQLAlchemyError

from warning.cliutil import (
    DEFAULT_CONFIG,
    ConfigOption,
    fail,
    out,
    require_store_home,
    settings_from,
)
from warning.schema import CREATES, UPGRADE, SchemaError, Standing
from warning.store import (
    StoreError,
    first_line,
    schema_of,
    shown,
    store_missing,
    upgrade_schema,
)

db_app = typer.Typer(no_args_is_help=True, help="The database's schema: upgrade it, show it.")


@db_app.command("upgrade")
def db_upgrade(config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Bring the database to the schema this version needs (a new one gets its tables).
    Back the database up first: migrations change tables in place."""
    settings = settings_from(config, secrets=False)
    require_store_home(settings)
    url = settings.database.url
    try:
        before, after = upgrade_schema(url)
    except (StoreError, SchemaError) as exc:
        fail([str(exc)])
    except SQLAlchemyError as exc:  # a migration failed: its transaction was rolled back
        why = settings.redact(first_line(exc))
        fail([f"the upgrade failed and changed nothing: {why}"], code=1)
    change = "no change" if before == after else f"was {before.describe()}"
    out.print(f"{shown(url)}: {after.describe()} ({change})", markup=False)


@db_app.command("current")
def db_current(config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Print the database's schema version; exit 1 unless it is the one this version needs."""
    settings = settings_from(config, secrets=False)
    url = settings.database.url
    if store_missing(url):
        fail([f"{shown(url)}: no database yet: {CREATES}"], code=1)
    try:
        found = schema_of(url)
    except StoreError as exc:
        fail([str(exc)])
    advice = {Standing.legacy: UPGRADE, Standing.behind: UPGRADE, Standing.empty: CREATES}
    then = f": {advice[found.standing]}" if found.standing in advice else ""
    out.print(f"{shown(url)}: {found.describe()}{then}", markup=False)
    if found.standing != Standing.current:
        raise typer.Exit(1)
