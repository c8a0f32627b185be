"""Coaching visits (走访辅导): a township's (or the bureau's) visit to an enterprise about a qualification."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, Index, String
from sqlmodel import Field

from daye_kit.timestamps import timestamp, utcnow
from indicator_api.models import Table


class CoachingVisit(Table, table=True):
    __tablename__ = "coaching_visits"
    __table_args__ = (
        CheckConstraint("program IN ('tech_sme', 'hte')", name="program_known"),
        Index("ix_coaching_visits_unit_day", "region_code", "visited_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    credit_code: str = Field(
        sa_column=Column(
            String(18), ForeignKey("enterprises.credit_code", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    # The enterprise's unit when it was visited: the township that did the work.
    region_code: str = Field(sa_column=Column(String(32), ForeignKey("regions.code"), nullable=False))
    program: str = Field(max_length=16)
    visited_on: date = Field(sa_column=Column(Date, nullable=False))
    visitor: str = Field(max_length=64)
    advice: str = Field(default="", max_length=2000)
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp())
