"""Indicators: the catalogue, values, targets, progress and the dashboard; and the same in Excel
(the values template and its upload under /imports, downloads under /exports)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, Response, UploadFile, status

from daye_kit.audit import AuditDep
from daye_kit.auth import AdminPrincipal, CurrentPrincipal
from daye_kit.db import SessionDep
from daye_kit.errors import json_rows, problem_responses, rows_located
from daye_kit.idempotency import IdempotencyDep
from daye_kit.pagination import ChangesDep, Page, PageDep
from daye_kit.spreadsheets import MAX_BYTES, XLSX, cells, download, read_rows
from daye_kit.timestamps import Day
from indicator_api.access import ValueWriterPrincipal
from indicator_api.deps import SettingsDep
from indicator_api.indicators import excel, service
from indicator_api.indicators.progress import Pace, default_as_of
from indicator_api.indicators.schemas import (
    BulkResult,
    BulkValues,
    Dashboard,
    IndicatorCreate,
    IndicatorPublic,
    IndicatorUpdate,
    ProgressPublic,
    TargetIn,
    TargetPublic,
    ValueIn,
    ValuePublic,
)
from indicator_api.regions.service import get_region
from indicator_api.reporting import service as reporting

router = APIRouter(prefix="/api/v1", tags=["指标"])
exports = APIRouter(prefix="/api/v1/exports", tags=["导出"])
imports = APIRouter(prefix="/api/v1/imports", tags=["导入"])

Year = Annotated[int, Query(ge=1990, le=2100, description="年度", examples=[2025])]
AsOf = Annotated[Day | None, Query(description="截至日期;默认该年 12 月 31 日与今天中较早者")]
Region = Annotated[str | None, Query(max_length=32, description="报送单位代码;默认全市")]
PaceQuery = Annotated[
    Pace, Query(description="时间进度口径:day 按天 / month 按已过完整月 / quarter 按已过完整季度")
]


@router.get("/indicators", summary="指标目录", responses=problem_responses(401))
async def list_indicators(
    _: CurrentPrincipal,
    session: SessionDep,
    category: Annotated[str | None, Query(description="按类别")] = None,
) -> Page[IndicatorPublic]:
    indicators = await service.list_indicators(session, category=category)
    return Page(items=[IndicatorPublic.model_validate(i) for i in indicators], total=len(indicators))


@router.post(
    "/indicators",
    status_code=status.HTTP_201_CREATED,
    response_model=IndicatorPublic,
    summary="新增指标",
    description="仅管理员。",
    responses=problem_responses(401, 403, 409, 422, codes={409: ["indicator_exists"]}),
)
async def create_indicator(
    body: IndicatorCreate, idempotency: IdempotencyDep, _: AdminPrincipal, session: SessionDep
) -> Response:
    async def create() -> IndicatorPublic:
        return IndicatorPublic.model_validate(await service.create_indicator(session, body))

    with rows_located(json_rows("body", single=True)):
        return await idempotency.respond(body, create)


@router.get(
    "/indicators/{code}",
    summary="指标详情",
    responses=problem_responses(401, 404, codes={404: ["indicator_not_found"]}),
)
async def read_indicator(code: str, _: CurrentPrincipal, session: SessionDep) -> IndicatorPublic:
    return IndicatorPublic.model_validate(await service.get_indicator(session, code))


@router.patch(
    "/indicators/{code}",
    summary="修改指标",
    description="仅管理员;代码、单位与累计方式不可改。",
    responses=problem_responses(401, 403, 404, 422, codes={404: ["indicator_not_found"]}),
)
async def update_indicator(
    code: str, body: IndicatorUpdate, _: AdminPrincipal, session: SessionDep
) -> IndicatorPublic:
    return IndicatorPublic.model_validate(await service.update_indicator(session, code, body))


@router.post(
    "/indicators/{code}/values",
    summary="报送指标数值",
    description="数值为十进制字符串(指标单位)。与当前值相同则不重复写入(200);不同则作为新修订写入(201),"
    "旧值保留可查。管理员可报任一单位,乡镇只能报本单位,服务账号(其他服务)可报任一单位。",
    responses={
        **problem_responses(
            401, 403, 404, 409, 422, codes={404: ["indicator_not_found"], 409: ["concurrent_revision"]}
        ),
        200: {"description": "与当前值相同,未写入", "model": ValuePublic},
    },
    status_code=status.HTTP_201_CREATED,
)
async def record_value(
    code: str,
    body: ValueIn,
    principal: ValueWriterPrincipal,
    session: SessionDep,
    response: Response,
    audit: AuditDep,
) -> ValuePublic:
    with rows_located(json_rows("body", single=True)):
        value, written = await service.record_value(session, code=code, data=body, principal=principal)
    if not written:
        response.status_code = status.HTTP_200_OK
        audit.answered(status.HTTP_200_OK)
    return ValuePublic.model_validate(value)


@router.get(
    "/indicators/{code}/values",
    summary="指标数值",
    description="默认每期只给最新修订;`history=true` 给出全部修订。乡镇只看本单位与全市。按单位、期末分页。"
    "增量读取:`updated_since` 与 `after`(上一页的 `next_cursor`)按写入时间升序给出新写入的数值"
    "(数值从不改写:更正是新修订,旧修订在不带 `history` 的读取中随之消失,按指标、单位、期别对应)。",
    responses=problem_responses(401, 403, 404, 422),
)
async def list_values(
    code: str,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    page: PageDep,
    changes: ChangesDep,
    region: Annotated[str | None, Query(max_length=32, description="报送单位代码")] = None,
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    history: Annotated[bool, Query(description="包含被更正的旧修订")] = False,
) -> Page[ValuePublic]:
    return await service.page_values(
        session,
        code=code,
        region_code=region,
        year=year,
        history=history,
        principal=principal,
        city_code=settings.city_code,
        page=page,
        changes=changes,
    )


@router.post(
    "/indicator-values/bulk",
    summary="批量报送指标数值",
    description="全部成功或全部不写入:任一行有误,整批拒绝,并逐行指出错误(`body.items.3.region_code`)。",
    responses=problem_responses(401, 403, 409, 422, codes={409: ["concurrent_revision"]}),
)
async def record_values_in_bulk(
    body: BulkValues, principal: ValueWriterPrincipal, session: SessionDep
) -> BulkResult:
    with rows_located(json_rows()):
        return await service.record_values(session, rows=body.items, principal=principal)


@router.put(
    "/indicators/{code}/targets/{year}",
    summary="设定年度目标",
    description="仅管理员。`region_code` 不填为全市目标。",
    responses=problem_responses(401, 403, 404, 422, codes={404: ["indicator_not_found", "region_not_found"]}),
)
async def set_target(
    code: str,
    year: int,
    body: TargetIn,
    principal: AdminPrincipal,
    session: SessionDep,
    settings: SettingsDep,
) -> TargetPublic:
    target = await service.set_target(
        session, code=code, year=year, data=body, principal=principal, city_code=settings.city_code
    )
    return TargetPublic.model_validate(target)


@router.get(
    "/indicators/{code}/progress",
    summary="指标进度",
    description="实际值、目标、完成率、时间进度、状态(超前/持平/滞后,容差 1 个百分点)、尚差、年末推算值、"
    "上年同期与同比。全市的可加总指标未直接报送时由各单位相加。",
    responses=problem_responses(401, 403, 404, 422),
)
async def read_progress(
    code: str,
    year: Year,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    as_of: AsOf = None,
    region: Region = None,
    pace: PaceQuery = Pace.month,
) -> ProgressPublic:
    unit = region or settings.city_code
    service.ensure_may_read(principal, unit, city_code=settings.city_code)
    indicator = await service.get_indicator(session, code)
    [item] = await service.progress_of(
        session,
        indicators=[indicator],
        region_code=unit,
        year=year,
        as_of=default_as_of(year, as_of),
        pace=pace,
    )
    return item


@router.get(
    "/dashboard",
    summary="指标总览",
    description="全部指标的进度,滞后的排在最前。须经审核的指标只计已采纳的数值;"
    "`pending_review` 为待审核数,`reporting_rate` 为全市最近一个已到期月份的报送率。",
    responses=problem_responses(401, 403, 404, 422),
)
async def read_dashboard(
    year: Year,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    as_of: AsOf = None,
    region: Region = None,
    pace: PaceQuery = Pace.month,
) -> Dashboard:
    unit = region or settings.city_code
    service.ensure_may_read(principal, unit, city_code=settings.city_code)
    day = default_as_of(year, as_of)
    answer = await service.dashboard(session, region_code=unit, year=year, as_of=day, pace=pace)
    answer.pending_review = await reporting.pending_review(
        session, region_code=None if unit == settings.city_code else unit
    )
    answer.reporting_rate = await reporting.reporting_rate(session, city_code=settings.city_code, as_of=day)
    return answer


# --- Excel ---------------------------------------------------------------------------------------

EXCEL = {200: {"content": {XLSX: {}}, "description": "Excel 工作簿"}, **problem_responses(401, 403, 422)}
ExportYear = Annotated[int, Query(ge=2000, le=2100)]
ExportAsOf = Annotated[Day | None, Query(description="截至日期;默认该年年底与今天中较早者")]


@exports.get("/dashboard.xlsx", summary="导出指标总览", responses=EXCEL)
async def export_dashboard(
    year: ExportYear,
    _: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    as_of: ExportAsOf = None,
) -> Response:
    # The city's figures, which everyone signed in reads.
    city = await get_region(session, settings.city_code)
    day = default_as_of(year, as_of)
    board = await service.dashboard(session, region_code=city.code, year=year, as_of=day, pace=Pace.month)
    return download(excel.dashboard_workbook(board, city_name=city.name, day=day), f"dashboard-{day}.xlsx")


@exports.get(
    "/indicator-values.xlsx",
    summary="导出指标数值(报送模板格式)",
    description="当前值,一行一个,与报送模板同格式:导出、修改、再上传。",
    responses={**EXCEL, **problem_responses(404)},
)
async def export_indicator_values(
    code: Annotated[str, Query(description="指标代码")],
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    region: Annotated[str | None, Query(max_length=32)] = None,
) -> Response:
    values = await service.list_values(
        session,
        code=code,
        region_code=region,
        year=year,
        history=False,
        principal=principal,
        city_code=settings.city_code,
    )
    return download(excel.values_export(values), f"{code}-values.xlsx")


@imports.get(
    "/templates/indicator-values.xlsx",
    summary="下载指标数值报送模板",
    responses={200: {"content": {XLSX: {}}}, **problem_responses(401)},
)
async def download_values_template(_: CurrentPrincipal) -> Response:
    return download(excel.values_workbook([]), "indicator-values-template.xlsx")


@imports.post(
    "/indicator-values",
    summary="上传指标数值(Excel)",
    description=f"按模板填写的 .xlsx(不超过 {MAX_BYTES // 1024 // 1024} MB)。全部成功或全部不写入:"
    "任一单元格有误,整表拒绝,并按“工作表!单元格(列名)”逐一指出。含公式或以 = + - @ 开头的单元格一律拒收。",
    responses=problem_responses(401, 403, 413, 415, 422),
)
async def upload_indicator_values(
    principal: ValueWriterPrincipal,
    session: SessionDep,
    file: Annotated[UploadFile, File(description="Excel 工作簿")],
) -> BulkResult:
    sheet, rows = read_rows(await file.read(MAX_BYTES + 1), excel.HEADERS)
    with rows_located(cells(sheet, rows, excel.HEADERS, excel.header_of)):
        return await service.record_values(session, rows=excel.values_from(rows), principal=principal)
