"""Funding programmes and their rules: /api/v1/programs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from daye_kit.auth import CurrentPrincipal
from daye_kit.db import SessionDep
from daye_kit.errors import problem_responses
from daye_kit.idempotency import IdempotencyDep
from daye_kit.ids import RowId
from daye_kit.pagination import ChangesDep, Page, PageDep
from funding_api.access import FinancePrincipal
from funding_api.audit import Actor
from funding_api.awards import service as awards
from funding_api.awards.schemas import GenerationResult
from funding_api.deps import IndicatorDep
from funding_api.programs import service
from funding_api.programs.schemas import ProgramCreate, ProgramFilter, ProgramPublic, RuleIn, RulePublic

router = APIRouter(prefix="/api/v1/programs", tags=["资金项目"])
ProgramId = Annotated[RowId, Path(description="资金项目编号")]


@router.get(
    "",
    summary="资金项目列表",
    description="资金项目(预算线)及其预算、已批准、已拨付、可用与余额。所有已登录账号可查。"
    "增量读取 (`updated_since`、`after`):发布规则、奖补批准、拨付或冲正都会更新资金项目的修改时间。",
    responses=problem_responses(401, 422),
)
async def list_programs(
    _: CurrentPrincipal,
    session: SessionDep,
    page: PageDep,
    changes: ChangesDep,
    where: Annotated[ProgramFilter, Query()],
) -> Page[ProgramPublic]:
    items, total, cursor = await service.list_programs(session, where=where, page=page, changes=changes)
    return Page(items=items, total=total, next_cursor=cursor)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ProgramPublic,
    summary="设立资金项目",
    description="仅管理员。登记资金项目(如科技十八条各条款、科技创新管理专项、省科技创新券、省级科技计划项目)"
    "的来源层级、年度与预算;预算以“预算下达”凭证记入分户账。可同时给出无申请兑现规则(版本 1)。"
    "同名同年度的项目只能有一个 (409 `program_exists`)。",
    responses=problem_responses(401, 403, 409, 422, codes={409: ["program_exists"]}),
)
async def create_program(
    body: ProgramCreate, idempotency: IdempotencyDep, principal: FinancePrincipal, session: SessionDep
) -> Response:
    return await idempotency.respond(
        body, lambda: service.create_program(session, data=body, actor=Actor.of(principal))
    )


@router.get(
    "/{program_id}",
    summary="资金项目详情",
    description="含现行规则与按分户账计算的已批准、已拨付、可用预算和预算余额。",
    responses=problem_responses(401, 404, 422, service.ProgramNotFound),
)
async def read_program(program_id: ProgramId, _: CurrentPrincipal, session: SessionDep) -> ProgramPublic:
    return await service.read_program(session, program_id)


@router.get(
    "/{program_id}/rules",
    summary="规则版本",
    description="资金项目的全部无申请兑现规则版本,从旧到新。",
    responses=problem_responses(401, 404, 422, service.ProgramNotFound),
)
async def list_program_rules(
    program_id: ProgramId, _: CurrentPrincipal, session: SessionDep
) -> list[RulePublic]:
    return await service.list_rules(session, program_id=program_id)


@router.post(
    "/{program_id}/rules",
    status_code=status.HTTP_201_CREATED,
    response_model=RulePublic,
    summary="发布规则新版本",
    description="仅管理员。规则不修改,只发布新版本;此后生成的无申请兑现奖补记录所依据的版本。",
    responses=problem_responses(401, 403, 404, 422, service.ProgramNotFound),
)
async def create_program_rule(
    program_id: ProgramId,
    body: RuleIn,
    idempotency: IdempotencyDep,
    principal: FinancePrincipal,
    session: SessionDep,
) -> Response:
    return await idempotency.respond(
        body,
        lambda: service.add_rule(session, program_id=program_id, data=body, actor=Actor.of(principal)),
    )


@router.post(
    "/{program_id}/automatic-awards",
    summary="生成无申请兑现奖补",
    description="仅管理员。按项目现行规则,从 indicator-api 企业库读取符合资质的企业(分页读全),"
    "为尚无本期奖补的企业生成待审核奖补。同一项目、企业、期间只生成一次:再次运行不会新增。"
    "企业库不可用时返回 503,且不写入任何记录。",
    responses=problem_responses(
        401, 403, 404, 409, 422, 502, 503, service.ProgramNotFound, codes={409: ["program_has_no_rule"]}
    ),
)
async def generate_automatic_awards(
    program_id: ProgramId, principal: FinancePrincipal, session: SessionDep, registry: IndicatorDep
) -> GenerationResult:
    return await awards.generate_automatic_awards(
        session, program_id=program_id, registry=registry, actor=Actor.of(principal)
    )
