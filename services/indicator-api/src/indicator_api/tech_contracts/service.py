"""A reported technology contract moves `tech_contract_turnover` (亿元) without a second entry:
every cumulative figure of that year from the signing month on, at the enterprise's unit and at the
city where the city's figure is recorded directly, gets a new revision raised by the amount.

The indicator keeps 亿元 to four places (1 万元), contracts are exact to the fen. Each contract raises
a figure by how much the rounded running total of that year's contracts moved, so the contracts'
share of the figure is always their exact sum rounded once, however many small contracts arrive.

A correction takes the old terms out and puts the new ones in; a cancellation takes the contract out:
the same rule, with a negative change, so the figure always equals the active contracts' sum."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from daye_kit.auth import Principal
from daye_kit.db import lock_exclusively
from daye_kit.errors import Conflict, RowError, RowsRefused
from daye_kit.feed import EventType, emit
from daye_kit.pagination import Changes, PageParams, keyset_page, next_cursor
from daye_kit.periods import PeriodClosed
from daye_kit.timestamps import utcnow
from indicator_api import events
from indicator_api.enterprises.models import Enterprise
from indicator_api.indicators.models import IndicatorValue
from indicator_api.indicators.schemas import BulkValueIn, Provenance
from indicator_api.indicators.service import record_values
from indicator_api.periods import service as periods
from indicator_api.tech_contracts.models import TechContract
from indicator_api.tech_contracts.schemas import TechContractFilter, TechContractIn, TechContractPublic

INDICATOR = "tech_contract_turnover"
ACTIVE, CANCELLED = "active", "cancelled"
YUAN_PER_YI = Decimal(100_000_000)
INDICATOR_PLACES = Decimal("0.0001")


def _in_yi(yuan: Decimal) -> Decimal:
    return (yuan / YUAN_PER_YI).quantize(INDICATOR_PLACES)


@dataclass(frozen=True)
class Change:
    """A change of the active contracts' total: `delta` yuan at a unit in a signing month."""

    region_code: str
    signed_on: date
    delta: Decimal
    note: str


async def _increment(session: AsyncSession, change: Change, region: str, *, city_code: str) -> Decimal:
    """How far the change (already flushed) moves `region`'s figure (in 亿元, to four places)."""
    signed_on = change.signed_on
    query = select(func.coalesce(func.sum(TechContract.amount), 0)).where(
        col(TechContract.status) == ACTIVE,
        col(TechContract.signed_on) >= signed_on.replace(month=1, day=1),
        col(TechContract.signed_on) <= signed_on.replace(month=12, day=31),
    )
    if region != city_code:
        query = query.where(col(TechContract.region_code) == region)
    total = Decimal((await session.execute(query)).scalar_one())
    return _in_yi(total) - _in_yi(total - change.delta)


def _note(contract: TechContract) -> str:
    return f"技术合同 {contract.source}:{contract.source_id}"


async def record_contract(
    session: AsyncSession,
    *,
    data: TechContractIn,
    principal: Principal,
    city_code: str,
    enforce_periods: bool = True,
) -> tuple[TechContract, bool]:
    """The contract, and whether this call recorded it (False: a replay of the same contract).
    One signed in a closed period is refused (409 `period_closed` on `signed_on`), unless
    `enforce_periods` is off: matching-api's dockings, checked there against its copy of the closed
    periods when the success was recorded (see `events.py`)."""
    await lock_turnover(session)
    existing = await find_contract(session, data.source, data.source_id)
    if existing is not None:
        same = (existing.credit_code, existing.amount, existing.contract_type, existing.signed_on) == (
            data.credit_code,
            data.amount,
            data.contract_type.value,
            data.signed_on,
        )
        if not same:
            raise Conflict(
                f"{data.source} {data.source_id} was reported before with other terms",
                code="contract_differs",
            )
        return existing, False
    if enforce_periods and (key := (await periods.closed(session)).closing_day(data.signed_on)):
        message = f"{data.signed_on} falls in {key}, which is closed; the bureau reopens it before it changes"
        raise PeriodClosed(
            message, [RowError(row=0, field="signed_on", rule="period_closed", message=message)]
        )
    enterprise = await session.get(Enterprise, data.credit_code)
    if enterprise is None:
        message = f"enterprise {data.credit_code} is not in the registry"
        raise RowsRefused(
            message, [RowError(row=0, field="credit_code", rule="unknown_enterprise", message=message)]
        )
    now = utcnow()
    contract = TechContract(
        source=data.source,
        source_id=data.source_id,
        credit_code=data.credit_code,
        region_code=enterprise.region_code,
        amount=data.amount,
        contract_type=data.contract_type.value,
        signed_on=data.signed_on,
        recorded_by=principal.username,
        recorded_at=now,
        updated_at=now,
    )
    session.add(contract)
    await session.flush()
    change = Change(contract.region_code, contract.signed_on, contract.amount, _note(contract))
    await _move_turnover(session, change, principal, city_code=city_code)
    await _publish(session, events.TECH_CONTRACT_RECORDED, contract)
    return contract, True


async def _publish(session: AsyncSession, kind: EventType, contract: TechContract) -> None:
    public = TechContractPublic.model_validate(contract)
    await emit(session, kind, subject=events.tech_contract_subject(public.id), data=public)


async def revise_contract(
    session: AsyncSession,
    contract: TechContract,
    *,
    amount: Decimal,
    contract_type: str,
    signed_on: date,
    principal: Principal,
    city_code: str,
) -> None:
    """A correction: the old terms leave the turnover, the new ones enter it (the next revision)."""
    if (contract.amount, contract.contract_type, contract.signed_on) == (amount, contract_type, signed_on):
        return
    # One event for the correction, not one for taking the old terms out as well.
    await _cancel(session, contract, principal=principal, city_code=city_code)
    contract.status, contract.cancelled_at = ACTIVE, None
    contract.amount, contract.contract_type, contract.signed_on = amount, contract_type, signed_on
    contract.revision += 1
    contract.updated_at = utcnow()
    await session.flush()
    change = Change(contract.region_code, signed_on, amount, f"{_note(contract)} 第 {contract.revision} 版")
    await _move_turnover(session, change, principal, city_code=city_code)
    await _publish(session, events.TECH_CONTRACT_UPDATED, contract)


async def cancel_contract(
    session: AsyncSession, contract: TechContract, *, principal: Principal, city_code: str
) -> None:
    """The contract counts for nothing any more: the turnover falls back by its amount."""
    if await _cancel(session, contract, principal=principal, city_code=city_code):
        await _publish(session, events.TECH_CONTRACT_UPDATED, contract)


async def _cancel(
    session: AsyncSession, contract: TechContract, *, principal: Principal, city_code: str
) -> bool:
    if contract.status != ACTIVE:
        return False
    contract.status = CANCELLED
    contract.cancelled_at = contract.updated_at = utcnow()
    await session.flush()
    change = Change(contract.region_code, contract.signed_on, -contract.amount, f"{_note(contract)} 注销")
    await _move_turnover(session, change, principal, city_code=city_code)
    return True


async def find_contract(session: AsyncSession, source: str, source_id: str) -> TechContract | None:
    query = select(TechContract).where(
        col(TechContract.source) == source, col(TechContract.source_id) == source_id
    )
    return (await session.execute(query)).scalar_one_or_none()


async def lock_turnover(session: AsyncSession) -> None:
    # One contract at a time moves the turnover, so two never read the same figure and both add to it.
    await lock_exclusively(await session.connection(), f"indicator:{INDICATOR}")


async def list_contracts(
    session: AsyncSession, *, where: TechContractFilter, page: PageParams, changes: Changes
) -> tuple[list[TechContract], int, str | None]:
    query = select(TechContract)
    if where.source is not None:
        query = query.where(col(TechContract.source) == where.source)
    if where.source_id is not None:
        query = query.where(col(TechContract.source_id) == where.source_id)
    if where.region_code is not None:
        query = query.where(col(TechContract.region_code) == where.region_code)
    if where.status is not None:
        query = query.where(col(TechContract.status) == where.status.value)
    if where.signed_month is not None:
        year, month = (int(part) for part in where.signed_month.split("-"))
        first = date(year, month, 1)
        following = date(year + month // 12, month % 12 + 1, 1)
        query = query.where(col(TechContract.signed_on) >= first, col(TechContract.signed_on) < following)
    changed = changes.since(query, col(TechContract.updated_at))
    total = int((await session.execute(select(func.count()).select_from(changed.subquery()))).scalar_one())
    page_query = keyset_page(
        changed,
        page,
        changes,
        updated=col(TechContract.updated_at),
        key=col(TechContract.id),
        order=[col(TechContract.id)],
    )
    rows = list((await session.execute(page_query)).scalars())
    last = (rows[-1].updated_at, rows[-1].id or 0) if rows else None
    return rows, total, next_cursor(changes, last)


async def _move_turnover(
    session: AsyncSession, change: Change, principal: Principal, *, city_code: str
) -> None:
    year, month = change.signed_on.year, change.signed_on.month
    rows: list[BulkValueIn] = []
    for region in dict.fromkeys([change.region_code, city_code]):
        increment = await _increment(session, change, region, city_code=city_code)
        if not increment:
            continue  # under half a 万元 more in the year's total: the rounded figure stands
        values = (
            (
                await session.execute(
                    select(IndicatorValue)
                    .where(
                        col(IndicatorValue.indicator_code) == INDICATOR,
                        col(IndicatorValue.region_code) == region,
                        col(IndicatorValue.year) == year,
                    )
                    .order_by(col(IndicatorValue.period_end), col(IndicatorValue.revision))
                )
            )
            .scalars()
            .all()
        )
        if region == city_code and region != change.region_code and not values:
            continue  # the city's figure is the sum of its units', which already moved
        latest: dict[tuple[str, int], IndicatorValue] = {}
        for value in values:
            latest[(value.period_type, value.period)] = value
        carried = max(
            (v for v in latest.values() if v.period_end.month <= month),
            key=lambda v: v.period_end,
            default=None,
        )
        base = carried.value if carried is not None else Decimal(0)
        note = change.note
        if not any(v.period_type == "month" and v.period == month for v in latest.values()):
            rows.append(
                BulkValueIn(
                    indicator_code=INDICATOR,
                    region_code=region,
                    year=year,
                    month=month,
                    value=base + increment,
                    provenance=Provenance.administrative,
                    note=note,
                )
            )
        for value in latest.values():
            if value.period_end.month >= month:
                period = (
                    {"month": value.period}
                    if value.period_type == "month"
                    else ({"quarter": value.period} if value.period_type == "quarter" else {})
                )
                rows.append(
                    BulkValueIn(
                        indicator_code=INDICATOR,
                        region_code=region,
                        year=year,
                        value=value.value + increment,
                        provenance=Provenance(value.provenance),
                        note=note,
                        **period,
                    )
                )
    # The contract was checked against the closed periods where it was recorded; its turnover follows.
    await record_values(session, rows=rows, principal=principal, enforce_periods=False)
