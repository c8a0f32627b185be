"""Typed clients of the services matching-api calls."""

from __future__ import annotations

import time
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from daye_kit.errors import NotFound, PeerError, PeerUnavailable
from daye_kit.money import format_yuan
from daye_kit.peer import PeerClient


class EnterpriseQualification(BaseModel):
    model_config = ConfigDict(extra="ignore")

    kind: str
    granted_on: date
    expires_on: date | None = None

    def held_on(self, day: date) -> bool:
        return self.granted_on <= day and (self.expires_on is None or self.expires_on >= day)


class Enterprise(BaseModel):
    """What matching-api reads of indicator-api's registry."""

    model_config = ConfigDict(extra="ignore")

    credit_code: str
    name: str
    region_code: str
    industry: str = ""
    qualifications: list[EnterpriseQualification] = Field(default_factory=list)

    def qualifications_on(self, day: date) -> list[str]:
        return sorted({q.kind for q in self.qualifications if q.held_on(day)})


class PlatformFacts(BaseModel):
    """What a publication reads of indicator-api's `/api/v1/platform`."""

    model_config = ConfigDict(extra="ignore")

    as_of: date


class Region(BaseModel):
    model_config = ConfigDict(extra="ignore")

    code: str
    name: str


class Regions(BaseModel):
    model_config = ConfigDict(extra="ignore")

    items: list[Region]


UNIT_NAMES_SECONDS = 3600.0  # reporting units change a few times a decade


class IndicatorClient(PeerClient):
    """indicator-api: the enterprise registry and the indicators this service feeds."""

    peer_name = "indicator-api"
    _unit_names: dict[str, str] | None = None
    _unit_names_at: float = 0.0

    async def unit_names(self) -> dict[str, str]:
        """Reporting unit code → name (`GET /api/v1/regions`, public), kept an hour. A peer that
        cannot answer gives no names (callers show the code's city instead), never an error."""
        now = time.monotonic()
        if self._unit_names is not None and now - self._unit_names_at < UNIT_NAMES_SECONDS:
            return self._unit_names
        try:
            regions = await self.get_model(Regions, "/api/v1/regions")
        except (PeerError, PeerUnavailable):
            # Asked again in a minute, not on every read while the peer is down.
            self._unit_names = self._unit_names or {}
            self._unit_names_at = now - UNIT_NAMES_SECONDS + 60
            return self._unit_names
        self._unit_names = {r.code: r.name for r in regions.items}
        self._unit_names_at = now
        return self._unit_names

    async def reporting_day(self) -> date:
        """The day the platform reports at (`GET /api/v1/platform`'s `as_of`): today in Daye, or
        the day the screens are set to (the demo's 2025-09-30), so a scheduled publication lands in
        the period the dashboard shows."""
        return (await self.get_model(PlatformFacts, "/api/v1/platform")).as_of

    async def get_enterprise(self, credit_code: str, *, token: str | None = None) -> Enterprise:
        """The registry's entry; `NotFound(enterprise_not_found)` when it has none."""
        try:
            return await self.get_model(Enterprise, f"/api/v1/enterprises/{credit_code}", token=token)
        except PeerError as exc:
            if exc.peer_status == 404:
                raise NotFound(
                    f"enterprise {credit_code} is not in indicator-api's registry",
                    code="enterprise_not_found",
                ) from exc
            raise

    async def report_tech_contract(
        self,
        *,
        match_id: int,
        credit_code: str,
        amount: Decimal,
        contract_type: str,
        signed_on: date,
    ) -> dict[str, Any]:
        """A docking that succeeded with a contract becomes a technology-contract record (it moves
        `tech_contract_turnover`). Safe to repeat: the peer answers a replay of the same source id
        with the record it already holds, so the call carries an Idempotency-Key and may be retried."""
        response = await self.request(
            "POST",
            "/api/v1/tech-contracts",
            json={
                "source": "matching-api",
                "source_id": str(match_id),
                "credit_code": credit_code,
                "amount": format_yuan(amount),
                "contract_type": contract_type,
                "signed_on": signed_on.isoformat(),
            },
            headers={"Idempotency-Key": f"matching-api:{match_id}"},
        )
        body: dict[str, Any] = self.json_of(response)
        return body

    async def record_indicator_value(
        self, code: str, *, region_code: str, year: int, month: int, value: int, note: str
    ) -> dict[str, Any]:
        response = await self.request(
            "POST",
            f"/api/v1/indicators/{code}/values",
            json={
                "region_code": region_code,
                "year": year,
                "month": month,
                "value": str(value),
                "provenance": "administrative",
                "note": note,
            },
        )
        body: dict[str, Any] = self.json_of(response)
        return body
