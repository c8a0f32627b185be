"""Reporting: obligations (报送任务) and exemptions (免报), completeness and timeliness (报送率、及时率),
overdue reports (逾期未报), and the review of submissions (报送审核)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from daye_kit.auth import AdminPrincipal
from daye_kit.db import SessionDep
from daye_kit.errors import json_rows, problem_responses, rows_located
from daye_kit.idempotency import IdempotencyDep
from daye_kit.ids import RowId
from daye_kit.pagination import Page
from daye_kit.timestamps import Day, local_today
from indicator_api.access import ReportingReaderPrincipal
from indicator_api.config import Settings
from indicator_api.deps import SettingsDep
from indicator_api.reporting import service
from indicator_api.reporting.schemas import (
    Completeness,
    ExemptionCreate,
    ExemptionPublic,
    ObligationCreate,
    ObligationPublic,
    Overdue,
    ReportingPeriodType,
    ReturnIn,
    SubmissionPublic,
    SubmissionStatus,
)

router = APIRouter(prefix="/api/v1/reporting", tags=["报送"])

AsOf = Annotated[Day | None, Query(description="统计日;默认平台报告日或今天")]
RegionQuery = Annotated[str | None, Query(max_length=32, description="报送单位代码;乡镇账号只看本单位")]
NOT_FOUND = {404: ["submission_not_found"], 409: ["submission_not_pending"]}


def _as_of(settings: Settings, as_of: date | None) -> date:
    return as_of or settings.reporting_as_of or local_today()


@router.get(
    "/obligations",
    summary="报送任务",
    description="哪些单位按月或按季报送哪些指标、次月几日前报送、是否须经审核。乡镇只看适用于本单位的。",
    responses=problem_responses(401, 403),
)
async def list_obligations(
    principal: ReportingReaderPrincipal, session: SessionDep
) -> Page[ObligationPublic]:
    rows = await service.list_obligations(session, principal=principal)
    return Page(items=[ObligationPublic.model_validate(o) for o in rows], total=len(rows))


@router.post(
    "/obligations",
    status_code=status.HTTP_201_CREATED,
    response_model=ObligationPublic,
    summary="设定报送任务",
    description="仅管理员。`region_code` 不填为全市每个乡镇(街道、园区)。",
    responses=problem_responses(401, 403, 422),
)
async def create_obligation(
    body: ObligationCreate, idempotency: IdempotencyDep, principal: AdminPrincipal, session: SessionDep
) -> Response:
    async def create() -> ObligationPublic:
        obligation = await service.create_obligation(session, data=body, principal=principal)
        return ObligationPublic.model_validate(obligation)

    with rows_located(json_rows("body", single=True)):
        return await idempotency.respond(body, create)


@router.get(
    "/exemptions",
    summary="免报",
    description="某单位某期免报(全部或某一指标)及理由。乡镇只看本单位的。",
    responses=problem_responses(401, 403, 422),
)
async def list_exemptions(
    principal: ReportingReaderPrincipal,
    session: SessionDep,
    year: Annotated[int | None, Query(ge=1990, le=2100, description="年度")] = None,
) -> Page[ExemptionPublic]:
    rows = await service.list_exemptions(session, principal=principal, year=year)
    return Page(items=[ExemptionPublic.model_validate(e) for e in rows], total=len(rows))


@router.post(
    "/exemptions",
    status_code=status.HTTP_201_CREATED,
    response_model=ExemptionPublic,
    summary="设定免报",
    description="仅管理员;须写明理由。免报的单位不计入该期应报数。",
    responses=problem_responses(401, 403, 422),
)
async def create_exemption(
    body: ExemptionCreate, idempotency: IdempotencyDep, principal: AdminPrincipal, session: SessionDep
) -> Response:
    async def create() -> ExemptionPublic:
        return ExemptionPublic.model_validate(
            await service.create_exemption(session, data=body, principal=principal)
        )

    with rows_located(json_rows("body", single=True)):
        return await idempotency.respond(body, create)


@router.get(
    "/completeness",
    summary="报送完整性与及时性",
    description="每个单位每期:应报、已报、按时、逾期补报、未报、免报,及报送率(已报 ÷ 应报)与及时率"
    "(按时 ÷ 应报)。报送时间以服务器首次记录该期数值的时间为准(退回后重报不变)。"
    "不指定 `period` 时为该年截至统计日已结束的各期。",
    responses=problem_responses(401, 403, 422),
)
async def read_completeness(
    principal: ReportingReaderPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    year: Annotated[int | None, Query(ge=1990, le=2100, description="年度;默认统计日所在年")] = None,
    period_type: Annotated[ReportingPeriodType, Query(description="month 月报 / quarter 季报")] = (
        ReportingPeriodType.month
    ),
    period: Annotated[int | None, Query(ge=1, le=12, description="月份或季度")] = None,
    region_code: RegionQuery = None,
    indicator_code: Annotated[str | None, Query(max_length=64, description="只看某一指标")] = None,
    as_of: AsOf = None,
) -> Completeness:
    day = _as_of(settings, as_of)
    return await service.completeness(
        session,
        city_code=settings.city_code,
        year=year or day.year,
        period_type=period_type.value,
        period=period,
        region_code=service.scope_region(principal, region_code),
        as_of=day,
        indicator_code=indicator_code,
    )


@router.get(
    "/overdue",
    summary="逾期未报",
    description="已过报送期限仍未报送(且未免报)的指标,本年与上年。乡镇只看本单位。",
    responses=problem_responses(401, 403, 422),
)
async def read_overdue(
    principal: ReportingReaderPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    region_code: RegionQuery = None,
    as_of: AsOf = None,
) -> Overdue:
    day = _as_of(settings, as_of)
    items = await service.overdue(
        session,
        city_code=settings.city_code,
        region_code=service.scope_region(principal, region_code),
        as_of=day,
    )
    return Overdue(as_of=day, items=items, total=len(items))


@router.get(
    "/submissions",
    summary="报送审核队列",
    description="须经审核的指标的报送:submitted 待审核 / accepted 已采纳 / returned 已退回。乡镇只看本单位。",
    responses=problem_responses(401, 403, 422),
)
async def list_submissions(
    principal: ReportingReaderPrincipal,
    session: SessionDep,
    status_: Annotated[SubmissionStatus | None, Query(alias="status", description="状态")] = None,
    region_code: RegionQuery = None,
) -> Page[SubmissionPublic]:
    rows = await service.list_submissions(
        session, principal=principal, status=status_, region_code=region_code
    )
    return Page(items=[SubmissionPublic.model_validate(s) for s in rows], total=len(rows))


@router.post(
    "/submissions/{submission_id}/accept",
    summary="采纳报送",
    description="仅管理员。采纳后该数值成为当前数值,计入总览与进度。",
    responses=problem_responses(401, 403, 404, 409, 422, codes=NOT_FOUND),
)
async def accept_submission(
    submission_id: RowId, principal: AdminPrincipal, session: SessionDep
) -> SubmissionPublic:
    submission = await service.accept(session, submission_id=submission_id, principal=principal)
    return SubmissionPublic.model_validate(submission)


@router.post(
    "/submissions/{submission_id}/return",
    summary="退回报送",
    description="仅管理员;须写明理由。乡镇更正后重报,状态回到待审核,首次报送时间不变。",
    responses=problem_responses(401, 403, 404, 409, 422, codes=NOT_FOUND),
)
async def return_submission(
    submission_id: RowId, body: ReturnIn, principal: AdminPrincipal, session: SessionDep
) -> SubmissionPublic:
    submission = await service.return_submission(
        session, submission_id=submission_id, reason=body.reason, principal=principal
    )
    return SubmissionPublic.model_validate(submission)
