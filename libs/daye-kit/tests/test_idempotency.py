"""The kit's Idempotency-Key mechanism on its own, on SQLite and PostgreSQL: one answer per
(caller, key), refusals of a reused key, failures that do not pin it, a retry that meets the first
still running, and keys that expire."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import pytest_asyncio
from pydantic import BaseModel
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from daye_kit.db import create_engine, create_sessionmaker
from daye_kit.errors import Conflict, NotFound
from daye_kit.idempotency import (
    KEYS,
    Answer,
    Claim,
    IdempotencyKeyInUse,
    IdempotencyKeyReused,
    Policy,
    answer_once,
    fingerprint,
    purge_expired,
)
from daye_kit.timestamps import utcnow

things = Table("things", MetaData(), Column("id", Integer, primary_key=True), Column("name", String(32)))


class Thing(BaseModel):
    id: int
    name: str


class Sold(Conflict):
    code = "sold_out"


@pytest_asyncio.fixture
async def engine(empty_database: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(empty_database)
    async with engine.begin() as conn:
        await conn.run_sync(KEYS.metadata.create_all)
        await conn.run_sync(things.metadata.create_all)
    yield engine
    await engine.dispose()


def claim(name: str = "pump", *, key: str = "k1", principal: str = "alice") -> Claim:
    return Claim(
        principal, key, "create_thing", fingerprint("create_thing", "/things", Thing(id=0, name=name))
    )


async def make(session: AsyncSession, name: str) -> Thing:
    result = await session.execute(insert(things).values(name=name).returning(things.c.id))
    return Thing(id=result.scalar_one(), name=name)


async def once(engine: AsyncEngine, c: Claim | None, name: str = "pump", **options: object) -> Answer:
    async with create_sessionmaker(engine)() as session, session.begin():
        return await answer_once(session, c, lambda: make(session, name), **options)  # type: ignore[arg-type]


async def count(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(things))).scalar_one())


async def test_a_key_answers_its_first_answer_again(engine: AsyncEngine) -> None:
    first = await once(engine, claim())
    again = await once(engine, claim())
    assert (first.status_code, first.replayed, again.replayed) == (201, False, True)
    assert again.body == first.body
    assert await count(engine) == 1
    # The same string is another key for another caller; without a key, every call creates.
    assert not (await once(engine, claim(principal="bob"))).replayed
    await once(engine, None)
    assert await count(engine) == 3


async def test_a_key_used_for_another_request_is_refused(engine: AsyncEngine) -> None:
    await once(engine, claim("pump"))
    with pytest.raises(IdempotencyKeyReused) as refused:
        await once(engine, claim("valve"), "valve")
    assert [e.field for e in refused.value.errors] == ["header.Idempotency-Key"]
    assert await count(engine) == 1


async def test_a_failure_does_not_pin_the_key(engine: AsyncEngine) -> None:
    async def fail(session: AsyncSession) -> Thing:
        await make(session, "half-made")
        raise NotFound("the supplier is gone")

    with pytest.raises(NotFound):
        async with create_sessionmaker(engine)() as session, session.begin():
            await answer_once(session, claim(), lambda: fail(session))
    assert await count(engine) == 0
    assert not (await once(engine, claim())).replayed
    assert await count(engine) == 1


async def test_a_kept_refusal_is_stored_and_its_work_undone(engine: AsyncEngine) -> None:
    async def refuse(session: AsyncSession) -> Thing:
        await make(session, "half-made")
        raise Sold("none left")

    async with create_sessionmaker(engine)() as session, session.begin():
        first = await answer_once(session, claim(), lambda: refuse(session), keep=(Sold,))
    assert (first.status_code, b"sold_out" in first.body) == (409, True)
    assert await count(engine) == 0  # the savepoint undid the half-made row
    again = await once(engine, claim())  # would succeed now, but the key keeps its refusal
    assert (again.status_code, again.body, again.replayed) == (409, first.body, True)
    assert await count(engine) == 0


async def test_an_expired_key_is_forgotten_and_purged(engine: AsyncEngine) -> None:
    await once(engine, claim(key="old"))
    await once(engine, claim(key="new"))
    long_ago = utcnow() - timedelta(hours=73)
    async with engine.begin() as conn:
        await conn.execute(update(KEYS).where(KEYS.c.key == "old").values(created_at=long_ago))
    assert not (await once(engine, claim(key="old"))).replayed  # 73 h later the key is new again
    assert await count(engine) == 3
    async with engine.begin() as conn:
        await conn.execute(update(KEYS).where(KEYS.c.key == "old").values(created_at=long_ago))
        assert await purge_expired(conn, retention=timedelta(hours=72)) == 1
        assert (await conn.execute(select(KEYS.c.key))).scalars().all() == ["new"]


async def test_a_retry_waits_for_the_first_and_replays_it(engine: AsyncEngine) -> None:
    """SQLite queues the retry behind the first's write lock, PostgreSQL behind its key's row."""
    started, release = asyncio.Event(), asyncio.Event()

    async def slow(session: AsyncSession) -> Thing:
        started.set()
        await release.wait()
        return await make(session, "pump")

    async def first() -> Answer:
        async with create_sessionmaker(engine)() as session, session.begin():
            return await answer_once(session, claim(), lambda: slow(session))

    running = asyncio.create_task(first())
    await started.wait()
    retry = asyncio.create_task(once(engine, claim()))
    await asyncio.sleep(0.3)
    assert not retry.done()
    release.set()
    original, replay = await running, await retry
    assert (original.replayed, replay.replayed, replay.body) == (False, True, original.body)
    assert await count(engine) == 1


# PostgreSQL only: on SQLite a second writer waits for the database's lock (its busy timeout), never
# for a key, so there is no in-flight key to be told about.
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_a_retry_that_waits_too_long_is_told_to_come_back(engine: AsyncEngine, backend: str) -> None:
    started, release = asyncio.Event(), asyncio.Event()

    async def slow(session: AsyncSession) -> Thing:
        started.set()
        await release.wait()
        return await make(session, "pump")

    async def first() -> Answer:
        async with create_sessionmaker(engine)() as session, session.begin():
            return await answer_once(session, claim(), lambda: slow(session))

    running = asyncio.create_task(first())
    await started.wait()
    with pytest.raises(IdempotencyKeyInUse) as in_use:
        await once(engine, claim(), policy=Policy(wait_seconds=0.2))
    assert (in_use.value.status, in_use.value.headers["Retry-After"]) == (409, "1")
    release.set()
    assert not (await running).replayed
    assert (await once(engine, claim())).replayed
    assert await count(engine) == 1
