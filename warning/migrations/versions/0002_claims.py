"""Claims for several instances on one database: which instance polls a source now, and
which one scores a report (each a lease that runs out if its instance dies).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CLAIMED = ("report", "sourcestate")


def upgrade() -> None:
    for table in CLAIMED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("claimed_by", sa.String(), nullable=False, server_default="")
            )
            batch.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_report_claimed_by", "report", ["claimed_by"])


def downgrade() -> None:
    op.drop_index("ix_report_claimed_by", table_name="report")
    for table in CLAIMED:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("claimed_until")
            batch.drop_column("claimed_by")
