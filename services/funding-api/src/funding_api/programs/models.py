"""Funding programmes (资金项目/预算线) and the versioned rules that award money without an application."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field

from daye_kit.money import Money
from daye_kit.timestamps import timestamp, utcnow
from funding_api.models import Table


class SourceLevel(StrEnum):
    province = "province"  # 省级
    huangshi = "huangshi"  # 黄石市级
    daye = "daye"  # 大冶市级


class QualificationKind(StrEnum):
    """The registry's qualifications (indicator-api) a rule can be based on."""

    tech_sme = "tech_sme"
    hte = "hte"
    new_species = "new_species"


# How an award's basis names them (new_species: 湖北省科创"新物种"企业).
QUALIFICATION_NAMES: dict[str, str] = {
    QualificationKind.tech_sme: "科技型中小企业",
    QualificationKind.hte: "高新技术企业",
    QualificationKind.new_species: "科创“新物种”企业",
}


class Program(Table, table=True):
    __tablename__ = "programs"
    __table_args__ = (
        UniqueConstraint("name", "year"),
        CheckConstraint("source_level IN ('province', 'huangshi', 'daye')", name="source_level_known"),
        CheckConstraint("budget >= 0", name="budget_not_negative"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=128)
    source_level: str = Field(max_length=16)
    year: int = Field(index=True)
    budget: Decimal = Field(sa_column=Column(Money(), nullable=False))
    description: str = Field(default="", max_length=1000)
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp())
    request_id: str | None = Field(default=None, max_length=128)
    # Last change of what the programme shows (its current rule, its balances): incremental reads.
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp(index=True))


class ProgramRule(Table, table=True):
    """ "Each enterprise granted <qualification> in <granted_year> gets <amount>": one version of it.

    Versions are never changed; a new rule is a new version, and every automatic award names the
    version it was made under.
    """

    __tablename__ = "program_rules"
    __table_args__ = (
        UniqueConstraint("program_id", "version"),
        CheckConstraint("qualification IN ('tech_sme', 'hte', 'new_species')", name="qualification_known"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(sa_column=Column(Integer, ForeignKey("programs.id"), nullable=False, index=True))
    version: int
    qualification: str = Field(max_length=16)
    granted_year: int
    amount: Decimal = Field(sa_column=Column(Money(), nullable=False))
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp())
    request_id: str | None = Field(default=None, max_length=128)
