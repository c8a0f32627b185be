"""Notifications (站内通知), the same mechanism in every service: a row per audience, written in the
transaction of what it tells about, read by each account through `GET /api/v1/notifications` and
marked read with `PATCH /api/v1/notifications/{id}`.

- `notifications_table(metadata, *references)` defines `notifications` in a service's metadata (and
  its migration): the columns every service shares, plus the service's own references to what a
  notification is about (matching-api's `demand_id`, `supply_id`, `match_id`; funding-api's
  `award_id`; indicator-api's `region_code`, `year`, `month`), which its answers carry.
- `Notifications(table)` binds the mechanism to that table: `notify()` in the caller's transaction
  (a notification exists exactly when the change does), `not_sent()` for reminders sent once,
  and `router()` for the two endpoints.
- An audience is `user:<username>`, `enterprise:<credit code>`, `region:<unit code>` (every township
  account bound to the unit) or `bureau` (every admin); an account reads the audiences it belongs to.

(No `from __future__ import annotations` here: the router's endpoints are built in a function, and
FastAPI resolves annotations against module globals.)
"""

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import (
    Column,
    ColumnElement,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    exists,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from daye_kit.auth import CurrentPrincipal, Principal, Role
from daye_kit.db import SessionDep
from daye_kit.errors import NotFound, problem_responses
from daye_kit.ids import MAX_ROW_ID, RowId
from daye_kit.pagination import Page, PageDep, PageParams
from daye_kit.timestamps import UtcDateTime, utcnow

BUREAU = "bureau"
TITLE_CHARS = 200


def user_audience(username: str) -> str:
    return f"user:{username}"


def enterprise_audience(credit_code: str) -> str:
    return f"enterprise:{credit_code}"


def region_audience(region_code: str) -> str:
    """Every township account bound to the unit."""
    return f"region:{region_code}"


def audiences_of(principal: Principal) -> list[str]:
    audiences = [user_audience(principal.username)]
    if principal.role is Role.enterprise and principal.credit_code:
        audiences.append(enterprise_audience(principal.credit_code))
    if principal.role is Role.township and principal.region_code:
        audiences.append(region_audience(principal.region_code))
    if principal.role is Role.admin:
        audiences.append(BUREAU)
    return audiences


def notifications_table(metadata: MetaData, *references: Column[Any]) -> Table:
    """`notifications` in a service's metadata: the shared columns and the service's `references`
    (nullable columns naming what a notification is about)."""
    return Table(
        "notifications",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        # `user:<username>`, `enterprise:<credit code>`, `region:<unit code>` or `bureau`.
        Column("audience", String(96), nullable=False, index=True),
        Column("kind", String(32), nullable=False),
        Column("title", String(TITLE_CHARS), nullable=False),
        Column("body", Text, nullable=False),
        *references,
        Column("created_at", UtcDateTime(), nullable=False),
        Column("read_at", UtcDateTime(), nullable=True),
    )


class NotificationPublic(BaseModel):
    """What every service's notifications answer; a service adds its references' fields and describes
    its kinds."""

    model_config = ConfigDict(from_attributes=True)

    id: int = Field(description="递增编号:轮询时以 `after_id` 传回上次看到的最大编号")
    kind: str = Field(description="通知类别")
    title: str = Field(description="通知标题")
    body: str = Field(description="通知正文")
    created_at: datetime = Field(description="通知时间")
    read_at: datetime | None = Field(description="已读时间;未读为空")


class NotificationFilter(BaseModel):
    after_id: int | None = Field(
        default=None, ge=0, le=MAX_ROW_ID, description="只返回编号大于此值的通知(轮询)"
    )
    unread: bool = Field(default=False, description="只看未读")


class NotificationUpdate(BaseModel):
    read: bool = Field(description="true 标为已读,false 标为未读")


class NotificationsRead(BaseModel):
    up_to_id: int | None = Field(
        default=None,
        ge=0,
        le=MAX_ROW_ID,
        description="只标记编号不大于此的通知(即页面上已显示的),之后到达的仍为未读;不给则全部标记",
    )


class MarkedRead(BaseModel):
    marked: int = Field(description="本次由未读标为已读的通知数", examples=[12])


class Notifications:
    """The mechanism over one service's `notifications` table."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.references = tuple(
            column.name
            for column in table.columns
            if column.name not in {"id", "audience", "kind", "title", "body", "created_at", "read_at"}
        )

    async def notify(
        self,
        session: AsyncSession,
        *,
        audiences: Iterable[str],
        kind: str,
        title: str,
        body: str = "",
        **references: Any,
    ) -> int:
        """Write one notification per audience (each once) in the caller's transaction; how many."""
        unknown = set(references) - set(self.references)
        if unknown:
            raise TypeError(f"notifications have no reference {sorted(unknown)}")
        now = utcnow()
        rows = [
            {
                "audience": audience,
                "kind": kind,
                "title": title[:TITLE_CHARS],
                "body": body,
                **dict.fromkeys(self.references),
                **references,
                "created_at": now,
                "read_at": None,
            }
            for audience in dict.fromkeys(audiences)
        ]
        if rows:
            await session.execute(insert(self.table), rows)
        return len(rows)

    def not_sent(self, kind: str, **references: Any) -> ColumnElement[bool]:
        """No notification of `kind` about these references yet (columns or values): a reminder's
        condition, so that it is sent once however often its duty runs."""
        table = self.table
        conditions = [table.c.kind == kind, *(table.c[name] == value for name, value in references.items())]
        return ~exists().where(*conditions)

    async def page_of(
        self, session: AsyncSession, *, principal: Principal, page: PageParams, where: NotificationFilter
    ) -> tuple[list[Mapping[str, Any]], int]:
        table = self.table
        conditions: list[ColumnElement[bool]] = [table.c.audience.in_(audiences_of(principal))]
        if where.after_id is not None:
            conditions.append(table.c.id > where.after_id)
        if where.unread:
            conditions.append(table.c.read_at.is_(None))
        total = int((await session.execute(select(func.count()).where(*conditions))).scalar_one())
        rows = await session.execute(
            select(table).where(*conditions).order_by(table.c.id).limit(page.limit).offset(page.offset)
        )
        return [dict(row) for row in rows.mappings()], total

    async def mark(
        self, session: AsyncSession, *, principal: Principal, notification_id: int, read: bool
    ) -> Mapping[str, Any]:
        """Read or unread; another account's notification is one that does not exist."""
        table = self.table
        mine = (table.c.id == notification_id) & table.c.audience.in_(audiences_of(principal))
        row = (await session.execute(select(table).where(mine))).mappings().first()
        if row is None:
            raise NotFound(f"notification {notification_id} does not exist", code="notification_not_found")
        read_at = (row["read_at"] or utcnow()) if read else None
        await session.execute(update(table).where(table.c.id == notification_id).values(read_at=read_at))
        return {**row, "read_at": read_at}

    async def mark_all_read(
        self, session: AsyncSession, *, principal: Principal, up_to_id: int | None
    ) -> int:
        """Every unread notification of the caller's audiences (up to `up_to_id`) read; how many."""
        table = self.table
        conditions: list[ColumnElement[bool]] = [
            table.c.audience.in_(audiences_of(principal)),
            table.c.read_at.is_(None),
        ]
        if up_to_id is not None:
            conditions.append(table.c.id <= up_to_id)
        result = await session.execute(update(table).where(*conditions).values(read_at=utcnow()))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def router(self, public: type[NotificationPublic], *, description: str) -> APIRouter:
        """`GET /api/v1/notifications` and `PATCH /api/v1/notifications/{id}`, answering `public`
        (the service's subclass naming its references and kinds)."""
        router = APIRouter(prefix="/api/v1/notifications", tags=["通知"])
        notifications = self

        @router.get(
            "",
            summary="我的通知",
            description=description,
            response_model=Page[public],  # type: ignore[valid-type]
            responses=problem_responses(401, 422),
        )
        async def list_notifications(
            principal: CurrentPrincipal,
            session: SessionDep,
            page: PageDep,
            where: Annotated[NotificationFilter, Query()],
        ) -> Any:
            rows, total = await notifications.page_of(session, principal=principal, page=page, where=where)
            return {"items": [public.model_validate(dict(row)) for row in rows], "total": total}

        @router.patch(
            "/{notification_id}",
            summary="标记通知已读或未读",
            description="只能标记发给自己的通知;他人的通知按不存在处理。",
            response_model=public,
            responses=problem_responses(401, 404, 422, codes={404: ["notification_not_found"]}),
        )
        async def update_notification(
            notification_id: Annotated[RowId, Path(description="通知编号")],
            body: NotificationUpdate,
            principal: CurrentPrincipal,
            session: SessionDep,
        ) -> Any:
            row = await notifications.mark(
                session, principal=principal, notification_id=notification_id, read=body.read
            )
            return public.model_validate(dict(row))

        @router.post(
            "/read",
            summary="全部标为已读",
            description="把发给自己的未读通知标为已读(可限于编号不大于 `up_to_id` 的);他人的通知不受影响。",
            response_model=MarkedRead,
            responses=problem_responses(401, 422),
        )
        async def mark_notifications_read(
            body: NotificationsRead, principal: CurrentPrincipal, session: SessionDep
        ) -> MarkedRead:
            marked = await notifications.mark_all_read(session, principal=principal, up_to_id=body.up_to_id)
            return MarkedRead(marked=marked)

        return router
