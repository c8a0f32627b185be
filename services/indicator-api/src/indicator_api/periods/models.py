"""Periods the bureau has closed (关账), their history, and the quarterly reports closing published."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Date, Index
from sqlmodel import Field

from daye_kit.timestamps import timestamp, utcnow
from indicator_api.models import Table


class Period(Table, table=True):
    """A period that has been closed at least once; one never closed is open and has no row."""

    __tablename__ = "periods"
    __table_args__ = (
        CheckConstraint("kind IN ('quarter', 'month')", name="kind_known"),
        CheckConstraint("status IN ('closed', 'reopened')", name="status_known"),
        # A reopening says why and when it closes again by itself.
        CheckConstraint(
            "status <> 'reopened' OR (reopen_reason IS NOT NULL AND recloses_at IS NOT NULL)",
            name="reopening_explained",
        ),
    )

    key: str = Field(primary_key=True, max_length=7)
    kind: str = Field(max_length=8)
    starts_on: date = Field(sa_column=Column(Date, nullable=False))
    ends_on: date = Field(sa_column=Column(Date, nullable=False))
    status: str = Field(max_length=16)
    closed_at: datetime = Field(sa_column=timestamp())
    closed_by: str = Field(max_length=64)
    reopened_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    reopened_by: str | None = Field(default=None, max_length=64)
    reopen_reason: str | None = Field(default=None, max_length=500)
    recloses_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    # Each close, reopen or re-close adds one: the peers apply a period's events by it.
    revision: int = 1


class PeriodEvent(Table, table=True):
    """Every close, reopen and re-close, kept: who, when, what and why."""

    __tablename__ = "period_events"
    __table_args__ = (
        CheckConstraint("action IN ('close', 'reopen', 'reclose')", name="action_known"),
        Index("ix_period_events_period_key_id", "period_key", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    period_key: str = Field(foreign_key="periods.key", max_length=7)
    action: str = Field(max_length=8)
    actor: str = Field(max_length=64)
    reason: str | None = Field(default=None, max_length=500)
    occurred_at: datetime = Field(default_factory=utcnow, sa_column=timestamp())


class PublishedReport(Table, table=True):
    """A quarter's report as it stood when the quarter was first closed: the published version."""

    __tablename__ = "published_reports"

    year: int = Field(primary_key=True)
    quarter: int = Field(primary_key=True)
    report: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    published_at: datetime = Field(default_factory=utcnow, sa_column=timestamp())
    published_by: str = Field(max_length=64)
