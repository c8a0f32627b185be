"""outbox: events recorded with the facts that cause them, and the events received from peers; contracts revised and cancelled

Revision ID: 0008_outbox
Revises: 0007_duty_runs
Create Date: 2026-11-30 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from daye_kit.db import NAMING_CONVENTION
from daye_kit.outbox import outbox_table, received_table

revision: str = "0008_outbox"
down_revision: str | None = "0007_duty_runs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The kit defines the tables so that the three services keep the same ones.
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    outbox_table(metadata).create(op.get_bind())
    received_table(metadata).create(op.get_bind())
    # A technology contract is revised and cancelled, not only recorded.
    op.add_column(
        "tech_contracts",
        sa.Column("status", sa.String(length=16), nullable=False, server_default="active"),
    )
    op.add_column("tech_contracts", sa.Column("revision", sa.Integer(), nullable=False, server_default="1"))
    op.add_column("tech_contracts", sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("tech_contracts", sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("tech_contracts", "cancelled_at")
    op.drop_column("tech_contracts", "updated_at")
    op.drop_column("tech_contracts", "revision")
    op.drop_column("tech_contracts", "status")
    op.drop_table("received_events")
    op.drop_table("outbox_events")
