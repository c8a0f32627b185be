"""Demo cultivation: 106 high-tech applications filed in 2025 by the end of September (the report's
figure), more candidates in reserve and coaching, and township quotas under which some townships
are visibly behind the pace of the year."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from random import Random
from typing import Any

from sqlalchemy import func, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from daye_demo.enterprises import DEMO_ENTERPRISES, DemoEnterprise
from daye_demo.indicator.indicators import spread
from daye_demo.indicator.units import UNITS
from indicator_api.cultivation import rules
from indicator_api.cultivation.figures import CandidateFigures
from indicator_api.cultivation.models import Candidate, Quota, StageEvent

HTE_APPLIED_2025 = 106
HTE_IN_RESERVE = 48
TECH_SME_IN_RESERVE = 24
# Quotas lean on some units more than their enterprises would justify, so those fall behind.
QUOTA_WEIGHTS = (8, 9, 6, 5, 6, 6, 5, 5, 5, 5, 5, 4, 3, 3, 4, 3, 10)
QUOTAS_2025 = {"hte_applications": Decimal(154), "tech_sme_registered": Decimal(1000)}


def _figures(rng: Random, strong: bool) -> CandidateFigures:
    revenue = Decimal(rng.randint(8, 180)) * 1_000_000
    intensity = Decimal(rng.randint(45, 80) if strong else rng.randint(15, 45)) / 1000
    staff = rng.randint(40, 400)
    return CandidateFigures(
        years_registered=Decimal(rng.randint(2, 20)),
        staff=staff,
        science_staff=int(staff * (rng.randint(12, 35) if strong else rng.randint(5, 20)) / 100),
        sales_revenue=[(revenue * Decimal(f) / 100).quantize(Decimal("0.01")) for f in (82, 91, 100)],
        rd_spend=[(revenue * intensity * Decimal(f) / 100).quantize(Decimal("0.01")) for f in (82, 91, 100)],
        total_costs=(revenue * Decimal("0.86")).quantize(Decimal("0.01")),
        total_assets=(revenue * Decimal("1.3")).quantize(Decimal("0.01")),
        high_tech_revenue=(
            revenue * Decimal(rng.randint(62, 90) if strong else rng.randint(30, 70)) / 100
        ).quantize(Decimal("0.01")),
        ip={"class_1": rng.randint(1, 4) if strong else 0, "class_2": rng.randint(0, 8)},
        innovation_scores={
            "core_ip": rng.randint(16, 28),
            "conversion": rng.randint(16, 28),
            "rd_management": rng.randint(10, 18),
            "growth": rng.randint(6, 18),
        },
    )


def _at(day: date) -> datetime:
    return datetime.combine(day, time(9, 30)).astimezone()


async def seed_cultivation(session: AsyncSession) -> int:
    if (await session.execute(select(func.count()).select_from(Candidate))).scalar_one() > 0:
        return 0
    rng = Random(106)
    holders = {e.credit_code for e in DEMO_ENTERPRISES if any(k == "hte" for k, _ in e.qualifications)}
    pool = [e for e in DEMO_ENTERPRISES if e.credit_code not in holders]
    rng.shuffle(pool)
    plan: list[tuple[DemoEnterprise, str, list[tuple[str, date]]]] = []
    for e in pool[:HTE_APPLIED_2025]:
        entered = date(2025, 1, 6) + timedelta(days=rng.randint(0, 90))
        applied = entered + timedelta(days=rng.randint(20, 170))
        applied = min(applied, date(2025, 9, 26))
        plan.append(
            (
                e,
                "hte",
                [("reserve", entered), ("coached", entered + timedelta(days=10)), ("applied", applied)],
            )
        )
    for e in pool[HTE_APPLIED_2025 : HTE_APPLIED_2025 + HTE_IN_RESERVE]:
        entered = date(2025, 3, 1) + timedelta(days=rng.randint(0, 200))
        plan.append(
            (
                e,
                "hte",
                [("reserve", entered)]
                + ([("coached", entered + timedelta(days=14))] if rng.random() < 0.5 else []),
            )
        )
    others = [e for e in pool if not e.qualifications][:TECH_SME_IN_RESERVE]
    for e in others:
        plan.append((e, "tech_sme", [("reserve", date(2025, 6, 1) + timedelta(days=rng.randint(0, 100)))]))

    for number, (e, program, moves) in enumerate(plan):
        figures = _figures(rng, strong=program == "hte" and number < HTE_APPLIED_2025)
        assessed = rules.assess(figures)
        last_stage, last_day = moves[-1]
        candidate = Candidate(
            region_code=e.region_code,
            credit_code=e.credit_code,
            program=program,
            year=2025,
            stage=last_stage,
            figures=figures.model_dump(mode="json"),
            eligible_tech_sme=assessed[rules.Program.tech_sme].eligible,
            eligible_hte=assessed[rules.Program.hte].eligible,
            ruleset=rules.RULESET_VERSION,
            tech_sme_score=assessed[rules.Program.tech_sme].score,
            hte_score=assessed[rules.Program.hte].score,
            created_by=e.region_code,
            created_at=_at(moves[0][1]),
            stage_changed_at=_at(last_day),
            stage_changed_by=e.region_code,
        )
        session.add(candidate)
        await session.flush()
        previous: str | None = None
        for stage, day in moves:
            session.add(
                StageEvent(
                    candidate_id=candidate.id or 0,
                    from_stage=previous,
                    to_stage=stage,
                    on=day,
                    by=e.region_code,
                    note="演示数据",
                    at=_at(day),
                )
            )
            previous = stage
    rows: list[dict[str, Any]] = [
        {"region_code": unit.code, "year": 2025, "measure": measure, "quota": int(share), "set_by": "demo"}
        for measure, total in QUOTAS_2025.items()
        for unit, share in zip(UNITS, spread(total, QUOTA_WEIGHTS), strict=True)
    ]
    await session.execute(insert(Quota), rows)
    await session.flush()
    return len(plan)
