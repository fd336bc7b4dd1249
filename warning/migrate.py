"""Upgrading a store made by an older version."""

from __future__ import annotations

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel


def upgrade(engine: Engine) -> None:
    """Additive upgrade of a store made by an older version: columns and indexes added since
    then are created (columns with their defaults). Renames and drops will need real
    migrations."""
    add_missing_columns(engine)
    for table in SQLModel.metadata.sorted_tables:
        for index in table.indexes:
            index.create(engine, checkfirst=True)


def add_missing_columns(engine: Engine) -> None:
    """Columns the tables have gained since the store was made, with their defaults."""
    inspector = inspect(engine)
    with engine.begin() as connection:
        for table in SQLModel.metadata.sorted_tables:
            present = {c["name"] for c in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name in present:
                    continue
                kind = column.type.compile(dialect=engine.dialect)
                default = (
                    column.default.arg
                    if column.default is not None and column.default.is_scalar
                    else None
                )
                literal = (
                    "''"
                    if isinstance(default, str)
                    else "NULL"
                    if default is None
                    else str(default)
                )
                connection.execute(
                    text(
                        f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {kind} '
                        f"DEFAULT {literal}"
                    )
                )
