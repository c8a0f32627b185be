"""Paying awards, exactly once per Idempotency-Key, never beyond what is owed or budgeted.

The key is the kit's (`daye_kit.idempotency`), required here, and refusals about the money (not
approved, beyond what is owed or budgeted, a bad date) are kept with it like a success: a retry gets
the same refusal, never a payment made later under the same key. A payment then takes, in one
transaction and always in this order, the programme row and the award row, so concurrent payments of
one award queue. On SQLite the transaction holds the database's write lock from its first statement
(BEGIN IMMEDIATE), which serialises them anyway.
"""

from __future__ import annotations

from sqlalchemy import Select, func
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from daye_kit.auth import Principal
from daye_kit.errors import Conflict, InvalidInput, NotFound
from daye_kit.feed import emit
from daye_kit.idempotency import Answer, Claim, IdempotencyKeyReused, Policy, answer_once, fingerprint
from daye_kit.pagination import Changes, PageParams, keyset_page, next_cursor
from daye_kit.periods import closed_in
from daye_kit.timestamps import local_today, utcnow
from funding_api import events
from funding_api.access import award_scope, may_see
from funding_api.audit import Actor
from funding_api.awards import service as awards
from funding_api.awards.models import Award, AwardStatus
from funding_api.disbursements.models import Disbursement
from funding_api.disbursements.schemas import (
    DisbursementCreated,
    DisbursementFilter,
    DisbursementIn,
    DisbursementPublic,
    DisbursementStatus,
    ReversalIn,
)
from funding_api.ledger import service as ledger
from funding_api.ledger.models import Account, LedgerPosting, PostingKind
from funding_api.models import closed_periods
from funding_api.programs import service as programs

OPERATION = "create_disbursement"
__all__ = ["Answer", "IdempotencyKeyReused"]  # what a payment answers, and the refusal of a reused key


class AwardNotApproved(Conflict):
    code, title = "award_not_approved", "奖补尚未批准,不能拨付"


class ExceedsOutstanding(Conflict):
    code, title = "exceeds_outstanding", "超出奖补未兑现金额"


class ExceedsBudget(Conflict):
    code, title = "exceeds_budget", "超出资金项目预算余额"


class AlreadyReversed(Conflict):
    code, title = "already_reversed", "该笔拨付已冲正"


class DisbursementNotFound(NotFound):
    code = "disbursement_not_found"


# Decisions about a payment: stored with its key and replayed like a success would be.
REFUSALS = (AwardNotApproved, ExceedsOutstanding, ExceedsBudget, InvalidInput)


async def create_disbursement(
    session: AsyncSession,
    *,
    award_id: int,
    data: DisbursementIn,
    key: str,
    actor: Actor,
    policy: Policy | None = None,
) -> Answer:
    """A payment, or the first answer to `key` replayed. The key is what the caller first used it
    for: this award and this body (amounts normalised, so "100" and "100.00" are one request)."""
    await awards.get_award(session, award_id)  # an award that is not there does not pin the key
    claim = Claim(
        principal=actor.username,
        key=key,
        operation=OPERATION,
        fingerprint=fingerprint(OPERATION, f"/api/v1/awards/{award_id}/disbursements", data),
        request_id=actor.request_id,
    )
    return await answer_once(
        session,
        claim,
        lambda: _pay(session, award_id=award_id, data=data, key=key, actor=actor),
        keep=REFUSALS,
        policy=policy,
    )


async def _pay(
    session: AsyncSession, *, award_id: int, data: DisbursementIn, key: str, actor: Actor
) -> DisbursementCreated:
    """One payment. Checks everything before writing anything, so a refusal writes nothing."""
    award = await awards.get_award(session, award_id)
    program = await programs.lock_program(session, award.program_id)
    award = await awards.lock_award(session, award_id)
    assert award.id is not None
    assert program.id is not None
    if award.status != AwardStatus.approved.value:
        raise AwardNotApproved(f"award {award_id} is {award.status}; only approved awards are paid")
    day = local_today()
    paid_on = data.paid_on or day
    if paid_on > day:
        raise InvalidInput.field(
            "body.paid_on", "paid_on_in_future", f"paid_on {paid_on} is after today ({day})"
        )
    # A payment dated in a period indicator-api has closed would change its paid and outstanding
    # figures (409 `period_closed`); the closings reach this service through indicator-api's outbox.
    (await closed_in(session, closed_periods)).ensure_day_open(paid_on, "body.paid_on")
    last = await ledger.last_value_date(session, award.id)
    if last is not None and paid_on < last:
        raise InvalidInput.field(
            "body.paid_on",
            "paid_on_too_early",
            f"award {award_id} has postings dated {last}; paid_on may not precede them",
        )
    balance = (await ledger.award_balances(session, [award.id]))[award.id]
    if data.amount > balance.outstanding:
        raise ExceedsOutstanding(
            f"award {award_id} has {balance.outstanding:f} yuan outstanding; {data.amount:f} asked"
        )
    program_balance = (await ledger.program_balances(session, [program.id]))[program.id]
    program_paid = program_balance[Account.award_paid]
    if program_paid + data.amount > program.budget:
        raise ExceedsBudget(
            f"programme {program.id} has paid {program_paid:f} of its {program.budget:f} yuan budget; "
            f"{data.amount:f} more would exceed it"
        )
    pending: events.Pending = []  # recorded together at the end: one statement under the locks
    posting = await ledger.post(
        session,
        into=pending,
        kind=PostingKind.disbursement,
        program_id=program.id,
        award_id=award.id,
        lines=[
            ledger.Line(Account.award_payable, -data.amount, award.id),
            ledger.Line(Account.award_paid, data.amount, award.id),
        ],
        value_date=paid_on,
        actor=actor,
        memo=f"拨付:{award.enterprise_name} {data.reference}".strip(),
    )
    assert posting.id is not None
    disbursement = Disbursement(
        award_id=award.id,
        program_id=program.id,
        amount=data.amount,
        paid_on=paid_on,
        reference=data.reference,
        note=data.note,
        posting_id=posting.id,
        idempotency_key=key,
        created_by=actor.username,
        request_id=actor.request_id,
    )
    session.add(disbursement)
    await session.flush()
    public = disbursement_public(disbursement, award, None)
    pending.append((events.DISBURSEMENT_PAID, f"disbursement:{public.id}", public))
    # The award's and the programme's figures move by the amount, from what was summed above under
    # their locks: no second sum of the ledger while every other payment of the programme waits.
    after = ledger.AwardBalance(
        paid=balance.paid + data.amount, outstanding=balance.outstanding - data.amount
    )
    await awards.award_changed(session, award, program_name=program.name, balance=after, into=pending)
    moved = {
        **program_balance,
        Account.award_payable: program_balance[Account.award_payable] - data.amount,
        Account.award_paid: program_paid + data.amount,
    }
    await programs.program_changed(session, program, balance=moved, into=pending)
    await events.record_all(session, pending)
    return DisbursementCreated(
        **public.model_dump(), award_paid=after.paid, award_outstanding=after.outstanding
    )


def disbursement_public(
    disbursement: Disbursement, award: Award, reversal_posting_id: int | None
) -> DisbursementPublic:
    assert disbursement.id is not None
    return DisbursementPublic(
        id=disbursement.id,
        award_id=disbursement.award_id,
        program_id=disbursement.program_id,
        credit_code=award.credit_code,
        enterprise_name=award.enterprise_name,
        amount=disbursement.amount,
        paid_on=disbursement.paid_on,
        reference=disbursement.reference,
        note=disbursement.note,
        posting_id=disbursement.posting_id,
        idempotency_key=disbursement.idempotency_key,
        status=DisbursementStatus.reversed if reversal_posting_id else DisbursementStatus.paid,
        reversal_posting_id=reversal_posting_id,
        created_by=disbursement.created_by,
        created_at=disbursement.created_at,
        request_id=disbursement.request_id,
        updated_at=disbursement.updated_at,
    )


async def reverse_disbursement(
    session: AsyncSession, *, disbursement_id: int, data: ReversalIn, actor: Actor
) -> DisbursementPublic:
    """冲正: a new posting undoing the payment; the award owes the amount again."""
    disbursement = await session.get(Disbursement, disbursement_id)
    if disbursement is None:
        raise DisbursementNotFound(f"disbursement {disbursement_id} does not exist")
    program = await programs.lock_program(session, disbursement.program_id)
    award = await awards.lock_award(session, disbursement.award_id)
    already = (
        await session.execute(
            select(LedgerPosting.id).where(col(LedgerPosting.reverses_posting_id) == disbursement.posting_id)
        )
    ).scalar_one_or_none()
    if already is not None:
        raise AlreadyReversed(f"disbursement {disbursement_id} was reversed by posting {already}")
    original = await session.get(LedgerPosting, disbursement.posting_id)
    assert original is not None
    reversal = await ledger.reverse(session, posting=original, actor=actor, memo=f"冲正:{data.reason}")
    disbursement.updated_at = utcnow()
    await session.flush()
    public = disbursement_public(disbursement, award, reversal.id)
    await emit(session, events.DISBURSEMENT_REVERSED, subject=f"disbursement:{public.id}", data=public)
    after = (await ledger.award_balances(session, [disbursement.award_id]))[disbursement.award_id]
    await awards.award_changed(session, award, program_name=program.name, balance=after)
    await programs.program_changed(session, program)
    return public


def listing() -> Select[Disbursement, Award, int | None]:
    reversal = aliased(LedgerPosting)
    return (
        sa_select(Disbursement, Award, col(reversal.id))
        .join(Award, col(Award.id) == col(Disbursement.award_id))
        .outerjoin(reversal, col(reversal.reverses_posting_id) == col(Disbursement.posting_id))
    )


async def read_disbursement(
    session: AsyncSession, *, disbursement_id: int, principal: Principal
) -> DisbursementPublic:
    row = (await session.execute(listing().where(col(Disbursement.id) == disbursement_id))).first()
    if row is None or not may_see(principal, row[1]):
        raise DisbursementNotFound(f"disbursement {disbursement_id} does not exist")
    return disbursement_public(*row)


async def list_disbursements(
    session: AsyncSession,
    *,
    principal: Principal,
    where: DisbursementFilter,
    page: PageParams,
    changes: Changes | None = None,
) -> tuple[list[DisbursementPublic], int, str | None]:
    changes = changes or Changes()
    query = listing().where(*award_scope(principal))
    if where.award_id is not None:
        query = query.where(col(Disbursement.award_id) == where.award_id)
    if where.program_id is not None:
        query = query.where(col(Disbursement.program_id) == where.program_id)
    if where.credit_code:
        query = query.where(col(Award.credit_code) == where.credit_code)
    query = changes.since(query, col(Disbursement.updated_at))
    total = int((await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one())
    paged = keyset_page(
        query,
        page,
        changes,
        updated=col(Disbursement.updated_at),
        key=col(Disbursement.id),
        order=[col(Disbursement.id)],
    )
    rows = (await session.execute(paged)).all()
    last = (rows[-1][0].updated_at, rows[-1][0].id or 0) if rows else None
    return [disbursement_public(*row) for row in rows], total, next_cursor(changes, last)
