"""The semantic layer over HTTP and on its own: a demand in a manager's words reaches the supply
that solves it through a bridged concept, the reason 语义相关 names the bridge, and a supply relevant
to nothing the demand says is never recommended, whatever its industry, region or capacity."""

from __future__ import annotations

from matching_api.engine.semantic import Bridge, bridges, describe, thesaurus

from .conftest import EXCHANGER, Matching
from .test_demands import post
from .test_matches import supply
from .test_recommendations import recommendations

COATING = {
    "kind": "expert",
    "name": "金属防护研究团队",
    "provider": "武汉材料保护研究所",
    "description": "钢结构与金属制品的腐蚀防护,防腐涂层配方和涂装工艺,盐雾试验评价。",
    "fields": ["防腐涂层", "腐蚀防护"],
    "industries": ["金属制品"],
    "region_code": "420100",
    "capacity": 3,
}
HEAT = {
    "name": "彭永刚教授(强化传热)",
    "description": "板式换热器强化传热与余热回收。",
    "fields": ["强化传热"],
    "industries": ["换热器"],
    "region_code": "420281",
}


async def test_rust_in_a_managers_words_finds_the_anti_corrosion_team(matching: Matching) -> None:
    coating = await supply(matching, **COATING)
    await supply(matching, **HEAT)
    await supply(matching)  # the foundry expert
    demand = await post(
        matching,
        EXCHANGER,
        title="产品用一段时间就生锈",
        description="客户反映产品用一段时间就生锈,想找人看看怎么解决。",
        industry="换热器",
    )
    body = await recommendations(matching, demand["id"])
    assert [i["supply"]["id"] for i in body["items"]] == [coating["id"]]
    top = body["items"][0]
    assert top["matched_terms"] == []  # no word shared: the bridge alone found it
    reasons = {r["factor"]: r for r in top["reasons"]}
    assert reasons["semantic"]["label"] == "语义相关"
    assert reasons["semantic"]["detail"].startswith("语义关联:生锈→")
    assert "防腐" in reasons["semantic"]["detail"]
    assert "腐蚀" in reasons["semantic"]["detail"]
    assert reasons["semantic"]["value"] > 0
    assert reasons["semantic"]["weight"] == reasons["text"]["weight"]
    assert abs(sum(r["contribution"] for r in top["reasons"]) - top["score"]) < 1e-3
    # The heat-exchanger expert shares the enterprise's industry, and the foundry expert is nearer:
    # neither is relevant to rust, so neither is listed.
    assert body["excluded"]["no_relevance"] == 2


async def test_soft_factors_alone_recommend_nothing(matching: Matching) -> None:
    heat = await supply(matching, **HEAT, capacity=5)
    demand = await post(
        matching,
        EXCHANGER,
        title="鱼塘夏天缺氧浮头",
        description="两百亩鱼塘,闷热天鱼就浮头,想找懂水产养殖的专家看看怎么增氧。",
        industry="换热器",
    )
    body = await recommendations(matching, demand["id"])
    assert body["items"] == []
    assert body["total"] == 0
    assert body["excluded"]["no_relevance"] >= 1
    # The same supply is still found when the demand's own words ask for it.
    wanted = await post(matching, EXCHANGER, title="板式换热器传热系数低", industry="换热器")
    found = await recommendations(matching, wanted["id"])
    assert [i["supply"]["id"] for i in found["items"]] == [heat["id"]]
    assert "semantic" not in {r["factor"] for r in found["items"][0]["reasons"]}


def test_every_bridge_of_the_thesaurus_reaches_index_terms() -> None:
    entries = thesaurus()
    assert len(entries) >= 100
    for entry in entries:
        assert entry.triggers
        assert all(terms for _, terms in entry.concepts), entry


def test_bridges_skip_what_the_demand_already_says() -> None:
    found = bridges("阀门用半年就生锈,还漏水", ["阀门", "生锈", "漏水", "腐蚀"])
    concepts = {(b.trigger, b.concept) for b in found}
    assert ("锈", "防腐") in concepts or ("生锈", "防腐") in concepts
    assert ("漏水", "密封") in concepts
    assert not any("腐蚀" in b.terms for b in found)  # said already: it counts at full weight


def test_describe_names_only_the_bridges_a_supply_holds() -> None:
    found = [
        Bridge("生锈", "防腐", ("防腐",)),
        Bridge("生锈", "腐蚀", ("腐蚀",)),
        Bridge("漏水", "密封", ("密封",)),
    ]
    assert describe(found, {"防腐", "腐蚀"}) == "生锈→防腐、腐蚀"
    assert describe(found, {"密封", "腐蚀"}) == "生锈→腐蚀;漏水→密封"
    assert describe(found, set()) == ""
