"""Migrated databases for tests: one template per service and backend, a clean copy per test.

SQLite: the template file is migrated once and copied for every test. PostgreSQL: one database per
service and test run (created and dropped by the run), migrated once, its tables truncated before
every test.
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from daye_kit.db import create_engine, upgrade_schema

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

    async def create(self, label: str) -> str:
        name = f"daye_test_{label}_{os.getpid()}_{uuid.uuid4().hex[:8]}".replace("-", "_")
        conn = await asyncpg.connect(_asyncpg_dsn(postgres_admin_url()))
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        self.created.append(name)
        return _sqlalchemy_url(postgres_admin_url(), name)

    async def drop_all(self) -> None:
        if not self.created:
            return
        conn = await asyncpg.connect(_asyncpg_dsn(postgres_admin_url()))
        try:
            for name in self.created:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()
        self.created.clear()


async def truncate_all(url: str) -> None:
    """Empties every table but Alembic's, so the next test starts from the migrated schema."""
    conn = await asyncpg.connect(_asyncpg_dsn(url))
    try:
        tables = await conn.fetch(
            "SELECT quote_ident(tablename) AS t FROM pg_tables "
            "WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
        )
        if tables:
            # session_replication_role lets tests empty tables whose triggers refuse deletes.
            await conn.execute(
                "SET session_replication_role = replica; "
                f"TRUNCATE {', '.join(r['t'] for r in tables)} RESTART IDENTITY CASCADE; "
                "SET session_replication_role = DEFAULT"
            )
    finally:
        await conn.close()


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

    async def template(self, label: str, backend: str, migrations: Path) -> str:
        key = (label, backend)
        if key not in self.templates:
            if backend == "sqlite":
                url = f"sqlite+aiosqlite:///{self.workdir / f'{label}-template.db'}"
            else:
                url = await self.postgres.create(label)
            await migrate(url, migrations)
            self.templates[key] = url
        return self.templates[key]

    async def fresh(self, label: str, backend: str, migrations: Path) -> str:
        """A URL whose database holds the migrated schema and no rows."""
        template = await self.template(label, backend, migrations)
        if backend == "sqlite":
            source = Path(make_url(template).database or "")
            copy = self.workdir / f"{label}-{uuid.uuid4().hex[:12]}.db"
            shutil.copyfile(source, copy)
            return f"sqlite+aiosqlite:///{copy}"
        await truncate_all(template)
        return template
