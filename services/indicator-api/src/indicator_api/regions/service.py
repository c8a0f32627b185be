"""Reporting units: lookups that the other features share."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from daye_kit.errors import NotFound, RowError, RowsRefused
from indicator_api.regions.models import Region


async def list_regions(session: AsyncSession, *, parent_code: str | None = None) -> Sequence[Region]:
    query = select(Region).order_by(col(Region.code))
    if parent_code is not None:
        query = query.where(col(Region.parent_code) == parent_code)
    return (await session.execute(query)).scalars().all()


async def get_region(session: AsyncSession, code: str) -> Region:
    region = await session.get(Region, code)
    if region is None:
        raise NotFound(f"reporting unit {code} does not exist", code="region_not_found")
    return region


async def require_region(session: AsyncSession, code: str, *, field: str = "region_code") -> Region:
    """Like get_region, but a unit named in what was sent is a refused field (422), not a 404."""
    region = await session.get(Region, code)
    if region is None:
        message = f"reporting unit {code} does not exist"
        raise RowsRefused(message, [RowError(row=0, field=field, rule="unknown_region", message=message)])
    return region
