"""audit events: the append-only audit trail (every write, sign-in and consumer pull)

UPDATE and DELETE are refused by triggers on both backends (TRUNCATE too on PostgreSQL); only the
retention duty deletes, rows older than 180 days, under a transaction-local permit (see
`daye_kit.audit.models`).

Revision ID: 0010_audit_events
Revises: 0009_webhooks
Create Date: 2026-12-01 05:00:00
"""

from collections.abc import Sequence

from alembic import op

from daye_kit.audit import create_audit_events, drop_audit_events

revision: str = "0010_audit_events"
down_revision: str | None = "0009_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The kit defines the table and its guards so that the three services keep the same ones.
    create_audit_events(op.get_bind())


def downgrade() -> None:
    drop_audit_events(op.get_bind())
