"""Reading the audit trail: `GET /api/v1/audit` and `GET /api/v1/exports/audit.xlsx`, auditors only.

(No `from __future__ import annotations` here: the routes are built in a function, and FastAPI
resolves annotations against module globals.)
"""

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import AwareDatetime, BaseModel, Field
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from daye_kit.audit.models import AUDIT
from daye_kit.auth import Principal, Role, ensure_second_factor, require_roles
from daye_kit.db import ReadSessionDep
from daye_kit.errors import problem_responses
from daye_kit.pagination import decode_position, encode_position
from daye_kit.spreadsheets import MAX_ROWS, Column, download, workbook
from daye_kit.timestamps import local_today

Outcome = Literal["success", "failure"]
# Who reads the audit trail: the auditor alone (三员分立: not the bureau, not the security
# administrator).
_AUDITOR_ROLE = require_roles(Role.auditor)


async def AUDITOR(request: Request, principal: Annotated[Principal, Depends(_AUDITOR_ROLE)]) -> Principal:
    """The auditor, with a second factor where the deployment requires one."""
    return ensure_second_factor(principal, request.app.state.settings)


MAX_LIMIT = 500


class AuditEvent(BaseModel):
    """审计记录 (audit event): one write, sign-in or consumer pull."""

    id: int = Field(description="记录编号")
    service: str = Field(description="服务", examples=["funding-api"])
    occurred_at: datetime = Field(description="发生时间 (UTC)")
    actor: str | None = Field(description="操作者用户名;未认证的请求为空,登录时为所填用户名")
    role: str | None = Field(description="操作者角色")
    region_code: str | None = Field(description="操作者绑定的报送单位")
    credit_code: str | None = Field(description="操作者绑定的统一社会信用代码")
    api_key_id: int | None = Field(description="以 API Key 调用时,该密钥的编号")
    action: str = Field(
        description="操作:写操作为其 operation id;`sign_in` / `sign_in_failed` / `sign_out`;"
        "消费方读取为 `data_pull`",
        examples=["create_demand"],
    )
    method: str = Field(description="HTTP 方法")
    path: str = Field(description="请求路径")
    object_type: str | None = Field(description="所涉对象类型(表名或资源集合)", examples=["awards"])
    object_id: str | None = Field(description="所涉对象编号")
    before: dict[str, Any] | None = Field(description="变更前的字段值(密钥类字段已隐去)")
    after: dict[str, Any] | None = Field(description="变更后的字段值(密钥类字段已隐去)")
    changed: list[str] = Field(description="变更的字段名")
    outcome: Outcome = Field(description="结果:success 成功 / failure 失败")
    status: int = Field(description="HTTP 状态码")
    error_code: str | None = Field(description="失败时的错误代码")
    client_addr: str | None = Field(description="客户端地址")
    request_id: str | None = Field(description="请求编号 (X-Request-ID)")
    dataset: str | None = Field(description="消费方读取的数据集")
    rows_returned: int | None = Field(description="消费方读取返回的条数")


class AuditPage(BaseModel):
    items: list[AuditEvent] = Field(description="本页记录,新的在前")
    total: int = Field(description="符合条件的总条数")
    next_cursor: str | None = Field(description="下一页的 `after`;没有更多时为空")


class AuditFilters(BaseModel):
    actor: str | None = None
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    outcome: Outcome | None = None
    since: datetime | None = None
    until: datetime | None = None

    def apply(self, query: Select[Any]) -> Select[Any]:
        c = AUDIT.c
        for column, value in (
            (c.actor, self.actor),
            (c.action, self.action),
            (c.object_type, self.object_type),
            (c.object_id, self.object_id),
            (c.outcome, self.outcome),
        ):
            if value is not None:
                query = query.where(column == value)
        if self.since is not None:
            query = query.where(c.occurred_at >= self.since)
        if self.until is not None:
            query = query.where(c.occurred_at < self.until)
        return query


async def _filters(
    actor: Annotated[str | None, Query(max_length=64, description="操作者用户名")] = None,
    action: Annotated[str | None, Query(max_length=64, description="操作", examples=["sign_in"])] = None,
    object_type: Annotated[str | None, Query(max_length=64, description="对象类型")] = None,
    object_id: Annotated[str | None, Query(max_length=128, description="对象编号")] = None,
    outcome: Annotated[Outcome | None, Query(description="结果")] = None,
    since: Annotated[AwareDatetime | None, Query(description="自此时刻(含),带时区")] = None,
    until: Annotated[AwareDatetime | None, Query(description="至此时刻(不含),带时区")] = None,
) -> AuditFilters:
    return AuditFilters(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        outcome=outcome,
        since=since,
        until=until,
    )


FiltersDep = Annotated[AuditFilters, Depends(_filters)]


async def read_audit(
    session: AsyncSession, filters: AuditFilters, *, limit: int, after: str | None
) -> AuditPage:
    """Newest first, keyset paged on `(occurred_at, id)`."""
    c = AUDIT.c
    total = int(await session.scalar(filters.apply(select(func.count()).select_from(AUDIT))) or 0)
    query = filters.apply(select(AUDIT))
    if after is not None:
        when, key = decode_position(after)
        query = query.where(or_(c.occurred_at < when, and_(c.occurred_at == when, c.id < key)))
    rows = (await session.execute(query.order_by(c.occurred_at.desc(), c.id.desc()).limit(limit))).mappings()
    items = [AuditEvent.model_validate(dict(row)) for row in rows]
    cursor = encode_position(items[-1].occurred_at, items[-1].id) if len(items) == limit else None
    return AuditPage(items=items, total=total, next_cursor=cursor)


COLUMNS = [
    Column("时间 (UTC)", "yyyy-mm-dd hh:mm:ss", 20),
    Column("服务", width=14),
    Column("操作者", width=14),
    Column("角色", width=10),
    Column("操作", width=24),
    Column("方法", width=8),
    Column("路径", width=40),
    Column("对象类型", width=16),
    Column("对象编号", width=12),
    Column("变更字段", width=30),
    Column("结果", width=8),
    Column("状态码", width=8),
    Column("错误代码", width=18),
    Column("数据集", width=14),
    Column("返回条数", width=10),
    Column("客户端地址", width=16),
    Column("请求编号", width=34),
]


def audit_router(reader: Any) -> APIRouter:
    """The audit trail of one service; `reader` is the role requirement (auditors)."""
    router = APIRouter(prefix="/api/v1", tags=["审计"])

    @router.get(
        "/audit",
        operation_id="list_audit_events",
        summary="审计记录",
        description="本服务的审计记录:每个写操作(成功或失败)、登录与登出、消费方 API Key 的每次读取各一条;"
        "新的在前,以 `next_cursor` 翻页。记录只增不改,保留期见服务设置 `AUDIT_RETENTION_DAYS`"
        "(默认 365 天,至少 180 天)。仅审计员可读。",
        response_model=AuditPage,
        responses=problem_responses(400, 401, 403, 422),
    )
    async def list_audit_events(
        _: Annotated[Principal, Depends(reader)],
        session: ReadSessionDep,
        filters: FiltersDep,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="每页条数")] = 50,
        after: Annotated[str | None, Query(max_length=200, description="上一页的 `next_cursor`")] = None,
    ) -> AuditPage:
        return await read_audit(session, filters, limit=limit, after=after)

    @router.get(
        "/exports/audit.xlsx",
        operation_id="export_audit_events",
        summary="导出审计记录 (Excel)",
        description=f"与审计记录列表相同的筛选条件,新的在前,至多 {MAX_ROWS} 条。仅审计员可读。",
        response_class=Response,
        responses={
            200: {"content": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}},
            **problem_responses(400, 401, 403, 422),
        },
    )
    async def export_audit_events(
        _: Annotated[Principal, Depends(reader)], session: ReadSessionDep, filters: FiltersDep
    ) -> Response:
        page = await read_audit(session, filters, limit=MAX_ROWS, after=None)
        rows = [
            [
                item.occurred_at.replace(tzinfo=None),
                item.service,
                item.actor,
                item.role,
                item.action,
                item.method,
                item.path,
                item.object_type,
                item.object_id,
                ", ".join(item.changed),
                "成功" if item.outcome == "success" else "失败",
                item.status,
                item.error_code,
                item.dataset,
                item.rows_returned,
                item.client_addr,
                item.request_id,
            ]
            for item in page.items
        ]
        content = workbook("审计记录", COLUMNS, rows)
        return download(content, f"审计记录-{local_today().isoformat()}.xlsx", fallback="audit.xlsx")

    return router
