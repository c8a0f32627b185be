"""Who is told what: the kit's notifications over matching-api's table, and the audiences of its
enterprises and suppliers."""

from __future__ import annotations

from daye_kit.notifications import BUREAU, Notifications, enterprise_audience, user_audience
from matching_api.models import notifications

__all__ = ["BUREAU", "NOTIFICATIONS", "enterprise_audience", "notify", "supplier_audience"]

NOTIFICATIONS = Notifications(notifications)
notify = NOTIFICATIONS.notify


def supplier_audience(owner_username: str | None) -> str:
    """A supply's owner account, or the bureau, which acts for suppliers without one."""
    return user_audience(owner_username) if owner_username else BUREAU
