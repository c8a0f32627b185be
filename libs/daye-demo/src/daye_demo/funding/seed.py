"""Loads the demo plan into an empty database, in bulk: programmes with their budgets, approved awards
and their payments, each movement a balanced ledger posting.

The awards name the demo world's enterprises (daye_demo.enterprises, which indicator-api's demo
registry holds too). A no-application award goes to an enterprise holding the rule's qualification,
earliest granted first, and is approved no sooner than two weeks after the grant. Should the demo world
ever hold fewer qualified enterprises than the plan has awards, the surplus awards of one enterprise
merge (amounts and payments add up), so the unpaid total stays exact; a test says so if it happens.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from daye_demo.enterprises import DEMO_ENTERPRISES, DemoEnterprise
from daye_demo.funding.plan import AWARDS, PROGRAMS, PlannedAward, PlannedProgram, paid_on
from daye_kit.settings import ServiceSettings
from daye_kit.timestamps import utcnow
from funding_api.audit import Actor
from funding_api.awards.models import Award, AwardMode, AwardStatus
from funding_api.disbursements.models import Disbursement
from funding_api.ledger import service as ledger
from funding_api.ledger.models import Account, PostingKind
from funding_api.programs.models import Program, ProgramRule
from funding_api.snapshot import record_all_rows

MAKER = Actor("admin", "demo-seed")
CHECKER = Actor("reviewer", "demo-seed")
REVIEW_DAYS = 14  # from a qualification's grant to the earliest approval of its reward


async def is_seeded(session: AsyncSession) -> bool:
    return int((await session.execute(select(func.count()).select_from(Program))).scalar_one()) > 0


def _office_day(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _granted(enterprise: DemoEnterprise, kind: str, year: int) -> date | None:
    return next((day for k, day in enterprise.qualifications if k == kind and day.year == year), None)


@dataclass
class DemoAward:
    """One award to make: a planned award, or several merged onto one enterprise."""

    enterprise: DemoEnterprise
    approved_on: date = date.max
    amount: Decimal = Decimal("0.00")
    payments: list[tuple[date, Decimal]] = field(default_factory=list)
    application_no: str | None = None

    def add(self, planned: PlannedAward, earliest: date) -> None:
        approved_on = max(planned.approved_on, earliest)
        self.approved_on = min(self.approved_on, approved_on)
        self.amount += planned.amount
        self.payments += [(paid_on(approved_on, days), amount) for days, amount in planned.payments]
        self.application_no = self.application_no or planned.application_no


def awards_of(plan: PlannedProgram, index: int, planned: Sequence[PlannedAward]) -> list[DemoAward]:
    """Which enterprise gets each planned award of a programme, and when it is approved."""
    if plan.rule is not None:
        kind, year, _ = plan.rule
        qualified = sorted(
            (granted, e.credit_code, e)
            for e in DEMO_ENTERPRISES
            if (granted := _granted(e, kind.value, year)) is not None
        )
        merged: dict[str, DemoAward] = {}
        for award in planned:
            granted, code, enterprise = qualified[award.slot % len(qualified)]
            earliest = _office_day(granted + timedelta(days=REVIEW_DAYS))
            merged.setdefault(code, DemoAward(enterprise)).add(award, earliest)
        return list(merged.values())
    pool = [e for e in DEMO_ENTERPRISES if plan.pool is None or e.holds(plan.pool.value)]
    made = []
    for award in planned:
        entry = DemoAward(pool[(index * 7 + award.slot * 5) % len(pool)])
        entry.add(award, award.approved_on)
        made.append(entry)
    return made


async def seed(session: AsyncSession, settings: ServiceSettings | None = None) -> dict[str, int]:
    """Fills an empty database; returns what it made (nothing when programmes exist already)."""
    if await is_seeded(session):
        return {}
    programs = [
        Program(
            name=plan.name,
            source_level=plan.source_level.value,
            year=plan.year,
            budget=plan.budget,
            description=plan.description,
            created_by=MAKER.username,
            request_id=MAKER.request_id,
        )
        for plan in PROGRAMS
    ]
    session.add_all(programs)
    await session.flush()
    ids: dict[str, int] = {}
    for plan, program in zip(PROGRAMS, programs, strict=True):
        assert program.id is not None
        ids[plan.key] = program.id
    await ledger.post_many(
        session,
        [
            ledger.Posting(
                PostingKind.budget_allocated,
                ids[plan.key],
                [
                    ledger.Line(Account.funding_source, -program.budget),
                    ledger.Line(Account.program_available, program.budget),
                ],
                _office_day(date(program.year, 1, 2)),
                memo=f"预算下达:{program.name}({program.year}年度)",
            )
            for plan, program in zip(PROGRAMS, programs, strict=True)
        ],
        actor=MAKER,
    )
    rules = {
        plan.key: ProgramRule(
            program_id=ids[plan.key],
            version=1,
            qualification=plan.rule[0].value,
            granted_year=plan.rule[1],
            amount=plan.rule[2],
            created_by=MAKER.username,
            request_id=MAKER.request_id,
        )
        for plan in PROGRAMS
        if plan.rule is not None
    }
    session.add_all(rules.values())
    await session.flush()

    now = utcnow()
    made: list[tuple[Award, DemoAward]] = []
    for index, plan in enumerate(PROGRAMS):
        rule = rules.get(plan.key)
        for entry in awards_of(plan, index, [a for a in AWARDS if a.program == plan.key]):
            award = Award(
                program_id=ids[plan.key],
                credit_code=entry.enterprise.credit_code,
                enterprise_name=entry.enterprise.name,
                region_code=entry.enterprise.region_code,
                amount=entry.amount,
                mode=(AwardMode.automatic if rule else AwardMode.application).value,
                period=rule.granted_year if rule else None,
                rule_id=rule.id if rule else None,
                rule_version=rule.version if rule else None,
                application_no=None if rule else entry.application_no,
                status=AwardStatus.approved.value,
                created_by=MAKER.username,
                created_request_id=MAKER.request_id,
                decided_by=CHECKER.username,
                decided_at=now,
                decided_request_id=CHECKER.request_id,
                decision_note="演示数据",
                approved_on=entry.approved_on,
            )
            made.append((award, entry))
    session.add_all(award for award, _ in made)
    await session.flush()

    approvals, payments = [], []
    for award, entry in made:
        assert award.id is not None
        approvals.append(
            ledger.Posting(
                PostingKind.award_approved,
                award.program_id,
                [
                    ledger.Line(Account.program_available, -award.amount),
                    ledger.Line(Account.award_payable, award.amount, award.id),
                ],
                award.approved_on or entry.approved_on,
                award_id=award.id,
                memo=f"奖补批准:{award.enterprise_name}",
            )
        )
        payments += [(award, day, amount) for day, amount in sorted(entry.payments)]
    await ledger.post_many(session, approvals, actor=CHECKER)
    postings = await ledger.post_many(
        session,
        [
            ledger.Posting(
                PostingKind.disbursement,
                award.program_id,
                [
                    ledger.Line(Account.award_payable, -amount, award.id),
                    ledger.Line(Account.award_paid, amount, award.id),
                ],
                day,
                award_id=award.id,
                memo=f"拨付:{award.enterprise_name}",
            )
            for award, day, amount in payments
        ],
        actor=MAKER,
    )
    for (award, day, amount), posting in zip(payments, postings, strict=True):
        assert award.id is not None
        assert posting.id is not None
        session.add(
            Disbursement(
                award_id=award.id,
                program_id=award.program_id,
                amount=amount,
                paid_on=day,
                reference=f"DYCZ-{day:%Y%m%d}-{award.id:04d}",
                posting_id=posting.id,
                created_by=MAKER.username,
                request_id=MAKER.request_id,
            )
        )
    await session.flush()
    # The change feed tells what was made, as the API would have: one batched statement.
    await record_all_rows(session)
    return {"programs": len(programs), "awards": len(made), "disbursements": len(payments)}
