"""Awards (奖补/兑现事项): what an enterprise is entitled to under a programme, and who approved it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlmodel import Field

from daye_kit.money import Money
from daye_kit.timestamps import timestamp, utcnow
from funding_api.models import Table


class AwardMode(StrEnum):
    automatic = "automatic"  # 无申请兑现: made by a programme rule from the registry's qualifications
    application = "application"  # 依申请兑现: made from an enterprise's application


class AwardStatus(StrEnum):
    pending = "pending"  # 待审核
    approved = "approved"  # 已批准(应付)
    rejected = "rejected"  # 已驳回


class Award(Table, table=True):
    __tablename__ = "awards"
    __table_args__ = (
        # One automatic award per programme, enterprise and period: generating twice adds nothing.
        # Application awards have no period (NULL never collides).
        UniqueConstraint("program_id", "credit_code", "period"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("mode IN ('automatic', 'application')", name="mode_known"),
        CheckConstraint("status IN ('pending', 'approved', 'rejected')", name="status_known"),
        CheckConstraint(
            "(mode = 'automatic' AND rule_id IS NOT NULL AND period IS NOT NULL)"
            " OR (mode = 'application' AND application_no IS NOT NULL)",
            name="basis_given",
        ),
        # Maker-checker, kept by the database too: nobody approves what they created.
        CheckConstraint("status <> 'approved' OR decided_by <> created_by", name="checker_is_not_maker"),
        CheckConstraint("status <> 'approved' OR approved_on IS NOT NULL", name="approved_on_set"),
    )

    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(sa_column=Column(Integer, ForeignKey("programs.id"), nullable=False, index=True))
    credit_code: str = Field(sa_column=Column(String(18), nullable=False, index=True))
    enterprise_name: str = Field(max_length=128)
    # The enterprise's reporting unit in the registry when the award was made (township reports).
    region_code: str = Field(sa_column=Column(String(32), nullable=False, index=True))
    amount: Decimal = Field(sa_column=Column(Money(), nullable=False))
    mode: str = Field(max_length=16)
    period: int | None = Field(default=None)
    rule_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("program_rules.id"), nullable=True)
    )
    rule_version: int | None = Field(default=None)
    application_no: str | None = Field(default=None, max_length=64)
    note: str = Field(default="", max_length=500)
    status: str = Field(default=AwardStatus.pending.value, max_length=16, index=True)
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp())
    created_request_id: str | None = Field(default=None, max_length=128)
    decided_by: str | None = Field(default=None, max_length=64)
    decided_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    decided_request_id: str | None = Field(default=None, max_length=128)
    decision_note: str = Field(default="", max_length=500)
    # The day the award became payable: ageing counts working days from here.
    approved_on: date | None = Field(default=None, sa_column=Column(Date, nullable=True, index=True))
    # Last change of what the award shows (its status, its paid and outstanding): incremental reads.
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp(index=True))
