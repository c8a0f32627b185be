"""Demand rules: who posts, who sees and edits which demand, and when a demand closes."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Row, Select, bindparam, delete, func, insert
from sqlalchemy import select as sql_select  # Core: rows, not mapped objects
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from daye_kit.auth import Principal, Role
from daye_kit.db import Reads, columns, lock_exclusively
from daye_kit.errors import Conflict, Forbidden, InvalidInput, NotFound
from daye_kit.feed import EventType, emit
from daye_kit.pagination import Changes, PageParams, keyset_page, next_cursor
from daye_kit.timestamps import local_midnight, local_today, utcnow
from matching_api.config import Settings
from matching_api.demands.models import Demand, DemandTerm
from matching_api.demands.schemas import (
    DemandCreate,
    DemandFilter,
    DemandPublic,
    DemandReview,
    DemandSummary,
    DemandUpdate,
    ExpirySweep,
    Reminders,
)
from matching_api.engine.index import SupplyIndex
from matching_api.engine.service import recommend
from matching_api.engine.text import join_terms, tokenize
from matching_api.enums import DemandStatus, MatchStatus, ReviewDecision, ReviewStatus
from matching_api.events import (
    DEMAND_CLOSED,
    DEMAND_POSTED,
    DEMAND_UPDATED,
    DEMAND_WITHDRAWN,
    MATCH_CLOSED,
    MATCH_WITHDRAWN,
    demand_subject,
    match_subject,
)
from matching_api.matches.models import Match, MatchEvent
from matching_api.matches.views import details, refresh_matches
from matching_api.notifications.service import (
    BUREAU,
    NOTIFICATIONS,
    enterprise_audience,
    notify,
    supplier_audience,
)
from matching_api.peers import IndicatorClient
from matching_api.supplies.models import Supply


def can_see(principal: Principal, demand: Demand | Row[Any]) -> bool:
    if principal.role is Role.enterprise:
        return demand.credit_code == principal.credit_code
    if principal.role is Role.township:
        return demand.region_code == principal.region_code
    return principal.sees_everything


def visible(query: SelectOfScalar[Demand], principal: Principal) -> SelectOfScalar[Demand]:
    if principal.role is Role.enterprise:
        return query.where(col(Demand.credit_code) == (principal.credit_code or ""))
    if principal.role is Role.township:
        return query.where(col(Demand.region_code) == (principal.region_code or ""))
    if not principal.sees_everything:
        return query.where(col(Demand.id).is_(None))
    return query


# Built once: a read of one demand neither builds its statement nor works out its cache key again.
_DEMAND_BY_ID = select(Demand).where(col(Demand.id) == bindparam("demand_id"))


async def load_demand(
    session: AsyncSession, demand_id: int, principal: Principal, *, for_update: bool = False
) -> Demand:
    """The demand, if the caller may see it; another enterprise's demand is reported as missing."""
    query = _DEMAND_BY_ID.with_for_update() if for_update else _DEMAND_BY_ID
    demand = (await session.execute(query, {"demand_id": demand_id})).scalar_one_or_none()
    if demand is None or not can_see(principal, demand):
        raise _not_found(demand_id)
    return demand


def _not_found(demand_id: int) -> NotFound:
    return NotFound(f"demand {demand_id} does not exist", code="demand_not_found")


def _public_read() -> Select[Any]:
    """What `read_demand` reads of one demand, in Core: the columns it shows, and no mapped object."""
    return sql_select(*columns(Demand, DemandPublic.model_fields)).where(
        col(Demand.id) == bindparam("demand_id")
    )


_PUBLIC_READ = _public_read()


def segment(demand: Demand) -> None:
    demand.terms = join_terms(tokenize(" ".join([demand.title, demand.description, demand.industry])))


TERM_LENGTH = 64


def hall_terms(demand: Demand) -> list[str]:
    """The terms the hall's field filter finds a demand by: its segmented text and its industry."""
    words = [*demand.terms.split(), *([demand.industry.lower()] if demand.industry else [])]
    return list(dict.fromkeys(w for w in words if len(w) <= TERM_LENGTH))


async def write_terms(session: AsyncSession, demands: list[Demand], *, replace: bool = False) -> None:
    """Store the demands' hall terms (flushed demands: they have ids), replacing their old ones."""
    ids = [d.id for d in demands if d.id is not None]
    if replace and ids:
        await session.execute(delete(DemandTerm).where(col(DemandTerm.demand_id).in_(ids)))
    rows = [{"term": t, "demand_id": d.id} for d in demands for t in hall_terms(d)]
    for start in range(0, len(rows), 2000):
        await session.execute(insert(DemandTerm), rows[start : start + 2000])


def is_public(demand: Demand) -> bool:
    """In the hall, recommended to suppliers, open to dockings: approved (or posted without review)."""
    return demand.review_status == ReviewStatus.approved.value


def _credit_code_of(principal: Principal, data: DemandCreate) -> str:
    """The enterprise a demand is posted for: the caller's own, or the one the bureau names."""
    if principal.role is Role.admin:
        if data.credit_code is None:
            raise InvalidInput.field(
                "body.credit_code", "missing", "the bureau posting for an enterprise names its credit code"
            )
        return data.credit_code
    if not principal.credit_code or data.credit_code not in (None, principal.credit_code):
        raise Forbidden(f"enterprise account {principal.username} posts for {principal.credit_code} only")
    return principal.credit_code


async def post_demand(
    session: AsyncSession,
    *,
    data: DemandCreate,
    principal: Principal,
    indicator: IndicatorClient,
    index: SupplyIndex,
    settings: Settings,
) -> DemandPublic:
    credit_code = _credit_code_of(principal, data)
    day = local_today()
    if data.deadline < day:
        raise InvalidInput.field("body.deadline", "date_in_past", f"the deadline {data.deadline} has passed")
    # Before anything is written: the registry must know the enterprise (503 if it cannot be asked).
    enterprise = await indicator.get_enterprise(credit_code)
    demand = Demand(
        credit_code=credit_code,
        enterprise_name=enterprise.name,
        region_code=enterprise.region_code,
        qualifications=enterprise.qualifications_on(day),
        kind=data.kind.value,
        title=data.title,
        description=data.description,
        industry=data.industry or enterprise.industry,
        budget=data.budget,
        amount_sought=data.amount_sought,
        financing=data.financing.value if data.financing else None,
        deadline=data.deadline,
        posted_by=principal.username,
        review_status=(
            ReviewStatus.pending if settings.require_demand_review else ReviewStatus.approved
        ).value,
    )
    segment(demand)
    session.add(demand)
    await session.flush()
    await write_terms(session, [demand])
    shown = await _announce(session, DEMAND_POSTED, demand)
    if is_public(demand):
        await _announce_recommendations(session, demand=demand, index=index, settings=settings)
    else:
        await _ask_for_review(session, demand)
    return shown


async def _ask_for_review(session: AsyncSession, demand: Demand) -> None:
    await notify(
        session,
        audiences=[BUREAU],
        kind="demand_review_requested",
        title=f"需求「{demand.title}」待审核",
        body=f"{demand.enterprise_name} 发布的需求审核通过后才会公开。",
        demand_id=demand.id,
    )


async def review_demand(
    session: AsyncSession,
    *,
    demand_id: int,
    data: DemandReview,
    principal: Principal,
    index: SupplyIndex,
    settings: Settings,
) -> DemandPublic:
    """The bureau's decision on a pending demand: approved, it is public (the hall, the suppliers the
    engine recommends are told); rejected, it never is, and the enterprise is told why."""
    demand = await load_demand(session, demand_id, principal, for_update=True)
    if demand.review_status != ReviewStatus.pending.value:
        raise Conflict(
            f"demand {demand_id} is {demand.review_status}; only a pending demand is reviewed",
            code="demand_not_pending",
        )
    reason = (data.reason or "").strip() or None
    if data.decision is ReviewDecision.reject and reason is None:
        raise InvalidInput.field("body.reason", "missing", "a rejection tells the enterprise why")
    approved = data.decision is ReviewDecision.approve
    now = utcnow()
    demand.review_status = (ReviewStatus.approved if approved else ReviewStatus.rejected).value
    demand.review_reason = reason
    demand.reviewed_by = principal.username
    demand.reviewed_at = demand.updated_at = now
    await session.flush()
    shown = await _announce(session, DEMAND_UPDATED, demand)
    await notify(
        session,
        audiences=[enterprise_audience(demand.credit_code)],
        kind="demand_reviewed",
        title=f"需求「{demand.title}」" + ("已通过审核并公开" if approved else "未通过审核"),
        body=reason or "",
        demand_id=demand.id,
    )
    if approved:
        await _announce_recommendations(session, demand=demand, index=index, settings=settings)
    return shown


async def _announce(session: AsyncSession, kind: EventType, demand: Demand) -> DemandPublic:
    """The demand after a change, recorded as the feed's `kind` event; what the API answers."""
    shown = DemandPublic.model_validate(demand)
    await emit(session, kind, subject=demand_subject(demand.id), data=shown)
    return shown


async def _announce_recommendations(
    session: AsyncSession, *, demand: Demand, index: SupplyIndex, settings: Settings
) -> None:
    """Tell the enterprise what the engine found, and each recommended supply's side of the demand."""
    if settings.notify_top == 0:
        return
    found = await recommend(session, index=index, settings=settings, demand=demand, limit=settings.notify_top)
    if not found.items:
        return
    names = "、".join(f"{r.supply.name}({r.supply.provider})" for r in found.items)
    await notify(
        session,
        audiences=[enterprise_audience(demand.credit_code)],
        kind="new_recommendation",
        title=f"需求「{demand.title}」有 {len(found.items)} 项推荐供给",
        body=f"推荐:{names}。可在推荐列表中选择发起对接。",
        demand_id=demand.id,
    )
    owners = await session.execute(
        select(col(Supply.id), col(Supply.owner_username)).where(
            col(Supply.id).in_([r.supply.id for r in found.items])
        )
    )
    for supply_id, owner in owners.all():
        await notify(
            session,
            audiences=[supplier_audience(owner)],
            kind="new_recommendation",
            title=f"新需求「{demand.title}」与您的供给匹配",
            body=f"{demand.enterprise_name} 发布的需求与供给 #{supply_id} 匹配,可揭榜应答。",
            demand_id=demand.id,
            supply_id=supply_id,
        )


async def read_demand(reads: Reads, *, demand_id: int, principal: Principal) -> DemandPublic:
    row = await reads.one_or_none(_PUBLIC_READ, {"demand_id": demand_id})
    if row is None or not can_see(principal, row):
        raise _not_found(demand_id)
    return DemandPublic.model_validate(row)


async def update_demand(
    session: AsyncSession, *, demand_id: int, data: DemandUpdate, principal: Principal
) -> DemandPublic:
    demand = await load_demand(session, demand_id, principal, for_update=True)
    if not (principal.role is Role.admin or principal.credit_code == demand.credit_code):
        raise Forbidden("a demand is changed by its enterprise (or the bureau) only")
    if demand.status != DemandStatus.open.value:
        raise Conflict(
            f"demand {demand_id} is {demand.status}; only open demands change", code="demand_not_open"
        )
    changes = data.model_dump(exclude_unset=True)
    status = changes.pop("status", None)
    if status is not None and status is not DemandStatus.withdrawn:
        raise InvalidInput.field(
            "body.status", "status_not_settable", "a demand can only be set to withdrawn"
        )
    merged = DemandPublic.model_validate(demand).model_dump() | changes
    try:
        DemandCreate.model_validate({**merged, "credit_code": None})
    except ValueError as exc:
        raise InvalidInput(f"the demand would be inconsistent: {exc}", code="demand_invalid") from exc
    if "deadline" in changes and changes["deadline"] < local_today():
        raise InvalidInput.field(
            "body.deadline", "date_in_past", f"the deadline {changes['deadline']} has passed"
        )
    summary = DemandSummary.model_validate(demand)
    for name, value in changes.items():
        setattr(demand, name, value.value if name == "financing" and value is not None else value)
    if {"title", "description", "industry"} & changes.keys():
        segment(demand)
        await write_terms(session, [demand], replace=True)
    resubmitted = bool(changes) and status is None and demand.review_status == ReviewStatus.rejected.value
    if resubmitted:
        # A rejected demand, edited, goes back to the bureau.
        demand.review_status = ReviewStatus.pending.value
    now = utcnow()
    if status is DemandStatus.withdrawn:
        demand.status = DemandStatus.withdrawn.value
        demand.closed_at = now
    demand.updated_at = now
    await session.flush()
    shown = await _announce(session, DEMAND_WITHDRAWN if status else DEMAND_UPDATED, demand)
    if resubmitted:
        await _ask_for_review(session, demand)
    ended: list[int] = []
    if status is DemandStatus.withdrawn:
        ended = await _end_open_matches(session, demand, MatchStatus.withdrawn, actor=principal.username)
    if DemandSummary.model_validate(demand) != summary:
        await refresh_matches(session, demand_id=demand.id, skip=ended)
    return shown


async def _end_open_matches(
    session: AsyncSession, demand: Demand, to: MatchStatus, *, actor: str, only_proposed: bool = False
) -> list[int]:
    """End the demand's open dockings (each announced as withdrawn or closed); their ids."""
    ended = [MatchStatus.proposed.value] if only_proposed else [MatchStatus.proposed.value, "docking"]
    rows = (
        await session.execute(
            select(Match, Supply)
            .join(Supply, col(Supply.id) == col(Match.supply_id))
            .where(col(Match.demand_id) == demand.id, col(Match.status).in_(ended))
            .order_by(col(Match.id))
        )
    ).all()
    now = utcnow()
    for match, supply in rows:
        owner = supply.owner_username
        session.add(
            MatchEvent(match_id=match.id or 0, from_status=match.status, to_status=to.value, actor=actor)
        )
        match.status = to.value
        match.updated_at = match.finished_at = now
        await notify(
            session,
            audiences=[supplier_audience(owner)],
            kind="demand_closed",
            title=f"需求「{demand.title}」已{'撤回' if to is MatchStatus.withdrawn else '到期关闭'}",
            demand_id=demand.id,
            supply_id=match.supply_id,
            match_id=match.id,
        )
    kind = MATCH_WITHDRAWN if to is MatchStatus.withdrawn else MATCH_CLOSED
    for shown in await details(session, [(match, demand, supply) for match, supply in rows]):
        await emit(session, kind, subject=match_subject(shown.id), data=shown)
    return [match.id or 0 for match, _ in rows]


async def close_expired(
    session: AsyncSession, *, principal: Principal, as_of: date | None = None
) -> ExpirySweep:
    """Open demands past their deadline close; their proposed dockings close with them, while
    dockings already under way may still end in success or failure."""
    day = as_of or local_today()
    demands = (
        (
            await session.execute(
                select(Demand)
                .where(col(Demand.status) == DemandStatus.open.value, col(Demand.deadline) < day)
                .with_for_update()
            )
        )
        .scalars()
        .all()
    )
    closed_matches = 0
    now = utcnow()
    for demand in demands:
        demand.status = DemandStatus.closed.value
        demand.closed_at = demand.updated_at = now
        await session.flush()
        await _announce(session, DEMAND_CLOSED, demand)
        ended = await _end_open_matches(
            session, demand, MatchStatus.closed, actor=principal.username, only_proposed=True
        )
        closed_matches += len(ended)
        # Dockings already under way stay, and show their demand closed.
        await refresh_matches(session, demand_id=demand.id, skip=ended)
        await notify(
            session,
            audiences=[enterprise_audience(demand.credit_code)],
            kind="demand_closed",
            title=f"需求「{demand.title}」已于 {demand.deadline} 到期关闭",
            demand_id=demand.id,
        )
    await session.flush()
    return ExpirySweep(closed_demands=len(demands), closed_matches=closed_matches)


DEADLINE_SOON_DAYS = 7
UNANSWERED_DAYS = 14
DEADLINE_SOON = "demand_deadline_soon"
UNANSWERED = "demand_unanswered"


def _not_reminded(kind: str) -> Any:
    """No reminder of `kind` yet for the demand: one per demand and kind, however often this runs."""
    return NOTIFICATIONS.not_sent(kind, demand_id=col(Demand.id))


async def remind(session: AsyncSession, *, today: date | None = None) -> Reminders:
    """The scheduled reminders: an open demand whose deadline is within 7 days (to its enterprise),
    and an open demand without any response 14 days after posting (to its enterprise and the
    bureau, which can prompt suppliers). Each is sent once per demand."""
    day = today or local_today()
    # Two runs at once (a manual one beside the schedule's) would both see "not yet reminded".
    await lock_exclusively(await session.connection(), "matching-demand-reminders")
    open_ = col(Demand.status) == DemandStatus.open.value
    soon = (
        (
            await session.execute(
                select(Demand).where(
                    open_,
                    col(Demand.deadline) >= day,
                    col(Demand.deadline) <= day + timedelta(days=DEADLINE_SOON_DAYS),
                    _not_reminded(DEADLINE_SOON),
                )
            )
        )
        .scalars()
        .all()
    )
    for demand in soon:
        await notify(
            session,
            audiences=[enterprise_audience(demand.credit_code)],
            kind=DEADLINE_SOON,
            title=f"需求「{demand.title}」将于 {demand.deadline} 截止征集",
            demand_id=demand.id,
        )
    unanswered = (
        (
            await session.execute(
                select(Demand).where(
                    open_,
                    col(Demand.first_response_at).is_(None),
                    # Only a public demand can be answered.
                    col(Demand.review_status) == ReviewStatus.approved.value,
                    col(Demand.posted_at) <= local_midnight(day - timedelta(days=UNANSWERED_DAYS)),
                    _not_reminded(UNANSWERED),
                )
            )
        )
        .scalars()
        .all()
    )
    for demand in unanswered:
        await notify(
            session,
            audiences=[enterprise_audience(demand.credit_code), BUREAU],
            kind=UNANSWERED,
            title=f"需求「{demand.title}」发布 {UNANSWERED_DAYS} 天仍无应答",
            demand_id=demand.id,
        )
    await session.flush()
    return Reminders(deadline_soon=len(soon), unanswered=len(unanswered))


def _filtered(
    query: SelectOfScalar[Demand], principal: Principal, where: DemandFilter
) -> SelectOfScalar[Demand]:
    query = visible(query, principal)
    if where.kind is not None:
        query = query.where(col(Demand.kind) == where.kind.value)
    if where.status is not None:
        query = query.where(col(Demand.status) == where.status.value)
    if where.region:
        query = query.where(col(Demand.region_code) == where.region)
    if where.credit_code:
        query = query.where(col(Demand.credit_code) == where.credit_code)
    if where.review_status is not None:
        query = query.where(col(Demand.review_status) == where.review_status.value)
    if where.posted_from is not None:
        query = query.where(col(Demand.posted_at) >= local_midnight(where.posted_from))
    if where.posted_to is not None:
        query = query.where(
            col(Demand.posted_at) < local_midnight(date.fromordinal(where.posted_to.toordinal() + 1))
        )
    return query


async def list_demands(
    session: AsyncSession, *, principal: Principal, page: PageParams, changes: Changes, where: DemandFilter
) -> tuple[list[DemandPublic], int, str | None]:
    query = changes.since(_filtered(select(Demand), principal, where), col(Demand.updated_at))
    total = int((await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one())
    page_query = keyset_page(
        query,
        page,
        changes,
        updated=col(Demand.updated_at),
        key=col(Demand.id),
        order=[col(Demand.posted_at).desc(), col(Demand.id).desc()],
    )
    rows = (await session.execute(page_query)).scalars().all()
    last = (rows[-1].updated_at, rows[-1].id or 0) if rows else None
    return [DemandPublic.model_validate(d) for d in rows], total, next_cursor(changes, last)
