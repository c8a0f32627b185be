"""Statistics: /api/v1/stats."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from daye_kit.db import SessionDep
from daye_kit.errors import problem_responses
from daye_kit.spreadsheets import COUNT, RATE, XLSX, Column, download, workbook
from daye_kit.timestamps import Day
from matching_api.access import SchedulerPrincipal, StatsReaderPrincipal
from matching_api.deps import SettingsDep
from matching_api.stats import service
from matching_api.stats.schemas import Publication, Stats

router = APIRouter(prefix="/api/v1/stats", tags=["统计"])


@router.get(
    "",
    summary="需求对接统计",
    description="期间内发布的需求数、其中在期末前对接成功的数量与对接率(小数),按类别和乡镇分列,"
    "对照对接率目标 (`MATCHING_MATCH_RATE_TARGET`,默认 0.80),以及从发布到首次应答的中位时长。"
    "`region` 为乡镇代码,空或 420281 为全市;乡镇账号只看本单位,企业账号无权查看。",
    responses=problem_responses(401, 403, 422),
)
async def read_stats(
    principal: StatsReaderPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    start: Annotated[Day, Query(alias="from", description="期间起(含)", examples=["2025-01-01"])],
    end: Annotated[Day, Query(alias="to", description="期间止(含)", examples=["2025-06-30"])],
    region: Annotated[str | None, Query(max_length=12, description="乡镇代码")] = None,
) -> Stats:
    return await service.read_stats(
        session, principal=principal, start=start, end=end, region=region, settings=settings
    )


KIND_NAMES = {"talent": "人才", "technology": "技术", "finance": "金融"}


@router.get(
    "/export.xlsx",
    summary="导出需求对接统计(Excel)",
    description="同 `GET /api/v1/stats`:全市合计、按类别、按乡镇三块,中文表头,对接率为百分比格式。",
    responses={200: {"content": {XLSX: {}}}, **problem_responses(401, 403, 422)},
)
async def export_stats(
    principal: StatsReaderPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    start: Annotated[Day, Query(alias="from", description="期间起(含)")],
    end: Annotated[Day, Query(alias="to", description="期间止(含)")],
) -> Response:
    stats = await service.read_stats(
        session, principal=principal, start=start, end=end, region=None, settings=settings
    )
    columns = [
        Column("分组", width=10),
        Column("名称", width=16),
        Column("发布需求(项)", COUNT),
        Column("对接成功(项)", COUNT),
        Column("对接率", RATE),
        Column("目标对接率", RATE),
    ]
    rows: list[list[object]] = [
        ["合计", "全市", stats.posted, stats.matched, stats.match_rate, stats.target_rate]
    ]
    rows += [
        [
            "按类别",
            KIND_NAMES.get(k.kind.value, k.kind.value),
            k.posted,
            k.matched,
            k.match_rate,
            stats.target_rate,
        ]
        for k in stats.by_kind
    ]
    rows += [
        ["按乡镇", r.region_code, r.posted, r.matched, r.match_rate, stats.target_rate]
        for r in stats.by_region
    ]
    content = workbook(f"科创供应链需求对接统计({start} 至 {end})", columns, rows)
    return download(content, f"match-stats-{start}-{end}.xlsx")


@router.post(
    "/publish",
    summary="向指标服务报送需求数与对接数",
    description="科技局或定时任务(服务账号)调用:计算全市当年 1 月至 `month` 月末累计发布需求数与对接成功数,"
    "报送到 indicator-api 的 `supply_chain_demands_posted` 与 `supply_chain_demands_matched`(该月数值)。"
    "两项数值在同一事件中经发件箱报送,indicator-api 要么两项都记入、要么都不记入;"
    "indicator-api 暂不可用只会推迟报送。",
    responses=problem_responses(401, 403, 422),
)
async def publish_stats(
    principal: SchedulerPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    year: Annotated[int, Query(ge=2020, le=2100, description="年度")],
    month: Annotated[int, Query(ge=1, le=12, description="截至月份")],
) -> Publication:
    return await service.publish(session, principal=principal, settings=settings, year=year, month=month)
