"""figure publications: when each figure a peer publishes was last brought up to date

Revision ID: 0010_figure_publications
Revises: 0009_notifications
Create Date: 2026-11-30 22:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import daye_kit.money

revision: str = "0010_figure_publications"
down_revision: str | None = "0009_notifications"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "figure_publications",
        sa.Column("indicator_code", sa.String(length=64), nullable=False),
        sa.Column("region_code", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("value", daye_kit.money.ExactDecimal(places=4, precision=24), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["indicator_code"],
            ["indicators.code"],
            name=op.f("fk_figure_publications_indicator_code_indicators"),
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_figure_publications_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("indicator_code", "region_code", name=op.f("pk_figure_publications")),
    )


def downgrade() -> None:
    op.drop_table("figure_publications")
