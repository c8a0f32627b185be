"""notifications: the kit's table, about a reporting unit's month (the month-end pace reminders)

Revision ID: 0009_notifications
Revises: 0008_outbox
Create Date: 2026-11-30 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from daye_kit.db import NAMING_CONVENTION
from daye_kit.notifications import notifications_table

revision: str = "0009_notifications"
down_revision: str | None = "0008_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The kit defines the shared columns; indicator-api's notifications are about a unit's month.
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    notifications_table(
        metadata,
        sa.Column("region_code", sa.String(length=32), nullable=True, index=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("month", sa.Integer(), nullable=True),
    ).create(op.get_bind())


def downgrade() -> None:
    op.drop_table("notifications")
