"""The indicator catalogue, recorded values (with every revision kept) and annual targets."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, Index, String, UniqueConstraint
from sqlmodel import Field

from daye_kit.money import ExactDecimal
from daye_kit.timestamps import timestamp, utcnow
from indicator_api.models import Table


def _amount() -> Column[Decimal]:
    return Column(ExactDecimal(places=4), nullable=False)


class Indicator(Table, table=True):
    __tablename__ = "indicators"
    __table_args__ = (
        CheckConstraint("accumulation IN ('cumulative', 'stock', 'ratio')", name="accumulation_known"),
        CheckConstraint(
            "accumulation <> 'ratio' OR (numerator_code IS NOT NULL AND denominator_code IS NOT NULL)",
            name="ratio_has_terms",
        ),
        CheckConstraint("source IN ('recorded', 'ratio', 'pipeline', 'registry')", name="source_known"),
    )

    code: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=64)
    unit: str = Field(max_length=8)
    category: str = Field(max_length=32)
    accumulation: str = Field(max_length=16)
    additive: bool = Field(description="townships' values add up to the city's")
    higher_is_better: bool = True
    numerator_code: str | None = Field(default=None, foreign_key="indicators.code", max_length=64)
    denominator_code: str | None = Field(default=None, foreign_key="indicators.code", max_length=64)
    description: str = Field(default="", max_length=500)
    source: str = Field(
        default="recorded",
        max_length=16,
        description="recorded (values are reported), ratio, pipeline or registry (counted from records)",
    )


class IndicatorValue(Table, table=True):
    """One recorded figure. A correction is a new row with the next revision; none is overwritten."""

    __tablename__ = "indicator_values"
    __table_args__ = (
        UniqueConstraint("indicator_code", "region_code", "year", "period_type", "period", "revision"),
        CheckConstraint("period_type IN ('year', 'quarter', 'month')", name="period_type_known"),
        CheckConstraint(
            "provenance IN ('statistics', 'administrative', 'preliminary')", name="provenance_known"
        ),
        Index("ix_indicator_values_lookup", "indicator_code", "region_code", "period_end"),
        # Append-only: a figure's recording is its last change, so incremental reads page by it.
        Index("ix_indicator_values_recorded_at_id", "recorded_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    indicator_code: str = Field(
        sa_column=Column(String(64), ForeignKey("indicators.code", ondelete="CASCADE"), nullable=False)
    )
    region_code: str = Field(sa_column=Column(String(32), ForeignKey("regions.code"), nullable=False))
    year: int
    period_type: str = Field(max_length=8)
    period: int = Field(description="month 1–12, quarter 1–4, 0 for the whole year")
    period_end: date = Field(sa_column=Column(Date, nullable=False))
    value: Decimal = Field(sa_column=_amount())
    provenance: str = Field(max_length=16)
    note: str = Field(default="", max_length=500)
    revision: int = 1
    recorded_by: str = Field(max_length=64)
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=timestamp())
    request_id: str | None = Field(default=None, max_length=128)


class Target(Table, table=True):
    __tablename__ = "targets"

    indicator_code: str = Field(
        sa_column=Column(String(64), ForeignKey("indicators.code", ondelete="CASCADE"), primary_key=True)
    )
    region_code: str = Field(sa_column=Column(String(32), ForeignKey("regions.code"), primary_key=True))
    year: int = Field(primary_key=True)
    value: Decimal = Field(sa_column=_amount())
    set_by: str = Field(max_length=64)
    set_at: datetime = Field(default_factory=utcnow, sa_column=timestamp())


class CurrentValue(Table, table=True):
    """The current revision of each figure (indicator, unit, period), kept up to date in the same
    transaction as every write (`summary.py`), so that reads never rank the revisions.

    A period's end and type name it as well as its year and number do (`Period.end`), so the key
    is (indicator, unit, period end, period type): one index serves both the upsert and the reads
    by day."""

    __tablename__ = "indicator_current_values"

    # Copied from indicator_values, whose foreign keys hold; none here, so that keeping this table
    # up to date costs no lookups.
    indicator_code: str = Field(primary_key=True, max_length=64)
    region_code: str = Field(primary_key=True, max_length=32)
    period_end: date = Field(sa_column=Column(Date, primary_key=True))
    period_type: str = Field(primary_key=True, max_length=8)
    year: int
    period: int
    value: Decimal = Field(sa_column=_amount())
    revision: int


class Rollup(Table, table=True):
    """The sum of a unit's child units' figures at each period end where one of them has a value:
    each child counts with its latest figure at that day (within the year for cumulative indicators,
    at any earlier day for stocks). A dashboard reads one row per indicator, whatever the number of
    units or years; `summary.py` keeps it up to date with every write."""

    __tablename__ = "indicator_rollups"

    indicator_code: str = Field(primary_key=True, max_length=64)
    region_code: str = Field(primary_key=True, max_length=32, description="the parent unit")
    period_end: date = Field(sa_column=Column(Date, primary_key=True))
    year: int = Field(description="the year of period_end")
    value: Decimal = Field(sa_column=_amount())
