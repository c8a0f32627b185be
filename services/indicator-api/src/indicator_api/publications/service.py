"""Recording each applied publication, and reading when each figure was last brought up to date."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from daye_kit.timestamps import utcnow
from indicator_api.publications.models import FigurePublication
from indicator_api.publications.schemas import PublicationStamp


async def record(
    session: AsyncSession,
    *,
    values: Mapping[str, Decimal],
    region_code: str,
    year: int,
    month: int,
    source: str,
    event_id: str,
    published_at: datetime,
) -> None:
    """Each figure's latest publication, in the transaction that applies it (one row per indicator
    and unit; a sender's events arrive in order, so the last applied is the latest)."""
    insert_ = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = FigurePublication.__table__  # type: ignore[attr-defined]
    for code, value in values.items():
        row = {
            "year": year,
            "month": month,
            "value": value,
            "source": source,
            "event_id": event_id,
            "published_at": published_at,
            "received_at": utcnow(),
        }
        statement = insert_(table).values(indicator_code=code, region_code=region_code, **row)
        await session.execute(
            statement.on_conflict_do_update(index_elements=["indicator_code", "region_code"], set_=row)
        )


async def stamps(
    session: AsyncSession, *, region_code: str, year: int, as_of: date
) -> dict[str, PublicationStamp]:
    """When each figure published for the unit was last brought up to date, by indicator: only where
    the latest publication is the figure a view of `year` up to `as_of` shows (its month is within)."""
    rows = await session.execute(
        select(FigurePublication).where(
            col(FigurePublication.region_code) == region_code,
            col(FigurePublication.year) == year,
            (col(FigurePublication.year) < as_of.year) | (col(FigurePublication.month) <= as_of.month),
        )
    )
    return {row.indicator_code: PublicationStamp.model_validate(row) for row in rows.scalars()}
