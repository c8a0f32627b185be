from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from daye_dev.pytest_plugin import FreshDatabase, bearer, running
from indicator_api.config import Settings
from indicator_api.main import MIGRATIONS, create_app

DEMO_PASSWORD = "demo-password-for-tests"


@pytest.fixture(scope="session")
def signing_key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("keys") / "signing.pem"


def settings_for(database_url: str, signing_key_file: Path) -> Settings:
    return Settings(
        database_url=database_url,
        migrate_on_start=False,
        environment="test",
        demo=True,
        demo_password=DEMO_PASSWORD,
        signing_key_file=signing_key_file,
    )


@pytest_asyncio.fixture
async def settings(fresh_database: FreshDatabase, signing_key_file: Path) -> Settings:
    """A database of its own for each test, copied from a template that holds the demo data."""

    async def load_demo(url: str) -> None:
        async for _ in running(create_app(settings_for(url, signing_key_file))):
            pass

    return settings_for(await fresh_database("indicator-demo", MIGRATIONS, load_demo), signing_key_file)


@pytest_asyncio.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    async for started in running(create_app(settings)):
        yield started


@pytest_asyncio.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://indicator-api"
    ) as c:
        yield c


@pytest_asyncio.fixture
async def admin(client: httpx.AsyncClient) -> dict[str, str]:
    return await bearer(client, "admin", DEMO_PASSWORD)


@pytest_asyncio.fixture
async def security(client: httpx.AsyncClient) -> dict[str, str]:
    """The security administrator (安全管理员), who alone administers accounts."""
    return await bearer(client, "security", DEMO_PASSWORD)
