"""Events for rows written without them: the demo seed writes supplies, demands and dockings in bulk,
beneath the services, and then records here what each row shows, so that following the feed from its
start gives the same copy as full reads (as funding-api's `snapshot` does for its seed)."""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from daye_kit.feed import EventType, emit_many
from matching_api import events
from matching_api.demands.models import Demand
from matching_api.demands.schemas import DemandPublic
from matching_api.enums import DemandStatus, MatchStatus
from matching_api.matches.models import Match
from matching_api.matches.views import details
from matching_api.supplies.models import Supply
from matching_api.supplies.service import public as supply_public

DEMAND_EVENTS: dict[str, EventType] = {
    DemandStatus.open: events.DEMAND_POSTED,
    DemandStatus.matched: events.DEMAND_MATCHED,
    DemandStatus.closed: events.DEMAND_CLOSED,
    DemandStatus.withdrawn: events.DEMAND_WITHDRAWN,
}
MATCH_EVENTS: dict[str, EventType] = {
    MatchStatus.proposed: events.MATCH_PROPOSED,
    MatchStatus.docking: events.MATCH_UPDATED,
    MatchStatus.succeeded: events.MATCH_SUCCEEDED,
    MatchStatus.failed: events.MATCH_FAILED,
    MatchStatus.withdrawn: events.MATCH_WITHDRAWN,
    MatchStatus.closed: events.MATCH_CLOSED,
}


async def record_all_rows(session: AsyncSession) -> int:
    """One event per supply, demand and docking, typed by the state it is in; how many."""
    # Read back what was stored, as a GET would (the seed's objects still hold local times).
    session.expire_all()
    pending: list[tuple[EventType, str, BaseModel]] = []
    supplies = (await session.execute(select(Supply).order_by(col(Supply.id)))).scalars().all()
    pending += [(events.SUPPLY_CREATED, events.supply_subject(s.id), supply_public(s)) for s in supplies]
    demands = (await session.execute(select(Demand).order_by(col(Demand.id)))).scalars().all()
    pending += [
        (DEMAND_EVENTS[d.status], events.demand_subject(d.id), DemandPublic.model_validate(d))
        for d in demands
    ]
    rows = (
        await session.execute(
            select(Match, Demand, Supply)
            .join(Demand, col(Demand.id) == col(Match.demand_id))
            .join(Supply, col(Supply.id) == col(Match.supply_id))
            .order_by(col(Match.id))
        )
    ).all()
    pending += [
        (MATCH_EVENTS[shown.status], events.match_subject(shown.id), shown)
        for shown in await details(session, [(m, d, s) for m, d, s in rows])
    ]
    return await emit_many(session, pending)
