"""Demands and what the stats read from them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, Column, Date, ForeignKey, Index, Integer, String, Text
from sqlmodel import Field

from daye_kit.money import Money
from daye_kit.timestamps import timestamp, utcnow
from matching_api.enums import DemandKind, DemandStatus, Financing, ReviewStatus
from matching_api.models import Table, sql_in


class Demand(Table, table=True):
    __tablename__ = "demands"
    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_in(DemandKind)})", name="kind_known"),
        CheckConstraint(f"status IN ({sql_in(DemandStatus)})", name="status_known"),
        CheckConstraint(f"financing IS NULL OR financing IN ({sql_in(Financing)})", name="financing_known"),
        CheckConstraint("kind <> 'finance' OR amount_sought IS NOT NULL", name="finance_has_amount"),
        # Incremental reads (`updated_since`, `after`) walk (updated_at, id).
        Index("ix_demands_updated_at_id", "updated_at", "id"),
        CheckConstraint(f"review_status IN ({sql_in(ReviewStatus)})", name="review_status_known"),
        # The hall (需求大厅): public (approved) open demands, newest first.
        Index("ix_demands_hall", "review_status", "status", "posted_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    credit_code: str = Field(max_length=18, index=True)
    # Snapshots from indicator-api's registry at posting time: stats by township stay as posted.
    enterprise_name: str = Field(max_length=128)
    region_code: str = Field(max_length=12, index=True)
    qualifications: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    kind: str = Field(max_length=16, index=True)
    title: str = Field(max_length=200)
    description: str = Field(sa_column=Column(Text, nullable=False))
    industry: str = Field(default="", max_length=64)
    budget: Decimal | None = Field(default=None, sa_column=Column(Money(), nullable=True))
    amount_sought: Decimal | None = Field(default=None, sa_column=Column(Money(), nullable=True))
    financing: str | None = Field(default=None, max_length=16)
    deadline: date = Field(sa_column=Column(Date, nullable=False))
    status: str = Field(default=DemandStatus.open.value, max_length=16, index=True)
    terms: str = Field(default="", sa_column=Column(Text, nullable=False))
    posted_by: str = Field(max_length=64)
    posted_at: datetime = Field(default_factory=utcnow, sa_column=timestamp(index=True))
    first_response_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    matched_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    closed_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp())
    # The bureau's review before a demand is public (MATCHING_REQUIRE_DEMAND_REVIEW): pending,
    # approved or rejected. Without review a demand is approved when posted.
    review_status: str = Field(
        default=ReviewStatus.approved.value,
        sa_column=Column(String(16), nullable=False, server_default=ReviewStatus.approved.value),
    )
    review_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    reviewed_by: str | None = Field(default=None, max_length=64)
    reviewed_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))


class DemandTerm(Table, table=True):
    """One row per distinct term of a demand (its segmented text and its industry): the hall finds
    the demands that name a supplier's fields through the (term, demand_id) key, not by scanning text."""

    __tablename__ = "demand_terms"

    term: str = Field(sa_column=Column(String(64), primary_key=True))
    demand_id: int = Field(
        sa_column=Column(Integer, ForeignKey("demands.id", ondelete="CASCADE"), primary_key=True, index=True)
    )
