"""The ledger and its reconciliation: /api/v1/ledger/entries, /api/v1/reconciliation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from daye_kit.db import SessionDep
from daye_kit.errors import problem_responses
from daye_kit.pagination import ChangesDep, Page, PageDep
from funding_api.access import LedgerReaderPrincipal, ReconciliationReaderPrincipal
from funding_api.ledger import service
from funding_api.ledger.schemas import EntryFilter, EntryPublic, Reconciliation

router = APIRouter(prefix="/api/v1", tags=["分户账"])


@router.get(
    "/ledger/entries",
    summary="分录列表",
    description="只增不改的分户账分录,按科目、资金项目、奖补、凭证、业务类型和记账日期筛选,按记账顺序排列。"
    "每笔资金变动是一张借贷平衡的凭证(借正贷负,合计为 0);更正一律以冲正凭证记录。"
    "仅管理员、只读账号与服务账号可查。增量读取 (`updated_since`、`after`) 按记账时间排列。",
    responses=problem_responses(401, 403, 422),
)
async def list_ledger_entries(
    _: LedgerReaderPrincipal,
    session: SessionDep,
    page: PageDep,
    changes: ChangesDep,
    where: Annotated[EntryFilter, Query()],
) -> Page[EntryPublic]:
    items, total, cursor = await service.list_entries(session, where=where, page=page, changes=changes)
    return Page(items=items, total=total, next_cursor=cursor)


@router.get(
    "/reconciliation",
    summary="对账",
    description="检查每张凭证借贷平衡,奖补的应付与已拨付余额之和等于奖补金额、已拨付等于未冲正的拨付记录,"
    "资金项目的预算下达等于预算、可用余额等于预算减已批准奖补、已拨付不超过预算;列出不符之处"
    "(每类最多 100 条)。",
    responses=problem_responses(401, 403),
)
async def read_reconciliation(_: ReconciliationReaderPrincipal, session: SessionDep) -> Reconciliation:
    return await service.reconcile(session)
