"""The store's schema version: what a database holds, upgrading it (Alembic, the scripts in
warning/migrations), and creating a new one. `warning db upgrade` and `warning db current`."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

HEAD = "0003"  # the newest script in warning/migrations/versions (a test keeps them equal)
UPGRADE = "back it up, then run `warning db upgrade`"
CREATES = "`warning run` or `warning db upgrade` creates it"  # a new database's tables


class SchemaError(Exception):
    """The database's schema is not the one this version of warning reads and writes."""


class Standing(StrEnum):
    empty = "empty"  # no tables: a new database
    legacy = "legacy"  # tables made before versioned migrations (no alembic_version)
    behind = "behind"  # an older revision
    current = "current"
    ahead = "ahead"  # a revision this version does not know (a newer warning upgraded it)


@dataclass(frozen=True)
class SchemaState:
    standing: Standing
    revision: str | None  # as recorded in alembic_version

    def describe(self) -> str:
        match self.standing:
            case Standing.empty:
                return "no tables yet"
            case Standing.legacy:
                return "made before versioned migrations (warning 0.1.0)"
            case Standing.current:
                return f"revision {self.revision} (the newest this version knows)"
            case Standing.behind:
                return f"revision {self.revision}, older than {HEAD}"
        return f"revision {self.revision}, unknown to this version (newest known: {HEAD})"


def state(engine: Engine) -> SchemaState:
    """One read of alembic_version (no Alembic import: every command opens the store)."""
    with engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
        if "alembic_version" not in tables:
            standing = Standing.legacy if "report" in tables else Standing.empty
            return SchemaState(standing, None)
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    if revision == HEAD:
        return SchemaState(Standing.current, revision)
    known = revision is not None and revision in _revisions()
    return SchemaState(Standing.behind if known else Standing.ahead, revision)


def require_current(engine: Engine, create: bool) -> None:
    """Refuse a database this version cannot use as it is; create a new one's tables when
    `create` (commands that write), never otherwise (read-only commands write no DDL)."""
    found = state(engine)
    if found.standing == Standing.current:
        return
    if found.standing == Standing.empty and create:
        upgrade(engine)
        return
    if found.standing == Standing.empty:
        raise SchemaError(f"the database has no tables yet: {CREATES}")
    if found.standing == Standing.ahead:
        raise SchemaError(
            f"the database's schema is {found.describe()}: run a warning at least as new as "
            f"the one that upgraded it"
        )
    raise SchemaError(f"the database's schema is {found.describe()}: {UPGRADE}")


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run the migration scripts up to `revision` in one transaction (SQLite: with foreign
    key checks off while tables are rebuilt, as SQLite asks)."""
    from alembic import command

    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()  # outside a transaction, where SQLite honours it
        command.upgrade(_config(connection), revision)
        connection.commit()
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()


def _config(connection: Connection | None = None):  # noqa: ANN202 (alembic's Config)
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "warning:migrations")
    config.attributes["connection"] = connection
    return config


def _scripts():  # noqa: ANN202 (alembic.script.ScriptDirectory)
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config())


def _revisions() -> set[str]:
    return {script.revision for script in _scripts().walk_revisions()}


def script_heads() -> tuple[str, ...]:
    return tuple(_scripts().get_heads())
