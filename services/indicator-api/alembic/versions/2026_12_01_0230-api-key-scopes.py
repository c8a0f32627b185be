"""API keys limited to datasets: each key's scopes (`read:<dataset>`, space separated; NULL = not
limited) and its own rate limit

Revision ID: 0015_api_key_scopes
Revises: 0014_incremental_reads
Create Date: 2026-12-01 02:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_api_key_scopes"
down_revision: str | None = "0014_incremental_reads"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("api_keys", sa.Column("scopes", sa.Text(), nullable=True))
    op.add_column("api_keys", sa.Column("rate_limit", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("rate_limit")
        batch.drop_column("scopes")
