"""Reminders of the 60-working-day payment promise (兑现承诺): the bureau is told once per award when
an approved award is still unpaid 50 working days after its approval, and once more when it passes
60. Ages are working days (`workdays`), as the outstanding report counts them."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from daye_kit.db import lock_exclusively
from daye_kit.notifications import BUREAU
from daye_kit.timestamps import local_today
from funding_api.awards.models import Award
from funding_api.ledger.service import SQL_ZERO
from funding_api.notifications import NOTIFICATIONS
from funding_api.outstanding import workdays
from funding_api.outstanding.schemas import PROMISE_WORKING_DAYS
from funding_api.outstanding.service import payable_balances
from funding_api.programs.models import Program

DUE_SOON_WORKING_DAYS = 50
DUE_SOON = "award_payment_due_soon"
OVERDUE = "award_payment_overdue"


class PaymentReminders(BaseModel):
    due_soon: int = Field(description="本次提醒的临近兑现承诺(满 50 个工作日)的奖补数")
    overdue: int = Field(description="本次提醒的超过 60 个工作日兑现承诺的奖补数")


async def _remind(
    session: AsyncSession, *, day: date, kind: str, oldest: date | None, youngest: date, what: str
) -> int:
    """Tell the bureau of each unpaid award approved in [oldest, youngest) not yet told of `kind`."""
    balances = payable_balances(day)
    query = (
        select(
            col(Award.id),
            col(Award.enterprise_name),
            col(Award.credit_code),
            col(Award.region_code),
            col(Award.approved_on),
            col(Program.name),
            balances.c.outstanding,
        )
        .join(balances, balances.c.award_id == col(Award.id))
        .join(Program, col(Program.id) == col(Award.program_id))
        .where(
            balances.c.outstanding > SQL_ZERO,
            col(Award.approved_on) < youngest,
            NOTIFICATIONS.not_sent(kind, award_id=col(Award.id)),
        )
        .order_by(col(Award.approved_on), col(Award.id))
    )
    if oldest is not None:
        query = query.where(col(Award.approved_on) >= oldest)
    rows = (await session.execute(query)).all()
    for award_id, name, credit_code, region_code, approved_on, program, outstanding in rows:
        age = workdays.working_days_between(approved_on, day)
        await NOTIFICATIONS.notify(
            session,
            audiences=[BUREAU],
            kind=kind,
            title=f"奖补 #{award_id}({name})批准后已 {age} 个工作日,{what}",
            body=f"{program}:{name}({credit_code},{region_code})于 {approved_on} 批准,"
            f"截至 {day} 尚有 {outstanding:f} 元未兑现;兑现承诺为批准后 {PROMISE_WORKING_DAYS} 个工作日。",
            award_id=award_id,
        )
    return len(rows)


async def remind(session: AsyncSession, *, today: date | None = None) -> PaymentReminders:
    """The scheduled reminders, once per award and kind however often this runs; an award already
    past the promise when first seen gets the overdue reminder only."""
    day = today or local_today()
    # Two runs at once (a manual one beside the schedule's) would both see "not yet reminded".
    await lock_exclusively(await session.connection(), "funding-payment-reminders")
    # "At most N working days old" is "approved on or after earliest_within(day, N)".
    past_promise = workdays.earliest_within(day, PROMISE_WORKING_DAYS)
    overdue = await _remind(
        session,
        day=day,
        kind=OVERDUE,
        oldest=None,
        youngest=past_promise,
        what=f"已超过 {PROMISE_WORKING_DAYS} 个工作日兑现承诺,仍未兑现完毕",
    )
    due_soon = await _remind(
        session,
        day=day,
        kind=DUE_SOON,
        oldest=past_promise,
        youngest=workdays.earliest_within(day, DUE_SOON_WORKING_DAYS - 1),
        what=f"临近 {PROMISE_WORKING_DAYS} 个工作日兑现承诺,仍未兑现完毕",
    )
    return PaymentReminders(due_soon=due_soon, overdue=overdue)
