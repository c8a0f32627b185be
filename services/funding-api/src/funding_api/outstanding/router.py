"""Outstanding funds: /api/v1/outstanding (report, items, public-notice export, publication)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from starlette.concurrency import run_in_threadpool

from daye_kit.auth import CurrentPrincipal
from daye_kit.db import SessionDep
from daye_kit.errors import problem_responses
from daye_kit.pagination import Page, PageDep
from daye_kit.spreadsheets import XLSX, download
from daye_kit.timestamps import local_today
from funding_api.access import PublisherPrincipal, RecordReaderPrincipal
from funding_api.deps import SettingsDep
from funding_api.outstanding import export, service
from funding_api.outstanding.schemas import (
    ExportFormat,
    OutstandingFilter,
    OutstandingItem,
    OutstandingReport,
    Publication,
    PublicationIn,
)

router = APIRouter(prefix="/api/v1/outstanding", tags=["未兑现资金"])
SCOPE_NOTE = "乡镇账号只统计本单位企业的奖补,企业账号只统计自己的。"


@router.get(
    "",
    summary="未兑现政策资金",
    description="统计日 (`as_of`,默认今天) 已批准、尚未拨付的奖补合计(`total`,元,十进制字符串),"
    "按资金项目、兑现方式、乡镇、企业(前 `top` 家)汇总,并按批准后的工作日数分段(账龄);"
    "超过 60 个工作日兑现承诺的单列为超期。金额由分户账在数据库中汇总。" + SCOPE_NOTE,
    responses=problem_responses(401, 422),
)
async def read_outstanding(
    principal: CurrentPrincipal,
    session: SessionDep,
    where: Annotated[OutstandingFilter, Query()],
    top: Annotated[int, Query(ge=0, le=200, description="按企业列出的家数")] = 20,
) -> OutstandingReport:
    return await service.report(session, principal=principal, where=where, top=top)


@router.get(
    "/items",
    summary="未兑现明细",
    description="统计日未兑现的每项奖补:金额、已拨付、未兑现、批准日期、工作日账龄、是否超期;按批准日期从早到晚。"
    + SCOPE_NOTE,
    responses=problem_responses(401, 403, 422),
)
async def list_outstanding_items(
    principal: RecordReaderPrincipal,
    session: SessionDep,
    page: PageDep,
    where: Annotated[OutstandingFilter, Query()],
    overdue: Annotated[bool, Query(description="只列超过 60 个工作日的")] = False,
) -> Page[OutstandingItem]:
    _, items, total = await service.list_items(
        session, principal=principal, where=where, overdue_only=overdue, page=page
    )
    return Page(items=items, total=total)


@router.get(
    "/export",
    summary="导出公示名单",
    description="未兑现奖补的公示名单,`format=csv`(UTF-8 带 BOM)或 `format=xlsx`(Excel),中文表头,末行合计。"
    + SCOPE_NOTE,
    responses={
        **problem_responses(401, 403, 422),
        200: {
            "description": "公示名单文件",
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                XLSX: {"schema": {"type": "string", "format": "binary"}},
            },
        },
    },
    response_class=Response,
)
async def export_outstanding(
    principal: RecordReaderPrincipal,
    session: SessionDep,
    where: Annotated[OutstandingFilter, Query()],
    format: Annotated[ExportFormat, Query(description="csv 或 xlsx")] = ExportFormat.csv,
    overdue: Annotated[bool, Query(description="只列超过 60 个工作日的")] = False,
) -> Response:
    as_of, items, _ = await service.list_items(
        session, principal=principal, where=where, overdue_only=overdue, page=None
    )
    if format is ExportFormat.xlsx:
        content, media_type = await run_in_threadpool(export.to_xlsx, items, as_of), XLSX
    else:
        content, media_type = export.to_csv(items), "text/csv; charset=utf-8"
    return download(
        content,
        f"{export.title(as_of)}.{format.value}",
        media_type=media_type,
        fallback=f"outstanding-{as_of.isoformat()}.{format.value}",
    )


@router.post(
    "/publications",
    summary="报送未兑现总额",
    description="管理员或服务账号。把全市统计日的未兑现合计换算为万元(四位小数),"
    "作为 `policy_funds_outstanding` 报送到 indicator-api 该日所在的年月:报送是与本请求同一事务提交的"
    "发件箱事件 (`outstanding.published`),indicator-api 暂不可用只会推迟送达,按事件编号只应用一次;"
    "其指标总览注明该数值最近一次报送的时间。定时任务 `publish-outstanding` 每小时报送一次。",
    responses=problem_responses(401, 403, 422),
)
async def publish_outstanding(
    _: PublisherPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    body: PublicationIn | None = None,
) -> Publication:
    as_of = (body.as_of if body else None) or local_today()
    region_code = settings.city_code
    total, value, event_id = await service.publish(session, as_of=as_of, region_code=region_code)
    return Publication(
        indicator_code=service.INDICATOR_CODE,
        region_code=region_code,
        year=as_of.year,
        month=as_of.month,
        as_of=as_of,
        total=total,
        value=value,
        event_id=event_id,
    )
