"""Supplies, and the version counter that tells every replica's engine index what changed."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, Column, Index, Integer, Text
from sqlmodel import Field

from daye_kit.money import Money
from daye_kit.timestamps import timestamp, utcnow
from matching_api.enums import Financing, Maturity, SupplyKind, SupplyStatus
from matching_api.models import Table, sql_in

SUPPLY_INDEX = "supplies"


class Supply(Table, table=True):
    __tablename__ = "supplies"
    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_in(SupplyKind)})", name="kind_known"),
        CheckConstraint(f"status IN ({sql_in(SupplyStatus)})", name="status_known"),
        CheckConstraint(f"maturity IS NULL OR maturity IN ({sql_in(Maturity)})", name="maturity_known"),
        CheckConstraint(f"financing IS NULL OR financing IN ({sql_in(Financing)})", name="financing_known"),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),
        CheckConstraint(
            "min_amount IS NULL OR max_amount IS NULL OR min_amount <= max_amount", name="amount_range"
        ),
        # Incremental reads (`updated_since`, `after`) walk (updated_at, id).
        Index("ix_supplies_updated_at_id", "updated_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16, index=True)
    name: str = Field(max_length=128)
    provider: str = Field(max_length=128, description="institution, owner or lender")
    description: str = Field(sa_column=Column(Text, nullable=False))
    fields: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    industries: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    region_code: str = Field(max_length=12)
    capacity: int | None = Field(default=None)
    price: Decimal | None = Field(default=None, sa_column=Column(Money(), nullable=True))
    maturity: str | None = Field(default=None, max_length=16)
    financing: str | None = Field(default=None, max_length=16)
    min_amount: Decimal | None = Field(default=None, sa_column=Column(Money(), nullable=True))
    max_amount: Decimal | None = Field(default=None, sa_column=Column(Money(), nullable=True))
    # Annual rate in basis points (385 = 3.85%): exact, and no decimal column type needed for it.
    rate_bp: int | None = Field(default=None)
    qualification_rule: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    owner_username: str | None = Field(default=None, max_length=64, index=True)
    contact: str = Field(default="", max_length=128)
    status: str = Field(default=SupplyStatus.active.value, max_length=16)
    # Segmented text (space-separated), computed once when the supply is written so that every
    # replica indexes exactly the same tokens whatever its jieba dictionary.
    terms: str = Field(default="", sa_column=Column(Text, nullable=False))
    profile_terms: str = Field(default="", sa_column=Column(Text, nullable=False))
    # The index version at which this row last changed; replicas fetch rows newer than theirs.
    revision: int = Field(sa_column=Column(Integer, nullable=False, index=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp())


class IndexVersion(Table, table=True):
    """One row per in-memory index: bumped in the same transaction as every change it must see."""

    __tablename__ = "index_versions"

    name: str = Field(primary_key=True, max_length=32)
    version: int = Field(default=0)
