"""Token verification: each token's signature is checked once and its expiry on every use; on the
services that do not hold the signing key, API keys are re-checked at indicator-api every minute, so
a revoked key stops working everywhere."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import Request

from daye_kit.auth import (
    TOKEN_AUDIENCE,
    TOKEN_ISSUER,
    JwksAuthenticator,
    Principal,
    Role,
    require_roles,
    verified_claims,
)
from daye_kit.errors import Forbidden, Unauthorized

KEY = Ed25519PrivateKey.generate()


def issued_token() -> str:
    now = int(time.time())
    claims = {"sub": "erp", "role": "viewer", "iss": TOKEN_ISSUER, "aud": TOKEN_AUDIENCE, "iat": now}
    return jwt.encode({**claims, "exp": now + 3600}, KEY, algorithm="EdDSA", headers={"kid": "k1"})


def authenticator(**options: Any) -> tuple[JwksAuthenticator, list[str]]:
    exchanged: list[str] = []

    async def jwks() -> dict[str, Any]:
        public = jwt.algorithms.OKPAlgorithm.to_jwk(KEY.public_key(), as_dict=True)
        return {"keys": [{**public, "kid": "k1"}]}

    async def exchange(api_key: str) -> str:
        exchanged.append(api_key)
        return issued_token()

    return JwksAuthenticator(jwks, exchange, **options), exchanged


async def test_an_api_key_is_exchanged_once_within_its_minute() -> None:
    within_a_minute, exchanged = authenticator()
    for _ in range(3):
        assert (await within_a_minute.from_api_key("dk_a_secret")).username == "erp"
    assert exchanged == ["dk_a_secret"]


async def test_once_the_minute_is_over_indicator_is_asked_again() -> None:
    # The token itself lives an hour; a recheck interval of 0 stands for "the minute has passed".
    every_time, exchanged = authenticator(api_key_recheck_seconds=0)
    for _ in range(3):
        await every_time.from_api_key("dk_a_secret")
    assert exchanged == ["dk_a_secret"] * 3


def test_a_token_checked_once_still_expires_on_time() -> None:
    now = int(time.time())
    claims = {"sub": "erp", "role": "viewer", "iss": TOKEN_ISSUER, "aud": TOKEN_AUDIENCE, "iat": now}
    token = jwt.encode({**claims, "exp": now + 2}, KEY, algorithm="EdDSA", headers={"kid": "k1"})
    assert verified_claims(token, KEY.public_key())["sub"] == "erp"
    time.sleep(now + 2.05 - time.time())
    with pytest.raises(Unauthorized) as expired:
        verified_claims(token, KEY.public_key())
    assert expired.value.code == "token_expired"


def test_a_token_is_checked_against_the_key_it_is_given() -> None:
    token = issued_token()
    assert verified_claims(token, KEY.public_key())["sub"] == "erp"
    with pytest.raises(Unauthorized):
        verified_claims(token, Ed25519PrivateKey.generate().public_key())


def _request(method: str) -> Request:
    return Request({"type": "http", "method": method, "path": "/", "headers": []})


async def test_the_auditor_reads_where_the_bureau_reads_and_nowhere_else() -> None:
    auditor = Principal(username="auditor", role=Role.auditor)
    bureau_only = require_roles(Role.admin)
    assert await bureau_only(_request("GET"), auditor) is auditor
    with pytest.raises(Forbidden):
        await bureau_only(_request("POST"), auditor)
    # Where the bureau is not admitted (a peer's inbox), neither is the auditor, even to read.
    with pytest.raises(Forbidden):
        await require_roles(Role.service)(_request("GET"), auditor)


async def test_the_security_administrator_reaches_no_business_data() -> None:
    security = Principal(username="security", role=Role.security_admin)
    with pytest.raises(Forbidden):
        await require_roles(Role.admin)(_request("GET"), security)
    with pytest.raises(Forbidden):
        security.ensure_region("420281101")
    with pytest.raises(Forbidden):
        security.ensure_enterprise("91420281MA0000001H")
    assert not security.sees_everything
    assert Principal(username="auditor", role=Role.auditor).sees_everything
