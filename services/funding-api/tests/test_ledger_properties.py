"""A Hypothesis state machine over the service layer, on a real database: random sequences of awards,
approvals (by the maker or another person), rejections, payments, retries with the same or another body,
and reversals. After every step the ledger reconciles and every balance matches a simple model:
nothing is paid beyond its award or its budget, and outstanding is always award minus paid."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Coroutine
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar, TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from daye_dev.pytest_plugin import FreshDatabase
from daye_kit.db import create_engine, create_sessionmaker
from daye_kit.errors import AppError
from funding_api.audit import Actor
from funding_api.awards import service as awards
from funding_api.awards.schemas import AwardCreate
from funding_api.disbursements import service as disbursements
from funding_api.disbursements.schemas import DisbursementIn, ReversalIn
from funding_api.ledger import service as ledger
from funding_api.ledger.models import Account
from funding_api.main import MIGRATIONS
from funding_api.peers import RegistryEnterprise
from funding_api.programs import service as programs
from funding_api.programs.models import SourceLevel
from funding_api.programs.schemas import ProgramCreate

T = TypeVar("T")
PEOPLE = ("maker", "checker")
CASHIER = Actor("cashier")
ENTERPRISE = RegistryEnterprise(
    credit_code="91420281MA0000001H", name="大冶市华鑫铸造有限公司", region_code="420281101"
)
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("3000.00"), places=2)
_programs = itertools.count(1)


class _Registry:
    """The registry's answer for the one enterprise these awards name."""

    async def get_enterprise(self, credit_code: str) -> RegistryEnterprise:
        return ENTERPRISE


@dataclass
class AwardModel:
    amount: Decimal
    creator: str
    status: str = "pending"
    paid: Decimal = Decimal("0.00")


@dataclass
class Answer:
    award_id: int
    amount: Decimal
    status_code: int
    body: bytes


class LedgerMachine(RuleBasedStateMachine):
    call: ClassVar[Any]
    sessionmaker: ClassVar[async_sessionmaker[AsyncSession]]

    def __init__(self) -> None:
        super().__init__()
        self.awards: dict[int, AwardModel] = {}
        self.answers: dict[str, Answer] = {}
        self.payments: dict[int, tuple[int, Decimal]] = {}  # disbursement → (award, amount)
        self.reversed: set[int] = set()
        self.program_id = 0
        self.budget = Decimal("0.00")

    def run(self, work: Any) -> Any:
        """One request's worth of work in its own transaction; an AppError rolls it back and is returned."""

        async def unit() -> Any:
            async with self.sessionmaker() as session:
                try:
                    result = await work(session)
                except AppError as error:
                    await session.rollback()
                    return error
                await session.commit()
                return result

        return self.call(unit())

    @initialize(budget=st.decimals(min_value=Decimal("1000.00"), max_value=Decimal("12000.00"), places=2))
    def open_program(self, budget: Decimal) -> None:
        data = ProgramCreate(
            name=f"科技创新管理专项-{next(_programs)}",
            source_level=SourceLevel.daye,
            year=2025,
            budget=budget,
        )
        program = self.run(lambda s: programs.create_program(s, data=data, actor=Actor("maker")))
        self.program_id, self.budget = program.id, budget

    @rule(amount=amounts, creator=st.sampled_from(PEOPLE))
    def create_award(self, amount: Decimal, creator: str) -> None:
        data = AwardCreate(
            program_id=self.program_id, credit_code=ENTERPRISE.credit_code, amount=amount, application_no="A"
        )
        award = self.run(
            lambda s: awards.create_award(s, data=data, registry=_Registry(), actor=Actor(creator))
        )  # type: ignore[arg-type]
        assert award.status == "pending"
        self.awards[award.id] = AwardModel(amount, creator)

    @precondition(lambda self: self.awards)
    @rule(data=st.data(), approver=st.sampled_from(PEOPLE))
    def approve(self, data: st.DataObject, approver: str) -> None:
        award_id = data.draw(st.sampled_from(sorted(self.awards)))
        model = self.awards[award_id]
        committed = sum((a.amount for a in self.awards.values() if a.status == "approved"), Decimal(0))
        result = self.run(lambda s: awards.approve_award(s, award_id=award_id, actor=Actor(approver)))
        if model.status != "pending":
            assert isinstance(result, awards.AwardNotPending)
        elif approver == model.creator:
            assert isinstance(result, awards.SamePerson)
        elif committed + model.amount > self.budget:
            assert isinstance(result, awards.BudgetExceeded)
        else:
            assert result.status == "approved", result
            model.status = "approved"

    @precondition(lambda self: any(a.status == "pending" for a in self.awards.values()))
    @rule(data=st.data())
    def reject(self, data: st.DataObject) -> None:
        award_id = data.draw(
            st.sampled_from(sorted(i for i, a in self.awards.items() if a.status == "pending"))
        )
        result = self.run(
            lambda s: awards.reject_award(s, award_id=award_id, actor=Actor("checker"), reason="不符合条件")
        )
        assert result.status == "rejected"
        self.awards[award_id].status = "rejected"

    def _pay(self, award_id: int, amount: Decimal, key: str) -> disbursements.Answer | AppError:
        body = DisbursementIn(amount=amount)
        return self.run(  # type: ignore[no-any-return]
            lambda s: disbursements.create_disbursement(
                s, award_id=award_id, data=body, key=key, actor=CASHIER
            )
        )

    @precondition(lambda self: self.awards)
    @rule(data=st.data(), how=st.sampled_from(["any", "all", "one fen more", "part"]), amount=amounts)
    def pay_with_a_new_key(self, data: st.DataObject, how: str, amount: Decimal) -> None:
        """Any amount, or exactly what is left, a fen more than that, or part of it."""
        award_id = data.draw(st.sampled_from(sorted(self.awards)))
        model = self.awards[award_id]
        left = model.amount - model.paid
        if how == "all" and left > 0:
            amount = left
        elif how == "one fen more":
            amount = left + Decimal("0.01")
        elif how == "part" and left > Decimal("0.01"):
            amount = (left / 2).quantize(Decimal("0.01"))
        key = f"p{self.program_id}-k{len(self.answers)}"
        answer = self._pay(award_id, amount, key)
        assert isinstance(answer, disbursements.Answer), answer
        assert not answer.replayed
        self.answers[key] = Answer(award_id, amount, answer.status_code, answer.body)
        if model.status != "approved":
            assert (answer.status_code, b"award_not_approved" in answer.body) == (409, True)
        elif amount > left:
            assert (answer.status_code, b"exceeds_outstanding" in answer.body) == (409, True), answer.body
        else:
            assert answer.status_code == 201, answer.body
            model.paid += amount
            created = disbursements.DisbursementCreated.model_validate_json(answer.body)
            assert created.award_outstanding == model.amount - model.paid
            self.payments[created.id] = (award_id, amount)

    @precondition(lambda self: self.answers)
    @rule(data=st.data())
    def retry_the_same_request(self, data: st.DataObject) -> None:
        key = data.draw(st.sampled_from(sorted(self.answers)))
        first = self.answers[key]
        answer = self._pay(first.award_id, first.amount, key)
        assert isinstance(answer, disbursements.Answer)
        assert (answer.status_code, answer.body, answer.replayed) == (first.status_code, first.body, True)

    @precondition(lambda self: self.answers)
    @rule(data=st.data(), amount=amounts)
    def reuse_a_key_for_another_request(self, data: st.DataObject, amount: Decimal) -> None:
        key = data.draw(st.sampled_from(sorted(self.answers)))
        first = self.answers[key]
        if amount == first.amount:
            amount += Decimal("0.01")
        assert isinstance(self._pay(first.award_id, amount, key), disbursements.IdempotencyKeyReused)

    @precondition(lambda self: self.payments)
    @rule(data=st.data())
    def reverse(self, data: st.DataObject) -> None:
        disbursement_id = data.draw(st.sampled_from(sorted(self.payments)))
        award_id, amount = self.payments[disbursement_id]
        result = self.run(
            lambda s: disbursements.reverse_disbursement(
                s, disbursement_id=disbursement_id, data=ReversalIn(reason="银行退票"), actor=Actor("checker")
            )
        )
        if disbursement_id in self.reversed:
            assert isinstance(result, disbursements.AlreadyReversed)
        else:
            assert result.status == "reversed", result
            self.reversed.add(disbursement_id)
            self.awards[award_id].paid -= amount

    @invariant()
    def the_ledger_reconciles_and_matches_the_model(self) -> None:
        if not self.program_id:
            return

        async def read(session: AsyncSession) -> Any:
            return (
                await ledger.reconcile(session),
                await ledger.award_balances(session, self.awards),
                (await ledger.program_balances(session, [self.program_id]))[self.program_id],
            )

        reconciliation, balances, program = self.run(read)
        # Earlier examples share the database: judge this example's programme and awards (and every posting).
        assert reconciliation.unbalanced_postings == []
        assert [m for m in reconciliation.award_mismatches if m.award_id in self.awards] == []
        assert [m for m in reconciliation.program_mismatches if m.program_id == self.program_id] == []
        for award_id, model in self.awards.items():
            balance = balances[award_id]
            assert balance.paid == model.paid
            if model.status == "approved":
                assert balance.outstanding == model.amount - model.paid
                assert Decimal(0) <= balance.paid <= model.amount
            else:
                assert (balance.paid, balance.outstanding) == (0, 0)
        assert program[Account.award_paid] <= program[Account.award_payable] + program[Account.award_paid]
        assert program[Account.award_payable] + program[Account.award_paid] <= self.budget
        assert program[Account.program_available] >= 0


async def test_the_ledger_keeps_its_promises_under_any_sequence(
    fresh_database: FreshDatabase, backend: str
) -> None:
    engine = create_engine(await fresh_database("funding", MIGRATIONS))
    loop = asyncio.get_running_loop()

    def call(work: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(work, loop).result()

    machine = type(
        "Machine", (LedgerMachine,), {"call": staticmethod(call), "sessionmaker": create_sessionmaker(engine)}
    )
    try:
        await asyncio.to_thread(
            run_state_machine_as_test,
            machine,
            settings=settings(
                max_examples=25,
                stateful_step_count=25,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow],
                database=None,
            ),
        )
    finally:
        await engine.dispose()
