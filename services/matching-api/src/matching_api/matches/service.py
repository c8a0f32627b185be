"""Docking rules: who records a docking, who moves it, what each move does to the demand, and the
contract a success reports to indicator-api (through the outbox)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false, func, or_, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from daye_kit.auth import Principal, Role
from daye_kit.errors import Conflict, Forbidden, InvalidInput, NotFound
from daye_kit.feed import EventType, emit
from daye_kit.money import format_yuan
from daye_kit.outbox import Event, record_event
from daye_kit.pagination import Changes, PageParams, keyset_page, next_cursor
from daye_kit.periods import closed_in
from daye_kit.timestamps import local_today, utcnow
from matching_api.config import Settings
from matching_api.demands.models import Demand
from matching_api.demands.schemas import DemandPublic
from matching_api.demands.service import can_see, is_public
from matching_api.engine.index import SupplyIndex
from matching_api.engine.service import recommend
from matching_api.enums import (
    SERVES,
    ContractStatus,
    DemandKind,
    DemandStatus,
    MatchOrigin,
    MatchStatus,
    SupplyKind,
    SupplyStatus,
)
from matching_api.events import (
    DEMAND_MATCHED,
    DEMAND_UPDATED,
    MATCH_CLOSED,
    MATCH_CONTRACT_SET,
    MATCH_FAILED,
    MATCH_PROPOSED,
    MATCH_SUCCEEDED,
    MATCH_UPDATED,
    MATCH_WITHDRAWN,
    demand_subject,
)
from matching_api.matches.models import Match, MatchEvent
from matching_api.matches.schemas import (
    Contract,
    MatchCreate,
    MatchDetail,
    MatchFilter,
    MatchPublic,
    MatchUpdate,
)
from matching_api.matches.transitions import ACTIVE, MOVES, TERMINAL, Side, is_legal, next_states
from matching_api.matches.views import announce, detail, public, refresh_matches
from matching_api.models import closed_periods
from matching_api.notifications.service import enterprise_audience, notify, supplier_audience
from matching_api.supplies.models import Supply

INDICATOR = "indicator-api"
# The change-feed event of each move a PATCH makes (closed is the expiry sweep's, in demands).
EVENT_OF: dict[MatchStatus, EventType] = {
    MatchStatus.docking: MATCH_UPDATED,
    MatchStatus.succeeded: MATCH_SUCCEEDED,
    MatchStatus.failed: MATCH_FAILED,
    MatchStatus.withdrawn: MATCH_WITHDRAWN,
    MatchStatus.closed: MATCH_CLOSED,
    MatchStatus.proposed: MATCH_UPDATED,
}
# The docking events that carry (or cancel) its contract.
CONTRACT_EVENTS = ("match.succeeded", "match.contract_revised", "match.undone")
STATUS_NAMES = {
    MatchStatus.proposed: "待对接",
    MatchStatus.docking: "对接中",
    MatchStatus.succeeded: "对接成功",
    MatchStatus.failed: "对接失败",
    MatchStatus.withdrawn: "已撤回",
    MatchStatus.closed: "已关闭",
}
ORIGIN_OF = {
    Side.enterprise: MatchOrigin.enterprise,
    Side.supplier: MatchOrigin.supplier,
    Side.bureau: MatchOrigin.bureau,
}


def side_of(principal: Principal, demand: Demand, supply: Supply) -> Side | None:
    if principal.role is Role.admin:
        return Side.bureau
    if principal.role is Role.enterprise and principal.credit_code == demand.credit_code:
        return Side.enterprise
    if supply.owner_username is not None and supply.owner_username == principal.username:
        return Side.supplier
    return None


def can_see_match(principal: Principal, demand: Demand, supply: Supply) -> bool:
    return can_see(principal, demand) or side_of(principal, demand, supply) is not None


def _visible(principal: Principal) -> ColumnElement[bool]:
    owner = col(Supply.owner_username) == principal.username
    if principal.sees_everything:
        return true()
    if principal.role is Role.enterprise:
        return or_(col(Demand.credit_code) == (principal.credit_code or ""), owner)
    if principal.role is Role.township:
        return or_(col(Demand.region_code) == (principal.region_code or ""), owner)
    return or_(false(), owner)


async def _tell_the_other_sides(
    session: AsyncSession,
    *,
    actor: Side,
    demand: Demand,
    supply: Supply,
    match: Match,
    kind: str,
    title: str,
    body: str,
) -> None:
    audiences = []
    if actor is not Side.enterprise:
        audiences.append(enterprise_audience(demand.credit_code))
    if actor is not Side.supplier:
        audiences.append(supplier_audience(supply.owner_username))
    await notify(
        session,
        audiences=audiences,
        kind=kind,
        title=title,
        body=body,
        demand_id=demand.id,
        supply_id=supply.id,
        match_id=match.id,
    )


async def create_match(
    session: AsyncSession, *, data: MatchCreate, principal: Principal, index: SupplyIndex, settings: Settings
) -> MatchDetail:
    demand = await session.scalar(select(Demand).where(col(Demand.id) == data.demand_id).with_for_update())
    supply = await session.scalar(select(Supply).where(col(Supply.id) == data.supply_id).with_for_update())
    # A demand the caller cannot see does not exist for it, whether or not the supply id does.
    if demand is None or not (
        can_see(principal, demand) if supply is None else can_see_match(principal, demand, supply)
    ):
        raise NotFound(f"demand {data.demand_id} does not exist", code="demand_not_found")
    if supply is None:
        raise NotFound(f"supply {data.supply_id} does not exist", code="supply_not_found")
    side = side_of(principal, demand, supply)
    if side is None:
        raise Forbidden(
            "a docking is recorded by the demand's enterprise, the supply's owner account or the bureau",
            code="match_forbidden",
        )
    if not is_public(demand):
        if side is Side.supplier:  # a demand the bureau has not made public does not exist for suppliers
            raise NotFound(f"demand {demand.id} does not exist", code="demand_not_found")
        raise Conflict(
            f"demand {demand.id} is {demand.review_status}: dockings start once the bureau approves it",
            code="demand_not_public",
        )
    if demand.status != DemandStatus.open.value:
        raise Conflict(f"demand {demand.id} is {demand.status}", code="demand_not_open")
    if demand.deadline < local_today():
        raise Conflict(f"demand {demand.id} expired on {demand.deadline}", code="demand_expired")
    if supply.status != SupplyStatus.active.value:
        raise Conflict(f"supply {supply.id} is withdrawn", code="supply_withdrawn")
    if SupplyKind(supply.kind) not in SERVES[DemandKind(demand.kind)]:
        raise InvalidInput.field(
            "body.supply_id",
            "supply_kind_mismatch",
            f"a {supply.kind} supply cannot serve a {demand.kind} demand",
        )
    existing = await session.scalar(
        select(col(Match.id)).where(col(Match.demand_id) == demand.id, col(Match.supply_id) == supply.id)
    )
    if existing is not None:
        raise Conflict(
            f"demand {demand.id} and supply {supply.id} already have a docking record ({existing})",
            code="match_exists",
        )
    if supply.capacity is not None:
        active = await session.scalar(
            select(func.count())
            .select_from(Match)
            .where(col(Match.supply_id) == supply.id, col(Match.status).in_([s.value for s in ACTIVE]))
        )
        if int(active or 0) >= supply.capacity:
            raise Conflict(
                f"{supply.name} already docks with {active} enterprises (capacity {supply.capacity})",
                code="supply_at_capacity",
            )
    scored = await recommend(
        session,
        index=index,
        settings=settings,
        demand=demand,
        limit=1,
        only=[supply.id or 0],
        ignore_capacity=True,
    )
    match = Match(
        demand_id=demand.id or 0,
        supply_id=supply.id or 0,
        origin=ORIGIN_OF[side].value,
        score=scored.items[0].score if scored.items else 0.0,
        note=data.note,
        created_by=principal.username,
    )
    session.add(match)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise Conflict(
            f"demand {demand.id} and supply {supply.id} already have a docking record", code="match_exists"
        ) from exc
    session.add(
        MatchEvent(match_id=match.id or 0, to_status=match.status, actor=principal.username, note=data.note)
    )
    if demand.first_response_at is None:
        demand.first_response_at = demand.updated_at = utcnow()
        await emit(
            session,
            DEMAND_UPDATED,
            subject=demand_subject(demand.id),
            data=DemandPublic.model_validate(demand),
        )
    kind = "new_response" if side is Side.supplier else "new_recommendation"
    await _tell_the_other_sides(
        session,
        actor=side,
        demand=demand,
        supply=supply,
        match=match,
        kind=kind,
        title=f"「{demand.title}」新增对接:{supply.name}({supply.provider})",
        body=data.note,
    )
    return await announce(session, MATCH_PROPOSED, match, demand, supply)


async def _load(session: AsyncSession, match_id: int, principal: Principal) -> tuple[Match, Demand, Supply]:
    # The demand is locked before its docking, as creating a docking does: a move re-announces the
    # demand's other dockings, and two moves on sibling dockings that each held their own first
    # would deadlock on each other's.
    demand_id = await session.scalar(select(Match.demand_id).where(col(Match.id) == match_id))
    if demand_id is not None:
        await session.execute(select(Demand.id).where(col(Demand.id) == demand_id).with_for_update())
    row = (
        await session.execute(
            select(Match, Demand, Supply)
            .join(Demand, col(Demand.id) == col(Match.demand_id))
            .join(Supply, col(Supply.id) == col(Match.supply_id))
            .where(col(Match.id) == match_id)
            .with_for_update()
        )
    ).first()
    if row is None or not can_see_match(principal, row[1], row[2]):
        raise NotFound(f"docking record {match_id} does not exist", code="match_not_found")
    return row[0], row[1], row[2]


async def read_match(session: AsyncSession, *, match_id: int, principal: Principal) -> MatchDetail:
    match, demand, supply = await _load(session, match_id, principal)
    return await detail(session, match, demand, supply)


def _check_move(match: Match, demand: Demand, data: MatchUpdate, side: Side | None) -> None:
    current, target = MatchStatus(match.status), data.status
    if side is None:
        # A caller with no side in the record moves it nowhere, and is not told which moves are legal.
        raise Forbidden(
            "a docking record is moved by the demand's enterprise, the supply's owner account or the bureau",
            code="transition_forbidden",
        )
    if target is MatchStatus.closed:
        raise Conflict(
            "closed is set when the demand expires (POST /api/v1/demands/close-expired), not by hand",
            code="illegal_transition",
        )
    if not is_legal(current, target):
        allowed = ", ".join(s.value for s in next_states(current)) or "none: the record is final"
        raise Conflict(
            f"{current.value} → {target.value} is not a legal move; from {current.value}: {allowed}",
            code="illegal_transition",
        )
    if side not in MOVES[(current, target)]:
        sides = ", ".join(sorted(s.value for s in MOVES[(current, target)]))
        raise Forbidden(f"{current.value} → {target.value} is for: {sides}", code="transition_forbidden")
    if data.contract is not None:
        if target is not MatchStatus.succeeded:
            raise InvalidInput.field(
                "body.contract", "contract_only_on_success", "a contract comes with succeeded only"
            )
        if demand.kind == DemandKind.finance.value:
            raise InvalidInput.field(
                "body.contract",
                "contract_not_for_finance",
                "a finance demand's success is not a technology contract",
            )
    if current is MatchStatus.proposed and target is MatchStatus.docking and demand.deadline < local_today():
        raise Conflict(f"demand {demand.id} expired on {demand.deadline}", code="demand_expired")


async def update_match(
    session: AsyncSession, *, match_id: int, data: MatchUpdate, principal: Principal
) -> MatchDetail:
    match, demand, supply = await _load(session, match_id, principal)
    side = side_of(principal, demand, supply)
    _check_move(match, demand, data, side)
    await _ensure_periods_open(session, match, data)
    now = utcnow()
    undone = MatchStatus(match.status) is MatchStatus.succeeded
    session.add(
        MatchEvent(
            match_id=match.id or 0,
            from_status=match.status,
            to_status=data.status.value,
            actor=principal.username,
            note=data.note,
        )
    )
    match.status = data.status.value
    match.updated_at = now
    if data.status in TERMINAL:
        match.finished_at = now
    if data.note:
        match.note = data.note
    demand_was = demand.status
    if data.status is MatchStatus.succeeded:
        if demand.status != DemandStatus.matched.value:
            demand.status = DemandStatus.matched.value
            demand.matched_at = demand.matched_at or now
            demand.updated_at = now
        if data.contract is not None:
            _set_contract(match, data.contract)
        # The contract reaches indicator-api through the outbox, committed with the success: a peer
        # that is down delays it and fails nothing here.
        await _record(session, "match.succeeded", match, demand)
    elif undone:
        await _undo_success(session, match, demand)
    if demand.status != demand_was:
        matched = demand.status == DemandStatus.matched.value
        await emit(
            session,
            DEMAND_MATCHED if matched else DEMAND_UPDATED,
            subject=demand_subject(demand.id),
            data=DemandPublic.model_validate(demand),
        )
        # The other dockings of the demand show its new status in their summary.
        await refresh_matches(session, demand_id=demand.id, skip=[match.id or 0])
    await session.flush()
    await _tell_the_other_sides(
        session,
        actor=side or Side.bureau,
        demand=demand,
        supply=supply,
        match=match,
        kind="match_status",
        title=f"「{demand.title}」与 {supply.name} 的对接:{STATUS_NAMES[data.status]}",
        body=data.note,
    )
    return await announce(session, EVENT_OF[data.status], match, demand, supply)


async def _ensure_periods_open(session: AsyncSession, match: Match, data: MatchUpdate) -> None:
    """A docking's outcome counts in the month it is recorded (a success, an undone one) and its
    contract in the month it was signed: none of them may land in a period indicator-api has closed
    (409 `period_closed`), as its outbox told this service."""
    if data.status is not MatchStatus.succeeded and MatchStatus(match.status) is not MatchStatus.succeeded:
        return  # neither a success nor its undoing: no figure of a period moves
    closed = await closed_in(session, closed_periods)
    if data.contract is not None:
        closed.ensure_day_open(data.contract.signed_on, "body.contract.signed_on")
    if MatchStatus(match.status) is MatchStatus.succeeded and match.signed_on is not None:
        # Undoing a success takes its contract out of the month it was signed in.
        closed.ensure_day_open(match.signed_on, "body.status")
    closed.ensure_day_open(local_today(), "body.status")


def _set_contract(match: Match, contract: Contract) -> None:
    match.contract_amount = contract.amount
    match.contract_type = contract.contract_type.value
    match.signed_on = contract.signed_on
    match.contract_revision += 1
    match.contract_status = ContractStatus.pending.value


async def _record(session: AsyncSession, type_: str, match: Match, demand: Demand) -> None:
    """The message to indicator-api when the docking carries or cancels a contract. Nothing
    otherwise: the change feed has its own events, shaped as the API shows a docking."""
    if match.contract_status != ContractStatus.pending.value:
        return
    contract = None
    if match.contract_amount is not None and match.contract_type and match.signed_on:
        contract = {
            "amount": format_yuan(match.contract_amount),
            "contract_type": match.contract_type,
            "signed_on": match.signed_on.isoformat(),
        }
    await record_event(
        session,
        type=type_,
        subject=f"match:{match.id}",
        data={
            "match_id": match.id,
            "demand_id": demand.id,
            "credit_code": demand.credit_code,
            "region_code": demand.region_code,
            "revision": match.contract_revision,
            "contract": contract,
        },
        to=INDICATOR,
    )


async def _undo_success(session: AsyncSession, match: Match, demand: Demand) -> None:
    """The bureau undoes a success: the contract is cancelled (through the outbox) and the demand,
    unless another docking succeeded for it, is open again."""
    had_contract = match.contract_revision > 0 and match.contract_status != ContractStatus.cancelled.value
    match.contract_amount = None
    match.contract_type = None
    match.signed_on = None
    if had_contract:
        match.contract_revision += 1
        match.contract_status = ContractStatus.pending.value
    others = await session.scalar(
        select(func.count())
        .select_from(Match)
        .where(
            col(Match.demand_id) == demand.id,
            col(Match.id) != match.id,
            col(Match.status) == MatchStatus.succeeded.value,
        )
    )
    if not others and demand.status == DemandStatus.matched.value:
        demand.status = DemandStatus.open.value
        demand.matched_at = None
        demand.updated_at = utcnow()
    await _record(session, "match.undone", match, demand)


async def set_contract(
    session: AsyncSession, *, match_id: int, data: Contract, principal: Principal
) -> MatchDetail:
    """Attach a contract to a success that had none, or correct it: the next revision, reported
    to indicator-api through the outbox (the turnover follows)."""
    match, demand, supply = await _load(session, match_id, principal)
    side = side_of(principal, demand, supply)
    if side not in (Side.enterprise, Side.bureau):
        raise Forbidden(
            "a docking's contract is reported by the demand's enterprise or the bureau",
            code="contract_forbidden",
        )
    if match.status != MatchStatus.succeeded.value:
        raise Conflict(f"docking record {match_id} is {match.status}", code="contract_only_on_success")
    if demand.kind == DemandKind.finance.value:
        raise InvalidInput.field(
            "body", "contract_not_for_finance", "a finance demand's success is not a technology contract"
        )
    closed = await closed_in(session, closed_periods)
    closed.ensure_day_open(data.signed_on, "body.signed_on")
    if match.signed_on is not None:
        # A correction takes the contract out of the month it was first signed in.
        closed.ensure_day_open(match.signed_on, "body.signed_on")
    first = match.contract_amount is None
    _set_contract(match, data)
    match.updated_at = utcnow()
    await session.flush()
    await _record(session, "match.contract_revised", match, demand)
    session.add(
        MatchEvent(
            match_id=match.id or 0,
            from_status=match.status,
            to_status=match.status,
            actor=principal.username,
            note=("补录技术合同" if first else "更正技术合同") + f" {format_yuan(data.amount)} 元",
        )
    )
    return await announce(session, MATCH_CONTRACT_SET, match, demand, supply)


async def contract_delivered(session: AsyncSession, event: Event) -> None:
    """indicator-api took the docking's contract change: the docking shows it, unless a later
    revision is already on its way."""
    match = await session.get(Match, int(event.data["match_id"]))
    if match is None or match.contract_revision != int(event.data["revision"]):
        return
    cancelled = event.type == "match.undone"
    match.contract_status = (ContractStatus.cancelled if cancelled else ContractStatus.reported).value
    match.contract_reported_at = match.updated_at = utcnow()
    demand = await session.get(Demand, match.demand_id)
    supply = await session.get(Supply, match.supply_id)
    if demand is not None and supply is not None:
        await announce(session, MATCH_UPDATED, match, demand, supply)


async def list_matches(
    session: AsyncSession, *, principal: Principal, page: PageParams, changes: Changes, where: MatchFilter
) -> tuple[list[MatchPublic], int, str | None]:
    # Any: the kit's paging helpers are typed for one-entity statements, this one has three.
    query: Any = (
        select(Match, Demand, Supply)
        .join(Demand, col(Demand.id) == col(Match.demand_id))
        .join(Supply, col(Supply.id) == col(Match.supply_id))
        .where(_visible(principal))
    )
    if where.demand_id is not None:
        query = query.where(col(Match.demand_id) == where.demand_id)
    if where.supply_id is not None:
        query = query.where(col(Match.supply_id) == where.supply_id)
    if where.status is not None:
        query = query.where(col(Match.status) == where.status.value)
    if where.mine:
        query = query.where(col(Supply.owner_username) == principal.username)
    query = changes.since(query, col(Match.updated_at))
    total = int((await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one())
    rows = (
        await session.execute(
            keyset_page(
                query,
                page,
                changes,
                updated=col(Match.updated_at),
                key=col(Match.id),
                order=[col(Match.id).desc()],
            )
        )
    ).all()
    last = (rows[-1][0].updated_at, rows[-1][0].id or 0) if rows else None
    return [public(m, d, s) for m, d, s in rows], total, next_cursor(changes, last)
