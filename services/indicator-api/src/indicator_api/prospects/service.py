"""Prospects (培育对象): a unit's registry enterprises that do not yet hold a qualification, assessed on
their declared figures by the cultivation rules and ranked by how close they are; coaching visits and
the candidate stage moves that followed them; and the unit's funnel from visit to certification."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import exists, func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from daye_kit.auth import Principal
from daye_kit.errors import InvalidInput
from daye_kit.pagination import Page, PageParams
from daye_kit.timestamps import local_today
from indicator_api.cultivation import rules
from indicator_api.cultivation.figures import CandidateFigures
from indicator_api.cultivation.models import Candidate, StageEvent
from indicator_api.cultivation.rules import Assessment, Program
from indicator_api.cultivation.schemas import Missing, Stage
from indicator_api.cultivation.service import ensure_township_access
from indicator_api.enterprises.models import Enterprise, EnterpriseFigures, Qualification
from indicator_api.enterprises.service import held_on, visible_enterprise
from indicator_api.prospects.models import CoachingVisit
from indicator_api.prospects.schemas import (
    Funnel,
    Prospect,
    Prospects,
    Shortfall,
    StageMove,
    VisitIn,
    VisitPublic,
)
from indicator_api.regions.service import get_region

# Conditions of 科技型中小企业 that report points or an alternative route rather than a requirement.
INFORMATIONAL = frozenset({"rd_score", "ip_score", "direct_route"})
ONE = Decimal(1)
_SHARE = Decimal("0.0001")


def _ratio(numerator: Decimal, denominator: Decimal) -> Decimal:
    return numerator / denominator if denominator > 0 else Decimal(0)


def _below(value: Decimal, needed: Decimal) -> Decimal:
    return _ratio(needed - value, needed)


def relative_gap(program: Program, code: str, f: CandidateFigures) -> Decimal:
    """How far a failing condition is from passing, 0 (just) to 1 (as far as it gets)."""
    staff_share = _ratio(Decimal(f.science_staff), Decimal(f.staff))
    gap: Decimal
    if code == "registered_one_year":
        gap = ONE - f.years_registered
    elif code == "science_staff_share" or code == "science_staff_score":
        gap = _below(staff_share, Decimal("0.10"))
    elif code == "rd_intensity":
        needed, _ = rules.rd_intensity_threshold(f.latest_revenue)
        intensity = _ratio(sum(f.rd_spend, Decimal(0)), sum(f.sales_revenue, Decimal(0)))
        gap = _below(intensity, needed)
    elif code == "rd_domestic_share":
        gap = _below(f.rd_domestic_share, Decimal("0.60"))
    elif code == "high_tech_revenue_share":
        gap = _below(_ratio(f.high_tech_revenue, f.latest_revenue), Decimal("0.60"))
    elif code == "innovation_score" and f.innovation_scores is not None:
        s = f.innovation_scores
        score = s.core_ip + s.conversion + s.rd_management + s.growth
        gap = _below(Decimal(score), Decimal(rules.HTE_PASS_SCORE))
    elif code == "staff_limit":
        gap = _ratio(Decimal(f.staff - 500), Decimal(f.staff))
    elif code == "revenue_limit":
        gap = _ratio(f.latest_revenue - 200 * rules.MILLION, f.latest_revenue)
    elif code == "assets_limit":
        gap = _ratio(f.total_assets - 200 * rules.MILLION, f.total_assets)
    elif code == "total_score":
        score = rules.assess_tech_sme(f).score or 0
        gap = _below(Decimal(score), Decimal(rules.TECH_SME_PASS_SCORE))
    else:  # a yes/no condition (field, IP, record, residence, category)
        gap = ONE
    return min(max(gap, Decimal(0)), ONE).quantize(_SHARE)


def shortfalls(
    program: Program, assessment: Assessment, figures: CandidateFigures
) -> tuple[list[Shortfall], int]:
    """The failing requirements of an assessment and how many requirements it has."""
    required = [c for c in assessment.conditions if c.code not in INFORMATIONAL]
    if assessment.eligible:
        return [], len(required)
    return [
        Shortfall(**Missing.of(c).model_dump(), relative_gap=relative_gap(program, c.code, figures))
        for c in required
        if not c.passed
    ], len(required)


def _assess(program: Program, figures: CandidateFigures) -> Assessment:
    return rules.assess_hte(figures) if program is Program.hte else rules.assess_tech_sme(figures)


async def prospects(
    session: AsyncSession,
    *,
    region_code: str,
    program: Program,
    limit: int,
    principal: Principal,
    as_of: date,
) -> Prospects:
    """The unit's enterprises not holding the qualification on `as_of`, closest first."""
    ensure_township_access(principal, region_code)
    await get_region(session, region_code)
    today = as_of
    held = exists().where(
        (col(Qualification.credit_code) == col(Enterprise.credit_code))
        & (col(Qualification.kind) == program.value)
        & held_on(today)
    )
    unit = select(col(Enterprise.credit_code)).where(col(Enterprise.region_code) == region_code)
    rows = (
        await session.execute(
            select(
                col(Enterprise.credit_code),
                col(Enterprise.name),
                col(EnterpriseFigures.figures),
                col(EnterpriseFigures.as_of),
            )
            .join(EnterpriseFigures, col(EnterpriseFigures.credit_code) == col(Enterprise.credit_code))
            .where(col(Enterprise.region_code) == region_code, ~held)
        )
    ).all()
    stages: dict[str, str] = {}
    for code, stage in await session.execute(
        select(col(Candidate.credit_code), col(Candidate.stage))
        .where(col(Candidate.program) == program.value, col(Candidate.credit_code).in_(unit))
        .order_by(col(Candidate.year), col(Candidate.id))
    ):
        stages[code] = stage  # the latest year's candidacy wins
    visits = dict(
        (
            await session.execute(
                select(col(CoachingVisit.credit_code), func.max(col(CoachingVisit.visited_on)))
                .where(col(CoachingVisit.program) == program.value, col(CoachingVisit.credit_code).in_(unit))
                .group_by(col(CoachingVisit.credit_code))
            )
        ).all()
    )
    ranked: list[tuple[Decimal, Decimal, str, Prospect]] = []
    for code, name, stored, as_of in rows:
        figures = CandidateFigures.model_validate(stored)
        missing, total = shortfalls(program, _assess(program, figures), figures)
        met = total - len(missing)
        closeness = (Decimal(met) / Decimal(total)).quantize(_SHARE)
        prospect = Prospect(
            credit_code=code,
            name=name,
            program=program,
            closeness=closeness,
            met=met,
            total=total,
            shortfalls=sorted(missing, key=lambda s: s.relative_gap or 0),
            stage=Stage(stages[code]) if code in stages else None,
            last_visit=visits.get(code),
            figures_as_of=as_of,
        )
        ranked.append(
            (-closeness, sum((s.relative_gap or Decimal(0) for s in missing), Decimal(0)), code, prospect)
        )
    ranked.sort(key=lambda r: (r[0], r[1], r[2]))
    return Prospects(
        region_code=region_code,
        program=program,
        as_of=today,
        items=[r[3] for r in ranked[:limit]],
        total=len(ranked),
    )


async def record_visit(
    session: AsyncSession, *, credit_code: str, data: VisitIn, principal: Principal
) -> VisitPublic:
    enterprise = await visible_enterprise(session, credit_code, principal)
    if data.visited_on > local_today():
        raise InvalidInput.field(
            "body.visited_on", "not_in_future", "a visit cannot be recorded ahead of its day"
        )
    visit = CoachingVisit(
        credit_code=credit_code,
        region_code=enterprise.region_code,
        program=data.program.value,
        visited_on=data.visited_on,
        visitor=data.visitor,
        advice=data.advice,
        created_by=principal.username,
    )
    session.add(visit)
    await session.flush()
    return (await _publics(session, [(visit, enterprise.name)]))[0]


async def _publics(session: AsyncSession, visits: Sequence[tuple[CoachingVisit, str]]) -> list[VisitPublic]:
    """The visits with the stage moves of the enterprise's candidates (same programme) on or after
    each visit's day, all in one query."""
    moves: dict[tuple[str, str], list[tuple[date, StageMove]]] = defaultdict(list)
    if visits:
        first = min(v.visited_on for v, _ in visits)
        for code, program, event in await session.execute(
            select(col(Candidate.credit_code), col(Candidate.program), StageEvent)
            .join(Candidate, col(Candidate.id) == col(StageEvent.candidate_id))
            .where(
                col(Candidate.credit_code).in_({v.credit_code for v, _ in visits}),
                col(StageEvent.on) >= first,
            )
            .order_by(col(StageEvent.on), col(StageEvent.id))
        ):
            moves[(code, program)].append(
                (
                    event.on,
                    StageMove(
                        candidate_id=event.candidate_id,
                        from_stage=Stage(event.from_stage) if event.from_stage else None,
                        to_stage=Stage(event.to_stage),
                        on=event.on,
                        by=event.by,
                    ),
                )
            )
    return [
        VisitPublic(
            id=v.id or 0,
            credit_code=v.credit_code,
            enterprise_name=name,
            region_code=v.region_code,
            program=Program(v.program),
            visited_on=v.visited_on,
            visitor=v.visitor,
            advice=v.advice,
            created_by=v.created_by,
            created_at=v.created_at,
            moves=[m for day, m in moves[(v.credit_code, v.program)] if day >= v.visited_on],
        )
        for v, name in visits
    ]


async def list_visits(
    session: AsyncSession,
    *,
    region_code: str,
    program: Program | None,
    credit_code: str | None,
    page: PageParams,
    principal: Principal,
) -> Page[VisitPublic]:
    ensure_township_access(principal, region_code)
    await get_region(session, region_code)
    query = (
        select(CoachingVisit, col(Enterprise.name))
        .join(Enterprise, col(Enterprise.credit_code) == col(CoachingVisit.credit_code))
        .where(col(CoachingVisit.region_code) == region_code)
    )
    if program is not None:
        query = query.where(col(CoachingVisit.program) == program.value)
    if credit_code is not None:
        query = query.where(col(CoachingVisit.credit_code) == credit_code)
    total = int((await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one())
    rows = (
        await session.execute(
            query.order_by(col(CoachingVisit.visited_on).desc(), col(CoachingVisit.id).desc())
            .limit(page.limit)
            .offset(page.offset)
        )
    ).all()
    return Page(items=await _publics(session, rows), total=total)


async def funnel(
    session: AsyncSession, *, region_code: str, program: Program, year: int, principal: Principal
) -> Funnel:
    ensure_township_access(principal, region_code)
    await get_region(session, region_code)
    visited = (
        select(col(CoachingVisit.credit_code))
        .where(
            col(CoachingVisit.region_code) == region_code,
            col(CoachingVisit.program) == program.value,
            col(CoachingVisit.visited_on) >= date(year, 1, 1),
            col(CoachingVisit.visited_on) <= date(year, 12, 31),
        )
        .distinct()
    )
    visited_count = int(
        (await session.execute(select(func.count()).select_from(visited.subquery()))).scalar_one()
    )
    of_year = (
        select(col(Candidate.stage), func.count())
        .where(
            col(Candidate.region_code) == region_code,
            col(Candidate.program) == program.value,
            col(Candidate.year) == year,
        )
        .group_by(col(Candidate.stage))
    )
    stages = dict.fromkeys(Stage, 0)
    for stage, count in await session.execute(of_year):
        stages[Stage(stage)] = count
    visited_stages = dict.fromkeys(Stage, 0)
    for stage, count in await session.execute(of_year.where(col(Candidate.credit_code).in_(visited))):
        visited_stages[Stage(stage)] = count
    return Funnel(
        region_code=region_code,
        program=program,
        year=year,
        visited=visited_count,
        candidates=sum(stages.values()),
        visited_candidates=sum(visited_stages.values()),
        stages=stages,
        visited_stages=visited_stages,
    )
