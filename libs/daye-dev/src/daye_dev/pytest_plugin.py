"""The platform's pytest plugin: database backends, a clean database per test, in-process peers.

A test that asks for `backend` (directly or through `fresh_database`) runs once on SQLite and once
on PostgreSQL. PostgreSQL is found at TEST_POSTGRES_URL (default the local server); where it is
unreachable its tests are skipped, except under CI=true, where that is a failure. The terminal
summary says which backends ran.
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Protocol

import httpx
import pytest
import pytest_asyncio
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from daye_dev.databases import MigratedTemplates, PostgresDatabases, Prepare, postgres_unreachable_reason

BACKENDS = ("sqlite", "postgresql")
_outcomes: dict[str, Counter[str]] = {backend: Counter() for backend in BACKENDS}
_postgres_problem: list[str] = []


class FreshDatabase(Protocol):
    async def __call__(self, label: str, migrations: Path, prepare: Prepare | None = None) -> str: ...


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest_asyncio.fixture(scope="session")
async def _templates(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[MigratedTemplates]:
    postgres = PostgresDatabases()
    templates = MigratedTemplates(tmp_path_factory.mktemp("databases"), postgres)
    try:
        yield templates
    finally:
        await postgres.drop_all()


@pytest_asyncio.fixture(scope="session")
async def _postgres_available() -> str | None:
    reason = await postgres_unreachable_reason()
    if reason:
        _postgres_problem.append(reason)
    return reason


def require_postgres() -> None:
    """For the end-to-end tests' fixtures, outside any event loop: skip without PostgreSQL, or fail
    under CI."""
    _require_postgres(asyncio.run(postgres_unreachable_reason()))


def _require_postgres(problem: str | None) -> None:
    if problem:
        if in_ci():
            pytest.fail(f"CI needs PostgreSQL: {problem}")
        pytest.skip(problem)


@pytest_asyncio.fixture
async def fresh_database(
    backend: str, _templates: MigratedTemplates, _postgres_available: str | None
) -> AsyncIterator[FreshDatabase]:
    """`await fresh_database(label, migrations, prepare)`: the URL of a new migrated database on this
    backend, discarded after the test. `prepare(url)` fills the label's template once (demo data)."""
    if backend == "postgresql":
        _require_postgres(_postgres_available)
    made: list[str] = []

    async def fresh(label: str, migrations: Path, prepare: Prepare | None = None) -> str:
        made.append(await _templates.fresh(label, backend, migrations, prepare))
        return made[-1]

    yield fresh
    for url in made:
        await _templates.discard(url)


@pytest_asyncio.fixture
async def empty_database(
    backend: str, _templates: MigratedTemplates, _postgres_available: str | None, tmp_path: Path
) -> str:
    """A URL of a database with nothing in it, not even the schema (migration and outage tests)."""
    if backend == "postgresql":
        _require_postgres(_postgres_available)
        return await _templates.postgres.create("empty")
    return f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"


@pytest_asyncio.fixture
async def empty_postgres_database(_templates: MigratedTemplates, _postgres_available: str | None) -> str:
    """An empty PostgreSQL database, for what only PostgreSQL has (server connections, roles)."""
    _require_postgres(_postgres_available)
    return await _templates.postgres.create("empty")


async def running(app: FastAPI) -> AsyncIterator[FastAPI]:
    """Runs the app's lifespan around a test."""
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=30):
        yield app


def asgi_client(apps: Mapping[str, FastAPI]) -> httpx.AsyncClient:
    """An HTTP client whose calls to `http://<name>` reach the in-process app of that name."""
    return httpx.AsyncClient(
        mounts={f"http://{name}": httpx.ASGITransport(app=app) for name, app in apps.items()}
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The backend travels in the report's user properties, so under pytest-xdist the controller,
    # which collects nothing itself, still counts each worker's tests by backend.
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "backend" in callspec.params:
            item.user_properties.append(("backend", callspec.params["backend"]))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    backend = dict(report.user_properties).get("backend")
    if backend not in _outcomes:
        return
    # A test counts once: its call, or the setup that failed or skipped it.
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        _outcomes[backend][report.outcome] += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    ran = {b: c for b, c in _outcomes.items() if sum(c.values())}
    if not ran and not _postgres_problem:
        return
    terminalreporter.section("database backends")
    for backend in BACKENDS:
        counts = _outcomes[backend]
        if sum(counts.values()):
            parts = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))
            terminalreporter.write_line(f"{backend}: {parts}")
        else:
            terminalreporter.write_line(f"{backend}: no tests ran")
    for problem in _postgres_problem:
        terminalreporter.write_line(f"postgresql: {problem}")


async def bearer(client: httpx.AsyncClient, username: str, password: str) -> dict[str, str]:
    """Signs in at indicator-api (through `client`) and returns the Authorization header."""
    response = await client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}
