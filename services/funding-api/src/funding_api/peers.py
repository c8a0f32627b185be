"""Typed clients of the services funding-api calls."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from daye_kit.errors import PeerError
from daye_kit.peer import PeerClient

REGISTRY_PAGE = 200


class RegistryQualification(BaseModel):
    model_config = ConfigDict(extra="ignore")

    kind: str
    granted_year: int
    granted_on: date
    expires_on: date | None = None


class RegistryEnterprise(BaseModel):
    """An enterprise as indicator-api's registry describes it (only what funding-api uses)."""

    model_config = ConfigDict(extra="ignore")

    credit_code: str
    name: str
    region_code: str
    qualifications: list[RegistryQualification] = Field(default_factory=list)

    def granted(self, kind: str, year: int) -> bool:
        return any(q.kind == kind and q.granted_year == year for q in self.qualifications)


class RegistryPage(BaseModel):
    items: list[RegistryEnterprise]
    total: int


class PlatformFacts(BaseModel):
    """What a publication reads of indicator-api's `/api/v1/platform`."""

    model_config = ConfigDict(extra="ignore")

    as_of: date


class IndicatorClient(PeerClient):
    """indicator-api: the enterprise registry and the indicators this service feeds.

    Calls are made with funding-api's own service token.
    """

    peer_name = "indicator-api"

    async def reporting_day(self) -> date:
        """The day the platform reports at (`GET /api/v1/platform`'s `as_of`): today in Daye, or
        the day the screens are set to (the demo's 2025-09-30), so a scheduled publication lands in
        the period the dashboard shows."""
        return (await self.get_model(PlatformFacts, "/api/v1/platform")).as_of

    async def get_enterprise(self, credit_code: str) -> RegistryEnterprise | None:
        """The registry's record, or None when the registry does not know the code."""
        try:
            return await self.get_model(RegistryEnterprise, f"/api/v1/enterprises/{credit_code}")
        except PeerError as exc:
            if exc.peer_status == 404 and exc.peer_code in ("enterprise_not_found", "not_found"):
                return None
            raise

    async def list_enterprises(self, **filters: Any) -> list[RegistryEnterprise]:
        """Every enterprise matching the filters (`qualification=hte`, `granted_year=2024`, …), all pages."""
        found: list[RegistryEnterprise] = []
        while True:
            params = {**filters, "limit": REGISTRY_PAGE, "offset": len(found)}
            page = await self.get_model(RegistryPage, "/api/v1/enterprises", params=params)
            found += page.items
            if not page.items or len(found) >= page.total:
                return found
