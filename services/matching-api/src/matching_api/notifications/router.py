"""Notifications: /api/v1/notifications (the kit's endpoints over matching-api's table)."""

from __future__ import annotations

from matching_api.notifications.schemas import NotificationPublic
from matching_api.notifications.service import NOTIFICATIONS

router = NOTIFICATIONS.router(
    NotificationPublic,
    description="当前账号收到的通知(企业:本企业需求的推荐、应答与对接进展;供给代表账号:匹配到的新需求与"
    "对接进展;科技局:未指定代表账号的供给的通知)。按编号升序;轮询时传 `after_id`=上次最大编号。",
)
