"""Report places: each report that fired, filed under its country, town keys and signals,
so escalation looks up the reports near a place by index seeks (warning.models.ReportPlace);
rows for the reports already scored are written here.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

from collections.abc import Iterator, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen as of this revision (MainPlace.town_keys then): a report naming no town is filed
# under "", every report under "*" too; under each of its signals and "" (any signal).
NO_TOWN, ANY_TOWN, ANY_SIGNAL = "", "*", ""
CHUNK = 5000


COLUMNS = {
    "report_id": sa.Integer(),
    "town": sa.String(),
    "signal": sa.String(),
    "country": sa.String(),
    "scored_at": sa.DateTime(timezone=True),
}


def upgrade() -> None:
    op.create_table(
        "reportplace",
        *(sa.Column(name, kind, nullable=False) for name, kind in COLUMNS.items()),
        sa.ForeignKeyConstraint(["report_id"], ["report.id"]),
        sa.PrimaryKeyConstraint("report_id", "town", "signal"),
    )
    op.create_index(
        "ix_reportplace_near", "reportplace", ["country", "signal", "town", "scored_at"]
    )
    table = sa.table("reportplace", *(sa.column(name, kind) for name, kind in COLUMNS.items()))
    for rows in _backfill(op.get_bind()):
        op.get_bind().execute(table.insert(), rows)


def _backfill(connection: sa.Connection) -> Iterator[list[dict]]:
    """The rows of the reports scored so far that fired about a country, by id chunks."""
    report = sa.table(
        "report",
        *(sa.column(name) for name in ("id", "country", "towns", "signals")),
        sa.column("scored_at", sa.DateTime(timezone=True)),
    )
    fired = (
        sa.select(report)
        .where(report.c.signals != "", report.c.country != "", report.c.scored_at.is_not(None))
        .order_by(report.c.id)
        .limit(CHUNK)
    )
    after = 0
    while found := connection.execute(fired.where(report.c.id > after)).all():
        after = found[-1][0]
        yield [
            {"report_id": rid, "town": town, "signal": signal, "country": country, "scored_at": at}
            for rid, country, towns, signals, at in found
            for town in (*(dict.fromkeys(filter(None, towns.split("|"))) or [NO_TOWN]), ANY_TOWN)
            for signal in (*dict.fromkeys(signals.split(",")), ANY_SIGNAL)
        ]


def downgrade() -> None:
    op.drop_index("ix_reportplace_near", table_name="reportplace")
    op.drop_table("reportplace")
