"""Alembic's environment for the store's migrations (run through warning/schema.py, which
hands over an open connection; `warning db upgrade` is the command)."""

from alembic import context
from sqlmodel import SQLModel

import warning.models  # noqa: F401 (the tables, for autogenerate's comparison)

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters by copying tables
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
