"""Programme rules: budgets are allocated through the ledger, rules are versioned and never edited."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from daye_kit.errors import Conflict, NotFound
from daye_kit.feed import emit
from daye_kit.pagination import Changes, PageParams, keyset_page, next_cursor
from daye_kit.timestamps import local_today, utcnow
from funding_api import events
from funding_api.audit import Actor
from funding_api.ledger import service as ledger
from funding_api.ledger.models import Account, PostingKind
from funding_api.programs.models import Program, ProgramRule, SourceLevel
from funding_api.programs.schemas import ProgramCreate, ProgramFilter, ProgramPublic, RuleIn, RulePublic


class ProgramNotFound(NotFound):
    code = "program_not_found"


async def get_program(session: AsyncSession, program_id: int) -> Program:
    program = await session.get(Program, program_id)
    if program is None:
        raise ProgramNotFound(f"programme {program_id} does not exist")
    return program


async def lock_program(session: AsyncSession, program_id: int) -> Program:
    """The programme row, locked for the rest of the transaction and stamped `updated_at` (an UPDATE
    of a non-key column: PostgreSQL's `FOR NO KEY UPDATE` lock, which still lets other transactions
    insert rows referring to it; on SQLite the transaction already holds the database's write lock).

    Every write that changes what a programme has promised or paid takes this lock first, then the
    award's: one order everywhere, so concurrent payments queue instead of deadlocking. Every such
    write changes what the programme shows (its rule or its figures), hence the stamp, taken with the
    lock so that a payment spends no extra statement while the others wait; a refusal undoes it.
    """
    program = (
        await session.execute(
            update(Program)
            .where(col(Program.id) == program_id)
            .values(updated_at=utcnow())
            .returning(Program)
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if program is None:
        raise ProgramNotFound(f"programme {program_id} does not exist")
    return program


async def current_rule(session: AsyncSession, program_id: int) -> ProgramRule | None:
    rule: ProgramRule | None = (
        await session.execute(
            select(ProgramRule)
            .where(col(ProgramRule.program_id) == program_id)
            .order_by(col(ProgramRule.version).desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    return rule


async def publics(session: AsyncSession, programs: Sequence[Program]) -> list[ProgramPublic]:
    ids = [p.id for p in programs if p.id is not None]
    balances = await ledger.program_balances(session, ids)
    latest = (
        select(ProgramRule.program_id, func.max(ProgramRule.version).label("version"))
        .where(col(ProgramRule.program_id).in_(ids))
        .group_by(col(ProgramRule.program_id))
        .subquery()
    )
    rules = {
        rule.program_id: rule
        for rule in (
            await session.execute(
                select(ProgramRule).join(
                    latest,
                    (latest.c.program_id == col(ProgramRule.program_id))
                    & (latest.c.version == col(ProgramRule.version)),
                )
            )
        ).scalars()
    }
    return [_public(program, balances[program.id or 0], rules.get(program.id or 0)) for program in programs]


def _public(program: Program, balance: Mapping[Account, Decimal], rule: ProgramRule | None) -> ProgramPublic:
    assert program.id is not None
    payable, paid = balance[Account.award_payable], balance[Account.award_paid]
    return ProgramPublic(
        id=program.id,
        name=program.name,
        source_level=SourceLevel(program.source_level),
        year=program.year,
        budget=program.budget,
        description=program.description,
        rule=RulePublic.model_validate(rule) if rule else None,
        committed=payable + paid,
        paid=paid,
        outstanding=payable,
        available=balance[Account.program_available],
        remaining=program.budget - paid,
        created_by=program.created_by,
        created_at=program.created_at,
        request_id=program.request_id,
        updated_at=program.updated_at,
    )


async def read_program(session: AsyncSession, program_id: int) -> ProgramPublic:
    [public] = await publics(session, [await get_program(session, program_id)])
    return public


async def list_programs(
    session: AsyncSession, *, where: ProgramFilter, page: PageParams, changes: Changes | None = None
) -> tuple[list[ProgramPublic], int, str | None]:
    changes = changes or Changes()
    query = select(Program)
    if where.year is not None:
        query = query.where(col(Program.year) == where.year)
    if where.source_level is not None:
        query = query.where(col(Program.source_level) == where.source_level.value)
    if where.name:
        query = query.where(col(Program.name).contains(where.name))
    query = changes.since(query, col(Program.updated_at))
    total = int((await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one())
    paged = keyset_page(
        query, page, changes, updated=col(Program.updated_at), key=col(Program.id), order=[col(Program.id)]
    )
    programs = (await session.execute(paged)).scalars().all()
    last = (programs[-1].updated_at, programs[-1].id or 0) if programs else None
    return await publics(session, programs), total, next_cursor(changes, last)


def _rule(program_id: int, version: int, data: RuleIn, actor: Actor) -> ProgramRule:
    return ProgramRule(
        program_id=program_id,
        version=version,
        qualification=data.qualification.value,
        granted_year=data.granted_year,
        amount=data.amount,
        created_by=actor.username,
        request_id=actor.request_id,
    )


async def create_program(session: AsyncSession, *, data: ProgramCreate, actor: Actor) -> ProgramPublic:
    program = Program(
        name=data.name,
        source_level=data.source_level.value,
        year=data.year,
        budget=data.budget,
        description=data.description,
        created_by=actor.username,
        request_id=actor.request_id,
    )
    try:
        async with session.begin_nested():
            session.add(program)
            await session.flush()
    except IntegrityError as exc:
        raise Conflict(
            f"programme {data.name!r} of {data.year} already exists", code="program_exists"
        ) from exc
    assert program.id is not None
    if data.budget:
        await allocate_budget(session, program=program, actor=actor, value_date=local_today())
    if data.rule is not None:
        rule = _rule(program.id, 1, data.rule, actor)
        session.add(rule)
        await session.flush()
        await emit(
            session,
            events.PROGRAM_RULE_CREATED,
            subject=f"program_rule:{rule.id}",
            data=RulePublic.model_validate(rule),
        )
    public = await read_program(session, program.id)
    await emit(session, events.PROGRAM_CREATED, subject=f"program:{program.id}", data=public)
    return public


async def program_changed(
    session: AsyncSession,
    program: Program,
    *,
    balance: Mapping[Account, Decimal] | None = None,
    into: events.Pending | None = None,
) -> ProgramPublic:
    """What the programme shows has changed (a new rule; an approval, payment or reversal moved its
    figures): record `program.updated`. The caller holds the programme's lock (which stamped it), and
    may pass the balances it has just worked out, sparing a payment (under that lock) a second sum."""
    assert program.id is not None
    if balance is None:
        balance = (await ledger.program_balances(session, [program.id]))[program.id]
    public = _public(program, balance, await current_rule(session, program.id))
    await events.record(session, events.PROGRAM_UPDATED, f"program:{program.id}", public, into=into)
    return public


async def allocate_budget(session: AsyncSession, *, program: Program, actor: Actor, value_date: date) -> None:
    """预算下达: the programme's budget moves from its funding source into its available account."""
    assert program.id is not None
    await ledger.post(
        session,
        kind=PostingKind.budget_allocated,
        program_id=program.id,
        lines=[
            ledger.Line(Account.funding_source, -program.budget),
            ledger.Line(Account.program_available, program.budget),
        ],
        value_date=value_date,
        actor=actor,
        memo=f"预算下达:{program.name}({program.year}年度)",
    )


async def add_rule(session: AsyncSession, *, program_id: int, data: RuleIn, actor: Actor) -> RulePublic:
    program = await lock_program(session, program_id)  # version numbers are handed out one at a time
    latest = await current_rule(session, program_id)
    rule = _rule(program_id, (latest.version if latest else 0) + 1, data, actor)
    session.add(rule)
    await session.flush()
    public = RulePublic.model_validate(rule)
    await emit(session, events.PROGRAM_RULE_CREATED, subject=f"program_rule:{rule.id}", data=public)
    await program_changed(session, program)  # its current rule is the new one
    return public


async def list_rules(session: AsyncSession, *, program_id: int) -> list[RulePublic]:
    await get_program(session, program_id)
    rules = (
        await session.execute(
            select(ProgramRule)
            .where(col(ProgramRule.program_id) == program_id)
            .order_by(col(ProgramRule.version))
        )
    ).scalars()
    return [RulePublic.model_validate(rule) for rule in rules]
