"""The enterprise registry and its dated qualifications."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Date, ForeignKey, Index, String, UniqueConstraint
from sqlmodel import Field

from daye_kit.timestamps import UtcDateTime, timestamp, utcnow
from indicator_api.enterprises.schemas import QualificationKind
from indicator_api.models import Table

QUALIFICATION_KINDS = tuple(kind.value for kind in QualificationKind)


class Enterprise(Table, table=True):
    __tablename__ = "enterprises"
    # Incremental reads page in (updated_at, credit_code) order.
    __table_args__ = (Index("ix_enterprises_updated_at_credit_code", "updated_at", "credit_code"),)

    credit_code: str = Field(primary_key=True, max_length=18)
    name: str = Field(max_length=128, index=True)
    region_code: str = Field(
        sa_column=Column(String(32), ForeignKey("regions.code"), nullable=False, index=True)
    )
    industry: str = Field(default="", max_length=64)
    registered_on: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp())


class Qualification(Table, table=True):
    """One grant of 科技型中小企业 / 高新技术企业 / 新物种, valid from granted_on to expires_on."""

    __tablename__ = "qualifications"
    __table_args__ = (
        UniqueConstraint("credit_code", "kind", "granted_on"),
        CheckConstraint("kind IN ('tech_sme', 'hte', 'new_species')", name="kind_known"),
        CheckConstraint("expires_on IS NULL OR expires_on >= granted_on", name="expiry_after_grant"),
        Index("ix_qualifications_updated_at_id", "updated_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    credit_code: str = Field(
        sa_column=Column(
            String(18), ForeignKey("enterprises.credit_code", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    kind: str = Field(max_length=16)
    granted_year: int = Field(index=True)
    granted_on: date = Field(sa_column=Column(Date, nullable=False))
    expires_on: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    certificate_no: str | None = Field(default=None, max_length=64)
    # A column default, not only the model's: bulk inserts (the demo's) write no stamp of their own.
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False, default=utcnow)
    )


class EnterpriseFigures(Table, table=True):
    """The registry's latest declared figures of an enterprise (the shape of `CandidateFigures`), which
    prospects and the policy calculator assess against the national rules."""

    __tablename__ = "enterprise_figures"

    credit_code: str = Field(
        sa_column=Column(
            String(18), ForeignKey("enterprises.credit_code", ondelete="CASCADE"), primary_key=True
        )
    )
    figures: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    as_of: date = Field(sa_column=Column(Date, nullable=False))
    source: str = Field(max_length=64)
    updated_by: str = Field(max_length=64)
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False, default=utcnow)
    )
