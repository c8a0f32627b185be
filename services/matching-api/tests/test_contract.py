"""The contract at matching-api's edge: unknown query parameters and money in anything but plain
decimal notation are refused, naming the parameter or field."""

from __future__ import annotations

from typing import Any

from .conftest import FOUNDRY, Matching
from .test_demands import demand

ACCEPTED = ["1000.00", "1000", "0.5"]
# JSON numbers (1000, 1000.5) are refused too: to most clients they are binary floats.
REFUSED: list[Any] = ["1e3", "1E3", "NaN", "Infinity", " 1000", "+1000", "1_000", 1000, 1000.5]


async def test_unknown_query_parameters_are_refused(matching: Matching) -> None:
    for path, params, unknown in [
        ("/api/v1/demands", {"kind": "technology", "q": "铸造"}, "q"),  # no full-text q here
        ("/api/v1/supplies", {"limt": "5"}, "limt"),  # a typo beside paging
        ("/api/v1/stats", {"from": "2025-01-01", "to": "2025-09-30", "start": "2025-01-01"}, "start"),
    ]:
        response = await matching.client.get(path, params=params, headers=matching.admin)
        assert response.status_code == 422, (path, response.text)
        problem = response.json()
        assert problem["code"] == "unknown_parameter"
        assert [(e["field"], e["rule"]) for e in problem["errors"]] == [
            (f"query.{unknown}", "unknown_parameter")
        ]
    listed = await matching.client.get(
        "/api/v1/demands", params={"kind": "technology"}, headers=matching.admin
    )
    assert listed.status_code == 200


async def test_money_only_in_plain_decimal_notation(matching: Matching) -> None:
    me = matching.enterprise(FOUNDRY)
    for budget in ACCEPTED:
        response = await matching.client.post("/api/v1/demands", json=demand(budget=budget), headers=me)
        assert response.status_code == 201, (budget, response.text)
        assert response.json()["budget"] == f"{float(budget):.2f}"
    for budget in REFUSED:
        response = await matching.client.post("/api/v1/demands", json=demand(budget=budget), headers=me)
        assert response.status_code == 422, (budget, response.text)
        assert [e["field"] for e in response.json()["errors"]] == ["body.budget"], budget
    listed = await matching.client.get("/api/v1/demands", headers=matching.admin)
    assert listed.json()["total"] == len(ACCEPTED)
