from __future__ import annotations

from daye_dev.migrations import check_migrations
from matching_api.main import MIGRATIONS
from matching_api.models_registry import metadata


async def test_migrations_build_the_models_schema(empty_database: str) -> None:
    await check_migrations(empty_database, MIGRATIONS, metadata)
