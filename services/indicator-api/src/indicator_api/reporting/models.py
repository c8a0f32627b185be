"""Reporting obligations (报送任务: which units report which indicators, by when), their exemptions,
and the review of figures that need the bureau's acceptance (报送审核)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, Index, String, UniqueConstraint
from sqlmodel import Field

from daye_kit.money import ExactDecimal
from daye_kit.timestamps import timestamp, utcnow
from indicator_api.models import Table


class Obligation(Table, table=True):
    """A unit (or, without one, every township of the city) reports an indicator each month or
    quarter, by a day of the following month."""

    __tablename__ = "reporting_obligations"
    __table_args__ = (
        CheckConstraint("period_type IN ('month', 'quarter')", name="period_type_known"),
        # Every month has a 28th: the deadline never falls outside the month.
        CheckConstraint("due_day BETWEEN 1 AND 28", name="due_day_in_month"),
    )

    id: int | None = Field(default=None, primary_key=True)
    indicator_code: str = Field(
        sa_column=Column(String(64), ForeignKey("indicators.code", ondelete="CASCADE"), nullable=False)
    )
    region_code: str | None = Field(
        default=None, sa_column=Column(String(32), ForeignKey("regions.code"), nullable=True)
    )
    period_type: str = Field(max_length=8)
    due_day: int
    requires_acceptance: bool = False
    active_from: date = Field(sa_column=Column(Date, nullable=False))
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp())


class Exemption(Table, table=True):
    """A unit need not report (one indicator, or none at all) for one period."""

    __tablename__ = "reporting_exemptions"
    __table_args__ = (
        CheckConstraint("period_type IN ('month', 'quarter')", name="period_type_known"),
        Index("ix_reporting_exemptions_unit_period", "region_code", "year", "period_type", "period"),
    )

    id: int | None = Field(default=None, primary_key=True)
    region_code: str = Field(sa_column=Column(String(32), ForeignKey("regions.code"), nullable=False))
    indicator_code: str | None = Field(
        default=None,
        sa_column=Column(String(64), ForeignKey("indicators.code", ondelete="CASCADE"), nullable=True),
    )
    year: int
    period_type: str = Field(max_length=8)
    period: int
    reason: str = Field(max_length=500)
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp())


class Submission(Table, table=True):
    """A township's figure under review: one row per (indicator, unit, period), its latest revision
    and where the review stands. A returned figure corrected and sent again is the same submission,
    back to `submitted`, its first time kept."""

    __tablename__ = "reporting_submissions"
    __table_args__ = (
        UniqueConstraint("indicator_code", "region_code", "year", "period_type", "period"),
        CheckConstraint("status IN ('submitted', 'accepted', 'returned')", name="status_known"),
        CheckConstraint("status <> 'returned' OR return_reason IS NOT NULL", name="returned_with_reason"),
        Index("ix_reporting_submissions_status_region", "status", "region_code"),
    )

    id: int | None = Field(default=None, primary_key=True)
    indicator_code: str = Field(
        sa_column=Column(String(64), ForeignKey("indicators.code", ondelete="CASCADE"), nullable=False)
    )
    region_code: str = Field(sa_column=Column(String(32), ForeignKey("regions.code"), nullable=False))
    year: int
    period_type: str = Field(max_length=8)
    period: int
    period_end: date = Field(sa_column=Column(Date, nullable=False))
    revision: int = Field(description="the revision under review (or accepted)")
    accepted_revision: int | None = Field(
        default=None, description="the latest accepted revision: the one the dashboards count"
    )
    value: Decimal = Field(sa_column=Column(ExactDecimal(places=4), nullable=False))
    status: str = Field(max_length=16)
    first_submitted_at: datetime = Field(sa_column=timestamp())
    submitted_at: datetime = Field(sa_column=timestamp())
    submitted_by: str = Field(max_length=64)
    reviewed_by: str | None = Field(default=None, max_length=64)
    reviewed_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    return_reason: str | None = Field(default=None, max_length=500)
