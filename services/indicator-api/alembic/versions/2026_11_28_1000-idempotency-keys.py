"""idempotency keys: the first answer to each caller's Idempotency-Key (the kit's table)

Revision ID: 0005_idempotency_keys
Revises: 0004_cultivation
Create Date: 2026-11-28 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from daye_kit.db import NAMING_CONVENTION
from daye_kit.idempotency import idempotency_table

revision: str = "0005_idempotency_keys"
down_revision: str | None = "0004_cultivation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The kit defines the table so that the three services keep the same one.
    idempotency_table(sa.MetaData(naming_convention=NAMING_CONVENTION)).create(op.get_bind())


def downgrade() -> None:
    op.drop_table("idempotency_keys")
