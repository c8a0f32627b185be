"""Account administration (等保 level 3): disabling with a reason, forced and expiring passwords,
revocation of every token of an account (`tokens_valid_after`), TOTP as a second factor, the last
sign-in, and sign-in sessions (`sid`) that idle out, end at an absolute maximum and are revoked at
sign-out

Revision ID: 0018_account_administration
Revises: 0018_audit_events
Create Date: 2026-12-01 05:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_account_administration"
down_revision: str | None = "0018_audit_events"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("disabled_reason", sa.String(length=500), nullable=True))
        batch.add_column(
            sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("tokens_valid_after", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("totp_enabled_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("last_sign_in_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "sign_in_sessions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("amr", sa.String(length=32), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sign_in_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_sessions")),
    )
    with op.batch_alter_table("sign_in_sessions") as batch:
        batch.create_index(batch.f("ix_sign_in_sessions_user_id"), ["user_id"], unique=False)
        batch.create_index(batch.f("ix_sign_in_sessions_ends_at"), ["ends_at"], unique=False)


def downgrade() -> None:
    op.drop_table("sign_in_sessions")
    with op.batch_alter_table("users") as batch:
        for column in (
            "last_sign_in_at",
            "totp_last_step",
            "totp_enabled_at",
            "totp_secret",
            "tokens_valid_after",
            "password_changed_at",
            "must_change_password",
            "disabled_reason",
            "disabled_at",
        ):
            batch.drop_column(column)
