"""Closed periods (关账): the bureau closes a quarter or a month, and reopens one with a reason."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from daye_kit.auth import CurrentPrincipal
from daye_kit.db import SessionDep
from daye_kit.errors import problem_responses
from daye_kit.timestamps import local_today
from indicator_api.access import PeriodManagerPrincipal
from indicator_api.deps import FundingDep, MatchingDep, SettingsDep
from indicator_api.periods import service
from indicator_api.periods.schemas import PeriodDetail, PeriodPage, ReopenIn
from indicator_api.reports import service as reports

router = APIRouter(prefix="/api/v1/periods", tags=["关账"])

KeyPath = Annotated[
    str, Path(description="期间:季度 `2025-Q3` 或月份 `2025-08`", examples=["2025-Q3"], max_length=7)
]


@router.get(
    "",
    summary="期间与关账状态",
    description="一个年度的 4 个季度与 12 个月及其关账状态。已关账(closed)的期间拒绝改变其数字的写入"
    "(409 `period_closed`):指标数值、技术合同签订日、培育阶段变动日期,以及科创供应链的对接结果"
    "和资金拨付日期(matching-api、funding-api 经发件箱获知关账)。关账季度内的月份同样关账。",
    responses=problem_responses(401, 422),
)
async def list_periods(
    _: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    year: Annotated[int | None, Query(ge=2000, le=2100, description="年度;缺省为当前年度")] = None,
) -> PeriodPage:
    chosen = year or (settings.reporting_as_of or local_today()).year
    items = await service.list_periods(session, year=chosen)
    return PeriodPage(items=items, total=len(items))


@router.get(
    "/{key}",
    summary="期间详情与历史",
    description="一个期间的关账状态,以及每次关账、重新打开与到期自动再关账(谁、何时、理由)。",
    responses=problem_responses(401, 422),
)
async def read_period(key: KeyPath, _: CurrentPrincipal, session: SessionDep) -> PeriodDetail:
    return await service.read_period(session, key=key)


@router.post(
    "/{key}/close",
    summary="关账",
    description="关闭一个已结束的季度或月份:此后改变其数字的写入一律拒绝(409 `period_closed`)。"
    "关闭季度即关闭其三个月份。季度**首次**关账时发布其季度报告:发布版本即关账时的报告,"
    "此后重新打开、更正、再关账都不改变发布版本(`GET /api/v1/reports/quarterly?version=published`),"
    "更正后的差异见 `GET /api/v1/reports/quarterly/differences`。",
    responses=problem_responses(
        401,
        403,
        409,
        422,
        codes={409: ["period_already_closed", "period_not_ended"], 422: ["period_key"]},
    ),
)
async def close_period(
    key: KeyPath,
    principal: PeriodManagerPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    matching: MatchingDep,
    funding: FundingDep,
) -> PeriodDetail:
    async def build_report(year: int, quarter: int) -> dict[str, Any]:
        report = await reports.build(
            session,
            city_code=settings.city_code,
            year=year,
            quarter=quarter,
            matching=matching,
            funding=funding,
        )
        return report.model_dump(mode="json")

    return await service.close(session, key=key, actor=principal.username, build_report=build_report)


@router.post(
    "/{key}/reopen",
    summary="重新打开已关账的期间",
    description="须写明理由 (`reason`)。重新打开 7 天后自动再关账 (`recloses_at`),无需操作;"
    "其间可更正该期间的数字。关账季度内的月份不能单独打开,请打开季度。",
    responses=problem_responses(
        401, 403, 409, 422, codes={409: ["period_not_closed", "quarter_closed"], 422: ["period_key"]}
    ),
)
async def reopen_period(
    key: KeyPath, body: ReopenIn, principal: PeriodManagerPrincipal, session: SessionDep
) -> PeriodDetail:
    return await service.reopen(session, key=key, reason=body.reason, actor=principal.username)
