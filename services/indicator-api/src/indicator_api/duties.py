"""What indicator-api does on its own schedule (Daye time): remind the townships behind the pace of
the year at month end, remind the townships of overdue reports each morning, tell enterprises of
policies they newly qualify for,
purge expired Idempotency-Keys, and prune the change feed past its retention."""

from __future__ import annotations

from datetime import timedelta

from daye_kit.audit import PRUNE_AUDIT
from daye_kit.duties import PURGE_IDEMPOTENCY_KEYS, Duty, DutyContext, Summary
from daye_kit.feed import PRUNE_EVENTS
from daye_kit.timestamps import LOCAL_TZ, local_today, utcnow
from daye_kit.webhooks import PRUNE_WEBHOOK_DELIVERIES
from indicator_api.periods import service as periods
from indicator_api.policies import service as policies
from indicator_api.regions import reminders
from indicator_api.reporting import reminders as overdue_reminders


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


async def remind_overdue_reports(context: DutyContext) -> Summary:
    settings = context.app.state.settings
    scheduled = context.occurrence.scheduled_for
    as_of = settings.reporting_as_of or (
        scheduled.astimezone(LOCAL_TZ).date() if scheduled else local_today()
    )
    sent = await overdue_reminders.remind(context.session, city_code=settings.city_code, as_of=as_of)
    return sent.model_dump(mode="json")


async def reclose_reopened_periods(context: DutyContext) -> Summary:
    # As of the occurrence (a run caught up later still closes what was due by then; a test drives
    # time through the runner's clock), else now for a manual run.
    now = context.occurrence.scheduled_for or utcnow()
    return {"reclosed": await periods.reclose_due(context.session, now=now)}


async def notify_policy_newly_eligible(context: DutyContext) -> Summary:
    settings = context.app.state.settings
    # funding-api is read before anything is held: the claim commits first (a running row).
    await context.session.commit()
    funding = context.app.state.funding
    programs = await funding.programs()
    awards = await funding.awards()
    as_of = settings.reporting_as_of or local_today()
    run = await policies.notify_newly_eligible(context.session, programs=programs, awards=awards, as_of=as_of)
    return run.model_dump(mode="json")


DUTIES = [
    Duty(
        name="remind-townships-behind-pace",
        schedule="0 17 L * *",
        grace=timedelta(days=1),
        description="每月最后一天 17:00 提醒:指标(对照目标)或培育任务(对照下达数)滞后于全年时间进度的乡镇,"
        "通知该乡镇账号与科技局;每个乡镇每月只提醒一次",
        action=remind_townships_behind_pace,
    ),
    Duty(
        name="remind-overdue-reports",
        schedule="0 9 * * *",
        grace=timedelta(days=1),
        description="每天 9:00 提醒:已过报送期限仍未报送(且未免报)的乡镇,通知该乡镇账号与科技局;"
        "每个单位每期只提醒一次",
        action=remind_overdue_reports,
    ),
    Duty(
        name="reclose-reopened-periods",
        schedule="*/10 * * * *",
        grace=timedelta(hours=1),
        description="每 10 分钟:重新打开满 7 天的期间自动再关账,记入期间历史,并告知 matching-api 与"
        " funding-api(在此之前的写入检查已按 recloses_at 视其为关账)",
        action=reclose_reopened_periods,
    ),
    Duty(
        name="notify-policy-newly-eligible",
        schedule="30 8 * * *",
        grace=timedelta(days=1),
        description="每天 8:30:按企业库资质、企业经营数据与 funding-api 的资金项目"
        "测算每家企业现在即可获得的政策"
        "(符合认定条件的资质、应兑未兑的奖补),新符合的通知企业账号;每家企业每项政策只通知一次",
        action=notify_policy_newly_eligible,
    ),
    PURGE_IDEMPOTENCY_KEYS,
    PRUNE_EVENTS,
    PRUNE_AUDIT,
    PRUNE_WEBHOOK_DELIVERIES,
]
