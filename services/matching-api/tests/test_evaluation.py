"""The engine against a labelled set written by hand (tests/data/evaluation.json): 53 demands of
Daye's industry chains, each with the supplies a bureau officer would recommend, among 205
supplies. Prints precision@3 and recall@10 and enforces floors under them."""

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
from matching_api.engine.service import query_of, weights_of
from matching_api.supplies.models import Supply
from matching_api.supplies.service import segment as segment_supply

DATA = Path(__file__).parent / "data" / "evaluation.json"
PRECISION_AT_3_FLOOR = 0.90
RECALL_AT_10_FLOOR = 0.95


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
        deadline="2030-01-01",
        posted_by="test",
    )
    segment_demand(demand)
    return demand


@pytest.fixture(scope="module")
def evaluation() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))
    return data


def test_the_set_is_big_enough_and_consistent(evaluation: dict[str, Any]) -> None:
    ids = {s["id"] for s in evaluation["supplies"]}
    assert len(evaluation["demands"]) >= 40
    assert len(ids) == len(evaluation["supplies"]) >= 200
    assert all(d["relevant"] and set(d["relevant"]) <= ids for d in evaluation["demands"])


def test_precision_at_3_and_recall_at_10(evaluation: dict[str, Any]) -> None:
    catalog = Catalog()
    catalog.load([_supply(s) for s in evaluation["supplies"]])
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
