"""Indicator rules: the catalogue, recording values (never overwriting), targets, and progress.

Figures are read in a handful of SQL queries whatever the number of indicators, units or years:
the latest value per indicator at a unit, else (for additive indicators) the sum over its child
units' latest values, both from the summary that every write keeps up to date (summary.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, case, exists, func, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from daye_kit.audit import record_change
from daye_kit.auth import Principal, Role
from daye_kit.db import columns
from daye_kit.errors import Conflict, Forbidden, NotFound, RowError, RowsRefused
from daye_kit.feed import announce, emit, emit_many
from daye_kit.pagination import Changes, Page, PageParams, keyset_page, next_cursor
from daye_kit.periods import Period as PeriodKey
from daye_kit.periods import PeriodClosed
from daye_kit.timestamps import utcnow
from indicator_api import events
from indicator_api.cultivation.measures import DERIVED_INDICATORS, counts_by_unit
from indicator_api.cultivation.schemas import Measure
from indicator_api.indicators.ingest import StagedValue, write_values
from indicator_api.indicators.models import CurrentValue, Indicator, IndicatorValue, Rollup, Target
from indicator_api.indicators.progress import Accumulation, Pace, assess, time_progress
from indicator_api.indicators.schemas import (
    BulkResult,
    BulkValueIn,
    Dashboard,
    IndicatorCreate,
    IndicatorPublic,
    IndicatorUpdate,
    PeriodType,
    ProgressPublic,
    TargetIn,
    TargetPublic,
    ValueIn,
    ValuePublic,
)
from indicator_api.indicators.summary import best_first
from indicator_api.periods import service as periods
from indicator_api.publications import service as publications
from indicator_api.regions.models import Region
from indicator_api.regions.service import get_region
from indicator_api.reporting import service as reporting

ValueKey = tuple[str, str, int, str, int]  # indicator, unit, year, period type, period
EPOCH = date(1, 1, 1)  # before any figure: stocks count figures of every earlier year


# --- which unit's figures a caller reaches ----------------------------------------------------------


def ensure_may_read(principal: Principal, region_code: str, *, city_code: str) -> None:
    """Everyone signed in reads the city's figures; a township also its own unit's, the bureau,
    viewers and services every unit's."""
    if region_code == city_code or principal.sees_everything:
        return
    if principal.role is Role.township and principal.region_code == region_code:
        return
    raise Forbidden(f"{principal.username} may not read the figures of unit {region_code}")


# --- catalogue -------------------------------------------------------------------------------------


async def list_indicators(session: AsyncSession, *, category: str | None = None) -> Sequence[Indicator]:
    query = select(Indicator).order_by(col(Indicator.category), col(Indicator.code))
    if category:
        query = query.where(col(Indicator.category) == category)
    return (await session.execute(query)).scalars().all()


async def get_indicator(session: AsyncSession, code: str) -> Indicator:
    indicator = await session.get(Indicator, code)
    if indicator is None:
        raise NotFound(f"indicator {code} does not exist", code="indicator_not_found")
    return indicator


async def create_indicator(session: AsyncSession, data: IndicatorCreate) -> Indicator:
    for field in ("numerator_code", "denominator_code"):
        term = getattr(data, field)
        if term and await session.get(Indicator, term) is None:
            message = f"indicator {term} does not exist"
            raise RowsRefused(
                message, [RowError(row=0, field=field, rule="unknown_indicator", message=message)]
            )
    indicator = Indicator(
        **data.model_dump(mode="json"),
        source="ratio" if data.accumulation is Accumulation.ratio else "recorded",
    )
    session.add(indicator)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise Conflict(f"indicator {data.code} already exists", code="indicator_exists") from exc
    await emit(
        session,
        events.INDICATOR_CREATED,
        subject=events.indicator_subject(indicator.code),
        data=IndicatorPublic.model_validate(indicator),
    )
    return indicator


async def update_indicator(session: AsyncSession, code: str, data: IndicatorUpdate) -> Indicator:
    indicator = await get_indicator(session, code)
    for field, value in data.model_dump(exclude_unset=True, exclude_none=True).items():
        setattr(indicator, field, value)
    await session.flush()
    await emit(
        session,
        events.INDICATOR_UPDATED,
        subject=events.indicator_subject(code),
        data=IndicatorPublic.model_validate(indicator),
    )
    return indicator


# --- values ----------------------------------------------------------------------------------------


async def _current(session: AsyncSession, wanted: Iterable[ValueKey]) -> dict[ValueKey, IndicatorValue]:
    """The latest revision of each (indicator, unit, year, period type, period) key."""
    keys = list(set(wanted))
    current: dict[ValueKey, IndicatorValue] = {}
    key_columns = tuple_(
        col(IndicatorValue.indicator_code),
        col(IndicatorValue.region_code),
        col(IndicatorValue.year),
        col(IndicatorValue.period_type),
        col(IndicatorValue.period),
    )
    for start in range(0, len(keys), 500):
        rows = await session.execute(
            select(IndicatorValue)
            .where(key_columns.in_(keys[start : start + 500]))
            .order_by(col(IndicatorValue.revision))
        )
        for value in rows.scalars():
            current[
                (value.indicator_code, value.region_code, value.year, value.period_type, value.period)
            ] = value
    return current


async def record_values(
    session: AsyncSession,
    *,
    rows: Sequence[BulkValueIn],
    principal: Principal,
    enforce_periods: bool = True,
) -> BulkResult:
    """All rows or none: every bad row is named. A row equal to the current value adds nothing;
    a different one becomes the next revision. A row in a closed period refuses the batch (409
    `period_closed`, naming the row's month, quarter or year) unless `enforce_periods` is off: for
    facts a peer service delivered (its publications) and the turnover a contract moves, which were
    checked where they were recorded."""
    indicators = {i.code: i for i in (await session.execute(select(Indicator))).scalars()}
    regions = set((await session.execute(select(col(Region.code)))).scalars())
    errors: list[RowError] = []
    for index, row in enumerate(rows):
        indicator = indicators.get(row.indicator_code)
        if indicator is None:
            errors.append(
                RowError(
                    row=index,
                    field="indicator_code",
                    rule="unknown_indicator",
                    message=f"indicator {row.indicator_code} does not exist",
                )
            )
        elif indicator.source != "recorded":
            errors.append(
                RowError(
                    row=index,
                    field="indicator_code",
                    rule="computed_indicator",
                    message=f"{row.indicator_code} is computed ({indicator.source}), not recorded",
                )
            )
        if row.region_code not in regions:
            errors.append(
                RowError(
                    row=index,
                    field="region_code",
                    rule="unknown_region",
                    message=f"reporting unit {row.region_code} does not exist",
                )
            )
        elif principal.role is Role.township and row.region_code != principal.region_code:
            errors.append(
                RowError(
                    row=index,
                    field="region_code",
                    rule="not_your_unit",
                    message=f"a township account records unit {principal.region_code} only",
                )
            )
    seen: dict[ValueKey, int] = {}
    for index, row in enumerate(rows):
        key = (row.indicator_code, row.region_code, row.year, row.period_type.value, row.number)
        if key in seen:
            errors.append(
                RowError(
                    row=index,
                    field="",
                    rule="duplicate_in_batch",
                    message=f"the same figure as row {seen[key]}; send one value per figure",
                )
            )
        seen.setdefault(key, index)
    if errors:
        raise RowsRefused(f"{len(errors)} problem(s) in {len(rows)} row(s); nothing was written", errors)
    if enforce_periods:
        await _ensure_periods_open(session, rows)

    staged = [
        StagedValue(
            row.indicator_code,
            row.region_code,
            row.year,
            row.period_type.value,
            row.number,
            row.end,
            row.value,
            row.provenance.value,
            row.note,
        )
        for row in rows
    ]
    recorded_at = utcnow()
    # Figures the bureau must accept first (reporting/): a township's are held out of the summary the
    # dashboards read until accepted; the bureau's and services' are accepted as they are written.
    reviewed = await reporting.keys_requiring_acceptance(session, staged)
    held = reviewed if principal.role is Role.township else set()
    try:
        async with session.begin_nested():
            connection = await session.connection()
            written = 0
            for rows_of, held_back in (
                ([s for s in staged if _key(s) not in held], False),
                ([s for s in staged if _key(s) in held], True),
            ):
                written += await write_values(
                    connection,
                    rows_of,
                    recorded_by=principal.username,
                    recorded_at=recorded_at,
                    held=held_back,
                )
    except IntegrityError as exc:
        raise Conflict(
            "another correction of the same figure landed first; send it again", code="concurrent_revision"
        ) from exc
    await reporting.record_submissions(session, keys=reviewed, principal=principal, recorded_at=recorded_at)
    revisions = (
        await _publish_values(session, recorded_by=principal.username, recorded_at=recorded_at)
        if written
        else []
    )
    # Written set-based (Core), so the audit row is told what changed: the revision itself when one
    # figure was recorded, else how many and which.
    if len(revisions) == 1:
        record_change(
            session,
            "indicator_values",
            revisions[0]["id"],
            after=ValuePublic.model_validate(revisions[0]).model_dump(mode="json"),
        )
    else:
        record_change(
            session,
            "indicator_values",
            None,
            after={
                "written": written,
                "unchanged": len(rows) - written,
                "revision_ids": [revision["id"] for revision in revisions],
            },
        )
    return BulkResult(written=written, unchanged=len(rows) - written)


async def _ensure_periods_open(session: AsyncSession, rows: Sequence[BulkValueIn]) -> None:
    closed = await periods.closed(session)
    if not closed.keys:
        return
    refused: list[RowError] = []
    for index, row in enumerate(rows):
        if row.period_type is PeriodType.month and row.month:
            key, field = closed.closing(PeriodKey.month(row.year, row.month)), "month"
        elif row.period_type is PeriodType.quarter and row.quarter:
            key, field = closed.closing(PeriodKey.quarter(row.year, row.quarter)), "quarter"
        else:
            key, field = (f"{row.year}" if closed.year_closed(row.year) else None), "year"
        if key is not None:
            message = f"{key} is closed; the bureau reopens it (with a reason) before its figures change"
            refused.append(RowError(row=index, field=field, rule="period_closed", message=message))
    if refused:
        raise PeriodClosed(f"{len(refused)} row(s) fall in closed periods; nothing was written", refused)


def _key(row: StagedValue) -> ValueKey:
    return (row.indicator_code, row.region_code, row.year, row.period_type, row.period)


# What a value's answer shows, as Core rows: a bulk write reads back and publishes thousands.
_PUBLISHED = select(*columns(IndicatorValue, ValuePublic.model_fields))


async def _publish_values(
    session: AsyncSession, *, recorded_by: str, recorded_at: datetime
) -> list[dict[str, Any]]:
    """One `indicator_value.recorded` per revision just written: the rows this write stamped, found
    again by their stamp through the (recorded_at, id) index, in one query however large the batch.
    Each event is made as COPY takes it (`emit_many`), so the database stores the first while the
    rest are made. The rows come back as plain dicts, which pydantic reads in its own code; a row's
    mapping view it would read field by field through Python."""
    query = _PUBLISHED.where(
        col(IndicatorValue.recorded_at) == recorded_at, col(IndicatorValue.recorded_by) == recorded_by
    ).order_by(col(IndicatorValue.id))
    result = await session.execute(query)
    names = tuple(result.keys())
    written = [dict(zip(names, row, strict=True)) for row in result]
    await emit_many(
        session,
        (
            announce(events.VALUE_RECORDED, events.value_subject(row["id"]), ValuePublic.model_validate(row))
            for row in written
        ),
    )
    return written


async def record_value(
    session: AsyncSession, *, code: str, data: ValueIn, principal: Principal
) -> tuple[IndicatorValue, bool]:
    """The current value after recording, and whether this call wrote a new revision."""
    principal.ensure_region(data.region_code)
    await get_indicator(session, code)
    row = BulkValueIn(indicator_code=code, **data.model_dump())
    result = await record_values(session, rows=[row], principal=principal)
    latest = await _current(session, [(code, row.region_code, row.year, row.period_type.value, row.number)])
    return next(iter(latest.values())), result.written == 1


async def _values_query(
    session: AsyncSession,
    *,
    code: str,
    region_code: str | None,
    year: int | None,
    history: bool,
    principal: Principal,
    city_code: str,
) -> Select[Any]:
    await get_indicator(session, code)
    if region_code is not None:
        ensure_may_read(principal, region_code, city_code=city_code)
    elif not principal.sees_everything:
        region_code = principal.region_code if principal.role is Role.township else city_code
    query = select(IndicatorValue).where(col(IndicatorValue.indicator_code) == code)
    if region_code is not None:
        query = query.where(col(IndicatorValue.region_code) == region_code)
    if year is not None:
        query = query.where(col(IndicatorValue.year) == year)
    if not history:
        newer = aliased(IndicatorValue)
        query = query.where(
            ~exists().where(
                *(getattr(newer, k) == getattr(IndicatorValue, k) for k in _FIGURE_KEY),
                newer.revision > col(IndicatorValue.revision),
            )
        )
    return query


_FIGURE_KEY = ("indicator_code", "region_code", "year", "period_type", "period")
_VALUE_ORDER = (
    col(IndicatorValue.region_code),
    col(IndicatorValue.period_end),
    col(IndicatorValue.period_type),
    col(IndicatorValue.revision),
    col(IndicatorValue.id),
)


async def list_values(
    session: AsyncSession,
    *,
    code: str,
    region_code: str | None,
    year: int | None,
    history: bool,
    principal: Principal,
    city_code: str,
) -> list[IndicatorValue]:
    """Every value asked for (the Excel export), in the order of the unit and period."""
    query = await _values_query(
        session,
        code=code,
        region_code=region_code,
        year=year,
        history=history,
        principal=principal,
        city_code=city_code,
    )
    return list((await session.execute(query.order_by(*_VALUE_ORDER))).scalars())


async def page_values(
    session: AsyncSession,
    *,
    code: str,
    region_code: str | None,
    year: int | None,
    history: bool,
    principal: Principal,
    city_code: str,
    page: PageParams,
    changes: Changes,
) -> Page[ValuePublic]:
    """One page of values; incremental reads in the order they were recorded (a value is never
    changed: a correction is a new revision, a row of its own)."""
    query = await _values_query(
        session,
        code=code,
        region_code=region_code,
        year=year,
        history=history,
        principal=principal,
        city_code=city_code,
    )
    query = changes.since(query, col(IndicatorValue.recorded_at))
    total = int((await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one())
    page_query = keyset_page(
        query,
        page,
        changes,
        updated=col(IndicatorValue.recorded_at),
        key=col(IndicatorValue.id),
        order=_VALUE_ORDER,
    )
    rows = (await session.execute(page_query)).scalars().all()
    last = (rows[-1].recorded_at, rows[-1].id or 0) if rows else None
    return Page(
        items=[ValuePublic.model_validate(v) for v in rows],
        total=total,
        next_cursor=next_cursor(changes, last),
    )


# --- targets ---------------------------------------------------------------------------------------


async def set_target(
    session: AsyncSession, *, code: str, year: int, data: TargetIn, principal: Principal, city_code: str
) -> Target:
    await get_indicator(session, code)
    region_code = data.region_code or city_code
    await get_region(session, region_code)
    if (await periods.closed(session)).year_closed(year):
        # A target is for the whole year: frozen once all four of its quarters are closed.
        raise PeriodClosed.at("path.year", f"{year}-Q1..Q4")
    target = await session.get(Target, (code, region_code, year))
    if target is None:
        target = Target(
            indicator_code=code,
            region_code=region_code,
            year=year,
            value=data.value,
            set_by=principal.username,
        )
        session.add(target)
    else:
        target.value, target.set_by, target.set_at = data.value, principal.username, utcnow()
    await session.flush()
    public = TargetPublic.model_validate(target)
    await emit(session, events.TARGET_SET, subject=events.target_subject(public), data=public)
    return target


# --- reading figures -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """Each indicator's value at one unit: recorded there, else summed over its child units."""

    values: dict[str, Decimal]

    def get(self, code: str) -> Decimal | None:
        return self.values.get(code)


def _figures_query(
    *, region_code: str, year: int, as_of: date, codes: Sequence[str]
) -> Select[str, bool, Decimal, Decimal]:
    """Each indicator's figure at the unit itself and summed over its child units, from the summary
    (summary.py): one row per indicator, read through the primary keys, whatever the number of
    units or years. Cumulative figures count within the year, stocks at any earlier day."""
    until = min(as_of, date(year, 12, 31))
    cumulative = col(Indicator.accumulation) == Accumulation.cumulative.value
    since = case((cumulative, date(year, 1, 1)), else_=EPOCH)
    direct = (
        select(col(CurrentValue.value))
        .where(
            col(CurrentValue.indicator_code) == col(Indicator.code),
            col(CurrentValue.region_code) == region_code,
            col(CurrentValue.period_end) <= until,
            col(CurrentValue.period_end) >= since,
        )
        .order_by(*best_first(CurrentValue))
        .limit(1)
        .scalar_subquery()
    )
    summed = (
        select(col(Rollup.value))
        .where(
            col(Rollup.indicator_code) == col(Indicator.code),
            col(Rollup.region_code) == region_code,
            col(Rollup.period_end) <= until,
            col(Rollup.period_end) >= since,
        )
        .order_by(col(Rollup.period_end).desc())
        .limit(1)
        .scalar_subquery()
    )
    return select(
        col(Indicator.code), col(Indicator.additive), direct.label("direct"), summed.label("summed")
    ).where(
        col(Indicator.code).in_(codes),
        col(Indicator.accumulation).in_([Accumulation.cumulative.value, Accumulation.stock.value]),
    )


async def figures_at(
    session: AsyncSession,
    *,
    region_code: str,
    year: int,
    as_of: date,
    indicators: Sequence[Indicator],
) -> Figures:
    codes = {i.code for i in indicators if i.accumulation != Accumulation.ratio}
    for i in indicators:
        if i.accumulation == Accumulation.ratio:
            codes |= {i.numerator_code or "", i.denominator_code or ""}
    values: dict[str, Decimal] = {}
    rows = await session.execute(
        _figures_query(region_code=region_code, year=year, as_of=as_of, codes=sorted(codes))
    )
    for code, additive, direct, summed in rows:
        if direct is not None:
            values[code] = direct
        elif additive and summed is not None:
            values[code] = summed
    for code in DERIVED_INDICATORS & codes:
        # Counted from the registry and the pipeline at the unit and below; recorded values do not count.
        counts = await counts_by_unit(session, Measure(code), year=year, as_of=as_of, within=region_code)
        values[code] = Decimal(sum(counts.values()))
    for indicator in indicators:
        if indicator.accumulation == Accumulation.ratio:
            numerator = values.get(indicator.numerator_code or "")
            denominator = values.get(indicator.denominator_code or "")
            if numerator is not None and denominator:
                values[indicator.code] = numerator / denominator
    return Figures(values)


async def targets_of(session: AsyncSession, *, region_code: str, year: int) -> dict[str, Decimal]:
    """The year's target of each indicator that has one at the unit."""
    rows = await session.execute(
        select(col(Target.indicator_code), col(Target.value)).where(
            col(Target.region_code) == region_code, col(Target.year) == year
        )
    )
    return {row[0]: row[1] for row in rows}


def _same_day_a_year_earlier(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


async def progress_of(
    session: AsyncSession,
    *,
    indicators: Sequence[Indicator],
    region_code: str,
    year: int,
    as_of: date,
    pace: Pace,
) -> list[ProgressPublic]:
    await get_region(session, region_code)
    now = await figures_at(session, region_code=region_code, year=year, as_of=as_of, indicators=indicators)
    prior = await figures_at(
        session,
        region_code=region_code,
        year=year - 1,
        as_of=_same_day_a_year_earlier(as_of),
        indicators=indicators,
    )
    baseline = await figures_at(
        session, region_code=region_code, year=year - 1, as_of=date(year - 1, 12, 31), indicators=indicators
    )
    targets = await targets_of(session, region_code=region_code, year=year)
    elapsed = time_progress(year, as_of, pace)
    items = []
    for indicator in indicators:
        accumulation = Accumulation(indicator.accumulation)
        actual, target = now.get(indicator.code), targets.get(indicator.code)
        result = assess(
            accumulation=accumulation,
            higher_is_better=indicator.higher_is_better,
            actual=actual,
            target=target,
            elapsed=elapsed,
            baseline=baseline.get(indicator.code) if accumulation is not Accumulation.cumulative else None,
            prior=prior.get(indicator.code),
        )
        items.append(
            ProgressPublic(
                indicator=IndicatorPublic.model_validate(indicator),
                region_code=region_code,
                year=year,
                as_of=as_of,
                pace=pace,
                actual=actual,
                target=target,
                completion_rate=result.completion_rate,
                time_progress=elapsed,
                expected=result.expected,
                status=result.status,
                remaining=result.remaining,
                projected=result.projected,
                prior_value=prior.get(indicator.code),
                yoy_growth=result.yoy_growth,
            )
        )
    return items


def _urgency(item: ProgressPublic) -> tuple[int, Decimal, str]:
    order = {"behind": 0, "on_track": 1, "ahead": 2, None: 3}[item.status.value if item.status else None]
    gap = (item.completion_rate or Decimal(0)) - (item.time_progress or Decimal(0))
    return order, gap if item.status else Decimal(0), item.indicator.code


async def dashboard(
    session: AsyncSession, *, region_code: str, year: int, as_of: date, pace: Pace
) -> Dashboard:
    indicators = await list_indicators(session)
    items = await progress_of(
        session, indicators=indicators, region_code=region_code, year=year, as_of=as_of, pace=pace
    )
    # Published figures say when they were last brought up to date.
    stamps = await publications.stamps(session, region_code=region_code, year=year, as_of=as_of)
    for item in items:
        item.published = stamps.get(item.indicator.code)
    return Dashboard(
        year=year,
        as_of=as_of,
        region_code=region_code,
        time_progress=time_progress(year, as_of, pace),
        items=sorted(items, key=_urgency),
    )
