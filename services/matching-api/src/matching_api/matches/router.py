"""Docking records: /api/v1/matches."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from daye_kit.auth import CurrentPrincipal
from daye_kit.db import SessionDep
from daye_kit.errors import problem_responses
from daye_kit.idempotency import IdempotencyDep
from daye_kit.ids import RowId
from daye_kit.pagination import ChangesDep, Page, PageDep
from matching_api.deps import SettingsDep, SupplyIndexDep
from matching_api.matches import service
from matching_api.matches.schemas import (
    Contract,
    MatchCreate,
    MatchDetail,
    MatchFilter,
    MatchPublic,
    MatchUpdate,
)

router = APIRouter(prefix="/api/v1/matches", tags=["对接"])
MatchId = Annotated[RowId, Path(description="对接记录编号")]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=MatchDetail,
    summary="建立对接记录",
    description="需求方企业从推荐中选定供给、供给方代表账号揭榜应答、或科技局撮合,建立一条待对接 (proposed) "
    "记录,并通知另一方。需求须已公开(审核通过,否则 409 `demand_not_public`)、在征集中且未到期;"
    "专家已满额 (`supply_at_capacity`)、同一需求与供给已有记录 (`match_exists`) 返回 409。",
    responses=problem_responses(
        401,
        403,
        404,
        409,
        422,
        codes={
            403: ["match_forbidden"],
            404: ["demand_not_found", "supply_not_found"],
            409: [
                "demand_not_open",
                "demand_not_public",
                "demand_expired",
                "supply_withdrawn",
                "match_exists",
                "supply_at_capacity",
            ],
        },
    ),
)
async def create_match(
    body: MatchCreate,
    idempotency: IdempotencyDep,
    principal: CurrentPrincipal,
    session: SessionDep,
    index: SupplyIndexDep,
    settings: SettingsDep,
) -> Response:
    return await idempotency.respond(
        body,
        lambda: service.create_match(session, data=body, principal=principal, index=index, settings=settings),
    )


@router.get(
    "",
    summary="对接记录列表",
    description="企业看到本企业需求的记录,供给代表账号看到其供给的记录(`mine=true` 只列这些),"
    "乡镇看到本单位企业的记录。"
    "默认按编号倒序分页;增量读取(`updated_since` 或 `after`)按修改时间升序,以 `next_cursor` 继续。"
    "记录所示需求、供给摘要变化时,其修改时间随之更新。",
    responses=problem_responses(401, 422),
)
async def list_matches(
    principal: CurrentPrincipal,
    session: SessionDep,
    page: PageDep,
    changes: ChangesDep,
    where: Annotated[MatchFilter, Query()],
) -> Page[MatchPublic]:
    items, total, cursor = await service.list_matches(
        session, principal=principal, page=page, changes=changes, where=where
    )
    return Page(items=items, total=total, next_cursor=cursor)


@router.get(
    "/{match_id}",
    summary="对接记录详情",
    description="含状态变更记录。无权查看的记录按不存在处理。",
    responses=problem_responses(401, 404, 422, codes={404: ["match_not_found"]}),
)
async def read_match(match_id: MatchId, principal: CurrentPrincipal, session: SessionDep) -> MatchDetail:
    return await service.read_match(session, match_id=match_id, principal=principal)


@router.patch(
    "/{match_id}",
    summary="推进对接状态",
    description="状态机:proposed → docking → succeeded / failed;proposed 或 docking → withdrawn;"
    "需求到期时 proposed → closed(仅由到期关闭处理)。非法转换返回 409 `illegal_transition`,"
    "无权的一方返回 403 `transition_forbidden`。对接成功由需求方企业或科技局确认,可附技术合同"
    "(金额、类型:开发/转让/咨询/服务、签订日期),与成功一并写入发件箱,随后报送 indicator-api 计入技术合同"
    "成交额;indicator-api 暂不可用只会推迟报送(`contract_status` 为 pending),不影响本次变更。"
    "科技局可撤销一次成功 (succeeded → withdrawn):已报送的合同随之注销,成交额回落。",
    responses=problem_responses(
        401,
        403,
        404,
        409,
        422,
        codes={
            403: ["transition_forbidden"],
            404: ["match_not_found"],
            409: ["illegal_transition", "demand_expired"],
        },
    ),
)
async def update_match(
    match_id: MatchId, body: MatchUpdate, principal: CurrentPrincipal, session: SessionDep
) -> MatchDetail:
    return await service.update_match(session, match_id=match_id, data=body, principal=principal)


@router.put(
    "/{match_id}/contract",
    summary="补录或更正技术合同",
    description="对接成功后补录技术合同,或更正已报送的合同(新的版本)。由需求方企业或科技局操作;"
    "经发件箱报送 indicator-api,技术合同成交额随之调整。仅限成功的技术、人才对接。",
    responses=problem_responses(
        401,
        403,
        404,
        409,
        422,
        codes={403: ["contract_forbidden"], 404: ["match_not_found"], 409: ["contract_only_on_success"]},
    ),
)
async def set_match_contract(
    match_id: MatchId, body: Contract, principal: CurrentPrincipal, session: SessionDep
) -> MatchDetail:
    return await service.set_contract(session, match_id=match_id, data=body, principal=principal)
