"""Recommendations over HTTP: hard constraints exclude, soft factors weigh and are explained, a
supply's change is seen by the next request on every replica without a rebuild."""

from __future__ import annotations

from typing import Any

from .conftest import ALUMINIUM, EXCHANGER, FOUNDRY, MakeMatching, Matching
from .test_demands import post
from .test_matches import EXPERT, supply

LOAN = {
    "kind": "finance_product",
    "provider": "湖北银行黄石分行",
    "description": "面向科技型企业的信用贷款,支持研发投入和技术改造,财政贴息。",
    "fields": ["科创贷", "信用贷款"],
    "financing": "loan",
    "region_code": "420200",
}


async def recommendations(
    m: Matching, demand_id: int, headers: dict[str, str] | None = None, **params: Any
) -> dict[str, Any]:
    response = await m.client.get(
        f"/api/v1/demands/{demand_id}/recommendations", params=params, headers=headers or m.admin
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_ranked_with_score_reasons_and_matched_terms(matching: Matching) -> None:
    foundry = await supply(matching)
    heat = await supply(
        matching,
        name="彭永刚教授(强化传热)",
        description="板式换热器强化传热与余热回收。",
        fields=["强化传热"],
        industries=["换热器"],
    )
    local = await supply(
        matching,
        name="刘春生高级工程师(铸造)",
        provider="湖北理工学院",
        region_code="420200",
        description="铸造工艺与砂型铸造缺陷分析,气孔缩松现场诊断。",
        fields=["铸造工艺"],
    )
    demand = await post(matching)
    body = await recommendations(matching, demand["id"])
    ids = [item["supply"]["id"] for item in body["items"]]
    assert set(ids) == {foundry["id"], local["id"]}
    assert heat["id"] not in ids
    assert body["excluded"]["no_relevance"] == 1
    top = body["items"][0]
    assert 0 < top["score"] <= 1
    assert top["rank"] == 1
    assert {r["factor"] for r in top["reasons"]} == {
        "text",
        "fit",
        "amount",
        "qualification",
        "region",
        "capacity",
    }
    assert abs(sum(r["contribution"] for r in top["reasons"]) - top["score"]) < 1e-3
    assert {"铸造", "气孔", "缩松"} <= set(top["matched_terms"])
    text = next(r for r in top["reasons"] if r["factor"] == "text")
    assert "匹配词" in text["detail"]
    assert body["items"][0]["score"] >= body["items"][1]["score"]


async def test_weights_are_settings(make_matching: MakeMatching) -> None:
    near_only = await make_matching(
        weight_text=0,
        weight_fit=0,
        weight_amount=0,
        weight_qualification=0,
        weight_capacity=0,
        weight_region=1,
    )
    far = await supply(near_only, region_code="110000")
    near = await supply(near_only, name="大冶本地铸造专家", region_code="420281", description="铸造缺陷分析")
    demand = await post(near_only)
    body = await recommendations(near_only, demand["id"])
    assert [i["supply"]["id"] for i in body["items"]] == [near["id"], far["id"]]
    region = next(r for r in body["items"][0]["reasons"] if r["factor"] == "region")
    assert region["detail"] == "同在本县市"


async def test_finance_products_exclude_on_amount_mode_and_qualification(matching: Matching) -> None:
    products = {
        "科创贷": {
            "min_amount": "500000.00",
            "max_amount": "10000000.00",
            "qualification_rule": ["tech_sme", "hte"],
        },
        "高企贷": {"min_amount": "2000000.00", "max_amount": "50000000.00", "qualification_rule": ["hte"]},
        "小额知识价值信用贷款": {"min_amount": "100000.00", "max_amount": "1000000.00"},
        "天使投资": {"min_amount": "2000000.00", "max_amount": "10000000.00", "financing": "equity"},
    }
    ids = {}
    for name, extra in products.items():
        response = await matching.client.post(
            "/api/v1/supplies", json={**LOAN, "name": name, **extra}, headers=matching.admin
        )
        assert response.status_code == 201, response.text
        ids[name] = response.json()["id"]
    need = {
        "kind": "finance",
        "budget": None,
        "amount_sought": "5000000.00",
        "financing": "loan",
        "title": "研发投入信用贷款",
        "description": "公司研发投入加大,需要信用贷款五百万元,希望贴息。",
    }
    tech_sme = await post(matching, FOUNDRY, **need)  # 科技型中小企业
    hte = await post(matching, EXCHANGER, **need)  # 高新技术企业
    none = await post(matching, ALUMINIUM, **need)  # no qualification
    got = {
        who: {i["supply"]["name"] for i in (await recommendations(matching, d["id"]))["items"]}
        for who, d in (("tech_sme", tech_sme), ("hte", hte), ("none", none))
    }
    assert got == {"tech_sme": {"科创贷"}, "hte": {"科创贷", "高企贷"}, "none": set()}
    excluded = (await recommendations(matching, none["id"]))["excluded"]
    assert excluded["amount_out_of_range"] == 1
    assert excluded["financing_mode"] == 1
    assert excluded["qualification_rule"] == 2
    hte_top = (await recommendations(matching, hte["id"]))["items"][0]
    qualification = next(r for r in hte_top["reasons"] if r["factor"] == "qualification")
    assert "高新技术企业" in qualification["detail"]


async def test_an_expert_at_capacity_is_not_recommended(matching: Matching) -> None:
    expert = await supply(matching, capacity=1)
    first = await post(matching)
    second = await post(matching, title="砂型铸造气孔问题")
    before = await recommendations(matching, second["id"])
    assert [i["supply"]["id"] for i in before["items"]] == [expert["id"]]
    capacity = next(r for r in before["items"][0]["reasons"] if r["factor"] == "capacity")
    assert capacity["value"] == 1.0
    await matching.client.post(
        "/api/v1/matches", json={"demand_id": first["id"], "supply_id": expert["id"]}, headers=matching.admin
    )
    after = await recommendations(matching, second["id"])
    assert after["items"] == []
    assert after["excluded"]["at_capacity"] == 1
    # Nor is a supply the demand already docks with.
    assert (await recommendations(matching, first["id"]))["items"] == []


async def test_changes_reach_every_replica_without_a_rebuild(
    make_matching: MakeMatching, matching: Matching
) -> None:
    url = matching.app.state.settings.database_url
    replica = await make_matching(database_url=url, indicator=matching.indicator)
    first = await supply(matching)
    demand = await post(matching)
    one = await recommendations(matching, demand["id"])
    two = await recommendations(replica, demand["id"])
    assert one == two
    index_one, index_two = matching.app.state.supply_index, replica.app.state.supply_index
    assert (index_one.full_loads, index_two.full_loads) == (1, 1)
    # A supply added through one replica and another changed through the other…
    added = await supply(
        replica, name="消失模铸造专家", description="铸件气孔缩松缺陷与浇注系统优化,砂型铸造改消失模。"
    )
    changed = await replica.client.patch(
        f"/api/v1/supplies/{first['id']}", json={"description": "只做热处理。"}, headers=replica.admin
    )
    assert changed.status_code == 200
    one, two = await recommendations(matching, demand["id"]), await recommendations(replica, demand["id"])
    assert one == two
    assert one["items"][0]["supply"]["id"] == added["id"]
    assert one["index_version"] == changed.json()["revision"]
    # …reach both by applying the two changed rows, not by reloading everything.
    assert (index_one.full_loads, index_two.full_loads) == (1, 1)
    assert index_one.incremental_rows == 2
    withdrawn = await matching.client.patch(
        f"/api/v1/supplies/{added['id']}", json={"status": "withdrawn"}, headers=matching.admin
    )
    assert withdrawn.status_code == 200
    ids = [i["supply"]["id"] for i in (await recommendations(replica, demand["id"]))["items"]]
    assert added["id"] not in ids


async def test_supply_rules(matching: Matching) -> None:
    no_capacity = await matching.client.post(
        "/api/v1/supplies", json={**EXPERT, "capacity": None}, headers=matching.admin
    )
    assert no_capacity.status_code == 422
    wrong_field = await matching.client.post(
        "/api/v1/supplies", json={**EXPERT, "financing": "loan"}, headers=matching.admin
    )
    assert wrong_field.status_code == 422
    bad_range = await matching.client.post(
        "/api/v1/supplies",
        json={**LOAN, "name": "科创贷", "min_amount": "900.00", "max_amount": "100.00"},
        headers=matching.admin,
    )
    assert bad_range.status_code == 422
    by_enterprise = await matching.client.post(
        "/api/v1/supplies", json=EXPERT, headers=matching.enterprise(FOUNDRY)
    )
    assert by_enterprise.status_code == 403
    created = await supply(matching)
    by_owner = await matching.client.patch(
        f"/api/v1/supplies/{created['id']}", json={"capacity": 8}, headers=matching.as_("prof-zhou", "viewer")
    )
    assert (by_owner.status_code, by_owner.json()["capacity"]) == (200, 8)
    by_stranger = await matching.client.patch(
        f"/api/v1/supplies/{created['id']}", json={"capacity": 9}, headers=matching.as_("someone", "viewer")
    )
    assert by_stranger.status_code == 403
    listed = await matching.client.get(
        "/api/v1/supplies", params={"kind": "expert", "q": "铸造"}, headers=matching.enterprise(FOUNDRY)
    )
    assert listed.json()["total"] == 1
    rate = await matching.client.post(
        "/api/v1/supplies",
        json={**LOAN, "name": "知识价值信用贷款", "max_amount": "5000000.00", "rate": "0.0385"},
        headers=matching.admin,
    )
    assert rate.json()["rate"] == "0.0385"
