"""incremental reads: candidates and qualifications get `updated_at`, a technology contract's is always set; each collection read by `updated_since`/`after` gets an (updated, key) index

Revision ID: 0014_incremental_reads
Revises: 0013_feed_positions
Create Date: 2026-12-01 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import daye_kit.timestamps

revision: str = "0014_incremental_reads"
down_revision: str | None = "0013_feed_positions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("candidates", "qualifications"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("updated_at", daye_kit.timestamps.UtcDateTime(), nullable=True))
    # The best stamps there are: a candidate last changed when it last moved (or was submitted); a
    # qualification was recorded no later than its enterprise's last change as the registry knew it.
    op.execute("UPDATE candidates SET updated_at = stage_changed_at")
    op.execute(
        "UPDATE qualifications SET updated_at = "
        "(SELECT e.updated_at FROM enterprises e WHERE e.credit_code = qualifications.credit_code)"
    )
    op.execute("UPDATE tech_contracts SET updated_at = recorded_at WHERE updated_at IS NULL")
    for table in ("candidates", "qualifications", "tech_contracts"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                "updated_at", existing_type=daye_kit.timestamps.UtcDateTime(), nullable=False
            )
            batch_op.create_index(f"ix_{table}_updated_at_id", ["updated_at", "id"], unique=False)
    with op.batch_alter_table("enterprises", schema=None) as batch_op:
        batch_op.create_index(
            "ix_enterprises_updated_at_credit_code", ["updated_at", "credit_code"], unique=False
        )
    with op.batch_alter_table("indicator_values", schema=None) as batch_op:
        batch_op.create_index("ix_indicator_values_recorded_at_id", ["recorded_at", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("indicator_values", schema=None) as batch_op:
        batch_op.drop_index("ix_indicator_values_recorded_at_id")
    with op.batch_alter_table("enterprises", schema=None) as batch_op:
        batch_op.drop_index("ix_enterprises_updated_at_credit_code")
    with op.batch_alter_table("tech_contracts", schema=None) as batch_op:
        batch_op.drop_index("ix_tech_contracts_updated_at_id")
        batch_op.alter_column("updated_at", existing_type=daye_kit.timestamps.UtcDateTime(), nullable=True)
    for table in ("qualifications", "candidates"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{table}_updated_at_id")
            batch_op.drop_column("updated_at")
