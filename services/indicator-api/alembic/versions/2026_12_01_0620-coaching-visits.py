"""coaching visits: townships' visits to prospects, each followed by its candidate's stage moves

Revision ID: 0024_coaching_visits
Revises: 0023_enterprise_figures
Create Date: 2026-12-01 06:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import daye_kit.timestamps

revision: str = "0024_coaching_visits"
down_revision: str | None = "0023_enterprise_figures"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "coaching_visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("region_code", sa.String(length=32), nullable=False),
        sa.Column("program", sa.String(length=16), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("visitor", sa.String(length=64), nullable=False),
        sa.Column("advice", sa.String(length=2000), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", daye_kit.timestamps.UtcDateTime(), nullable=False),
        sa.CheckConstraint("program IN ('tech_sme', 'hte')", name=op.f("ck_coaching_visits_program_known")),
        sa.ForeignKeyConstraint(
            ["credit_code"],
            ["enterprises.credit_code"],
            name=op.f("fk_coaching_visits_credit_code_enterprises"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_coaching_visits_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coaching_visits")),
    )
    op.create_index(op.f("ix_coaching_visits_credit_code"), "coaching_visits", ["credit_code"], unique=False)
    op.create_index(
        "ix_coaching_visits_unit_day", "coaching_visits", ["region_code", "visited_on"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_coaching_visits_unit_day", table_name="coaching_visits")
    op.drop_index(op.f("ix_coaching_visits_credit_code"), table_name="coaching_visits")
    op.drop_table("coaching_visits")
