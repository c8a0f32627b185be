"""funding-api's notifications (站内通知): the kit's mechanism over its table, about an award."""

from __future__ import annotations

from pydantic import Field

from daye_kit.notifications import NotificationPublic as BaseNotification
from daye_kit.notifications import Notifications
from funding_api.models import notifications

NOTIFICATIONS = Notifications(notifications)


class NotificationPublic(BaseNotification):
    kind: str = Field(
        description="award_payment_due_soon 奖补批准后满 50 个工作日仍未兑现完毕 / "
        "award_payment_overdue 超过 60 个工作日兑现承诺仍未兑现完毕",
        examples=["award_payment_due_soon"],
    )
    award_id: int | None = Field(description="所涉奖补")


router = NOTIFICATIONS.router(
    NotificationPublic,
    description="当前账号收到的通知(科技局:奖补临近或超过 60 个工作日兑现承诺的提醒)。"
    "按编号升序;轮询时传 `after_id`=上次最大编号。",
)
