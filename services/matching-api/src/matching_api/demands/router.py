"""Demands: /api/v1/demands."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from daye_kit.auth import CurrentPrincipal
from daye_kit.db import ReadsDep, ReadSessionDep, SessionDep
from daye_kit.errors import problem_responses
from daye_kit.idempotency import IdempotencyDep
from daye_kit.ids import RowId
from daye_kit.pagination import ChangesDep, Page, PageDep
from daye_kit.timestamps import Day
from matching_api.access import DemandPosterPrincipal, DemandReviewerPrincipal, SchedulerPrincipal
from matching_api.demands import service
from matching_api.demands.schemas import (
    DemandCreate,
    DemandFilter,
    DemandPublic,
    DemandReview,
    DemandUpdate,
    ExpirySweep,
)
from matching_api.deps import IndicatorDep, SettingsDep, SupplyIndexDep

router = APIRouter(prefix="/api/v1/demands", tags=["需求"])
DemandId = Annotated[RowId, Path(description="需求编号")]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=DemandPublic,
    summary="发布需求",
    description="企业账号发布人才、技术或金融需求(企业出题),信用代码取自令牌;科技局可代企业发布并填写 "
    "`credit_code`。发布前向 indicator-api 企业库核实企业并记下其所属乡镇与有效资质;企业库不可用时返回 "
    "503 且不写入任何数据。发布后按推荐结果通知企业与被推荐的供给方。"
    "开启审核 (`MATCHING_REQUIRE_DEMAND_REVIEW`) 时新需求为 `review_status: pending`,"
    "经科技局审核通过后才进入需求大厅、通知供给方、可建立对接。",
    responses=problem_responses(401, 403, 404, 422, 502, 503, codes={404: ["enterprise_not_found"]}),
)
async def post_demand(
    body: DemandCreate,
    idempotency: IdempotencyDep,
    principal: DemandPosterPrincipal,
    session: SessionDep,
    indicator: IndicatorDep,
    index: SupplyIndexDep,
    settings: SettingsDep,
) -> Response:
    return await idempotency.respond(
        body,
        lambda: service.post_demand(
            session, data=body, principal=principal, indicator=indicator, index=index, settings=settings
        ),
    )


@router.get(
    "",
    summary="需求列表",
    description="按类别、状态、乡镇、企业、发布日期、审核状态筛选。企业只看到自己的需求,乡镇只看到本单位企业的需求。"
    "默认按发布时间倒序分页;增量读取(`updated_since` 或 `after`)按修改时间升序,以 `next_cursor` 继续。",
    responses=problem_responses(401, 422),
)
async def list_demands(
    principal: CurrentPrincipal,
    session: ReadSessionDep,
    page: PageDep,
    changes: ChangesDep,
    where: Annotated[DemandFilter, Query()],
) -> Page[DemandPublic]:
    items, total, cursor = await service.list_demands(
        session, principal=principal, page=page, changes=changes, where=where
    )
    return Page(items=items, total=total, next_cursor=cursor)


@router.post(
    "/close-expired",
    summary="关闭到期需求",
    description="仅科技局或调度用的服务账号。截止日期早于 `as_of`(默认今天)仍在征集的需求关闭,其待对接记录"
    "一并关闭;已在对接中的记录不受影响,仍可对接成功或失败。可重复调用。",
    responses=problem_responses(401, 403, 422),
)
async def close_expired_demands(
    principal: SchedulerPrincipal,
    session: SessionDep,
    as_of: Annotated[Day | None, Query(description="以此日期判断是否到期,默认今天")] = None,
) -> ExpirySweep:
    return await service.close_expired(session, principal=principal, as_of=as_of)


@router.get(
    "/{demand_id}",
    summary="需求详情",
    description="企业只能查看自己的需求,他人的需求按不存在处理 (404)。",
    responses=problem_responses(401, 404, 422, codes={404: ["demand_not_found"]}),
)
async def read_demand(demand_id: DemandId, principal: CurrentPrincipal, reads: ReadsDep) -> DemandPublic:
    return await service.read_demand(reads, demand_id=demand_id, principal=principal)


@router.patch(
    "/{demand_id}",
    summary="修改或撤回需求",
    description="仅发布企业(或科技局),且仅在征集中时。只改所给字段;`status: withdrawn` 撤回需求,"
    "其未结束的对接记录一并撤回。",
    responses=problem_responses(
        401,
        403,
        404,
        409,
        422,
        codes={404: ["demand_not_found"], 409: ["demand_not_open"], 422: ["demand_invalid"]},
    ),
)
async def update_demand(
    demand_id: DemandId, body: DemandUpdate, principal: CurrentPrincipal, session: SessionDep
) -> DemandPublic:
    return await service.update_demand(session, demand_id=demand_id, data=body, principal=principal)


@router.post(
    "/{demand_id}/review",
    summary="审核需求",
    description="仅科技局。开启审核时,新发布的需求待审核 (`pending`):`approve` 通过后公开(进入需求大厅,"
    "通知推荐的供给方);`reject` 不通过须写明 `reason`,需求不公开,企业收到通知,修改后重新进入待审核。"
    "只有待审核的需求可以审核(否则 409 `demand_not_pending`)。",
    responses=problem_responses(
        401,
        403,
        404,
        409,
        422,
        codes={404: ["demand_not_found"], 409: ["demand_not_pending"]},
    ),
)
async def review_demand(
    demand_id: DemandId,
    body: DemandReview,
    principal: DemandReviewerPrincipal,
    session: SessionDep,
    index: SupplyIndexDep,
    settings: SettingsDep,
) -> DemandPublic:
    return await service.review_demand(
        session, demand_id=demand_id, data=body, principal=principal, index=index, settings=settings
    )
