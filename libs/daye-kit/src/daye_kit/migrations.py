"""The body of every service's `alembic/env.py`: async engines, batch mode on SQLite, naming convention.

Online only. When the service upgrades itself (`db.upgrade_schema`), the connection comes in through
`config.attributes["connection"]`; from the command line the URL comes from the service's settings.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Literal

from alembic import context
from sqlalchemy import Connection, MetaData
from sqlmodel.sql.sqltypes import AutoString

from daye_kit.db import create_engine
from daye_kit.money import ExactDecimal, Money
from daye_kit.timestamps import UtcDateTime


def _render_item(kind: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    # Autogenerate writes plain SQLAlchemy types, so migrations do not import sqlmodel, and the
    # kit's exact decimal types with the arguments they are built from.
    if kind != "type":
        return False
    if isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    if isinstance(obj, AutoString):
        return f"sa.String(length={obj.length})" if obj.length else "sa.String()"
    if isinstance(obj, ExactDecimal):
        autogen_context.imports.add("import daye_kit.money")
        if isinstance(obj, Money):
            return "daye_kit.money.Money()"
        return f"daye_kit.money.ExactDecimal(places={obj.places}, precision={obj.precision})"
    return False


def _configure_and_run(connection: Connection, metadata: MetaData) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_with_url(url: str, metadata: MetaData) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_configure_and_run, metadata)
    finally:
        await engine.dispose()


def run_migrations(metadata: MetaData, database_url: Callable[[], str]) -> None:
    if context.is_offline_mode():
        raise SystemExit("offline migrations are not supported: run them against a database")
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _configure_and_run(connection, metadata)
    else:
        asyncio.run(
            _run_with_url(context.config.get_main_option("sqlalchemy.url") or database_url(), metadata)
        )
