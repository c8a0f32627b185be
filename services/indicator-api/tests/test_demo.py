"""Demo mode's accounts, and that a restart does not seed twice."""

from __future__ import annotations

from pathlib import Path

import httpx
from pydantic import SecretStr

from daye_demo.enterprises import DEMO_ENTERPRISES
from daye_dev.pytest_plugin import FreshDatabase, bearer, running
from daye_kit.credit_code import is_valid
from indicator_api.config import Settings
from indicator_api.main import MIGRATIONS, create_app

from .conftest import DEMO_PASSWORD, settings_for


async def _accounts(client: httpx.AsyncClient, admin: dict[str, str]) -> dict[str, dict[str, str]]:
    accounts: dict[str, dict[str, str]] = {}
    while True:
        params = {"limit": 200, "offset": len(accounts)}
        body = (await client.get("/api/v1/users", params=params, headers=admin)).json()
        accounts.update({u["username"]: u for u in body["items"]})
        if not body["items"]:
            assert len(accounts) == body["total"]
            return accounts


async def test_demo_accounts(client: httpx.AsyncClient, security: dict[str, str]) -> None:
    accounts = await _accounts(client, security)
    assert accounts["admin"]["role"] == "admin"
    assert accounts["viewer"]["role"] == "viewer"
    townships = {name: a for name, a in accounts.items() if a["role"] == "township"}
    units = (await client.get("/api/v1/regions", params={"parent_code": "420281"})).json()["items"]
    assert len(townships) == len(units) == 17  # an account for each of the city's units, as migrated
    assert set(townships) == {unit["code"] for unit in units}
    assert all(a["region_code"] == name for name, a in townships.items())
    enterprises = {name for name, a in accounts.items() if a["role"] == "enterprise"}
    assert enterprises == {e.credit_code for e in DEMO_ENTERPRISES}
    assert all(is_valid(code) for code in enterprises)
    assert {a["username"] for a in accounts.values() if a["role"] == "service"} == {
        "svc-matching-api",
        "svc-funding-api",
    }
    await bearer(client, units[-1]["code"], DEMO_PASSWORD)
    await bearer(client, DEMO_ENTERPRISES[-1].credit_code, DEMO_PASSWORD)


async def test_a_restart_does_not_seed_again(
    client: httpx.AsyncClient, security: dict[str, str], settings: Settings
) -> None:
    before = await _accounts(client, security)
    async for again in running(create_app(settings)):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=again), base_url="http://i") as second:
            after = await _accounts(second, security)
    assert after == before


async def test_without_demo_there_are_no_accounts(
    fresh_database: FreshDatabase, signing_key_file: Path
) -> None:
    url = await fresh_database("indicator", MIGRATIONS)
    quiet = settings_for(url, signing_key_file).model_copy(update={"demo": False})
    async for app in running(create_app(quiet)):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://i") as client:
            response = await client.post(
                "/api/v1/auth/token", data={"username": "admin", "password": DEMO_PASSWORD}
            )
    assert response.status_code == 401


async def _first_security_sign_in(client: httpx.AsyncClient, *, restarted: bool) -> dict[str, str]:
    """The bootstrap security administrator changes its configured password before anything else."""
    if restarted:
        return await bearer(client, "security", "Second-Password-2025")
    first = await client.post(
        "/api/v1/auth/token", data={"username": "security", "password": "first-security-password"}
    )
    assert first.json()["password_change_required"] is True
    headers = {"Authorization": f"Bearer {first.json()['access_token']}"}
    refused = await client.get("/api/v1/users", headers=headers)
    assert refused.json()["code"] == "password_change_required"
    changed = await client.post(
        "/api/v1/auth/password",
        json={"current_password": "first-security-password", "new_password": "Second-Password-2025"},
        headers=headers,
    )
    assert changed.status_code == 200, changed.text
    return {"Authorization": f"Bearer {changed.json()['access_token']}"}


async def test_a_new_installation_gets_its_admin_and_service_accounts(
    fresh_database: FreshDatabase, signing_key_file: Path
) -> None:
    url = await fresh_database("indicator", MIGRATIONS)
    key = "dk_prod0001_issued-for-matching-api-in-production"
    configured = settings_for(url, signing_key_file).model_copy(
        update={
            "demo": False,
            "admin_password": SecretStr("first-admin-password"),
            "security_admin_password": SecretStr("first-security-password"),
            "service_api_keys": {"matching-api": SecretStr(key)},
        }
    )
    for restarted in (False, True):  # a restart (or a second replica) changes nothing
        async for app in running(create_app(configured)):
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://i"
            ) as client:
                await bearer(client, "admin", "first-admin-password")
                security = await _first_security_sign_in(client, restarted=restarted)
                accounts = (await client.get("/api/v1/users", headers=security)).json()
                me = (await client.get("/api/v1/auth/me", headers={"X-API-Key": key})).json()
        assert [(a["username"], a["role"]) for a in accounts["items"]] == [
            ("admin", "admin"),
            ("security", "security_admin"),
            ("svc-matching-api", "service"),
        ]
        assert me["username"] == "svc-matching-api"
