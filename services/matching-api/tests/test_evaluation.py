"""The engine against two labelled sets written by hand, each demand with the supplies a bureau
officer would recommend among the 205 supplies of tests/data/evaluation.json:
- evaluation.json: 53 demands of Daye's industry chains in the catalogue's own vocabulary; prints
  precision@3 and recall@10 and enforces floors under them;
- evaluation_plain.json: demands in a factory manager's own words, sharing no term with their
  answers' names (checked here); prints hit@3 (at least one right answer in the top three), which
  only the semantic layer's bridges can reach, and enforces a floor under it. hit@3 is also printed
  per `batch` (see BATCHES): the last batch was never used to tune the concept thesaurus, the
  honest estimate for demands nobody has seen.
Also: with nothing relevant, the soft factors alone recommend nothing."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from matching_api.config import Settings
from matching_api.demands.models import Demand
from matching_api.demands.service import segment as segment_demand
from matching_api.engine.catalog import Catalog, SupplyDoc
from matching_api.engine.index import _doc
from matching_api.engine.semantic import describe
from matching_api.engine.service import query_of, weights_of
from matching_api.engine.text import split_terms, tokenize
from matching_api.supplies.models import Supply
from matching_api.supplies.service import segment as segment_supply

DATA = Path(__file__).parent / "data" / "evaluation.json"
PLAIN = Path(__file__).parent / "data" / "evaluation_plain.json"
PRECISION_AT_3_FLOOR = 0.90
RECALL_AT_10_FLOOR = 0.95
HIT_AT_3_FLOOR = 0.85
BATCHES = {
    1: "written first; the thesaurus was then written with them in view",
    2: "written after it was frozen (hit@3 0.455 then); used to broaden it",
    3: "written after that (hit@3 0.533 then); its misses seen before the second broadening",
    4: "written after the second broadening, never used to tune it",
}


def _money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)


def _supply(item: dict[str, Any]) -> SupplyDoc:
    supply = Supply(
        id=item["id"],
        kind=item["kind"],
        name=item["name"],
        provider=item["provider"],
        description=item["description"],
        fields=item["fields"],
        industries=item["industries"],
        region_code=item["region_code"],
        capacity=item.get("capacity"),
        price=_money(item.get("price")),
        min_amount=_money(item.get("min_amount")),
        max_amount=_money(item.get("max_amount")),
        financing=item.get("financing"),
        qualification_rule=item.get("qualification_rule", []),
        revision=1,
    )
    segment_supply(supply)
    return _doc(supply)


def _demand(item: dict[str, Any]) -> Demand:
    demand = Demand(
        id=item["id"],
        credit_code="91420281MA0000001H",
        enterprise_name="评测企业",
        region_code=item["region_code"],
        qualifications=item["qualifications"],
        kind=item["kind"],
        title=item["title"],
        description=item["description"],
        industry=item["industry"],
        amount_sought=_money(item.get("amount_sought")),
        financing=item.get("financing"),
        budget=_money(item.get("budget")),
        deadline="2030-01-01",
        posted_by="test",
    )
    segment_demand(demand)
    return demand


@pytest.fixture(scope="module")
def evaluation() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def plain() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(PLAIN.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def catalog(evaluation: dict[str, Any]) -> Catalog:
    catalog = Catalog()
    catalog.load([_supply(s) for s in evaluation["supplies"]])
    return catalog


def test_the_set_is_big_enough_and_consistent(evaluation: dict[str, Any]) -> None:
    ids = {s["id"] for s in evaluation["supplies"]}
    assert len(evaluation["demands"]) >= 40
    assert len(ids) == len(evaluation["supplies"]) >= 200
    assert all(d["relevant"] and set(d["relevant"]) <= ids for d in evaluation["demands"])


def test_precision_at_3_and_recall_at_10(evaluation: dict[str, Any], catalog: Catalog) -> None:
    weights = weights_of(Settings())
    precision, recall, misses = [], [], []
    for item in evaluation["demands"]:
        ranked = catalog.rank(query_of(_demand(item)), weights=weights, limit=10)
        relevant = set(item["relevant"])
        hits3 = len(relevant & set(ranked.keys[:3]))
        precision.append(hits3 / 3 if len(relevant) >= 3 else hits3 / min(3, len(relevant)))
        recall.append(len(relevant & set(ranked.keys)) / len(relevant))
        if hits3 < min(3, len(relevant)):
            misses.append(f"{item['title']}: top3={ranked.keys[:3]} relevant={sorted(relevant)}")
    p3, r10 = sum(precision) / len(precision), sum(recall) / len(recall)
    print(f"\nevaluation: {len(precision)} demands, precision@3 = {p3:.3f}, recall@10 = {r10:.3f}")
    for miss in misses:
        print("  below 3/3 at the top:", miss)
    assert p3 >= PRECISION_AT_3_FLOOR
    assert r10 >= RECALL_AT_10_FLOOR


def test_the_plain_set_shares_no_term_with_its_answers_names(
    evaluation: dict[str, Any], plain: dict[str, Any]
) -> None:
    supplies = {s["id"]: s for s in evaluation["supplies"]}
    assert len(plain["demands"]) >= 60
    assert len({d["id"] for d in plain["demands"]}) == len(plain["demands"])
    shared = {}
    for item in plain["demands"]:
        assert item["relevant"]
        assert set(item["relevant"]) <= set(supplies)
        # Every term the engine takes from the demand: title, description and industry label.
        demand_terms = set(split_terms(_demand(item).terms))
        name_terms = {t for key in item["relevant"] for t in tokenize(supplies[key]["name"])}
        if demand_terms & name_terms:
            shared[item["title"]] = sorted(demand_terms & name_terms)
    assert shared == {}


def test_hit_at_3_on_demands_in_plain_words(plain: dict[str, Any], catalog: Catalog) -> None:
    weights = weights_of(Settings())
    hits, misses = [], []
    for item in plain["demands"]:
        ranked = catalog.rank(query_of(_demand(item)), weights=weights, limit=3)
        hit = bool(set(item["relevant"]) & set(ranked.keys))
        hits.append(hit)
        if not hit:
            misses.append(f"{item['title']}: top3={ranked.keys} relevant={item['relevant']}")
    hit3 = sum(hits) / len(hits)
    batches: dict[int, list[bool]] = {}
    for hit, item in zip(hits, plain["demands"], strict=True):
        batches.setdefault(item["batch"], []).append(hit)
    print(f"\nplain-words evaluation: {len(hits)} demands, hit@3 = {hit3:.3f}")
    for batch, part in sorted(batches.items()):
        print(f"  batch {batch} ({BATCHES[batch]}): {len(part)} demands, hit@3 = {sum(part) / len(part):.3f}")
    for miss in misses:
        print("  no right answer in the top 3:", miss)
    assert hit3 >= HIT_AT_3_FLOOR


def test_a_bridge_is_named_in_the_ranking(catalog: Catalog) -> None:
    demand = _demand(
        {
            "id": 9001,
            "kind": "technology",
            "industry": "金属制品业",
            "title": "管子里结了一层白色硬壳",
            "description": "客户用了半年,管子里面结了一层白色硬壳,水走不动。",
            "region_code": "420281101",
            "qualifications": [],
        }
    )
    query = query_of(demand)
    ranked = catalog.rank(query, weights=weights_of(Settings()), limit=3)
    assert set(ranked.keys) & {46, 47, 48}
    top = ranked.keys.index(next(k for k in ranked.keys if k in {46, 47, 48}))
    assert ranked.factors["semantic"][top] > 0
    assert "白色硬壳→" in describe(query.bridges, ranked.bridged[top])
    assert "防垢" in describe(query.bridges, ranked.bridged[top])


@pytest.mark.parametrize("industry", ["换热器", "水产养殖"])
def test_soft_factors_never_lift_an_irrelevant_supply(catalog: Catalog, industry: str) -> None:
    """An aquaculture demand of an enterprise registered under any industry: nothing in the catalogue
    serves it, so region, capacity, amount and industry fit must not put anything on the list."""
    demand = _demand(
        {
            "id": 9002,
            "kind": "technology",
            "industry": industry,
            "title": "鱼塘夏天缺氧浮头",
            "description": "两百亩鱼塘,夏天一到闷热天鱼就浮头,死了不少,想找懂水产养殖的专家看看怎么增氧。",
            "region_code": "420281101",
            "qualifications": [],
        }
    )
    ranked = catalog.rank(query_of(demand), weights=weights_of(Settings()), limit=3)
    assert ranked.keys == []
    assert ranked.excluded["no_relevance"] > 0
