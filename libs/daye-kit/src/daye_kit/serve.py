"""`python -m <service>`: `serve` (the default) runs it under uvicorn; `migrate` upgrades its schema
and exits (a Kubernetes Job, or a deploy step). Both refuse clearly when the settings are unsafe."""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import uvicorn
from pydantic import ValidationError

from daye_kit.db import create_engine, upgrade_schema
from daye_kit.settings import ServiceSettings

S = TypeVar("S", bound=ServiceSettings)


def _settings(settings_type: type[S]) -> S:
    try:
        return settings_type()
    except ValidationError as exc:
        print(f"{settings_type.service_name}: invalid settings:\n{exc}", file=sys.stderr)
        raise SystemExit(2) from None


async def _migrate(url: str, migrations: Path) -> None:
    engine = create_engine(url)
    try:
        await upgrade_schema(engine, migrations)
    finally:
        await engine.dispose()


def serve(settings_type: type[S], create_app: Callable[[S], Any], *, migrations: Path | None = None) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m {settings_type.service_name}_api")
    parser.add_argument("command", nargs="?", default="serve", choices=["serve", "migrate"])
    command = parser.parse_args().command
    settings = _settings(settings_type)
    if command == "migrate":
        if migrations is None:
            raise SystemExit("this service has no migrations")
        asyncio.run(_migrate(settings.database_url, migrations))
        print(f"{settings_type.service_name}: schema is at head", file=sys.stderr)
        return
    app = create_app(settings)
    # What the imports and the app built (modules, routes, models) lives as long as the process: kept
    # out of the collector's passes, which would otherwise walk it again and again under load, each
    # pass a pause that every request in flight waits out (the p99). Only here, in the server's own
    # process: tests build many apps in one.
    gc.collect()
    gc.freeze()
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        timeout_graceful_shutdown=10,
    )
