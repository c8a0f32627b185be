"""Scheduled duties on their own: occurrences in Daye's time, catch-up after downtime, one run per
occurrence whatever the number of runners (SQLite and PostgreSQL), failures recorded and retried,
and a runner that survives them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio
from fastapi import FastAPI
from pydantic import ValidationError
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from daye_kit.db import create_engine, create_sessionmaker
from daye_kit.duties import (
    RUNS,
    Duty,
    DutyContext,
    DutyRunner,
    DutySchedule,
    DutySkipped,
    Occurrence,
    Summary,
    as_configured,
)

effects = Table(
    "effects", MetaData(), Column("id", Integer, primary_key=True), Column("occurrence", String(80))
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


class Clock:
    def __init__(self, now: str) -> None:
        self.now = at(now)

    def __call__(self) -> datetime:
        return self.now


async def record_effect(context: DutyContext) -> Summary:
    await context.session.execute(insert(effects).values(occurrence=context.occurrence.key))
    # Long enough for a second runner to try the same occurrence meanwhile.
    await asyncio.sleep(0.05)
    return {"written": 1}


async def fail_after_writing(context: DutyContext) -> Summary:
    await context.session.execute(insert(effects).values(occurrence=context.occurrence.key))
    raise ConnectionError("indicator-api is down")


async def nothing_to_do(context: DutyContext) -> Summary:
    raise DutySkipped("no programme has a rule")


HOURLY = Duty("hourly", "0 * * * *", "每小时", record_effect, grace=timedelta(hours=1))


@pytest_asyncio.fixture
async def engines(empty_database: str) -> AsyncIterator[Callable[[], AsyncEngine]]:
    """Engines on one database: each like another replica's."""
    made: list[AsyncEngine] = []

    def make() -> AsyncEngine:
        made.append(create_engine(empty_database))
        return made[-1]

    async with make().begin() as conn:
        await conn.run_sync(RUNS.metadata.create_all)
        await conn.run_sync(effects.metadata.create_all)
    yield make
    for engine in made:
        await engine.dispose()


def runner(engine: AsyncEngine, duties: list[Duty], clock: Clock, name: str = "r1") -> DutyRunner:
    app = FastAPI()
    app.state.sessionmaker = create_sessionmaker(engine)
    return DutyRunner(app, duties, interval=0.01, clock=clock, name=name)


async def effect_count(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(effects))).scalar_one())


async def runs(engine: AsyncEngine) -> list[dict[str, object]]:
    async with engine.connect() as conn:
        return [
            dict(row) for row in (await conn.execute(select(RUNS).order_by(RUNS.c.started_at))).mappings()
        ]


def test_occurrences_are_read_in_daye_time() -> None:
    daily = Duty("daily", "5 0 * * *", "每日", record_effect, grace=timedelta(days=1))
    # 2026-11-30 16:30 UTC is 00:30 on 1 December in Daye: that day's 00:05 has passed.
    now = at("2026-11-30T16:30:00+00:00")
    assert daily.latest(now) == at("2026-12-01T00:05:00+08:00")
    assert daily.following(now) == at("2026-12-02T00:05:00+08:00")
    assert daily.due(now) == Occurrence.scheduled(at("2026-12-01T00:05:00+08:00"))
    # An occurrence at the very instant counts as the latest.
    assert HOURLY.latest(at("2026-11-30T05:00:00+00:00")) == at("2026-11-30T05:00:00+00:00")


def test_an_occurrence_past_its_grace_is_not_due() -> None:
    strict = Duty("strict", "0 1 * * *", "每日", record_effect, grace=timedelta(minutes=30))
    assert strict.due(at("2026-12-01T01:20:00+08:00")) is not None
    assert strict.due(at("2026-12-01T01:40:00+08:00")) is None


def test_a_schedule_that_is_not_cron_is_refused() -> None:
    with pytest.raises(ValueError, match="not a cron schedule"):
        Duty("broken", "every hour", "坏的", record_effect)


async def test_after_downtime_the_latest_missed_occurrence_runs_once(
    engines: Callable[[], AsyncEngine],
) -> None:
    engine = engines()
    clock = Clock("2026-11-30T08:00:00+08:00")
    first = runner(engine, [HOURLY], clock)
    assert len(await first.tick()) == 1
    # Three days down: 72 occurrences missed, the latest is within its grace and runs once.
    clock.now += timedelta(days=3, minutes=20)
    made = await first.tick()
    assert [run["occurrence"] for run in made] == [at("2026-12-03T08:00:00+08:00").isoformat()]
    assert await first.tick() == []
    assert await effect_count(engine) == 2


async def test_two_runners_run_each_occurrence_once(engines: Callable[[], AsyncEngine]) -> None:
    clock = Clock("2026-11-30T08:00:30+08:00")
    replicas = [runner(engines(), [HOURLY], clock, name=f"replica-{i}") for i in range(2)]
    for _ in range(3):
        results = await asyncio.gather(*(replica.tick() for replica in replicas))
        assert sorted(len(made) for made in results) == [0, 1]
        clock.now += timedelta(hours=1)
    engine = engines()
    assert await effect_count(engine) == 3
    recorded = await runs(engine)
    assert [run["outcome"] for run in recorded] == ["ok", "ok", "ok"]
    assert len({run["occurrence"] for run in recorded}) == 3


async def test_a_failing_duty_is_recorded_and_its_effects_rolled_back(
    engines: Callable[[], AsyncEngine],
) -> None:
    engine = engines()
    clock = Clock("2026-11-30T08:10:00+08:00")
    failing = Duty("publish", "0 * * * *", "报送", fail_after_writing, retry_after=timedelta(minutes=1))
    made = await runner(engine, [failing], clock).tick()
    assert [(run["outcome"], run["attempts"]) for run in made] == [("failed", 1)]
    assert made[0]["error"] == "ConnectionError: indicator-api is down"
    assert await effect_count(engine) == 0
    # Not again before `retry_after`; then once more (another attempt of the same occurrence).
    assert await runner(engine, [failing], clock).tick() == []
    clock.now += timedelta(minutes=2)
    again = await runner(engine, [failing], clock).tick()
    assert [(run["outcome"], run["attempts"]) for run in again] == [("failed", 2)]
    assert [(run["outcome"], run["attempts"]) for run in await runs(engine)] == [("failed", 2)]
    # The third attempt is the last: after it, the occurrence waits for the next one.
    clock.now += timedelta(minutes=3)
    assert len(await runner(engine, [failing], clock).tick()) == 1
    clock.now += timedelta(minutes=10)
    assert await runner(engine, [failing], clock).tick() == []
    assert [(run["outcome"], run["attempts"]) for run in await runs(engine)] == [("failed", 3)]


async def test_a_failed_occurrence_retried_by_two_runners_runs_once(
    engines: Callable[[], AsyncEngine],
) -> None:
    clock = Clock("2026-11-30T08:10:00+08:00")
    failing = Duty("hourly", "0 * * * *", "报送", fail_after_writing)
    await runner(engines(), [failing], clock).tick()
    clock.now += timedelta(minutes=5)
    replicas = [runner(engines(), [HOURLY], clock, name=f"replica-{i}") for i in range(2)]
    results = await asyncio.gather(*(replica.tick() for replica in replicas))
    assert sorted(len(made) for made in results) == [0, 1]
    recorded = await runs(engines())
    assert [(run["outcome"], run["attempts"]) for run in recorded] == [("ok", 2)]
    assert await effect_count(engines()) == 1


async def commit_then_die(context: DutyContext) -> Summary:
    """A duty that commits its claim before a peer call, in a replica killed during that call."""
    await context.session.commit()
    raise asyncio.CancelledError


async def test_an_occurrence_left_running_by_a_dead_runner_is_taken_over_once(
    engines: Callable[[], AsyncEngine],
) -> None:
    clock = Clock("2026-11-30T08:10:00+08:00")
    dying = Duty("hourly", "0 * * * *", "报送", commit_then_die, grace=timedelta(hours=1))
    with pytest.raises(asyncio.CancelledError):
        await runner(engines(), [dying], clock).tick()
    assert [(run["outcome"], run["attempts"]) for run in await runs(engines())] == [("running", 1)]
    # A claim this recent may belong to a runner still waiting on its peer: left alone.
    clock.now += timedelta(minutes=5)
    assert await runner(engines(), [HOURLY], clock).tick() == []
    # Past `abandoned_after`, two replicas see it; one takes it over and completes it.
    clock.now += timedelta(minutes=6)
    replicas = [runner(engines(), [HOURLY], clock, name=f"replica-{i}") for i in range(2)]
    results = await asyncio.gather(*(replica.tick() for replica in replicas))
    assert sorted(len(made) for made in results) == [0, 1]
    assert [(run["outcome"], run["attempts"]) for run in await runs(engines())] == [("ok", 2)]
    assert await effect_count(engines()) == 1


async def test_the_runner_survives_a_failing_duty(engines: Callable[[], AsyncEngine]) -> None:
    engine = engines()
    clock = Clock("2026-11-30T08:10:00+08:00")
    failing = Duty("publish", "0 * * * *", "报送", fail_after_writing)
    skipped = Duty("awards", "0 * * * *", "生成", nothing_to_do)
    looping = runner(engine, [failing, skipped, HOURLY], clock)
    looping.start()
    try:
        for _ in range(200):
            if len(await runs(engine)) == 3:
                break
            await asyncio.sleep(0.02)
        clock.now += timedelta(hours=1)
        for _ in range(200):
            if len(await runs(engine)) == 6:
                break
            await asyncio.sleep(0.02)
        assert looping._task is not None
        assert not looping._task.done()
    finally:
        await looping.stop()
    outcomes = sorted((str(run["duty"]), str(run["outcome"])) for run in await runs(engine))
    assert outcomes == [
        ("awards", "skipped"),
        ("awards", "skipped"),
        ("hourly", "ok"),
        ("hourly", "ok"),
        ("publish", "failed"),
        ("publish", "failed"),
    ]


async def test_a_manual_occurrence_runs_once(engines: Callable[[], AsyncEngine]) -> None:
    engine = engines()
    manual = runner(engine, [HOURLY], Clock("2026-11-30T08:10:00+08:00"))
    first = await manual.run_now("hourly", requested_by="admin", occurrence="retry-me")
    assert first is not None
    assert first["occurrence"] == "manual:retry-me"
    assert first["trigger"] == "manual"
    assert first["requested_by"] == "admin"
    assert await manual.run_now("hourly", requested_by="admin", occurrence="retry-me") is None
    assert await manual.run_now("hourly", requested_by="admin") is not None
    assert await effect_count(engine) == 2


def test_a_deployment_sets_a_duty_schedule_and_grace() -> None:
    daily = Duty("daily", "5 0 * * *", "每日", record_effect, grace=timedelta(days=1))
    every_minute, untouched = as_configured(
        [HOURLY, daily], {"hourly": DutySchedule(schedule="* * * * *", grace_seconds=30)}
    )
    assert (every_minute.name, every_minute.schedule, every_minute.grace) == (
        "hourly",
        "* * * * *",
        timedelta(seconds=30),
    )
    assert every_minute.action is HOURLY.action
    assert untouched == daily
    # Without a grace the declared one stays.
    (kept,) = as_configured([daily], {"daily": DutySchedule(schedule="0 3 * * *")})
    assert (kept.schedule, kept.grace) == ("0 3 * * *", timedelta(days=1))
    assert kept.latest(at("2026-12-01T04:00:00+08:00")) == at("2026-12-01T03:00:00+08:00")
    # Each minute is an occurrence; 40 s late is past the 30 s grace.
    assert every_minute.due(at("2026-12-01T04:00:20+08:00")) == Occurrence.scheduled(
        at("2026-12-01T04:00:00+08:00")
    )
    assert every_minute.due(at("2026-12-01T04:00:40+08:00")) is None


def test_a_deployment_schedule_for_no_duty_or_not_cron_is_refused() -> None:
    with pytest.raises(ValueError, match=r"names no duty of this service: \['hourl'\]"):
        as_configured([HOURLY], {"hourl": DutySchedule(schedule="* * * * *")})
    with pytest.raises(ValidationError, match="not a cron schedule"):
        DutySchedule(schedule="every minute")
    with pytest.raises(ValidationError, match="greater than 0"):
        DutySchedule(schedule="* * * * *", grace_seconds=0)


async def test_a_duty_set_to_every_minute_runs_each_minute_once(engines: Callable[[], AsyncEngine]) -> None:
    (every_minute,) = as_configured(
        [HOURLY], {"hourly": DutySchedule(schedule="* * * * *", grace_seconds=30)}
    )
    clock = Clock("2026-11-30T08:00:05+08:00")
    replicas = [runner(engines(), [every_minute], clock, name=f"replica-{i}") for i in range(3)]
    for _ in range(5):
        results = await asyncio.gather(*(replica.tick() for replica in replicas))
        assert sorted(len(made) for made in results) == [0, 0, 1]
        clock.now += timedelta(minutes=1)
    # Down for 2 minutes 50 s: the latest occurrence is 50 s old, past its grace, and is not run.
    clock.now += timedelta(minutes=2, seconds=50)
    assert [await replica.tick() for replica in replicas] == [[], [], []]
    recorded = await runs(engines())
    assert [run["occurrence"] for run in recorded] == [
        at(f"2026-11-30T08:0{minute}:00+08:00").isoformat() for minute in range(5)
    ]
    assert await effect_count(engines()) == 5
