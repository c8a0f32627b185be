"""Events for rows written without them: the demo seed writes programmes, awards and disbursements
in bulk, beneath the services, and then records here what each row shows, so that following the
feed from its start gives the same copy as full reads. (Its ledger entries record their own events,
as every posting does.)"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from daye_kit.feed import emit_many
from funding_api import events
from funding_api.awards import service as awards
from funding_api.awards.models import Award, AwardStatus
from funding_api.disbursements import service as disbursements
from funding_api.disbursements.models import Disbursement
from funding_api.disbursements.schemas import DisbursementStatus
from funding_api.programs import service as programs
from funding_api.programs.models import Program, ProgramRule
from funding_api.programs.schemas import RulePublic

AWARD_EVENTS = {
    AwardStatus.pending: events.AWARD_CREATED,
    AwardStatus.approved: events.AWARD_APPROVED,
    AwardStatus.rejected: events.AWARD_REJECTED,
}


async def record_all_rows(session: AsyncSession) -> int:
    """One event per programme, rule, award and disbursement, typed by the state it is in, in one
    batched statement; how many."""
    pending: events.Pending = []
    rules = (await session.execute(select(ProgramRule).order_by(col(ProgramRule.id)))).scalars().all()
    pending += [
        (events.PROGRAM_RULE_CREATED, f"program_rule:{rule.id}", RulePublic.model_validate(rule))
        for rule in rules
    ]
    every_program = (await session.execute(select(Program).order_by(col(Program.id)))).scalars().all()
    pending += [
        (events.PROGRAM_CREATED, f"program:{public.id}", public)
        for public in await programs.publics(session, every_program)
    ]
    every_award = (await session.execute(select(Award).order_by(col(Award.id)))).scalars().all()
    pending += [
        (AWARD_EVENTS[public.status], f"award:{public.id}", public)
        for public in await awards.publics(session, every_award)
    ]
    rows = await session.execute(disbursements.listing().order_by(col(Disbursement.id)))
    for row in rows:
        public = disbursements.disbursement_public(*row)
        kind = (
            events.DISBURSEMENT_REVERSED
            if public.status is DisbursementStatus.reversed
            else events.DISBURSEMENT_PAID
        )
        pending.append((kind, f"disbursement:{public.id}", public))
    return await emit_many(session, pending)
