"""indicator-api's inbox: a peer's event is applied once by its id, and a publication's figures are
recorded together or not at all."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from daye_kit.settings import DEV_SERVICE_API_KEYS


async def as_matching(client: httpx.AsyncClient) -> dict[str, str]:
    token = await client.post(
        "/api/v1/auth/token",
        data={"grant_type": "client_credentials", "client_secret": DEV_SERVICE_API_KEYS["matching-api"]},
    )
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def publication(values: dict[str, int]) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "type": "match_stats.published",
        "occurred_at": "2025-06-30T16:00:00Z",
        "subject": "match_stats:420281",
        "data": {"region_code": "420281", "year": 2031, "month": 6, "values": values, "note": "测试"},
        "source": "matching-api",
    }


async def values_of(client: httpx.AsyncClient, admin: dict[str, str], code: str) -> list[dict[str, Any]]:
    answer = await client.get(
        f"/api/v1/indicators/{code}/values", params={"region": "420281", "year": 2031}, headers=admin
    )
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


async def test_a_publication_is_applied_once_and_all_or_nothing(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    service = await as_matching(client)
    broken = publication({"supply_chain_demands_posted": 700, "no_such_indicator": 1})
    refused = await client.post("/api/v1/inbox", json=broken, headers=service)
    assert refused.status_code == 422, refused.text
    assert await values_of(client, admin, "supply_chain_demands_posted") == []

    event = publication({"supply_chain_demands_posted": 700, "supply_chain_demands_matched": 560})
    first = await client.post("/api/v1/inbox", json=event, headers=service)
    assert (first.status_code, first.json()) == (200, {"applied": True})
    again = await client.post("/api/v1/inbox", json=event, headers=service)
    assert (again.status_code, again.json()) == (200, {"applied": False})
    [posted] = await values_of(client, admin, "supply_chain_demands_posted")
    [matched] = await values_of(client, admin, "supply_chain_demands_matched")
    assert (str(posted["value"]), str(matched["value"])) == ("700", "560")
    assert posted["revision"] == 1  # the second delivery wrote nothing


async def test_only_services_deliver_events(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    event = publication({"supply_chain_demands_posted": 1})
    assert (await client.post("/api/v1/inbox", json=event, headers=admin)).status_code == 403
    unknown = {**event, "type": "thing.happened"}
    answer = await client.post("/api/v1/inbox", json=unknown, headers=await as_matching(client))
    assert (answer.status_code, answer.json()["code"]) == (422, "event_type_unknown")
