"""Month-end reminders: each township whose figures are behind the pace of the year (its indicators
against their targets, and its cultivation quotas, as the dashboard and the ranking assess them) is
told, with the bureau, once per township and month."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from daye_kit.db import lock_exclusively
from daye_kit.notifications import BUREAU, region_audience
from indicator_api.cultivation import service as cultivation
from indicator_api.cultivation.schemas import MEASURE_NAMES
from indicator_api.indicators.progress import Pace, Status
from indicator_api.indicators.service import list_indicators, progress_of
from indicator_api.models import notifications
from indicator_api.notifications import NOTIFICATIONS
from indicator_api.regions.models import Region

BEHIND_PACE = "township_behind_pace"
PACE = Pace.month  # the dashboard's default: the share of the year's months that have ended


class PaceReminders(BaseModel):
    as_of: date
    behind: int = Field(description="滞后于时间进度的乡镇数")
    notified: int = Field(description="本次提醒的乡镇数(每个乡镇每月只提醒一次)")


def _percent(rate: Decimal | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


async def lagging_of(
    session: AsyncSession, *, city_code: str, as_of: date
) -> dict[str, tuple[str, list[str]]]:
    """Each township behind the pace on `as_of`: (its name, a line per figure behind)."""
    units = (
        (
            await session.execute(
                select(Region).where(col(Region.parent_code) == city_code).order_by(col(Region.code))
            )
        )
        .scalars()
        .all()
    )
    indicators = await list_indicators(session)
    ranking = await cultivation.progress(
        session, city_code=city_code, year=as_of.year, as_of=as_of, pace=PACE
    )
    quotas = {township.region_code: township for township in ranking.townships}
    behind: dict[str, tuple[str, list[str]]] = {}
    for unit in units:
        lines = [
            f"{item.indicator.name}:完成 {_percent(item.completion_rate)},"
            f"时间进度 {_percent(item.time_progress)}"
            for item in await progress_of(
                session, indicators=indicators, region_code=unit.code, year=as_of.year, as_of=as_of, pace=PACE
            )
            if item.status is Status.behind
        ]
        township = quotas.get(unit.code)
        if township is not None:
            lines += [
                f"{MEASURE_NAMES[measure]}:{progress.actual} / {progress.quota} 家,"
                f"按时间进度应达 {progress.expected} 家"
                for measure, progress in township.measures.items()
                if progress.status is Status.behind
            ]
        if lines:
            behind[unit.code] = (unit.name, lines)
    return behind


async def remind(session: AsyncSession, *, city_code: str, as_of: date) -> PaceReminders:
    """Tell each township behind the pace on `as_of`, and the bureau, once per township and month."""
    # Two runs at once (a manual one beside the schedule's) would both see "not yet told".
    await lock_exclusively(await session.connection(), "indicator-pace-reminders")
    told = set(
        (
            await session.execute(
                select(notifications.c.region_code).where(
                    notifications.c.kind == BEHIND_PACE,
                    notifications.c.year == as_of.year,
                    notifications.c.month == as_of.month,
                )
            )
        ).scalars()
    )
    behind = await lagging_of(session, city_code=city_code, as_of=as_of)
    notified = 0
    for code, (name, lines) in behind.items():
        if code in told:
            continue
        await NOTIFICATIONS.notify(
            session,
            audiences=[region_audience(code), BUREAU],
            kind=BEHIND_PACE,
            title=f"{name} {as_of.year} 年 {as_of.month} 月末有 {len(lines)} 项滞后于全年时间进度",
            body=f"截至 {as_of}:\n" + "\n".join(lines),
            region_code=code,
            year=as_of.year,
            month=as_of.month,
        )
        notified += 1
    return PaceReminders(as_of=as_of, behind=len(behind), notified=notified)
