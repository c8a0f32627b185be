"""Township cultivation: candidates, the pipeline, quotas and the laggards; and the same in Excel
(the candidates template and its upload under /imports, downloads under /exports)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, Response, UploadFile, status

from daye_kit.auth import AdminPrincipal, CurrentPrincipal
from daye_kit.db import SessionDep
from daye_kit.errors import json_rows, problem_responses, rows_located
from daye_kit.idempotency import IdempotencyDep
from daye_kit.ids import RowId
from daye_kit.pagination import Changes, ChangesDep, Page, PageDep, PageParams
from daye_kit.spreadsheets import MAX_BYTES, XLSX, cells, download, read_rows
from daye_kit.timestamps import Day
from indicator_api.access import CandidateReaderPrincipal, CandidateWriterPrincipal, RankingReaderPrincipal
from indicator_api.cultivation import excel, service
from indicator_api.cultivation.figures import CandidateFigures
from indicator_api.cultivation.rules import Assessment, Program, assess
from indicator_api.cultivation.schemas import (
    BulkCandidates,
    BulkCandidatesResult,
    CandidateIn,
    CandidateMove,
    CandidatePublic,
    CultivationProgress,
    Quotas,
    Stage,
)
from indicator_api.deps import SettingsDep
from indicator_api.indicators.progress import Pace, default_as_of

router = APIRouter(prefix="/api/v1", tags=["企业培育"])
exports = APIRouter(prefix="/api/v1/exports", tags=["导出"])
imports = APIRouter(prefix="/api/v1/imports", tags=["导入"])


@router.post(
    "/regions/{region_code}/candidates",
    status_code=status.HTTP_201_CREATED,
    response_model=CandidatePublic,
    summary="提交培育候选企业",
    description="乡镇(或管理员)提交候选企业及其数据,立即按现行规则预审科技型中小企业与高企两类资质:"
    "每个条件的数值、要求、是否达标和差距。企业库中没有的企业同时登记到本单位。"
    "同一企业同一年度同一培育方向只能有一条候选记录 (409 `candidate_exists`)。",
    responses=problem_responses(
        401,
        403,
        404,
        409,
        422,
        codes={404: ["region_not_found"], 409: ["candidate_exists"]},
    ),
)
async def submit_candidate(
    region_code: str,
    body: CandidateIn,
    idempotency: IdempotencyDep,
    principal: CandidateWriterPrincipal,
    session: SessionDep,
) -> Response:
    async def submit() -> CandidatePublic:
        with rows_located(json_rows("body", single=True)):
            candidate_id = await service.submit_one(
                session, region_code=region_code, item=body, principal=principal
            )
        return await service.read_candidate(session, candidate_id=candidate_id, principal=principal)

    return await idempotency.respond(body, submit)


@router.post(
    "/cultivation/assessments",
    summary="预审(不保存)",
    description="按现行规则对一组企业数据预审科技型中小企业与高企两类资质,不保存任何记录:"
    "提交表单时随填随算。",
    responses=problem_responses(401, 422),
)
async def assess_figures(body: CandidateFigures, _: CurrentPrincipal) -> dict[Program, Assessment]:
    return assess(body)


@router.post(
    "/regions/{region_code}/candidates/bulk",
    status_code=status.HTTP_201_CREATED,
    response_model=BulkCandidatesResult,
    summary="批量提交培育候选企业",
    description="全部成功或全部不写入:任一行有误,整批拒绝,并逐行指出错误。"
    "已是同年度同方向候选的企业、或在同一批中出现两次的,按行拒绝(`candidate_exists`)。",
    responses=problem_responses(401, 403, 404, 422, codes={404: ["region_not_found"]}),
)
async def submit_candidates_in_bulk(
    region_code: str,
    body: BulkCandidates,
    idempotency: IdempotencyDep,
    principal: CandidateWriterPrincipal,
    session: SessionDep,
) -> Response:
    async def submit() -> BulkCandidatesResult:
        with rows_located(json_rows()):
            _, result = await service.submit(
                session, region_code=region_code, items=body.items, principal=principal
            )
        return result

    return await idempotency.respond(body, submit)


StageQuery = Annotated[Stage | None, Query(description="按阶段")]
ProgramQuery = Annotated[Program | None, Query(description="按培育方向")]
YearQuery = Annotated[int | None, Query(ge=2000, le=2100, description="培育年度")]
INCREMENTAL = (
    "增量读取:`updated_since` 与 `after`(上一页的 `next_cursor`)"
    "按修改时间升序给出新提交或移动过阶段的候选企业。"
)


@router.get(
    "/regions/{region_code}/candidates",
    summary="培育候选企业列表",
    description="乡镇只能查看本单位的候选企业。" + INCREMENTAL,
    responses=problem_responses(401, 403, 422),
)
async def list_candidates(
    region_code: str,
    principal: CurrentPrincipal,
    session: SessionDep,
    page: PageDep,
    changes: ChangesDep,
    stage: StageQuery = None,
    program: ProgramQuery = None,
    year: YearQuery = None,
) -> Page[CandidatePublic]:
    return await service.list_candidates(
        session,
        region_code=region_code,
        principal=principal,
        stage=stage,
        program=program,
        year=year,
        page=page,
        changes=changes,
    )


@router.get(
    "/candidates",
    summary="全部培育候选企业",
    description="各单位的候选企业(科技局、只读系统与平台服务),"
    "可按单位 (`region_code`)、阶段、方向、年度筛选。"
    "乡镇请用本单位的列表。" + INCREMENTAL,
    responses=problem_responses(401, 403, 422),
)
async def list_all_candidates(
    principal: CandidateReaderPrincipal,
    session: SessionDep,
    page: PageDep,
    changes: ChangesDep,
    region_code: Annotated[str | None, Query(max_length=32, description="报送单位代码")] = None,
    stage: StageQuery = None,
    program: ProgramQuery = None,
    year: YearQuery = None,
) -> Page[CandidatePublic]:
    return await service.list_candidates(
        session,
        region_code=region_code,
        principal=principal,
        stage=stage,
        program=program,
        year=year,
        page=page,
        changes=changes,
    )


@router.get(
    "/candidates/{candidate_id}",
    summary="候选企业详情",
    description="含预审结果与全部阶段变动。",
    responses=problem_responses(401, 404, codes={404: ["candidate_not_found"]}),
)
async def read_candidate(
    candidate_id: RowId, principal: CurrentPrincipal, session: SessionDep
) -> CandidatePublic:
    return await service.read_candidate(session, candidate_id=candidate_id, principal=principal)


@router.patch(
    "/candidates/{candidate_id}",
    summary="移动候选企业的阶段",
    description="储备 → 辅导 → 申报 → 认定/未通过,或退出。认定与未通过由科技局记录;认定同时写入企业库资质。"
    "每次变动记录时间与操作人。",
    responses=problem_responses(
        401, 403, 404, 409, 422, codes={404: ["candidate_not_found"], 409: ["illegal_stage_move"]}
    ),
)
async def move_candidate(
    candidate_id: RowId, body: CandidateMove, principal: CurrentPrincipal, session: SessionDep
) -> CandidatePublic:
    return await service.move(session, candidate_id=candidate_id, data=body, principal=principal)


@router.put(
    "/cultivation/quotas/{year}",
    summary="设定乡镇年度培育任务",
    description="仅管理员。每个单位每项指标(高企申报数、科技型中小企业入库数)一个数。",
    responses=problem_responses(401, 403, 422),
)
async def set_quotas(
    year: int, body: Quotas, principal: AdminPrincipal, session: SessionDep
) -> dict[str, int]:
    with rows_located(json_rows()):
        return {"saved": await service.set_quotas(session, year=year, data=body, principal=principal)}


@router.get(
    "/cultivation/progress",
    summary="乡镇培育进度排名",
    description="各乡镇高企申报数与科技型中小企业入库数对照年度任务和时间进度,落后的排在最前,并给出按进度还需几家。"
    "数值来自企业库与培育流程,不另行录入。",
    responses=problem_responses(401, 403, 422),
)
async def read_cultivation_progress(
    year: Annotated[int, Query(ge=2000, le=2100)],
    _: RankingReaderPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    as_of: Annotated[Day | None, Query(description="截至日期;默认该年年底与今天中较早者")] = None,
    pace: Annotated[Pace, Query()] = Pace.month,
) -> CultivationProgress:
    return await service.progress(
        session, city_code=settings.city_code, year=year, as_of=default_as_of(year, as_of), pace=pace
    )


# --- Excel ---------------------------------------------------------------------------------------

EXCEL = {200: {"content": {XLSX: {}}, "description": "Excel 工作簿"}, **problem_responses(401, 403, 422)}


@exports.get("/cultivation-progress.xlsx", summary="导出乡镇培育进度排名", responses=EXCEL)
async def export_cultivation_progress(
    year: Annotated[int, Query(ge=2000, le=2100)],
    _: RankingReaderPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    as_of: Annotated[Day | None, Query(description="截至日期;默认该年年底与今天中较早者")] = None,
) -> Response:
    day = default_as_of(year, as_of)
    ranking = await service.progress(
        session, city_code=settings.city_code, year=year, as_of=day, pace=Pace.month
    )
    return download(excel.ranking_workbook(ranking, day=day), f"cultivation-{day}.xlsx")


@exports.get("/regions/{region_code}/candidates.xlsx", summary="导出培育候选企业", responses=EXCEL)
async def export_candidates(region_code: str, principal: CurrentPrincipal, session: SessionDep) -> Response:
    listed = await service.list_candidates(
        session,
        region_code=region_code,
        principal=principal,
        stage=None,
        program=None,
        year=None,
        page=PageParams(limit=50_000, offset=0),
        changes=Changes(),
    )
    return download(excel.candidates_export(region_code, listed.items), f"candidates-{region_code}.xlsx")


@imports.get(
    "/templates/candidates.xlsx",
    summary="下载培育候选企业报送模板",
    responses={200: {"content": {XLSX: {}}}, **problem_responses(401)},
)
async def download_candidates_template(_: CurrentPrincipal) -> Response:
    return download(excel.candidates_workbook([]), "candidates-template.xlsx")


@imports.post(
    "/regions/{region_code}/candidates",
    response_model=BulkCandidatesResult,
    summary="上传培育候选企业(Excel)",
    description="按模板填写的 .xlsx。逐家按现行规则预审;全部成功或全部不写入,错误按单元格逐一指出"
    "(已是同年度同方向候选的企业:`candidate_exists`)。`Idempotency-Key` 按文件内容判断是否同一请求。",
    responses=problem_responses(401, 403, 413, 415, 422),
)
async def upload_candidates(
    region_code: str,
    idempotency: IdempotencyDep,
    principal: CandidateWriterPrincipal,
    session: SessionDep,
    file: Annotated[UploadFile, File(description="Excel 工作簿")],
) -> Response:
    service.ensure_may_submit(principal, region_code)  # before reading a workbook it may not send
    content = await file.read(MAX_BYTES + 1)

    async def submit() -> BulkCandidatesResult:
        sheet, rows = read_rows(content, excel.HEADERS)
        with rows_located(cells(sheet, rows, excel.HEADERS, excel.header_of)):
            _, result = await service.submit(
                session, region_code=region_code, items=excel.candidates_from(rows), principal=principal
            )
        return result

    return await idempotency.respond(content, submit)
