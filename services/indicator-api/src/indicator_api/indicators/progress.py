"""Progress against the pace of the year: pure arithmetic, no database.

The time elapsed is measured at a chosen granularity: by day (`273/365` at 30 September 2025), by
completed months (`9/12`) or completed quarters (`3/4`). A figure is `on_track` when it is within
one percentage point of the year's task (TOLERANCE × the distance from the baseline to the target)
of where the pace says it should be; above that it is `ahead`, below `behind`. For indicators where
lower is better the comparison turns round.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from daye_kit.timestamps import local_today

TOLERANCE = Decimal("0.01")


class Pace(StrEnum):
    day = "day"
    month = "month"
    quarter = "quarter"


class Accumulation(StrEnum):
    cumulative = "cumulative"  # a flow summed within the year (1–9月累计); the year's total at its end
    stock = "stock"  # a level at a point in time (研发机构数, 未兑现资金)
    ratio = "ratio"  # numerator ÷ denominator, both other indicators


class Status(StrEnum):
    ahead = "ahead"
    on_track = "on_track"
    behind = "behind"


def default_as_of(year: int, as_of: date | None = None) -> date:
    """The day figures are read at when none is asked for: the year's last day, or today in Daye
    while the year runs."""
    return as_of or min(date(year, 12, 31), local_today())


def time_progress(year: int, as_of: date, pace: Pace = Pace.month) -> Decimal:
    """Share of `year` elapsed at the end of `as_of`, between 0 and 1."""
    if as_of < date(year, 1, 1):
        return Decimal(0)
    if as_of >= date(year, 12, 31):
        return Decimal(1)
    if pace is Pace.day:
        days_in_year = 366 if calendar.isleap(year) else 365
        return Decimal(as_of.timetuple().tm_yday) / Decimal(days_in_year)
    month_done = as_of.day == calendar.monthrange(year, as_of.month)[1]
    months = as_of.month if month_done else as_of.month - 1
    if pace is Pace.month:
        return Decimal(months) / Decimal(12)
    return Decimal(months // 3) / Decimal(4)


@dataclass(frozen=True)
class Assessment:
    completion_rate: Decimal | None
    expected: Decimal | None
    status: Status | None
    remaining: Decimal | None
    projected: Decimal | None
    yoy_growth: Decimal | None


def _ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    return None if denominator == 0 else numerator / denominator


def assess(
    *,
    accumulation: Accumulation,
    higher_is_better: bool,
    actual: Decimal | None,
    target: Decimal | None,
    elapsed: Decimal,
    baseline: Decimal | None = None,
    prior: Decimal | None = None,
    tolerance: Decimal = TOLERANCE,
) -> Assessment:
    """Where `actual` stands against `target` with `elapsed` of the year gone.

    `baseline` is a stock's value at the end of the previous year: the pace runs from it to the
    target. Cumulative figures start the year at zero.
    """
    yoy = None if actual is None or prior is None else _ratio(actual - prior, prior)
    if actual is None:
        return Assessment(None, None, None, None, None, yoy)
    start = baseline if accumulation is not Accumulation.cumulative and baseline is not None else Decimal(0)
    if accumulation is Accumulation.cumulative:
        projected = actual / elapsed if elapsed > 0 else None
    elif baseline is not None and elapsed > 0:
        projected = baseline + (actual - baseline) / elapsed
    else:
        projected = actual
    if target is None:
        return Assessment(None, None, None, None, projected, yoy)

    completion = _ratio(actual, target)
    if accumulation is Accumulation.cumulative or baseline is not None:
        expected = start + (target - start) * elapsed
        margin = tolerance * abs(target - start)
    else:
        # A level with no known starting point: it should stand at the target now.
        expected, margin = target, tolerance * abs(target)
    gap = actual - expected if higher_is_better else expected - actual
    status = Status.behind if gap < -margin else Status.ahead if gap > margin else Status.on_track
    remaining = max(target - actual, Decimal(0)) if higher_is_better else max(actual - target, Decimal(0))
    return Assessment(completion, expected, status, remaining, projected, yoy)
