"""Reports written from live data."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from daye_kit.db import SessionDep
from daye_kit.errors import problem_responses
from daye_kit.spreadsheets import attachment
from indicator_api.access import BureauReaderPrincipal
from indicator_api.deps import FundingDep, MatchingDep, SettingsDep
from indicator_api.periods import service as periods
from indicator_api.reports import document, service
from indicator_api.reports.schemas import Differences, QuarterlyReport

router = APIRouter(prefix="/api/v1/reports", tags=["报告"])


@router.get(
    "/quarterly",
    summary="季度工作报告(数据部分)",
    description="由实时数据写成的季度报告:指标完成情况、研发活动同比、科创供应链对接(来自 matching-api)、"
    "未兑现政策资金(来自 funding-api)、滞后的指标与乡镇。JSON 中每个数字与其来源并列;"
    "`format=markdown` 给出正文,`format=docx` 下载 Word 文档。"
    "依赖的服务不可用时,相应段落写明数据暂不可用,报告照常生成。"
    "`version=published` 给出发布版本:季度首次关账时的报告,原样保存,此后重新打开、更正、"
    "再关账都不改变它(未发布为 404 `report_not_published`);缺省 `live` 为实时数据。",
    response_model=QuarterlyReport,
    responses={
        **problem_responses(401, 403, 404, 422, codes={404: ["report_not_published"]}),
        200: {"content": {"text/markdown": {}, document.DOCX: {}}},
    },
)
async def read_quarterly_report(
    _: BureauReaderPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    matching: MatchingDep,
    funding: FundingDep,
    year: Annotated[int, Query(ge=2000, le=2100)],
    quarter: Annotated[int, Query(ge=1, le=4)],
    format: Annotated[
        Literal["json", "markdown", "docx"], Query(description="json、markdown 或 docx (Word)")
    ] = "json",
    version: Annotated[
        Literal["live", "published"],
        Query(description="live 实时数据(缺省)/ published 季度首次关账时发布的版本"),
    ] = "live",
) -> Response:
    if version == "published":
        stored = await periods.published_report(session, year=year, quarter=quarter)
        report = QuarterlyReport.model_validate(stored)
    else:
        report = await service.build(
            session,
            city_code=settings.city_code,
            year=year,
            quarter=quarter,
            matching=matching,
            funding=funding,
        )
    if format == "docx":
        headers = {"Content-Disposition": attachment(f"daye-report-{year}-q{quarter}.docx")}
        return Response(document.word(report), media_type=document.DOCX, headers=headers)
    if format == "markdown":
        return PlainTextResponse(document.markdown(report), media_type="text/markdown; charset=utf-8")
    return JSONResponse(report.model_dump(mode="json"))


@router.get(
    "/quarterly/differences",
    summary="季度报告:发布版本与实时数据的差异",
    description="季度关账时发布的报告与按当前数据写成的报告相比,每个数值不同的数字一条:"
    "`path` 为其在报告 JSON 中的位置,`label` 为所在节与数字名,`published` 与 `live` 为两边的数值"
    "(一边没有该数字时为 null)。未发布为 404 `report_not_published`。",
    responses=problem_responses(401, 403, 404, 422, codes={404: ["report_not_published"]}),
)
async def read_quarterly_differences(
    _: BureauReaderPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    matching: MatchingDep,
    funding: FundingDep,
    year: Annotated[int, Query(ge=2000, le=2100)],
    quarter: Annotated[int, Query(ge=1, le=4)],
) -> Differences:
    stored = QuarterlyReport.model_validate(
        await periods.published_report(session, year=year, quarter=quarter)
    )
    live = await service.build(
        session, city_code=settings.city_code, year=year, quarter=quarter, matching=matching, funding=funding
    )
    items = service.differences(stored, live)
    return Differences(items=items, total=len(items))
