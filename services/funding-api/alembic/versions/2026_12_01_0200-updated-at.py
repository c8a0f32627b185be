"""incremental reads: programmes, awards and disbursements carry `updated_at` (indexed); ledger postings
index their `created_at`, the `updated_at` of their never-changed entries

Revision ID: 0008_updated_at
Revises: 0007_feed_positions
Create Date: 2026-12-01 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_updated_at"
down_revision: str | None = "0007_feed_positions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("programs", "awards", "disbursements")

# The latest stamp each row already has: what it shows last changed then (a rule, an approval, a
# payment or reversal on it). Each runs only where it is later than what is set, so the order of
# these statements does not matter.
LATER_STAMPS = (
    "UPDATE programs SET updated_at = (SELECT MAX(r.created_at) FROM program_rules r"
    " WHERE r.program_id = programs.id) WHERE (SELECT MAX(r.created_at) FROM program_rules r"
    " WHERE r.program_id = programs.id) > updated_at",
    "UPDATE programs SET updated_at = (SELECT MAX(p.created_at) FROM ledger_postings p"
    " WHERE p.program_id = programs.id) WHERE (SELECT MAX(p.created_at) FROM ledger_postings p"
    " WHERE p.program_id = programs.id) > updated_at",
    "UPDATE awards SET updated_at = decided_at WHERE decided_at > updated_at",
    "UPDATE awards SET updated_at = (SELECT MAX(p.created_at) FROM ledger_postings p"
    " WHERE p.award_id = awards.id) WHERE (SELECT MAX(p.created_at) FROM ledger_postings p"
    " WHERE p.award_id = awards.id) > updated_at",
    "UPDATE disbursements SET updated_at = (SELECT p.created_at FROM ledger_postings p"
    " WHERE p.reverses_posting_id = disbursements.posting_id) WHERE (SELECT p.created_at"
    " FROM ledger_postings p WHERE p.reverses_posting_id = disbursements.posting_id) > updated_at",
)


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
        op.execute(f"UPDATE {table} SET updated_at = created_at")  # noqa: S608 - a fixed table name
    for statement in LATER_STAMPS:
        op.execute(statement)
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.alter_column("updated_at", existing_type=sa.DateTime(timezone=True), nullable=False)
            batch.create_index(batch.f(f"ix_{table}_updated_at"), ["updated_at"], unique=False)
    op.create_index(op.f("ix_ledger_postings_created_at"), "ledger_postings", ["created_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_ledger_postings_created_at"), table_name="ledger_postings")
    for table in reversed(TABLES):
        with op.batch_alter_table(table) as batch:
            batch.drop_index(batch.f(f"ix_{table}_updated_at"))
            batch.drop_column("updated_at")
