"""Run a service under uvicorn, refusing clearly when its settings are unsafe or invalid."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar

import uvicorn
from pydantic import ValidationError

from daye_kit.settings import ServiceSettings

S = TypeVar("S", bound=ServiceSettings)


def serve(settings_type: type[S], create_app: Callable[[S], Any]) -> None:
    try:
        settings = settings_type()
    except ValidationError as exc:
        print(f"{settings_type.service_name}: invalid settings:\n{exc}", file=sys.stderr)
        raise SystemExit(2) from None
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        timeout_graceful_shutdown=10,
    )
