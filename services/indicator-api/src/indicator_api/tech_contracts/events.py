"""matching-api's docking events, as they arrive from its outbox: a success with a contract records
it, a correction revises it, an undone success cancels it; the turnover follows each.

The inbox applies each event once (by its id) and in order per docking (the sender waits for one to
be delivered before the next), so a handler only compares the event with the contract it finds.

Closed periods: a docking's contract is accepted even when it is dated in a period closed here.
matching-api refuses a success or a contract dated in a period it knows closed (it learns them
through this service's outbox); one that crossed a closing on the way is a fact its owner recorded
while the period was open to it. Refusing it here would leave the event dead in matching-api's
outbox and holding back that docking's later events (an undo, a correction) for good; the
difference it makes shows in the published report's differences instead."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from daye_kit.auth import Principal
from daye_kit.outbox import Event, Handler
from indicator_api.tech_contracts import service
from indicator_api.tech_contracts.schemas import ContractType, TechContractIn

SOURCE = "matching-api"


def handlers(city_code: str) -> dict[str, Handler]:
    async def contract_changed(session: AsyncSession, event: Event, principal: Principal) -> None:
        terms = event.data.get("contract")
        if terms is None:
            return  # a success without a contract: nothing to record yet
        await service.lock_turnover(session)
        source_id = str(event.data["match_id"])
        existing = await service.find_contract(session, SOURCE, source_id)
        if existing is None:
            data = TechContractIn(
                source=SOURCE,
                source_id=source_id,
                credit_code=event.data["credit_code"],
                amount=Decimal(terms["amount"]),
                contract_type=ContractType(terms["contract_type"]),
                signed_on=date.fromisoformat(terms["signed_on"]),
            )
            await service.record_contract(
                session, data=data, principal=principal, city_code=city_code, enforce_periods=False
            )
            return
        await service.revise_contract(
            session,
            existing,
            amount=Decimal(terms["amount"]),
            contract_type=ContractType(terms["contract_type"]).value,
            signed_on=date.fromisoformat(terms["signed_on"]),
            principal=principal,
            city_code=city_code,
        )

    async def undone(session: AsyncSession, event: Event, principal: Principal) -> None:
        await service.lock_turnover(session)
        existing = await service.find_contract(session, SOURCE, str(event.data["match_id"]))
        if existing is not None:
            await service.cancel_contract(session, existing, principal=principal, city_code=city_code)

    return {
        "match.succeeded": contract_changed,
        "match.contract_revised": contract_changed,
        "match.undone": undone,
    }
