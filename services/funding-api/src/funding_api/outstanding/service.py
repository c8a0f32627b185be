"""Outstanding funds (未兑现政策资金): what approved awards still owe on a day, summed in SQL from the
ledger, grouped by programme, mode, township and enterprise, and aged in working days."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Row,
    Select,
    String,
    Subquery,
    case,
    cast,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from daye_kit.auth import Principal
from daye_kit.db import lock_exclusively
from daye_kit.outbox import record_event
from daye_kit.pagination import PageParams
from daye_kit.timestamps import local_today
from funding_api.access import award_scope
from funding_api.awards.models import Award, AwardMode
from funding_api.ledger.models import Account, LedgerEntry
from funding_api.ledger.service import SQL_ZERO, ZERO
from funding_api.outstanding import workdays
from funding_api.outstanding.schemas import (
    PROMISE_WORKING_DAYS,
    AgeingBucket,
    EnterpriseOutstanding,
    ModeOutstanding,
    OutstandingFilter,
    OutstandingItem,
    OutstandingReport,
    OverdueSummary,
    ProgramOutstanding,
    RegionOutstanding,
)
from funding_api.programs.models import Program, SourceLevel

# (lowest, highest) working days of each ageing bucket; the last is open-ended.
BUCKETS: tuple[tuple[int, int | None], ...] = ((0, 20), (21, 40), (41, 60), (61, 120), (121, None))
INDICATOR_CODE = "policy_funds_outstanding"
PUBLISHED_EVENT = "outstanding.published"
TEN_THOUSAND = Decimal(10_000)


def _label(low: int, high: int | None) -> str:
    return f"{low}-{high}" if high is not None else f"{low}+"


def payable_balances(as_of: date) -> Subquery:
    """Each award's payable balance from entries dated on or before `as_of` (awards approved later
    have none yet)."""
    return (
        select(col(LedgerEntry.award_id).label("award_id"), func.sum(LedgerEntry.amount).label("outstanding"))
        .where(col(LedgerEntry.account) == Account.award_payable.value, col(LedgerEntry.value_date) <= as_of)
        .group_by(col(LedgerEntry.award_id))
        .subquery("balances")
    )


def _conditions(principal: Principal, where: OutstandingFilter) -> list[ColumnElement[bool]]:
    conditions = award_scope(principal)
    if where.program_id is not None:
        conditions.append(col(Award.program_id) == where.program_id)
    if where.region:
        conditions.append(col(Award.region_code) == where.region)
    if where.mode is not None:
        conditions.append(col(Award.mode) == where.mode.value)
    return conditions


def _summary(
    dimension: str,
    key: ColumnElement[Any] | None,
    awards: ColumnElement[Any],
    enterprises: ColumnElement[Any] | None,
    outstanding: ColumnElement[Any],
    name: ColumnElement[Any] | None = None,
    region: ColumnElement[Any] | None = None,
) -> Select[str, str | None, Any, Any, Any, Any, Any]:
    """One grouping of the unpaid awards, in the columns every grouping shares (NULL where unused)."""
    return select(
        literal(dimension, String).label("dimension"),
        cast(key if key is not None else null(), String).label("key"),
        cast(awards, BigInteger).label("awards"),
        cast(enterprises if enterprises is not None else null(), BigInteger).label("enterprises"),
        outstanding.label("outstanding"),
        cast(name if name is not None else null(), String).label("name"),
        cast(region if region is not None else null(), String).label("region"),
    )


async def report(
    session: AsyncSession, *, principal: Principal, where: OutstandingFilter, top: int = 20
) -> OutstandingReport:
    """Every total in one statement: the unpaid awards are found once (a CTE the database materialises,
    being used more than once) and grouped by the database, so the answer is a few hundred rows
    whatever the size of the ledger."""
    as_of = where.as_of or local_today()
    # Bucket boundaries as approval days: "at most N working days old" is "approved on or after".
    since = [workdays.earliest_within(as_of, high) for _, high in BUCKETS if high is not None]
    balances = payable_balances(as_of)
    bucket = case(
        *((col(Award.approved_on) >= day, index) for index, day in enumerate(since)), else_=len(since)
    )
    owed = (
        select(
            col(Award.program_id).label("program_id"),
            col(Award.region_code).label("region_code"),
            col(Award.credit_code).label("credit_code"),
            col(Award.mode).label("mode"),
            col(Award.enterprise_name).label("name"),
            bucket.label("bucket"),
            balances.c.outstanding,
        )
        .join(balances, balances.c.award_id == col(Award.id))
        .where(balances.c.outstanding != SQL_ZERO, *_conditions(principal, where))
        .cte("owed")
    )
    count, owed_sum = func.count(), func.sum(owed.c.outstanding)
    # Hash aggregates only (no COUNT(DISTINCT), which sorts): enterprises are counted as groups.
    per_enterprise = (
        select(owed.c.region_code, owed.c.credit_code, func.count().label("n"), owed_sum.label("owed"))
        .group_by(owed.c.region_code, owed.c.credit_code)
        .subquery("per_enterprise")
    )
    enterprises = select(func.count()).select_from(
        select(owed.c.credit_code).group_by(owed.c.credit_code).subquery("enterprises")
    )
    largest = (
        _summary(
            "enterprise",
            owed.c.credit_code,
            count,
            None,
            owed_sum,
            func.max(owed.c.name),
            func.max(owed.c.region_code),
        )
        .group_by(owed.c.credit_code)
        .order_by(owed_sum.desc(), owed.c.credit_code)
        .limit(top)
        .subquery("largest")
    )
    rows = await session.execute(
        union_all(
            _summary("total", None, count, enterprises.scalar_subquery(), owed_sum),
            _summary("program", owed.c.program_id, count, None, owed_sum).group_by(owed.c.program_id),
            _summary("mode", owed.c.mode, count, None, owed_sum).group_by(owed.c.mode),
            _summary("bucket", owed.c.bucket, count, None, owed_sum).group_by(owed.c.bucket),
            _summary(
                "region",
                per_enterprise.c.region_code,
                func.sum(per_enterprise.c.n),
                func.count(),
                func.sum(per_enterprise.c.owed),
            ).group_by(per_enterprise.c.region_code),
            select(largest),
        )
    )
    groups: dict[str, list[Row[Any]]] = defaultdict(list)
    for row in rows:
        groups[row.dimension].append(row)
    [total] = groups["total"]
    programs = {int(row.key): row for row in groups["program"]}
    program_rows = await session.execute(
        select(col(Program.id), col(Program.name), col(Program.source_level), col(Program.year)).where(
            col(Program.id).in_(list(programs))
        )
    )
    by_program = [
        ProgramOutstanding(
            program_id=pid,
            name=name,
            source_level=SourceLevel(level),
            year=year,
            outstanding=programs[pid].outstanding,
            award_count=programs[pid].awards,
        )
        for pid, name, level, year in program_rows
        if pid is not None
    ]
    by_program.sort(key=lambda p: (-p.outstanding, p.program_id))
    buckets = {int(row.key): row for row in groups["bucket"]}
    ageing = [
        AgeingBucket(
            label=_label(low, high),
            min_working_days=low,
            max_working_days=high,
            overdue=low > PROMISE_WORKING_DAYS,
            outstanding=buckets[index].outstanding if index in buckets else ZERO,
            award_count=buckets[index].awards if index in buckets else 0,
        )
        for index, (low, high) in enumerate(BUCKETS)
    ]
    overdue = [b for b in ageing if b.overdue]
    return OutstandingReport(
        as_of=as_of,
        total=total.outstanding or ZERO,
        award_count=total.awards,
        enterprise_count=total.enterprises or 0,
        by_program=by_program,
        by_mode=[
            ModeOutstanding(mode=AwardMode(row.key), outstanding=row.outstanding, award_count=row.awards)
            for row in sorted(groups["mode"], key=lambda r: str(r.key))
        ],
        by_region=[
            RegionOutstanding(
                region_code=row.key,
                outstanding=row.outstanding,
                award_count=int(row.awards),
                enterprise_count=row.enterprises,
            )
            for row in sorted(groups["region"], key=lambda r: str(r.key))
        ],
        by_enterprise=[
            EnterpriseOutstanding(
                credit_code=row.key,
                name=row.name,
                region_code=row.region,
                outstanding=row.outstanding,
                award_count=row.awards,
            )
            for row in sorted(groups["enterprise"], key=lambda r: (-r.outstanding, str(r.key)))
        ],
        ageing=ageing,
        overdue=OverdueSummary(
            promise_working_days=PROMISE_WORKING_DAYS,
            approved_before=workdays.earliest_within(as_of, PROMISE_WORKING_DAYS),
            outstanding=sum((b.outstanding for b in overdue), ZERO),
            award_count=sum(b.award_count for b in overdue),
        ),
        working_day_rule=workdays.RULE,
    )


def _items_query(
    principal: Principal, where: OutstandingFilter, as_of: date, overdue_only: bool
) -> Select[int | None, int, str, str, str, str, str, Decimal, date | None, Decimal]:
    balances = payable_balances(as_of)
    query = (
        select(
            col(Award.id),
            col(Award.program_id),
            col(Program.name),
            col(Award.credit_code),
            col(Award.enterprise_name),
            col(Award.region_code),
            col(Award.mode),
            col(Award.amount),
            col(Award.approved_on),
            balances.c.outstanding,
        )
        .join(balances, balances.c.award_id == col(Award.id))
        .join(Program, col(Program.id) == col(Award.program_id))
        .where(balances.c.outstanding != SQL_ZERO, *_conditions(principal, where))
    )
    if overdue_only:
        query = query.where(col(Award.approved_on) < workdays.earliest_within(as_of, PROMISE_WORKING_DAYS))
    return query


def _item(
    row: Row[int | None, int, str, str, str, str, str, Decimal, date | None, Decimal], as_of: date
) -> OutstandingItem:
    (
        award_id,
        program_id,
        program_name,
        credit_code,
        name,
        region_code,
        mode,
        amount,
        approved_on,
        outstanding,
    ) = row
    assert award_id is not None
    assert approved_on is not None  # approved awards only
    age = workdays.working_days_between(approved_on, as_of)
    return OutstandingItem(
        award_id=award_id,
        program_id=program_id,
        program_name=program_name,
        credit_code=credit_code,
        enterprise_name=name,
        region_code=region_code,
        mode=AwardMode(mode),
        amount=amount,
        paid=amount - outstanding,
        outstanding=outstanding,
        approved_on=approved_on,
        working_days=age,
        overdue=age > PROMISE_WORKING_DAYS,
    )


async def list_items(
    session: AsyncSession,
    *,
    principal: Principal,
    where: OutstandingFilter,
    overdue_only: bool,
    page: PageParams | None,
) -> tuple[date, list[OutstandingItem], int]:
    """Unpaid awards on the day, oldest approval first; every one of them when `page` is None."""
    as_of = where.as_of or local_today()
    query = _items_query(principal, where, as_of, overdue_only)
    total = int((await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one())
    ordered = query.order_by(col(Award.approved_on), col(Award.id))
    if page is not None:
        ordered = ordered.limit(page.limit).offset(page.offset)
    rows = await session.execute(ordered)
    return as_of, [_item(row, as_of) for row in rows], total


def in_wan(total: Decimal) -> str:
    """Yuan as 万元 with at most four places (the indicator's precision: one yuan), at least two."""
    wan = (total / TEN_THOUSAND).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    whole, _, places = f"{wan:f}".partition(".")
    return f"{whole}.{places.rstrip('0').ljust(2, '0')}"


async def city_total(session: AsyncSession, as_of: date) -> Decimal:
    balances = payable_balances(as_of)
    total: Decimal | None = (await session.execute(select(func.sum(balances.c.outstanding)))).scalar_one()
    return total or ZERO


async def publish(session: AsyncSession, *, as_of: date, region_code: str) -> tuple[Decimal, str, str]:
    """Records the city's total as `policy_funds_outstanding` for the month of `as_of` (万元): one
    `outstanding.published` event for indicator-api in the caller's transaction, so the publication
    and what records it commit together or not at all; the outbox delivers it (a peer that is down
    delays it) and indicator-api applies it once. (total, value, event id)."""
    # Publications one at a time: the one recorded last (delivered last) read the latest total.
    await lock_exclusively(await session.connection(), "funding-outstanding-publication")
    total = await city_total(session, as_of)
    value = in_wan(total)
    event_id = await record_event(
        session,
        type=PUBLISHED_EVENT,
        subject=f"{INDICATOR_CODE}:{region_code}",
        data={
            "region_code": region_code,
            "year": as_of.year,
            "month": as_of.month,
            "as_of": as_of.isoformat(),
            "values": {INDICATOR_CODE: value},
            "total": f"{total:f}",
            "note": f"funding-api:截至 {as_of.isoformat()} 未兑现政策资金 {total:f} 元",
        },
        to="indicator-api",
    )
    return total, value, event_id
