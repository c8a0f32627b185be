"""Cultivation candidates (培育候选), their assessments, their moves through the pipeline, and quotas."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlmodel import Field

from daye_kit.timestamps import UtcDateTime, timestamp, utcnow
from indicator_api.models import Table

STAGES = ("reserve", "coached", "applied", "certified", "rejected", "withdrawn")


def _when() -> Column[datetime]:
    return timestamp()


class Candidate(Table, table=True):
    __tablename__ = "candidates"
    __table_args__ = (
        CheckConstraint("program IN ('tech_sme', 'hte')", name="program_known"),
        CheckConstraint(f"stage IN ({', '.join(repr(s) for s in STAGES)})", name="stage_known"),
        # One candidacy per enterprise, programme and year, whatever a client sends twice: a
        # withdrawn or rejected candidate goes back to reserve rather than being submitted again,
        # and `hte_applications` counts each enterprise once.
        UniqueConstraint("credit_code", "program", "year"),
        Index("ix_candidates_updated_at_id", "updated_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    region_code: str = Field(
        sa_column=Column(String(32), ForeignKey("regions.code"), nullable=False, index=True)
    )
    credit_code: str = Field(
        sa_column=Column(String(18), ForeignKey("enterprises.credit_code"), nullable=False, index=True)
    )
    program: str = Field(max_length=16)
    year: int = Field(index=True, description="the cultivation year")
    stage: str = Field(max_length=16)
    figures: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    # The assessment's outcome, and the rule set that produced it. Its conditions are derived again
    # from the stored figures by that version of the rules when a candidate is read.
    ruleset: str = Field(max_length=16)
    eligible_tech_sme: bool
    eligible_hte: bool
    tech_sme_score: int | None = None
    hte_score: int | None = None
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_when())
    stage_changed_at: datetime = Field(default_factory=utcnow, sa_column=_when())
    stage_changed_by: str = Field(max_length=64)
    # Any change of the candidate: submission, a move. A column default too, for bulk inserts.
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False, default=utcnow)
    )


class StageEvent(Table, table=True):
    """A move through the pipeline: when, by whom, from where to where."""

    __tablename__ = "candidate_stage_events"

    id: int | None = Field(default=None, primary_key=True)
    candidate_id: int = Field(
        sa_column=Column(Integer, ForeignKey("candidates.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    from_stage: str | None = Field(default=None, max_length=16)
    to_stage: str = Field(max_length=16)
    on: date = Field(
        sa_column=Column(Date, nullable=False, index=True), description="the day the move took effect"
    )
    by: str = Field(max_length=64)
    note: str = Field(default="", max_length=500)
    at: datetime = Field(default_factory=utcnow, sa_column=_when())


class Quota(Table, table=True):
    """A township's yearly cultivation quota for one measure."""

    __tablename__ = "cultivation_quotas"
    __table_args__ = (
        CheckConstraint("measure IN ('hte_applications', 'tech_sme_registered')", name="measure_known"),
    )

    region_code: str = Field(sa_column=Column(String(32), ForeignKey("regions.code"), primary_key=True))
    year: int = Field(primary_key=True)
    measure: str = Field(primary_key=True, max_length=32)
    quota: int = Field(ge=0)
    set_by: str = Field(max_length=64)
