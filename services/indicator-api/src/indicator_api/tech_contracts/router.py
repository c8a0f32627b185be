"""Technology contracts reported by the bureau or a platform service (matching-api's dockings)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from daye_kit.db import SessionDep
from daye_kit.errors import NotFound, json_rows, problem_responses, rows_located
from daye_kit.idempotency import Answer, IdempotencyDep
from daye_kit.ids import RowId
from daye_kit.pagination import ChangesDep, Page, PageDep
from indicator_api.access import ContractReaderPrincipal, ContractReporterPrincipal
from indicator_api.deps import SettingsDep
from indicator_api.tech_contracts import service
from indicator_api.tech_contracts.models import TechContract
from indicator_api.tech_contracts.schemas import TechContractFilter, TechContractIn, TechContractPublic

router = APIRouter(prefix="/api/v1", tags=["指标"])


@router.post(
    "/tech-contracts",
    status_code=status.HTTP_201_CREATED,
    response_model=TechContractPublic,
    summary="登记技术合同",
    description="科创供应链对接成功等来源报送的技术合同。按 (source, source_id) 幂等:"
    "重复报送同一合同返回 200 与原记录,条款不同返回 409。"
    "登记后技术合同成交额(亿元)自签订月份起随之增加,无需再次录入。"
    "带 `Idempotency-Key` 的重试原样返回第一次的答复。",
    responses={
        **problem_responses(401, 403, 409, 422, codes={409: ["contract_differs"]}),
        200: {"description": "重复报送,已登记", "model": TechContractPublic},
    },
)
async def record_tech_contract(
    body: TechContractIn,
    idempotency: IdempotencyDep,
    principal: ContractReporterPrincipal,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    async def record() -> Answer:
        with rows_located(json_rows("body", single=True)):
            contract, created = await service.record_contract(
                session, data=body, principal=principal, city_code=settings.city_code
            )
        status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Answer.of(TechContractPublic.model_validate(contract), status_code)

    return await idempotency.respond(body, record)


@router.get(
    "/tech-contracts",
    summary="技术合同列表",
    description="逐笔追溯技术合同成交额:按来源 (`source`,如 matching-api)、来源编号(对接记录编号)、"
    "签订月份、所属单位、状态筛选。每笔合同以 source + source_id 指向其来源(对接记录)。"
    "增量读取:`updated_since` 与 `after`(上一页的 `next_cursor`)按变更时间升序给出新登记、更正或注销的合同。",
    responses=problem_responses(401, 403, 422),
)
async def list_tech_contracts(
    _: ContractReaderPrincipal,
    session: SessionDep,
    page: PageDep,
    changes: ChangesDep,
    where: Annotated[TechContractFilter, Query()],
) -> Page[TechContractPublic]:
    items, total, cursor = await service.list_contracts(session, where=where, page=page, changes=changes)
    return Page(items=[TechContractPublic.model_validate(c) for c in items], total=total, next_cursor=cursor)


@router.get(
    "/tech-contracts/{contract_id}",
    summary="技术合同详情",
    description="一笔技术合同的当前版本与状态。",
    responses=problem_responses(401, 403, 404, 422, codes={404: ["tech_contract_not_found"]}),
)
async def read_tech_contract(
    contract_id: Annotated[RowId, Path(description="技术合同编号")],
    _: ContractReaderPrincipal,
    session: SessionDep,
) -> TechContractPublic:
    contract = await session.get(TechContract, contract_id)
    if contract is None:
        raise NotFound(f"technology contract {contract_id} does not exist", code="tech_contract_not_found")
    return TechContractPublic.model_validate(contract)
