"""funding-api with an in-process indicator-api (demo registry and accounts) behind ASGI transports."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

import indicator_api.config
import indicator_api.main
from daye_dev.pytest_plugin import FreshDatabase, asgi_client, bearer, running
from funding_api.config import Settings
from funding_api.main import MIGRATIONS, create_app

DEMO_PASSWORD = "demo-password-for-tests"
CHECKER = "checker"  # a second bureau account: makers and checkers must differ


@dataclass
class Stack:
    apps: dict[str, FastAPI]
    funding: httpx.AsyncClient
    indicator: httpx.AsyncClient
    database_url: str
    _tokens: dict[str, dict[str, str]] = field(default_factory=dict)

    async def headers(self, username: str) -> dict[str, str]:
        """Authorization for a demo account (admin, viewer, unit codes, credit codes, `checker`)."""
        if username not in self._tokens:
            if username == CHECKER:
                admin = await self.headers("admin")
                user = {
                    "username": CHECKER,
                    "role": "admin",
                    "password": DEMO_PASSWORD,
                    "display_name": "复核员",
                }
                created = await self.indicator.post("/api/v1/users", json=user, headers=admin)
                assert created.status_code == 201, created.text
            self._tokens[username] = await bearer(self.indicator, username, DEMO_PASSWORD)
        return self._tokens[username]

    @property
    def app(self) -> FastAPI:
        return self.apps["funding-api"]


@pytest.fixture(scope="session")
def signing_key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("keys") / "signing.pem"


@asynccontextmanager
async def start_stack(
    fresh_database: FreshDatabase, signing_key_file: Path, **funding: Any
) -> AsyncIterator[Stack]:
    indicator = indicator_api.main.create_app(
        indicator_api.config.Settings(
            database_url=await fresh_database("indicator", indicator_api.main.MIGRATIONS),
            migrate_on_start=False,
            environment="test",
            demo=True,
            demo_password=DEMO_PASSWORD,
            signing_key_file=signing_key_file,
        )
    )
    apps: dict[str, FastAPI] = {"indicator-api": indicator}
    url = await fresh_database("funding", MIGRATIONS)
    async for _ in running(indicator):
        app = create_app(
            Settings(
                database_url=url,
                migrate_on_start=False,
                environment="test",
                indicator_url="http://indicator-api",
                **funding,
            ),
            http_client_factory=lambda: asgi_client(apps),
        )
        apps["funding-api"] = app
        async for _ in running(app):
            async with (
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://funding-api") as f,
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=indicator), base_url="http://indicator-api"
                ) as i,
            ):
                yield Stack(apps, f, i, url)


@pytest_asyncio.fixture
async def stack(fresh_database: FreshDatabase, signing_key_file: Path) -> AsyncIterator[Stack]:
    async with start_stack(fresh_database, signing_key_file) as started:
        yield started


@pytest_asyncio.fixture
async def admin(stack: Stack) -> dict[str, str]:
    return await stack.headers("admin")


@pytest_asyncio.fixture
async def checker(stack: Stack) -> dict[str, str]:
    return await stack.headers(CHECKER)
