"""Authorization bugs the platform's authorization matrix (tests/hardening) found, kept fixed."""

from __future__ import annotations

import httpx

from daye_dev.pytest_plugin import bearer
from daye_kit.settings import DEV_SERVICE_API_KEYS

from .conftest import DEMO_PASSWORD


async def test_a_service_token_cannot_mint_or_revoke_api_keys(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    # A service's short token, exchanged for its key, would otherwise become a lasting credential.
    exchanged = await client.post(
        "/api/v1/auth/token",
        data={"grant_type": "client_credentials", "client_secret": DEV_SERVICE_API_KEYS["matching-api"]},
    )
    service = {"Authorization": f"Bearer {exchanged.json()['access_token']}"}
    before = (
        await client.get("/api/v1/auth/api-keys", params={"username": "svc-matching-api"}, headers=admin)
    ).json()

    minted = await client.post("/api/v1/auth/api-keys", json={"name": "自己的新密钥"}, headers=service)
    assert minted.status_code == 403
    issued = await client.post(
        "/api/v1/auth/api-keys", json={"name": "管理员签发", "username": "svc-matching-api"}, headers=admin
    )
    assert issued.status_code == 201
    revoked = await client.delete(f"/api/v1/auth/api-keys/{issued.json()['id']}", headers=service)
    assert revoked.status_code == 403

    after = (
        await client.get("/api/v1/auth/api-keys", params={"username": "svc-matching-api"}, headers=admin)
    ).json()
    assert after["total"] == before["total"] + 1
    assert [k["revoked_at"] for k in after["items"] if k["id"] == issued.json()["id"]] == [None]
    # People still manage their own keys.
    township = await bearer(client, "420281101", DEMO_PASSWORD)
    assert (
        await client.post("/api/v1/auth/api-keys", json={"name": "乡镇"}, headers=township)
    ).status_code == 201
