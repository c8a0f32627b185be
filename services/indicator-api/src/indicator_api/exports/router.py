"""Excel downloads of what the bureau looks at: the dashboard, the townships' cultivation ranking,
a township's candidates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query, Response

from daye_kit.auth import CurrentPrincipal, Role
from daye_kit.db import SessionDep
from daye_kit.errors import Forbidden, problem_responses
from daye_kit.spreadsheets import COUNT, RATE, XLSX, Column, download, workbook
from daye_kit.timestamps import Day
from indicator_api.cultivation import service as cultivation
from indicator_api.cultivation.rules import Program
from indicator_api.cultivation.schemas import Measure
from indicator_api.imports.router import PROVENANCE_NAME, values_workbook
from indicator_api.indicators import service as indicators
from indicator_api.indicators.progress import Pace
from indicator_api.regions.catalog import CITY_CODE

router = APIRouter(prefix="/api/v1/exports", tags=["导出"])
STATUS = {"ahead": "超前", "on_track": "持平", "behind": "滞后", None: "—"}
STAGE = {
    "reserve": "储备",
    "coached": "辅导",
    "applied": "已申报",
    "certified": "已认定",
    "rejected": "未通过",
    "withdrawn": "退出",
}
EXCEL = {200: {"content": {XLSX: {}}, "description": "Excel 工作簿"}, **problem_responses(401, 403, 422)}
Year = Annotated[int, Query(ge=2000, le=2100)]
AsOf = Annotated[Day | None, Query(description="截至日期;默认该年年底与今天中较早者")]


def _as_of(year: int, as_of: date | None) -> date:
    return as_of or min(date(year, 12, 31), date.today())


def _number(text: object) -> float | None:
    """A figure for a cell: Excel stores numbers as binary floats, so this is display, not money."""
    return None if text is None else float(str(text))


@router.get("/dashboard.xlsx", summary="导出指标总览", responses=EXCEL)
async def export_dashboard(
    year: Year, principal: CurrentPrincipal, session: SessionDep, as_of: AsOf = None
) -> Response:
    indicators.ensure_may_read(principal, CITY_CODE)
    day = _as_of(year, as_of)
    board = await indicators.dashboard(session, region_code=CITY_CODE, year=year, as_of=day, pace=Pace.month)
    columns = [
        Column("指标", width=30),
        Column("单位", width=8),
        Column("实际值", "#,##0.00##"),
        Column("年度目标", "#,##0.00##"),
        Column("完成率", RATE),
        Column("时间进度", RATE),
        Column("状态", width=8),
        Column("同比增长", RATE),
    ]
    rows = [
        [
            i.indicator.name,
            i.indicator.unit,
            _number(i.actual),
            _number(i.target),
            _number(i.completion_rate),
            _number(i.time_progress),
            STATUS[i.status.value if i.status else None],
            _number(i.yoy_growth),
        ]
        for i in board.items
    ]
    content = workbook(f"大冶市科技创新指标总览(截至 {day})", columns, rows)
    return download(content, f"dashboard-{day}.xlsx")


@router.get("/cultivation-progress.xlsx", summary="导出乡镇培育进度排名", responses=EXCEL)
async def export_cultivation_progress(
    year: Year, principal: CurrentPrincipal, session: SessionDep, as_of: AsOf = None
) -> Response:
    if principal.role is Role.enterprise:
        raise Forbidden("enterprise accounts do not see the townships' ranking")
    day = _as_of(year, as_of)
    ranking = await cultivation.progress(session, year=year, as_of=day, pace=Pace.month)
    columns = [Column("名次", COUNT, 6), Column("乡镇", width=14), Column("是否滞后", width=9)]
    for label in ("高企申报", "科技型中小企业入库"):
        columns += [
            Column(f"{label}(家)", COUNT),
            Column(f"{label}任务(家)", COUNT),
            Column(f"{label}完成率", RATE),
            Column(f"{label}按进度还需(家)", COUNT),
        ]
    rows = []
    for rank, township in enumerate(ranking.townships, start=1):
        row: list[object] = [rank, township.name, "滞后" if township.behind else ""]
        for measure in Measure:
            m = township.measures[measure]
            row += [m.actual, m.quota, _number(m.completion_rate), m.needed_for_pace]
        rows.append(row)
    content = workbook(
        f"乡镇科技企业培育进度(截至 {day},时间进度 {float(ranking.time_progress or 0):.0%})", columns, rows
    )
    return download(content, f"cultivation-{day}.xlsx")


@router.get("/regions/{region_code}/candidates.xlsx", summary="导出培育候选企业", responses=EXCEL)
async def export_candidates(region_code: str, principal: CurrentPrincipal, session: SessionDep) -> Response:
    items, _ = await cultivation.list_candidates(
        session,
        region_code=region_code,
        principal=principal,
        stage=None,
        program=None,
        year=None,
        limit=50_000,
        offset=0,
    )
    columns = [
        Column("统一社会信用代码", width=22),
        Column("企业名称", width=30),
        Column("培育方向", width=14),
        Column("年度", width=8),
        Column("阶段", width=8),
        Column("科小预审", width=10),
        Column("科小评分", COUNT, 9),
        Column("高企预审", width=10),
    ]
    rows = [
        [
            c.credit_code,
            c.enterprise_name,
            "高新技术企业" if c.program.value == "hte" else "科技型中小企业",
            c.year,
            STAGE[c.stage.value],
            "符合" if c.assessments[Program.tech_sme].eligible else "不符合",
            c.assessments[Program.tech_sme].score,
            "符合" if c.assessments[Program.hte].eligible else "不符合",
        ]
        for c in items
    ]
    return download(workbook(f"{region_code} 培育候选企业", columns, rows), f"candidates-{region_code}.xlsx")


@router.get(
    "/indicator-values.xlsx",
    summary="导出指标数值(报送模板格式)",
    description="当前值,一行一个,与报送模板同格式:导出、修改、再上传。",
    responses={**EXCEL, **problem_responses(404)},
)
async def export_indicator_values(
    code: Annotated[str, Query(description="指标代码")],
    principal: CurrentPrincipal,
    session: SessionDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    region: Annotated[str | None, Query(max_length=32)] = None,
) -> Response:
    values = await indicators.list_values(
        session, code=code, region_code=region, year=year, history=False, principal=principal
    )
    rows: list[list[object]] = [
        [
            v.indicator_code,
            v.region_code,
            v.year,
            v.period if v.period_type == "quarter" else None,
            v.period if v.period_type == "month" else None,
            _plain(v.value),
            PROVENANCE_NAME[v.provenance],
            v.note,
        ]
        for v in values
    ]
    return download(values_workbook(rows), f"{code}-values.xlsx")


def _plain(value: object) -> str:
    """Figures go out as text, so an exact decimal comes back exactly."""
    return format(Decimal(str(value)).normalize(), "f")
