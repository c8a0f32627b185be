"""Technology contracts (技术合同) reported by other systems, such as a docking that succeeded."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlmodel import Field

from daye_kit.money import Money
from daye_kit.timestamps import timestamp, utcnow
from indicator_api.models import Table


class TechContract(Table, table=True):
    __tablename__ = "tech_contracts"
    __table_args__ = (
        UniqueConstraint("source", "source_id"),
        CheckConstraint(
            "contract_type IN ('development', 'transfer', 'consulting', 'service')", name="type_known"
        ),
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_tech_contracts_updated_at_id", "updated_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=32)
    source_id: str = Field(max_length=64)
    credit_code: str = Field(
        sa_column=Column(String(18), ForeignKey("enterprises.credit_code"), nullable=False, index=True)
    )
    region_code: str = Field(sa_column=Column(String(32), ForeignKey("regions.code"), nullable=False))
    amount: Decimal = Field(sa_column=Column(Money(), nullable=False))
    contract_type: str = Field(max_length=16)
    signed_on: date = Field(sa_column=Column(Date, nullable=False))
    recorded_by: str = Field(max_length=64)
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=timestamp())
    # active, or cancelled (its docking was undone): a cancelled contract counts for nothing.
    status: str = Field(
        default="active", sa_column=Column(String(16), nullable=False, server_default="active")
    )
    # 1 when recorded; each correction is the next.
    revision: int = Field(default=1, sa_column=Column(Integer, nullable=False, server_default="1"))
    # Recording, each correction and the cancellation: when the contract last changed.
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp())
    cancelled_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
