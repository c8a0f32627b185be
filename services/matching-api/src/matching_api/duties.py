"""What matching-api does on its own schedule (Daye time): close expired demands, remind enterprises
of deadlines and unanswered demands, and publish the match statistics to indicator-api."""

from __future__ import annotations

from datetime import timedelta

from daye_kit.audit import PRUNE_AUDIT
from daye_kit.duties import PURGE_IDEMPOTENCY_KEYS, Duty, DutyContext, Summary
from daye_kit.feed import PRUNE_EVENTS
from daye_kit.webhooks import PRUNE_WEBHOOK_DELIVERIES
from matching_api.demands import service as demands
from matching_api.stats import service as stats


async def close_expired_demands(context: DutyContext) -> Summary:
    sweep = await demands.close_expired(context.session, principal=context.principal)
    return sweep.model_dump()


async def remind_demands(context: DutyContext) -> Summary:
    return (await demands.remind(context.session)).model_dump()


async def publish_match_stats(context: DutyContext) -> Summary:
    # The claim commits before indicator-api is called, so no write lock is held while it answers;
    # a failed call still records this occurrence as failed.
    await context.session.commit()
    today = await context.app.state.indicator.reporting_day()
    publication = await stats.publish(
        context.session,
        principal=context.principal,
        settings=context.app.state.settings,
        year=today.year,
        month=today.month,
    )
    return {item.code: item.value for item in publication.items}


DUTIES = [
    Duty(
        name="close-expired-demands",
        schedule="5 0 * * *",
        grace=timedelta(days=1),
        description="每日 00:05 关闭截止日期已过仍在征集的需求及其待对接记录",
        action=close_expired_demands,
    ),
    Duty(
        name="remind-demands",
        schedule="0 9 * * *",
        grace=timedelta(days=1),
        description="每日 09:00 提醒:需求 7 天内截止(通知企业);需求发布 14 天无应答(通知企业与科技局)。"
        "每个需求每类提醒只发一次",
        action=remind_demands,
    ),
    Duty(
        name="publish-match-stats",
        schedule="0 * * * *",
        grace=timedelta(hours=1),
        description="每小时向 indicator-api 报送全市当年累计发布需求数与对接成功数"
        "(截至指标服务的报告日所在月份,即 `/api/v1/platform` 的 `as_of`)",
        action=publish_match_stats,
    ),
    PURGE_IDEMPOTENCY_KEYS,
    PRUNE_EVENTS,
    PRUNE_AUDIT,
    PRUNE_WEBHOOK_DELIVERIES,
]
