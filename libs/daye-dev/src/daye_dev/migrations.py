"""The check every service's migration test makes: an empty database upgrades to head, the schema
then matches the models exactly, downgrades to nothing, and upgrades again."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, MetaData, inspect

from daye_kit.db import create_engine, downgrade_schema, upgrade_schema


async def check_migrations(url: str, migrations: Path, metadata: MetaData) -> None:
    engine = create_engine(url)
    try:
        await upgrade_schema(engine, migrations)

        def differences(conn: Connection) -> list[object]:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(context, metadata))

        async with engine.connect() as conn:
            diff = await conn.run_sync(differences)
        assert diff == [], f"models and migrations disagree: {diff}"

        await downgrade_schema(engine, migrations, revision="base")
        async with engine.connect() as conn:
            left = [
                t
                for t in await conn.run_sync(lambda c: inspect(c).get_table_names())
                if t != "alembic_version"
            ]
        assert left == [], f"downgrade to base left tables behind: {left}"
        await upgrade_schema(engine, migrations)
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert set(metadata.tables) <= tables
    finally:
        await engine.dispose()
