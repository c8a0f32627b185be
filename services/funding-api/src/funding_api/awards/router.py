"""Awards and their approval: /api/v1/awards."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from daye_kit.db import ReadsDep, SessionDep
from daye_kit.errors import problem_responses
from daye_kit.idempotency import IdempotencyDep
from daye_kit.ids import RowId
from daye_kit.pagination import ChangesDep, Page, PageDep
from funding_api.access import FinancePrincipal, RecordReaderPrincipal
from funding_api.audit import Actor
from funding_api.awards import service
from funding_api.awards.schemas import Approval, AwardCreate, AwardFilter, AwardPublic, Rejection
from funding_api.deps import IndicatorDep

router = APIRouter(prefix="/api/v1/awards", tags=["奖补"])
AwardId = Annotated[RowId, Path(description="奖补编号")]


@router.get(
    "",
    summary="奖补列表",
    description="按资金项目、企业、单位、状态、兑现方式筛选;已拨付与未兑现金额来自分户账。"
    "乡镇账号只看到本单位企业的奖补,企业账号只看到自己的。"
    "增量读取 (`updated_since`、`after`):审核、拨付或冲正都会更新奖补的修改时间。",
    responses=problem_responses(401, 403, 422),
)
async def list_awards(
    principal: RecordReaderPrincipal,
    session: SessionDep,
    page: PageDep,
    changes: ChangesDep,
    where: Annotated[AwardFilter, Query()],
) -> Page[AwardPublic]:
    items, total, cursor = await service.list_awards(
        session, principal=principal, where=where, page=page, changes=changes
    )
    return Page(items=items, total=total, next_cursor=cursor)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=AwardPublic,
    summary="登记奖补",
    description="仅管理员。企业须在 indicator-api 企业库中 (否则 422 `unknown_enterprise`);"
    "企业名称与所属单位取自企业库。依申请兑现须给出金额与申请编号;无申请兑现按项目现行规则,"
    "企业须持有规则要求的资质。新奖补待审核,须由经办人以外的管理员批准。企业库不可用时 503。",
    responses=problem_responses(401, 403, 409, 422, 502, 503, codes={409: ["award_exists"]}),
)
async def create_award(
    body: AwardCreate,
    idempotency: IdempotencyDep,
    principal: FinancePrincipal,
    session: SessionDep,
    registry: IndicatorDep,
) -> Response:
    return await idempotency.respond(
        body,
        lambda: service.create_award(session, data=body, registry=registry, actor=Actor.of(principal)),
    )


@router.get(
    "/{award_id}",
    summary="奖补详情",
    description="含兑现依据(规则版本或申请)、审核记录、已拨付与未兑现。看不到的奖补按不存在处理。",
    responses=problem_responses(401, 403, 404, 422, service.AwardNotFound),
)
async def read_award(award_id: AwardId, principal: RecordReaderPrincipal, reads: ReadsDep) -> AwardPublic:
    return await service.read_award(reads, award_id=award_id, principal=principal)


@router.post(
    "/{award_id}/approval",
    summary="批准奖补",
    description="仅管理员,且不得为登记该奖补的人 (403 `same_person`,双人复核)。批准后金额从项目可用预算"
    "转入应付奖补(记入分户账);超出可用预算时 409 `budget_exceeded`,非待审核状态时 409 `award_not_pending`。",
    responses=problem_responses(
        401,
        403,
        404,
        409,
        422,
        service.AwardNotFound,
        service.SamePerson,
        service.AwardNotPending,
        service.BudgetExceeded,
    ),
)
async def approve_award(
    award_id: AwardId, principal: FinancePrincipal, session: SessionDep, body: Approval | None = None
) -> AwardPublic:
    note = body.note if body else ""
    return await service.approve_award(session, award_id=award_id, actor=Actor.of(principal), note=note)


@router.post(
    "/{award_id}/rejection",
    summary="驳回奖补",
    description="仅管理员。待审核的奖补可被驳回(须说明理由);驳回的奖补不计入应付。",
    responses=problem_responses(401, 403, 404, 409, 422, service.AwardNotFound, service.AwardNotPending),
)
async def reject_award(
    award_id: AwardId, body: Rejection, principal: FinancePrincipal, session: SessionDep
) -> AwardPublic:
    return await service.reject_award(
        session, award_id=award_id, actor=Actor.of(principal), reason=body.reason
    )
