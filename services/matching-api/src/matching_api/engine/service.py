"""Recommendations for a demand: the catalogue in step with the database, the demand as a query,
the ranking, and a sentence per factor saying why."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from matching_api.config import Settings
from matching_api.demands.models import Demand
from matching_api.engine.catalog import REGION_LABELS, Query, Ranked, Weights
from matching_api.engine.index import SupplyIndex
from matching_api.engine.schemas import Reason, Recommendation, Recommendations
from matching_api.engine.semantic import Bridge, bridges, describe
from matching_api.engine.text import split_terms, tokenize
from matching_api.enums import QUALIFICATION_NAMES, SERVES, DemandKind, MatchStatus, SupplyKind
from matching_api.matches.models import Match
from matching_api.supplies.models import Supply
from matching_api.supplies.schemas import SupplySummary

ACTIVE = (MatchStatus.proposed.value, MatchStatus.docking.value)
LABELS = {
    "text": "文本相关度",
    "semantic": "语义相关",
    "fit": "领域与产业吻合",
    "amount": "金额匹配",
    "qualification": "资质匹配",
    "region": "地域",
    "capacity": "专家余量",
}


def weights_of(settings: Settings) -> Weights:
    return Weights(
        text=settings.weight_text,
        fit=settings.weight_fit,
        amount=settings.weight_amount,
        qualification=settings.weight_qualification,
        region=settings.weight_region,
        capacity=settings.weight_capacity,
    )


def query_of(demand: Demand, kinds: Sequence[SupplyKind] | None = None) -> Query:
    tokens = split_terms(demand.terms)
    return Query(
        tokens=tokens,
        kinds=kinds or SERVES[DemandKind(demand.kind)],
        context=tokenize(demand.industry),
        bridges=bridges(f"{demand.title} {demand.description}", tokens),
        region_code=demand.region_code,
        budget=demand.budget,
        amount_sought=demand.amount_sought,
        financing=demand.financing,
        qualifications=tuple(demand.qualifications),
    )


async def active_load(session: AsyncSession) -> dict[int, int]:
    """Dockings under way per supply (what an expert's capacity is measured against)."""
    rows = await session.execute(
        select(col(Match.supply_id), func.count())
        .join(Supply, col(Supply.id) == col(Match.supply_id))
        .where(col(Match.status).in_(ACTIVE), col(Supply.kind) == SupplyKind.expert.value)
        .group_by(col(Match.supply_id))
    )
    return {int(supply_id): int(count) for supply_id, count in rows.all()}


async def matched_supplies(session: AsyncSession, demand_id: int) -> list[int]:
    rows = await session.execute(select(col(Match.supply_id)).where(col(Match.demand_id) == demand_id))
    return [int(r) for r in rows.scalars()]


def _wan(amount: Decimal | None) -> str:
    if amount is None:
        return "—"
    return f"{(amount / 10_000).quantize(Decimal('0.01'))} 万元"


def _details(
    ranked: Ranked, i: int, supply: Supply, demand: Demand, load: dict[int, int], found: Sequence[Bridge]
) -> dict[str, str]:
    terms = ranked.matched_terms[i]
    text = f"BM25 {ranked.bm25[i]:.2f}(本次候选最高相关度的 {ranked.factors['text'][i]:.0%})" + (
        f";匹配词:{'、'.join(terms)}" if terms else ";无共同检索词"
    )
    semantic = f"语义关联:{describe(found, ranked.bridged[i])}" if ranked.bridged[i] else ""
    profile = ranked.matched_profile[i]
    fit = f"领域/产业吻合:{'、'.join(profile)}" if profile else "领域与产业无直接交集"
    if supply.kind == SupplyKind.finance_product.value:
        amount = (
            f"额度 {_wan(supply.min_amount)}–{_wan(supply.max_amount)},覆盖所需 {_wan(demand.amount_sought)}"
        )
    elif supply.price is None or demand.budget is None:
        amount = "供给未标价或需求未填预算,按中性计"
    elif supply.price <= demand.budget:
        amount = f"报价 {_wan(supply.price)},在预算 {_wan(demand.budget)} 以内"
    else:
        amount = f"报价 {_wan(supply.price)},超出预算 {_wan(demand.budget)}"
    if supply.qualification_rule:
        names = "、".join(QUALIFICATION_NAMES.get(q, q) for q in supply.qualification_rule)
        qualification = f"准入资质:{names}(满足其一),企业已具备"
    elif supply.kind == SupplyKind.finance_product.value:
        qualification = "产品不限资质,按中性计"
    else:
        qualification = "不涉及资质条件"
    region = REGION_LABELS[ranked.region_levels[i]]
    if supply.capacity is None:
        capacity = "非专家类供给,不受名额限制"
    else:
        capacity = f"可同时服务 {supply.capacity} 家企业,对接中 {load.get(ranked.keys[i], 0)} 家"
    return {
        "text": text,
        "semantic": semantic,
        "fit": fit,
        "amount": amount,
        "qualification": qualification,
        "region": region,
        "capacity": capacity,
    }


def explain(
    ranked: Ranked,
    supplies: dict[int, Supply],
    demand: Demand,
    load: dict[int, int],
    weights: Weights,
    query: Query,
) -> list[Recommendation]:
    weight = weights.as_dict()
    total_weight = sum(weight.values()) or 1.0
    # The semantic factor shares the text weight: the two together are the supply's relevance.
    weight["semantic"] = weight["text"]
    found = query.bridges
    items = []
    for i, key in enumerate(ranked.keys):
        supply = supplies[key]
        details = _details(ranked, i, supply, demand, load, found)
        reasons = [
            Reason(
                factor=name,
                label=LABELS[name],
                value=round(ranked.factors[name][i], 4),
                weight=weight[name],
                contribution=round(ranked.factors[name][i] * weight[name] / total_weight, 4),
                detail=details[name],
            )
            for name in LABELS
            # 语义相关 appears only for a supply reached through a bridged concept.
            if name != "semantic" or ranked.bridged[i]
        ]
        items.append(
            Recommendation(
                rank=i + 1,
                supply=SupplySummary.model_validate(supply),
                score=round(ranked.scores[i], 4),
                bm25=round(ranked.bm25[i], 4),
                matched_terms=ranked.matched_terms[i],
                reasons=reasons,
            )
        )
    return items


async def _supplies(session: AsyncSession, keys: Sequence[int]) -> dict[int, Supply]:
    if not keys:
        return {}
    rows = await session.execute(select(Supply).where(col(Supply.id).in_(list(keys))))
    return {s.id: s for s in rows.scalars() if s.id is not None}


async def recommend(
    session: AsyncSession,
    *,
    index: SupplyIndex,
    settings: Settings,
    demand: Demand,
    limit: int,
    only: Sequence[int] | None = None,
    ignore_capacity: bool = False,
    kinds: Sequence[SupplyKind] | None = None,
) -> Recommendations:
    """The best supplies for a demand that it is not already docking with."""
    catalog = await index.synced(session)
    load = await active_load(session)
    exclude = [] if only is not None else await matched_supplies(session, demand.id or 0)
    weights = weights_of(settings)
    query = query_of(demand, kinds)
    ranked = catalog.rank(
        query,
        weights=weights,
        limit=limit,
        load=load,
        exclude=exclude,
        allowed=only,
        ignore_capacity=ignore_capacity,
    )
    supplies = await _supplies(session, ranked.keys)
    return Recommendations(
        demand_id=demand.id or 0,
        items=explain(ranked, supplies, demand, load, weights, query),
        total=ranked.candidates,
        excluded=ranked.excluded,
        index_version=index.version,
    )
