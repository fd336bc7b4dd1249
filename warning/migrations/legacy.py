"""Bringing a store made before versioned migrations (warning 0.1.0 up to the baseline) to
the baseline schema: missing tables, columns and indexes are created, and the delivery
table loses the one-delivery-per-alert-and-channel rule of the oldest stores."""

from __future__ import annotations

from sqlalchemy import Boolean, Integer, MetaData, String, Table, inspect, text
from sqlalchemy.engine import Connection

# what a column added to an older store holds in its existing rows (others: '' or 0 or NULL)
FILLED = {("alert", "reports"): 1, ("alert", "sources"): 1,
          ("delivery", "status"): "pending", ("delivery", "kind"): "alert"}  # fmt: skip


def catch_up(connection: Connection, baseline: MetaData) -> None:
    baseline.create_all(connection, checkfirst=True)  # tables added since the store was made
    for table in baseline.sorted_tables:
        _add_missing_columns(connection, table)
    _drop_one_delivery_per_channel(connection, baseline)
    for table in baseline.sorted_tables:
        for index in table.indexes:
            index.create(connection, checkfirst=True)


def _add_missing_columns(connection: Connection, table: Table) -> None:
    present = {c["name"] for c in inspect(connection).get_columns(table.name)}
    for column in table.columns:
        if column.name in present:
            continue
        kind = column.type.compile(dialect=connection.dialect)
        default = _literal(FILLED.get((table.name, column.name), _empty(column)))
        connection.execute(
            text(f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {kind} DEFAULT {default}')
        )


def _empty(column) -> object:  # noqa: ANN001 (a Column)
    if column.nullable:
        return None
    if isinstance(column.type, Boolean):
        return False
    if isinstance(column.type, Integer):
        return 0
    return "" if isinstance(column.type, String) else None


def _literal(default: object) -> str:
    if default is None:
        return "NULL"
    if isinstance(default, bool):
        return "TRUE" if default else "FALSE"  # SQLite (3.23+) and PostgreSQL both read these
    if isinstance(default, str):
        return "'" + default.replace("'", "''") + "'"
    return str(default)


def _drop_one_delivery_per_channel(connection: Connection, baseline: MetaData) -> None:
    """UNIQUE (alert_id, channel) on deliveries, from before updates: gone. SQLite cannot drop
    a constraint, so its table is rebuilt with its rows (ids kept)."""
    unique = [
        c
        for c in inspect(connection).get_unique_constraints("delivery")
        if sorted(c["column_names"]) == ["alert_id", "channel"]
    ]
    if not unique:
        return
    if connection.dialect.name != "sqlite":
        connection.execute(text(f'ALTER TABLE delivery DROP CONSTRAINT "{unique[0]["name"]}"'))
        return
    delivery = baseline.tables["delivery"]
    columns = ", ".join(f'"{c.name}"' for c in delivery.columns)
    for index in inspect(connection).get_indexes("delivery"):
        connection.exec_driver_sql(f'DROP INDEX "{index["name"]}"')
    copies = MetaData()  # with the tables its foreign keys name
    for table in baseline.sorted_tables:
        table.to_metadata(copies)
    delivery.to_metadata(copies, name="delivery_new").create(connection)
    connection.exec_driver_sql(
        f"INSERT INTO delivery_new ({columns}) SELECT {columns} FROM delivery"
    )
    connection.exec_driver_sql("DROP TABLE delivery")
    connection.exec_driver_sql("ALTER TABLE delivery_new RENAME TO delivery")
