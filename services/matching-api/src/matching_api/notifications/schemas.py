"""What notifications answer: the kit's fields, and what a notification here is about."""

from __future__ import annotations

from pydantic import Field

from daye_kit.notifications import NotificationPublic as BaseNotification


class NotificationPublic(BaseNotification):
    kind: str = Field(
        description="new_recommendation 新推荐 / new_response 新应答或对接 / match_status 对接状态变化 / "
        "demand_closed 需求关闭 / demand_deadline_soon 需求 7 天内截止 / "
        "demand_unanswered 需求发布 14 天无应答",
        examples=["new_response"],
    )
    demand_id: int | None = Field(description="相关需求编号")
    supply_id: int | None = Field(description="相关供给编号")
    match_id: int | None = Field(description="相关对接记录编号")
