"""The three services in-process, wired to each other through ASGI transports (no sockets)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

import funding_api.config
import funding_api.main
import indicator_api.config
import indicator_api.main
import matching_api.config
import matching_api.main
from daye_dev.pytest_plugin import FreshDatabase, asgi_client, running

DEMO_PASSWORD = "demo-password-for-tests"
PEER_NAMES = ("matching-api", "funding-api")


@dataclass
class Platform:
    apps: dict[str, FastAPI]

    def client(self, name: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.apps[name]), base_url=f"http://{name}"
        )


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
        )

    async def load_demo(url: str) -> None:
        async for _ in running(indicator_api.main.create_app(indicator_settings(url))):
            pass

    indicator = indicator_api.main.create_app(
        indicator_settings(await fresh_database("indicator-demo", indicator_api.main.MIGRATIONS, load_demo))
    )
    apps: dict[str, FastAPI] = {"indicator-api": indicator}
    async for _ in running(indicator):
        peers = {
            "matching-api": matching_api.main.create_app(
                matching_api.config.Settings(
                    database_url=await fresh_database("matching", matching_api.main.MIGRATIONS),
                    migrate_on_start=False,
                    environment="test",
                    indicator_url="http://indicator-api",
                ),
                http_client_factory=lambda: asgi_client(apps),
            ),
            "funding-api": funding_api.main.create_app(
                funding_api.config.Settings(
                    database_url=await fresh_database("funding", funding_api.main.MIGRATIONS),
                    migrate_on_start=False,
                    environment="test",
                    indicator_url="http://indicator-api",
                ),
                http_client_factory=lambda: asgi_client(apps),
            ),
        }
        apps.update(peers)
        async for _ in running(peers["matching-api"]):
            async for _ in running(peers["funding-api"]):
                yield Platform(apps)
