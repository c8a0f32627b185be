"""notifications: the kit's table, about an award (the payment-promise reminders)

Revision ID: 0006_notifications
Revises: 0005_outbox
Create Date: 2026-11-30 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from daye_kit.db import NAMING_CONVENTION
from daye_kit.notifications import notifications_table

revision: str = "0006_notifications"
down_revision: str | None = "0005_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The kit defines the shared columns; funding-api's notifications are about an award.
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    notifications_table(metadata, sa.Column("award_id", sa.Integer(), nullable=True, index=True)).create(
        op.get_bind()
    )


def downgrade() -> None:
    op.drop_table("notifications")
