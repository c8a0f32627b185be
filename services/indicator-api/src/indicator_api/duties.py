"""What indicator-api does on its own schedule (Daye time): remind the townships behind the pace of
the year at month end, purge expired Idempotency-Keys, and prune the change feed past its retention."""

from __future__ import annotations

from datetime import timedelta

from daye_kit.audit import PRUNE_AUDIT
from daye_kit.duties import PURGE_IDEMPOTENCY_KEYS, Duty, DutyContext, Summary
from daye_kit.feed import PRUNE_EVENTS
from daye_kit.timestamps import LOCAL_TZ, local_today
from daye_kit.webhooks import PRUNE_WEBHOOK_DELIVERIES
from indicator_api.regions import reminders


async def remind_townships_behind_pace(context: DutyContext) -> Summary:
    settings = context.app.state.settings
    # The platform's reporting day when one is set (the demo's 2025-09-30), else the month end the
    # occurrence is for (a run caught up the next morning still speaks of that month), else today.
    scheduled = context.occurrence.scheduled_for
    as_of = settings.reporting_as_of or (
        scheduled.astimezone(LOCAL_TZ).date() if scheduled else local_today()
    )
    sent = await reminders.remind(context.session, city_code=settings.city_code, as_of=as_of)
    return sent.model_dump(mode="json")


DUTIES = [
    Duty(
        name="remind-townships-behind-pace",
        schedule="0 17 L * *",
        grace=timedelta(days=1),
        description="每月最后一天 17:00 提醒:指标(对照目标)或培育任务(对照下达数)滞后于全年时间进度的乡镇,"
        "通知该乡镇账号与科技局;每个乡镇每月只提醒一次",
        action=remind_townships_behind_pace,
    ),
    PURGE_IDEMPOTENCY_KEYS,
    PRUNE_EVENTS,
    PRUNE_AUDIT,
    PRUNE_WEBHOOK_DELIVERIES,
]
