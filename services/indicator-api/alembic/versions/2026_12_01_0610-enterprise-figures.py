"""enterprise figures: the registry's latest declared figures per enterprise (prospects, policies)

Revision ID: 0023_enterprise_figures
Revises: 0022_supplier_role
Create Date: 2026-12-01 06:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import daye_kit.timestamps

revision: str = "0023_enterprise_figures"
down_revision: str | None = "0022_supplier_role"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "enterprise_figures",
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", daye_kit.timestamps.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["credit_code"],
            ["enterprises.credit_code"],
            name=op.f("fk_enterprise_figures_credit_code_enterprises"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("credit_code", name=op.f("pk_enterprise_figures")),
    )


def downgrade() -> None:
    op.drop_table("enterprise_figures")
