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
from datetime import date
from decimal import Decimal

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from daye_demo.enterprises import UNIT_WEIGHTS
from daye_demo.indicator.units import CITY_CODE, UNITS
from indicator_api.indicators.ingest import StagedValue, write_values
from indicator_api.indicators.models import IndicatorValue, Target

# code: [(year, month or 0 for the whole year, value)], spread over the units
SPREAD: dict[str, list[tuple[int, int, str]]] = {
    # 27.84 / 1.087 to four places: the report's 8.7% growth is of the unrounded prior figure.
    "rd_expenditure": [(2023, 0, "25.6119"), (2024, 0, "27.84")],
    "rd_personnel": [(2023, 0, "8821"), (2024, 0, "8920")],
    "new_product_sales": [(2023, 0, "389.20"), (2024, 0, "397.45")],
    "rd_institutions": [(2023, 0, "284"), (2024, 0, "341")],
    "tech_contract_turnover": [(2025, 9, "34.25")],
}
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
    session.add_all(
        Target(indicator_code=code, region_code=CITY_CODE, year=2025, value=Decimal(value), set_by="demo")
        for code, value in TARGETS_2025.items()
    )
    await session.flush()
    return len(rows)
