"""Typed clients of the services indicator-api calls (for the quarterly report and the policy
calculator), as itself."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

from daye_kit.auth import Principal, Role
from daye_kit.peer import PeerClient
from indicator_api.config import Settings
from indicator_api.identity.keys import SigningKey

SERVICE_PRINCIPAL = Principal(username="svc-indicator-api", role=Role.service)
# funding-api's page size cap (its `max_page_size`, 200 by default): whole collections are read in pages.
PEER_PAGE = 200


class MatchStats(BaseModel):
    """What the report reads of matching-api's statistics."""

    posted: int
    matched: int
    match_rate: Decimal | None = None


class Outstanding(BaseModel):
    """What the report reads of funding-api's unpaid total."""

    total: Decimal


class ProgramRule(BaseModel):
    """What the policy calculator reads of a programme's current no-application rule."""

    id: int
    version: int
    qualification: str
    granted_year: int
    amount: Decimal


class FundingProgram(BaseModel):
    """What the policy calculator reads of a funding programme."""

    id: int
    name: str
    source_level: str
    year: int
    rule: ProgramRule | None = None


class FundingAward(BaseModel):
    """What the policy calculator reads of an award."""

    id: int
    program_id: int
    credit_code: str
    amount: Decimal
    status: str
    mode: str


class _Programs(BaseModel):
    items: list[FundingProgram]
    total: int


class _Awards(BaseModel):
    items: list[FundingAward]
    total: int


class MatchingClient(PeerClient):
    peer_name = "matching-api"

    async def stats(self, *, start: date, end: date) -> MatchStats:
        return await self.get_model(MatchStats, "/api/v1/stats", params={"from": start, "to": end})


class FundingClient(PeerClient):
    peer_name = "funding-api"

    async def outstanding(self, *, as_of: date) -> Outstanding:
        return await self.get_model(Outstanding, "/api/v1/outstanding", params={"as_of": as_of})

    async def programs(self) -> list[FundingProgram]:
        """Every programme with its current rule (all pages)."""
        return await self._all(_Programs, "/api/v1/programs", {})

    async def awards(self, *, credit_code: str | None = None) -> list[FundingAward]:
        """Every award (all pages), or one enterprise's."""
        params = {"credit_code": credit_code} if credit_code else {}
        return await self._all(_Awards, "/api/v1/awards", params)

    async def _all(
        self, page: type[_Programs] | type[_Awards], path: str, params: dict[str, Any]
    ) -> list[Any]:
        items: list[Any] = []
        while True:
            answer = await self.get_model(
                page, path, params={**params, "limit": PEER_PAGE, "offset": len(items)}
            )
            items.extend(answer.items)
            if not answer.items or len(items) >= answer.total:
                return items


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
