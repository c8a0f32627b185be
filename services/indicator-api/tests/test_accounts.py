"""Account administration to 等保 level 3: the security administrator's actions, the password policy,
forced and expiring passwords, idle sessions, sign-out, revocation and TOTP; on both databases."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import jwt
import pyotp
import pytest
import pytest_asyncio
from fastapi import FastAPI
from sqlalchemy import update
from sqlmodel import col

from daye_demo.enterprises import DEMO_ENTERPRISES
from daye_dev.pytest_plugin import bearer, running
from daye_kit.auth import Principal, Role
from daye_kit.timestamps import utcnow
from indicator_api.config import Settings
from indicator_api.identity.keys import SigningKey
from indicator_api.identity.models import SignInSession, User
from indicator_api.main import create_app

from .conftest import DEMO_PASSWORD

TOWNSHIP = "420281101"  # 金牛镇
GOOD_PASSWORD = "Qingshan-Lake-2025"
OTHER_PASSWORD = "Tieshan-Mine-1949"


def _claims(token_response: httpx.Response) -> dict[str, Any]:
    return jwt.decode(token_response.json()["access_token"], options={"verify_signature": False})


def _auth(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def _sign_in(client: httpx.AsyncClient, username: str, password: str, **form: str) -> httpx.Response:
    return await client.post("/api/v1/auth/token", data={"username": username, "password": password, **form})


def _problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


def _field_rules(response: httpx.Response) -> list[tuple[str, str]]:
    assert response.status_code == 422, response.text
    return [(e["field"], e["rule"]) for e in response.json()["errors"]]


async def _new_account(
    client: httpx.AsyncClient, security: dict[str, str], username: str, **fields: Any
) -> dict[str, Any]:
    body = {"username": username, "password": GOOD_PASSWORD, "role": "township", "region_code": TOWNSHIP}
    created = await client.post("/api/v1/users", json={**body, **fields}, headers=security)
    assert created.status_code == 201, created.text
    account: dict[str, Any] = created.json()
    return account


async def test_security_admin_creates_lists_and_changes_accounts(
    client: httpx.AsyncClient, security: dict[str, str]
) -> None:
    account = await _new_account(client, security, "zhou-town", display_name="周镇长")
    assert account["is_active"] is True
    assert account["must_change_password"] is False
    assert account["totp_enabled"] is False
    assert account["password_changed_at"] is not None
    assert "totp_secret" not in account
    assert "password_hash" not in account

    listed = (
        await client.get("/api/v1/users", params={"q": "ZHOU", "role": "township"}, headers=security)
    ).json()
    assert [u["username"] for u in listed["items"]] == ["zhou-town"]
    assert listed["total"] == 1
    by_name = (await client.get("/api/v1/users", params={"q": "周镇"}, headers=security)).json()
    assert [u["username"] for u in by_name["items"]] == ["zhou-town"]

    old = _auth(await _sign_in(client, "zhou-town", GOOD_PASSWORD))
    assert (await client.get("/api/v1/auth/me", headers=old)).status_code == 200

    # Becoming an enterprise needs a credit code; the refusal names the field and changes nothing.
    refused = await client.patch("/api/v1/users/zhou-town", json={"role": "enterprise"}, headers=security)
    assert _field_rules(refused) == [("body.credit_code", "missing")]
    enterprise = DEMO_ENTERPRISES[0].credit_code
    changed = await client.patch(
        "/api/v1/users/zhou-town", json={"role": "enterprise", "credit_code": enterprise}, headers=security
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["role"], changed.json()["region_code"], changed.json()["credit_code"]) == (
        "enterprise",
        None,
        enterprise,
    )
    # The old token carried the old role: refused at once by this service.
    _problem(await client.get("/api/v1/auth/me", headers=old), 401, "token_revoked")
    fresh = _auth(await _sign_in(client, "zhou-town", GOOD_PASSWORD))
    me = (await client.get("/api/v1/auth/me", headers=fresh)).json()
    assert (me["role"], me["credit_code"]) == ("enterprise", enterprise)

    renamed = await client.patch("/api/v1/users/zhou-town", json={"display_name": "周经理"}, headers=security)
    assert renamed.json()["display_name"] == "周经理"
    # A display name alone does not end the account's tokens.
    assert (await client.get("/api/v1/auth/me", headers=fresh)).status_code == 200
    unknown = await client.patch("/api/v1/users/nobody", json={"display_name": "x"}, headers=security)
    assert unknown.status_code == 404
    extra = await client.patch("/api/v1/users/zhou-town", json={"password": "x"}, headers=security)
    assert _field_rules(extra) == [("body.password", "extra_forbidden")]


async def test_disable_enable_never_delete(client: httpx.AsyncClient, security: dict[str, str]) -> None:
    await _new_account(client, security, "leaver")
    token = _auth(await _sign_in(client, "leaver", GOOD_PASSWORD))
    key = (await client.post("/api/v1/auth/api-keys", json={"name": "同步"}, headers=token)).json()["key"]

    no_reason = await client.post("/api/v1/users/leaver/disable", json={}, headers=security)
    assert _field_rules(no_reason) == [("body.reason", "missing")]
    disabled = await client.post(
        "/api/v1/users/leaver/disable", json={"reason": "人员离职"}, headers=security
    )
    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["is_active"] is False
    assert disabled.json()["disabled_reason"] == "人员离职"
    assert disabled.json()["disabled_at"] is not None

    _problem(await client.get("/api/v1/auth/me", headers=token), 401, "token_revoked")
    _problem(await client.get("/api/v1/auth/me", headers={"X-API-Key": key}), 401, "account_disabled")
    _problem(await _sign_in(client, "leaver", GOOD_PASSWORD), 401, "account_disabled")
    # Only the holder of the right password learns that the account is disabled.
    _problem(await _sign_in(client, "leaver", "Wrong-Password-99"), 401, "invalid_credentials")

    inactive = (await client.get("/api/v1/users", params={"is_active": "false"}, headers=security)).json()
    assert [u["username"] for u in inactive["items"]] == ["leaver"]

    enabled = await client.post("/api/v1/users/leaver/enable", headers=security)
    assert enabled.status_code == 200
    assert (enabled.json()["is_active"], enabled.json()["disabled_at"]) == (True, None)
    # Tokens from before stay revoked; a new sign-in works.
    _problem(await client.get("/api/v1/auth/me", headers=token), 401, "token_revoked")
    again = _auth(await _sign_in(client, "leaver", GOOD_PASSWORD))
    assert (await client.get("/api/v1/auth/me", headers=again)).status_code == 200
    assert (await client.delete("/api/v1/users/leaver", headers=security)).status_code == 405


async def test_security_admin_cannot_disable_or_rerole_itself(
    client: httpx.AsyncClient, security: dict[str, str]
) -> None:
    _problem(
        await client.post("/api/v1/users/security/disable", json={"reason": "试试"}, headers=security),
        403,
        "own_account",
    )
    _problem(
        await client.patch("/api/v1/users/security", json={"role": "admin"}, headers=security),
        403,
        "own_account",
    )
    me = (await client.get("/api/v1/auth/me", headers=security)).json()
    assert (me["role"], me["is_active"]) == ("security_admin", True)


@pytest.mark.parametrize("username", ["admin", "auditor", "viewer", TOWNSHIP])
async def test_only_the_security_admin_administers_accounts(client: httpx.AsyncClient, username: str) -> None:
    headers = await bearer(client, username, DEMO_PASSWORD)
    new = {"username": "intruder", "password": GOOD_PASSWORD, "role": "admin"}
    calls = [
        ("GET", "/api/v1/users", None),
        ("POST", "/api/v1/users", new),
        ("PATCH", "/api/v1/users/viewer", {"role": "admin"}),
        ("POST", "/api/v1/users/viewer/disable", {"reason": "x"}),
        ("POST", "/api/v1/users/viewer/enable", None),
        ("POST", "/api/v1/users/viewer/password-reset", None),
        ("POST", "/api/v1/users/viewer/revoke", None),
    ]
    for method, path, body in calls:
        response = await client.request(method, path, json=body, headers=headers)
        assert response.status_code == 403, (method, path, response.text)
    viewer = _auth(await _sign_in(client, "viewer", DEMO_PASSWORD))
    assert (await client.get("/api/v1/auth/me", headers=viewer)).json()["role"] == "viewer"


async def test_password_policy_names_the_field_and_rule(
    client: httpx.AsyncClient, security: dict[str, str]
) -> None:
    base = {"username": "policy-town", "role": "township", "region_code": TOWNSHIP}
    cases = {
        "Short-pw-1": "password_too_short",
        "alllowercaseletters": "password_too_simple",
        "lowercase-and-symbols": "password_too_simple",
        "Policy-Town-2025x": "password_contains_username",
    }
    for password, rule in cases.items():
        response = await client.post("/api/v1/users", json={**base, "password": password}, headers=security)
        assert _field_rules(response) == [("body.password", rule)], password
    assert (await client.get("/api/v1/users", params={"q": "policy"}, headers=security)).json()["total"] == 0

    await _new_account(client, security, "policy-town", password=GOOD_PASSWORD)
    holder = _auth(await _sign_in(client, "policy-town", GOOD_PASSWORD))

    async def change(current: str, new: str) -> httpx.Response:
        return await client.post(
            "/api/v1/auth/password", json={"current_password": current, "new_password": new}, headers=holder
        )

    assert _field_rules(await change("Not-The-Password-1", OTHER_PASSWORD)) == [
        ("body.current_password", "password_wrong")
    ]
    assert _field_rules(await change(GOOD_PASSWORD, "tooshort")) == [
        ("body.new_password", "password_too_short")
    ]
    assert _field_rules(await change(GOOD_PASSWORD, GOOD_PASSWORD)) == [
        ("body.new_password", "password_reused")
    ]
    changed = await change(GOOD_PASSWORD, OTHER_PASSWORD)
    assert changed.status_code == 200, changed.text
    _problem(await _sign_in(client, "policy-town", GOOD_PASSWORD), 401, "invalid_credentials")
    assert (await _sign_in(client, "policy-town", OTHER_PASSWORD)).status_code == 200


async def test_password_reset_forces_a_change_before_anything_else(
    client: httpx.AsyncClient, security: dict[str, str]
) -> None:
    await _new_account(client, security, "forgetful")
    before = _auth(await _sign_in(client, "forgetful", GOOD_PASSWORD))
    reset = await client.post("/api/v1/users/forgetful/password-reset", headers=security)
    assert reset.status_code == 200, reset.text
    temporary = reset.json()["temporary_password"]
    assert len(temporary) >= 16
    _problem(await client.get("/api/v1/auth/me", headers=before), 401, "token_revoked")
    listed = (await client.get("/api/v1/users", params={"q": "forgetful"}, headers=security)).json()
    assert listed["items"][0]["must_change_password"] is True

    signed_in = await _sign_in(client, "forgetful", temporary)
    assert signed_in.json()["password_change_required"] is True
    assert _claims(signed_in)["pwd_change"] is True
    headers = _auth(signed_in)
    _problem(await client.get("/api/v1/auth/api-keys", headers=headers), 403, "password_change_required")
    _problem(
        await client.post("/api/v1/auth/api-keys", json={"name": "x"}, headers=headers),
        403,
        "password_change_required",
    )
    assert (await client.get("/api/v1/auth/me", headers=headers)).status_code == 200

    changed = await client.post(
        "/api/v1/auth/password",
        json={"current_password": temporary, "new_password": OTHER_PASSWORD},
        headers=headers,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["password_change_required"] is False
    assert _claims(changed)["sid"] == _claims(signed_in)["sid"]
    assert (await client.get("/api/v1/auth/api-keys", headers=_auth(changed))).status_code == 200
    listed = (await client.get("/api/v1/users", params={"q": "forgetful"}, headers=security)).json()
    assert listed["items"][0]["must_change_password"] is False


async def test_an_old_password_must_be_changed(
    client: httpx.AsyncClient, app: FastAPI, security: dict[str, str]
) -> None:
    await _new_account(client, security, "old-timer")
    max_age = app.state.settings.password_max_age_days
    assert max_age == 90
    async with app.state.sessionmaker() as session, session.begin():
        await session.execute(
            update(User)
            .where(col(User.username) == "old-timer")
            .values(password_changed_at=utcnow() - timedelta(days=max_age + 1))
        )
    signed_in = await _sign_in(client, "old-timer", GOOD_PASSWORD)
    assert signed_in.json()["password_change_required"] is True
    _problem(
        await client.get("/api/v1/auth/api-keys", headers=_auth(signed_in)), 403, "password_change_required"
    )


async def test_refresh_idle_expiry_and_sign_out(client: httpx.AsyncClient, app: FastAPI) -> None:
    signed_in = await _sign_in(client, "viewer", DEMO_PASSWORD)
    settings: Settings = app.state.settings
    assert signed_in.json()["expires_in"] == settings.idle_timeout_seconds == 1800
    first = _claims(signed_in)
    assert first["exp"] - first["iat"] == 1800
    assert first["amr"] == ["pwd"]

    refreshed = await client.post("/api/v1/auth/refresh", headers=_auth(signed_in))
    assert refreshed.status_code == 200, refreshed.text
    second = _claims(refreshed)
    assert (second["sid"], second["amr"]) == (first["sid"], ["pwd"])
    assert second["jti"] != first["jti"]

    # An idle session: its token expired, so it cannot be renewed.
    key: SigningKey = app.state.signing_key
    principal = Principal(username="viewer", role=Role.viewer, session_id=first["sid"], amr=["pwd"])
    idle, _ = key.issue(principal, 1)
    await asyncio.sleep(1.1)
    _problem(
        await client.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {idle}"}),
        401,
        "token_expired",
    )

    # The absolute maximum: a session past its end is not renewed however active.
    async with app.state.sessionmaker() as session, session.begin():
        await session.execute(
            update(SignInSession)
            .where(col(SignInSession.id) == first["sid"])
            .values(ends_at=utcnow() - timedelta(seconds=1))
        )
    _problem(await client.post("/api/v1/auth/refresh", headers=_auth(refreshed)), 401, "session_expired")

    # Sign-out ends the session: its tokens are refused, another session of the account is not.
    other = await _sign_in(client, "viewer", DEMO_PASSWORD)
    also = _auth(await client.post("/api/v1/auth/refresh", headers=_auth(other)))
    out = await client.post("/api/v1/auth/logout", headers=_auth(other))
    assert out.status_code == 204
    for headers in (_auth(other), also):
        _problem(await client.get("/api/v1/auth/me", headers=headers), 401, "token_revoked")
        _problem(await client.post("/api/v1/auth/refresh", headers=headers), 401, "token_revoked")
    assert (await client.get("/api/v1/auth/me", headers=_auth(signed_in))).status_code == 200
    revocations = (await client.get("/api/v1/auth/revocations")).json()
    assert _claims(other)["sid"] in revocations["revoked_sessions"]
    assert first["sid"] not in revocations["revoked_sessions"]


async def test_revoke_ends_every_token_session_and_key(
    client: httpx.AsyncClient, security: dict[str, str]
) -> None:
    await _new_account(client, security, "leaky")
    token = _auth(await _sign_in(client, "leaky", GOOD_PASSWORD))
    keys = [
        (await client.post("/api/v1/auth/api-keys", json={"name": f"k{i}"}, headers=token)).json()["key"]
        for i in range(2)
    ]
    revoked = await client.post("/api/v1/users/leaky/revoke", headers=security)
    assert revoked.status_code == 200, revoked.text
    assert (revoked.json()["api_keys_revoked"], revoked.json()["sessions_revoked"]) == (2, 1)
    _problem(await client.get("/api/v1/auth/me", headers=token), 401, "token_revoked")
    for key in keys:
        _problem(await client.get("/api/v1/auth/me", headers={"X-API-Key": key}), 401, "api_key_revoked")
    revocations = (await client.get("/api/v1/auth/revocations")).json()
    assert [i["username"] for i in revocations["items"]] == ["leaky"]
    assert revocations["items"][0]["not_before"] == revoked.json()["not_before"]
    # The account itself stays usable with a new sign-in.
    assert (await _sign_in(client, "leaky", GOOD_PASSWORD)).status_code == 200


async def _enrol(client: httpx.AsyncClient, headers: dict[str, str]) -> pyotp.TOTP:
    enrolled = await client.post("/api/v1/auth/totp/enroll", headers=headers)
    assert enrolled.status_code == 200, enrolled.text
    body = enrolled.json()
    assert body["otpauth_uri"].startswith("otpauth://totp/")
    assert "issuer=%E5%A4%A7%E5%86%B6%E7%A7%91%E5%88%9B%E5%B9%B3%E5%8F%B0" in body["otpauth_uri"]
    totp = pyotp.TOTP(body["secret"])
    wrong = f"{(int(totp.now()) + 1) % 1_000_000:06d}"
    refused = await client.post("/api/v1/auth/totp/confirm", json={"code": wrong}, headers=headers)
    assert _field_rules(refused) == [("body.code", "totp_invalid")]
    confirmed = await client.post("/api/v1/auth/totp/confirm", json={"code": totp.now()}, headers=headers)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["totp_enabled"] is True
    return totp


async def test_totp_second_factor(client: httpx.AsyncClient) -> None:
    totp = await _enrol(client, await bearer(client, "viewer", DEMO_PASSWORD))
    _problem(await _sign_in(client, "viewer", DEMO_PASSWORD), 401, "second_factor_required")
    _problem(await _sign_in(client, "viewer", DEMO_PASSWORD, totp="000000"), 401, "second_factor_required")
    # The code of the next time step (clock drift is tolerated); the confirmed one was this step's.
    code = totp.at(time.time() + totp.interval)
    signed_in = await _sign_in(client, "viewer", DEMO_PASSWORD, totp=code)
    assert signed_in.status_code == 200, signed_in.text
    assert _claims(signed_in)["amr"] == ["pwd", "otp"]
    refreshed = await client.post("/api/v1/auth/refresh", headers=_auth(signed_in))
    assert _claims(refreshed)["amr"] == ["pwd", "otp"]
    # A code works once.
    _problem(await _sign_in(client, "viewer", DEMO_PASSWORD, totp=code), 401, "second_factor_required")
    again = await client.post("/api/v1/auth/totp/enroll", headers=_auth(signed_in))
    _problem(again, 409, "totp_already_enabled")
    me = (await client.get("/api/v1/auth/me", headers=_auth(signed_in))).json()
    assert me["totp_enabled"] is True
    assert "totp_secret" not in me


@pytest_asyncio.fixture
async def strict_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """indicator-api requiring a second factor of the account and audit roles, as production does."""
    strict = settings.model_copy(update={"require_second_factor": True})
    async for started in running(create_app(strict)):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=started), base_url="http://indicator-api"
        ) as client:
            yield client


async def test_account_administration_needs_a_second_factor_when_required(
    strict_client: httpx.AsyncClient,
) -> None:
    client = strict_client
    password_only = await bearer(client, "security", DEMO_PASSWORD)
    _problem(
        await client.get("/api/v1/users", headers=password_only), 403, "second_factor_enrolment_required"
    )
    _problem(
        await client.post("/api/v1/users/viewer/disable", json={"reason": "x"}, headers=password_only),
        403,
        "second_factor_enrolment_required",
    )
    # The admin has no account administration at all; with the setting on, neither without a factor.
    admin = await bearer(client, "admin", DEMO_PASSWORD)
    assert (await client.get("/api/v1/users", headers=admin)).status_code == 403
    # Enrolment itself is open to the password-only token.
    totp = await _enrol(client, password_only)
    signed_in = await _sign_in(client, "security", DEMO_PASSWORD, totp=totp.at(time.time() + totp.interval))
    listed = await client.get("/api/v1/users", headers=_auth(signed_in))
    assert listed.status_code == 200, listed.text
