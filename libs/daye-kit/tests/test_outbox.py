"""The kit's outbox on its own, on SQLite and PostgreSQL: an event commits with the write that causes
it, delivery in order per subject through a peer that fails and recovers, dead after N attempts,
two dispatchers that never deliver one event at once, and a receiver that applies an event once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from daye_kit.auth import Principal, Role
from daye_kit.db import create_engine, create_sessionmaker
from daye_kit.errors import PeerUnavailable
from daye_kit.outbox import EVENTS, RECEIVED, Event, deliver_pending, receive, record_event
from daye_kit.timestamps import as_utc, utcnow

things = Table("things", MetaData(), Column("id", Integer, primary_key=True), Column("name", String(32)))


@pytest_asyncio.fixture
async def engine(empty_database: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(empty_database)
    async with engine.begin() as conn:
        await conn.run_sync(EVENTS.metadata.create_all)
        await conn.run_sync(things.metadata.create_all)
    yield engine
    await engine.dispose()


class Peer:
    """A peer that records what it got, and refuses the subjects it is told to."""

    def __init__(self, delay: float = 0.0) -> None:
        self.got: list[Event] = []
        self.refusing: set[str] = set()
        self.delay = delay

    async def __call__(self, event: Event) -> None:
        await asyncio.sleep(self.delay)
        if event.subject in self.refusing:
            raise PeerUnavailable("peer answered 503")
        self.got.append(event)


async def write(engine: AsyncEngine, name: str, subject: str) -> None:
    async with create_sessionmaker(engine)() as session, session.begin():
        await session.execute(insert(things).values(name=name))
        await record_event(session, type="thing.made", subject=subject, data={"name": name}, to="peer")


async def everything_due(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker() as session, session.begin():
        await session.execute(update(EVENTS).values(next_attempt_at=utcnow()))


async def states(sessionmaker: async_sessionmaker[AsyncSession]) -> list[tuple[str, str, int]]:
    async with sessionmaker() as session:
        rows = await session.execute(
            select(EVENTS.c.data, EVENTS.c.state, EVENTS.c.attempts).order_by(EVENTS.c.id)
        )
        return [(data["name"], state, attempts) for data, state, attempts in rows.all()]


async def test_a_write_and_its_event_commit_together(engine: AsyncEngine, backend: str) -> None:
    sessionmaker = create_sessionmaker(engine)

    async def fail_after_the_event() -> None:
        async with sessionmaker() as session, session.begin():
            await session.execute(insert(things).values(name="lost"))
            await record_event(session, type="thing.made", subject="thing:1", data={"name": "x"}, to="peer")
            raise RuntimeError("the write fails after its event was recorded")

    with pytest.raises(RuntimeError):
        await fail_after_the_event()
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(things)) == 0
        assert await session.scalar(select(func.count()).select_from(EVENTS)) == 0
    await write(engine, "kept", "thing:1")
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(things)) == 1
        row = (await session.execute(select(EVENTS))).mappings().one()
    assert (row["type"], row["subject"], row["state"], row["data"]) == (
        "thing.made",
        "thing:1",
        "pending",
        {"name": "kept"},
    )
    # PostgreSQL stamps the transaction, so a feed can read in commit order.
    assert (row["xact_id"] > 0) == (backend == "postgresql")  # SQLite stamps 0: it commits in id order


async def test_delivery_waits_per_subject_through_a_peer_that_fails_then_recovers(
    engine: AsyncEngine,
) -> None:
    sessionmaker = create_sessionmaker(engine)
    for name, subject in [("a1", "A"), ("a2", "A"), ("b1", "B"), ("a3", "A")]:
        await write(engine, name, subject)
    peer = Peer()
    peer.refusing = {"A"}
    deliver = lambda: deliver_pending(sessionmaker, {"peer": peer}, source="kit", backoff_base=0.01)  # noqa: E731
    assert await deliver() == 1  # b1; a1 failed, a2 and a3 wait behind it
    assert [e.data["name"] for e in peer.got] == ["b1"]
    assert await states(sessionmaker) == [
        ("a1", "pending", 1),
        ("a2", "pending", 0),
        ("b1", "delivered", 1),
        ("a3", "pending", 0),
    ]
    peer.refusing = set()
    await everything_due(sessionmaker)
    while await deliver():
        pass
    assert [e.data["name"] for e in peer.got] == ["b1", "a1", "a2", "a3"]
    assert {state for _, state, _ in await states(sessionmaker)} == {"delivered"}
    assert len({e.id for e in peer.got}) == 4


async def test_an_event_is_dead_after_its_attempts_and_holds_back_its_subject(engine: AsyncEngine) -> None:
    sessionmaker = create_sessionmaker(engine)
    await write(engine, "a1", "A")
    await write(engine, "a2", "A")
    peer = Peer()
    peer.refusing = {"A"}
    for _ in range(3):
        await everything_due(sessionmaker)
        await deliver_pending(sessionmaker, {"peer": peer}, source="kit", max_attempts=3)
    assert await states(sessionmaker) == [("a1", "dead", 3), ("a2", "pending", 0)]
    peer.refusing = set()
    await everything_due(sessionmaker)
    assert await deliver_pending(sessionmaker, {"peer": peer}, source="kit", max_attempts=3) == 0
    assert peer.got == []  # a2 does not overtake the dead a1
    # What the admin's retry does: back to pending, attempts from zero.
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(EVENTS).where(EVENTS.c.state == "dead").values(state="pending", attempts=0)
        )
    while await deliver_pending(sessionmaker, {"peer": peer}, source="kit"):
        pass
    assert [e.data["name"] for e in peer.got] == ["a1", "a2"]


async def test_two_dispatchers_never_deliver_an_event_twice_or_out_of_order(engine: AsyncEngine) -> None:
    sessionmaker = create_sessionmaker(engine)
    for i in range(6):
        await write(engine, f"e{i}", f"S{i % 2}")
    peer = Peer(delay=0.05)

    async def dispatcher() -> None:
        for _ in range(8):
            await deliver_pending(sessionmaker, {"peer": peer}, source="kit")

    await asyncio.gather(dispatcher(), dispatcher())
    names = [e.data["name"] for e in peer.got]
    assert sorted(names) == [f"e{i}" for i in range(6)]  # each once
    for subject in ("S0", "S1"):
        mine = [e.data["name"] for e in peer.got if e.subject == subject]
        assert mine == sorted(mine)


async def test_a_crashed_dispatchers_batch_waits_out_its_lease_then_is_delivered(engine: AsyncEngine) -> None:
    sessionmaker = create_sessionmaker(engine)
    for i in range(4):
        await write(engine, f"e{i}", f"S{i}")
    peer = Peer()

    async def crash_on_the_third(event: Event) -> None:
        if len(peer.got) == 2:
            raise KeyboardInterrupt  # the process dies: nothing after this runs
        await peer(event)

    started = utcnow()
    with pytest.raises(KeyboardInterrupt):
        await deliver_pending(sessionmaker, {"peer": crash_on_the_third}, source="kit", lease_seconds=0.5)
    async with sessionmaker() as session:
        leased = (
            await session.execute(select(EVENTS.c.claimed_until).where(EVENTS.c.state == "pending"))
        ).scalars()
        until = [as_utc(moment) for moment in leased]
    # The two undelivered events are held for the lease, not the default minute.
    assert len(until) == 2
    assert all(started < moment <= utcnow() + timedelta(seconds=0.5) for moment in until)
    assert await deliver_pending(sessionmaker, {"peer": peer}, source="kit") == 0
    await asyncio.sleep(0.6)
    assert await deliver_pending(sessionmaker, {"peer": peer}, source="kit") == 2
    assert [e.data["name"] for e in peer.got] == ["e0", "e1", "e2", "e3"]


async def test_the_receiver_applies_an_event_once(engine: AsyncEngine) -> None:
    sessionmaker = create_sessionmaker(engine)
    applied: list[str] = []

    async def handler(session: AsyncSession, event: Event, principal: Principal) -> None:
        await session.execute(insert(things).values(name=event.data["name"]))
        applied.append(event.id)

    event = Event(
        id="0b6c2c1e-0000-4000-8000-000000000001",
        type="thing.made",
        occurred_at=datetime(2025, 6, 30, tzinfo=UTC),
        subject="thing:1",
        data={"name": "once"},
        source="kit",
    )
    service = Principal(username="svc-kit", role=Role.service)
    results = []
    for _ in range(2):
        async with sessionmaker() as session, session.begin():
            results.append(await receive(session, event, service, {"thing.made": handler}))
    assert results == [True, False]
    assert applied == [event.id]
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(things)) == 1
        assert await session.scalar(select(func.count()).select_from(RECEIVED)) == 1

    # A handler that fails leaves no trace: the event is applied when it comes again.
    async def failing(session: AsyncSession, event: Event, principal: Principal) -> None:
        raise RuntimeError("the effect fails")

    other = event.model_copy(update={"id": "0b6c2c1e-0000-4000-8000-000000000002"})

    async def receive_failing() -> None:
        async with sessionmaker() as session, session.begin():
            await receive(session, other, service, {"thing.made": failing})

    with pytest.raises(RuntimeError):
        await receive_failing()
    async with sessionmaker() as session, session.begin():
        assert await receive(session, other, service, {"thing.made": handler}) is True
