"""periods: closed periods (关账), their history, and the quarterly reports closing published

Revision ID: 0018_periods
Revises: 0018_reporting
Create Date: 2026-12-01 05:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import daye_kit.timestamps

revision: str = "0018_periods"
down_revision: str | None = "0018_reporting"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "periods",
        sa.Column("key", sa.String(length=7), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("closed_at", daye_kit.timestamps.UtcDateTime(), nullable=False),
        sa.Column("closed_by", sa.String(length=64), nullable=False),
        sa.Column("reopened_at", daye_kit.timestamps.UtcDateTime(), nullable=True),
        sa.Column("reopened_by", sa.String(length=64), nullable=True),
        sa.Column("reopen_reason", sa.String(length=500), nullable=True),
        sa.Column("recloses_at", daye_kit.timestamps.UtcDateTime(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.CheckConstraint("kind IN ('quarter', 'month')", name=op.f("ck_periods_kind_known")),
        sa.CheckConstraint("status IN ('closed', 'reopened')", name=op.f("ck_periods_status_known")),
        sa.CheckConstraint(
            "status <> 'reopened' OR (reopen_reason IS NOT NULL AND recloses_at IS NOT NULL)",
            name=op.f("ck_periods_reopening_explained"),
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_periods")),
    )
    op.create_table(
        "period_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period_key", sa.String(length=7), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("occurred_at", daye_kit.timestamps.UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "action IN ('close', 'reopen', 'reclose')", name=op.f("ck_period_events_action_known")
        ),
        sa.ForeignKeyConstraint(
            ["period_key"], ["periods.key"], name=op.f("fk_period_events_period_key_periods")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_period_events")),
    )
    op.create_index("ix_period_events_period_key_id", "period_events", ["period_key", "id"])
    op.create_table(
        "published_reports",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("published_at", daye_kit.timestamps.UtcDateTime(), nullable=False),
        sa.Column("published_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("year", "quarter", name=op.f("pk_published_reports")),
    )


def downgrade() -> None:
    op.drop_table("published_reports")
    op.drop_index("ix_period_events_period_key_id", table_name="period_events")
    op.drop_table("period_events")
    op.drop_table("periods")
