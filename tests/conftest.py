"""The three services in-process, wired to each other through ASGI transports (no sockets)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

import funding_api.config
import funding_api.main
import indicator_api.config
import indicator_api.main
import matching_api.config
import matching_api.main
from daye_dev.pytest_plugin import FreshDatabase, asgi_client, running

DEMO_PASSWORD = "demo-password-for-tests"
PEER_NAMES = ("matching-api", "funding-api")
# The peers fetch indicator-api's revocations this often (30 s in a deployment), so a test sees a
# revoked token refused after a short wait.
REVOCATION_REFRESH_SECONDS = 1.0


class Gate:
    """indicator-api as its peers reach it: `down` answers every call with a 503, as a proxy does
    in front of a service that is gone."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.down = False

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self.down and scope["type"] == "http":
            await PlainTextResponse("indicator-api is down", status_code=503)(scope, receive, send)
            return
        await self.app(scope, receive, send)


class ByHost:
    """The apps of `apps` by the host a call names, looked up when the call is made: indicator-api's
    client is built in its lifespan, before the peers it delivers closed periods to exist."""

    def __init__(self, apps: dict[str, Any]) -> None:
        self.apps = apps

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        host = dict(scope["headers"]).get(b"host", b"").decode().split(":")[0]
        await self.apps[host](scope, receive, send)


@dataclass
class Platform:
    apps: dict[str, FastAPI]
    indicator_gate: Gate

    def client(self, name: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.apps[name]), base_url=f"http://{name}"
        )

    async def deliver(self, name: str, passes: int = 10) -> int:
        """Passes of `name`'s outbox dispatcher (the background ones are off here), until one
        delivers nothing; how many events were delivered."""
        total = 0
        for _ in range(passes):
            delivered: int = await self.apps[name].state.outbox_deliver()
            if not delivered:
                break
            total += delivered
        return total


@pytest.fixture(scope="session")
def signing_key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("keys") / "signing.pem"


@pytest_asyncio.fixture
async def platform(fresh_database: FreshDatabase, signing_key_file: Path) -> AsyncIterator[Platform]:
    def indicator_settings(url: str) -> indicator_api.config.Settings:
        return indicator_api.config.Settings(
            database_url=url,
            migrate_on_start=False,
            environment="test",
            demo=True,
            demo_password=DEMO_PASSWORD,
            signing_key_file=signing_key_file,
            matching_url="http://matching-api",
            funding_url="http://funding-api",
            outbox_dispatch=False,
        )

    async def load_demo(url: str) -> None:
        async for _ in running(indicator_api.main.create_app(indicator_settings(url))):
            pass

    # indicator-api reaches its peers (closed periods through its outbox, the report's figures).
    indicator_peers: dict[str, Any] = {}
    indicator = indicator_api.main.create_app(
        indicator_settings(await fresh_database("indicator-demo", indicator_api.main.MIGRATIONS, load_demo)),
        http_client_factory=lambda: httpx.AsyncClient(
            transport=httpx.ASGITransport(app=ByHost(indicator_peers))
        ),
    )
    apps: dict[str, FastAPI] = {"indicator-api": indicator}
    gate = Gate(indicator)
    # The peers reach indicator-api through the gate, so a test can take it down.
    peer_apps = cast(dict[str, FastAPI], {"indicator-api": gate})
    async for _ in running(indicator):
        peers = {
            "matching-api": matching_api.main.create_app(
                matching_api.config.Settings(
                    database_url=await fresh_database("matching", matching_api.main.MIGRATIONS),
                    migrate_on_start=False,
                    environment="test",
                    indicator_url="http://indicator-api",
                    outbox_dispatch=False,
                    webhook_dispatch=False,
                    revocation_refresh_seconds=REVOCATION_REFRESH_SECONDS,
                ),
                http_client_factory=lambda: asgi_client(peer_apps),
            ),
            "funding-api": funding_api.main.create_app(
                funding_api.config.Settings(
                    database_url=await fresh_database("funding", funding_api.main.MIGRATIONS),
                    migrate_on_start=False,
                    environment="test",
                    indicator_url="http://indicator-api",
                    outbox_dispatch=False,
                    webhook_dispatch=False,
                    revocation_refresh_seconds=REVOCATION_REFRESH_SECONDS,
                ),
                http_client_factory=lambda: asgi_client(peer_apps),
            ),
        }
        apps.update(peers)
        peer_apps.update(peers)
        indicator_peers.update(peers)
        async for _ in running(peers["matching-api"]):
            async for _ in running(peers["funding-api"]):
                yield Platform(apps, gate)
