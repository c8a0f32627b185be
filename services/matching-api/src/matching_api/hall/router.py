"""The hall of open demands (/api/v1/hall) and a supplier's response to one of them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from daye_kit.db import ReadSessionDep, SessionDep
from daye_kit.errors import problem_responses
from daye_kit.idempotency import IdempotencyDep
from daye_kit.ids import RowId
from daye_kit.pagination import PageDep
from matching_api.access import HallReaderPrincipal, ResponderPrincipal
from matching_api.deps import IndicatorDep, SettingsDep, SupplyIndexDep
from matching_api.enums import DemandKind
from matching_api.hall import service
from matching_api.hall.schemas import HallPage, ResponseCreate
from matching_api.matches.schemas import MatchDetail

router = APIRouter(prefix="/api/v1", tags=["需求大厅"])
Term = Annotated[str, Query(min_length=1, max_length=32)]


@router.get(
    "/hall",
    summary="需求大厅",
    description="供给方(高校、院所、银行)可应答的需求:已公开(审核通过)、征集中、未到期。默认只列调用者在架供给"
    "能服务的类别、且需求文本或行业提到其供给的领域与服务行业的;`fields` 可另指领域(可重复)。按发布时间倒序"
    "分页;每条给出匿名的企业称呼(不含名称、信用代码与联系方式)、调用者是否已应答 (`responded`),以及匹配引擎对"
    "其最相关供给的评分 (`relevance`,0–1)。科技局、审计员与只读账号也可查看。",
    responses=problem_responses(401, 403, 422),
)
async def read_hall(
    principal: HallReaderPrincipal,
    session: ReadSessionDep,
    page: PageDep,
    index: SupplyIndexDep,
    settings: SettingsDep,
    indicator: IndicatorDep,
    fields: Annotated[
        list[Term] | None, Query(max_length=20, description="按这些领域筛选(可重复);默认取本账号供给的领域")
    ] = None,
    kind: Annotated[DemandKind | None, Query(description="需求类型")] = None,
    q: Annotated[str | None, Query(max_length=64, description="标题或描述包含")] = None,
) -> HallPage:
    return await service.hall(
        session,
        principal=principal,
        page=page,
        fields=fields or [],
        kind=kind,
        q=q,
        index=index,
        settings=settings,
        indicator=indicator,
    )


@router.post(
    "/demands/{demand_id}/responses",
    status_code=status.HTTP_201_CREATED,
    response_model=MatchDetail,
    summary="应答需求(揭榜)",
    description="供给方账号以本账号维护的一项在架供给应答大厅中的需求,"
    "建立一条来源为 `supplier` 的待对接记录并通知企业;此后按对接状态机推进"
    "(`PATCH /api/v1/matches/{id}`),在 `GET /api/v1/matches?mine=true` 中跟进。"
    "他人的供给返回 403 `not_your_supply`;未公开的需求按不存在处理 (404)。",
    responses=problem_responses(
        401,
        403,
        404,
        409,
        422,
        codes={
            403: ["not_your_supply"],
            404: ["demand_not_found", "supply_not_found"],
            409: [
                "demand_not_open",
                "demand_expired",
                "supply_withdrawn",
                "match_exists",
                "supply_at_capacity",
            ],
        },
    ),
)
async def respond_to_demand(
    demand_id: Annotated[RowId, Path(description="需求编号")],
    body: ResponseCreate,
    idempotency: IdempotencyDep,
    principal: ResponderPrincipal,
    session: SessionDep,
    index: SupplyIndexDep,
    settings: SettingsDep,
) -> Response:
    return await idempotency.respond(
        body,
        lambda: service.respond(
            session, demand_id=demand_id, data=body, principal=principal, index=index, settings=settings
        ),
    )
