"""reporting: obligations (who reports which indicator, by which day), exemptions, and the review of
figures that need the bureau's acceptance

Revision ID: 0018_reporting
Revises: 0018_account_administration
Create Date: 2026-12-01 05:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import daye_kit.money

revision: str = "0018_reporting"
down_revision: str | None = "0018_account_administration"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reporting_exemptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=32), nullable=False),
        sa.Column("indicator_code", sa.String(length=64), nullable=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("period_type", sa.String(length=8), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "period_type IN ('month', 'quarter')", name=op.f("ck_reporting_exemptions_period_type_known")
        ),
        sa.ForeignKeyConstraint(
            ["indicator_code"],
            ["indicators.code"],
            name=op.f("fk_reporting_exemptions_indicator_code_indicators"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_reporting_exemptions_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reporting_exemptions")),
    )
    op.create_index(
        "ix_reporting_exemptions_unit_period",
        "reporting_exemptions",
        ["region_code", "year", "period_type", "period"],
        unique=False,
    )
    op.create_table(
        "reporting_obligations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_code", sa.String(length=64), nullable=False),
        sa.Column("region_code", sa.String(length=32), nullable=True),
        sa.Column("period_type", sa.String(length=8), nullable=False),
        sa.Column("due_day", sa.Integer(), nullable=False),
        sa.Column("requires_acceptance", sa.Boolean(), nullable=False),
        sa.Column("active_from", sa.Date(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "period_type IN ('month', 'quarter')", name=op.f("ck_reporting_obligations_period_type_known")
        ),
        sa.CheckConstraint(
            "due_day BETWEEN 1 AND 28", name=op.f("ck_reporting_obligations_due_day_in_month")
        ),
        sa.ForeignKeyConstraint(
            ["indicator_code"],
            ["indicators.code"],
            name=op.f("fk_reporting_obligations_indicator_code_indicators"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_reporting_obligations_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reporting_obligations")),
    )
    op.create_table(
        "reporting_submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_code", sa.String(length=64), nullable=False),
        sa.Column("region_code", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("period_type", sa.String(length=8), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("accepted_revision", sa.Integer(), nullable=True),
        sa.Column("value", daye_kit.money.ExactDecimal(places=4, precision=24), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("first_submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_by", sa.String(length=64), nullable=False),
        sa.Column("reviewed_by", sa.String(length=64), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("return_reason", sa.String(length=500), nullable=True),
        sa.CheckConstraint(
            "status <> 'returned' OR return_reason IS NOT NULL",
            name=op.f("ck_reporting_submissions_returned_with_reason"),
        ),
        sa.CheckConstraint(
            "status IN ('submitted', 'accepted', 'returned')",
            name=op.f("ck_reporting_submissions_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["indicator_code"],
            ["indicators.code"],
            name=op.f("fk_reporting_submissions_indicator_code_indicators"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_reporting_submissions_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reporting_submissions")),
        sa.UniqueConstraint(
            "indicator_code",
            "region_code",
            "year",
            "period_type",
            "period",
            name=op.f("uq_reporting_submissions_indicator_code_region_code_year_period_type_period"),
        ),
    )
    op.create_index(
        "ix_reporting_submissions_status_region",
        "reporting_submissions",
        ["status", "region_code"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_reporting_submissions_status_region", table_name="reporting_submissions")
    op.drop_table("reporting_submissions")
    op.drop_table("reporting_obligations")
    op.drop_index("ix_reporting_exemptions_unit_period", table_name="reporting_exemptions")
    op.drop_table("reporting_exemptions")
