"""A reported technology contract moves `tech_contract_turnover` (亿元) without a second entry:
every cumulative figure of that year from the signing month on, at the enterprise's unit and at the
city where the city's figure is recorded directly, gets a new revision raised by the amount.

The indicator keeps 亿元 to four places (1 万元), contracts are exact to the fen. Each contract raises
a figure by how much the rounded running total of that year's contracts moved, so the contracts'
share of the figure is always their exact sum rounded once, however many small contracts arrive."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from daye_kit.auth import Principal
from daye_kit.db import lock_exclusively
from daye_kit.errors import Conflict, RowError, RowsRefused
from indicator_api.enterprises.models import Enterprise
from indicator_api.indicators.models import IndicatorValue
from indicator_api.indicators.schemas import BulkValueIn, Provenance
from indicator_api.indicators.service import record_values
from indicator_api.tech_contracts.models import TechContract
from indicator_api.tech_contracts.schemas import TechContractIn

INDICATOR = "tech_contract_turnover"
YUAN_PER_YI = Decimal(100_000_000)
INDICATOR_PLACES = Decimal("0.0001")


def _in_yi(yuan: Decimal) -> Decimal:
    return (yuan / YUAN_PER_YI).quantize(INDICATOR_PLACES)


async def _increment(
    session: AsyncSession, contract: TechContract, region: str, *, city_code: str
) -> Decimal:
    """How far the contract moves `region`'s figure (in 亿元, to four places)."""
    year = contract.signed_on.year
    query = select(func.coalesce(func.sum(TechContract.amount), 0)).where(
        col(TechContract.signed_on) >= contract.signed_on.replace(month=1, day=1),
        col(TechContract.signed_on) <= contract.signed_on.replace(year=year, month=12, day=31),
    )
    if region != city_code:
        query = query.where(col(TechContract.region_code) == region)
    total = Decimal((await session.execute(query)).scalar_one())
    return _in_yi(total) - _in_yi(total - contract.amount)


async def record_contract(
    session: AsyncSession, *, data: TechContractIn, principal: Principal, city_code: str
) -> tuple[TechContract, bool]:
    """The contract, and whether this call recorded it (False: a replay of the same contract)."""
    # One contract at a time moves the turnover, so two never read the same figure and both add to it.
    await lock_exclusively(await session.connection(), f"indicator:{INDICATOR}")
    existing = (
        await session.execute(
            select(TechContract).where(
                col(TechContract.source) == data.source, col(TechContract.source_id) == data.source_id
            )
        )
    ).scalar_one_or_none()
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
    enterprise = await session.get(Enterprise, data.credit_code)
    if enterprise is None:
        message = f"enterprise {data.credit_code} is not in the registry"
        raise RowsRefused(
            message, [RowError(row=0, field="credit_code", rule="unknown_enterprise", message=message)]
        )
    contract = TechContract(
        source=data.source,
        source_id=data.source_id,
        credit_code=data.credit_code,
        region_code=enterprise.region_code,
        amount=data.amount,
        contract_type=data.contract_type.value,
        signed_on=data.signed_on,
        recorded_by=principal.username,
    )
    session.add(contract)
    await session.flush()
    await _raise_turnover(session, contract, principal, city_code=city_code)
    return contract, True


async def _raise_turnover(
    session: AsyncSession, contract: TechContract, principal: Principal, *, city_code: str
) -> None:
    year, month = contract.signed_on.year, contract.signed_on.month
    rows: list[BulkValueIn] = []
    for region in dict.fromkeys([contract.region_code, city_code]):
        increment = await _increment(session, contract, region, city_code=city_code)
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
        if region == city_code and region != contract.region_code and not values:
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
        note = f"技术合同 {contract.source}:{contract.source_id}"
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
    await record_values(session, rows=rows, principal=principal)
