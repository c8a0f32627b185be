"""cultivation: candidates, stage events, quotas; indicators say where their values come from

Revision ID: 0004_cultivation
Revises: 0003_indicators
Create Date: 2026-11-27 15:08:22.939395
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_cultivation"
down_revision: str | None = "0003_indicators"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cultivation_quotas",
        sa.Column("region_code", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("measure", sa.String(length=32), nullable=False),
        sa.Column("quota", sa.Integer(), nullable=False),
        sa.Column("set_by", sa.String(length=64), nullable=False),
        sa.CheckConstraint(
            "measure IN ('hte_applications', 'tech_sme_registered')",
            name=op.f("ck_cultivation_quotas_measure_known"),
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_cultivation_quotas_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("region_code", "year", "measure", name=op.f("pk_cultivation_quotas")),
    )
    op.create_table(
        "candidates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=32), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("program", sa.String(length=16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("ruleset", sa.String(length=16), nullable=False),
        sa.Column("eligible_tech_sme", sa.Boolean(), nullable=False),
        sa.Column("eligible_hte", sa.Boolean(), nullable=False),
        sa.Column("tech_sme_score", sa.Integer(), nullable=True),
        sa.Column("hte_score", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stage_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stage_changed_by", sa.String(length=64), nullable=False),
        sa.CheckConstraint("program IN ('tech_sme', 'hte')", name=op.f("ck_candidates_program_known")),
        sa.CheckConstraint(
            "stage IN ('reserve', 'coached', 'applied', 'certified', 'rejected', 'withdrawn')",
            name=op.f("ck_candidates_stage_known"),
        ),
        sa.ForeignKeyConstraint(
            ["credit_code"], ["enterprises.credit_code"], name=op.f("fk_candidates_credit_code_enterprises")
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_candidates_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidates")),
    )
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_candidates_credit_code"), ["credit_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_candidates_region_code"), ["region_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_candidates_year"), ["year"], unique=False)

    op.create_table(
        "candidate_stage_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("from_stage", sa.String(length=16), nullable=True),
        sa.Column("to_stage", sa.String(length=16), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("by", sa.String(length=64), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.id"],
            name=op.f("fk_candidate_stage_events_candidate_id_candidates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidate_stage_events")),
    )
    with op.batch_alter_table("candidate_stage_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_candidate_stage_events_candidate_id"), ["candidate_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_candidate_stage_events_on"), ["on"], unique=False)

    with op.batch_alter_table("indicators", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("source", sa.String(length=16), nullable=False, server_default="recorded")
        )
        batch_op.create_check_constraint(
            "source_known", "source IN ('recorded', 'ratio', 'pipeline', 'registry')"
        )
    # These two follow from the pipeline and the registry from now on, not from a second entry.
    op.execute("UPDATE indicators SET source = 'ratio' WHERE accumulation = 'ratio'")
    op.execute("UPDATE indicators SET source = 'pipeline' WHERE code = 'hte_applications'")
    op.execute("UPDATE indicators SET source = 'registry' WHERE code = 'tech_sme_registered'")


def downgrade() -> None:
    with op.batch_alter_table("indicators", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_indicators_source_known"), type_="check")
        batch_op.drop_column("source")

    with op.batch_alter_table("candidate_stage_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_candidate_stage_events_on"))
        batch_op.drop_index(batch_op.f("ix_candidate_stage_events_candidate_id"))

    op.drop_table("candidate_stage_events")
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_candidates_year"))
        batch_op.drop_index(batch_op.f("ix_candidates_region_code"))
        batch_op.drop_index(batch_op.f("ix_candidates_credit_code"))

    op.drop_table("candidates")
    op.drop_table("cultivation_quotas")
