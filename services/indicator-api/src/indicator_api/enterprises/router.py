"""The enterprise registry: /api/v1/enterprises."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from daye_kit.auth import AdminPrincipal, CurrentPrincipal
from daye_kit.conditional import last_modified
from daye_kit.credit_code import CreditCode
from daye_kit.db import ReadsDep, ReadSessionDep, SessionDep
from daye_kit.errors import json_rows, problem_responses, rows_located
from daye_kit.idempotency import IdempotencyDep
from daye_kit.pagination import ChangesDep, Page, PageDep
from indicator_api.access import FiguresReaderPrincipal, RegistrarPrincipal, RegistryEditorPrincipal
from indicator_api.enterprises import figures, service
from indicator_api.enterprises.schemas import (
    EnterpriseCreate,
    EnterpriseFiguresIn,
    EnterpriseFiguresPublic,
    EnterpriseFilter,
    EnterprisePublic,
    EnterpriseUpdate,
    QualificationFilter,
    QualificationIn,
    QualificationPublic,
)

router = APIRouter(prefix="/api/v1/enterprises", tags=["企业库"])
qualifications = APIRouter(prefix="/api/v1/qualifications", tags=["企业库"])
CreditCodePath = Annotated[CreditCode, Path(description="统一社会信用代码")]


@router.get(
    "",
    summary="企业列表",
    description="按单位、行业、名称、资质筛选,`q` 按名称或信用代码片段查找;"
    "`qualification=hte&qualified_on=2025-06-30` 即某日在有效期内的高企。"
    "乡镇账号只看到本单位企业,企业账号只看到自己。"
    "增量读取:`updated_since` 与 `after`(上一页的 `next_cursor`)按修改时间升序给出新建或修改的企业"
    "(新增资质也算修改)。",
    responses=problem_responses(401, 422),
)
async def list_enterprises(
    principal: CurrentPrincipal,
    session: ReadSessionDep,
    page: PageDep,
    changes: ChangesDep,
    where: Annotated[EnterpriseFilter, Query()],
) -> Page[EnterprisePublic]:
    return await service.list_enterprises(
        session, principal=principal, page=page, changes=changes, where=where
    )


@qualifications.get(
    "",
    summary="资质列表",
    description="全部企业的资质记录(按企业、认定日期排列),可按企业 (`credit_code`) 与资质种类筛选。"
    "乡镇账号只看到本单位企业的资质,企业账号只看到自己的。"
    "增量读取:`updated_since` 与 `after`(上一页的 `next_cursor`)按记录时间升序给出新记录的资质。",
    responses=problem_responses(401, 422),
)
async def list_qualifications(
    principal: CurrentPrincipal,
    session: ReadSessionDep,
    page: PageDep,
    changes: ChangesDep,
    where: Annotated[QualificationFilter, Query()],
) -> Page[QualificationPublic]:
    return await service.list_qualifications(
        session, principal=principal, page=page, changes=changes, where=where
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=EnterprisePublic,
    summary="登记企业",
    description="管理员可登记任一单位的企业;乡镇账号只能登记本单位企业,且不能填写资质。"
    "信用代码按 GB 32100 校验。",
    responses=problem_responses(401, 403, 409, 422, codes={409: ["enterprise_exists"]}),
)
async def create_enterprise(
    body: EnterpriseCreate, idempotency: IdempotencyDep, principal: RegistrarPrincipal, session: SessionDep
) -> Response:
    with rows_located(json_rows("body", single=True)):
        return await idempotency.respond(
            body, lambda: service.create_enterprise(session, data=body, principal=principal)
        )


@router.get(
    "/{credit_code}",
    summary="企业详情",
    description="含全部资质及其有效期。",
    responses=problem_responses(401, 404, 422, codes={404: ["enterprise_not_found"]}),
)
async def read_enterprise(
    credit_code: CreditCodePath,
    principal: CurrentPrincipal,
    reads: ReadsDep,
    response: Response,
) -> EnterprisePublic:
    enterprise = await service.read_enterprise(reads, credit_code=credit_code, principal=principal)
    last_modified(response, enterprise.updated_at)
    return enterprise


@router.patch(
    "/{credit_code}",
    summary="修改企业信息",
    description="只改所给字段。变更所属单位仅限管理员;资质不在此修改。",
    responses=problem_responses(401, 403, 404, 422, codes={404: ["enterprise_not_found"]}),
)
async def update_enterprise(
    credit_code: CreditCodePath,
    body: EnterpriseUpdate,
    principal: RegistryEditorPrincipal,
    session: SessionDep,
) -> EnterprisePublic:
    with rows_located(json_rows("body", single=True)):
        return await service.update_enterprise(
            session, credit_code=credit_code, data=body, principal=principal
        )


@router.post(
    "/{credit_code}/qualifications",
    status_code=status.HTTP_201_CREATED,
    response_model=QualificationPublic,
    summary="记录资质",
    description="仅管理员。记录一次认定(科技型中小企业入库、高企认定、新物种)及其有效期。",
    responses=problem_responses(
        401, 403, 404, 409, 422, codes={404: ["enterprise_not_found"], 409: ["qualification_exists"]}
    ),
)
async def add_qualification(
    credit_code: CreditCodePath,
    body: QualificationIn,
    idempotency: IdempotencyDep,
    principal: AdminPrincipal,
    session: SessionDep,
) -> Response:
    return await idempotency.respond(
        body,
        lambda: service.add_qualification(session, credit_code=credit_code, data=body, principal=principal),
    )


@router.get(
    "/{credit_code}/figures",
    summary="企业经营数据",
    description="企业最近一次申报(或乡镇核实)的经营与研发数据,用于培育对象筛选和政策测算。"
    "管理员、审计员、企业所在乡镇和企业本身可读;其他乡镇或企业得到 404。"
    "尚无数据时 404 `figures_not_found`。",
    responses=problem_responses(
        401, 403, 404, 422, codes={404: ["enterprise_not_found", "figures_not_found"]}
    ),
)
async def read_figures(
    credit_code: CreditCodePath, principal: FiguresReaderPrincipal, session: ReadSessionDep
) -> EnterpriseFiguresPublic:
    return await figures.read_figures(session, credit_code=credit_code, principal=principal)


@router.put(
    "/{credit_code}/figures",
    summary="更新企业经营数据",
    description="整体替换企业的经营与研发数据。管理员、企业所在乡镇或企业本身可写。"
    "数据不自洽(如科技人员多于职工总数)时 422。",
    responses=problem_responses(401, 403, 404, 422, codes={404: ["enterprise_not_found"]}),
)
async def put_figures(
    credit_code: CreditCodePath,
    body: EnterpriseFiguresIn,
    principal: RegistryEditorPrincipal,
    session: SessionDep,
) -> EnterpriseFiguresPublic:
    return await figures.put_figures(session, credit_code=credit_code, data=body, principal=principal)
