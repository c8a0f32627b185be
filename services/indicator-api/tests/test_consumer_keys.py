"""API keys for consumers: limited to reading named datasets, with a rate of their own."""

from __future__ import annotations

import httpx

from daye_dev.pytest_plugin import bearer

from .conftest import DEMO_PASSWORD


async def _key(client: httpx.AsyncClient, headers: dict[str, str], **body: object) -> dict[str, object]:
    created = await client.post(
        "/api/v1/auth/api-keys", json={"name": "城市数据交换平台", **body}, headers=headers
    )
    assert created.status_code == 201, created.text
    answer: dict[str, object] = created.json()
    return answer


async def test_a_scoped_key_reads_its_datasets_and_nothing_else(client: httpx.AsyncClient) -> None:
    viewer = await bearer(client, "viewer", DEMO_PASSWORD)
    created = await _key(client, viewer, scopes=["read:enterprises", "read:regions", "read:enterprises"])
    assert created["scopes"] == ["read:enterprises", "read:regions"]
    key = {"X-API-Key": str(created["key"])}

    enterprises = await client.get("/api/v1/enterprises", headers=key)
    assert enterprises.status_code == 200
    assert enterprises.json()["total"] > 0
    code = enterprises.json()["items"][0]["credit_code"]
    assert (await client.get(f"/api/v1/enterprises/{code}", headers=key)).status_code == 200
    me = (await client.get("/api/v1/auth/me", headers=key)).json()
    assert me["username"] == "viewer"

    indicators = await client.get("/api/v1/indicators", headers=key)
    assert indicators.status_code == 403
    assert indicators.headers["content-type"] == "application/problem+json"
    assert indicators.json()["code"] == "scope_missing"
    assert indicators.json()["errors"][0]["rule"] == "read:indicators"
    assert "read:indicators" in indicators.json()["detail"]
    # Not a dataset at all (its own keys), and never a write, even one the account may make.
    assert (await client.get("/api/v1/auth/api-keys", headers=key)).json()["code"] == "scope_missing"
    write = await client.post("/api/v1/auth/api-keys", json={"name": "x"}, headers=key)
    assert write.status_code == 403
    assert write.json()["code"] == "scope_missing"

    # The token drawn with the key carries its scopes: the same limits hold.
    token = await client.post(
        "/api/v1/auth/token", data={"grant_type": "client_credentials", "client_secret": key["X-API-Key"]}
    )
    drawn = {"Authorization": f"Bearer {token.json()['access_token']}"}
    assert (await client.get("/api/v1/enterprises", headers=drawn)).status_code == 200
    assert (await client.get("/api/v1/indicators", headers=drawn)).status_code == 403

    # The account itself, and its unscoped keys, keep what they had.
    assert (await client.get("/api/v1/indicators", headers=viewer)).status_code == 200
    plain = await _key(client, viewer)
    assert plain["scopes"] is None
    assert (
        await client.get("/api/v1/indicators", headers={"X-API-Key": str(plain["key"])})
    ).status_code == 200

    listed = (await client.get("/api/v1/auth/api-keys", headers=viewer)).json()["items"]
    assert {k["id"]: k["scopes"] for k in listed} == {
        created["id"]: ["read:enterprises", "read:regions"],
        plain["id"]: None,
    }


async def test_a_key_with_its_own_rate_is_refused_beyond_it(client: httpx.AsyncClient) -> None:
    viewer = await bearer(client, "viewer", DEMO_PASSWORD)
    created = await _key(client, viewer, scopes=["read:enterprises"], rate_limit="3/minute")
    listed = (await client.get("/api/v1/auth/api-keys", headers=viewer)).json()["items"]
    assert [k["rate_limit"] for k in listed if k["id"] == created["id"]] == ["3/minute"]
    key = {"X-API-Key": str(created["key"])}
    for _ in range(3):
        assert (await client.get("/api/v1/enterprises", headers=key)).status_code == 200
    refused = await client.get("/api/v1/enterprises", headers=key)
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    # The key's own count: the account and its other keys are not held back.
    assert (await client.get("/api/v1/enterprises", headers=viewer)).status_code == 200


async def test_unknown_scopes_and_bad_rates_are_refused_by_name(client: httpx.AsyncClient) -> None:
    viewer = await bearer(client, "viewer", DEMO_PASSWORD)
    cases = {
        "unknown scope": ({"scopes": ["read:everything"]}, "body.scopes"),
        "no scope": ({"scopes": []}, "body.scopes"),
        "bad rate": ({"rate_limit": "lots"}, "body.rate_limit"),
    }
    for name, (body, field) in cases.items():
        response = await client.post("/api/v1/auth/api-keys", json={"name": "x", **body}, headers=viewer)
        assert response.status_code == 422, name
        assert response.json()["errors"][0]["field"].startswith(field), (name, response.json())
    assert (await client.get("/api/v1/auth/api-keys", headers=viewer)).json()["total"] == 0
