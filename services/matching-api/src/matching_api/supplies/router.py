"""The supply catalogue: /api/v1/supplies."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from daye_kit.auth import CurrentPrincipal
from daye_kit.db import SessionDep
from daye_kit.errors import problem_responses
from daye_kit.idempotency import IdempotencyDep
from daye_kit.ids import RowId
from daye_kit.pagination import ChangesDep, Page, PageDep
from matching_api.access import CatalogueWriterPrincipal
from matching_api.supplies import service
from matching_api.supplies.schemas import SupplyCreate, SupplyFilter, SupplyPublic, SupplyUpdate

router = APIRouter(prefix="/api/v1/supplies", tags=["供给"])
SupplyId = Annotated[RowId, Path(description="供给编号")]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=SupplyPublic,
    summary="登记供给",
    description="科技局(admin)、对接的服务账号或供给方账号(supplier:高校、院所、银行)登记专家与团队、技术成果、"
    "金融产品。供给方登记的供给归其本人 (`owner_username` 为本账号;填他人返回 403 `not_your_supply`)。"
    "专家须填可服务企业数 `capacity`;金融产品须填额度上限与融资方式,可设准入资质。登记后下一次推荐即可见。",
    responses=problem_responses(401, 403, 422, codes={403: ["not_your_supply"]}),
)
async def create_supply(
    body: SupplyCreate, idempotency: IdempotencyDep, principal: CatalogueWriterPrincipal, session: SessionDep
) -> Response:
    return await idempotency.respond(
        body, lambda: service.create_supply(session, data=body, principal=principal)
    )


@router.get(
    "",
    summary="供给列表",
    description="按类别、状态、机构、关键词筛选;`mine=true` 只列本账号维护的供给(供给方的“我的供给”)。"
    "所有已登录账号可查看供给目录。默认按编号升序分页,只列在架的;"
    "增量读取(`updated_since` 或 `after`)按修改时间升序,以 `next_cursor` 继续,不给 `status` 时也含已下架的"
    "(下架也是一次修改)。",
    responses=problem_responses(401, 422),
)
async def list_supplies(
    principal: CurrentPrincipal,
    session: SessionDep,
    page: PageDep,
    changes: ChangesDep,
    where: Annotated[SupplyFilter, Query()],
) -> Page[SupplyPublic]:
    items, total, cursor = await service.list_supplies(
        session, principal=principal, page=page, changes=changes, where=where
    )
    return Page(items=items, total=total, next_cursor=cursor)


@router.get(
    "/{supply_id}",
    summary="供给详情",
    description="一项供给的全部信息。",
    responses=problem_responses(401, 404, 422, codes={404: ["supply_not_found"]}),
)
async def read_supply(supply_id: SupplyId, principal: CurrentPrincipal, session: SessionDep) -> SupplyPublic:
    return await service.read_supply(session, supply_id=supply_id)


@router.patch(
    "/{supply_id}",
    summary="修改或下架供给",
    description="科技局、服务账号或该供给的代表账号可修改,他人的供给返回 403 `not_your_supply`;"
    "`status: withdrawn` 下架后不再参与推荐。修改后下一次推荐即按新内容计算(各副本一致)。",
    responses=problem_responses(
        401,
        403,
        404,
        422,
        codes={403: ["not_your_supply"], 404: ["supply_not_found"], 422: ["supply_invalid"]},
    ),
)
async def update_supply(
    supply_id: SupplyId, body: SupplyUpdate, principal: CurrentPrincipal, session: SessionDep
) -> SupplyPublic:
    return await service.update_supply(session, supply_id=supply_id, data=body, principal=principal)


@router.delete(
    "/{supply_id}",
    summary="下架供给",
    description="科技局、服务账号或该供给的代表账号把供给下架 (`status: withdrawn`),不再参与推荐与需求大厅;"
    "已有的对接记录不受影响。他人的供给返回 403 `not_your_supply`;已下架的再次下架不变。返回下架后的供给。",
    responses=problem_responses(
        401, 403, 404, 422, codes={403: ["not_your_supply"], 404: ["supply_not_found"]}
    ),
)
async def retire_supply(
    supply_id: SupplyId, principal: CurrentPrincipal, session: SessionDep
) -> SupplyPublic:
    return await service.retire_supply(session, supply_id=supply_id, principal=principal)
