"""What notifications answer."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from daye_kit.ids import MAX_ROW_ID


class NotificationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int = Field(description="递增编号:轮询时以 `after_id` 传回上次看到的最大编号")
    kind: str = Field(
        description="new_recommendation 新推荐 / new_response 新应答或对接 / match_status 对接状态变化 / "
        "demand_closed 需求关闭 / demand_deadline_soon 需求 7 天内截止 / "
        "demand_unanswered 需求发布 14 天无应答",
        examples=["new_response"],
    )
    title: str
    body: str
    demand_id: int | None
    supply_id: int | None
    match_id: int | None
    created_at: datetime
    read_at: datetime | None


class NotificationFilter(BaseModel):
    after_id: int | None = Field(
        default=None, ge=0, le=MAX_ROW_ID, description="只返回编号大于此值的通知(轮询)"
    )
    unread: bool = Field(default=False, description="只看未读")


class NotificationUpdate(BaseModel):
    read: bool = Field(description="true 标为已读,false 标为未读")
