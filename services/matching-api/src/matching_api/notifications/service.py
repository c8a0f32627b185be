"""Who is told what: notifications are addressed to an audience, and each account reads the
audiences it belongs to."""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from daye_kit.auth import Principal, Role
from daye_kit.errors import NotFound
from daye_kit.pagination import PageParams
from daye_kit.timestamps import utcnow
from matching_api.notifications.models import Notification
from matching_api.notifications.schemas import NotificationFilter, NotificationPublic, NotificationUpdate

BUREAU = "bureau"


def enterprise_audience(credit_code: str) -> str:
    return f"enterprise:{credit_code}"


def supplier_audience(owner_username: str | None) -> str:
    """A supply's owner account, or the bureau, which acts for suppliers without one."""
    return f"user:{owner_username}" if owner_username else BUREAU


def audiences_of(principal: Principal) -> list[str]:
    audiences = [f"user:{principal.username}"]
    if principal.role is Role.enterprise and principal.credit_code:
        audiences.append(enterprise_audience(principal.credit_code))
    if principal.role is Role.admin:
        audiences.append(BUREAU)
    return audiences


def notify(
    session: AsyncSession,
    *,
    audiences: list[str],
    kind: str,
    title: str,
    body: str = "",
    demand_id: int | None = None,
    supply_id: int | None = None,
    match_id: int | None = None,
) -> None:
    """Queue notifications in the caller's transaction: they exist exactly when the change does."""
    for audience in dict.fromkeys(audiences):
        session.add(
            Notification(
                audience=audience,
                kind=kind,
                title=title[:200],
                body=body,
                demand_id=demand_id,
                supply_id=supply_id,
                match_id=match_id,
            )
        )


async def list_notifications(
    session: AsyncSession, *, principal: Principal, page: PageParams, where: NotificationFilter
) -> tuple[list[NotificationPublic], int]:
    query = select(Notification).where(col(Notification.audience).in_(audiences_of(principal)))
    if where.after_id is not None:
        query = query.where(col(Notification.id) > where.after_id)
    if where.unread:
        query = query.where(col(Notification.read_at).is_(None))
    total = int((await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one())
    rows = await session.execute(query.order_by(col(Notification.id)).limit(page.limit).offset(page.offset))
    return [NotificationPublic.model_validate(n) for n in rows.scalars()], total


async def update_notification(
    session: AsyncSession, *, principal: Principal, notification_id: int, data: NotificationUpdate
) -> NotificationPublic:
    notification = await session.get(Notification, notification_id)
    if notification is None or notification.audience not in audiences_of(principal):
        raise NotFound(f"notification {notification_id} does not exist", code="notification_not_found")
    notification.read_at = (notification.read_at or utcnow()) if data.read else None
    await session.flush()
    return NotificationPublic.model_validate(notification)
