"""Prospects per unit, coaching visits and the unit's cultivation funnel."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from daye_kit.credit_code import CreditCode
from daye_kit.db import ReadSessionDep, SessionDep
from daye_kit.errors import problem_responses
from daye_kit.idempotency import IdempotencyDep
from daye_kit.pagination import Page, PageDep
from indicator_api.access import ProspectReaderPrincipal, VisitWriterPrincipal
from indicator_api.cultivation.rules import Program
from indicator_api.deps import SettingsDep
from indicator_api.prospects import service
from indicator_api.prospects.schemas import Funnel, Prospects, VisitIn, VisitPublic

router = APIRouter(prefix="/api/v1", tags=["企业培育"])
RegionPath = Annotated[str, Path(max_length=32, description="单位(乡镇)代码")]
ProgramQuery = Annotated[Program, Query(description="培育方向:hte 高新技术企业 / tech_sme 科技型中小企业")]


@router.get(
    "/regions/{region_code}/prospects",
    summary="培育对象(潜力企业)",
    description="本单位企业库中尚未持有该资质、已有经营数据的企业,按现行认定规则逐项评估,"
    "按接近程度排列(满足条件的比例,其次差距之和):每家给出未满足的条件及差距、候选阶段和最近走访日期。"
    "管理员、审计员和本乡镇可读,其他乡镇 403。",
    responses=problem_responses(401, 403, 404, 422, codes={404: ["region_not_found"]}),
)
async def list_prospects(
    region_code: RegionPath,
    principal: ProspectReaderPrincipal,
    session: ReadSessionDep,
    settings: SettingsDep,
    program: ProgramQuery = Program.hte,
    limit: Annotated[int, Query(ge=1, le=500, description="最多返回几家")] = 50,
) -> Prospects:
    return await service.prospects(
        session,
        region_code=region_code,
        program=program,
        limit=limit,
        principal=principal,
        as_of=settings.as_of_day(),
    )


@router.post(
    "/enterprises/{credit_code}/coaching-visits",
    status_code=status.HTTP_201_CREATED,
    response_model=VisitPublic,
    summary="记录走访辅导",
    description="企业所在乡镇或管理员记录一次走访辅导(日期不晚于今天)。其他乡镇得到 404。",
    responses=problem_responses(401, 403, 404, 422, codes={404: ["enterprise_not_found"]}),
)
async def record_visit(
    credit_code: Annotated[CreditCode, Path(description="统一社会信用代码")],
    body: VisitIn,
    idempotency: IdempotencyDep,
    principal: VisitWriterPrincipal,
    session: SessionDep,
) -> Response:
    return await idempotency.respond(
        body, lambda: service.record_visit(session, credit_code=credit_code, data=body, principal=principal)
    )


@router.get(
    "/regions/{region_code}/coaching-visits",
    summary="走访记录",
    description="本单位的走访辅导记录,最近的在前;每条附该企业该方向候选记录在走访之后的阶段变动。"
    "管理员、审计员和本乡镇可读。",
    responses=problem_responses(401, 403, 404, 422, codes={404: ["region_not_found"]}),
)
async def list_visits(
    region_code: RegionPath,
    principal: ProspectReaderPrincipal,
    session: ReadSessionDep,
    page: PageDep,
    program: Annotated[Program | None, Query(description="只看这一培育方向")] = None,
    credit_code: Annotated[str | None, Query(max_length=18, description="只看这家企业")] = None,
) -> Page[VisitPublic]:
    return await service.list_visits(
        session,
        region_code=region_code,
        program=program,
        credit_code=credit_code,
        page=page,
        principal=principal,
    )


@router.get(
    "/regions/{region_code}/funnel",
    summary="培育漏斗",
    description="本单位当年:走访过的企业数 → 候选企业数(其中走访过的) → 各阶段的候选企业数。"
    "管理员、审计员和本乡镇可读。",
    responses=problem_responses(401, 403, 404, 422, codes={404: ["region_not_found"]}),
)
async def read_funnel(
    region_code: RegionPath,
    principal: ProspectReaderPrincipal,
    session: ReadSessionDep,
    settings: SettingsDep,
    program: ProgramQuery = Program.hte,
    year: Annotated[int | None, Query(ge=2000, le=2100, description="年度;默认平台当前日期所在年度")] = None,
) -> Funnel:
    return await service.funnel(
        session,
        region_code=region_code,
        program=program,
        year=year or settings.as_of_day().year,
        principal=principal,
    )
