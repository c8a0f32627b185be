"""matching: demands, supplies and the engine's index version, docking records and their events,
notifications

Revision ID: 0002_matching
Revises: 0001_baseline
Create Date: 2026-11-27 14:53:55.084536
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import daye_kit.money

revision: str = "0002_matching"
down_revision: str | None = "0001_baseline"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "demands",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("enterprise_name", sa.String(length=128), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("qualifications", sa.JSON(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("industry", sa.String(length=64), nullable=False),
        sa.Column("budget", daye_kit.money.Money(), nullable=True),
        sa.Column("amount_sought", daye_kit.money.Money(), nullable=True),
        sa.Column("financing", sa.String(length=16), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.Column("posted_by", sa.String(length=64), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_response_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("matched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "financing IS NULL OR financing IN ('loan', 'equity')", name=op.f("ck_demands_financing_known")
        ),
        sa.CheckConstraint(
            "kind <> 'finance' OR amount_sought IS NOT NULL", name=op.f("ck_demands_finance_has_amount")
        ),
        sa.CheckConstraint("kind IN ('talent', 'technology', 'finance')", name=op.f("ck_demands_kind_known")),
        sa.CheckConstraint(
            "status IN ('open', 'matched', 'closed', 'withdrawn')", name=op.f("ck_demands_status_known")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demands")),
    )
    with op.batch_alter_table("demands", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_demands_credit_code"), ["credit_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_demands_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_demands_posted_at"), ["posted_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_demands_region_code"), ["region_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_demands_status"), ["status"], unique=False)

    index_versions = op.create_table(
        "index_versions",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_index_versions")),
    )
    # The supply index starts at version 0; every write to supplies bumps it.
    op.bulk_insert(index_versions, [{"name": "supplies", "version": 0}])
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audience", sa.String(length=96), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("demand_id", sa.Integer(), nullable=True),
        sa.Column("supply_id", sa.Integer(), nullable=True),
        sa.Column("match_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notifications_audience"), ["audience"], unique=False)

    op.create_table(
        "supplies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("provider", sa.String(length=128), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("industries", sa.JSON(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("price", daye_kit.money.Money(), nullable=True),
        sa.Column("maturity", sa.String(length=16), nullable=True),
        sa.Column("financing", sa.String(length=16), nullable=True),
        sa.Column("min_amount", daye_kit.money.Money(), nullable=True),
        sa.Column("max_amount", daye_kit.money.Money(), nullable=True),
        sa.Column("rate_bp", sa.Integer(), nullable=True),
        sa.Column("qualification_rule", sa.JSON(), nullable=False),
        sa.Column("owner_username", sa.String(length=64), nullable=True),
        sa.Column("contact", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.Column("profile_terms", sa.Text(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "financing IS NULL OR financing IN ('loan', 'equity')", name=op.f("ck_supplies_financing_known")
        ),
        sa.CheckConstraint(
            "kind IN ('expert', 'technology', 'finance_product')", name=op.f("ck_supplies_kind_known")
        ),
        sa.CheckConstraint(
            "maturity IS NULL OR maturity IN ('concept', 'lab', 'pilot', 'industrial')",
            name=op.f("ck_supplies_maturity_known"),
        ),
        sa.CheckConstraint("status IN ('active', 'withdrawn')", name=op.f("ck_supplies_status_known")),
        sa.CheckConstraint(
            "capacity IS NULL OR capacity >= 0", name=op.f("ck_supplies_capacity_not_negative")
        ),
        sa.CheckConstraint(
            "min_amount IS NULL OR max_amount IS NULL OR min_amount <= max_amount",
            name=op.f("ck_supplies_amount_range"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplies")),
    )
    with op.batch_alter_table("supplies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_supplies_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_supplies_owner_username"), ["owner_username"], unique=False)
        batch_op.create_index(batch_op.f("ix_supplies_revision"), ["revision"], unique=False)

    op.create_table(
        "matches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("demand_id", sa.Integer(), nullable=False),
        sa.Column("supply_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("contract_amount", daye_kit.money.Money(), nullable=True),
        sa.Column("contract_type", sa.String(length=16), nullable=True),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.Column("contract_reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "contract_amount IS NULL OR status = 'succeeded'",
            name=op.f("ck_matches_contract_only_on_success"),
        ),
        sa.CheckConstraint(
            "contract_type IS NULL OR contract_type IN ('development', 'transfer', 'consulting', 'service')",
            name=op.f("ck_matches_contract_type_known"),
        ),
        sa.CheckConstraint(
            "origin IN ('enterprise', 'supplier', 'bureau')", name=op.f("ck_matches_origin_known")
        ),
        sa.CheckConstraint(
            "status IN ('proposed', 'docking', 'succeeded', 'failed', 'withdrawn', 'closed')",
            name=op.f("ck_matches_status_known"),
        ),
        sa.CheckConstraint(
            "contract_amount IS NULL OR contract_amount > 0", name=op.f("ck_matches_contract_amount_positive")
        ),
        sa.ForeignKeyConstraint(
            ["demand_id"], ["demands.id"], name=op.f("fk_matches_demand_id_demands"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["supply_id"], ["supplies.id"], name=op.f("fk_matches_supply_id_supplies"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_matches")),
        sa.UniqueConstraint("demand_id", "supply_id", name=op.f("uq_matches_demand_id_supply_id")),
    )
    with op.batch_alter_table("matches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_matches_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_matches_demand_id"), ["demand_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_matches_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_matches_supply_id"), ["supply_id"], unique=False)

    op.create_table(
        "match_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["match_id"], ["matches.id"], name=op.f("fk_match_events_match_id_matches"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_events")),
    )
    with op.batch_alter_table("match_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_match_events_match_id"), ["match_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("match_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_match_events_match_id"))

    op.drop_table("match_events")
    with op.batch_alter_table("matches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_matches_supply_id"))
        batch_op.drop_index(batch_op.f("ix_matches_status"))
        batch_op.drop_index(batch_op.f("ix_matches_demand_id"))
        batch_op.drop_index(batch_op.f("ix_matches_created_at"))

    op.drop_table("matches")
    with op.batch_alter_table("supplies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supplies_revision"))
        batch_op.drop_index(batch_op.f("ix_supplies_owner_username"))
        batch_op.drop_index(batch_op.f("ix_supplies_kind"))

    op.drop_table("supplies")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notifications_audience"))

    op.drop_table("notifications")
    op.drop_table("index_versions")
    with op.batch_alter_table("demands", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_demands_status"))
        batch_op.drop_index(batch_op.f("ix_demands_region_code"))
        batch_op.drop_index(batch_op.f("ix_demands_posted_at"))
        batch_op.drop_index(batch_op.f("ix_demands_kind"))
        batch_op.drop_index(batch_op.f("ix_demands_credit_code"))

    op.drop_table("demands")
