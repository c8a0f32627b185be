"""Revocation reaches every service: a disabled account's or an ended session's tokens stop working on
matching-api and funding-api within their refresh interval."""

from __future__ import annotations

import asyncio

import httpx

from daye_demo.enterprises import DEMO_ENTERPRISES
from daye_dev.pytest_plugin import bearer

from .conftest import DEMO_PASSWORD, PEER_NAMES, REVOCATION_REFRESH_SECONDS, Platform


async def _me(platform: Platform, service: str, headers: dict[str, str]) -> httpx.Response:
    async with platform.client(service) as client:
        return await client.get("/api/v1/auth/me", headers=headers)


async def _refused_everywhere(platform: Platform, headers: dict[str, str]) -> None:
    # Within the interval the peers may still hold the list from before; after it, never.
    await asyncio.sleep(REVOCATION_REFRESH_SECONDS + 0.2)
    for service in ("indicator-api", *PEER_NAMES):
        response = await _me(platform, service, headers)
        assert response.status_code == 401, (service, response.text)
        assert response.json()["code"] == "token_revoked", service


async def test_a_disabled_accounts_token_stops_working_on_every_service(platform: Platform) -> None:
    enterprise = DEMO_ENTERPRISES[0].credit_code
    async with platform.client("indicator-api") as indicator:
        headers = await bearer(indicator, enterprise, DEMO_PASSWORD)
        security = await bearer(indicator, "security", DEMO_PASSWORD)
        for service in PEER_NAMES:
            assert (await _me(platform, service, headers)).status_code == 200
        async with platform.client("matching-api") as matching:
            assert (await matching.get("/api/v1/demands", headers=headers)).status_code == 200
        disabled = await indicator.post(
            f"/api/v1/users/{enterprise}/disable", json={"reason": "企业注销"}, headers=security
        )
        assert disabled.status_code == 200, disabled.text
    await _refused_everywhere(platform, headers)
    async with platform.client("funding-api") as funding:
        refused = await funding.get("/api/v1/awards", headers=headers)
    assert refused.status_code == 401
    assert refused.json()["code"] == "token_revoked"


async def test_a_signed_out_session_is_refused_on_every_service(platform: Platform) -> None:
    async with platform.client("indicator-api") as indicator:
        headers = await bearer(indicator, "viewer", DEMO_PASSWORD)
        other = await bearer(indicator, "viewer", DEMO_PASSWORD)
        for service in PEER_NAMES:
            assert (await _me(platform, service, headers)).status_code == 200
        assert (await indicator.post("/api/v1/auth/logout", headers=headers)).status_code == 204
    await _refused_everywhere(platform, headers)
    # The account's other session goes on.
    for service in PEER_NAMES:
        assert (await _me(platform, service, other)).status_code == 200
