"""Policies that reach every enterprise: /api/v1/enterprises/{credit_code}/policies, its outreach,
and /api/v1/outreach/coverage."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from daye_kit.credit_code import CreditCode
from daye_kit.db import ReadSessionDep, SessionDep
from daye_kit.errors import problem_responses
from daye_kit.idempotency import IdempotencyDep
from daye_kit.pagination import Page, PageDep
from indicator_api.access import (
    CoverageReaderPrincipal,
    OutreachWriterPrincipal,
    PolicyReaderPrincipal,
)
from indicator_api.config import Settings
from indicator_api.deps import FundingDep, SettingsDep
from indicator_api.policies import service
from indicator_api.policies.schemas import EnterprisePolicies, OutreachCoverage, OutreachIn, OutreachPublic

router = APIRouter(prefix="/api/v1", tags=["政策"])
CreditCodePath = Annotated[CreditCode, Path(description="统一社会信用代码")]
FUNDING_DOWN = (
    "funding-api 不可用时 503 `peer_unavailable`(不给出缺少资金项目的残缺答案);答复无法识别时 502。"
)


def as_of(settings: Settings) -> date:
    return settings.as_of_day()


@router.get(
    "/enterprises/{credit_code}/policies",
    summary="企业可享受的政策",
    description="我能享受的政策:高企、科技型中小企业、新物种三项资质与 funding-api 的资金项目,逐项给出状态"
    "(held 已持有/已获奖补、eligible_now 现在即可获得、next 差少数条件、not_eligible 暂不符合)、金额、"
    "差距与依据。依据企业库资质、企业申报的经营数据(按认定规则测算)、资金项目的无申请兑现规则与该企业的奖补。"
    "企业本身、所属乡镇、管理员与审计员可查;他单位企业按不存在处理。" + FUNDING_DOWN,
    responses=problem_responses(401, 403, 404, 422, 502, 503, codes={404: ["enterprise_not_found"]}),
)
async def read_enterprise_policies(
    credit_code: CreditCodePath,
    principal: PolicyReaderPrincipal,
    session: ReadSessionDep,
    settings: SettingsDep,
    funding: FundingDep,
) -> EnterprisePolicies:
    return await service.enterprise_policies(
        session, funding=funding, credit_code=credit_code, principal=principal, as_of=as_of(settings)
    )


@router.post(
    "/enterprises/{credit_code}/outreach",
    status_code=status.HTTP_201_CREATED,
    response_model=OutreachPublic,
    summary="记录政策触达",
    description="乡镇(本单位企业)或管理员记录一次政策触达:"
    "informed 已告知、visited 已上门、applied 已辅导申报,"
    "可注明所涉政策代码。计入记录时企业所属乡镇的覆盖率。",
    responses=problem_responses(401, 403, 404, 422, codes={404: ["enterprise_not_found"]}),
)
async def record_outreach(
    credit_code: CreditCodePath,
    body: OutreachIn,
    idempotency: IdempotencyDep,
    principal: OutreachWriterPrincipal,
    session: SessionDep,
) -> Response:
    return await idempotency.respond(
        body,
        lambda: service.record_outreach(session, credit_code=credit_code, data=body, principal=principal),
    )


@router.get(
    "/enterprises/{credit_code}/outreach",
    summary="企业的政策触达记录",
    description="按发生日期从新到旧。企业本身、所属乡镇、管理员与审计员可查。",
    responses=problem_responses(401, 403, 404, 422, codes={404: ["enterprise_not_found"]}),
)
async def list_outreach(
    credit_code: CreditCodePath, principal: PolicyReaderPrincipal, session: ReadSessionDep, page: PageDep
) -> Page[OutreachPublic]:
    items, total = await service.list_outreach(
        session, credit_code=credit_code, principal=principal, page=page
    )
    return Page(items=items, total=total)


@router.get(
    "/outreach/coverage",
    summary="政策触达覆盖率",
    description="各乡镇:现在即可获得至少一项政策(符合认定条件的资质,或应兑未兑的奖补)的企业数、"
    "其中本年度已触达(告知、上门或辅导申报)的企业数与覆盖率。" + FUNDING_DOWN,
    responses=problem_responses(401, 403, 422, 502, 503),
)
async def read_outreach_coverage(
    _: CoverageReaderPrincipal,
    session: ReadSessionDep,
    settings: SettingsDep,
    funding: FundingDep,
    year: Annotated[
        int | None, Query(ge=2000, le=2100, description="统计触达的年度;缺省为测算日期所在年度")
    ] = None,
) -> OutreachCoverage:
    day = as_of(settings)
    return await service.coverage(
        session, funding=funding, city_code=settings.city_code, year=year or day.year, as_of=day
    )
