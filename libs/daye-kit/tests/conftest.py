"""The kit's own test app: `build_app` serving a module's routers on a SQLite file of the test's, and
an HTTP client over it. A module defines its `app` fixture with `kit_app(router, …)`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from fastapi import APIRouter, FastAPI

from daye_kit.app import ServiceSpec, build_app
from daye_kit.settings import ServiceSettings


@pytest.fixture
def kit_app(tmp_path: Path) -> Callable[..., FastAPI]:
    def build(*routers: APIRouter) -> FastAPI:
        spec = ServiceSpec(
            name="kit-test",
            title="kit test",
            description="",
            version="0",
            routers=routers,
            migrations=tmp_path,
        )
        return build_app(spec, ServiceSettings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"))

    return build


@pytest_asyncio.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Unhandled errors come back as the kit's 500 problem, not as the test's exception."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://kit") as client:
        yield client
