"""Posting money movements, reading balances, and reconciling the ledger with what it accounts for.

Every movement is one posting whose entries sum to zero. Entries are signed: a debit is positive, a
credit negative, so an account's balance is the plain sum of its entries:

    budget_allocated   funding_source −B        program_available +B
    award_approved     program_available −A     award_payable +A
    disbursement       award_payable −x         award_paid +x
    reversal           the reversed posting's entries with their signs flipped

So `award_payable` is what is still owed on an award (its outstanding amount), `award_paid` what has
reached the enterprise, and `program_available` the budget not yet promised to anyone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import ColumnElement, Select, and_, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped
from sqlmodel import col

from daye_kit.feed import emit_many
from daye_kit.money import Money
from daye_kit.pagination import Changes, PageParams, keyset_page, next_cursor
from daye_kit.periods import closed_in
from daye_kit.timestamps import local_today
from funding_api import events
from funding_api.audit import Actor
from funding_api.awards.models import Award, AwardStatus
from funding_api.disbursements.models import Disbursement
from funding_api.ledger.models import Account, LedgerEntry, LedgerPosting, PostingKind
from funding_api.ledger.schemas import (
    AwardMismatch,
    EntryFilter,
    EntryPublic,
    ProgramMismatch,
    Reconciliation,
    UnbalancedPosting,
)
from funding_api.models import closed_periods
from funding_api.programs.models import Program

ZERO = Decimal("0.00")
SQL_ZERO = literal(ZERO, Money())


class UnbalancedPostingError(ValueError):
    """A programming error: the service tried to post lines that do not sum to zero."""


@dataclass(frozen=True)
class Line:
    account: Account
    amount: Decimal
    award_id: int | None = None


@dataclass(frozen=True)
class Posting:
    """A movement to book: its lines must sum to zero."""

    kind: PostingKind
    program_id: int
    lines: Sequence[Line]
    value_date: date
    award_id: int | None = None
    memo: str = ""
    reverses: int | None = None


async def post_many(
    session: AsyncSession, postings: Sequence[Posting], *, actor: Actor, into: events.Pending | None = None
) -> list[LedgerPosting]:
    """Appends balanced postings and their entries (flushed, not committed), and records each entry's
    `ledger_entry.recorded` event (or adds them to `into`): three statements in all."""
    for posting in postings:
        amounts = [line.amount for line in posting.lines]
        if len(amounts) < 2 or sum(amounts, ZERO) != ZERO or ZERO in amounts:
            raise UnbalancedPostingError(f"{posting.kind.value} lines do not balance: {posting.lines}")
    # Every dated money write lands here: none may be dated in a closed period (a payment names its
    # `paid_on` before it gets this far; an approval, an allocation or a reversal is dated today).
    closed = await closed_in(session, closed_periods)
    for posting in postings:
        closed.ensure_day_open(posting.value_date, "body")
    rows = [
        LedgerPosting(
            kind=posting.kind.value,
            program_id=posting.program_id,
            award_id=posting.award_id,
            reverses_posting_id=posting.reverses,
            value_date=posting.value_date,
            memo=posting.memo,
            created_by=actor.username,
            request_id=actor.request_id,
        )
        for posting in postings
    ]
    session.add_all(rows)
    await session.flush()
    entries = []
    for row, posting in zip(rows, postings, strict=True):
        assert row.id is not None
        entries += [
            LedgerEntry(
                posting_id=row.id,
                account=line.account.value,
                program_id=posting.program_id,
                # Every line of an award's posting names the award, so its history is one filter.
                award_id=line.award_id if line.award_id is not None else posting.award_id,
                amount=line.amount,
                value_date=posting.value_date,
            )
            for line in posting.lines
        ]
    session.add_all(entries)
    await session.flush()
    by_id = {row.id: row for row in rows}
    recorded: events.Pending = [
        (
            events.LEDGER_ENTRY_RECORDED,
            f"ledger_entry:{entry.id}",
            entry_public(entry, by_id[entry.posting_id]),
        )
        for entry in entries
    ]
    if into is None:
        await emit_many(session, recorded)
    else:
        into += recorded
    return rows


async def post(
    session: AsyncSession,
    *,
    kind: PostingKind,
    program_id: int,
    lines: Sequence[Line],
    value_date: date,
    actor: Actor,
    award_id: int | None = None,
    memo: str = "",
    reverses: int | None = None,
    into: events.Pending | None = None,
) -> LedgerPosting:
    """Appends one balanced posting and its entries (flushed, not committed)."""
    [row] = await post_many(
        session,
        [Posting(kind, program_id, lines, value_date, award_id, memo, reverses)],
        actor=actor,
        into=into,
    )
    return row


async def reverse(
    session: AsyncSession, *, posting: LedgerPosting, actor: Actor, memo: str, value_date: date | None = None
) -> LedgerPosting:
    """A new posting that undoes `posting`: the same lines with their signs flipped."""
    assert posting.id is not None
    entries = (
        await session.execute(select(LedgerEntry).where(col(LedgerEntry.posting_id) == posting.id))
    ).scalars()
    lines = [Line(Account(e.account), -e.amount, e.award_id) for e in entries]
    return await post(
        session,
        kind=PostingKind.reversal,
        program_id=posting.program_id,
        award_id=posting.award_id,
        lines=lines,
        value_date=value_date or local_today(),
        actor=actor,
        memo=memo,
        reverses=posting.id,
    )


@dataclass(frozen=True)
class AwardBalance:
    paid: Decimal = ZERO
    outstanding: Decimal = ZERO


async def award_balances(session: AsyncSession, award_ids: Iterable[int]) -> dict[int, AwardBalance]:
    """Paid and outstanding (payable) of each award, from its entries. Awards without any are zero."""
    ids = sorted(set(award_ids))
    if not ids:
        return {}
    rows = await session.execute(
        select(col(LedgerEntry.award_id), col(LedgerEntry.account), func.sum(col(LedgerEntry.amount)))
        .where(
            col(LedgerEntry.award_id).in_(ids),
            col(LedgerEntry.account).in_([Account.award_payable.value, Account.award_paid.value]),
        )
        .group_by(col(LedgerEntry.award_id), col(LedgerEntry.account))
    )
    sums: dict[int | None, dict[str, Decimal]] = defaultdict(dict)
    for award_id, account, total in rows:
        sums[award_id][account] = total
    return {
        award_id: AwardBalance(
            paid=sums[award_id].get(Account.award_paid.value, ZERO),
            outstanding=sums[award_id].get(Account.award_payable.value, ZERO),
        )
        for award_id in ids
    }


def award_balance_columns(
    award_id: ColumnElement[int] | Mapped[int | None],
) -> tuple[ColumnElement[Decimal], ColumnElement[Decimal]]:
    """Paid and outstanding (payable) of the award `award_id` names, as `award_balances` reads them,
    but as correlated subqueries: a read of one award gets its balances in the same statement."""

    def total(account: Account) -> ColumnElement[Decimal]:
        return (
            select(func.coalesce(func.sum(col(LedgerEntry.amount)), SQL_ZERO))
            .where(col(LedgerEntry.award_id) == award_id, col(LedgerEntry.account) == account.value)
            .scalar_subquery()
        )

    return total(Account.award_paid), total(Account.award_payable)


async def program_balances(
    session: AsyncSession, program_ids: Iterable[int]
) -> dict[int, dict[Account, Decimal]]:
    """Each programme's balance per account (funding source, available, payable, paid)."""
    ids = sorted(set(program_ids))
    balances: dict[int, dict[Account, Decimal]] = {pid: dict.fromkeys(Account, ZERO) for pid in ids}
    if ids:
        rows = await session.execute(
            select(col(LedgerEntry.program_id), col(LedgerEntry.account), func.sum(col(LedgerEntry.amount)))
            .where(col(LedgerEntry.program_id).in_(ids))
            .group_by(col(LedgerEntry.program_id), col(LedgerEntry.account))
        )
        for program_id, account, total in rows:
            balances[program_id][Account(account)] = total
    return balances


async def last_value_date(session: AsyncSession, award_id: int) -> date | None:
    """The latest value date booked on an award: later postings may not be dated before it, so that
    every balance "as of" a day is a prefix of the award's history and never negative."""
    value: date | None = (
        await session.execute(
            select(func.max(col(LedgerPosting.value_date))).where(col(LedgerPosting.award_id) == award_id)
        )
    ).scalar_one()
    return value


# -- reading the ledger ------------------------------------------------------------------------------


def _entries_query(where: EntryFilter) -> Select[LedgerEntry, LedgerPosting]:
    query = select(LedgerEntry, LedgerPosting).join(
        LedgerPosting, col(LedgerPosting.id) == col(LedgerEntry.posting_id)
    )
    conditions: list[ColumnElement[bool]] = []
    if where.account is not None:
        conditions.append(col(LedgerEntry.account) == where.account.value)
    if where.program_id is not None:
        conditions.append(col(LedgerEntry.program_id) == where.program_id)
    if where.award_id is not None:
        conditions.append(col(LedgerEntry.award_id) == where.award_id)
    if where.posting_id is not None:
        conditions.append(col(LedgerEntry.posting_id) == where.posting_id)
    if where.kind is not None:
        conditions.append(col(LedgerPosting.kind) == where.kind.value)
    if where.value_from is not None:
        conditions.append(col(LedgerEntry.value_date) >= where.value_from)
    if where.value_to is not None:
        conditions.append(col(LedgerEntry.value_date) <= where.value_to)
    return query.where(*conditions)


async def list_entries(
    session: AsyncSession, *, where: EntryFilter, page: PageParams, changes: Changes | None = None
) -> tuple[list[EntryPublic], int, str | None]:
    """Entries in booking order, or incrementally: entries are never changed, so the time their
    posting was recorded is their `updated_at`."""
    changes = changes or Changes()
    recorded = col(LedgerPosting.created_at)
    query = changes.since(_entries_query(where), recorded)
    total = int((await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one())
    paged = keyset_page(
        query, page, changes, updated=recorded, key=col(LedgerEntry.id), order=[col(LedgerEntry.id)]
    )
    rows = (await session.execute(paged)).all()
    last = (rows[-1][1].created_at, rows[-1][0].id or 0) if rows else None
    return [entry_public(entry, posting) for entry, posting in rows], total, next_cursor(changes, last)


def entry_public(entry: LedgerEntry, posting: LedgerPosting) -> EntryPublic:
    return EntryPublic(
        id=entry.id or 0,
        posting_id=entry.posting_id,
        kind=PostingKind(posting.kind),
        account=Account(entry.account),
        program_id=entry.program_id,
        award_id=entry.award_id,
        amount=entry.amount,
        value_date=entry.value_date,
        reverses_posting_id=posting.reverses_posting_id,
        memo=posting.memo,
        created_by=posting.created_by,
        created_at=posting.created_at,
        request_id=posting.request_id,
    )


# -- reconciliation ----------------------------------------------------------------------------------


async def reconcile(session: AsyncSession, *, limit: int = 100) -> Reconciliation:
    """Checks, in SQL, that every posting balances and that programme and award balances equal what the
    programmes, awards and disbursements say they should be. Lists at most `limit` findings of each kind."""
    postings = int((await session.execute(select(func.count()).select_from(LedgerPosting))).scalar_one())
    entries = int((await session.execute(select(func.count()).select_from(LedgerEntry))).scalar_one())

    per_posting = (
        select(
            col(LedgerPosting.id).label("posting_id"),
            func.coalesce(func.sum(col(LedgerEntry.amount)), SQL_ZERO).label("total"),
            func.count(col(LedgerEntry.id)).label("lines"),
        )
        .outerjoin(LedgerEntry, col(LedgerEntry.posting_id) == col(LedgerPosting.id))
        .group_by(col(LedgerPosting.id))
        .subquery()
    )
    unbalanced = [
        UnbalancedPosting(posting_id=posting_id, total=total, lines=lines)
        for posting_id, total, lines in await session.execute(
            select(per_posting.c.posting_id, per_posting.c.total, per_posting.c.lines)
            .where(or_(per_posting.c.total != ZERO, per_posting.c.lines < 2))
            .order_by(per_posting.c.posting_id)
            .limit(limit)
        )
    ]

    award_mismatches = await _award_mismatches(session, limit)
    program_mismatches = await _program_mismatches(session, limit)
    return Reconciliation(
        ok=not (unbalanced or award_mismatches or program_mismatches),
        postings=postings,
        entries=entries,
        unbalanced_postings=unbalanced,
        award_mismatches=award_mismatches,
        program_mismatches=program_mismatches,
    )


def _sum_of(account: Account) -> ColumnElement[Decimal]:
    return func.coalesce(
        func.sum(col(LedgerEntry.amount)).filter(col(LedgerEntry.account) == account.value),
        SQL_ZERO,
    )


async def _award_mismatches(session: AsyncSession, limit: int) -> list[AwardMismatch]:
    balances = (
        select(
            col(LedgerEntry.award_id).label("award_id"),
            _sum_of(Account.award_payable).label("payable"),
            _sum_of(Account.award_paid).label("paid"),
        )
        .where(col(LedgerEntry.award_id).is_not(None))
        .group_by(col(LedgerEntry.award_id))
        .subquery()
    )
    paid_out = (
        select(
            col(Disbursement.award_id).label("award_id"),
            func.sum(col(Disbursement.amount)).label("disbursed"),
        )
        .outerjoin(
            LedgerPosting,
            and_(
                col(LedgerPosting.reverses_posting_id) == col(Disbursement.posting_id),
                col(LedgerPosting.kind) == PostingKind.reversal.value,
            ),
        )
        .where(col(LedgerPosting.id).is_(None))
        .group_by(col(Disbursement.award_id))
        .subquery()
    )
    zero = SQL_ZERO
    payable = func.coalesce(balances.c.payable, zero)
    paid = func.coalesce(balances.c.paid, zero)
    disbursed = func.coalesce(paid_out.c.disbursed, zero)
    approved = col(Award.status) == AwardStatus.approved.value
    rows = await session.execute(
        select(col(Award.id), col(Award.status), col(Award.amount), payable, paid, disbursed)
        .outerjoin(balances, balances.c.award_id == col(Award.id))
        .outerjoin(paid_out, paid_out.c.award_id == col(Award.id))
        .where(
            or_(
                and_(approved, payable + paid != col(Award.amount)),
                and_(~approved, or_(payable != zero, paid != zero)),
                payable < zero,
                paid < zero,
                paid != disbursed,
            )
        )
        .order_by(col(Award.id))
        .limit(limit)
    )
    found = []
    for award_id, status, amount, payable_v, paid_v, disbursed_v in rows:
        if status == AwardStatus.approved.value and payable_v + paid_v != amount:
            what, expected, actual = "payable + paid = award amount", amount, payable_v + paid_v
        elif status != AwardStatus.approved.value and (payable_v or paid_v):
            what, expected, actual = f"a {status} award has no balance", ZERO, payable_v + paid_v
        elif paid_v != disbursed_v:
            what, expected, actual = "paid = disbursements not reversed", disbursed_v, paid_v
        else:
            what, expected, actual = "balances are not negative", ZERO, min(payable_v, paid_v)
        found.append(AwardMismatch(award_id=award_id, check=what, expected=expected, actual=actual))
    return found


async def _program_mismatches(session: AsyncSession, limit: int) -> list[ProgramMismatch]:
    balances = (
        select(
            col(LedgerEntry.program_id).label("program_id"),
            _sum_of(Account.funding_source).label("source"),
            _sum_of(Account.program_available).label("available"),
            _sum_of(Account.award_paid).label("paid"),
        )
        .group_by(col(LedgerEntry.program_id))
        .subquery()
    )
    committed = (
        select(col(Award.program_id).label("program_id"), func.sum(col(Award.amount)).label("committed"))
        .where(col(Award.status) == AwardStatus.approved.value)
        .group_by(col(Award.program_id))
        .subquery()
    )
    zero = SQL_ZERO
    source = func.coalesce(balances.c.source, zero)
    available = func.coalesce(balances.c.available, zero)
    paid = func.coalesce(balances.c.paid, zero)
    promised = func.coalesce(committed.c.committed, zero)
    rows = await session.execute(
        select(col(Program.id), col(Program.budget), source, available, paid, promised)
        .outerjoin(balances, balances.c.program_id == col(Program.id))
        .outerjoin(committed, committed.c.program_id == col(Program.id))
        .where(
            or_(
                -source != col(Program.budget),
                available != col(Program.budget) - promised,
                available < zero,
                paid > col(Program.budget),
            )
        )
        .order_by(col(Program.id))
        .limit(limit)
    )
    found = []
    for program_id, budget, source_v, available_v, paid_v, promised_v in rows:
        if -source_v != budget:
            what, expected, actual = "budget allocated = programme budget", budget, -source_v
        elif available_v != budget - promised_v:
            what, expected, actual = "available = budget − approved awards", budget - promised_v, available_v
        elif available_v < ZERO:
            what, expected, actual = "available budget is not negative", ZERO, available_v
        else:
            what, expected, actual = "paid ≤ budget", budget, paid_v
        found.append(ProgramMismatch(program_id=program_id, check=what, expected=expected, actual=actual))
    return found
