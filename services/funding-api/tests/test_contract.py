"""The contract at funding-api's edge: unknown query parameters and money in anything but plain
decimal notation are refused, naming the parameter or field."""

from __future__ import annotations

from typing import Any

from .conftest import Stack

ACCEPTED = ["1000.00", "1000", "0.5"]
# JSON numbers (1000, 1000.5) are refused too: to most clients they are binary floats.
REFUSED: list[Any] = ["1e3", "1E3", "NaN", "Infinity", " 1000", "+1000", "1_000", 1000, 1000.5]


async def test_unknown_query_parameters_are_refused(stack: Stack, admin: dict[str, str]) -> None:
    for path, params in [
        ("/api/v1/awards", {"status": "approved", "q": "华鑫"}),  # a query model's filters
        ("/api/v1/programs", {"limt": "5"}),  # a typo beside paging
        ("/api/v1/outstanding", {"as_of": "2025-09-30", "regoin": "420281101"}),
    ]:
        response = await stack.funding.get(path, params=params, headers=admin)
        assert response.status_code == 422, (path, response.text)
        problem = response.json()
        assert problem["code"] == "unknown_parameter"
        unknown = next(name for name in params if name not in ("status", "as_of"))
        assert [(e["field"], e["rule"]) for e in problem["errors"]] == [
            (f"query.{unknown}", "unknown_parameter")
        ]
    assert (
        await stack.funding.get("/api/v1/awards", params={"status": "approved"}, headers=admin)
    ).status_code == 200


async def test_money_only_in_plain_decimal_notation(stack: Stack, admin: dict[str, str]) -> None:
    def program(budget: Any, n: int) -> dict[str, Any]:
        return {"name": f"科技创新专项-{n}", "source_level": "daye", "year": 2025, "budget": budget}

    for n, budget in enumerate(ACCEPTED):
        response = await stack.funding.post("/api/v1/programs", json=program(budget, n), headers=admin)
        assert response.status_code == 201, (budget, response.text)
        assert response.json()["budget"] == f"{float(budget):.2f}"
    for n, budget in enumerate(REFUSED, start=len(ACCEPTED)):
        response = await stack.funding.post("/api/v1/programs", json=program(budget, n), headers=admin)
        assert response.status_code == 422, (budget, response.text)
        assert [e["field"] for e in response.json()["errors"]] == ["body.budget"], budget
    listed = await stack.funding.get("/api/v1/programs", headers=admin)
    assert listed.json()["total"] == len(ACCEPTED)
