"""funding-api in-process against a stand-in indicator-api.

The stand-in signs tokens with its own Ed25519 key and publishes it as JWKS, so funding-api verifies
callers exactly as in production; it serves the demo world's enterprises as the registry (paged, and
filtered by qualification and year as indicator-api filters them) and records the indicator values
funding-api sends. Against the real indicator-api: the root `tests/test_funding_across_services.py`
(in-process) and `tests/e2e/test_funding_processes.py` (real processes).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest_asyncio
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from daye_demo.enterprises import DEMO_ENTERPRISES, DemoEnterprise
from daye_dev.pytest_plugin import FreshDatabase, asgi_client, running
from daye_dev.stub_identity import StubIdentity
from daye_kit.timestamps import local_today
from funding_api.config import Settings
from funding_api.main import MIGRATIONS, create_app

CHECKER = "checker"  # a second bureau account: makers and checkers must differ
REGISTRY_PAGE_CAP = 25  # smaller than funding-api asks for, so reading the registry takes several pages


def _entry(enterprise: DemoEnterprise) -> dict[str, Any]:
    return {
        "credit_code": enterprise.credit_code,
        "name": enterprise.name,
        "region_code": enterprise.region_code,
        "industry": enterprise.industry,
        "qualifications": [
            {"kind": kind, "granted_year": day.year, "granted_on": day.isoformat(), "expires_on": None}
            for kind, day in enterprise.qualifications
        ],
    }


def _not_found(code: str) -> JSONResponse:
    return JSONResponse(
        {"type": "about:blank", "title": "x", "status": 404, "detail": code, "code": "enterprise_not_found"},
        status_code=404,
        media_type="application/problem+json",
    )


@dataclass
class StubIndicator(StubIdentity):
    """indicator-api as funding-api sees it, with the indicator values it was sent."""

    service_account: str = "svc-funding-api"
    enterprises: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {e.credit_code: _entry(e) for e in DEMO_ENTERPRISES}
    )
    values: dict[tuple[str, str, int, int], str] = field(default_factory=dict)
    # Every delivery to the inbox, duplicates included; applied once by event id as indicator-api does.
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    applied: set[str] = field(default_factory=set)

    def token_for(self, account: str) -> str:
        """The demo world's accounts: admin and checker (bureau), viewer, auditor, a unit code
        (township), a credit code (enterprise)."""
        if account in ("admin", CHECKER):
            return self.token(account, "admin")
        if account in ("viewer", "auditor"):
            return self.token(account, account)
        if re.fullmatch(r"420281\d{3}", account):
            return self.token(account, "township", region=account)
        if account in self.enterprises:
            return self.token(account, "enterprise", credit_code=account)
        raise KeyError(f"the stand-in indicator-api has no account {account}")

    def app(self) -> FastAPI:
        app = super().app()

        @app.get("/api/v1/platform")
        async def platform() -> dict[str, Any]:
            today = local_today().isoformat()
            return {"city_code": "420281", "city_name": "大冶市", "today": today, "as_of": today}

        @app.get("/api/v1/enterprises/{code}")
        async def enterprise(code: str) -> JSONResponse:
            found = self.enterprises.get(code)
            return JSONResponse(found) if found else _not_found(code)

        @app.get("/api/v1/enterprises")
        async def enterprises(
            qualification: str | None = None,
            granted_year: int | None = None,
            limit: int = 50,
            offset: int = 0,
        ) -> dict[str, Any]:
            held = [
                e
                for e in self.enterprises.values()
                if qualification is None
                or any(
                    q["kind"] == qualification and granted_year in (None, q["granted_year"])
                    for q in e["qualifications"]
                )
            ]
            return {"items": held[offset : offset + min(limit, REGISTRY_PAGE_CAP)], "total": len(held)}

        @app.post("/api/v1/inbox")
        async def inbox(request: Request) -> JSONResponse:
            event = await request.json()
            self.deliveries.append(event)
            if event["id"] in self.applied:
                return JSONResponse({"applied": False})
            self.applied.add(event["id"])
            data = event["data"]
            assert event["type"] == "outstanding.published", event["type"]
            for code, value in data["values"].items():
                self.values[(code, data["region_code"], data["year"], data["month"])] = value
            return JSONResponse({"applied": True})

        return app


@dataclass
class Stack:
    app: FastAPI
    funding: httpx.AsyncClient
    indicator: StubIndicator
    database_url: str

    async def deliver(self) -> int:
        """One pass of the outbox's dispatcher (the background one is off in these tests)."""
        delivered: int = await self.app.state.outbox_deliver()
        return delivered

    async def headers(self, account: str) -> dict[str, str]:
        """Authorization for a demo account (admin, checker, viewer, unit codes, credit codes)."""
        return {"Authorization": f"Bearer {self.indicator.token_for(account)}"}


@asynccontextmanager
async def start_stack(fresh_database: FreshDatabase, **funding: Any) -> AsyncIterator[Stack]:
    stub = StubIndicator()
    apps = {"indicator-api": stub.app()}
    url = await fresh_database("funding", MIGRATIONS)
    settings = Settings(
        database_url=url,
        migrate_on_start=False,
        environment="test",
        indicator_url="http://indicator-api",
        **{"outbox_dispatch": False, "webhook_dispatch": False, **funding},
    )
    app = create_app(settings, http_client_factory=lambda: asgi_client(apps))
    async for _ in running(app):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://funding-api"
        ) as client:
            yield Stack(app, client, stub, url)


@pytest_asyncio.fixture
async def stack(fresh_database: FreshDatabase) -> AsyncIterator[Stack]:
    async with start_stack(fresh_database) as started:
        yield started


@pytest_asyncio.fixture
async def admin(stack: Stack) -> dict[str, str]:
    return await stack.headers("admin")


@pytest_asyncio.fixture
async def checker(stack: Stack) -> dict[str, str]:
    return await stack.headers(CHECKER)
