"""Disbursements: /api/v1/awards/{award_id}/disbursements, /api/v1/disbursements."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from daye_kit.db import SessionDep
from daye_kit.errors import problem_responses
from daye_kit.idempotency import REPLAYED_HEADER, RequiredIdempotencyDep
from daye_kit.ids import RowId
from daye_kit.pagination import ChangesDep, Page, PageDep
from funding_api.access import FinancePrincipal, RecordReaderPrincipal
from funding_api.audit import Actor
from funding_api.awards.service import AwardNotFound
from funding_api.disbursements import service
from funding_api.disbursements.schemas import (
    DisbursementCreated,
    DisbursementFilter,
    DisbursementIn,
    DisbursementPublic,
    ReversalIn,
)

router = APIRouter(prefix="/api/v1", tags=["拨付"])


@router.post(
    "/awards/{award_id}/disbursements",
    status_code=status.HTTP_201_CREATED,
    response_model=DisbursementCreated,
    summary="拨付奖补",
    description="仅管理员。必须带 `Idempotency-Key` 请求头(缺少时 422,错误指明该请求头)。"
    "同一键、同一请求体的重试原样返回第一次的状态码与响应体(并带 `Idempotent-Replayed: true`),"
    "不会重复拨付;同一键用于不同请求时 422 `idempotency_key_reused`。"
    "拨付不得超过奖补未兑现金额 (409 `exceeds_outstanding`)"
    "和资金项目预算余额 (409 `exceeds_budget`),并发请求下亦然;"
    "未批准的奖补不能拨付 (409 `award_not_approved`)。"
    "这些拒绝与成功一样随键保存,重试得到同一答复。每笔拨付记入分户账(应付奖补 → 已拨付)。",
    responses={
        **problem_responses(
            401,
            403,
            404,
            409,
            422,
            AwardNotFound,
            service.AwardNotApproved,
            service.ExceedsOutstanding,
            service.ExceedsBudget,
        ),
        201: {
            "description": "已拨付(或首次答复的重放)",
            "headers": {REPLAYED_HEADER: {"description": "重放时为 true"}},
        },
    },
)
async def create_disbursement(
    award_id: Annotated[RowId, Path(description="奖补编号")],
    body: DisbursementIn,
    idempotency: RequiredIdempotencyDep,
    principal: FinancePrincipal,
    session: SessionDep,
) -> Response:
    assert idempotency.key is not None  # the header is required
    answer = await service.create_disbursement(
        session,
        award_id=award_id,
        data=body,
        key=idempotency.key,
        actor=Actor.of(principal),
        policy=idempotency.policy,
    )
    return answer.response()


@router.get(
    "/disbursements",
    summary="拨付列表",
    description="按奖补、资金项目、企业筛选,含冲正状态。乡镇账号只看到本单位企业的,企业账号只看到自己的。"
    "增量读取 (`updated_since`、`after`):冲正会更新拨付的修改时间。",
    responses=problem_responses(401, 403, 422),
)
async def list_disbursements(
    principal: RecordReaderPrincipal,
    session: SessionDep,
    page: PageDep,
    changes: ChangesDep,
    where: Annotated[DisbursementFilter, Query()],
) -> Page[DisbursementPublic]:
    items, total, cursor = await service.list_disbursements(
        session, principal=principal, where=where, page=page, changes=changes
    )
    return Page(items=items, total=total, next_cursor=cursor)


@router.get(
    "/disbursements/{disbursement_id}",
    summary="拨付详情",
    description="看不到的拨付按不存在处理。",
    responses=problem_responses(401, 403, 404, 422, service.DisbursementNotFound),
)
async def read_disbursement(
    disbursement_id: Annotated[RowId, Path(description="拨付编号")],
    principal: RecordReaderPrincipal,
    session: SessionDep,
) -> DisbursementPublic:
    return await service.read_disbursement(session, disbursement_id=disbursement_id, principal=principal)


@router.post(
    "/disbursements/{disbursement_id}/reversal",
    summary="冲正拨付",
    description="仅管理员。以一张新的冲正凭证撤销该笔拨付(分户账不修改、不删除),奖补的未兑现金额随之恢复。"
    "每笔拨付只能冲正一次 (409 `already_reversed`)。",
    responses=problem_responses(
        401, 403, 404, 409, 422, service.DisbursementNotFound, service.AlreadyReversed
    ),
)
async def reverse_disbursement(
    disbursement_id: Annotated[RowId, Path(description="拨付编号")],
    body: ReversalIn,
    principal: FinancePrincipal,
    session: SessionDep,
) -> DisbursementPublic:
    return await service.reverse_disbursement(
        session, disbursement_id=disbursement_id, data=body, actor=Actor.of(principal)
    )
