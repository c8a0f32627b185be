"""Migrated databases for tests: one template per service and backend, a clean copy per test.

SQLite: the template file is migrated once and copied for every test. PostgreSQL: a template
database per service is migrated once per run; every test gets `CREATE DATABASE … TEMPLATE` of it
(reference rows that migrations insert come along) and drops it afterwards.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import anyio
import asyncpg
from sqlalchemy.engine import make_url

from daye_kit.db import create_engine, upgrade_schema

Prepare = Callable[[str], Awaitable[None]]
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def postgres_admin_url() -> str:
    """`TEST_POSTGRES_URL` (any database on the server; the run creates its own beside it)."""
    return os.environ.get("TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _sqlalchemy_url(url: str, database: str) -> str:
    return (
        make_url(url)
        .set(drivername="postgresql+asyncpg", database=database)
        .render_as_string(hide_password=False)
    )


async def postgres_unreachable_reason() -> str | None:
    try:
        conn = await asyncpg.connect(_asyncpg_dsn(postgres_admin_url()), timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        return f"PostgreSQL at {make_url(postgres_admin_url()).render_as_string()} unreachable: {exc!r}"
    await conn.close()
    return None


@dataclass
class PostgresDatabases:
    """Databases this test run made on the server, dropped at the end."""

    created: list[str] = field(default_factory=list)

    async def create(self, label: str, *, template: str | None = None) -> str:
        name = f"daye_test_{label}_{os.getpid()}_{uuid.uuid4().hex[:8]}".replace("-", "_")
        copy = f' TEMPLATE "{make_url(template).database}"' if template else ""
        conn = await asyncpg.connect(_asyncpg_dsn(postgres_admin_url()))
        try:
            await conn.execute(f'CREATE DATABASE "{name}"{copy}')
        finally:
            await conn.close()
        self.created.append(name)
        return _sqlalchemy_url(postgres_admin_url(), name)

    async def drop(self, url: str) -> None:
        name = make_url(url).database
        conn = await asyncpg.connect(_asyncpg_dsn(postgres_admin_url()))
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()
        if name in self.created:
            self.created.remove(name)

    async def drop_all(self) -> None:
        for name in list(self.created):
            await self.drop(_sqlalchemy_url(postgres_admin_url(), name))


async def migrate(url: str, migrations: Path) -> None:
    engine = create_engine(url)
    try:
        await upgrade_schema(engine, migrations)
    finally:
        await engine.dispose()


@dataclass
class MigratedTemplates:
    """One migrated database per (service, backend), made on first use."""

    workdir: Path
    postgres: PostgresDatabases
    templates: dict[tuple[str, str], str] = field(default_factory=dict)

    async def template(
        self, label: str, backend: str, migrations: Path, prepare: Prepare | None = None
    ) -> str:
        key = (label, backend)
        if key not in self.templates:
            if backend == "sqlite":
                url = f"sqlite+aiosqlite:///{self.workdir / f'{label}-template.db'}"
            else:
                url = await self.postgres.create(label)
            await migrate(url, migrations)
            if prepare is not None:
                await prepare(url)
            self.templates[key] = url
        return self.templates[key]

    async def fresh(self, label: str, backend: str, migrations: Path, prepare: Prepare | None = None) -> str:
        """A URL of a new database holding what the migrations made (and `prepare` added, once
        per label and backend: demo data, say)."""
        template = await self.template(label, backend, migrations, prepare)
        if backend == "sqlite":
            source = Path(make_url(template).database or "")
            copy = self.workdir / f"{label}-{uuid.uuid4().hex[:12]}.db"
            shutil.copyfile(source, copy)
            return f"sqlite+aiosqlite:///{copy}"
        return await self.postgres.create(label, template=template)

    async def discard(self, url: str) -> None:
        if url.startswith("sqlite"):
            await anyio.Path(make_url(url).database or "").unlink(missing_ok=True)
        else:
            await self.postgres.drop(url)
