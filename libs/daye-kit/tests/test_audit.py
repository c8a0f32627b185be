"""The kit's audit trail on a small service: one row per write, in the write's transaction (ORM
history, declared Core changes), a failure row after a rollback or a crash, secrets redacted,
consumer pulls counted, the table append-only, retention past the guards only for old rows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import APIRouter, FastAPI, status
from sqlalchemy import Column, Integer, String, Table, delete, insert, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from daye_dev.audit import audit_rows
from daye_dev.pytest_plugin import running
from daye_kit.app import ServiceSpec, build_app
from daye_kit.audit import AUDIT, REDACTED, create_audit_events, prune_audit, record_change
from daye_kit.auth import CurrentPrincipal, Principal, Role
from daye_kit.db import SessionDep, create_engine, new_registry
from daye_kit.errors import Conflict, Unauthorized
from daye_kit.settings import ServiceSettings
from daye_kit.timestamps import utcnow

registry = new_registry()


@registry.mapped_as_dataclass
class Account:
    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(128))
    note: Mapped[str] = mapped_column(String(64), default="")


NOTES: Table = Table(
    "notes", registry.metadata, Column("id", Integer, primary_key=True), Column("text", String)
)

router = APIRouter(prefix="/api/v1")


@router.post("/accounts", status_code=status.HTTP_201_CREATED)
async def create_account(principal: CurrentPrincipal, session: SessionDep) -> dict[str, Any]:
    account = Account(name="alice", password_hash="$argon2$secret-hash")
    session.add(account)
    await session.flush()
    return {"id": account.id}


@router.patch("/accounts/{account_id}")
async def rename_account(account_id: int, principal: CurrentPrincipal, session: SessionDep) -> dict[str, Any]:
    session.add(Account(name="unrelated", password_hash="x"))  # another object, not the row's
    account = await session.get(Account, account_id)
    assert account is not None
    account.name, account.note = "alice-2", "renamed"
    await session.flush()
    return {"id": account.id}


@router.post("/notes/{note_id}")
async def write_note(note_id: int, principal: CurrentPrincipal, session: SessionDep) -> dict[str, Any]:
    await session.execute(insert(NOTES).values(id=note_id, text="written with Core"))
    record_change(session, "notes", note_id, after={"text": "written with Core"})
    return {"id": note_id}


@router.post("/accounts/{account_id}/conflict")
async def refuse(account_id: int, principal: CurrentPrincipal, session: SessionDep) -> None:
    session.add(Account(name="never", password_hash="x"))
    await session.flush()
    raise Conflict("refused after a flush", code="refused_here")


@router.post("/crash")
async def crash(principal: CurrentPrincipal, session: SessionDep) -> None:
    session.add(Account(name="never", password_hash="x"))
    await session.flush()
    raise RuntimeError("a bug nobody handled")


@router.post("/ping")
async def ping(principal: CurrentPrincipal) -> dict[str, str]:
    return {"pong": principal.username}


@router.get("/accounts")
async def list_accounts(principal: CurrentPrincipal) -> dict[str, Any]:
    return {"items": [{"id": 1}, {"id": 2}, {"id": 3}], "total": 3}


PRINCIPALS = {
    "alice": Principal(username="alice", role=Role.admin),
    "consumer": Principal(username="city", role=Role.viewer, api_key_id=42),
    "peer": Principal(username="svc-peer", role=Role.service, api_key_id=7),
}


class Tokens:
    async def from_token(self, token: str) -> Principal:
        if token not in PRINCIPALS:
            raise Unauthorized("unknown token", code="token_invalid")
        return PRINCIPALS[token]

    from_api_key = from_token


async def _authenticator(app: FastAPI) -> None:
    app.state.authenticator = Tokens()


@pytest_asyncio.fixture
async def app(empty_database: str, tmp_path: Path) -> AsyncIterator[FastAPI]:
    engine = create_engine(empty_database)
    async with engine.begin() as conn:
        await conn.run_sync(registry.metadata.create_all)
        await conn.run_sync(create_audit_events)
    await engine.dispose()
    spec = ServiceSpec(
        name="kit-test",
        title="kit test",
        description="",
        version="0",
        routers=[router],
        migrations=tmp_path,
        on_startup=[_authenticator],
        datasets={"/api/v1/accounts": "regions"},
    )
    settings = ServiceSettings(database_url=empty_database, environment="test", migrate_on_start=False)
    async for started in running(build_app(spec, settings)):
        yield started


def as_(who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {who}"}


async def one(app: FastAPI, response: httpx.Response) -> dict[str, Any]:
    [row] = await audit_rows(app, response.headers["x-request-id"])
    return row


async def test_orm_writes_are_recorded_with_their_history_and_no_secret(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    created = await client.post("/api/v1/accounts", headers=as_("alice"))
    assert created.status_code == 201
    row = await one(app, created)
    assert (row["service"], row["actor"], row["role"], row["action"], row["status"]) == (
        "kit-test",
        "alice",
        "admin",
        "create_account",
        201,
    )
    assert (row["object_type"], row["object_id"], row["outcome"]) == (
        "accounts",
        str(created.json()["id"]),
        "success",
    )
    assert row["after"] == {
        "id": created.json()["id"],
        "name": "alice",
        "password_hash": REDACTED,
        "note": "",
    }
    assert "password_hash" in row["changed"]
    assert "secret-hash" not in str(row)

    renamed = await client.patch(f"/api/v1/accounts/{created.json()['id']}", headers=as_("alice"))
    row = await one(app, renamed)
    # The row's object is the one the path names, not the other account made on the way.
    assert (row["object_type"], row["object_id"]) == ("accounts", str(created.json()["id"]))
    assert row["before"] == {"name": "alice", "note": ""}
    assert row["after"] == {"name": "alice-2", "note": "renamed"}
    assert sorted(row["changed"]) == ["name", "note"]


async def test_core_writes_declare_their_change(app: FastAPI, client: httpx.AsyncClient) -> None:
    written = await client.post("/api/v1/notes/9", headers=as_("alice"))
    row = await one(app, written)
    assert (row["action"], row["object_type"], row["object_id"]) == ("write_note", "notes", "9")
    assert (row["before"], row["after"], row["changed"]) == (None, {"text": "written with Core"}, ["text"])


async def test_a_write_without_a_request_session_still_leaves_one_row(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    pinged = await client.post("/api/v1/ping", headers=as_("alice"))
    row = await one(app, pinged)
    assert (row["action"], row["outcome"], row["status"], row["object_type"]) == (
        "ping",
        "success",
        200,
        "ping",
    )


async def test_refusals_and_crashes_leave_one_failure_row_and_nothing_of_the_write(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    refused = await client.post("/api/v1/accounts/5/conflict", headers=as_("alice"))
    assert refused.status_code == 409
    row = await one(app, refused)
    assert (row["action"], row["outcome"], row["status"], row["error_code"]) == (
        "refuse",
        "failure",
        409,
        "refused_here",
    )
    assert (row["object_type"], row["object_id"], row["after"], row["changed"]) == ("accounts", "5", None, [])

    crashed = await client.post("/api/v1/crash", headers=as_("alice"))
    assert crashed.status_code == 500
    row = await one(app, crashed)
    assert (row["actor"], row["outcome"], row["status"], row["error_code"]) == (
        "alice",
        "failure",
        500,
        "internal_error",
    )

    anonymous = await client.post("/api/v1/accounts")
    row = await one(app, anonymous)
    assert (row["actor"], row["role"], row["status"], row["error_code"]) == (None, None, 401, "unauthorized")
    unknown = await client.post("/api/v1/nowhere", headers=as_("alice"))
    row = await one(app, unknown)
    assert (row["action"], row["status"], row["actor"]) == ("unrouted", 404, None)

    async with app.state.read_sessionmaker() as session:
        names = (await session.execute(Account.__table__.select())).all()  # type: ignore[attr-defined]
    assert [n for n in names if n.name == "never"] == []


async def test_consumer_pulls_are_counted_and_other_reads_cost_nothing(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    pulled = await client.get("/api/v1/accounts", headers={"X-API-Key": "consumer"})
    row = await one(app, pulled)
    assert (row["action"], row["actor"], row["api_key_id"], row["dataset"], row["rows_returned"]) == (
        "data_pull",
        "city",
        42,
        "regions",
        3,
    )
    for headers in (as_("alice"), {"X-API-Key": "peer"}):
        read = await client.get("/api/v1/accounts", headers=headers)
        assert await audit_rows(app, read.headers["x-request-id"]) == []


async def test_the_table_refuses_changes_and_retention_takes_only_old_rows(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await client.post("/api/v1/ping", headers=as_("alice"))
    engine = app.state.engine
    for statement in (update(AUDIT).values(actor="mallory"), delete(AUDIT)):
        with pytest.raises(DBAPIError, match="append-only"):
            async with engine.begin() as conn:
                await conn.execute(statement)
    base = {
        "service": "kit-test",
        "action": "x",
        "method": "POST",
        "path": "/",
        "changed": [],
        "outcome": "success",
        "status": 200,
    }
    async with engine.begin() as conn:
        await conn.execute(insert(AUDIT).values(**base, occurred_at=utcnow() - timedelta(days=500)))
    async with app.state.sessionmaker() as session, session.begin():
        assert isinstance(session, AsyncSession)
        assert await prune_audit(session, retention_days=365) == 1
    assert len(await audit_rows(app)) == 1


async def test_a_nul_in_the_path_is_refused_and_recorded_without_it(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    refused = await client.post("/api/v1/notes/1%00x", headers=as_("alice"))
    assert refused.status_code == 422  # not a number
    row = await one(app, refused)
    assert (row["path"], row["status"], row["outcome"]) == ("/api/v1/notes/1x", 422, "failure")
