"""Tokens issued by indicator-api are verified by every service itself; forgeries by none."""

from __future__ import annotations

import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import Depends

from daye_demo.enterprises import DEMO_ENTERPRISES
from daye_dev.pytest_plugin import bearer
from daye_kit.auth import TOKEN_AUDIENCE, TOKEN_ISSUER, Role, require_roles
from daye_kit.settings import DEV_SERVICE_API_KEYS

from .conftest import DEMO_PASSWORD, PEER_NAMES, Platform

ALL = ("indicator-api", *PEER_NAMES)


def _token(key: Ed25519PrivateKey, kid: str, *, role: str = "admin", exp_offset: int = 600) -> str:
    now = int(time.time())
    claims = {
        "sub": "admin",
        "role": role,
        "iss": TOKEN_ISSUER,
        "aud": TOKEN_AUDIENCE,
        "iat": now,
        "exp": now + exp_offset,
    }
    return jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": kid})


@pytest.mark.parametrize("service", ALL)
async def test_each_service_accepts_real_tokens_with_their_binding(platform: Platform, service: str) -> None:
    enterprise = DEMO_ENTERPRISES[0].credit_code
    async with platform.client("indicator-api") as indicator, platform.client(service) as client:
        headers = await bearer(indicator, enterprise, DEMO_PASSWORD)
        me = await client.get("/api/v1/auth/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["role"] == "enterprise"
    assert me.json()["credit_code"] == enterprise


@pytest.mark.parametrize("service", ALL)
async def test_each_service_refuses_forged_and_expired_tokens(platform: Platform, service: str) -> None:
    kid = platform.apps["indicator-api"].state.signing_key.kid
    real_key = platform.apps["indicator-api"].state.signing_key.private_key
    cases = {
        "forged with the right kid": (_token(Ed25519PrivateKey.generate(), kid), "token_invalid"),
        "unknown kid": (_token(Ed25519PrivateKey.generate(), "someone-elses-key"), "token_invalid"),
        "expired": (_token(real_key, kid, exp_offset=-1), "token_expired"),
        "not a token": ("abc.def.ghi", "token_invalid"),
    }
    async with platform.client(service) as client:
        for name, (token, code) in cases.items():
            response = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 401, name
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["code"] == code, name


@pytest.mark.parametrize("service", PEER_NAMES)
async def test_api_keys_work_on_peers_by_exchange(platform: Platform, service: str) -> None:
    key = DEV_SERVICE_API_KEYS["funding-api"]
    async with platform.client(service) as client:
        me = await client.get("/api/v1/auth/me", headers={"X-API-Key": key})
        assert me.json()["username"] == "svc-funding-api"
        assert me.json()["role"] == "service"
        bad = await client.get("/api/v1/auth/me", headers={"X-API-Key": "dk_nope_not-a-real-key"})
        assert bad.status_code == 401
        assert bad.json()["code"] == "api_key_invalid"


@pytest.mark.parametrize("service", PEER_NAMES)
async def test_role_checks_on_peers(platform: Platform, service: str) -> None:
    app = platform.apps[service]

    async def admin_only() -> dict[str, str]:
        return {"ok": "yes"}

    app.add_api_route("/admin-only", admin_only, dependencies=[Depends(require_roles(Role.admin))])
    async with platform.client("indicator-api") as indicator, platform.client(service) as client:
        assert (await client.get("/admin-only")).status_code == 401
        viewer = await client.get("/admin-only", headers=await bearer(indicator, "viewer", DEMO_PASSWORD))
        assert viewer.status_code == 403
        assert "viewer" in viewer.json()["detail"]
        admin = await client.get("/admin-only", headers=await bearer(indicator, "admin", DEMO_PASSWORD))
        assert admin.json() == {"ok": "yes"}


@pytest.mark.parametrize("service", PEER_NAMES)
async def test_peer_readiness_follows_indicator(platform: Platform, service: str) -> None:
    async with platform.client(service) as client:
        ready = await client.get("/readyz")
        assert ready.status_code == 200
        assert [c["name"] for c in ready.json()["checks"]] == ["database", "indicator"]
        platform.apps[service].state.indicator.base_url = "http://127.0.0.1:9"  # nothing listens there
        down = await client.get("/readyz")
    assert down.status_code == 503
    assert down.json()["checks"][1] == {
        "name": "indicator",
        "ok": False,
        "detail": "indicator-api is unreachable (ConnectError)",
    }


@pytest.mark.parametrize("service", PEER_NAMES)
async def test_swagger_signs_in_at_indicator(platform: Platform, service: str) -> None:
    async with platform.client(service) as client:
        schema = (await client.get("/openapi.json")).json()
    flow = schema["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"]["password"]
    assert flow["tokenUrl"] == "http://indicator-api/api/v1/auth/token"


@pytest.mark.parametrize("service", PEER_NAMES)
async def test_an_api_key_with_indicator_down_is_a_503(platform: Platform, service: str) -> None:
    platform.apps[service].state.identity.base_url = "http://127.0.0.1:9"
    async with platform.client(service) as client:
        response = await client.get("/api/v1/auth/me", headers={"X-API-Key": "dk_abc_some-key"})
    assert response.status_code == 503
    assert response.json()["code"] == "peer_unavailable"


async def test_clients_cross_origin_from_the_front_end(platform: Platform) -> None:
    async with platform.client("indicator-api") as client:
        preflight = await client.options(
            "/api/v1/auth/token",
            headers={"Origin": "http://127.0.0.1:5173", "Access-Control-Request-Method": "POST"},
        )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "http://127.0.0.1:5173"
