"""Award rules: the registry vouches for the enterprise, a second person approves, approval promises
budget through the ledger, and automatic awards are made once per programme, enterprise and period."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import Row, Select, bindparam, func, update
from sqlalchemy import select as sql_select  # sqlmodel's is typed up to four columns
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from daye_kit.auth import Principal
from daye_kit.db import Reads, columns, lock_exclusively, unprefixed
from daye_kit.errors import Conflict, Forbidden, InvalidInput, NotFound
from daye_kit.feed import emit, emit_many
from daye_kit.pagination import Changes, PageParams, keyset_page, next_cursor
from daye_kit.timestamps import local_today, utcnow
from funding_api import events
from funding_api.access import award_scope, may_see
from funding_api.audit import Actor
from funding_api.awards.models import Award, AwardMode, AwardStatus
from funding_api.awards.schemas import AwardBasis, AwardCreate, AwardFilter, AwardPublic, GenerationResult
from funding_api.ledger import service as ledger
from funding_api.ledger.models import Account, PostingKind
from funding_api.peers import IndicatorClient, RegistryEnterprise
from funding_api.programs import service as programs
from funding_api.programs.models import QUALIFICATION_NAMES, Program, ProgramRule, QualificationKind


class AwardNotFound(NotFound):
    code = "award_not_found"


class SamePerson(Forbidden):
    code, title = "same_person", "审核人不得为经办人"


class AwardNotPending(Conflict):
    code, title = "award_not_pending", "奖补不在待审核状态"


class BudgetExceeded(Conflict):
    code, title = "budget_exceeded", "超出资金项目可用预算"


class RuleTerms(NamedTuple):
    """What an automatic award's basis shows of its rule (a `ProgramRule`, or a read's columns)."""

    id: int | None
    version: int
    qualification: str
    granted_year: int
    amount: Decimal


def _basis(award: AwardFields, rule: RuleTerms | ProgramRule | None) -> AwardBasis:
    if award.mode == AwardMode.automatic.value and rule is not None:
        name = QUALIFICATION_NAMES.get(rule.qualification, rule.qualification)
        return AwardBasis(
            kind="rule",
            description=f"规则 v{rule.version}:{rule.granted_year} 年认定的{name},每家 {rule.amount:f} 元",
            rule_id=rule.id,
            rule_version=rule.version,
            qualification=QualificationKind(rule.qualification),
            granted_year=rule.granted_year,
        )
    return AwardBasis(
        kind="application", description=f"申请 {award.application_no}", application_no=award.application_no
    )


# An award as `_public` reads it: the mapped object, or a row of the award table's columns.
AwardFields = Award | Row[Any]


def _public(
    award: AwardFields, program_name: str, rule: RuleTerms | ProgramRule | None, balance: ledger.AwardBalance
) -> AwardPublic:
    assert award.id is not None
    return AwardPublic(
        id=award.id,
        program_id=award.program_id,
        program_name=program_name,
        credit_code=award.credit_code,
        enterprise_name=award.enterprise_name,
        region_code=award.region_code,
        amount=award.amount,
        mode=AwardMode(award.mode),
        period=award.period,
        basis=_basis(award, rule),
        status=AwardStatus(award.status),
        paid=balance.paid,
        outstanding=balance.outstanding,
        note=award.note,
        created_by=award.created_by,
        created_at=award.created_at,
        created_request_id=award.created_request_id,
        decided_by=award.decided_by,
        decided_at=award.decided_at,
        decided_request_id=award.decided_request_id,
        decision_note=award.decision_note,
        approved_on=award.approved_on,
        updated_at=award.updated_at,
    )


async def publics(session: AsyncSession, awards: Sequence[Award]) -> list[AwardPublic]:
    """Awards as the API shows them: programme name, basis, and paid/outstanding from the ledger."""
    ids = [a.id for a in awards if a.id is not None]
    balances = await ledger.award_balances(session, ids)
    program_ids = {a.program_id for a in awards}
    rule_ids = {a.rule_id for a in awards if a.rule_id is not None}
    named = await session.execute(
        select(col(Program.id), col(Program.name)).where(col(Program.id).in_(program_ids))
    )
    names: dict[int | None, str] = dict(named.all())
    rules = {
        r.id: r
        for r in (
            await session.execute(select(ProgramRule).where(col(ProgramRule.id).in_(rule_ids)))
        ).scalars()
    }
    return [
        _public(
            award,
            names.get(award.program_id, ""),
            rules.get(award.rule_id) if award.rule_id else None,
            balances[award.id],  # type: ignore[index]
        )
        for award in awards
    ]


async def get_award(session: AsyncSession, award_id: int, principal: Principal | None = None) -> Award:
    award = await session.get(Award, award_id)
    if award is None or (principal is not None and not may_see(principal, award)):
        # Another unit's or enterprise's award is reported as missing, as the registry does.
        raise AwardNotFound(f"award {award_id} does not exist")
    return award


async def lock_award(session: AsyncSession, award_id: int) -> Award:
    """The award row, locked after its programme's and stamped `updated_at` like it (see
    `programs.lock_program`): every write that locks an award changes what it shows."""
    award = (
        await session.execute(
            update(Award)
            .where(col(Award.id) == award_id)
            .values(updated_at=utcnow())
            .returning(Award)
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if award is None:
        raise AwardNotFound(f"award {award_id} does not exist")
    return award


def _award_read() -> Select[Any]:
    """One award with its programme's name, its rule's terms and its balances, in Core: the read
    builds no mapped objects."""
    award, program, rule = Award.__table__, Program.__table__, ProgramRule.__table__  # type: ignore[attr-defined]
    paid, outstanding = ledger.award_balance_columns(award.c.id)
    return (
        sql_select(
            award,
            program.c.name.label("program_name"),
            *columns(ProgramRule, RuleTerms._fields, prefix=_TERMS),
            paid.label("paid"),
            outstanding.label("outstanding"),
        )
        .select_from(
            award.join(program, program.c.id == award.c.program_id).outerjoin(
                rule, rule.c.id == award.c.rule_id
            )
        )
        .where(award.c.id == bindparam("award_id"))
    )


_TERMS = "terms_"  # the rule's columns in the read, apart from the award's own
# Built once: a read of one award neither builds its statement nor works out its cache key again.
_AWARD_READ = _award_read()


async def read_award(reads: Reads, *, award_id: int, principal: Principal) -> AwardPublic:
    """`publics` of one award in one statement: the award, its programme's name, its rule and its
    balances from the ledger."""
    row = await reads.one_or_none(_AWARD_READ, {"award_id": award_id})
    if row is None or not may_see(principal, row):
        # Another unit's or enterprise's award is reported as missing, as the registry does.
        raise AwardNotFound(f"award {award_id} does not exist")
    rule = RuleTerms(**unprefixed(row, RuleTerms._fields, _TERMS)) if row.rule_id is not None else None
    return _public(row, row.program_name, rule, ledger.AwardBalance(row.paid, row.outstanding))


async def list_awards(
    session: AsyncSession,
    *,
    principal: Principal,
    where: AwardFilter,
    page: PageParams,
    changes: Changes | None = None,
) -> tuple[list[AwardPublic], int, str | None]:
    changes = changes or Changes()
    query = select(Award).where(*award_scope(principal))
    if where.program_id is not None:
        query = query.where(col(Award.program_id) == where.program_id)
    if where.credit_code:
        query = query.where(col(Award.credit_code) == where.credit_code)
    if where.region:
        query = query.where(col(Award.region_code) == where.region)
    if where.status is not None:
        query = query.where(col(Award.status) == where.status.value)
    if where.mode is not None:
        query = query.where(col(Award.mode) == where.mode.value)
    query = changes.since(query, col(Award.updated_at))
    total = int((await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one())
    paged = keyset_page(
        query, page, changes, updated=col(Award.updated_at), key=col(Award.id), order=[col(Award.id)]
    )
    awards = (await session.execute(paged)).scalars().all()
    last = (awards[-1].updated_at, awards[-1].id or 0) if awards else None
    return await publics(session, awards), total, next_cursor(changes, last)


async def _program_for_award(session: AsyncSession, program_id: int) -> Program:
    program = await session.get(Program, program_id)
    if program is None:
        raise InvalidInput.field(
            "body.program_id", "unknown_program", f"programme {program_id} does not exist"
        )
    return program


async def create_award(
    session: AsyncSession, *, data: AwardCreate, registry: IndicatorClient, actor: Actor
) -> AwardPublic:
    # The registry first: no database transaction (and on SQLite no write lock) waits on the network.
    enterprise = await registry.get_enterprise(data.credit_code)
    if enterprise is None:
        raise InvalidInput.field(
            "body.credit_code", "unknown_enterprise", f"enterprise {data.credit_code} is not in the registry"
        )
    program = await _program_for_award(session, data.program_id)
    assert program.id is not None
    rule: ProgramRule | None = None
    amount, period = data.amount, None
    if data.mode is AwardMode.automatic:
        rule = await programs.current_rule(session, program.id)
        if rule is None:
            raise InvalidInput.field(
                "body.mode", "program_has_no_rule", f"programme {program.id} has no rule for automatic awards"
            )
        if not enterprise.granted(rule.qualification, rule.granted_year):
            raise InvalidInput.field(
                "body.credit_code",
                "not_qualified",
                f"the registry shows no {rule.qualification} granted to {data.credit_code} "
                f"in {rule.granted_year}",
            )
        if amount is not None and amount != rule.amount:
            raise InvalidInput.field(
                "body.amount", "differs_from_rule", f"rule v{rule.version} awards {rule.amount:f} yuan"
            )
        amount, period = rule.amount, rule.granted_year
    assert amount is not None
    award = _award(program.id, enterprise, amount=amount, period=period, rule=rule, actor=actor)
    award.application_no = data.application_no
    award.note = data.note
    try:
        async with session.begin_nested():
            session.add(award)
            await session.flush()
    except IntegrityError as exc:
        raise Conflict(
            f"{data.credit_code} already has an award of programme {data.program_id} for {period}",
            code="award_exists",
        ) from exc
    [public] = await publics(session, [award])
    await emit(session, events.AWARD_CREATED, subject=f"award:{public.id}", data=public)
    return public


def _award(
    program_id: int,
    enterprise: RegistryEnterprise,
    *,
    amount: Decimal,
    period: int | None,
    rule: ProgramRule | None,
    actor: Actor,
) -> Award:
    return Award(
        program_id=program_id,
        credit_code=enterprise.credit_code,
        enterprise_name=enterprise.name,
        region_code=enterprise.region_code,
        amount=amount,
        mode=(AwardMode.automatic if rule else AwardMode.application).value,
        period=period,
        rule_id=rule.id if rule else None,
        rule_version=rule.version if rule else None,
        created_by=actor.username,
        created_request_id=actor.request_id,
    )


async def generate_automatic_awards(
    session: AsyncSession, *, program_id: int, registry: IndicatorClient, actor: Actor
) -> GenerationResult:
    """无申请兑现: a pending award for every enterprise the registry shows as qualified under the
    programme's current rule. Idempotent per programme, enterprise and period (the rule's year)."""
    program = await programs.get_program(session, program_id)
    rule = await programs.current_rule(session, program_id)
    if rule is None or rule.id is None:
        raise Conflict(f"programme {program.id} has no rule for automatic awards", code="program_has_no_rule")
    # End the read transaction before the registry is paged through: nothing is held while waiting.
    await session.commit()
    listed = await registry.list_enterprises(qualification=rule.qualification, granted_year=rule.granted_year)
    qualified = {e.credit_code: e for e in listed if e.granted(rule.qualification, rule.granted_year)}
    # Two generations of one programme at once would both see "not yet made": one at a time.
    await lock_exclusively(await session.connection(), f"funding-generate-awards:{program_id}")
    made = set(
        (
            await session.execute(
                select(Award.credit_code).where(
                    col(Award.program_id) == program_id, col(Award.period) == rule.granted_year
                )
            )
        ).scalars()
    )
    new = [
        _award(program_id, enterprise, amount=rule.amount, period=rule.granted_year, rule=rule, actor=actor)
        for code, enterprise in sorted(qualified.items())
        if code not in made
    ]
    session.add_all(new)
    await session.flush()
    made_now = await publics(session, new)
    # Hundreds at a time on a first run: their events go in one batched statement.
    await emit_many(session, [(events.AWARD_CREATED, f"award:{public.id}", public) for public in made_now])
    return GenerationResult(
        program_id=program_id,
        rule_id=rule.id,
        rule_version=rule.version,
        qualification=QualificationKind(rule.qualification),
        granted_year=rule.granted_year,
        qualified=len(qualified),
        created=len(new),
        existing=len(qualified) - len(new),
        awards=made_now,
    )


async def approve_award(
    session: AsyncSession, *, award_id: int, actor: Actor, note: str = "", approved_on: date | None = None
) -> AwardPublic:
    """Maker-checker: someone other than the creator approves; the amount is then promised out of the
    programme's available budget (a ledger posting) and becomes payable."""
    award = await get_award(session, award_id)
    program = await programs.lock_program(session, award.program_id)
    award = await lock_award(session, award_id)
    if award.status != AwardStatus.pending.value:
        raise AwardNotPending(f"award {award_id} is {award.status}")
    if award.created_by == actor.username:
        raise SamePerson(f"{actor.username} created award {award_id}; another person must approve it")
    available = (await ledger.program_balances(session, [award.program_id]))[award.program_id][
        Account.program_available
    ]
    if award.amount > available:
        raise BudgetExceeded(
            f"award {award_id} needs {award.amount:f} yuan; "
            f"programme {award.program_id} has {available:f} left"
        )
    day = approved_on or local_today()
    assert award.id is not None
    await ledger.post(
        session,
        kind=PostingKind.award_approved,
        program_id=award.program_id,
        award_id=award.id,
        lines=[
            ledger.Line(Account.program_available, -award.amount),
            ledger.Line(Account.award_payable, award.amount, award.id),
        ],
        value_date=day,
        actor=actor,
        memo=f"奖补批准:{award.enterprise_name}",
    )
    award.status = AwardStatus.approved.value
    _decide(award, actor, note)
    award.approved_on = day
    await session.flush()
    [public] = await publics(session, [award])
    await emit(session, events.AWARD_APPROVED, subject=f"award:{public.id}", data=public)
    await programs.program_changed(session, program)  # the amount is now promised out of its budget
    return public


def _decide(award: Award, actor: Actor, note: str) -> None:
    award.decided_by = actor.username
    award.decided_at = award.updated_at = utcnow()
    award.decided_request_id = actor.request_id
    award.decision_note = note


async def reject_award(session: AsyncSession, *, award_id: int, actor: Actor, reason: str) -> AwardPublic:
    await get_award(session, award_id)
    award = await lock_award(session, award_id)
    if award.status != AwardStatus.pending.value:
        raise AwardNotPending(f"award {award_id} is {award.status}")
    award.status = AwardStatus.rejected.value
    _decide(award, actor, reason)
    await session.flush()
    [public] = await publics(session, [award])
    await emit(session, events.AWARD_REJECTED, subject=f"award:{public.id}", data=public)
    return public


async def award_changed(
    session: AsyncSession,
    award: Award,
    *,
    program_name: str,
    balance: ledger.AwardBalance,
    into: events.Pending | None = None,
) -> AwardPublic:
    """What the award shows has changed without a decision (a payment or reversal moved its paid and
    outstanding, now `balance`): record `award.updated`. The caller holds the award's lock (which
    stamped it)."""
    rule = await session.get(ProgramRule, award.rule_id) if award.rule_id is not None else None
    public = _public(award, program_name, rule, balance)
    await events.record(session, events.AWARD_UPDATED, f"award:{public.id}", public, into=into)
    return public
