"""Reports written from live data."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from daye_kit.auth import CurrentPrincipal, Role
from daye_kit.db import SessionDep
from daye_kit.errors import Forbidden, problem_responses
from indicator_api.reports import quarterly

router = APIRouter(prefix="/api/v1/reports", tags=["报告"])


@router.get(
    "/quarterly",
    summary="季度工作报告(数据部分)",
    description="由实时数据写成的季度报告:指标完成情况、研发活动同比、科创供应链对接(来自 matching-api)、"
    "未兑现政策资金(来自 funding-api)、滞后的指标与乡镇。JSON 中每个数字与其来源并列;"
    "`format=markdown` 给出正文,`format=docx` 下载 Word 文档。"
    "依赖的服务不可用时,相应段落写明数据暂不可用,报告照常生成。",
    response_model=quarterly.QuarterlyReport,
    responses={
        **problem_responses(401, 403, 422),
        200: {
            "content": {
                "text/markdown": {},
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {},
            }
        },
    },
)
async def read_quarterly_report(
    request: Request,
    principal: CurrentPrincipal,
    session: SessionDep,
    year: Annotated[int, Query(ge=2000, le=2100)],
    quarter: Annotated[int, Query(ge=1, le=4)],
    format: Annotated[
        Literal["json", "markdown", "docx"], Query(description="json、markdown 或 docx (Word)")
    ] = "json",
) -> Response:
    if principal.role in (Role.township, Role.enterprise):
        raise Forbidden("the quarterly report is the bureau's (admins, viewers, services)")
    report = await quarterly.build(
        session,
        year=year,
        quarter=quarter,
        matching=request.app.state.matching,
        funding=request.app.state.funding,
    )
    if format == "docx":
        name = f"daye-report-{year}-q{quarter}.docx"
        return Response(
            report.docx(),
            media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    if format == "markdown":
        return PlainTextResponse(report.markdown(), media_type="text/markdown; charset=utf-8")
    return JSONResponse(report.model_dump(mode="json"))
