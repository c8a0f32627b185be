"""Allocating experts to enterprises: the engine scores every (demand, expert) pair, each expert is
expanded into as many columns as visits it can make, and the Hungarian algorithm
(`scipy.optimize.linear_sum_assignment`) picks the one-to-one assignment of maximum total score."""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from daye_kit.errors import InvalidInput
from matching_api.assignments.schemas import AssignedPair, Assignment, AssignmentRequest
from matching_api.config import Settings
from matching_api.demands.models import Demand
from matching_api.demands.schemas import DemandSummary
from matching_api.engine.index import SupplyIndex
from matching_api.engine.schemas import Recommendation
from matching_api.engine.service import recommend
from matching_api.enums import DemandKind, SupplyKind, SupplyStatus
from matching_api.supplies.models import Supply
from matching_api.supplies.schemas import SupplySummary

SOLVER = "scipy.optimize.linear_sum_assignment"


async def assign(
    session: AsyncSession,
    *,
    data: AssignmentRequest,
    index: SupplyIndex,
    settings: Settings,
) -> Assignment:
    demand_ids = list(dict.fromkeys(data.demand_ids))
    expert_ids = list(dict.fromkeys(slot.supply_id for slot in data.experts))
    demands = {
        d.id: d
        for d in (await session.execute(select(Demand).where(col(Demand.id).in_(demand_ids)))).scalars()
    }
    experts = {
        s.id: s
        for s in (await session.execute(select(Supply).where(col(Supply.id).in_(expert_ids)))).scalars()
    }
    missing = [i for i in demand_ids if i not in demands]
    if missing:
        raise InvalidInput.field("body.demand_ids", "demand_not_found", f"no such demands: {missing}")
    finance = [i for i in demand_ids if demands[i].kind == DemandKind.finance.value]
    if finance:
        raise InvalidInput.field(
            "body.demand_ids", "demand_kind", f"finance demands take no expert: {finance}"
        )
    not_experts = [
        i
        for i in expert_ids
        if i not in experts
        or experts[i].kind != SupplyKind.expert.value
        or experts[i].status != SupplyStatus.active.value
    ]
    if not_experts:
        raise InvalidInput.field("body.experts", "not_an_active_expert", f"not active experts: {not_experts}")

    capacity = {
        slot.supply_id: slot.capacity or experts[slot.supply_id].capacity or 1 for slot in data.experts
    }
    # Score and explanation of every pair, from the same engine as the recommendations.
    options: dict[int, list[Recommendation]] = {}
    scores = np.zeros((len(demand_ids), len(expert_ids)))
    column_of = {e: j for j, e in enumerate(expert_ids)}
    for i, demand_id in enumerate(demand_ids):
        found = await recommend(
            session,
            index=index,
            settings=settings,
            demand=demands[demand_id],
            limit=len(expert_ids),
            only=expert_ids,
            ignore_capacity=True,
            kinds=(SupplyKind.expert,),
        )
        options[demand_id] = found.items
        for item in found.items:
            scores[i, column_of[item.supply.id]] = item.score

    slots = [j for j, e in enumerate(expert_ids) for _ in range(capacity[e])]
    rows, cols = linear_sum_assignment(scores[:, slots], maximize=True)
    items = []
    for i, slot in zip(rows.tolist(), cols.tolist(), strict=True):
        j = slots[slot]
        score = float(scores[i, j])
        if score <= data.min_score or score == 0.0:
            continue
        demand, expert = demands[demand_ids[i]], experts[expert_ids[j]]
        ranked = options[demand_ids[i]]
        choice = next(k for k, r in enumerate(ranked) if r.supply.id == expert.id) + 1
        item = ranked[choice - 1]
        if choice == 1:
            explanation = f"{expert.name} 是该需求得分最高的专家({score:.3f})"
        else:
            best = ranked[0]
            explanation = (
                f"得分最高的 {best.supply.name}({best.score:.3f})名额已用于总分更高的安排,"
                f"改派第 {choice} 选择 {expert.name}({score:.3f})"
            )
        items.append(
            AssignedPair(
                demand=DemandSummary.model_validate(demand),
                expert=SupplySummary.model_validate(expert),
                score=round(score, 4),
                choice=choice,
                matched_terms=item.matched_terms,
                reasons=item.reasons,
                explanation=explanation,
            )
        )
    assigned = {pair.demand.id for pair in items}
    return Assignment(
        items=items,
        total=len(items),
        total_score=round(sum(pair.score for pair in items), 4),
        unassigned_demand_ids=[i for i in demand_ids if i not in assigned],
        solver=SOLVER,
    )
