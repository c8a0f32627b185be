"""The append-only ledger: postings (one money movement each) and their entries (debits positive,
credits negative, summing to zero per posting). The database refuses UPDATE and DELETE on both."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, Column, Date, ForeignKey, Index, Integer, String
from sqlmodel import Field

from daye_kit.money import Money
from daye_kit.timestamps import timestamp, utcnow
from funding_api.models import BigId, Table


class Account(StrEnum):
    """Accounts are per programme (and per award): budget → award payable → paid."""

    funding_source = "funding_source"  # 资金来源:下达预算的上级或本级财政(贷方)
    program_available = "program_available"  # 项目可用预算(未分配到奖补的部分)
    award_payable = "award_payable"  # 应付奖补:已批准、未拨付
    award_paid = "award_paid"  # 已拨付给企业


class PostingKind(StrEnum):
    budget_allocated = "budget_allocated"  # 预算下达: funding_source → program_available
    award_approved = "award_approved"  # 奖补批准: program_available → award_payable
    disbursement = "disbursement"  # 拨付: award_payable → award_paid
    reversal = "reversal"  # 冲正: the reversed posting's lines with their signs flipped


POSTING_KINDS = ", ".join(f"'{k.value}'" for k in PostingKind)
ACCOUNTS = ", ".join(f"'{a.value}'" for a in Account)


class LedgerPosting(Table, table=True):
    __tablename__ = "ledger_postings"
    __table_args__ = (CheckConstraint(f"kind IN ({POSTING_KINDS})", name="kind_known"),)

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True))
    kind: str = Field(max_length=32)
    program_id: int = Field(sa_column=Column(Integer, ForeignKey("programs.id"), nullable=False, index=True))
    award_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("awards.id"), nullable=True, index=True)
    )
    # A posting is reversed at most once: the unique constraint is the last word on it.
    reverses_posting_id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger, ForeignKey("ledger_postings.id"), nullable=True, unique=True),
    )
    value_date: date = Field(sa_column=Column(Date, nullable=False))
    memo: str = Field(default="", max_length=500)
    created_by: str = Field(max_length=64)
    # Entries are never changed: the posting's time is their `updated_at` for incremental reads.
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp(index=True))
    request_id: str | None = Field(default=None, max_length=128)


class LedgerEntry(Table, table=True):
    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint(f"account IN ({ACCOUNTS})", name="account_known"),
        CheckConstraint("amount <> 0", name="amount_not_zero"),
        # Award balances (payable, paid) and the outstanding report read entries by award and account.
        Index("ix_ledger_entries_award_account", "award_id", "account", "value_date"),
        Index("ix_ledger_entries_program_account", "program_id", "account"),
    )

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True))
    posting_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("ledger_postings.id"), nullable=False, index=True)
    )
    account: str = Field(sa_column=Column(String(32), nullable=False))
    program_id: int = Field(sa_column=Column(Integer, ForeignKey("programs.id"), nullable=False))
    award_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("awards.id"), nullable=True)
    )
    amount: Decimal = Field(sa_column=Column(Money(), nullable=False))
    # The posting's value date, repeated so that balances "as of a day" need no join.
    value_date: date = Field(sa_column=Column(Date, nullable=False))
