"""Users and API keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, Text
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
