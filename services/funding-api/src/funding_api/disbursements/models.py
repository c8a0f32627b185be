"""Disbursements (拨付) and the idempotency records that make a retried payment a replay."""

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
    Text,
    UniqueConstraint,
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


class IdempotencyRecord(Table, table=True):
    """The first answer to a request made with an `Idempotency-Key`, replayed to every retry.

    Keys are scoped to the caller (two callers may pick the same key); the fingerprint is the
    operation, its target and the body as sent, so a key reused for something else is refused.
    """

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("principal", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    principal: str = Field(max_length=64)
    key: str = Field(max_length=255)
    fingerprint: str = Field(max_length=64)
    status_code: int
    media_type: str = Field(max_length=64)
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp())
    request_id: str | None = Field(default=None, max_length=128)
