"""Overdue reports: each township with reports past their deadline is told, with the bureau, once per
township and period (a re-run, or the next day's run, tells nobody twice)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from daye_kit.db import lock_exclusively
from daye_kit.notifications import BUREAU, region_audience
from indicator_api.models import notifications
from indicator_api.notifications import NOTIFICATIONS
from indicator_api.reporting import service
from indicator_api.reporting.schemas import OverdueItem

# A notification names a unit's month; a quarter is named by its last month, under a kind of its own.
KINDS = {"month": "reports_overdue", "quarter": "quarterly_reports_overdue"}


class OverdueReminders(BaseModel):
    as_of: date
    overdue: int = Field(description="逾期未报的条数")
    notified: int = Field(description="本次提醒的单位与期间数(每个单位每期只提醒一次)")


def _month(period_type: str, period: int) -> int:
    return period * 3 if period_type == "quarter" else period


def _when(period_type: str, year: int, period: int) -> str:
    return f"{year} 年第 {period} 季度" if period_type == "quarter" else f"{year} 年 {period} 月"


async def remind(session: AsyncSession, *, city_code: str, as_of: date) -> OverdueReminders:
    """Tell each unit with reports overdue on `as_of`, and the bureau, once per unit and period."""
    await lock_exclusively(await session.connection(), "indicator-overdue-reminders")
    items = await service.overdue(session, city_code=city_code, region_code=None, as_of=as_of)
    told = {
        (row.kind, row.region_code, row.year, row.month)
        for row in await session.execute(
            select(
                notifications.c.kind, notifications.c.region_code, notifications.c.year, notifications.c.month
            ).where(notifications.c.kind.in_(list(KINDS.values())))
        )
    }
    by_unit_period: dict[tuple[str, str, int, int], list[OverdueItem]] = defaultdict(list)
    for item in items:
        by_unit_period[(item.region_code, item.period_type.value, item.year, item.period)].append(item)
    notified = 0
    for (region_code, period_type, year, period), overdue in sorted(by_unit_period.items()):
        kind, month = KINDS[period_type], _month(period_type, period)
        if (kind, region_code, year, month) in told:
            continue
        name = overdue[0].region_name
        await NOTIFICATIONS.notify(
            session,
            audiences=[region_audience(region_code), BUREAU],
            kind=kind,
            title=f"{name} {_when(period_type, year, period)}有 {len(overdue)} 项指标逾期未报",
            body="\n".join(f"{item.indicator_name}:应于 {item.due_on} 前报送" for item in overdue),
            region_code=region_code,
            year=year,
            month=month,
        )
        notified += 1
    return OverdueReminders(as_of=as_of, overdue=len(items), notified=notified)
