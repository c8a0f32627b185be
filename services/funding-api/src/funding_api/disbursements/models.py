"""Disbursements (拨付). Their Idempotency-Key records are the kit's (`daye_kit.idempotency`)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
)
from sqlmodel import Field

from daye_kit.money import Money
from daye_kit.timestamps import timestamp, utcnow
from funding_api.models import Table


class Disbursement(Table, table=True):
    """One payment to an enterprise. The money is in the ledger posting; this row says what it was."""

    __tablename__ = "disbursements"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: int | None = Field(default=None, primary_key=True)
    award_id: int = Field(sa_column=Column(Integer, ForeignKey("awards.id"), nullable=False, index=True))
    program_id: int = Field(sa_column=Column(Integer, ForeignKey("programs.id"), nullable=False))
    amount: Decimal = Field(sa_column=Column(Money(), nullable=False))
    paid_on: date = Field(sa_column=Column(Date, nullable=False))
    reference: str = Field(default="", max_length=64)
    note: str = Field(default="", max_length=500)
    posting_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("ledger_postings.id"), nullable=False, unique=True)
    )
    idempotency_key: str | None = Field(default=None, max_length=255)
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp())
    request_id: str | None = Field(default=None, max_length=128)
    # Last change of what the disbursement shows (paid, then perhaps reversed): incremental reads.
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp(index=True))
