"""policy outreach: contacts with enterprises about their policies (informed, visited, applied), and
the notices already sent of policies an enterprise newly qualifies for (once per policy)

Revision ID: 0025_policy_outreach
Revises: 0024_coaching_visits
Create Date: 2026-12-01 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import daye_kit.timestamps

revision: str = "0025_policy_outreach"
# Chained after 0023 until PROSPECTS' 0024 is merged; at integration: "0024_coaching_visits".
down_revision: str | None = "0023_enterprise_figures"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "policy_outreach",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("region_code", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=False),
        sa.Column("program", sa.String(length=32), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", daye_kit.timestamps.UtcDateTime(), nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.CheckConstraint(
            "action IN ('informed', 'visited', 'applied')", name=op.f("ck_policy_outreach_action_known")
        ),
        sa.ForeignKeyConstraint(
            ["credit_code"],
            ["enterprises.credit_code"],
            name=op.f("fk_policy_outreach_credit_code_enterprises"),
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_policy_outreach_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_outreach")),
    )
    op.create_index(op.f("ix_policy_outreach_credit_code"), "policy_outreach", ["credit_code"], unique=False)
    op.create_index(
        "ix_policy_outreach_region_code_done_on", "policy_outreach", ["region_code", "done_on"], unique=False
    )
    op.create_table(
        "policy_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("notified_at", daye_kit.timestamps.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["credit_code"],
            ["enterprises.credit_code"],
            name=op.f("fk_policy_notices_credit_code_enterprises"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_notices")),
        sa.UniqueConstraint("credit_code", "code", name=op.f("uq_policy_notices_credit_code_code")),
    )


def downgrade() -> None:
    op.drop_table("policy_notices")
    op.drop_index("ix_policy_outreach_region_code_done_on", table_name="policy_outreach")
    op.drop_index(op.f("ix_policy_outreach_credit_code"), table_name="policy_outreach")
    op.drop_table("policy_outreach")
