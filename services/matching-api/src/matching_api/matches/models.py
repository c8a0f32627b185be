"""Docking records and their history."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field

from daye_kit.money import Money
from daye_kit.timestamps import timestamp, utcnow
from matching_api.enums import ContractType, MatchOrigin, MatchStatus
from matching_api.models import Table, sql_in


class Match(Table, table=True):
    __tablename__ = "matches"
    __table_args__ = (
        UniqueConstraint("demand_id", "supply_id"),
        CheckConstraint(f"status IN ({sql_in(MatchStatus)})", name="status_known"),
        CheckConstraint(f"origin IN ({sql_in(MatchOrigin)})", name="origin_known"),
        CheckConstraint(
            f"contract_type IS NULL OR contract_type IN ({sql_in(ContractType)})", name="contract_type_known"
        ),
        CheckConstraint("contract_amount IS NULL OR contract_amount > 0", name="contract_amount_positive"),
        CheckConstraint("contract_amount IS NULL OR status = 'succeeded'", name="contract_only_on_success"),
        # Incremental reads (`updated_since`, `after`) walk (updated_at, id).
        Index("ix_matches_updated_at_id", "updated_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    demand_id: int = Field(
        sa_column=Column(Integer, ForeignKey("demands.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    supply_id: int = Field(
        sa_column=Column(Integer, ForeignKey("supplies.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    status: str = Field(default=MatchStatus.proposed.value, max_length=16, index=True)
    origin: str = Field(max_length=16)
    score: float | None = Field(default=None, description="engine score when the docking was recorded")
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    created_by: str = Field(max_length=64)
    contract_amount: Decimal | None = Field(default=None, sa_column=Column(Money(), nullable=True))
    contract_type: str | None = Field(default=None, max_length=16)
    signed_on: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    contract_reported_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    # pending: the latest contract change waits in the outbox; reported / cancelled: indicator-api has it.
    contract_status: str | None = Field(default=None, max_length=16)
    # Each contract change (report, attachment, correction, cancellation) is the next revision.
    contract_revision: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp(index=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp())
    finished_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))


class MatchEvent(Table, table=True):
    """Every move of a docking record: who, when, from which state to which."""

    __tablename__ = "match_events"

    id: int | None = Field(default=None, primary_key=True)
    match_id: int = Field(
        sa_column=Column(Integer, ForeignKey("matches.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    from_status: str | None = Field(default=None, max_length=16)
    to_status: str = Field(max_length=16)
    actor: str = Field(max_length=64)
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    at: datetime = Field(default_factory=utcnow, sa_column=timestamp())
