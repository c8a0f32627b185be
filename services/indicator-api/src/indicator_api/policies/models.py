"""Outreach to enterprises about policies, and the notices already sent of newly met policies."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, Index, String, UniqueConstraint
from sqlmodel import Field

from daye_kit.timestamps import timestamp, utcnow
from indicator_api.models import Table

OUTREACH_ACTIONS = ("informed", "visited", "applied")


class PolicyOutreach(Table, table=True):
    """One contact with an enterprise about its policies: told (informed), visited, or helped to apply."""

    __tablename__ = "policy_outreach"
    __table_args__ = (
        CheckConstraint("action IN ('informed', 'visited', 'applied')", name="action_known"),
        # Coverage counts a township's reached enterprises in a year.
        Index("ix_policy_outreach_region_code_done_on", "region_code", "done_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    credit_code: str = Field(
        sa_column=Column(String(18), ForeignKey("enterprises.credit_code"), nullable=False, index=True)
    )
    # The enterprise's unit when it was reached: the township whose coverage it counts for.
    region_code: str = Field(sa_column=Column(String(32), ForeignKey("regions.code"), nullable=False))
    action: str = Field(max_length=16)
    done_on: date = Field(sa_column=Column(Date, nullable=False))
    # The policy it was about (`hte`, `tech_sme`, `new_species` or `program:<id>`), if one.
    program: str | None = Field(default=None, max_length=32)
    note: str = Field(default="", max_length=500)
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp())
    request_id: str | None = Field(default=None, max_length=128)


class PolicyNotice(Table, table=True):
    """An enterprise told it newly meets a policy: at most once per enterprise and policy."""

    __tablename__ = "policy_notices"
    __table_args__ = (UniqueConstraint("credit_code", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    credit_code: str = Field(
        sa_column=Column(
            String(18), ForeignKey("enterprises.credit_code", ondelete="CASCADE"), nullable=False
        )
    )
    code: str = Field(max_length=32)
    notified_at: datetime = Field(default_factory=utcnow, sa_column=timestamp())
