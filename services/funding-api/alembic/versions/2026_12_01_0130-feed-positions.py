"""change feed: every outbox event carries the position a feed reads it at, (transaction, row), indexed

Revision ID: 0007_feed_positions
Revises: 0006_notifications
Create Date: 2026-12-01 01:30:00
"""

from collections.abc import Sequence

from daye_kit.outbox import downgrade_outbox_from_feed_positions, upgrade_outbox_to_feed_positions

revision: str = "0007_feed_positions"
down_revision: str | None = "0006_notifications"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    upgrade_outbox_to_feed_positions()


def downgrade() -> None:
    downgrade_outbox_from_feed_positions()
