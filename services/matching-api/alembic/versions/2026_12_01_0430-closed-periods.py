"""closed periods: the copy of indicator-api's closed periods (关账) its outbox delivers

Revision ID: 0009_closed_periods
Revises: 0009_audit_events
Create Date: 2026-12-01 04:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from daye_kit.db import NAMING_CONVENTION
from daye_kit.periods import closed_periods_table

revision: str = "0009_closed_periods"
down_revision: str | None = "0009_audit_events"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The kit defines the table so that both services keep the same one.
    closed_periods_table(sa.MetaData(naming_convention=NAMING_CONVENTION)).create(op.get_bind())


def downgrade() -> None:
    op.drop_table("closed_periods")
