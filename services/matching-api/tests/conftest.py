"""matching-api in-process against a stand-in indicator-api.

The stand-in signs tokens with its own Ed25519 key and publishes it as JWKS, so matching-api
verifies callers exactly as in production; it serves the registry entries, technology contracts and
indicator values matching-api calls, and records what it received. Cross-service tests against
the real indicator-api live in the root `tests/test_matching_*.py`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest_asyncio
from fastapi import FastAPI, Header, Request
from fastapi.responses import JSONResponse

from daye_demo.enterprises import demo_credit_code
from daye_dev.pytest_plugin import FreshDatabase, asgi_client, running
from daye_dev.stub_identity import StubIdentity
from daye_kit.timestamps import local_today
from matching_api.config import Settings
from matching_api.main import MIGRATIONS, create_app

FOUNDRY = demo_credit_code(1)  # 大冶市华鑫铸造有限公司, 金牛镇, 科技型中小企业
EXCHANGER = demo_credit_code(2)  # 湖北金港换热器科技有限公司, 大冶湖高新区, 高新技术企业
ALUMINIUM = demo_credit_code(3)  # 大冶市鑫铝精密铝加工有限公司, 还地桥镇
UNKNOWN = demo_credit_code(99_999)  # past the end of the demo registry


def _registry() -> dict[str, dict[str, Any]]:
    def enterprise(code: str, name: str, region: str, industry: str, quals: list[str]) -> dict[str, Any]:
        return {
            "credit_code": code,
            "name": name,
            "region_code": region,
            "industry": industry,
            "registered_on": "2010-01-01",
            "qualifications": [
                {"kind": k, "granted_year": 2024, "granted_on": "2024-01-10", "expires_on": "2099-12-31"}
                for k in quals
            ],
        }

    return {
        FOUNDRY: enterprise(FOUNDRY, "大冶市华鑫铸造有限公司", "420281101", "铸造", ["tech_sme"]),
        EXCHANGER: enterprise(EXCHANGER, "湖北金港换热器科技有限公司", "420281401", "换热器", ["hte"]),
        ALUMINIUM: enterprise(ALUMINIUM, "大冶市鑫铝精密铝加工有限公司", "420281105", "铝加工", []),
    }


@dataclass
class StubIndicator(StubIdentity):
    """indicator-api as matching-api sees it, with what it was sent."""

    service_account: str = "svc-matching-api"
    enterprises: dict[str, dict[str, Any]] = field(default_factory=_registry)
    contracts: dict[str, dict[str, Any]] = field(default_factory=dict)
    idempotency_keys: list[str] = field(default_factory=list)
    values: list[dict[str, Any]] = field(default_factory=list)
    fail_contracts: bool = False
    # The inbox: every delivery as it came (repeats included), the events applied once by id, and
    # how many deliveries to refuse with a 503 before taking them again (a peer down, then back).
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    applied: dict[str, dict[str, Any]] = field(default_factory=dict)
    refuse_inbox: int = 0

    def app(self) -> FastAPI:
        app = super().app()

        @app.get("/api/v1/platform")
        async def platform() -> dict[str, Any]:
            today = local_today().isoformat()
            return {"city_code": "420281", "city_name": "大冶市", "today": today, "as_of": today}

        @app.get("/api/v1/regions")
        async def regions() -> dict[str, Any]:
            units = {"420281101": "金牛镇", "420281105": "还地桥镇", "420281401": "大冶湖高新区"}
            items = [{"code": c, "name": n, "kind": "镇", "parent_code": "420281"} for c, n in units.items()]
            return {"items": items, "total": len(items)}

        @app.get("/api/v1/enterprises/{code}")
        async def enterprise(code: str) -> JSONResponse:
            if code not in self.enterprises:
                return JSONResponse(
                    {
                        "status": 404,
                        "code": "enterprise_not_found",
                        "title": "x",
                        "detail": code,
                        "type": "x",
                    },
                    status_code=404,
                    media_type="application/problem+json",
                )
            return JSONResponse(self.enterprises[code])

        @app.post("/api/v1/tech-contracts")
        async def contract(request: Request, idempotency_key: str = Header(...)) -> JSONResponse:
            if self.fail_contracts:
                return JSONResponse({"status": 503, "code": "unavailable"}, status_code=503)
            body = await request.json()
            self.idempotency_keys.append(idempotency_key)
            replay = body["source_id"] in self.contracts
            self.contracts[body["source_id"]] = body
            return JSONResponse(body, status_code=200 if replay else 201)

        @app.post("/api/v1/inbox")
        async def inbox(request: Request) -> JSONResponse:
            if self.refuse_inbox:
                self.refuse_inbox -= 1
                return JSONResponse({"status": 503, "code": "unavailable"}, status_code=503)
            event = await request.json()
            self.deliveries.append(event)
            fresh = event["id"] not in self.applied
            if fresh:
                self.applied[event["id"]] = event
                self._apply(event)
            return JSONResponse({"applied": fresh})

        @app.post("/api/v1/indicators/{code}/values")
        async def value(code: str, request: Request) -> JSONResponse:
            self.values.append({"code": code, **(await request.json())})
            return JSONResponse(self.values[-1], status_code=201)

        return app

    def _apply(self, event: dict[str, Any]) -> None:
        """What indicator-api does with a docking's events, reduced to its contract book."""
        data = event["data"]
        if event["type"] == "match_stats.published":
            for code, value in data["values"].items():
                self.values.append(
                    {
                        "code": code,
                        "region_code": data["region_code"],
                        "year": data["year"],
                        "month": data["month"],
                        "value": str(value),
                        "provenance": "administrative",
                        "note": data["note"],
                    }
                )
            return
        source_id = str(data["match_id"])
        if event["type"] == "match.undone":
            if source_id in self.contracts:
                self.contracts[source_id]["status"] = "cancelled"
        elif data["contract"] is not None:
            self.contracts[source_id] = {
                "source": "matching-api",
                "source_id": source_id,
                "credit_code": data["credit_code"],
                **data["contract"],
                "status": "active",
            }


@dataclass
class Matching:
    app: FastAPI
    client: httpx.AsyncClient
    indicator: StubIndicator

    def as_(self, username: str, role: str, **claims: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.indicator.token(username, role, **claims)}"}

    @property
    def admin(self) -> dict[str, str]:
        return self.as_("admin", "admin")

    def enterprise(self, code: str) -> dict[str, str]:
        return self.as_(code, "enterprise", credit_code=code)

    def township(self, region: str) -> dict[str, str]:
        return self.as_(region, "township", region=region)

    def supplier(self, username: str) -> dict[str, str]:
        """A university's, institute's or bank's own account (院所答题)."""
        return self.as_(username, "supplier")

    async def deliver(self) -> int:
        """One pass of the outbox's dispatcher (the background one is off in these tests)."""
        delivered: int = await self.app.state.outbox_deliver()
        return delivered

    async def deliver_all(self, passes: int = 10) -> None:
        for _ in range(passes):
            if not await self.deliver():
                return


MakeMatching = Callable[..., Any]


@pytest_asyncio.fixture
async def make_matching(fresh_database: FreshDatabase) -> AsyncIterator[MakeMatching]:
    """`await make_matching(**settings)`: a running matching-api (more than one share nothing but
    what they are given, e.g. the same database URL for two replicas)."""
    stacks: list[Any] = []

    async def make(
        *, database_url: str | None = None, indicator: StubIndicator | None = None, **overrides: Any
    ) -> Matching:
        stub = indicator or StubIndicator()
        settings = Settings(
            database_url=database_url or await fresh_database("matching", MIGRATIONS),
            migrate_on_start=False,
            environment="test",
            indicator_url="http://indicator-api",
            **{"outbox_dispatch": False, "webhook_dispatch": False, **overrides},
        )
        apps: Mapping[str, FastAPI] = {"indicator-api": stub.app()}
        app = create_app(settings, http_client_factory=lambda: asgi_client(apps))
        lifespan = running(app)
        await lifespan.__anext__()
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://matching-api")
        stacks.append((lifespan, client))
        return Matching(app, client, stub)

    yield make
    for lifespan, client in reversed(stacks):
        await client.aclose()
        await lifespan.aclose()


@pytest_asyncio.fixture
async def matching(make_matching: MakeMatching) -> Matching:
    made: Matching = await make_matching()
    return made
