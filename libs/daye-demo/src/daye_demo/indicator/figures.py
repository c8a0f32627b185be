"""Demo figures of every registry enterprise (企业经营数据): a candidate's submitted figures where it
is one, otherwise generated: some meet every condition, many miss one or two by a little (the
prospects a township coaches), the rest are far off."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from random import Random
from typing import Any

from sqlalchemy import func, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from daye_demo.enterprises import DEMO_ENTERPRISES, DemoEnterprise
from daye_kit.timestamps import utcnow
from indicator_api.cultivation.figures import CandidateFigures
from indicator_api.cultivation.models import Candidate
from indicator_api.cultivation.rules import rd_intensity_threshold
from indicator_api.enterprises.models import EnterpriseFigures

AS_OF = date(2025, 6, 30)
NEAR_MISSES = (
    "rd_intensity",
    "science_staff_share",
    "high_tech_revenue_share",
    "innovation_score",
    "core_ip",
)


def _money(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"))


def demo_figures(rng: Random, e: DemoEnterprise, tier: str) -> CandidateFigures:
    """`tier`: "strong" meets every 高企 condition, "near" misses one or two by a little, "far" is far."""
    strong = tier != "far"
    revenue = Decimal(rng.randint(6, 260 if strong else 120)) * 1_000_000
    needed, _ = rd_intensity_threshold(revenue)
    staff = rng.randint(25, 450)
    misses = set(rng.sample(NEAR_MISSES, rng.choice((1, 1, 2)))) if tier == "near" else set()
    if strong:
        intensity = needed + Decimal(rng.randint(2, 25)) / 1000
        staff_share = Decimal(rng.randint(11, 32)) / 100
        ht_share = Decimal(rng.randint(62, 90)) / 100
        scores = (rng.randint(18, 28), rng.randint(18, 28), rng.randint(13, 18), rng.randint(12, 18))
    else:
        intensity = Decimal(rng.randint(5, 30)) / 1000
        staff_share = Decimal(rng.randint(3, 12)) / 100
        ht_share = Decimal(rng.randint(15, 62)) / 100
        scores = (rng.randint(6, 20), rng.randint(6, 20), rng.randint(4, 14), rng.randint(4, 14))
    if "rd_intensity" in misses:
        intensity = needed - Decimal(rng.randint(1, 8)) / 1000
    if "science_staff_share" in misses:
        staff_share = Decimal(rng.randint(7, 9)) / 100
    if "high_tech_revenue_share" in misses:
        ht_share = Decimal(rng.randint(52, 59)) / 100
    if "innovation_score" in misses:
        scores = (scores[0], scores[1] - rng.randint(3, 6), 10, 8)
    ip_1 = 0 if "core_ip" in misses else rng.randint(1, 5) if strong else rng.choice((0, 0, 1))
    ip_2 = 0 if "core_ip" in misses else rng.randint(0, 9)
    years = Decimal((AS_OF - e.registered_on).days // 365) if e.registered_on <= AS_OF else Decimal(0)
    return CandidateFigures(
        years_registered=min(years, Decimal(200)),
        staff=staff,
        science_staff=int(staff * staff_share),
        sales_revenue=[_money(revenue * Decimal(f) / 100) for f in (80, 90, 100)],
        rd_spend=[_money(revenue * intensity * Decimal(f) / 100) for f in (80, 90, 100)],
        rd_domestic_share=Decimal(1),
        total_costs=_money(revenue * Decimal("0.86")),
        total_assets=_money(revenue * Decimal(rng.randint(90, 160)) / 100),
        high_tech_revenue=_money(revenue * ht_share),
        ip={"class_1": ip_1, "class_2": ip_2},
        innovation_scores={
            "core_ip": scores[0],
            "conversion": scores[1],
            "rd_management": scores[2],
            "growth": scores[3],
        },
    )


def _tier(rng: Random, e: DemoEnterprise) -> str:
    if e.holds("hte"):
        return "strong"
    draw = rng.random()
    return "strong" if draw < 0.12 else "near" if draw < 0.50 else "far"


async def seed_figures(session: AsyncSession) -> int:
    if (await session.execute(select(func.count()).select_from(EnterpriseFigures))).scalar_one() > 0:
        return 0
    submitted: dict[str, dict[str, Any]] = {}
    for code, figures in await session.execute(
        select(col(Candidate.credit_code), col(Candidate.figures)).order_by(col(Candidate.id))
    ):
        submitted[code] = figures
    rng = Random(2025_06_30)
    now = utcnow()
    rows = []
    for e in DEMO_ENTERPRISES:
        figures = demo_figures(rng, e, _tier(rng, e)).model_dump(mode="json")
        rows.append(
            {
                "credit_code": e.credit_code,
                "figures": submitted.get(e.credit_code, figures),
                "as_of": AS_OF,
                "source": "candidate" if e.credit_code in submitted else "declared",
                "updated_by": "demo",
                "updated_at": now,
            }
        )
    await session.execute(insert(EnterpriseFigures), rows)
    return len(rows)
