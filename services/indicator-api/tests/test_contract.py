"""The contract at indicator-api's edge: unknown query parameters and money in anything but plain
decimal notation are refused, naming the parameter or field."""

from __future__ import annotations

from typing import Any

import httpx

from daye_demo.enterprises import DEMO_ENTERPRISES

ACCEPTED = ["1000.00", "1000", "0.5"]
# JSON numbers (1000, 1000.5) are refused too: to most clients they are binary floats.
REFUSED: list[Any] = ["1e3", "1E3", "NaN", "Infinity", " 1000", "+1000", "1_000", 1000, 1000.5]


async def test_unknown_query_parameters_are_refused(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    for path, params, unknown in [
        ("/api/v1/enterprises", {"industry": "铸造", "query": "华鑫"}, "query"),  # the model's is `q`
        ("/api/v1/tech-contracts", {"limt": "5"}, "limt"),  # a typo beside paging
        ("/api/v1/regions", {"q": "金牛"}, "q"),
    ]:
        response = await client.get(path, params=params, headers=admin)
        assert response.status_code == 422, (path, response.text)
        problem = response.json()
        assert problem["code"] == "unknown_parameter"
        assert [(e["field"], e["rule"]) for e in problem["errors"]] == [
            (f"query.{unknown}", "unknown_parameter")
        ]
    listed = await client.get("/api/v1/enterprises", params={"q": "华鑫", "limit": 5}, headers=admin)
    assert listed.status_code == 200, listed.text
    assert listed.json()["total"] >= 1


async def test_money_only_in_plain_decimal_notation(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    def contract(amount: Any, n: int) -> dict[str, Any]:
        return {
            "source": "contract-test",
            "source_id": f"c-{n}",
            "credit_code": DEMO_ENTERPRISES[0].credit_code,
            "amount": amount,
            "contract_type": "development",
            "signed_on": "2025-10-15",
        }

    for n, amount in enumerate(ACCEPTED):
        response = await client.post("/api/v1/tech-contracts", json=contract(amount, n), headers=admin)
        assert response.status_code == 201, (amount, response.text)
        assert response.json()["amount"] == f"{float(amount):.2f}"
    for n, amount in enumerate(REFUSED, start=len(ACCEPTED)):
        response = await client.post("/api/v1/tech-contracts", json=contract(amount, n), headers=admin)
        assert response.status_code == 422, (amount, response.text)
        assert [e["field"] for e in response.json()["errors"]] == ["body.amount"], amount
    listed = await client.get("/api/v1/tech-contracts", params={"source": "contract-test"}, headers=admin)
    assert listed.json()["total"] == len(ACCEPTED)
