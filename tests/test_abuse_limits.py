"""Abuse limits on all three services: sign-in throttling, tokens and writes per account and per API
key (429 with Retry-After), page sizes and request bodies. Limits are read per request, so a test
lowers them on the running app instead of starting another."""

from __future__ import annotations

import httpx
import pytest

from daye_demo.enterprises import DEMO_ENTERPRISES
from daye_dev.pytest_plugin import bearer
from daye_kit.settings import DEV_SERVICE_API_KEYS

from .conftest import DEMO_PASSWORD, Platform
from .test_matching_platform import DEMAND

TOKEN = "/api/v1/auth/token"


@pytest.fixture(scope="session")
def backend() -> str:
    """Overrides the plugin's: limits are counted in memory and refuse before any database work, so
    one backend tells all (the refused writes' "nothing written" included)."""
    return "sqlite"


ENTERPRISE, OTHER_ENTERPRISE = DEMO_ENTERPRISES[0].credit_code, DEMO_ENTERPRISES[1].credit_code
# A collection per service: listed to check page sizes, posted to check the body cap.
LISTS = {
    "indicator-api": "/api/v1/enterprises",
    "matching-api": "/api/v1/demands",
    "funding-api": "/api/v1/awards",
}


def assert_rate_limited(response: httpx.Response, limit_seconds: int) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "rate_limited"
    assert 1 <= int(response.headers["Retry-After"]) <= limit_seconds


async def sign_in(indicator: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await indicator.post(TOKEN, data={"username": username, "password": password})


async def test_repeated_wrong_passwords_suspend_that_account_only(platform: Platform) -> None:
    platform.apps["indicator-api"].state.settings.login_failure_limit = "3/15 minutes"
    async with platform.client("indicator-api") as indicator:
        for _ in range(3):
            assert (await sign_in(indicator, ENTERPRISE, "wrong")).status_code == 401
        # Even the right password is refused until the oldest failure leaves the window.
        assert_rate_limited(await sign_in(indicator, ENTERPRISE, DEMO_PASSWORD), 15 * 60)
        assert (await sign_in(indicator, OTHER_ENTERPRISE, DEMO_PASSWORD)).status_code == 200


async def test_a_successful_sign_in_forgets_earlier_failures(platform: Platform) -> None:
    platform.apps["indicator-api"].state.settings.login_failure_limit = "3/15 minutes"
    async with platform.client("indicator-api") as indicator:
        for _ in range(2):
            assert (await sign_in(indicator, ENTERPRISE, "wrong")).status_code == 401
        assert (await sign_in(indicator, ENTERPRISE, DEMO_PASSWORD)).status_code == 200
        for _ in range(2):
            assert (await sign_in(indicator, ENTERPRISE, "wrong")).status_code == 401
        assert (await sign_in(indicator, ENTERPRISE, DEMO_PASSWORD)).status_code == 200


async def test_tokens_are_limited_per_account_and_per_api_key(platform: Platform) -> None:
    platform.apps["indicator-api"].state.settings.token_rate_limit = "2/minute"
    async with platform.client("indicator-api") as indicator:
        for _ in range(2):
            assert (await sign_in(indicator, ENTERPRISE, DEMO_PASSWORD)).status_code == 200
        assert_rate_limited(await sign_in(indicator, ENTERPRISE, DEMO_PASSWORD), 60)
        assert (await sign_in(indicator, OTHER_ENTERPRISE, DEMO_PASSWORD)).status_code == 200

        key = {"grant_type": "client_credentials", "client_secret": DEV_SERVICE_API_KEYS["matching-api"]}
        for _ in range(2):
            assert (await indicator.post(TOKEN, data=key)).status_code == 200
        assert_rate_limited(await indicator.post(TOKEN, data=key), 60)
        other_key = {"grant_type": "client_credentials", "client_secret": DEV_SERVICE_API_KEYS["funding-api"]}
        assert (await indicator.post(TOKEN, data=other_key)).status_code == 200


async def test_writes_are_limited_per_account_and_per_api_key(platform: Platform) -> None:
    platform.apps["matching-api"].state.settings.write_rate_limit = "2/minute"
    async with platform.client("indicator-api") as indicator, platform.client("matching-api") as matching:
        mine = await bearer(indicator, ENTERPRISE, DEMO_PASSWORD)
        key = (await indicator.post("/api/v1/auth/api-keys", json={"name": "ERP 同步"}, headers=mine)).json()

        for _ in range(2):
            assert (await matching.post("/api/v1/demands", json=DEMAND, headers=mine)).status_code == 201
        assert_rate_limited(await matching.post("/api/v1/demands", json=DEMAND, headers=mine), 60)
        # Reads are not writes; the refused write wrote nothing.
        listed = await matching.get("/api/v1/demands", headers=mine)
        assert listed.status_code == 200
        assert listed.json()["total"] == 2

        # The account's API key counts on its own, and another account is not held back.
        by_key = {"X-API-Key": key["key"]}
        assert (await matching.post("/api/v1/demands", json=DEMAND, headers=by_key)).status_code == 201
        theirs = await bearer(indicator, OTHER_ENTERPRISE, DEMO_PASSWORD)
        assert (await matching.post("/api/v1/demands", json=DEMAND, headers=theirs)).status_code == 201


async def test_service_accounts_are_not_held_to_the_write_rate(platform: Platform) -> None:
    platform.apps["indicator-api"].state.settings.write_rate_limit = "1/minute"
    contract = {
        "source": "matching-api",
        "credit_code": ENTERPRISE,
        "amount": "1.00",
        "contract_type": "development",
        "signed_on": "2025-09-01",
    }
    async with platform.client("indicator-api") as indicator:
        service = await indicator.post(
            TOKEN,
            data={"grant_type": "client_credentials", "client_secret": DEV_SERVICE_API_KEYS["funding-api"]},
        )
        headers = {"Authorization": f"Bearer {service.json()['access_token']}"}
        answers = [
            await indicator.post(
                "/api/v1/tech-contracts", json={**contract, "source_id": f"limit-{n}"}, headers=headers
            )
            for n in range(3)
        ]
    assert [a.status_code for a in answers] == [201, 201, 201], answers[-1].text


async def test_page_sizes_are_capped_on_every_service(platform: Platform) -> None:
    async with platform.client("indicator-api") as indicator:
        admin = await bearer(indicator, "admin", DEMO_PASSWORD)
    for service, path in LISTS.items():
        async with platform.client(service) as client:
            too_many = await client.get(path, params={"limit": 201}, headers=admin)
            assert too_many.status_code == 422, service
            assert [(e["field"], e["rule"]) for e in too_many.json()["errors"]] == [
                ("query.limit", "less_than_equal")
            ]
            most = await client.get(path, params={"limit": 200}, headers=admin)
            assert most.status_code == 200, service
            assert len(most.json()["items"]) <= 200


async def test_oversized_bodies_are_refused_everywhere_and_nothing_is_written(platform: Platform) -> None:
    async with platform.client("indicator-api") as indicator:
        admin = await bearer(indicator, "admin", DEMO_PASSWORD)
    for service, path in LISTS.items():
        cap = platform.apps[service].state.settings.max_body_bytes
        async with platform.client(service) as client:
            before = (await client.get(path, headers=admin)).json()["total"]
            body = b'{"padding": "' + b"x" * cap + b'"}'
            response = await client.post(
                path, content=body, headers={**admin, "Content-Type": "application/json"}
            )
            assert response.status_code == 413, service
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["errors"][0]["rule"] == "max_bytes"
            assert (await client.get(path, headers=admin)).json()["total"] == before


async def test_every_service_documents_its_limits(platform: Platform) -> None:
    for service in LISTS:
        async with platform.client(service) as client:
            response = await client.get("/openapi.json")
        assert response.status_code == 200, service
        operations = response.json()["paths"][LISTS[service]]
        assert {"413", "429"} <= set(operations["post"]["responses"]), service
        assert "429" not in operations["get"]["responses"], service
        problem = operations["post"]["responses"]["429"]["content"]["application/problem+json"]
        assert problem["schema"] == {"$ref": "#/components/schemas/Problem"}
