"""What funding-api publishes on its change feed (`GET /api/v1/events`): one event per change of a
programme, rule, award, disbursement or ledger entry, recorded in the write's own transaction.

Each event's `data` is the resource as its GET answers after the change, so a consumer keeping the
latest `data` per `subject` holds a copy of the collections. A programme's and an award's figures
come from the ledger: a payment changes what the award and its programme show, so it records
`award.updated` and `program.updated` beside `disbursement.paid`. Nothing here is ever deleted
(the ledger is append-only; corrections are reversals), so there are no deletion events.

`outstanding.published` is not here: it is a message to indicator-api, carried by the outbox.
"""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from daye_kit.feed import EventType, emit, emit_many
from funding_api.awards.schemas import AwardPublic
from funding_api.disbursements.schemas import DisbursementPublic
from funding_api.ledger.schemas import EntryPublic
from funding_api.programs.schemas import ProgramPublic, RulePublic

PROGRAM_CREATED = EventType(
    name="program.created",
    data=ProgramPublic,
    dataset="programs",
    description="设立了资金项目(含预算与首个无申请兑现规则)",
)
PROGRAM_UPDATED = EventType(
    name="program.updated",
    data=ProgramPublic,
    dataset="programs",
    description="资金项目的现行规则或金额变化:发布规则新版本、奖补批准、拨付或冲正之后的资金项目",
)
PROGRAM_RULE_CREATED = EventType(
    name="program_rule.created",
    data=RulePublic,
    dataset="programs",
    description="发布了无申请兑现规则的新版本(规则一经发布不再修改)",
)
AWARD_CREATED = EventType(
    name="award.created",
    data=AwardPublic,
    dataset="awards",
    description="登记或按规则生成了奖补(待审核)",
)
AWARD_APPROVED = EventType(
    name="award.approved",
    data=AwardPublic,
    dataset="awards",
    description="奖补经复核批准,成为应付",
)
AWARD_REJECTED = EventType(
    name="award.rejected",
    data=AwardPublic,
    dataset="awards",
    description="奖补被驳回",
)
AWARD_UPDATED = EventType(
    name="award.updated",
    data=AwardPublic,
    dataset="awards",
    description="奖补的已拨付与未兑现金额随拨付或冲正变化",
)
DISBURSEMENT_PAID = EventType(
    name="disbursement.paid",
    data=DisbursementPublic,
    dataset="disbursements",
    description="拨付了一笔奖补(幂等重试不再产生事件)",
)
DISBURSEMENT_REVERSED = EventType(
    name="disbursement.reversed",
    data=DisbursementPublic,
    dataset="disbursements",
    description="一笔拨付被冲正",
)
LEDGER_ENTRY_RECORDED = EventType(
    name="ledger_entry.recorded",
    data=EntryPublic,
    dataset="ledger",
    description="分户账记入一条分录(分录只增不改)",
)

# An event still to record: what `emit_many` takes.
Pending = list[tuple[EventType, str, BaseModel]]


async def record(
    session: AsyncSession, kind: EventType, subject: str, data: BaseModel, *, into: Pending | None = None
) -> None:
    """Record the event now, or add it to `into`: a payment changes four resources while every other
    payment of its programme waits on the lock, and records their events in one statement."""
    if into is None:
        await emit(session, kind, subject=subject, data=data)
    else:
        into.append((kind, subject, data))


async def record_all(session: AsyncSession, pending: Pending) -> None:
    await emit_many(session, pending)


CATALOGUE = [
    PROGRAM_CREATED,
    PROGRAM_UPDATED,
    PROGRAM_RULE_CREATED,
    AWARD_CREATED,
    AWARD_APPROVED,
    AWARD_REJECTED,
    AWARD_UPDATED,
    DISBURSEMENT_PAID,
    DISBURSEMENT_REVERSED,
    LEDGER_ENTRY_RECORDED,
]
