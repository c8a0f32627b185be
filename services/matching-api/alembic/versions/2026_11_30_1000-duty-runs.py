"""duty runs: one row per scheduled duty and occurrence, the claim that lets one replica run it (the kit's table)

Revision ID: 0004_duty_runs
Revises: 0003_idempotency_keys
Create Date: 2026-11-30 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from daye_kit.db import NAMING_CONVENTION
from daye_kit.duties import duty_runs_table

revision: str = "0004_duty_runs"
down_revision: str | None = "0003_idempotency_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The kit defines the table so that the three services keep the same one.
    duty_runs_table(sa.MetaData(naming_convention=NAMING_CONVENTION)).create(op.get_bind())


def downgrade() -> None:
    op.drop_table("duty_runs")
