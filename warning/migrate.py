"""Upgrading a store made by an older version."""

from __future__ import annotations

from sqlalchemy import MetaData, inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from warning.models import Delivery


def upgrade(engine: Engine) -> None:
    """Upgrade of a store made by an older version: columns and indexes added since then
    are created (columns with their defaults), and the delivery table loses the one
    delivery per alert and channel rule (updates, repeats and escalations are more rows).
    Other renames and drops will need real migrations."""
    add_missing_columns(engine)
    drop_one_delivery_per_channel(engine)
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
                connection.execute(
                    text(
                        f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {kind} '
                        f"DEFAULT {_literal(default)}"
                    )
                )


def _literal(default: object) -> str:
    if default is None:
        return "NULL"
    if isinstance(default, str):
        return "'" + default.replace("'", "''") + "'"
    if isinstance(default, bool):
        return "TRUE" if default else "FALSE"  # SQLite (3.23+) and PostgreSQL both read these
    return str(default)


def drop_one_delivery_per_channel(engine: Engine) -> None:
    """Stores made before updates had UNIQUE (alert_id, channel) on deliveries: gone. SQLite
    cannot drop a constraint, so its table is rebuilt with its rows (ids kept)."""
    inspector = inspect(engine)
    unique = [
        c
        for c in inspector.get_unique_constraints("delivery")
        if sorted(c["column_names"]) == ["alert_id", "channel"]
    ]
    if not unique:
        return
    if engine.dialect.name != "sqlite":
        with engine.begin() as connection:
            connection.execute(text(f'ALTER TABLE delivery DROP CONSTRAINT "{unique[0]["name"]}"'))
        return
    columns = ", ".join(f'"{c.name}"' for c in Delivery.__table__.columns)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()  # outside a transaction, where SQLite honours it
        with connection.begin():
            for index in inspector.get_indexes("delivery"):
                connection.exec_driver_sql(f'DROP INDEX "{index["name"]}"')
            copies = MetaData()  # with the tables its foreign keys name
            for table in SQLModel.metadata.sorted_tables:
                table.to_metadata(copies)
            Delivery.__table__.to_metadata(copies, name="delivery_new").create(connection)
            connection.exec_driver_sql(
                f"INSERT INTO delivery_new ({columns}) SELECT {columns} FROM delivery"
            )
            connection.exec_driver_sql("DROP TABLE delivery")
            connection.exec_driver_sql("ALTER TABLE delivery_new RENAME TO delivery")
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()
