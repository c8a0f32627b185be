"""webhooks: subscribers' endpoints, their deliveries, and the fan-out's position in the change feed

Revision ID: 0008_webhooks
Revises: 0007_incremental_reads
Create Date: 2026-12-01 02:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from daye_kit.db import NAMING_CONVENTION
from daye_kit.webhooks import webhook_tables

revision: str = "0008_webhooks"
down_revision: str | None = "0007_incremental_reads"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The kit defines the tables so that the three services keep the same ones.
    for table in webhook_tables(sa.MetaData(naming_convention=NAMING_CONVENTION)):
        table.create(op.get_bind())


def downgrade() -> None:
    for name in ("webhook_fanout", "webhook_deliveries", "webhook_endpoints"):
        op.drop_table(name)
