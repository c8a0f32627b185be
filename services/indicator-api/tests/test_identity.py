"""Tokens, API keys, accounts and the role checks, on both database backends."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI

from daye_demo.enterprises import DEMO_ENTERPRISES
from daye_dev.pytest_plugin import bearer
from daye_kit.auth import TOKEN_AUDIENCE, TOKEN_ISSUER, Principal, Role
from indicator_api.identity.keys import SigningKey

from .conftest import DEMO_PASSWORD

TOWNSHIP = "420281101"  # 金牛镇
OTHER_TOWNSHIP = "420281102"  # 保安镇


async def test_password_grant_issues_a_verifiable_token(client: httpx.AsyncClient, app: FastAPI) -> None:
    response = await client.post("/api/v1/auth/token", data={"username": TOWNSHIP, "password": DEMO_PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == app.state.settings.idle_timeout_seconds
    jwks = (await client.get("/api/v1/auth/jwks")).json()
    key = jwt.PyJWK(jwks["keys"][0]).key
    claims = jwt.decode(
        body["access_token"], key, algorithms=["EdDSA"], audience=TOKEN_AUDIENCE, issuer=TOKEN_ISSUER
    )
    assert claims["sub"] == TOWNSHIP
    assert claims["role"] == "township"
    assert claims["region"] == TOWNSHIP
    assert claims["exp"] - claims["iat"] == app.state.settings.idle_timeout_seconds
    assert claims["amr"] == ["pwd"]
    assert len(claims["sid"]) == 32


@pytest.mark.parametrize(
    ("username", "password"),
    [("admin", "wrong-password"), ("nobody", DEMO_PASSWORD), ("admin", "")],
    ids=["wrong-password", "unknown-user", "empty-password"],
)
async def test_bad_credentials_are_refused(client: httpx.AsyncClient, username: str, password: str) -> None:
    response = await client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert response.status_code in (401, 422)
    assert response.headers["content-type"] == "application/problem+json"
    assert "access_token" not in response.json()


async def test_me_answers_the_bound_account(client: httpx.AsyncClient) -> None:
    enterprise = DEMO_ENTERPRISES[0]
    headers = await bearer(client, enterprise.credit_code, DEMO_PASSWORD)
    me = (await client.get("/api/v1/auth/me", headers=headers)).json()
    assert me["role"] == "enterprise"
    assert me["credit_code"] == enterprise.credit_code
    assert me["display_name"] == enterprise.name


async def test_unauthenticated_call_is_a_401_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/auth/me")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["code"] == "unauthorized"


def _forge(principal: Principal, *, key: Ed25519PrivateKey, kid: str, exp_offset: int = 600) -> str:
    now = int(time.time())
    claims = {
        "sub": principal.username,
        "role": principal.role.value,
        "iss": TOKEN_ISSUER,
        "aud": TOKEN_AUDIENCE,
        "iat": now,
        "exp": now + exp_offset,
    }
    return jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": kid})


async def test_forged_expired_and_tampered_tokens_are_refused(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    real: SigningKey = app.state.signing_key
    admin = Principal(username="admin", role=Role.admin)
    forged = _forge(admin, key=Ed25519PrivateKey.generate(), kid=real.kid)
    expired = _forge(admin, key=real.private_key, kid=real.kid, exp_offset=-5)
    good = _forge(Principal(username="viewer", role=Role.viewer), key=real.private_key, kid=real.kid)
    header, payload, signature = good.split(".")
    tampered_payload = jwt.utils.base64url_encode(
        jwt.utils.base64url_decode(payload).replace(b'"viewer"', b'"admin"')
    ).decode()
    unsigned = jwt.encode({"sub": "admin", "role": "admin"}, key=None, algorithm="none")
    cases = {
        "forged": (forged, "token_invalid"),
        "expired": (expired, "token_expired"),
        "tampered": (f"{header}.{tampered_payload}.{signature}", "token_invalid"),
        "unsigned": (unsigned, "token_invalid"),
    }
    for name, (token, code) in cases.items():
        response = await client.get("/api/v1/users", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, name
        assert response.json()["code"] == code, name
    assert (
        await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {good}"})
    ).status_code == 200


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("security", 200),
        ("admin", 403),
        ("auditor", 403),
        ("viewer", 403),
        (TOWNSHIP, 403),
        (DEMO_ENTERPRISES[0].credit_code, 403),
    ],
)
async def test_only_the_security_admin_lists_accounts(
    client: httpx.AsyncClient, username: str, status: int
) -> None:
    headers = await bearer(client, username, DEMO_PASSWORD)
    response = await client.get("/api/v1/users", headers=headers)
    assert response.status_code == status
    if status == 403:
        assert response.json()["code"] == "forbidden"


async def test_security_admin_creates_bound_accounts_and_nothing_half_written(
    client: httpx.AsyncClient, security: dict[str, str]
) -> None:
    missing_binding = {"username": "new-town", "password": "long-enough-1", "role": "township"}
    response = await client.post("/api/v1/users", json=missing_binding, headers=security)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body"
    assert "region_code" in response.json()["errors"][0]["message"]

    short_password = {**missing_binding, "region_code": TOWNSHIP, "password": "short"}
    response = await client.post("/api/v1/users", json=short_password, headers=security)
    assert response.status_code == 422
    assert [(e["field"], e["rule"]) for e in response.json()["errors"]] == [
        ("body.password", "string_too_short")
    ]

    good = {**missing_binding, "region_code": TOWNSHIP}
    created = await client.post("/api/v1/users", json=good, headers=security)
    assert created.status_code == 201
    assert created.json()["region_code"] == TOWNSHIP
    assert "password" not in created.json()
    assert "password_hash" not in created.json()
    duplicate = await client.post("/api/v1/users", json=good, headers=security)
    assert duplicate.status_code == 409
    assert duplicate.json()["code"] == "user_exists"
    listed = (
        await client.get("/api/v1/users", params={"role": "township", "limit": 200}, headers=security)
    ).json()
    assert listed["total"] == 18  # 17 units + the one made here, once
    assert (await bearer(client, "new-town", "long-enough-1"))["Authorization"].startswith("Bearer ")


async def test_api_key_lifecycle(client: httpx.AsyncClient) -> None:
    headers = await bearer(client, TOWNSHIP, DEMO_PASSWORD)
    created = await client.post("/api/v1/auth/api-keys", json={"name": "报表同步"}, headers=headers)
    assert created.status_code == 201
    key = created.json()["key"]
    assert key.startswith("dk_")

    listed = (await client.get("/api/v1/auth/api-keys", headers=headers)).json()
    assert [k["name"] for k in listed["items"]] == ["报表同步"]
    assert "key" not in listed["items"][0]

    for key_headers in ({"X-API-Key": key}, {"Authorization": f"Bearer {key}"}):
        me = await client.get("/api/v1/auth/me", headers=key_headers)
        assert me.status_code == 200
        assert me.json()["username"] == TOWNSHIP
    exchanged = await client.post(
        "/api/v1/auth/token", data={"grant_type": "client_credentials", "client_secret": key}
    )
    assert exchanged.status_code == 200

    revoke = await client.delete(f"/api/v1/auth/api-keys/{created.json()['id']}", headers=headers)
    assert revoke.status_code == 204
    refused = await client.get("/api/v1/auth/me", headers={"X-API-Key": key})
    assert refused.status_code == 401
    assert refused.json()["code"] == "api_key_revoked"
    wrong_secret = key[:-4] + "AAAA"
    assert (await client.get("/api/v1/auth/me", headers={"X-API-Key": wrong_secret})).json()[
        "code"
    ] == "api_key_invalid"


async def test_a_township_cannot_make_or_revoke_keys_of_another(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    township = await bearer(client, TOWNSHIP, DEMO_PASSWORD)
    response = await client.post(
        "/api/v1/auth/api-keys", json={"name": "x", "username": OTHER_TOWNSHIP}, headers=township
    )
    assert response.status_code == 403
    other_key = await client.post(
        "/api/v1/auth/api-keys", json={"name": "x", "username": OTHER_TOWNSHIP}, headers=admin
    )
    assert other_key.status_code == 201
    response = await client.delete(f"/api/v1/auth/api-keys/{other_key.json()['id']}", headers=township)
    assert response.status_code == 404
    still_works = await client.get("/api/v1/auth/me", headers={"X-API-Key": other_key.json()["key"]})
    assert still_works.json()["username"] == OTHER_TOWNSHIP


async def test_concurrent_writers_never_see_a_locked_database(client: httpx.AsyncClient) -> None:
    import asyncio

    headers = await bearer(client, TOWNSHIP, DEMO_PASSWORD)
    responses = await asyncio.gather(
        *(client.post("/api/v1/auth/api-keys", json={"name": f"k{i}"}, headers=headers) for i in range(25))
    )
    assert [r.status_code for r in responses] == [201] * 25
    listed = (await client.get("/api/v1/auth/api-keys", headers=headers)).json()
    assert listed["total"] == 25
