"""The kit's change feed on its own: events in commit order with no gap and no repeat for a consumer
that follows `next_cursor`, even when a transaction that took its position first commits last (on
PostgreSQL); type filters; retention and expired cursors; peer messages kept out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from pydantic import BaseModel, Field
from sqlalchemy import text, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from daye_dev.databases import postgres_admin_url
from daye_kit.auth import Principal, Role
from daye_kit.db import create_engine, create_sessionmaker
from daye_kit.errors import install_problem_handlers
from daye_kit.feed import EventType, emit, encode_cursor, feed_router, prune_events
from daye_kit.outbox import EVENTS, record_event
from daye_kit.timestamps import utcnow


class Thing(BaseModel):
    id: int = Field(description="编号")
    name: str = Field(description="名称")


MADE = EventType("thing.made", Thing, "things", "造了一个东西")
RENAMED = EventType("thing.renamed", Thing, "things", "改了名")
CATALOGUE = [MADE, RENAMED]


def admin() -> Principal:
    return Principal(username="admin", role=Role.admin)


@pytest_asyncio.fixture
async def engine(empty_database: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(empty_database)
    async with engine.begin() as conn:
        await conn.run_sync(EVENTS.metadata.create_all)
    yield engine
    await engine.dispose()


@pytest_asyncio.fixture
async def client(engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    install_problem_handlers(app)
    app.state.sessionmaker = create_sessionmaker(engine)
    app.include_router(feed_router(CATALOGUE, service="thing-api", reader=admin))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield client


async def made(session: AsyncSession, number: int, kind: EventType = MADE) -> None:
    await emit(session, kind, subject=f"thing:{number}", data=Thing(id=number, name=f"t{number}"))


async def follow(
    client: httpx.AsyncClient, cursor: str | None, **params: Any
) -> tuple[list[dict[str, Any]], str]:
    """Every page from `cursor` until a page comes back empty."""
    seen: list[dict[str, Any]] = []
    while True:
        query = {**params, **({"after": cursor} if cursor else {})}
        answer = await client.get("/api/v1/events", params=query)
        assert answer.status_code == 200, answer.text
        page = answer.json()
        cursor = page["next_cursor"]
        if not page["items"]:
            assert cursor is not None
            return seen, cursor
        seen.extend(page["items"])


async def test_pages_follow_each_other_without_gap_or_repeat(
    engine: AsyncEngine, client: httpx.AsyncClient
) -> None:
    sessionmaker = create_sessionmaker(engine)
    for number in range(1, 8):
        async with sessionmaker() as session, session.begin():
            await made(session, number, MADE if number % 2 else RENAMED)
    async with sessionmaker() as session, session.begin():
        # A message for a peer rides the same table but is not the feed's.
        await record_event(session, type="thing.made", subject="thing:99", data={"x": 1}, to="peer")

    everything, cursor = await follow(client, None, limit=3)
    assert [event["data"]["id"] for event in everything] == [1, 2, 3, 4, 5, 6, 7]
    assert len({event["id"] for event in everything}) == 7
    assert everything[0] == {
        "id": everything[0]["id"],
        "type": "thing.made",
        "occurred_at": everything[0]["occurred_at"],
        "subject": "thing:1",
        "data": {"id": 1, "name": "t1"},
    }

    renamed, _ = await follow(client, None, types="thing.renamed")
    assert [event["data"]["id"] for event in renamed] == [2, 4, 6]

    async with sessionmaker() as session, session.begin():
        await made(session, 8)
    later, _ = await follow(client, cursor)
    assert [event["data"]["id"] for event in later] == [8]


async def test_bad_input_is_named(client: httpx.AsyncClient) -> None:
    unknown = await client.get("/api/v1/events", params={"types": "thing.made,thing.eaten"})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "query.types"
    assert "thing.eaten" in unknown.json()["errors"][0]["message"]
    garbage = await client.get("/api/v1/events", params={"after": "not-a-cursor"})
    assert garbage.status_code == 422
    assert garbage.json()["errors"][0]["field"] == "query.after"
    too_many = await client.get("/api/v1/events", params={"limit": 5000})
    assert too_many.status_code == 422


async def test_an_empty_feed_gives_a_cursor_that_sees_what_comes(
    engine: AsyncEngine, client: httpx.AsyncClient
) -> None:
    nothing, cursor = await follow(client, None)
    assert nothing == []
    async with create_sessionmaker(engine)() as session, session.begin():
        await made(session, 1)
    first, _ = await follow(client, cursor)
    assert [event["subject"] for event in first] == ["thing:1"]


async def test_a_transaction_that_commits_last_is_not_skipped(
    engine: AsyncEngine, client: httpx.AsyncClient, backend: str
) -> None:
    """`late` takes the lower row id, `early` commits first. A reader of `id > last` would serve
    early's row (id 2), then skip late's (id 1) for good once it commits."""
    sessionmaker = create_sessionmaker(engine)
    if backend == "sqlite":
        # One writer at a time: what commits first was also recorded first; the order is the ids'.
        for number in (1, 2):
            async with sessionmaker() as session, session.begin():
                await made(session, number)
        served, _ = await follow(client, None)
        assert [event["data"]["id"] for event in served] == [1, 2]
        return

    early = sessionmaker()
    late = sessionmaker()
    try:
        await early.begin()
        await early.execute(text("SELECT pg_current_xact_id()"))  # the older transaction id
        await late.begin()
        await made(late, 1)  # the lower row id, in the younger transaction
        await made(early, 2)
        await early.commit()  # the older transaction's event is settled; the younger is still open
        served, cursor = await follow(client, None)
        assert [event["data"]["id"] for event in served] == [2]
        await late.commit()
        rest, _ = await follow(client, cursor)
        assert [event["data"]["id"] for event in rest] == [1]
    finally:
        await early.close()
        await late.close()


async def test_an_open_transaction_delays_only_its_own_events(
    engine: AsyncEngine, client: httpx.AsyncClient, backend: str
) -> None:
    """Events take their place as their transaction commits: those committed around a long
    transaction are served at once, and its own follow them when it commits, none lost."""
    sessionmaker = create_sessionmaker(engine)
    if backend == "sqlite":  # one writer: nothing commits around an open transaction
        async with sessionmaker() as session, session.begin():
            await made(session, 1)
        served, _ = await follow(client, None)
        assert len(served) == 1
        return
    holder = sessionmaker()
    try:
        await holder.begin()
        await made(holder, 1)
        writers = []
        for number in range(2, 12):

            async def write(number: int = number) -> None:
                async with sessionmaker() as session, session.begin():
                    await made(session, number)

            writers.append(write())
        await asyncio.gather(*writers)
        around, cursor = await follow(client, None)
        assert sorted(event["data"]["id"] for event in around) == list(range(2, 12))
        await holder.commit()
        late, _ = await follow(client, cursor)
        assert [event["data"]["id"] for event in late] == [1]
    finally:
        await holder.close()


async def test_the_last_to_commit_is_the_last_served(
    engine: AsyncEngine, client: httpx.AsyncClient, backend: str
) -> None:
    """Two transactions change one subject: the one that commits last is served last, whichever
    started or wrote first, so a consumer keeping the latest data per subject keeps the newest."""
    sessionmaker = create_sessionmaker(engine)
    if backend == "sqlite":
        for name in ("first", "second"):
            async with sessionmaker() as session, session.begin():
                await emit(session, RENAMED, subject="thing:1", data=Thing(id=1, name=name))
    else:
        early, late = sessionmaker(), sessionmaker()
        try:
            await early.begin()
            await emit(early, RENAMED, subject="thing:1", data=Thing(id=1, name="first"))
            await late.begin()
            await emit(late, RENAMED, subject="thing:1", data=Thing(id=1, name="second"))
            await late.commit()
            await early.commit()  # wrote first, commits last: its data is the newest
        finally:
            await early.close()
            await late.close()
    served, _ = await follow(client, None)
    expected = "first" if backend == "postgresql" else "second"
    assert served[-1]["data"]["name"] == expected


async def test_retention_keeps_the_newest_and_expires_old_cursors(
    engine: AsyncEngine, client: httpx.AsyncClient
) -> None:
    sessionmaker = create_sessionmaker(engine)
    for number in (1, 2, 3):
        async with sessionmaker() as session, session.begin():
            await made(session, number)
    served, newest_cursor = await follow(client, None)
    first_cursor = encode_cursor(0)
    page = (await client.get("/api/v1/events", params={"limit": 1})).json()
    oldest_cursor = page["next_cursor"]
    assert oldest_cursor != first_cursor
    assert [event["data"]["id"] for event in page["items"]] == [1]
    async with sessionmaker() as session, session.begin():
        await session.execute(update(EVENTS).values(occurred_at=utcnow() - timedelta(days=100)))
        pending = await record_event(session, type="thing.made", subject="thing:9", data={}, to="peer")
        await session.execute(
            update(EVENTS)
            .where(EVENTS.c.event_id == pending)
            .values(occurred_at=utcnow() - timedelta(days=100))
        )
    async with sessionmaker() as session, session.begin():
        assert await prune_events(session, retention_days=90) == 2  # 1 and 2; 3 is the newest of the feed's
    async with sessionmaker() as session:
        kept = (await session.execute(EVENTS.select().order_by(EVENTS.c.id))).mappings().all()
    assert [row["subject"] for row in kept] == ["thing:3", "thing:9"]  # the peer's is still to deliver

    expired = await client.get("/api/v1/events", params={"after": oldest_cursor})
    assert expired.status_code == 410
    assert expired.json()["code"] == "cursor_expired"
    current, _ = await follow(client, newest_cursor)
    assert current == []  # an up-to-date consumer keeps its place
    from_start, _ = await follow(client, None)
    assert [event["data"]["id"] for event in from_start] == [3]
    assert len(served) == 3


def test_event_types_are_noun_dot_verb() -> None:
    with pytest.raises(ValueError, match="noun"):
        EventType("thingmade", Thing, "things", "x")
    with pytest.raises(ValueError, match="twice"):
        feed_router([MADE, MADE], service="thing-api", reader=admin)


async def test_emit_checks_the_data_schema(engine: AsyncEngine) -> None:
    class Other(BaseModel):
        id: int

    async with create_sessionmaker(engine)() as session:
        with pytest.raises(TypeError, match="carries Thing"):
            await emit(session, MADE, subject="thing:1", data=Other(id=1))  # type: ignore[arg-type]


async def test_a_transaction_in_another_database_does_not_hold_the_feed_back(
    engine: AsyncEngine, client: httpx.AsyncClient, backend: str
) -> None:
    """On a server shared by several services, a long transaction in one's database must not stall
    the others' feeds (the cluster-wide xmin would)."""
    sessionmaker = create_sessionmaker(engine)
    if backend == "sqlite":  # one database per file: nothing else shares it
        async with sessionmaker() as session, session.begin():
            await made(session, 1)
        assert len((await follow(client, None))[0]) == 1
        return
    other = await asyncpg.connect(
        make_url(postgres_admin_url()).set(drivername="postgresql").render_as_string(False)
    )
    try:
        elsewhere = other.transaction()
        await elsewhere.start()
        await other.execute("SELECT pg_current_xact_id()")  # an older transaction id, in database `postgres`
        async with sessionmaker() as session, session.begin():
            await made(session, 1)
        served, _ = await follow(client, None)
        assert [event["data"]["id"] for event in served] == [1]
        await elsewhere.rollback()
    finally:
        await other.close()


async def test_a_caller_limited_to_datasets_sees_only_their_events(engine: AsyncEngine) -> None:
    class Gadget(BaseModel):
        id: int = Field(description="编号")

    built = EventType("gadget.built", Gadget, "gadgets", "造了一个小玩意")

    def consumer() -> Principal:
        return Principal(username="exchange", role=Role.viewer, scopes=["read:things"])

    app = FastAPI()
    install_problem_handlers(app)
    app.state.sessionmaker = create_sessionmaker(engine)
    app.include_router(feed_router([MADE, RENAMED, built], service="thing-api", reader=consumer))
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker() as session, session.begin():
        await made(session, 1)
        await emit(session, built, subject="gadget:1", data=Gadget(id=1))
        await made(session, 2, RENAMED)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        seen, _ = await follow(client, None)
        assert [event["type"] for event in seen] == ["thing.made", "thing.renamed"]
        # Asking for the other dataset's type by name shows nothing either.
        gadgets, _ = await follow(client, None, types="gadget.built")
        assert gadgets == []
