"""Demo figures: every number of the Q1–Q3 2025 report (shared/mission/figures.md).

Additive figures that the bureau gathers from townships are spread over the 17 units so township
views mean something, with shares that add up exactly to the city's figure (largest remainder);
figures that the platform's own services publish (supply chain, unpaid funds) and city-wide
statistics are recorded at the city. High-tech applications and tech-SME registrations are not
recorded at all: they are counted from the demo registry and pipeline (demo.enterprises,
demo.cultivation).
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from daye_demo.enterprises import UNIT_WEIGHTS
from daye_demo.indicator.units import CITY_CODE, UNITS
from daye_kit.timestamps import LOCAL_TZ
from indicator_api.indicators.ingest import StagedValue, write_values
from indicator_api.indicators.models import IndicatorValue, Target
from indicator_api.reporting.models import Obligation, Submission

# code: [(year, month or 0 for the whole year, value)], spread over the units
SPREAD: dict[str, list[tuple[int, int, str]]] = {
    # 27.84 / 1.087 to four places: the report's 8.7% growth is of the unrounded prior figure.
    "rd_expenditure": [(2023, 0, "25.6119"), (2024, 0, "27.84")],
    "rd_personnel": [(2023, 0, "8821"), (2024, 0, "8920")],
    "new_product_sales": [(2023, 0, "389.20"), (2024, 0, "397.45")],
    "rd_institutions": [(2023, 0, "284"), (2024, 0, "341")],
}
# The townships' monthly report (报送任务: by the 10th of the next month): technology contract
# turnover, cumulative within the year. Its January–September figures climb to each unit's share of
# the report's 34.25 in September; when each was first recorded shows on-time, late and missing
# reports (GET /api/v1/reporting/completeness).
MONTHLY = ("tech_contract_turnover", "34.25", 9)
DUE_DAY = 10
# (unit, month) → the day of the next month it was sent, after the deadline
LATE: dict[tuple[str, int], int] = {
    ("420281109", 3): 15,  # 陈贵镇
    ("420281109", 5): 16,
    ("420281109", 6): 14,
    ("420281107", 8): 12,  # 汪仁镇
    ("420281104", 1): 20,  # 金山店镇
}
# (unit, month) never sent
MISSING: set[tuple[str, int]] = {("420281201", 4), ("420281201", 7), ("420281106", 2)}  # 茗山乡, 殷祖镇
# A quarterly report the bureau accepts before it counts (requires_acceptance): talent teams, from
# the third quarter; three townships' figures await review.
REVIEWED = ("talent_teams", 15, date(2025, 7, 1))
PENDING: list[tuple[str, str, int]] = [("420281101", "2", 26), ("420281103", "1", 28), ("420281401", "3", 29)]
# code: [(year, month, value)] at the city
CITY: dict[str, list[tuple[int, int, str]]] = {
    "supply_chain_demands_posted": [(2025, 6, "686")],
    "supply_chain_demands_matched": [(2025, 6, "392")],
    "policy_funds_outstanding": [(2025, 9, "5506.8")],
    "sci_tech_loans_credit": [(2025, 9, "45.33")],
    "sci_tech_loans_disbursed": [(2025, 9, "21.42")],
    "innovation_vouchers": [(2025, 3, "180")],
    "provincial_project_funds": [(2025, 9, "400")],
    "new_species_enterprises": [(2025, 9, "41")],
    "provincial_platforms": [(2024, 0, "80"), (2025, 9, "80")],
    "high_level_talent_new": [(2025, 9, "95")],
    "graduates_new": [(2025, 9, "3910")],
    "agri_tech_commissioners": [(2025, 9, "49")],
    "matchmaking_events": [(2025, 9, "7")],
}
# code: city target for 2025 (rates as fractions)
TARGETS_2025: dict[str, str] = {
    "tech_contract_turnover": "46.6",
    "hte_applications": "154",
    "tech_sme_registered": "1000",
    "hte_net_increase": "50",
    "supply_chain_demands_posted": "100",
    "supply_chain_match_rate": "0.80",
    "matchmaking_events": "3",
    "fiscal_st_spending_share": "0.035",
    "provincial_platforms": "85",
    "new_species_enterprises": "51",
    "high_level_talent_new": "1000",
    "graduates_new": "2600",
    "talent_teams": "10",
}


def spread(total: Decimal, weights: tuple[int, ...]) -> list[Decimal]:
    """Shares of `total` in proportion to `weights`, in its own precision, adding up exactly."""
    exponent = total.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    step = Decimal(1).scaleb(-places)
    units = int(total / step)
    whole = sum(weights)
    raw = [units * w / whole for w in weights]
    shares = [int(r) for r in raw]
    by_remainder = sorted(range(len(weights)), key=lambda i: raw[i] - shares[i], reverse=True)
    for i in by_remainder[: units - sum(shares)]:
        shares[i] += 1
    return [Decimal(s) * step for s in shares]


def _row(code: str, region: str, year: int, month: int, value: Decimal) -> StagedValue:
    last_month = month or 12
    return StagedValue(
        indicator_code=code,
        region_code=region,
        year=year,
        period_type="month" if month else "year",
        period=month,
        period_end=date(year, last_month, calendar.monthrange(year, last_month)[1]),
        value=value,
        provenance="statistics",
        note="演示数据:2025年1-9月工作报告",
    )


async def seed_indicator_values(session: AsyncSession) -> int:
    if (await session.execute(select(func.count()).select_from(IndicatorValue))).scalar_one() > 0:
        return 0
    rows = [
        _row(code, unit.code, year, month, share)
        for code, figures in SPREAD.items()
        for year, month, total in figures
        for unit, share in zip(UNITS, spread(Decimal(total), UNIT_WEIGHTS), strict=True)
    ]
    rows += [
        _row(code, CITY_CODE, year, month, Decimal(value))
        for code, figures in CITY.items()
        for year, month, value in figures
    ]
    # Through the write path every value takes, so the dashboards' summary follows (ingest.py).
    await write_values(await session.connection(), rows, recorded_by="demo")
    written = len(rows) + await _seed_monthly_reports(session)
    written += await _seed_pending_reviews(session)
    session.add_all(
        Target(indicator_code=code, region_code=CITY_CODE, year=2025, value=Decimal(value), set_by="demo")
        for code, value in TARGETS_2025.items()
    )
    await session.flush()
    return written


def _sent(day: date) -> datetime:
    return datetime.combine(day, time(10), tzinfo=LOCAL_TZ)


def _next_month(year: int, month: int, day: int) -> date:
    return date(year + month // 12, month % 12 + 1, day)


async def _seed_monthly_reports(session: AsyncSession) -> int:
    code, total, last_month = MONTHLY
    session.add(
        Obligation(
            indicator_code=code,
            region_code=None,
            period_type="month",
            due_day=DUE_DAY,
            requires_acceptance=False,
            active_from=date(2025, 1, 1),
            created_by="demo",
        )
    )
    by_time: dict[datetime, list[StagedValue]] = defaultdict(list)
    for index, (unit, share) in enumerate(zip(UNITS, spread(Decimal(total), UNIT_WEIGHTS), strict=True)):
        for month in range(1, last_month + 1):
            if (unit.code, month) in MISSING:
                continue
            day = LATE.get((unit.code, month), 3 + index % 7)
            figure = (
                share if month == last_month else (share * month / last_month).quantize(Decimal("0.0001"))
            )
            by_time[_sent(_next_month(2025, month, day))].append(_row(code, unit.code, 2025, month, figure))
    connection = await session.connection()
    for moment, rows in sorted(by_time.items()):
        await write_values(connection, rows, recorded_by="demo", recorded_at=moment)
    return sum(len(rows) for rows in by_time.values())


async def _seed_pending_reviews(session: AsyncSession) -> int:
    code, due_day, active_from = REVIEWED
    session.add(
        Obligation(
            indicator_code=code,
            region_code=None,
            period_type="quarter",
            due_day=due_day,
            requires_acceptance=True,
            active_from=active_from,
            created_by="demo",
        )
    )
    connection = await session.connection()
    for unit, value, day in PENDING:
        sent = _sent(date(2025, 9, day))
        row = StagedValue(
            code,
            unit,
            2025,
            "quarter",
            3,
            date(2025, 9, 30),
            Decimal(value),
            "administrative",
            "演示数据:待审核",
        )
        # Held for review, as a township's write is: not current until the bureau accepts it.
        await write_values(connection, [row], recorded_by=unit, recorded_at=sent, held=True)
        session.add(
            Submission(
                indicator_code=code,
                region_code=unit,
                year=2025,
                period_type="quarter",
                period=3,
                period_end=date(2025, 9, 30),
                revision=1,
                value=Decimal(value),
                status="submitted",
                first_submitted_at=sent,
                submitted_at=sent,
                submitted_by=unit,
            )
        )
    return len(PENDING)
