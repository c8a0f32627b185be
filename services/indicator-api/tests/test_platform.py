"""What every service serves (health, readiness, metrics, docs, problem+json), seen on indicator-api."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import create_async_engine

from daye_dev.databases import postgres_admin_url
from daye_dev.pytest_plugin import running
from indicator_api.config import Settings
from indicator_api.main import create_app

CJK = re.compile(r"[\u4e00-\u9fff]")


async def test_healthz_and_readyz(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "checks": [{"name": "database", "ok": True, "detail": None}]}


async def test_readyz_is_503_when_the_database_is_gone(
    app: FastAPI, client: httpx.AsyncClient, backend: str
) -> None:
    working = app.state.engine
    unreachable = (
        "sqlite+aiosqlite:////nonexistent-directory/indicator.db"
        if backend == "sqlite"
        else postgres_admin_url().replace("postgresql://", "postgresql+asyncpg://").rsplit("/", 1)[0]
        + "/database_that_does_not_exist"
    )
    app.state.engine = create_async_engine(unreachable)
    try:
        response = await client.get("/readyz")
    finally:
        await app.state.engine.dispose()
        app.state.engine = working
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"][0]["name"] == "database"
    assert body["checks"][0]["ok"] is False
    assert (await client.get("/healthz")).status_code == 200
    assert (await client.get("/readyz")).status_code == 200


async def test_metrics_count_requests_by_route(client: httpx.AsyncClient) -> None:
    await client.get("/readyz")
    await client.get("/api/v1/auth/jwks")
    metrics = await client.get("/metrics")
    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain")
    assert re.search(
        r'http_requests_total\{handler="/api/v1/auth/jwks",method="GET",status="200"\} 1\.0', metrics.text
    )
    assert 'handler="/readyz"' in metrics.text


async def test_openapi_has_stable_ids_tags_and_chinese_descriptions(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    operations = {
        (path, method): op for path, methods in schema["paths"].items() for method, op in methods.items()
    }
    ids = {op["operationId"] for op in operations.values()}
    assert len(ids) == len(operations)
    assert {
        "issue_token",
        "read_jwks",
        "read_me",
        "create_api_key",
        "list_api_keys",
        "revoke_api_key",
        "create_user",
        "list_users",
        "healthz",
        "readyz",
        "metrics",
    } <= ids
    for (path, method), op in operations.items():
        assert op.get("tags"), f"{method} {path} has no tag"
        assert CJK.search(op.get("summary", "")), f"{method} {path} has no Chinese summary"
    assert schema["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"]["password"][
        "tokenUrl"
    ].endswith("/api/v1/auth/token")
    assert "Problem" in schema["components"]["schemas"]
    docs = await client.get("/docs")
    assert docs.status_code == 200
    assert "swagger-ui" in docs.text


async def test_unknown_route_is_a_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/nothing-here", headers={"X-Request-ID": "trace-404"})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-request-id"] == "trace-404"
    body = response.json()
    assert body["code"] == "not_found"
    assert body["type"] == "/problems/not_found"
    assert body["request_id"] == "trace-404"


async def test_validation_error_names_each_field_and_rule(
    client: httpx.AsyncClient, security: dict[str, str]
) -> None:
    response = await client.get("/api/v1/users", params={"limit": "many", "role": "mayor"}, headers=security)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_failed"
    rules = {(e["field"], e["rule"]) for e in body["errors"]}
    assert rules == {("query.limit", "int_parsing"), ("query.role", "enum")}
    too_big = await client.get("/api/v1/users", params={"limit": 100_000}, headers=security)
    assert too_big.status_code == 422
    assert too_big.json()["errors"][0]["field"] == "query.limit"


async def test_an_unexpected_error_is_a_500_problem_without_a_stack_trace(settings: Settings) -> None:
    app = create_app(settings)

    async def explode() -> None:
        raise RuntimeError("secret internals: password=hunter2")

    app.add_api_route("/boom", explode)
    async for started in running(app):
        transport = httpx.ASGITransport(app=started, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://indicator-api") as client:
            response = await client.get("/boom", headers={"X-Request-ID": "trace-500"})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-request-id"] == "trace-500"
    body = response.json()
    assert body["code"] == "internal_error"
    assert body["request_id"] == "trace-500"
    assert "hunter2" not in response.text
    assert "Traceback" not in response.text


async def test_a_hostile_request_id_is_replaced(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": "bad id\nwith newline" * 20})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])
