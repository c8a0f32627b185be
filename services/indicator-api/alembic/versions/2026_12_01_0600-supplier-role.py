"""supplier accounts: universities, institutes and banks answering demands themselves (院所答题)

Revision ID: 0022_supplier_role
Revises: 0021_reporting
Create Date: 2026-12-01 06:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0022_supplier_role"
down_revision: str | None = "0021_reporting"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = "'admin', 'township', 'enterprise', 'viewer', 'service', 'security_admin', 'auditor'"
AFTER = f"{BEFORE}, 'supplier'"


def _roles(values: str) -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_users_role_known"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_users_role_known"), f"role IN ({values})")


def upgrade() -> None:
    _roles(AFTER)


def downgrade() -> None:
    op.execute("UPDATE users SET is_active = false, role = 'viewer' WHERE role = 'supplier'")
    _roles(BEFORE)
