"""The application factory every service uses: lifespan, middleware, errors, health, metrics, docs."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

import httpx
import structlog
from fastapi import APIRouter, FastAPI, Request
from fastapi.routing import APIRoute
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from daye_kit import db
from daye_kit.audit import AuditMiddleware, audit_router
from daye_kit.audit.router import AUDITOR
from daye_kit.auth import TOKEN_PATH, Authenticator
from daye_kit.conditional import ConditionalGetMiddleware
from daye_kit.contract import apply_deprecations, complete_document
from daye_kit.cors import CrossOriginMiddleware
from daye_kit.duties import Duty, DutyRunner, as_configured
from daye_kit.errors import PROBLEM_MEDIA_TYPE, NulCharacterMiddleware, install_problem_handlers
from daye_kit.health import ReadinessCheck, add_health_routes
from daye_kit.observability import ACCESS_LOG, RequestContextMiddleware, configure_logging, metrics_router
from daye_kit.outbox import OnDelivered, OutboxMetrics, run_dispatcher, start_dispatcher
from daye_kit.routing import guard_included_routers
from daye_kit.scopes import DatasetMap
from daye_kit.settings import ServiceSettings
from daye_kit.strict_query import refuse_unknown_query_names
from daye_kit.throttling import SAFE_METHODS, BodySizeLimitMiddleware, RateLimits
from daye_kit.webhooks import Webhooks, run_loop

log = structlog.get_logger("daye.app")

HttpClientFactory = Callable[[], httpx.AsyncClient]
Hook = Callable[[FastAPI], Awaitable[None]]
DemoSeeder = Callable[[AsyncSession, Any], Awaitable[dict[str, int]]]


def operation_id(route: APIRoute) -> str:
    """Operation ids are the endpoint functions' names: stable, and what generated clients call."""
    return route.name


@dataclass
class ServiceSpec:
    """What makes one service different from the others."""

    name: str
    title: str
    description: str
    routers: Sequence[APIRouter]
    migrations: Path
    # The API's version, in OpenAPI's `info.version`: the service package's own version (its
    # pyproject's), read from the installed distribution named `name`, so it cannot drift from it.
    # A literal is for test apps that are no package.
    version: str | None = None
    tags: list[dict[str, Any]] = field(default_factory=list)
    # Builds `app.state.authenticator` (and peer clients) once the engine and HTTP client exist.
    on_startup: Sequence[Hook] = ()
    readiness: Sequence[ReadinessCheck] = ()
    # The outbox's destinations: a peer's service name → the `app.state` attribute of its client.
    outbox_peers: Mapping[str, str] = field(default_factory=dict)
    # What the sender does once an event of a type is delivered (in the transaction marking it).
    outbox_on_delivered: Mapping[str, OnDelivered] = field(default_factory=dict)
    # What the service does on its own schedule (see `daye_kit.duties`).
    duties: Sequence[Duty] = ()
    # Path prefix → the dataset it serves, for API keys limited to datasets (see `daye_kit.scopes`).
    datasets: Mapping[str, str] = field(default_factory=dict)
    # Signed webhooks over the service's change feed (see `daye_kit.webhooks`).
    webhooks: Webhooks | None = None


def from_state(name: str) -> Callable[[Request], Any]:
    """A dependency handing out what the lifespan (or the factory) put on `app.state` under `name`:
    a service's `deps.py` declares `Annotated[Settings, Depends(from_state("settings"))]`, so no
    router reads `request.app.state` itself."""

    async def dependency(request: Request) -> Any:
        return getattr(request.app.state, name)

    dependency.__name__ = f"app_state_{name}"
    return dependency


def default_http_client() -> httpx.AsyncClient:
    return httpx.AsyncClient(limits=httpx.Limits(max_connections=100, max_keepalive_connections=20))


def build_app(
    spec: ServiceSpec,
    settings: ServiceSettings,
    *,
    http_client_factory: HttpClientFactory = default_http_client,
) -> FastAPI:
    configure_logging(spec.name, level=settings.log_level, fmt=settings.log_format)
    duties = as_configured(spec.duties, settings.duty_schedules)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine: AsyncEngine = db.create_engine(settings.database_url, pool_size=settings.database_pool_size)
        http = http_client_factory()
        app.state.engine = engine
        app.state.sessionmaker = db.create_sessionmaker(engine)
        app.state.read_sessionmaker = db.create_read_sessionmaker(engine)
        app.state.reads = db.Reads(db.read_only(engine))
        app.state.http = http
        dispatcher: asyncio.Task[None] | None = None
        loops: list[asyncio.Task[None]] = []
        try:
            if settings.migrate_on_start:
                await db.upgrade_schema(engine, spec.migrations)
            if settings.demo:
                await _load_demo(app, spec.name, settings)
            for hook in spec.on_startup:
                await hook(app)
            app.state.outbox_on_delivered = spec.outbox_on_delivered
            app.state.outbox_deliver = start_dispatcher(
                app, source=spec.name, peers=spec.outbox_peers, metrics=app.state.outbox_metrics
            )
            if settings.outbox_dispatch:
                dispatcher = asyncio.create_task(
                    run_dispatcher(app.state.outbox_deliver, poll_seconds=settings.outbox_poll_seconds)
                )
            if spec.webhooks is not None:
                app.state.webhook_fan_out, app.state.webhook_send = spec.webhooks.passes(app)
                if settings.webhook_dispatch:
                    loops = [
                        asyncio.create_task(run_loop(name, step, poll_seconds=settings.webhook_poll_seconds))
                        for name, step in (
                            ("fan-out", app.state.webhook_fan_out),
                            ("send", app.state.webhook_send),
                        )
                    ]
            runner = DutyRunner(app, duties, interval=settings.duty_tick_seconds)
            app.state.duty_runner = runner
            if settings.runs_duties:
                runner.start()
            log.info(
                "started", url=settings.base_url, database=engine.url.render_as_string(hide_password=True)
            )
            yield
        finally:
            for task in [*loops, *([dispatcher] if dispatcher is not None else [])]:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if isinstance(getattr(app.state, "duty_runner", None), DutyRunner):
                await app.state.duty_runner.stop()
            await http.aclose()
            await engine.dispose()
            ACCESS_LOG.flush()

    app = FastAPI(
        title=spec.title,
        description=spec.description,
        version=spec.version or package_version(spec.name),
        openapi_tags=[*spec.tags, {"name": "运维", "description": "健康检查、就绪检查与指标"}],
        generate_unique_id_function=operation_id,
        lifespan=lifespan,
        swagger_ui_parameters={"persistAuthorization": True},
    )
    app.state.settings = settings
    app.state.authenticator = _unset_authenticator
    app.state.rate_limits = RateLimits(settings.rate_limit_storage)
    app.state.datasets = DatasetMap(spec.datasets)
    install_problem_handlers(app)
    db.install_database_error_handler(app)
    # Added innermost first: NUL → body cap → conditional reads (ETag, 304) → audit (a row per write
    # and consumer pull, `daye_kit.audit`) → request context (request id, unhandled errors, access
    # log, metrics) → CORS (outermost). Each is pure ASGI: no layer builds a Request.
    app.add_middleware(NulCharacterMiddleware)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(ConditionalGetMiddleware)
    app.add_middleware(AuditMiddleware, service=spec.name)
    metrics = CollectorRegistry()
    app.add_middleware(RequestContextMiddleware, registry=metrics)
    app.state.outbox_metrics = OutboxMetrics(metrics)
    app.add_middleware(
        CrossOriginMiddleware,
        allow_origins=settings.cors_origins,
        allow_credentials=True,
        allow_methods=["*"],
        allow_headers=["*"],
        expose_headers=["X-Request-ID", "ETag", "Last-Modified", "Deprecation", "Sunset", "Link"],
    )
    add_health_routes(app, spec.readiness)
    apply_deprecations(spec.routers)
    for router in spec.routers:
        app.include_router(router)
    if spec.webhooks is not None:
        app.include_router(spec.webhooks.router())
    app.include_router(audit_router(AUDITOR))
    app.include_router(metrics_router(metrics))
    guard_included_routers(app)
    refuse_unknown_query_names(app)
    _finish_openapi(app, settings)
    return app


DEMO_ENTRY_POINTS = "daye.demo"


async def _load_demo(app: FastAPI, service: str, settings: ServiceSettings) -> None:
    """Demo mode: the service's part of the demo world (the `daye-demo` package's entry point named
    after the service), loaded once whatever the number of replicas; its seeders add nothing to
    tables that already hold rows."""
    found = entry_points(group=DEMO_ENTRY_POINTS, name=service)
    if not found:
        raise RuntimeError(
            f"demo mode needs the daye-demo package (entry point {DEMO_ENTRY_POINTS}:{service}); "
            "production images do not install it"
        )
    seed: DemoSeeder = next(iter(found)).load()
    async with app.state.sessionmaker() as session, session.begin():
        await db.lock_exclusively(await session.connection(), f"{service}-demo-seed")
        created = await seed(session, settings)
    if any(created.values()):
        log.info("demo_data_loaded", **created)


class _UnsetAuthenticator:
    async def from_token(self, token: str) -> Any:
        raise RuntimeError("the service's on_startup hook must set app.state.authenticator")

    from_api_key = from_token


_unset_authenticator: Authenticator = _UnsetAuthenticator()


def _finish_openapi(app: FastAPI, settings: ServiceSettings) -> None:
    """Swagger's Authorize form posts to indicator-api, wherever this service runs; the limits every
    operation shares are documented on each."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            schemes = schema.get("components", {}).get("securitySchemes", {})
            for scheme in schemes.values():
                password = scheme.get("flows", {}).get("password")
                if password is not None:
                    password["tokenUrl"] = f"{settings.indicator_url.rstrip('/')}{TOKEN_PATH}"
            _document_problems(schema)
            complete_document(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _document_problems(schema: dict[str, Any]) -> None:
    """The problems the kit answers for any operation, on each: 413 where there is a body (the cap)
    and 400 where it may not even parse, 429 on authenticated writes, 401 and 403 (a key limited to
    datasets) where a principal is required, 304 on reads (conditional requests), and validation's
    422 as a problem (FastAPI would document its own `HTTPValidationError` JSON, which this API never
    sends)."""
    problem = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    default_422 = {"application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}}
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            secured = bool(operation.get("security"))
            if "requestBody" in operation:
                responses.setdefault("413", {"description": "请求体过大", "content": problem})
            if secured and method.upper() not in SAFE_METHODS:
                responses.setdefault("429", {"description": "请求过于频繁", "content": problem})
            if responses.get("422", {}).get("content") == default_422:
                responses["422"] = {"description": "参数校验失败", "content": problem}
            if secured:
                responses.setdefault("401", {"description": "未认证", "content": problem})
                responses.setdefault(
                    "403",
                    {"description": "无权执行(含限定数据集的 API Key:`scope_missing`)", "content": problem},
                )
            if method == "get":
                responses.setdefault(
                    "304",
                    {"description": "未修改:`If-None-Match` 与 `ETag` 相符(或 `If-Modified-Since` 之后未变)"},
                )
            if "requestBody" in operation:
                responses.setdefault("400", {"description": "请求体无法解析", "content": problem})
    schemas = schema.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
