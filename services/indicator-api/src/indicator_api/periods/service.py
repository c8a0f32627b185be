"""Closing and reopening periods, the re-closing that follows a reopening, and the check every write
into a period makes.

A period closes as a quarter (`2025-Q3`, and with it its three months) or as a month. Reopening
needs a reason and lasts `REOPEN_DAYS`: then the period closes again by itself (the duty
`reclose-reopened-periods` records it; checks count it closed from `recloses_at` on, without
waiting for the duty). Each change is kept in `period_events` and sent to matching-api and
funding-api through the outbox, so that they refuse their own dated writes into the period.

The first closing of a quarter publishes its quarterly report: the JSON as it stood then is kept
and never overwritten (the issue: the published version "stays the same afterwards"), so a reopening
and a correction show up as differences between the published and the live report.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from daye_kit.db import lock_exclusively
from daye_kit.errors import Conflict, NotFound
from daye_kit.outbox import record_event
from daye_kit.periods import (
    PERIOD_CLOSED,
    PERIOD_REOPENED,
    ClosedPeriods,
    closed_in,
    event_data,
    is_closed,
    parse_period,
    reopen_deadline,
)
from daye_kit.periods import Period as PeriodKey
from daye_kit.timestamps import as_utc, local_today, utcnow
from indicator_api.periods.models import Period, PeriodEvent, PublishedReport
from indicator_api.periods.schemas import PeriodDetail, PeriodEventPublic, PeriodPublic

# The services that keep a copy of the closed periods (their `closed_periods`).
PEERS = ("matching-api", "funding-api")
SYSTEM = "system"
ReportBuilder = Callable[[int, int], Awaitable[dict[str, Any]]]


class PeriodAlreadyClosed(Conflict):
    code, title = "period_already_closed", "该期间已关账"


class PeriodNotClosed(Conflict):
    code, title = "period_not_closed", "该期间未关账"


class PeriodNotEnded(Conflict):
    code, title = "period_not_ended", "期间尚未结束"


class QuarterClosed(Conflict):
    code, title = "quarter_closed", "所在季度已关账"


class ReportNotPublished(NotFound):
    code, title = "report_not_published", "该季度报告尚未发布"


async def closed(session: AsyncSession, *, now: datetime | None = None) -> ClosedPeriods:
    """The periods closed now: what a write checks its dates against."""
    return await closed_in(session, Period.__table__, now=now)  # type: ignore[attr-defined]


def _status(row: Period | None, now: datetime) -> Literal["open", "closed", "reopened"]:
    if row is None:
        return "open"
    return "closed" if is_closed(row.status, row.recloses_at, now) else "reopened"


def _public(period: PeriodKey, row: Period | None, quarter: Period | None, now: datetime) -> PeriodPublic:
    status = _status(row, now)
    closer = row
    if status != "closed" and quarter is not None and _status(quarter, now) == "closed":
        # A month inside a closed quarter is closed with it.
        status, closer = "closed", quarter
    return PeriodPublic(
        key=period.key,
        kind=period.kind,
        starts_on=period.starts_on,
        ends_on=period.ends_on,
        status=status,
        closed_at=closer.closed_at if closer else None,
        closed_by=closer.closed_by if closer else None,
        reopened_at=row.reopened_at if row else None,
        reopened_by=row.reopened_by if row else None,
        reopen_reason=row.reopen_reason if row else None,
        recloses_at=row.recloses_at if row and status == "reopened" else None,
    )


async def _rows(session: AsyncSession, keys: list[str]) -> dict[str, Period]:
    rows = await session.execute(select(Period).where(col(Period.key).in_(keys)))
    return {row.key: row for row in rows.scalars()}


async def list_periods(
    session: AsyncSession, *, year: int, now: datetime | None = None
) -> list[PeriodPublic]:
    moment = now or utcnow()
    wanted: list[PeriodKey] = []
    for quarter in range(1, 5):
        wanted.append(PeriodKey.quarter(year, quarter))
        wanted.extend(wanted[-1].months)
    rows = await _rows(session, [p.key for p in wanted])
    return [
        _public(p, rows.get(p.key), rows.get(p.enclosing_quarter.key) if p.kind == "month" else None, moment)
        for p in wanted
    ]


async def read_period(session: AsyncSession, *, key: str, now: datetime | None = None) -> PeriodDetail:
    period = parse_period(key)
    rows = await _rows(session, [period.key, period.enclosing_quarter.key])
    quarter = rows.get(period.enclosing_quarter.key) if period.kind == "month" else None
    public = _public(period, rows.get(period.key), quarter, now or utcnow())
    events = await session.execute(
        select(PeriodEvent).where(col(PeriodEvent.period_key) == period.key).order_by(col(PeriodEvent.id))
    )
    history = [PeriodEventPublic.model_validate(e, from_attributes=True) for e in events.scalars()]
    return PeriodDetail(**public.model_dump(), history=history)


async def _tell_peers(session: AsyncSession, row: Period, period: PeriodKey) -> None:
    status: Literal["closed", "reopened"] = "closed" if row.status == "closed" else "reopened"
    data = event_data(period, status=status, recloses_at=row.recloses_at, revision=row.revision)
    kind = PERIOD_CLOSED if status == "closed" else PERIOD_REOPENED
    for peer in PEERS:
        await record_event(session, type=kind, subject=f"period:{period.key}", data=data, to=peer)


async def close(
    session: AsyncSession,
    *,
    key: str,
    actor: str,
    build_report: ReportBuilder,
    now: datetime | None = None,
) -> PeriodDetail:
    """Close a period that has ended; a quarter's first closing publishes its report."""
    moment = now or utcnow()
    period = parse_period(key)
    if period.ends_on >= local_today():
        raise PeriodNotEnded(f"{period.key} ends on {period.ends_on}; a period is closed after it ends")
    await lock_exclusively(await session.connection(), "indicator-periods")
    rows = await _rows(session, [period.key, period.enclosing_quarter.key])
    row = rows.get(period.key)
    quarter = rows.get(period.enclosing_quarter.key) if period.kind == "month" else None
    if _status(row, moment) == "closed":
        raise PeriodAlreadyClosed(f"{period.key} is closed already")
    if quarter is not None and _status(quarter, moment) == "closed":
        raise PeriodAlreadyClosed(f"{period.key} is closed with its quarter {quarter.key}")
    if row is None:
        row = Period(
            key=period.key,
            kind=period.kind,
            starts_on=period.starts_on,
            ends_on=period.ends_on,
            status="closed",
            closed_at=moment,
            closed_by=actor,
        )
        session.add(row)
    else:
        row.status, row.closed_at, row.closed_by, row.recloses_at = "closed", moment, actor, None
        row.revision += 1
    session.add(PeriodEvent(period_key=period.key, action="close", actor=actor, occurred_at=moment))
    await session.flush()
    await _tell_peers(session, row, period)
    if period.kind == "quarter" and await published(session, year=period.year, quarter=period.number) is None:
        report = await build_report(period.year, period.number)
        session.add(
            PublishedReport(
                year=period.year,
                quarter=period.number,
                report=report,
                published_at=moment,
                published_by=actor,
            )
        )
        await session.flush()
    return await read_period(session, key=period.key, now=moment)


async def reopen(
    session: AsyncSession, *, key: str, reason: str, actor: str, now: datetime | None = None
) -> PeriodDetail:
    """Open a closed period again, for `REOPEN_DAYS`, with a reason."""
    moment = now or utcnow()
    period = parse_period(key)
    await lock_exclusively(await session.connection(), "indicator-periods")
    rows = await _rows(session, [period.key, period.enclosing_quarter.key])
    row = rows.get(period.key)
    quarter = rows.get(period.enclosing_quarter.key) if period.kind == "month" else None
    if quarter is not None and _status(quarter, moment) == "closed":
        raise QuarterClosed(
            f"{period.key} is closed with its quarter {quarter.key}; reopen the quarter instead"
        )
    if row is None or _status(row, moment) != "closed":
        raise PeriodNotClosed(f"{period.key} is not closed")
    row.status, row.reopened_at, row.reopened_by, row.reopen_reason = "reopened", moment, actor, reason
    row.recloses_at = reopen_deadline(moment)
    row.revision += 1
    session.add(
        PeriodEvent(period_key=period.key, action="reopen", actor=actor, reason=reason, occurred_at=moment)
    )
    await session.flush()
    await _tell_peers(session, row, period)
    return await read_period(session, key=period.key, now=moment)


async def reclose_due(session: AsyncSession, *, now: datetime | None = None) -> list[str]:
    """Record the re-closing of every reopening past its `recloses_at`; the keys re-closed."""
    moment = now or utcnow()
    await lock_exclusively(await session.connection(), "indicator-periods")
    rows = (await session.execute(select(Period).where(col(Period.status) == "reopened"))).scalars().all()
    done: list[str] = []
    for row in rows:
        if row.recloses_at is None or as_utc(row.recloses_at) > moment:
            continue
        # Closed as of the moment it was due, not as of when the duty came round.
        row.status, row.closed_at, row.closed_by = "closed", as_utc(row.recloses_at), SYSTEM
        row.recloses_at = None
        row.revision += 1
        session.add(PeriodEvent(period_key=row.key, action="reclose", actor=SYSTEM, occurred_at=moment))
        await session.flush()
        await _tell_peers(session, row, parse_period(row.key))
        done.append(row.key)
    return sorted(done)


async def published(session: AsyncSession, *, year: int, quarter: int) -> PublishedReport | None:
    return await session.get(PublishedReport, (year, quarter))


async def published_report(session: AsyncSession, *, year: int, quarter: int) -> dict[str, Any]:
    row = await published(session, year=year, quarter=quarter)
    if row is None:
        raise ReportNotPublished(
            f"the report of {year}-Q{quarter} is published when the quarter is first closed; it is not yet"
        )
    return row.report
