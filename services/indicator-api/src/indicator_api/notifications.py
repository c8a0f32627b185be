"""indicator-api's notifications (站内通知): the kit's mechanism over its table, about a reporting
unit's month."""

from __future__ import annotations

from pydantic import Field

from daye_kit.notifications import NotificationPublic as BaseNotification
from daye_kit.notifications import Notifications
from indicator_api.models import notifications

NOTIFICATIONS = Notifications(notifications)


class NotificationPublic(BaseNotification):
    kind: str = Field(
        description="township_behind_pace 月末乡镇指标或培育任务滞后于全年时间进度 / "
        "policy_newly_eligible 企业新符合一项政策(资质认定条件或应兑奖补)",
        examples=["township_behind_pace"],
    )
    region_code: str | None = Field(description="所涉报送单位")
    year: int | None = Field(description="相关年度;与年度无关为空")
    month: int | None = Field(description="所涉月份")


router = NOTIFICATIONS.router(
    NotificationPublic,
    description="当前账号收到的通知(乡镇账号:本单位月末滞后于时间进度的提醒;科技局:各乡镇的同类提醒;"
    "企业账号:新符合的政策)。"
    "按编号升序;轮询时传 `after_id`=上次最大编号。",
)
