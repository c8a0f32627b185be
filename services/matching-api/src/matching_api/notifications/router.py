"""Notifications: /api/v1/notifications."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from daye_kit.auth import CurrentPrincipal
from daye_kit.db import SessionDep
from daye_kit.errors import problem_responses
from daye_kit.ids import RowId
from daye_kit.pagination import Page, PageDep
from matching_api.notifications import service
from matching_api.notifications.schemas import NotificationFilter, NotificationPublic, NotificationUpdate

router = APIRouter(prefix="/api/v1/notifications", tags=["通知"])


@router.get(
    "",
    summary="我的通知",
    description="当前账号收到的通知(企业:本企业需求的推荐、应答与对接进展;供给代表账号:匹配到的新需求与"
    "对接进展;科技局:未指定代表账号的供给的通知)。按编号升序;轮询时传 `after_id`=上次最大编号。",
    responses=problem_responses(401, 422),
)
async def list_notifications(
    principal: CurrentPrincipal,
    session: SessionDep,
    page: PageDep,
    where: Annotated[NotificationFilter, Query()],
) -> Page[NotificationPublic]:
    items, total = await service.list_notifications(session, principal=principal, page=page, where=where)
    return Page(items=items, total=total)


@router.patch(
    "/{notification_id}",
    summary="标记通知已读或未读",
    description="只能标记发给自己的通知;他人的通知按不存在处理。",
    responses=problem_responses(401, 404, 422),
)
async def update_notification(
    notification_id: Annotated[RowId, Path(description="通知编号")],
    body: NotificationUpdate,
    principal: CurrentPrincipal,
    session: SessionDep,
) -> NotificationPublic:
    return await service.update_notification(
        session, principal=principal, notification_id=notification_id, data=body
    )
