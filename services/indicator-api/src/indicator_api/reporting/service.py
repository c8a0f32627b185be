"""Reporting rules: obligations and exemptions, completeness and timeliness, overdue reports, and the
review of figures that need the bureau's acceptance.

Received and on time are judged by the server's own stamps: a report's time is the first recording
(`recorded_at` of its first revision) of the (indicator, unit, period); a report returned and sent
again keeps that time. Completeness is counted in one SQL statement whatever the number of units,
indicators or periods; the periods asked for and their deadlines are a few literal rows.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeEngine
from sqlmodel import col

from daye_kit.auth import Principal, Role
from daye_kit.errors import Conflict, Forbidden, NotFound, RowError, RowsRefused
from daye_kit.feed import EventType, emit
from daye_kit.timestamps import UtcDateTime, as_utc, local_midnight, utcnow
from indicator_api import events
from indicator_api.indicators.ingest import StagedValue, make_current
from indicator_api.indicators.models import Indicator, IndicatorValue
from indicator_api.indicators.summary import Written
from indicator_api.regions.models import Region
from indicator_api.regions.service import require_region
from indicator_api.reporting.models import Exemption, Obligation, Submission
from indicator_api.reporting.schemas import (
    Completeness,
    CompletenessItem,
    Counts,
    ExemptionCreate,
    ObligationCreate,
    OverdueItem,
    SubmissionPublic,
    SubmissionStatus,
)

FigureKey = tuple[str, str, int, str, int]  # indicator, unit, year, period type, period


# --- periods and deadlines ---------------------------------------------------------------------------


def period_end(year: int, period_type: str, period: int) -> date:
    month = period * 3 if period_type == "quarter" else period
    return date(year, month, calendar.monthrange(year, month)[1])


def due_on(year: int, period_type: str, period: int, due_day: int) -> date:
    """The last day to report: `due_day` of the month after the period."""
    end = period_end(year, period_type, period)
    following = end + timedelta(days=1)
    return following.replace(day=due_day)


def end_of(day: date) -> datetime:
    """The instant a day of Daye's calendar is over (the next day's first)."""
    return local_midnight(day + timedelta(days=1))


def periods_through(year: int, period_type: str, through: date) -> list[tuple[int, str, int]]:
    """The periods of the year that have ended by `through`."""
    count = 4 if period_type == "quarter" else 12
    return [
        (year, period_type, p) for p in range(1, count + 1) if period_end(year, period_type, p) <= through
    ]


def moment_of(as_of: date) -> datetime:
    """What counts as now for a day: its end, or now if that is earlier."""
    return min(end_of(as_of), utcnow())


def _rate(part: int, whole: int) -> Decimal | None:
    return Decimal(part) / Decimal(whole) if whole else None


# --- who reads what ---------------------------------------------------------------------------------


def scope_region(principal: Principal, region_code: str | None) -> str | None:
    """The unit a caller's reading is limited to: a township's own, whatever it asks."""
    if principal.sees_everything:
        return region_code
    if principal.role is Role.township and principal.region_code:
        if region_code not in (None, principal.region_code):
            raise Forbidden(f"{principal.username} may read the reports of unit {principal.region_code} only")
        return principal.region_code
    raise Forbidden(f"role {principal.role.value} has no reporting obligations to read")


# --- obligations and exemptions ---------------------------------------------------------------------


def _refused(field: str, rule: str, message: str) -> RowsRefused:
    return RowsRefused(message, [RowError(row=0, field=field, rule=rule, message=message)])


async def _recorded_indicator(session: AsyncSession, code: str) -> Indicator:
    indicator = await session.get(Indicator, code)
    if indicator is None:
        raise _refused("indicator_code", "unknown_indicator", f"indicator {code} does not exist")
    if indicator.source != "recorded":
        raise _refused(
            "indicator_code", "computed_indicator", f"{code} is computed ({indicator.source}), not reported"
        )
    return indicator


async def list_obligations(session: AsyncSession, *, principal: Principal) -> Sequence[Obligation]:
    region = scope_region(principal, None)
    query = select(Obligation).order_by(col(Obligation.id))
    if region is not None:
        query = query.where(or_(col(Obligation.region_code).is_(None), col(Obligation.region_code) == region))
    return (await session.execute(query)).scalars().all()


async def create_obligation(
    session: AsyncSession, *, data: ObligationCreate, principal: Principal
) -> Obligation:
    await _recorded_indicator(session, data.indicator_code)
    if data.region_code is not None:
        await require_region(session, data.region_code)
    obligation = Obligation(**data.model_dump(mode="python"), created_by=principal.username)
    obligation.period_type = data.period_type.value
    session.add(obligation)
    await session.flush()
    return obligation


async def list_exemptions(
    session: AsyncSession, *, principal: Principal, year: int | None
) -> Sequence[Exemption]:
    region = scope_region(principal, None)
    query = select(Exemption).order_by(col(Exemption.id))
    if region is not None:
        query = query.where(col(Exemption.region_code) == region)
    if year is not None:
        query = query.where(col(Exemption.year) == year)
    return (await session.execute(query)).scalars().all()


async def create_exemption(
    session: AsyncSession, *, data: ExemptionCreate, principal: Principal
) -> Exemption:
    await require_region(session, data.region_code)
    if data.indicator_code is not None:
        await _recorded_indicator(session, data.indicator_code)
    exemption = Exemption(**data.model_dump(mode="python"), created_by=principal.username)
    exemption.period_type = data.period_type.value
    session.add(exemption)
    await session.flush()
    return exemption


# --- what is expected, and when it came --------------------------------------------------------------


def _typed(value: Any, type_: TypeEngine[Any], dialect: str) -> ColumnElement[Any]:
    """A literal column of a known type: PostgreSQL must be told the type of a parameter in a
    SELECT list; SQLite would turn a CAST to DATETIME into a number."""
    bound = literal(value, type_)
    return cast(bound, type_) if dialect == "postgresql" else bound


async def _expected_rows(
    session: AsyncSession,
    *,
    city_code: str,
    periods: Sequence[tuple[int, str, int]],
    region_code: str | None,
    moment: datetime,
    indicator_code: str | None = None,
) -> Any | None:
    """One row per (indicator, unit, period) that an obligation expects: its deadline, the first
    time it was recorded (by `moment`), and whether the unit is exempted. None when nothing is."""
    dialect = (await session.connection()).dialect.name
    due_days = (
        await session.execute(select(col(Obligation.period_type), col(Obligation.due_day)).distinct())
    ).all()
    deadlines: list[Select[Any]] = []
    for year, period_type, period in periods:
        for kind, due_day in due_days:
            if kind != period_type:
                continue
            due = due_on(year, period_type, period, due_day)
            deadlines.append(
                select(
                    _typed(year, Integer(), dialect).label("year"),
                    _typed(period_type, String(), dialect).label("period_type"),
                    _typed(period, Integer(), dialect).label("period"),
                    _typed(period_end(year, period_type, period), Date(), dialect).label("period_end"),
                    _typed(due_day, Integer(), dialect).label("due_day"),
                    _typed(due, Date(), dialect).label("due_on"),
                    _typed(end_of(due), UtcDateTime(), dialect).label("due_at"),
                )
            )
    if not deadlines:
        return None
    d = (deadlines[0] if len(deadlines) == 1 else union_all(*deadlines)).cte("deadlines")
    o = Obligation.__table__  # type: ignore[attr-defined]
    r = Region.__table__  # type: ignore[attr-defined]
    unit_of = or_(r.c.code == o.c.region_code, and_(o.c.region_code.is_(None), r.c.parent_code == city_code))
    expected = (
        select(
            o.c.indicator_code,
            r.c.code.label("region_code"),
            d.c.year,
            d.c.period_type,
            d.c.period,
            # Two obligations for the same figure: the earlier deadline holds.
            func.min(d.c.due_on).label("due_on"),
            func.min(d.c.due_at).label("due_at"),
        )
        .select_from(
            o.join(
                d,
                and_(
                    d.c.period_type == o.c.period_type,
                    d.c.due_day == o.c.due_day,
                    d.c.period_end >= o.c.active_from,
                ),
            ).join(r, unit_of)
        )
        .group_by(o.c.indicator_code, r.c.code, d.c.year, d.c.period_type, d.c.period)
    )
    if region_code is not None:
        expected = expected.where(r.c.code == region_code)
    if indicator_code is not None:
        expected = expected.where(o.c.indicator_code == indicator_code)
    e = expected.cte("expected")
    v = IndicatorValue.__table__  # type: ignore[attr-defined]
    # Through the unique (indicator, unit, year, period type, period, revision) index.
    first_at = (
        select(func.min(v.c.recorded_at))
        .where(
            v.c.indicator_code == e.c.indicator_code,
            v.c.region_code == e.c.region_code,
            v.c.year == e.c.year,
            v.c.period_type == e.c.period_type,
            v.c.period == e.c.period,
            v.c.recorded_at < moment,
        )
        .scalar_subquery()
    )
    x = Exemption.__table__  # type: ignore[attr-defined]
    exempted = exists().where(
        x.c.region_code == e.c.region_code,
        or_(x.c.indicator_code.is_(None), x.c.indicator_code == e.c.indicator_code),
        x.c.year == e.c.year,
        x.c.period_type == e.c.period_type,
        x.c.period == e.c.period,
    )
    return select(
        e,
        first_at.label("first_at"),
        case((exempted, 1), else_=0).label("exempt"),
    ).cte("reports")


def _count(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _counts(reports: Any, moment: datetime) -> list[Any]:
    counted = reports.c.exempt == 0
    received = and_(counted, reports.c.first_at.is_not(None))
    return [
        _count(counted).label("expected"),
        _count(received).label("received"),
        # `due_at` is the first instant after the deadline day.
        _count(and_(received, reports.c.first_at < reports.c.due_at)).label("on_time"),
        _count(and_(received, reports.c.first_at >= reports.c.due_at)).label("late"),
        _count(and_(counted, reports.c.first_at.is_(None), reports.c.due_at <= moment)).label("missing"),
        _count(reports.c.exempt == 1).label("exempted"),
    ]


def counts_of(expected: int, received: int, on_time: int, late: int, missing: int, exempted: int) -> Counts:
    return Counts(
        expected=expected,
        received=received,
        on_time=on_time,
        late=late,
        missing=missing,
        exempted=exempted,
        reporting_rate=_rate(received, expected),
        timeliness_rate=_rate(on_time, expected),
    )


async def completeness(
    session: AsyncSession,
    *,
    city_code: str,
    year: int,
    period_type: str,
    period: int | None,
    region_code: str | None,
    as_of: date,
    indicator_code: str | None = None,
) -> Completeness:
    """Per unit and period: expected, received, on time, late, missing and exempted reports, with
    the rates. Without `period`, every period of the year that has ended by `as_of`."""
    moment = moment_of(as_of)
    periods = periods_through(year, period_type, as_of) if period is None else [(year, period_type, period)]
    reports = await _expected_rows(
        session,
        city_code=city_code,
        periods=periods,
        region_code=region_code,
        moment=moment,
        indicator_code=indicator_code,
    )
    items: list[CompletenessItem] = []
    if reports is not None:
        r = Region.__table__  # type: ignore[attr-defined]
        query = (
            select(
                reports.c.region_code,
                r.c.name,
                reports.c.year,
                reports.c.period_type,
                reports.c.period,
                *_counts(reports, moment),
            )
            .join(r, r.c.code == reports.c.region_code)
            .group_by(
                reports.c.region_code, r.c.name, reports.c.year, reports.c.period_type, reports.c.period
            )
            .order_by(reports.c.year, reports.c.period, reports.c.region_code)
        )
        for row in await session.execute(query):
            counts = counts_of(row.expected, row.received, row.on_time, row.late, row.missing, row.exempted)
            items.append(
                CompletenessItem(
                    region_code=row.region_code,
                    region_name=row.name,
                    year=row.year,
                    period_type=row.period_type,
                    period=row.period,
                    **counts.model_dump(),
                )
            )
    fields = ("expected", "received", "on_time", "late", "missing", "exempted")
    sums = {f: sum(getattr(item, f) for item in items) for f in fields}
    return Completeness(as_of=as_of, items=items, totals=counts_of(**sums))


async def overdue(
    session: AsyncSession, *, city_code: str, region_code: str | None, as_of: date
) -> list[OverdueItem]:
    """What is past its deadline and not reported (nor exempted), over this year and the last."""
    moment = moment_of(as_of)
    periods = [
        p
        for year in (as_of.year - 1, as_of.year)
        for kind in ("month", "quarter")
        for p in periods_through(year, kind, as_of)
    ]
    reports = await _expected_rows(
        session, city_code=city_code, periods=periods, region_code=region_code, moment=moment
    )
    if reports is None:
        return []
    r = Region.__table__  # type: ignore[attr-defined]
    i = Indicator.__table__  # type: ignore[attr-defined]
    query = (
        select(
            reports.c.region_code,
            r.c.name.label("region_name"),
            reports.c.indicator_code,
            i.c.name.label("indicator_name"),
            reports.c.year,
            reports.c.period_type,
            reports.c.period,
            reports.c.due_on,
        )
        .join(r, r.c.code == reports.c.region_code)
        .join(i, i.c.code == reports.c.indicator_code)
        .where(reports.c.exempt == 0, reports.c.first_at.is_(None), reports.c.due_at <= moment)
        .order_by(
            reports.c.region_code,
            reports.c.year,
            reports.c.period_type,
            reports.c.period,
            reports.c.indicator_code,
        )
    )
    return [OverdueItem.model_validate(row._asdict()) for row in await session.execute(query)]


async def reporting_rate(session: AsyncSession, *, city_code: str, as_of: date) -> Decimal | None:
    """The city's reporting rate of the latest month whose monthly reports were all due by `as_of`."""
    latest_due = (
        await session.execute(
            select(func.max(col(Obligation.due_day))).where(col(Obligation.period_type) == "month")
        )
    ).scalar_one_or_none()
    if latest_due is None:
        return None
    month_start = as_of.replace(day=1)
    last = month_start - timedelta(days=1)
    if as_of.day < latest_due:
        last = last.replace(day=1) - timedelta(days=1)
    answer = await completeness(
        session,
        city_code=city_code,
        year=last.year,
        period_type="month",
        period=last.month,
        region_code=None,
        as_of=as_of,
    )
    return answer.totals.reporting_rate


# --- review -----------------------------------------------------------------------------------------


async def keys_requiring_acceptance(session: AsyncSession, rows: Iterable[StagedValue]) -> set[FigureKey]:
    """The figures among `rows` that an obligation with `requires_acceptance` covers."""
    rows = list(rows)
    codes = {row.indicator_code for row in rows}
    if not codes:
        return set()
    obligations = (
        (
            await session.execute(
                select(Obligation).where(
                    col(Obligation.requires_acceptance), col(Obligation.indicator_code).in_(codes)
                )
            )
        )
        .scalars()
        .all()
    )
    keys: set[FigureKey] = set()
    for row in rows:
        for obligation in obligations:
            if (
                obligation.indicator_code == row.indicator_code
                and obligation.period_type == row.period_type
                and obligation.region_code in (None, row.region_code)
                and row.period_end >= obligation.active_from
            ):
                keys.add((row.indicator_code, row.region_code, row.year, row.period_type, row.period))
    return keys


def _key_columns(table: Any) -> Any:
    return tuple_(table.indicator_code, table.region_code, table.year, table.period_type, table.period)


async def _latest_revisions(
    session: AsyncSession, keys: Sequence[FigureKey]
) -> dict[FigureKey, IndicatorValue]:
    latest: dict[FigureKey, IndicatorValue] = {}
    for start in range(0, len(keys), 500):
        rows = await session.execute(
            select(IndicatorValue)
            .where(_key_columns(IndicatorValue).in_(keys[start : start + 500]))
            .order_by(col(IndicatorValue.revision))
        )
        for value in rows.scalars():
            latest[(value.indicator_code, value.region_code, value.year, value.period_type, value.period)] = (
                value
            )
    return latest


async def record_submissions(
    session: AsyncSession, *, keys: set[FigureKey], principal: Principal, recorded_at: datetime
) -> None:
    """After a write of figures under review: a township's new (or re-sent) figure is submitted for
    review; one the bureau or a service wrote is accepted at once (it is already current)."""
    if not keys:
        return
    ordered = sorted(keys)
    latest = await _latest_revisions(session, ordered)
    existing: dict[FigureKey, Submission] = {}
    for start in range(0, len(ordered), 500):
        for submission in (
            await session.execute(
                select(Submission).where(_key_columns(Submission).in_(ordered[start : start + 500]))
            )
        ).scalars():
            existing[
                (
                    submission.indicator_code,
                    submission.region_code,
                    submission.year,
                    submission.period_type,
                    submission.period,
                )
            ] = submission
    township = principal.role is Role.township
    for key in ordered:
        value = latest.get(key)
        if value is None:
            continue
        written_now = as_utc(value.recorded_at) == as_utc(recorded_at)
        found = existing.get(key)
        resent = township and found is not None and found.status == SubmissionStatus.returned.value
        if not (written_now or resent):
            continue  # unchanged: the review stands as it is
        submission = found or Submission(
            indicator_code=key[0],
            region_code=key[1],
            year=key[2],
            period_type=key[3],
            period=key[4],
            period_end=value.period_end,
            revision=value.revision,
            value=value.value,
            status=SubmissionStatus.submitted.value,
            first_submitted_at=recorded_at,
            submitted_at=recorded_at,
            submitted_by=principal.username,
        )
        session.add(submission)
        submission.revision, submission.value = value.revision, value.value
        submission.submitted_at, submission.submitted_by = recorded_at, principal.username
        if township:
            submission.status = SubmissionStatus.submitted.value
            submission.reviewed_by = submission.reviewed_at = None
        else:
            submission.status = SubmissionStatus.accepted.value
            submission.accepted_revision = value.revision
            submission.reviewed_by, submission.reviewed_at = principal.username, recorded_at
    await session.flush()


async def list_submissions(
    session: AsyncSession, *, principal: Principal, status: SubmissionStatus | None, region_code: str | None
) -> Sequence[Submission]:
    region = scope_region(principal, region_code)
    query = select(Submission).order_by(col(Submission.first_submitted_at), col(Submission.id))
    if region is not None:
        query = query.where(col(Submission.region_code) == region)
    if status is not None:
        query = query.where(col(Submission.status) == status.value)
    return (await session.execute(query)).scalars().all()


async def _pending(session: AsyncSession, submission_id: int) -> Submission:
    submission = await session.get(Submission, submission_id, with_for_update=True)
    if submission is None:
        raise NotFound(f"submission {submission_id} does not exist", code="submission_not_found")
    if submission.status != SubmissionStatus.submitted.value:
        raise Conflict(
            f"submission {submission_id} is {submission.status}, not awaiting review",
            code="submission_not_pending",
        )
    return submission


async def accept(session: AsyncSession, *, submission_id: int, principal: Principal) -> Submission:
    """The figure under review becomes the current one (the dashboards and progress count it)."""
    submission = await _pending(session, submission_id)
    submission.status = SubmissionStatus.accepted.value
    submission.accepted_revision = submission.revision
    submission.reviewed_by, submission.reviewed_at = principal.username, utcnow()
    await session.flush()
    await make_current(
        await session.connection(),
        [
            Written(
                submission.indicator_code,
                submission.region_code,
                submission.year,
                submission.period_type,
                submission.period,
                submission.period_end,
                submission.value,
                submission.revision,
            )
        ],
    )
    await _announce(session, events.SUBMISSION_ACCEPTED, submission)
    return submission


async def _announce(session: AsyncSession, event: EventType, submission: Submission) -> None:
    public = SubmissionPublic.model_validate(submission)
    await emit(session, event, subject=events.submission_subject(public.id), data=public)


async def return_submission(
    session: AsyncSession, *, submission_id: int, reason: str, principal: Principal
) -> Submission:
    """Back to the township with a reason; the figure stays out of the dashboards until accepted."""
    submission = await _pending(session, submission_id)
    submission.status = SubmissionStatus.returned.value
    submission.return_reason = reason
    submission.reviewed_by, submission.reviewed_at = principal.username, utcnow()
    await session.flush()
    await _announce(session, events.SUBMISSION_RETURNED, submission)
    return submission


async def pending_review(session: AsyncSession, *, region_code: str | None) -> int:
    query = (
        select(func.count())
        .select_from(Submission)
        .where(col(Submission.status) == SubmissionStatus.submitted.value)
    )
    if region_code is not None:
        query = query.where(col(Submission.region_code) == region_code)
    return int((await session.execute(query)).scalar_one())
