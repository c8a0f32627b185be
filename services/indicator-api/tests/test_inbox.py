"""indicator-api's inbox: a peer's event is applied once by its id, a publication's figures are
recorded together or not at all, and the dashboard says when each published figure was last brought
up to date."""

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


async def as_funding(client: httpx.AsyncClient) -> dict[str, str]:
    token = await client.post(
        "/api/v1/auth/token",
        data={"grant_type": "client_credentials", "client_secret": DEV_SERVICE_API_KEYS["funding-api"]},
    )
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def outstanding(value: str, occurred_at: str) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "type": "outstanding.published",
        "occurred_at": occurred_at,
        "subject": "policy_funds_outstanding:420281",
        "data": {
            "region_code": "420281",
            "year": 2031,
            "month": 6,
            "as_of": "2031-06-30",
            "values": {"policy_funds_outstanding": value},
            "total": "0",
            "note": "funding-api:测试",
        },
        "source": "funding-api",
    }


async def dashboard_item(client: httpx.AsyncClient, admin: dict[str, str], code: str) -> dict[str, Any]:
    answer = await client.get(
        "/api/v1/dashboard", params={"year": 2031, "as_of": "2031-06-30"}, headers=admin
    )
    assert answer.status_code == 200, answer.text
    item: dict[str, Any] = next(i for i in answer.json()["items"] if i["indicator"]["code"] == code)
    return item


async def test_the_outstanding_total_is_applied_once_and_says_when_it_was_brought_up_to_date(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    funding = await as_funding(client)
    assert (await dashboard_item(client, admin, "policy_funds_outstanding"))["published"] is None

    event = outstanding("5506.8", "2031-06-30T02:00:00Z")
    first = await client.post("/api/v1/inbox", json=event, headers=funding)
    assert (first.status_code, first.json()) == (200, {"applied": True})
    redelivered = await client.post("/api/v1/inbox", json=event, headers=funding)
    assert (redelivered.status_code, redelivered.json()) == (200, {"applied": False})
    [value] = await values_of(client, admin, "policy_funds_outstanding")
    assert (value["value"], value["revision"], value["recorded_by"]) == ("5506.8", 1, "svc-funding-api")
    item = await dashboard_item(client, admin, "policy_funds_outstanding")
    assert item["actual"] == "5506.8"
    assert item["published"]["source"] == "funding-api"
    assert (item["published"]["year"], item["published"]["month"]) == (2031, 6)
    assert item["published"]["published_at"].startswith("2031-06-30T02:00:00")

    # An hour later the same total: no new revision, but the figure was brought up to date.
    again = await client.post(
        "/api/v1/inbox", json=outstanding("5506.8", "2031-06-30T03:00:00Z"), headers=funding
    )
    assert again.json() == {"applied": True}
    [value] = await values_of(client, admin, "policy_funds_outstanding")
    assert value["revision"] == 1
    item = await dashboard_item(client, admin, "policy_funds_outstanding")
    assert item["published"]["published_at"].startswith("2031-06-30T03:00:00")
    # A view of an earlier month does not claim a later publication as its own.
    earlier = await client.get(
        "/api/v1/dashboard", params={"year": 2031, "as_of": "2031-05-31"}, headers=admin
    )
    [before] = [i for i in earlier.json()["items"] if i["indicator"]["code"] == "policy_funds_outstanding"]
    assert before["published"] is None
    # The match statistics say it too; a figure nobody publishes does not.
    await client.post(
        "/api/v1/inbox",
        json=publication({"supply_chain_demands_posted": 700, "supply_chain_demands_matched": 560}),
        headers=await as_matching(client),
    )
    matched = await dashboard_item(client, admin, "supply_chain_demands_matched")
    assert matched["published"]["source"] == "matching-api"
    assert (await dashboard_item(client, admin, "tech_contract_turnover"))["published"] is None


async def test_only_services_deliver_events(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    event = publication({"supply_chain_demands_posted": 1})
    assert (await client.post("/api/v1/inbox", json=event, headers=admin)).status_code == 403
    unknown = {**event, "type": "thing.happened"}
    answer = await client.post("/api/v1/inbox", json=unknown, headers=await as_matching(client))
    assert (answer.status_code, answer.json()["code"]) == (422, "event_type_unknown")
