"""The hall: open public demands a supplier could answer, filtered by its fields through the
demands' stored terms (an indexed key, not a text scan), paged in SQL; only the page's demands are
scored by the engine against the caller's own supplies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_, union
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from daye_kit.auth import Principal
from daye_kit.errors import Forbidden
from daye_kit.pagination import PageParams
from daye_kit.timestamps import local_today
from matching_api.config import Settings
from matching_api.demands.models import Demand, DemandTerm
from matching_api.engine.catalog import Catalog
from matching_api.engine.index import SupplyIndex
from matching_api.engine.service import active_load, query_of, weights_of
from matching_api.engine.text import tokenize
from matching_api.enums import (
    SERVES,
    DemandKind,
    DemandStatus,
    Financing,
    ReviewStatus,
    SupplyKind,
    SupplyStatus,
)
from matching_api.hall.schemas import HallItem, HallPage, ResponseCreate
from matching_api.matches.models import Match
from matching_api.matches.schemas import MatchCreate, MatchDetail
from matching_api.matches.service import create_match
from matching_api.peers import IndicatorClient
from matching_api.supplies.models import Supply
from matching_api.supplies.service import load_supply

CITY = "大冶市"


@dataclass(frozen=True)
class Own:
    """The caller's supplies in matching (active), as the hall needs them."""

    ids: list[int]
    kinds: set[SupplyKind]
    labels: list[str]  # their fields, then their industries, each once


async def _own(session: AsyncSession, username: str) -> Own:
    rows = (
        await session.execute(
            select(col(Supply.id), col(Supply.kind), col(Supply.fields), col(Supply.industries)).where(
                col(Supply.owner_username) == username, col(Supply.status) == SupplyStatus.active.value
            )
        )
    ).all()
    # A financial product's fields name the product (科创贷), not a domain a demand would mention: it
    # answers finance demands by amount, financing mode and qualification, which the engine scores.
    labels = [
        label
        for row in rows
        if row.kind != SupplyKind.finance_product.value
        for label in [*row.fields, *row.industries]
    ]
    return Own(
        ids=[int(row.id) for row in rows],
        kinds={SupplyKind(row.kind) for row in rows},
        labels=list(dict.fromkeys(labels)),
    )


@dataclass(frozen=True)
class Field:
    """A field a demand names: the whole label as one of its terms, or every one of its smallest
    parts (铸造工艺 → 铸造 and 工艺: a demand about 挤压工艺 alone is not about casting)."""

    label: str
    whole: str
    parts: tuple[str, ...]

    def named_by(self, terms: set[str]) -> bool:
        return self.whole in terms or (bool(self.parts) and set(self.parts) <= terms)

    def demands(self) -> list[Any]:
        """Selects of the ids of the demands naming it, through the (term, demand_id) key."""
        whole = select(col(DemandTerm.demand_id)).where(col(DemandTerm.term) == self.whole)
        if not self.parts or self.parts == (self.whole,):
            return [whole]
        every_part = (
            select(col(DemandTerm.demand_id))
            .where(col(DemandTerm.term).in_(self.parts))
            .group_by(col(DemandTerm.demand_id))
            .having(func.count() == len(self.parts))
        )
        return [whole, every_part]


def field_of(label: str) -> Field:
    parts = list(dict.fromkeys(tokenize(label)))
    smallest = tuple(p for p in parts if not any(o != p and o in p for o in parts))
    return Field(label=label, whole=label.strip().lower(), parts=smallest)


def _served(kinds: set[SupplyKind]) -> list[DemandKind]:
    return [demand_kind for demand_kind, serving in SERVES.items() if kinds & set(serving)]


def enterprise_label(demand: Demand, unit_names: dict[str, str]) -> str:
    place = unit_names.get(demand.region_code, CITY)
    return f"{place}某{demand.industry or ''}企业"


def _relevance(
    catalog: Catalog, demand: Demand, own: Sequence[int], *, settings: Settings, load: dict[int, int]
) -> tuple[float, int | None]:
    """The engine's score of the caller's best supply for the demand (0 when none is relevant),
    with its text factor measured against the best text match in the whole catalogue, not among
    the caller's supplies alone (where the best would always count as a perfect match)."""
    if not own:
        return 0.0, None
    query = query_of(demand)
    weights = weights_of(settings)
    ranked = catalog.rank(query, weights=weights, limit=1, load=load, allowed=own, ignore_capacity=True)
    if not ranked.keys:
        return 0.0, None
    _, best = catalog.top_bm25(query.tokens, 1)
    text = ranked.bm25[0] / best[0] if best and best[0] > 0 else 0.0
    weight = weights.as_dict()
    total = sum(weight.values()) or 1.0
    score = ranked.scores[0] + weight["text"] * (text - ranked.factors["text"][0]) / total
    return round(min(1.0, max(0.0, score)), 4), ranked.keys[0]


async def hall(
    session: AsyncSession,
    *,
    principal: Principal,
    page: PageParams,
    fields: list[str],
    kind: DemandKind | None,
    q: str | None,
    index: SupplyIndex,
    settings: Settings,
    indicator: IndicatorClient,
) -> HallPage:
    own = await _own(session, principal.username)
    asked = list(dict.fromkeys(f.strip() for f in fields if f.strip()))
    labels = asked or own.labels
    query = select(Demand).where(
        col(Demand.review_status) == ReviewStatus.approved.value,
        col(Demand.status) == DemandStatus.open.value,
        col(Demand.deadline) >= local_today(),
    )
    if kind is not None:
        query = query.where(col(Demand.kind) == kind.value)
    wanted = [field_of(label) for label in labels]
    naming = None
    if wanted:
        # An outer join to the set of naming demands, not `id IN (…)`: PostgreSQL would walk the
        # newest-first index and test the set per row as a subplan (seconds at 20,000 demands).
        named = union(*(q for f in wanted for q in f.demands())).subquery("named")
        query = query.outerjoin(named, named.c.demand_id == col(Demand.id))
        naming = named.c.demand_id.is_not(None)
    if asked and naming is not None:
        query = query.where(naming)
    if own.kinds:
        # Only what the caller's supplies could serve, and by default only demands naming the fields
        # of its experts and technologies; its financial products answer every finance demand.
        served = [k.value for k in _served(own.kinds - {SupplyKind.finance_product})]
        either = []
        if served:
            by_field = col(Demand.kind).in_(served)
            either.append(by_field if naming is None or asked else and_(by_field, naming))
        if SupplyKind.finance_product in own.kinds:
            either.append(col(Demand.kind) == DemandKind.finance.value)
        query = query.where(or_(*either))
    if q:
        query = query.where(or_(col(Demand.title).contains(q), col(Demand.description).contains(q)))
    # The page and the total in one statement (the naming set is computed once); a page past the
    # end has no row to carry the total, so only then is it counted apart.
    paged = (
        await session.execute(
            query.add_columns(func.count().over().label("total"))
            .order_by(col(Demand.posted_at).desc(), col(Demand.id).desc())
            .offset(page.offset)
            .limit(page.limit)
        )
    ).all()
    rows: list[Demand] = [row[0] for row in paged]
    if paged:
        total = int(paged[0].total)
    else:
        total = int((await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one())
    responded: set[int] = set()
    if rows and own.ids:
        responded = set(
            (
                await session.execute(
                    select(col(Match.demand_id))
                    .join(Supply, col(Supply.id) == col(Match.supply_id))
                    .where(
                        col(Supply.owner_username) == principal.username,
                        col(Match.demand_id).in_([d.id for d in rows]),
                    )
                )
            )
            .scalars()
            .all()
        )
    catalog = await index.synced(session) if rows and own.ids else None
    load = await active_load(session) if catalog is not None else {}
    names = await indicator.unit_names() if rows else {}
    items = []
    for demand in rows:
        present = {*demand.terms.split(), demand.industry.lower()}
        relevance, best = (
            _relevance(catalog, demand, own.ids, settings=settings, load=load) if catalog else (0.0, None)
        )
        items.append(
            HallItem(
                id=demand.id or 0,
                kind=DemandKind(demand.kind),
                title=demand.title,
                description=demand.description,
                industry=demand.industry,
                region_code=demand.region_code,
                enterprise_label=enterprise_label(demand, names),
                budget=demand.budget,
                amount_sought=demand.amount_sought,
                financing=Financing(demand.financing) if demand.financing else None,
                deadline=demand.deadline,
                posted_at=demand.posted_at,
                matched_fields=[f.label for f in wanted if f.named_by(present)],
                responded=demand.id in responded,
                relevance=relevance,
                best_supply_id=best,
            )
        )
    return HallPage(items=items, total=total, fields=labels)


async def respond(
    session: AsyncSession,
    *,
    demand_id: int,
    data: ResponseCreate,
    principal: Principal,
    index: SupplyIndex,
    settings: Settings,
) -> MatchDetail:
    """A supplier answers a demand of the hall with a supply of its own (揭榜应答): a docking record
    of origin `supplier`, which then moves through the docking state machine like any other."""
    supply = await load_supply(session, data.supply_id)
    if supply.owner_username != principal.username:
        raise Forbidden(
            f"supply {data.supply_id} is not one of {principal.username}'s supplies", code="not_your_supply"
        )
    return await create_match(
        session,
        data=MatchCreate(demand_id=demand_id, supply_id=data.supply_id, note=data.message),
        principal=principal,
        index=index,
        settings=settings,
    )
