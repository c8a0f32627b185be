"""incremental reads: demands, supplies and dockings indexed by (updated_at, id) for `after` paging

Revision ID: 0007_incremental_reads
Revises: 0006_feed_positions
Create Date: 2026-12-01 02:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007_incremental_reads"
down_revision: str | None = "0006_feed_positions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("demands", "supplies", "matches")


def upgrade() -> None:
    # Every table already keeps updated_at on each write; only the keyset order needs an index.
    for table in TABLES:
        op.create_index(f"ix_{table}_updated_at_id", table, ["updated_at", "id"], unique=False)


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f"ix_{table}_updated_at_id", table_name=table)
