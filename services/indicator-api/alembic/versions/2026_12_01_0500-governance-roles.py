"""governance roles: the security administrator and the auditor (三员分立)

Revision ID: 0017_governance_roles
Revises: 0016_webhooks
Create Date: 2026-12-01 05:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017_governance_roles"
down_revision: str | None = "0016_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = "'admin', 'township', 'enterprise', 'viewer', 'service'"
AFTER = f"{BEFORE}, 'security_admin', 'auditor'"


def _roles(values: str) -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_users_role_known"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_users_role_known"), f"role IN ({values})")


def upgrade() -> None:
    _roles(AFTER)


def downgrade() -> None:
    op.execute(
        "UPDATE users SET is_active = false, role = 'viewer' WHERE role IN ('security_admin', 'auditor')"
    )
    _roles(BEFORE)
