"""Posted, matched and the match rate, counted in SQL; the cohort is the demands posted in the
period, and a demand counts as matched when its first success came on or before the period's end."""

from __future__ import annotations

import math
from datetime import date, timedelta
from statistics import median
from typing import Any

from sqlalchemy import Integer, and_, case, func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from daye_kit.auth import Principal, Role
from daye_kit.errors import Forbidden, InvalidInput
from daye_kit.outbox import record_event
from daye_kit.timestamps import as_utc, local_midnight
from matching_api.config import Settings
from matching_api.demands.models import Demand
from matching_api.enums import DemandKind, ReviewStatus
from matching_api.stats.schemas import KindCounts, Publication, PublishedValue, RegionCounts, Stats

POSTED_CODE = "supply_chain_demands_posted"
MATCHED_CODE = "supply_chain_demands_matched"


def rate(matched: int, posted: int) -> float | None:
    return round(matched / posted, 4) if posted else None


def _region_for(principal: Principal, region: str | None, city_code: str) -> str | None:
    """The unit the caller's statistics cover (None: the whole city); a township sees its own."""
    if region == city_code:
        region = None
    if principal.role is Role.township:
        if region not in (None, principal.region_code):
            raise Forbidden(f"township account {principal.username} sees unit {principal.region_code} only")
        return principal.region_code
    return region


def _cohort(start: date, end: date, region: str | None) -> tuple[Any, Any]:
    """(condition for demands posted in the period, expression 1 when matched by the end)."""
    until = local_midnight(end + timedelta(days=1))
    condition = and_(
        col(Demand.posted_at) >= local_midnight(start),
        col(Demand.posted_at) < until,
        # A demand counts once it is public: one the bureau has not approved (review) is not posted.
        col(Demand.review_status) == ReviewStatus.approved.value,
    )
    if region:
        condition = and_(condition, col(Demand.region_code) == region)
    matched = case((and_(col(Demand.matched_at).is_not(None), col(Demand.matched_at) < until), 1), else_=0)
    return condition, matched


def _grouped(by: Any, condition: Any, matched: Any) -> Any:
    return (
        select(by, func.count(), func.coalesce(func.sum(matched), 0).cast(Integer))
        .where(condition)
        .group_by(by)
        .order_by(by)
    )


async def read_stats(
    session: AsyncSession,
    *,
    principal: Principal,
    start: date,
    end: date,
    region: str | None,
    settings: Settings,
) -> Stats:
    if end < start:
        raise InvalidInput.field("query.to", "before_from", "the period ends before it starts")
    target = settings.match_rate_target
    region = _region_for(principal, region, settings.city_code)
    condition, matched = _cohort(start, end, region)
    by_kind = [
        KindCounts(kind=DemandKind(kind), posted=p, matched=m, match_rate=rate(m, p))
        for kind, p, m in (await session.execute(_grouped(col(Demand.kind), condition, matched))).all()
    ]
    by_region = [
        RegionCounts(region_code=code, posted=p, matched=m, match_rate=rate(m, p))
        for code, p, m in (await session.execute(_grouped(col(Demand.region_code), condition, matched))).all()
    ]
    posted = sum(k.posted for k in by_kind)
    matched_total = sum(k.matched for k in by_kind)
    responses = (
        await session.execute(
            select(col(Demand.posted_at), col(Demand.first_response_at)).where(
                condition, col(Demand.first_response_at).is_not(None)
            )
        )
    ).all()
    hours = [
        (as_utc(first) - as_utc(posted_at)).total_seconds() / 3600
        for posted_at, first in responses
        if first is not None
    ]
    current = rate(matched_total, posted)
    return Stats(
        start=start,
        end=end,
        region=region,
        posted=posted,
        matched=matched_total,
        match_rate=current,
        target_rate=target,
        meets_target=None if current is None else current >= target,
        matched_needed=max(0, math.ceil(round(target * posted, 6)) - matched_total),
        median_hours_to_first_response=round(median(hours), 1) if hours else None,
        responded=len(hours),
        by_kind=by_kind,
        by_region=by_region,
    )


async def publish(
    session: AsyncSession, *, principal: Principal, settings: Settings, year: int, month: int
) -> Publication:
    """Year-to-date posted and matched counts for the city at the end of `month`, for indicator-api
    as the month's values of the two supply-chain indicators: both figures in one event
    (`match_stats.published`) through the outbox, so indicator-api takes both or neither."""
    end = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
    stats = await read_stats(
        session, principal=principal, start=date(year, 1, 1), end=end, region=None, settings=settings
    )
    note = f"matching-api 统计:{year} 年 1–{month} 月发布需求 {stats.posted} 项,对接成功 {stats.matched} 项"
    city = settings.city_code
    values = {POSTED_CODE: stats.posted, MATCHED_CODE: stats.matched}
    await record_event(
        session,
        type="match_stats.published",
        subject=f"match_stats:{city}",
        data={"region_code": city, "year": year, "month": month, "values": values, "note": note},
        to="indicator-api",
    )
    items = [
        PublishedValue(code=code, region_code=city, year=year, month=month, value=value)
        for code, value in values.items()
    ]
    return Publication(items=items, total=len(items))
