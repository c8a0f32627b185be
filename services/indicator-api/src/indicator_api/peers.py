"""Typed clients of the services indicator-api calls (for the quarterly report), as itself."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from fastapi import FastAPI
from pydantic import BaseModel

from daye_kit.auth import Principal, Role
from daye_kit.peer import PeerClient
from indicator_api.config import Settings
from indicator_api.identity.keys import SigningKey

SERVICE_PRINCIPAL = Principal(username="svc-indicator-api", role=Role.service)


class MatchStats(BaseModel):
    """What the report reads of matching-api's statistics."""

    posted: int
    matched: int
    match_rate: Decimal | None = None


class Outstanding(BaseModel):
    """What the report reads of funding-api's unpaid total."""

    total: Decimal


class MatchingClient(PeerClient):
    peer_name = "matching-api"

    async def stats(self, *, start: date, end: date) -> MatchStats:
        return await self.get_model(MatchStats, "/api/v1/stats", params={"from": start, "to": end})


class FundingClient(PeerClient):
    peer_name = "funding-api"

    async def outstanding(self, *, as_of: date) -> Outstanding:
        return await self.get_model(Outstanding, "/api/v1/outstanding", params={"as_of": as_of})


async def connect_peers(app: FastAPI) -> None:
    """Lifespan hook: indicator-api calls its peers with a short token it signs for itself."""
    settings: Settings = app.state.settings
    key: SigningKey = app.state.signing_key

    async def own_token() -> str:
        return key.issue(SERVICE_PRINCIPAL, 300)[0]

    common = {
        "timeout": settings.peer_timeout_seconds,
        "retries": settings.peer_retries,
        "token_source": own_token,
    }
    app.state.matching = MatchingClient(app.state.http, settings.matching_url, **common)  # type: ignore[arg-type]
    app.state.funding = FundingClient(app.state.http, settings.funding_url, **common)  # type: ignore[arg-type]
