"""The Ed25519 key that signs every token, and the JWKS that publishes its public half."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
import uuid
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from daye_kit.auth import TOKEN_ALGORITHM, TOKEN_AUDIENCE, TOKEN_ISSUER, Principal, claims_for
from indicator_api.config import Settings


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass(frozen=True)
class SigningKey:
    private_key: Ed25519PrivateKey

    @cached_property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    @property
    def public_jwk(self) -> dict[str, str]:
        raw = self.public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        jwk = {"kty": "OKP", "crv": "Ed25519", "x": _b64(raw)}
        # RFC 7638 thumbprint: every replica holding the same key publishes the same kid.
        thumbprint = hashlib.sha256(json.dumps(jwk, separators=(",", ":"), sort_keys=True).encode()).digest()
        return {**jwk, "kid": _b64(thumbprint), "alg": TOKEN_ALGORITHM, "use": "sig"}

    @property
    def kid(self) -> str:
        return self.public_jwk["kid"]

    def issue(self, principal: Principal, ttl_seconds: int) -> tuple[str, int]:
        now = int(time.time())
        claims: dict[str, Any] = {
            **claims_for(principal),
            "iss": TOKEN_ISSUER,
            "aud": TOKEN_AUDIENCE,
            "iat": now,
            "exp": now + ttl_seconds,
            "jti": uuid.uuid4().hex,
        }
        token = jwt.encode(claims, self.private_key, algorithm=TOKEN_ALGORITHM, headers={"kid": self.kid})
        return token, ttl_seconds


def _from_pem(pem: bytes) -> SigningKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the signing key must be an Ed25519 private key")
    return SigningKey(key)


def load_signing_key(settings: Settings) -> SigningKey:
    """From the setting, else the key file, else (outside production) a new key file.

    The new file appears whole through a hard link that fails if another replica got there first,
    so replicas starting together on one host agree on one key.
    """
    if settings.signing_key is not None:
        return _from_pem(settings.signing_key.get_secret_value().encode())
    path = settings.signing_key_file
    if path.is_file():
        return _from_pem(path.read_bytes())
    if settings.environment == "production":
        raise RuntimeError(f"signing key file {path} does not exist")
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    staging = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    try:
        os.link(staging, path)
    except FileExistsError:
        return _from_pem(path.read_bytes())
    finally:
        staging.unlink()
    return _from_pem(pem)
