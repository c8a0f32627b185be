"""Users and API keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Column, ForeignKey, Integer, String, Text, false
from sqlmodel import Field

from daye_kit.auth import Role
from daye_kit.timestamps import timestamp, utcnow
from indicator_api.models import Table

ROLE_VALUES = ", ".join(f"'{role.value}'" for role in Role)


class User(Table, table=True):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(f"role IN ({ROLE_VALUES})", name="role_known"),
        CheckConstraint("role <> 'township' OR region_code IS NOT NULL", name="township_bound"),
        CheckConstraint("role <> 'enterprise' OR credit_code IS NOT NULL", name="enterprise_bound"),
    )

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    display_name: str = Field(default="", max_length=128)
    password_hash: str | None = Field(default=None, max_length=256)
    role: str = Field(max_length=16)
    region_code: str | None = Field(default=None, max_length=32)
    credit_code: str | None = Field(default=None, max_length=18)
    is_active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp())
    # Disabled accounts are kept (never deleted) with when and why; `is_active` is false meanwhile.
    disabled_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    disabled_reason: str | None = Field(default=None, max_length=500)
    # Set by a password reset (a temporary password) or by the password's age: every call but the
    # password change itself, sign-out and /auth/me is refused until the holder sets a new one.
    must_change_password: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=false())
    )
    password_changed_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    # Tokens issued before this instant (whole seconds) are refused by every service (not_before).
    tokens_valid_after: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    # The TOTP secret is never answered after enrolment; enabled once a code confirmed it.
    totp_secret: str | None = Field(default=None, max_length=64)
    totp_enabled_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    # The time step of the last accepted code: a code is accepted once.
    totp_last_step: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    last_sign_in_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))

    @property
    def totp_enabled(self) -> bool:
        return self.totp_enabled_at is not None


class ApiKey(Table, table=True):
    __tablename__ = "api_keys"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    name: str = Field(max_length=100)
    prefix: str = Field(max_length=16, unique=True)
    key_hash: str = Field(max_length=64)
    # `read:<dataset>` scopes, space separated as in OAuth; NULL for a key not limited to datasets.
    scopes: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    rate_limit: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp())
    revoked_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))


class SignInSession(Table, table=True):
    """One password sign-in (`sid` in its tokens): renewed by refresh while it is used within the idle
    timeout, up to `ends_at`; sign-out or an administrator revokes it."""

    __tablename__ = "sign_in_sessions"

    id: str = Field(sa_column=Column(String(32), primary_key=True))
    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    # The authentication methods of the sign-in, space separated (`pwd`, `pwd otp`).
    amr: str = Field(max_length=32)
    started_at: datetime = Field(default_factory=utcnow, sa_column=timestamp())
    last_seen_at: datetime = Field(default_factory=utcnow, sa_column=timestamp())
    ends_at: datetime = Field(sa_column=timestamp(index=True))
    revoked_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
