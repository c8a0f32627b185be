"""Assigning experts to enterprises for a visit campaign maximises the total score, within capacities."""

from __future__ import annotations

from typing import Any

from .conftest import ALUMINIUM, EXCHANGER, FOUNDRY, Matching
from .test_demands import post
from .test_matches import supply


async def test_the_total_beats_greedy_and_each_pair_is_explained(matching: Matching) -> None:
    # The all-rounder is the best for both demands; greedy would give it to the first and leave the
    # second with nobody. The optimum sends the specialist to the casting demand.
    allrounder = await supply(
        matching,
        name="全能专家",
        description="铸造缺陷与铝型材挤压成品率都能做,铸件气孔缩松,铝加工挤压模具。",
        fields=["铸造工艺", "铝型材挤压"],
        industries=["铸造", "铝加工"],
        capacity=1,
    )
    specialist = await supply(
        matching, name="铸造专家", description="铸件气孔缺陷分析。", fields=["铸造工艺"], capacity=1
    )
    casting = await post(matching, FOUNDRY)
    aluminium = await post(
        matching,
        ALUMINIUM,
        title="铝型材挤压成品率低",
        industry="铝加工",
        description="铝加工挤压成品率低,挤压模具寿命短,希望优化挤压工艺。",
    )
    body = {
        "demand_ids": [casting["id"], aluminium["id"]],
        "experts": [{"supply_id": allrounder["id"]}, {"supply_id": specialist["id"]}],
    }
    response = await matching.client.post("/api/v1/assignments", json=body, headers=matching.admin)
    assert response.status_code == 200, response.text
    plan = response.json()
    pairs = {p["demand"]["id"]: p["expert"]["id"] for p in plan["items"]}
    assert pairs == {casting["id"]: specialist["id"], aluminium["id"]: allrounder["id"]}
    assert plan["unassigned_demand_ids"] == []
    assert plan["solver"] == "scipy.optimize.linear_sum_assignment"
    casting_pair = next(p for p in plan["items"] if p["demand"]["id"] == casting["id"])
    assert casting_pair["choice"] == 2
    assert "名额" in casting_pair["explanation"]
    assert casting_pair["reasons"]
    assert casting_pair["matched_terms"]
    assert abs(plan["total_score"] - sum(p["score"] for p in plan["items"])) < 1e-3


async def test_capacity_lets_one_expert_take_several(matching: Matching) -> None:
    expert = await supply(matching, capacity=1)
    first, second = await post(matching, FOUNDRY), await post(matching, EXCHANGER, title="换热器铸件气孔问题")
    body: dict[str, Any] = {
        "demand_ids": [first["id"], second["id"]],
        "experts": [{"supply_id": expert["id"]}],
    }
    one = (await matching.client.post("/api/v1/assignments", json=body, headers=matching.admin)).json()
    assert (one["total"], len(one["unassigned_demand_ids"])) == (1, 1)
    body["experts"] = [{"supply_id": expert["id"], "capacity": 2}]
    two = (await matching.client.post("/api/v1/assignments", json=body, headers=matching.admin)).json()
    assert two["total"] == 2


async def test_only_the_bureau_and_only_experts(matching: Matching) -> None:
    expert = await supply(matching)
    demand = await post(matching)
    body = {"demand_ids": [demand["id"]], "experts": [{"supply_id": expert["id"]}]}
    refused = await matching.client.post(
        "/api/v1/assignments", json=body, headers=matching.enterprise(FOUNDRY)
    )
    assert refused.status_code == 403
    missing = await matching.client.post(
        "/api/v1/assignments", json={**body, "experts": [{"supply_id": 999}]}, headers=matching.admin
    )
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "body.experts"
