"""supplier hall: the bureau's review of demands, and each demand's terms for the hall's field filter

Revision ID: 0011_supplier_hall
Revises: 0010_audit_events
Create Date: 2026-12-01 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_supplier_hall"
down_revision: str | None = "0010_audit_events"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TERM_LENGTH = 64
BATCH = 1000


def upgrade() -> None:
    with op.batch_alter_table("demands", schema=None) as batch_op:
        # Demands posted before review existed were public: approved.
        batch_op.add_column(
            sa.Column("review_status", sa.String(length=16), nullable=False, server_default="approved")
        )
        batch_op.add_column(sa.Column("review_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("reviewed_by", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint(
            batch_op.f("ck_demands_review_status_known"),
            "review_status IN ('pending', 'approved', 'rejected')",
        )
        batch_op.create_index("ix_demands_hall", ["review_status", "status", "posted_at"], unique=False)
    op.create_table(
        "demand_terms",
        sa.Column("term", sa.String(length=TERM_LENGTH), nullable=False),
        sa.Column("demand_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["demand_id"], ["demands.id"], name=op.f("fk_demand_terms_demand_id_demands"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("term", "demand_id", name=op.f("pk_demand_terms")),
    )
    op.create_index(op.f("ix_demand_terms_demand_id"), "demand_terms", ["demand_id"], unique=False)
    _fill_terms()


def _fill_terms() -> None:
    """The existing demands' terms: their stored segmentation and their industry, each once."""
    conn = op.get_bind()
    demands = sa.table("demands", sa.column("id"), sa.column("terms"), sa.column("industry"))
    terms = sa.table("demand_terms", sa.column("term"), sa.column("demand_id"))
    rows: list[dict[str, object]] = []
    for demand_id, text, industry in conn.execute(
        sa.select(demands.c.id, demands.c.terms, demands.c.industry)
    ):
        words = [*(text or "").split(), *([industry.lower()] if industry else [])]
        for term in dict.fromkeys(w for w in words if len(w) <= TERM_LENGTH):
            rows.append({"term": term, "demand_id": demand_id})
        if len(rows) >= BATCH:
            conn.execute(terms.insert(), rows)
            rows = []
    if rows:
        conn.execute(terms.insert(), rows)


def downgrade() -> None:
    op.drop_index(op.f("ix_demand_terms_demand_id"), table_name="demand_terms")
    op.drop_table("demand_terms")
    with op.batch_alter_table("demands", schema=None) as batch_op:
        batch_op.drop_index("ix_demands_hall")
        batch_op.drop_constraint(batch_op.f("ck_demands_review_status_known"), type_="check")
        batch_op.drop_column("reviewed_at")
        batch_op.drop_column("reviewed_by")
        batch_op.drop_column("review_reason")
        batch_op.drop_column("review_status")
