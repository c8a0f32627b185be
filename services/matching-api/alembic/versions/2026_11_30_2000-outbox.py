"""outbox: events recorded with the facts that cause them, and the events received from peers; a docking's contract status

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
    # Whether a docking's contract has reached indicator-api, and which revision of it is current.
    op.add_column("matches", sa.Column("contract_status", sa.String(length=16), nullable=True))
    op.add_column("matches", sa.Column("contract_revision", sa.Integer(), nullable=False, server_default="0"))
    op.execute(
        "UPDATE matches SET contract_status = 'reported', contract_revision = 1 "
        "WHERE contract_reported_at IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_column("matches", "contract_revision")
    op.drop_column("matches", "contract_status")
    op.drop_table("received_events")
    op.drop_table("outbox_events")
