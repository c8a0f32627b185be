"""What funding-api does on its own schedule (Daye time): publish the outstanding total to
indicator-api, generate the programmes' automatic (无申请兑现) awards, and remind the bureau of awards
nearing or past the 60-working-day payment promise."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from daye_kit.audit import PRUNE_AUDIT
from daye_kit.duties import PURGE_IDEMPOTENCY_KEYS, Duty, DutyContext, DutySkipped, Summary
from daye_kit.feed import PRUNE_EVENTS
from daye_kit.webhooks import PRUNE_WEBHOOK_DELIVERIES
from funding_api.audit import Actor
from funding_api.awards import service as awards
from funding_api.outstanding import reminders
from funding_api.outstanding import service as outstanding
from funding_api.programs.models import ProgramRule


async def publish_outstanding(context: DutyContext) -> Summary:
    settings = context.app.state.settings
    # As of the platform's reporting day (today, or the demo's 2025-09-30): the period the
    # dashboard shows. Read before anything is held.
    await context.session.commit()
    as_of = await context.app.state.indicator.reporting_day()
    # The event commits with this occurrence's run; the outbox delivers it.
    total, value, event_id = await outstanding.publish(
        context.session, as_of=as_of, region_code=settings.city_code
    )
    return {"as_of": as_of.isoformat(), "total": f"{total:f}", "value": value, "event_id": event_id}


async def remind_award_payments(context: DutyContext) -> Summary:
    return (await reminders.remind(context.session)).model_dump()


async def generate_automatic_awards(context: DutyContext) -> Summary:
    """Each programme with a rule, one after the other; a generation is idempotent per programme,
    enterprise and period, so an occurrence that failed half-way is completed by the next."""
    program_ids = list(
        (
            await context.session.execute(
                select(col(ProgramRule.program_id)).distinct().order_by(col(ProgramRule.program_id))
            )
        ).scalars()
    )
    if not program_ids:
        raise DutySkipped("no programme has a rule for automatic awards")
    actor = Actor(username=context.principal.username)
    created = qualified = 0
    for program_id in program_ids:
        result = await awards.generate_automatic_awards(
            context.session, program_id=program_id, registry=context.app.state.indicator, actor=actor
        )
        created += result.created
        qualified += result.qualified
    return {"programs": len(program_ids), "qualified": qualified, "created": created}


DUTIES = [
    Duty(
        name="publish-outstanding",
        schedule="10 * * * *",
        grace=timedelta(hours=1),
        description="每小时经发件箱向 indicator-api 报送全市未兑现政策资金 (policy_funds_outstanding),"
        "截至指标服务的报告日 (`/api/v1/platform` 的 `as_of`)",
        action=publish_outstanding,
    ),
    Duty(
        name="generate-automatic-awards",
        schedule="30 1 * * *",
        grace=timedelta(days=1),
        description="每日 01:30 按各资金项目的现行规则,从企业库生成无申请兑现的待审核奖补(已生成的不再生成)",
        action=generate_automatic_awards,
    ),
    Duty(
        name="remind-award-payments",
        schedule="0 9 * * *",
        grace=timedelta(days=1),
        description="每日 09:00 提醒科技局:已批准的奖补批准后满 50 个工作日仍未兑现完毕,"
        "及超过 60 个工作日兑现承诺仍未兑现完毕。每项奖补每类提醒只发一次",
        action=remind_award_payments,
    ),
    PURGE_IDEMPOTENCY_KEYS,
    PRUNE_EVENTS,
    PRUNE_AUDIT,
    PRUNE_WEBHOOK_DELIVERIES,
]
