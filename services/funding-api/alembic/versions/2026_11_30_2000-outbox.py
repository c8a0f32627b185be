"""outbox: events recorded with the facts that cause them, and the events received from peers

Revision ID: 0005_outbox
Revises: 0004_duty_runs
Create Date: 2026-11-30 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from daye_kit.db import NAMING_CONVENTION
from daye_kit.outbox import outbox_table, received_table

revision: str = "0005_outbox"
down_revision: str | None = "0004_duty_runs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The kit defines the tables so that the three services keep the same ones.
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    outbox_table(metadata).create(op.get_bind())
    received_table(metadata).create(op.get_bind())


def downgrade() -> None:
    op.drop_table("received_events")
    op.drop_table("outbox_events")
