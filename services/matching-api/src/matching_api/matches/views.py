"""A docking record as the API shows it, and the change-feed events that carry it.

Apart from the docking rules so that the demand and supply rules, whose changes show in their
dockings' summaries, can announce them without importing those rules (which import theirs).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from daye_kit.feed import EventType, emit
from daye_kit.timestamps import utcnow
from matching_api.demands.models import Demand
from matching_api.demands.schemas import DemandSummary
from matching_api.enums import ContractStatus, ContractType, MatchOrigin, MatchStatus
from matching_api.events import MATCH_UPDATED, match_subject
from matching_api.matches.models import Match, MatchEvent
from matching_api.matches.schemas import ContractPublic, MatchDetail, MatchEventPublic, MatchPublic
from matching_api.matches.transitions import next_states
from matching_api.supplies.models import Supply
from matching_api.supplies.schemas import SupplySummary

Row = tuple[Match, Demand, Supply]


def public(match: Match, demand: Demand, supply: Supply) -> MatchPublic:
    contract = None
    if match.contract_amount is not None and match.contract_type and match.signed_on:
        contract = ContractPublic(
            amount=match.contract_amount,
            contract_type=ContractType(match.contract_type),
            signed_on=match.signed_on,
            reported_at=match.contract_reported_at,
        )
    return MatchPublic(
        id=match.id or 0,
        demand=DemandSummary.model_validate(demand),
        supply=SupplySummary.model_validate(supply),
        status=MatchStatus(match.status),
        origin=MatchOrigin(match.origin),
        score=match.score,
        note=match.note,
        created_by=match.created_by,
        contract=contract,
        contract_status=ContractStatus(match.contract_status) if match.contract_status else None,
        contract_revision=match.contract_revision,
        next_states=next_states(MatchStatus(match.status)),
        created_at=match.created_at,
        updated_at=match.updated_at,
        finished_at=match.finished_at,
    )


async def details(session: AsyncSession, rows: Sequence[Row]) -> list[MatchDetail]:
    """The records with their histories, in one query for all of them."""
    await session.flush()  # the sessions do not autoflush: the moves just added are read back
    ids = [match.id for match, _, _ in rows]
    history: dict[int, list[MatchEventPublic]] = {match_id or 0: [] for match_id in ids}
    if ids:
        events = await session.execute(
            select(MatchEvent).where(col(MatchEvent.match_id).in_(ids)).order_by(col(MatchEvent.id))
        )
        for e in events.scalars():
            history[e.match_id].append(
                MatchEventPublic(
                    from_status=MatchStatus(e.from_status) if e.from_status else None,
                    to_status=MatchStatus(e.to_status),
                    actor=e.actor,
                    note=e.note,
                    at=e.at,
                )
            )
    return [
        MatchDetail(**public(match, demand, supply).model_dump(), events=history[match.id or 0])
        for match, demand, supply in rows
    ]


async def detail(session: AsyncSession, match: Match, demand: Demand, supply: Supply) -> MatchDetail:
    [one] = await details(session, [(match, demand, supply)])
    return one


async def announce(
    session: AsyncSession, kind: EventType, match: Match, demand: Demand, supply: Supply
) -> MatchDetail:
    """The record after a change, recorded as the feed's `kind` event; what the API answers."""
    shown = await detail(session, match, demand, supply)
    await emit(session, kind, subject=match_subject(match.id), data=shown)
    return shown


async def refresh_matches(
    session: AsyncSession,
    *,
    demand_id: int | None = None,
    supply_id: int | None = None,
    skip: Collection[int] = (),
) -> int:
    """A demand's or a supply's summary changed: each of its dockings (but `skip`, announced by the
    caller) shows the change, so it is stamped and announced as `match.updated`; an incremental
    reader of the dockings sees it too."""
    await session.flush()
    query = (
        select(Match, Demand, Supply)
        .join(Demand, col(Demand.id) == col(Match.demand_id))
        .join(Supply, col(Supply.id) == col(Match.supply_id))
        .order_by(col(Match.id))
    )
    if demand_id is not None:
        query = query.where(col(Match.demand_id) == demand_id)
    if supply_id is not None:
        query = query.where(col(Match.supply_id) == supply_id)
    if skip:
        query = query.where(col(Match.id).not_in(list(skip)))
    rows: list[Row] = [(m, d, s) for m, d, s in (await session.execute(query)).all()]
    now = utcnow()
    for match, _, _ in rows:
        match.updated_at = now
    for shown in await details(session, rows):
        await emit(session, MATCH_UPDATED, subject=match_subject(shown.id), data=shown)
    return len(rows)
