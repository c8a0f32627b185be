"""idempotency keys: the kit's table replaces the disbursements' own idempotency_records

Revision ID: 0003_idempotency_keys
Revises: 0002_funding_ledger
Create Date: 2026-11-28 10:00:00

The payments' records are carried over, so a key used before the upgrade is never paid twice. Their
fingerprints were computed another way: a retry of such a key is refused (422
`idempotency_key_reused`) rather than replayed, within the 72 hours the keys are kept.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from daye_kit.db import NAMING_CONVENTION
from daye_kit.idempotency import idempotency_table

revision: str = "0003_idempotency_keys"
down_revision: str | None = "0002_funding_ledger"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The kit defines the table so that the three services keep the same one.
    idempotency_table(sa.MetaData(naming_convention=NAMING_CONVENTION)).create(op.get_bind())
    op.execute(
        "INSERT INTO idempotency_keys (operation, principal, key, fingerprint, status_code, media_type, "
        "body, created_at, request_id) SELECT 'create_disbursement', principal, key, fingerprint, "
        "status_code, media_type, body, created_at, request_id FROM idempotency_records"
    )
    op.drop_table("idempotency_records")


def downgrade() -> None:
    op.create_table(
        "idempotency_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("principal", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_records")),
        sa.UniqueConstraint("principal", "key", name=op.f("uq_idempotency_records_principal_key")),
    )
    op.execute(
        "INSERT INTO idempotency_records (principal, key, fingerprint, status_code, media_type, body, "
        "created_at, request_id) SELECT principal, key, fingerprint, status_code, media_type, body, "
        "created_at, request_id FROM idempotency_keys "
        "WHERE operation = 'create_disbursement' AND status_code IS NOT NULL"
    )
    op.drop_table("idempotency_keys")
