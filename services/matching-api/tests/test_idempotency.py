"""Demands and supplies with an Idempotency-Key: a retry answers the first answer and writes
nothing; another body under the key is refused; 100 identical posts at once make one demand."""

from __future__ import annotations

from daye_dev.idempotency_checks import replayed_once, simultaneous

from .conftest import FOUNDRY, Matching, _registry
from .test_demands import demand
from .test_matches import EXPERT


async def count(m: Matching, path: str) -> int:
    listed = await m.client.get(path, params={"limit": 1}, headers=m.admin)
    total: int = listed.json()["total"]
    return total


async def test_a_retried_demand_is_posted_once(matching: Matching) -> None:
    before = await count(matching, "/api/v1/demands")
    first = await replayed_once(
        matching.client,
        "/api/v1/demands",
        demand(),
        demand(budget="400000.00"),
        matching.enterprise(FOUNDRY),
    )
    assert await count(matching, "/api/v1/demands") == before + 1
    read = await matching.client.get(f"/api/v1/demands/{first.json()['id']}", headers=matching.admin)
    assert read.json()["budget"] == "300000.00"


async def test_a_hundred_identical_demands_at_once_make_one(matching: Matching) -> None:
    before = await count(matching, "/api/v1/demands")
    await simultaneous(matching.client, "/api/v1/demands", demand(), matching.enterprise(FOUNDRY))
    assert await count(matching, "/api/v1/demands") == before + 1


async def test_without_a_key_each_post_creates(matching: Matching) -> None:
    before = await count(matching, "/api/v1/demands")
    for _ in range(2):
        response = await matching.client.post(
            "/api/v1/demands", json=demand(), headers=matching.enterprise(FOUNDRY)
        )
        assert response.status_code == 201
    assert await count(matching, "/api/v1/demands") == before + 2


async def test_a_failed_first_attempt_does_not_pin_the_key(matching: Matching) -> None:
    headers = {**matching.enterprise(FOUNDRY), "Idempotency-Key": "after-outage"}
    matching.indicator.enterprises.pop(FOUNDRY)
    refused = await matching.client.post("/api/v1/demands", json=demand(), headers=headers)
    assert refused.status_code == 404, refused.text
    matching.indicator.enterprises[FOUNDRY] = _registry()[FOUNDRY]
    retried = await matching.client.post("/api/v1/demands", json=demand(), headers=headers)
    assert retried.status_code == 201, retried.text
    assert "idempotent-replayed" not in retried.headers


async def test_keys_belong_to_their_caller(matching: Matching) -> None:
    key = {"Idempotency-Key": "shared-string"}
    mine = await matching.client.post(
        "/api/v1/demands", json=demand(), headers={**matching.enterprise(FOUNDRY), **key}
    )
    bureau = await matching.client.post(
        "/api/v1/demands", json=demand(credit_code=FOUNDRY), headers={**matching.admin, **key}
    )
    assert (mine.status_code, bureau.status_code) == (201, 201)
    assert mine.json()["id"] != bureau.json()["id"]


async def test_a_retried_supply_is_registered_once(matching: Matching) -> None:
    before = await count(matching, "/api/v1/supplies")
    await replayed_once(
        matching.client, "/api/v1/supplies", EXPERT, {**EXPERT, "capacity": 9}, matching.admin
    )
    assert await count(matching, "/api/v1/supplies") == before + 1


async def test_a_hundred_identical_supplies_at_once_make_one(matching: Matching) -> None:
    before = await count(matching, "/api/v1/supplies")
    await simultaneous(matching.client, "/api/v1/supplies", EXPERT, matching.admin)
    assert await count(matching, "/api/v1/supplies") == before + 1
