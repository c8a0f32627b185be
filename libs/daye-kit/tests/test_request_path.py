"""The kit's request path: the one layer giving every request its id, its access-log line, its
metrics and a 500 problem when nothing else answered; read-only sessions without a transaction; a
PostgreSQL pool that keeps its connections."""

from __future__ import annotations

import asyncio
import gc
import json
import re
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio
from fastapi import APIRouter, FastAPI, Request
from sqlalchemy import Column, Integer, String, Table, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from daye_kit.db import (
    create_engine,
    create_read_sessionmaker,
    create_sessionmaker,
    install_database_error_handler,
    new_registry,
)
from daye_kit.errors import NotFound, install_problem_handlers
from daye_kit.observability import ACCESS_LOG

# --- the request context layer ------------------------------------------------------------------

router = APIRouter()


@router.get("/items/{item_id}")
async def read_item(item_id: int) -> dict[str, int]:
    if item_id == 0:
        raise NotFound("item 0 does not exist")
    return {"id": item_id}


@router.get("/seen-id")
async def seen_id(request: Request) -> list[str]:
    """The request ids the handler itself sees in the request's headers."""
    return request.headers.getlist("x-request-id")


@router.get("/boom")
async def boom() -> dict[str, str]:
    raise RuntimeError("a bug nobody handled")


@pytest.fixture
def app(kit_app: Callable[..., FastAPI]) -> FastAPI:
    return kit_app(router)


def access_lines(output: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("event") == "request"]


async def test_a_safe_request_id_is_kept_and_sent_back(client: httpx.AsyncClient) -> None:
    response = await client.get("/items/0", headers={"X-Request-ID": "abc-123.x:y"})
    assert response.status_code == 404
    assert response.headers["x-request-id"] == "abc-123.x:y"
    assert response.json()["request_id"] == "abc-123.x:y"
    assert (await client.get("/seen-id", headers={"X-Request-ID": "abc-123.x:y"})).json() == ["abc-123.x:y"]


@pytest.mark.parametrize("sent", [None, b"has spaces", b"x" * 129, "ünïcode".encode()])
async def test_a_missing_or_unsafe_request_id_is_replaced(
    client: httpx.AsyncClient, sent: bytes | None
) -> None:
    headers = {"X-Request-ID": sent} if sent else {}
    response = await client.get("/items/0", headers=headers)
    made = response.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    assert response.json()["request_id"] == made
    again = await client.get("/items/0", headers=headers)
    assert again.headers["x-request-id"] != made
    # The handler sees the id the answer carries, once, not the unsafe one it replaced.
    seen = await client.get("/seen-id", headers=headers)
    assert seen.json() == [seen.headers["x-request-id"]]


@pytest.mark.parametrize("path", ["/items/7", "/items/0", "/healthz"])
async def test_a_request_leaves_no_reference_cycle_behind(app: FastAPI, path: str) -> None:
    """What a request hangs on its scope goes when the request does, freed by reference counting:
    a cycle through the scope would leave it all to the garbage collector, on every request."""

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    sent: list[dict[str, Any]] = []
    scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(), "query_string": b""}
    scope |= {"headers": [(b"host", b"kit")], "root_path": "", "scheme": "http", "client": ("127.0.0.1", 1)}
    await app(dict(scope), receive, send)  # the first request builds what later ones reuse
    gc.collect()
    gc.disable()
    try:
        for _ in range(20):
            await app(dict(scope), receive, send)
        left = gc.collect()
    finally:
        gc.enable()
    assert sent[0]["type"] == "http.response.start"
    assert left == 0


async def test_an_unhandled_exception_is_a_500_problem_with_the_request_id(
    client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    response = await client.get("/boom", headers={"X-Request-ID": "boom-1"})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-request-id"] == "boom-1"
    problem = response.json()
    assert (problem["code"], problem["request_id"]) == ("internal_error", "boom-1")
    assert "a bug nobody handled" not in response.text
    ACCESS_LOG.flush()
    output = capsys.readouterr().out
    [line] = [line for line in access_lines(output) if line.get("request_id") == "boom-1"]
    assert (line["path"], line["status"], line["service"]) == ("/boom", 500, "kit-test")
    assert any("unhandled_exception" in logged and "boom-1" in logged for logged in output.splitlines())


async def test_each_request_gets_one_access_line_written_by_the_background_writer(
    client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    await client.get("/items/7", headers={"X-Request-ID": "line-1"})
    await client.get("/items/0", headers={"X-Request-ID": "line-2"})
    deadline = time.monotonic() + 5
    written: list[dict[str, Any]] = []
    while time.monotonic() < deadline:  # no flush: the writer thread writes them on its own
        written += access_lines(capsys.readouterr().out)
        if {"line-1", "line-2"} <= {line.get("request_id") for line in written}:
            break
        await asyncio.sleep(0.02)
    mine = [line for line in written if line.get("request_id") in {"line-1", "line-2"}]
    assert [(line["path"], line["status"], line["method"]) for line in mine] == [
        ("/items/7", 200, "GET"),
        ("/items/0", 404, "GET"),
    ]
    assert all(line["logger"] == "daye.access" and line["level"] == "info" for line in mine)
    assert all(line["timestamp"].endswith("Z") and line["duration_ms"] >= 0 for line in mine)


async def test_requests_are_counted_by_route_template(client: httpx.AsyncClient) -> None:
    for item in (1, 2, 0):
        await client.get(f"/items/{item}")
    await client.get("/healthz")
    metrics = (await client.get("/metrics")).text
    assert 'http_requests_total{handler="/items/{item_id}",method="GET",status="200"} 2.0' in metrics
    assert 'http_requests_total{handler="/items/{item_id}",method="GET",status="404"} 1.0' in metrics
    assert 'http_request_duration_seconds_count{handler="/items/{item_id}",method="GET"} 3.0' in metrics
    assert 'handler="/healthz"' not in metrics


async def test_cors_answers_the_front_end_and_exposes_the_request_id(client: httpx.AsyncClient) -> None:
    origin = {"Origin": "http://127.0.0.1:5173"}
    response = await client.get("/items/3", headers=origin)
    assert response.headers["access-control-allow-origin"] == "http://127.0.0.1:5173"
    assert "X-Request-ID" in response.headers["access-control-expose-headers"]
    refused = await client.get("/items/3", headers={"Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in refused.headers
    assert refused.headers.get_list("vary") == ["Authorization, X-API-Key, Origin"]


async def test_an_answer_without_origin_varies_by_origin_as_starlette_says(client: httpx.AsyncClient) -> None:
    """A request without `Origin` skips Starlette's CORS code; its answer carries the `Vary` that
    code would have given it, so no cache hands it to a browser on another origin."""
    read = await client.get("/items/3")
    assert read.headers.get_list("vary") == ["Authorization, X-API-Key, Origin"]
    assert "access-control-allow-origin" not in read.headers
    probe = await client.get("/healthz")
    assert probe.headers.get_list("vary") == ["Origin"]


# --- read-only sessions and the pool ------------------------------------------------------------

mapper = new_registry()
notes = Table("notes", mapper.metadata, Column("id", Integer, primary_key=True), Column("body", String(40)))


class Note:
    id: int
    body: str

    def __init__(self, body: str) -> None:
        self.body = body


mapper.map_imperatively(Note, notes)


@pytest_asyncio.fixture
async def engine(empty_database: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(empty_database)
    async with engine.begin() as conn:
        await conn.run_sync(mapper.metadata.create_all)
        await conn.execute(insert(notes).values(id=1, body="first"))
    yield engine
    await engine.dispose()


async def test_a_read_session_reads_what_was_committed(engine: AsyncEngine) -> None:
    async with create_read_sessionmaker(engine)() as session:
        note = (await session.execute(select(Note).where(notes.c.id == 1))).scalar_one()
    assert note.body == "first"


async def test_a_read_session_opens_no_transaction(engine: AsyncEngine, backend: str) -> None:
    async with create_read_sessionmaker(engine)() as session:
        if backend == "postgresql":
            # Within a transaction both would be its start; here each statement is its own.
            first = (await session.execute(text("SELECT transaction_timestamp()"))).scalar_one()
            second = (await session.execute(text("SELECT transaction_timestamp()"))).scalar_one()
            assert first < second
        else:
            await session.execute(select(notes))
            raw = await (await session.connection()).get_raw_connection()
            assert raw.driver_connection.in_transaction is False  # type: ignore[union-attr]


async def test_a_read_session_is_not_held_up_by_a_writer(engine: AsyncEngine) -> None:
    """On SQLite a write session holds the database's write lock from its first statement; a read
    taking the lock too (BEGIN IMMEDIATE) would wait the whole busy timeout."""
    async with create_sessionmaker(engine)() as writer, writer.begin():
        await writer.execute(insert(notes).values(id=2, body="uncommitted"))
        async with create_read_sessionmaker(engine)() as reader:
            bodies = await asyncio.wait_for(reader.execute(select(notes.c.body).order_by(notes.c.id)), 5)
            assert bodies.scalars().all() == ["first"]


async def test_a_read_session_refuses_to_write(engine: AsyncEngine) -> None:
    async with create_read_sessionmaker(engine)() as session:
        session.add(Note("sneaked in"))
        with pytest.raises(RuntimeError, match="read-only session"):
            await session.flush()
    async with engine.connect() as conn:
        assert (await conn.execute(select(notes.c.body))).scalars().all() == ["first"]


async def test_the_pool_keeps_its_connections_under_more_load_than_its_size(
    empty_postgres_database: str,
) -> None:
    """More concurrent requests than connections wait for one instead of opening (and closing) a
    connection each: no connection beyond the pool's size is ever opened."""
    engine = create_engine(empty_postgres_database, pool_size=2)
    sessions = create_read_sessionmaker(engine)

    async def backend_pid() -> int:
        async with sessions() as session:
            pid = int((await session.execute(text("SELECT pg_backend_pid()"))).scalar_one())
            await asyncio.sleep(0.05)
            return pid

    try:
        pids = {pid for _ in range(3) for pid in await asyncio.gather(*(backend_pid() for _ in range(6)))}
    finally:
        await engine.dispose()
    assert len(pids) <= 2


async def test_a_server_out_of_connections_answers_503_and_a_bug_still_500(
    empty_postgres_database: str,
) -> None:
    """PostgreSQL refusing a connection (53300, here a role allowed none) reaches SQLAlchemy as a
    plain DBAPIError: it is 503 with Retry-After like any unavailable database; an SQL error is not."""
    role = f"no_connections_{uuid.uuid4().hex[:8]}"
    url = make_url(empty_postgres_database)
    admin = await asyncpg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False))
    await admin.execute(f"CREATE ROLE {role} LOGIN CONNECTION LIMIT 0")
    engines = [
        create_engine(url.set(username=role).render_as_string(hide_password=False)),
        create_engine(str(url)),
    ]
    app = FastAPI()
    install_problem_handlers(app)
    install_database_error_handler(app)

    @app.get("/refused")
    async def refused() -> int:
        async with create_sessionmaker(engines[0])() as session:
            return int((await session.execute(text("SELECT 1"))).scalar_one())

    @app.get("/bug")
    async def bug() -> int:
        async with create_sessionmaker(engines[1])() as session:
            return int((await session.execute(text("SELECT 1 / 0"))).scalar_one())

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://kit") as client:
            unavailable = await client.get("/refused")
            assert unavailable.status_code == 503, unavailable.text
            assert unavailable.json()["code"] == "database_unavailable"
            assert unavailable.headers["Retry-After"] == "5"
            assert (await client.get("/bug")).status_code == 500
    finally:
        for engine in engines:
            await engine.dispose()
        await admin.execute(f"DROP ROLE {role}")
        await admin.close()


async def test_a_transaction_rolled_back_to_break_a_deadlock_answers_503(
    empty_postgres_database: str,
) -> None:
    """Two requests that lock the same two rows in opposite orders: PostgreSQL rolls one back (40P01).
    That one is 503 `transaction_conflict` with Retry-After, nothing of it written; the other succeeds."""
    engine = create_engine(empty_postgres_database)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE pair (id int PRIMARY KEY, n int NOT NULL)"))
        await conn.execute(text("INSERT INTO pair VALUES (1, 0), (2, 0)"))
    app = FastAPI()
    install_problem_handlers(app)
    install_database_error_handler(app)
    both_hold_one = asyncio.Barrier(2)

    @app.post("/touch/{first}/{second}")
    async def touch(first: int, second: int) -> int:
        async with create_sessionmaker(engine)() as session, session.begin():
            await session.execute(text("UPDATE pair SET n = n + 1 WHERE id = :id"), {"id": first})
            await both_hold_one.wait()
            await session.execute(text("UPDATE pair SET n = n + 1 WHERE id = :id"), {"id": second})
        return second

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://kit", timeout=30) as client:
            answers = await asyncio.gather(client.post("/touch/1/2"), client.post("/touch/2/1"))
        assert sorted(a.status_code for a in answers) == [200, 503]
        [refused] = [a for a in answers if a.status_code == 503]
        assert refused.json()["code"] == "transaction_conflict"
        assert refused.headers["Retry-After"] == "1"
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT sum(n) FROM pair"))).scalar_one() == 2  # one request's
    finally:
        await engine.dispose()
