"""JSON logs with the request id, the request-id middleware, the access log and Prometheus metrics."""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from typing import Any

import structlog
from asgi_correlation_id import CorrelationIdMiddleware, correlation_id
from fastapi import APIRouter, FastAPI, Response
from fastapi.responses import PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "X-Request-ID"
UNMEASURED_PATHS = frozenset({"/metrics", "/healthz"})  # scrapes and liveness probes
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def valid_request_id(value: str) -> bool:
    """A caller's id is kept if it is short and safe to put in a log line; otherwise a new one is made."""
    return bool(_REQUEST_ID_RE.match(value))


def new_request_id() -> str:
    return uuid.uuid4().hex


def _add_request_id(_: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
    request_id = correlation_id.get()
    if request_id and "request_id" not in event:
        event["request_id"] = request_id
    return event


class _NamedWriteLogger(structlog.WriteLogger):
    """structlog's plain line writer, with the name `add_logger_name` reports."""

    def __init__(self, name: str | None = None) -> None:
        super().__init__(sys.stdout)
        self.name = name or "daye"


def configure_logging(service: str, *, level: str = "INFO", fmt: str = "json") -> None:
    """Every log line (ours, uvicorn's, SQLAlchemy's) becomes one JSON object with the request id.

    Our own loggers write through structlog directly (a filtering logger that drops lines below the
    level before doing any work, then one write): the access log runs on every request. Other
    libraries' stdlib logging goes through the same processors via a formatter.
    """

    def add_service(_: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
        event.setdefault("service", service)
        return event

    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        add_service,
        _add_request_id,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, renderer],
        logger_factory=_NamedWriteLogger,
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelNamesMapping()[level.upper()]),
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    # Our access log replaces uvicorn's, which cannot see the request id.
    logging.getLogger("uvicorn.access").disabled = True


class AccessLogMiddleware:
    """Per HTTP request: one `request` log line (method, path, status, duration) and the Prometheus
    count and latency by route template. The route is the one the router matched (`scope["route"]`),
    so nothing is matched twice."""

    def __init__(self, app: ASGIApp, registry: CollectorRegistry) -> None:
        self.app = app
        self.log = structlog.get_logger("daye.access")
        self.requests = Counter(
            "http_requests_total",
            "Requests by route template, method and status",
            ["handler", "method", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Time to the last byte of the response, by route template and method",
            ["handler", "method"],
            registry=registry,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            seconds = time.perf_counter() - start
            method = scope["method"]
            self.log.info(
                "request",
                method=method,
                path=scope["path"],
                status=status,
                duration_ms=round(seconds * 1000, 2),
            )
            handler = getattr(scope.get("route"), "path", None) or "none"
            if handler not in UNMEASURED_PATHS:
                self.requests.labels(handler, method, str(status)).inc()
                self.latency.labels(handler, method).observe(seconds)


def install_request_id(app: FastAPI) -> None:
    app.add_middleware(
        CorrelationIdMiddleware,
        header_name=REQUEST_ID_HEADER,
        generator=new_request_id,
        validator=valid_request_id,
        transformer=lambda value: value,
    )


def metrics_router(registry: CollectorRegistry) -> APIRouter:
    """Prometheus metrics at /metrics, from a registry of the app's own (tests build many apps)."""
    router = APIRouter(tags=["运维"])

    @router.get(
        "/metrics",
        summary="Prometheus 指标",
        operation_id="metrics",
        response_class=PlainTextResponse,  # documented as the text it is, not JSON
    )
    async def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return router
