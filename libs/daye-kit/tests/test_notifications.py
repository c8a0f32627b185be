"""The kit's notifications on their own, on SQLite and PostgreSQL: one row per audience, written in
the caller's transaction (gone with it), references only the service declared, `not_sent` for
reminders, and each account reading and marking only the audiences it belongs to."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from sqlalchemy import Column, Integer, MetaData, select
from sqlalchemy.ext.asyncio import AsyncEngine

from daye_kit.auth import Principal, Role
from daye_kit.db import create_engine, create_sessionmaker
from daye_kit.errors import NotFound
from daye_kit.notifications import (
    BUREAU,
    NotificationFilter,
    Notifications,
    notifications_table,
    region_audience,
)
from daye_kit.pagination import PageParams

TABLE = notifications_table(MetaData(), Column("award_id", Integer, nullable=True))
NOTIFICATIONS = Notifications(TABLE)
ADMIN = Principal(username="admin", role=Role.admin)
TOWNSHIP = Principal(username="jinniu", role=Role.township, region_code="420281101")
OTHER_TOWNSHIP = Principal(username="baoan", role=Role.township, region_code="420281102")
PAGE = PageParams(limit=50, offset=0)


@pytest_asyncio.fixture
async def engine(empty_database: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(empty_database)
    async with engine.begin() as conn:
        await conn.run_sync(TABLE.metadata.create_all)
    yield engine
    await engine.dispose()


async def test_notifications_are_written_in_the_callers_transaction(engine: AsyncEngine) -> None:
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker() as session:
        sent = await NOTIFICATIONS.notify(
            session, audiences=[BUREAU, BUREAU, region_audience("420281101")], kind="k", title="t", award_id=7
        )
        assert sent == 2  # each audience once
        await session.rollback()
    async with sessionmaker() as session:
        assert (await session.execute(select(TABLE))).all() == []
    with pytest.raises(TypeError, match="no reference"):
        async with sessionmaker() as session:
            await NOTIFICATIONS.notify(session, audiences=[BUREAU], kind="k", title="t", demand_id=1)


async def test_each_account_reads_and_marks_its_own(engine: AsyncEngine) -> None:
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker() as session, session.begin():
        await NOTIFICATIONS.notify(session, audiences=[BUREAU], kind="due", title="x" * 300, award_id=7)
        await NOTIFICATIONS.notify(
            session, audiences=[region_audience("420281101")], kind="behind", title="y"
        )
    async with sessionmaker() as session, session.begin():
        bureau, total = await NOTIFICATIONS.page_of(
            session, principal=ADMIN, page=PAGE, where=NotificationFilter()
        )
        assert (total, bureau[0]["award_id"], len(bureau[0]["title"])) == (1, 7, 200)
        [mine], _ = await NOTIFICATIONS.page_of(
            session, principal=TOWNSHIP, page=PAGE, where=NotificationFilter()
        )
        assert (mine["kind"], mine["award_id"]) == ("behind", None)
        assert await NOTIFICATIONS.page_of(
            session, principal=OTHER_TOWNSHIP, page=PAGE, where=NotificationFilter()
        ) == ([], 0)
        with pytest.raises(NotFound):
            await NOTIFICATIONS.mark(session, principal=OTHER_TOWNSHIP, notification_id=mine["id"], read=True)
        marked = await NOTIFICATIONS.mark(session, principal=TOWNSHIP, notification_id=mine["id"], read=True)
        assert marked["read_at"] is not None
        unread = NotificationFilter(unread=True)
        assert await NOTIFICATIONS.page_of(session, principal=TOWNSHIP, page=PAGE, where=unread) == ([], 0)
        after = NotificationFilter(after_id=mine["id"])
        assert await NOTIFICATIONS.page_of(session, principal=ADMIN, page=PAGE, where=after) == ([], 0)


async def test_not_sent_finds_what_a_reminder_has_not_told_yet(engine: AsyncEngine) -> None:
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker() as session, session.begin():
        await NOTIFICATIONS.notify(session, audiences=[BUREAU], kind="due", title="t", award_id=7)
    async with sessionmaker() as session:
        for award_id, kind, expected in ((7, "due", False), (8, "due", True), (7, "overdue", True)):
            answer = (
                await session.execute(select(NOTIFICATIONS.not_sent(kind, award_id=award_id)))
            ).scalar_one()
            assert bool(answer) is expected, (award_id, kind)


async def test_marking_all_read_touches_only_the_callers_unread_up_to_what_they_saw(
    engine: AsyncEngine,
) -> None:
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker() as session, session.begin():
        for title in ("a", "b", "c"):
            await NOTIFICATIONS.notify(session, audiences=[BUREAU], kind="due", title=title, award_id=7)
        await NOTIFICATIONS.notify(
            session, audiences=[region_audience("420281101")], kind="behind", title="t"
        )
    async with sessionmaker() as session, session.begin():
        shown, _ = await NOTIFICATIONS.page_of(
            session, principal=ADMIN, page=PAGE, where=NotificationFilter()
        )
        first, second, _third = (row["id"] for row in shown)
        await NOTIFICATIONS.mark(session, principal=ADMIN, notification_id=first, read=True)
        # The bureau saw two; the third arrived after: it stays unread. The first was read already.
        assert await NOTIFICATIONS.mark_all_read(session, principal=ADMIN, up_to_id=second) == 1
        unread = NotificationFilter(unread=True)
        left, total = await NOTIFICATIONS.page_of(session, principal=ADMIN, page=PAGE, where=unread)
        assert (total, left[0]["title"]) == (1, "c")
        assert await NOTIFICATIONS.mark_all_read(session, principal=ADMIN, up_to_id=None) == 1
        assert await NOTIFICATIONS.mark_all_read(session, principal=ADMIN, up_to_id=None) == 0
        # The township's notice is untouched by the bureau's marking.
        assert (await NOTIFICATIONS.page_of(session, principal=TOWNSHIP, page=PAGE, where=unread))[1] == 1
