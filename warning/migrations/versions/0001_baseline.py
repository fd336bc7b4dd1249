"""Baseline: the schema of warning 0.1.0 as it stood when migrations became versioned.

A new database gets these tables. A store made before (no alembic_version table, its tables
made by the models of its day) is caught up to them in place, rows kept
(warning/migrations/legacy.py).

Revision ID: 0001
Revises:
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from warning.migrations.legacy import catch_up

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    connection = op.get_bind()
    tables = baseline()
    if sa.inspect(connection).has_table("report"):
        catch_up(connection, tables)
    else:
        tables.create_all(connection)


def downgrade() -> None:
    baseline().drop_all(op.get_bind())


def baseline() -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table(
        "event",
        metadata,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("country", sa.String(), nullable=False),
        sa.Column("towns", sa.String(), nullable=False),
        sa.Column("signals", sa.String(), nullable=False),
        sa.Column("reports", sa.Integer(), nullable=False),
        sa.Column("sources", sa.Integer(), nullable=False),
        sa.Column("places", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    sa.Index("ix_event_country", metadata.tables["event"].c["country"])
    sa.Index("ix_event_created_at", metadata.tables["event"].c["created_at"])
    sa.Index("ix_event_updated_at", metadata.tables["event"].c["updated_at"])
    sa.Table(
        "report",
        metadata,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("ref", sa.String(), nullable=False),
        sa.Column("url", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("scored_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("language", sa.String(), nullable=False),
        sa.Column("signals", sa.String(), nullable=False),
        sa.Column("country", sa.String(), nullable=False),
        sa.Column("towns", sa.String(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outlet", sa.String(), nullable=False),
        sa.Column("canonical_url", sa.String(), nullable=False),
        sa.Column("fingerprint", sa.LargeBinary(), nullable=True),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("places", sa.String(), nullable=False),
        sa.Column("retold", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    sa.Index("ix_report_canonical_url", metadata.tables["report"].c["canonical_url"])
    sa.Index("ix_report_content_hash", metadata.tables["report"].c["content_hash"], unique=True)
    sa.Index("ix_report_country", metadata.tables["report"].c["country"])
    sa.Index("ix_report_event_id", metadata.tables["report"].c["event_id"])
    sa.Index("ix_report_scored_at", metadata.tables["report"].c["scored_at"])
    sa.Index("ix_report_source", metadata.tables["report"].c["source"])
    sa.Index(
        "ix_report_source_ref",
        metadata.tables["report"].c["source"],
        metadata.tables["report"].c["ref"],
    )
    sa.Table(
        "silence",
        metadata,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("matchers", sa.String(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("comment", sa.String(), nullable=False),
        sa.Column("author", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    sa.Index("ix_silence_ends_at", metadata.tables["silence"].c["ends_at"])
    sa.Table(
        "sourcestate",
        metadata,
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_success", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(), nullable=False),
        sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("next_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("items_seen", sa.Integer(), nullable=False),
        sa.Column("items_new", sa.Integer(), nullable=False),
        sa.Column("total_new", sa.Integer(), nullable=False),
        sa.Column("etag", sa.String(), nullable=False),
        sa.Column("last_modified", sa.String(), nullable=False),
        sa.Column("cursor", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    sa.Table(
        "user",
        metadata,
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("password_hash", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    sa.Table(
        "alert",
        metadata,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("merged_into", sa.Integer(), nullable=True),
        sa.Column("reports", sa.Integer(), nullable=False),
        sa.Column("sources", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("severity", sa.String(), nullable=False),
        sa.Column("severity_rank", sa.Integer(), nullable=False),
        sa.Column("place", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("url", sa.String(), nullable=False),
        sa.Column("signals", sa.String(), nullable=False),
        sa.Column("assessment", sa.Text(), nullable=False),
        sa.Column("labels", sa.String(), nullable=False),
        sa.Column("silenced_by", sa.Integer(), nullable=True),
        sa.Column("acked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acked_by", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["report.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("report_id"),
    )
    sa.Index("ix_alert_created_at", metadata.tables["alert"].c["created_at"])
    sa.Index("ix_alert_event_id", metadata.tables["alert"].c["event_id"])
    sa.Index("ix_alert_severity", metadata.tables["alert"].c["severity"])
    sa.Table(
        "websession",
        metadata,
        sa.Column("token_hash", sa.String(), nullable=False),
        sa.Column("user", sa.String(), nullable=False),
        sa.Column("csrf", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user"], ["user.name"]),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    sa.Index("ix_websession_expires_at", metadata.tables["websession"].c["expires_at"])
    sa.Index("ix_websession_user", metadata.tables["websession"].c["user"])
    sa.Table(
        "alerthistory",
        metadata,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("what", sa.String(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("by", sa.String(), nullable=False),
        sa.Column("detail", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["alert_id"], ["alert.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    sa.Index("ix_alerthistory_alert_id", metadata.tables["alerthistory"].c["alert_id"])
    sa.Table(
        "delivery",
        metadata,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failing_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(), nullable=False),
        sa.Column("redact", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("note", sa.String(), nullable=False),
        sa.Column("route", sa.String(), nullable=False),
        sa.Column("group_key", sa.String(), nullable=False),
        sa.Column("hold", sa.String(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["alert_id"], ["alert.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    sa.Index("ix_delivery_alert_id", metadata.tables["delivery"].c["alert_id"])
    sa.Index(
        "ix_delivery_group",
        metadata.tables["delivery"].c["channel"],
        metadata.tables["delivery"].c["group_key"],
        metadata.tables["delivery"].c["status"],
    )
    sa.Index("ix_delivery_next_attempt_at", metadata.tables["delivery"].c["next_attempt_at"])
    sa.Index("ix_delivery_status", metadata.tables["delivery"].c["status"])
    sa.Table(
        "verdict",
        metadata,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("signal", sa.String(), nullable=False),
        sa.Column("verdict", sa.String(), nullable=False),
        sa.Column("note", sa.String(), nullable=False),
        sa.Column("by", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["alert_id"], ["alert.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    sa.Index("ix_verdict_alert_id", metadata.tables["verdict"].c["alert_id"])
    sa.Table(
        "attempt",
        metadata,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("error", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["delivery_id"], ["delivery.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    sa.Index("ix_attempt_delivery_id", metadata.tables["attempt"].c["delivery_id"])
    return metadata
