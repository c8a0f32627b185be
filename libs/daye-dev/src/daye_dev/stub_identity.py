"""indicator-api's identity as a peer service sees it, for the peers' unit tests: tokens signed with
a key of its own and published as JWKS, so the service under test verifies callers exactly as in
production, and its service key exchanged for a service token. A test's stand-in indicator-api
extends `app()` with the registry and whatever else that peer calls."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI, Form

from daye_kit.auth import TOKEN_AUDIENCE, TOKEN_ISSUER

KID = "stub-key"


@dataclass
class StubIdentity:
    service_account: str = "svc-peer"
    key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)

    def token(self, username: str, role: str, **claims: str) -> str:
        now = int(time.time())
        body = {
            "sub": username,
            "role": role,
            "iss": TOKEN_ISSUER,
            "aud": TOKEN_AUDIENCE,
            "iat": now,
            "exp": now + 600,
            "jti": uuid.uuid4().hex,
            **claims,
        }
        return jwt.encode(body, self.key, algorithm="EdDSA", headers={"kid": KID})

    def app(self) -> FastAPI:
        app = FastAPI()
        public = jwt.algorithms.OKPAlgorithm.to_jwk(self.key.public_key(), as_dict=True)

        @app.get("/healthz")
        async def healthz() -> dict[str, str]:
            return {"status": "ok"}

        @app.get("/api/v1/auth/jwks")
        async def jwks() -> dict[str, Any]:
            return {"keys": [{**public, "kid": KID, "alg": "EdDSA", "use": "sig"}]}

        @app.get("/api/v1/auth/revocations")
        async def revocations() -> dict[str, Any]:
            return {"items": [], "revoked_sessions": []}

        @app.post("/api/v1/auth/token")
        async def token(client_secret: str = Form(...)) -> dict[str, Any]:
            return {"access_token": self.token(self.service_account, "service"), "token_type": "bearer"}

        return app
