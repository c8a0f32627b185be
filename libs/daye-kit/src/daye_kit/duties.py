"""Scheduled duties: what a service does on its own, on a cron schedule in Daye's time, once per
occurrence whatever the number of replicas.

- A service declares its duties (`Duty`: name, cron schedule, grace, what it does) on its
  `ServiceSpec`; the app factory starts a `DutyRunner` in the lifespan (unless
  `<PREFIX>RUN_DUTIES=false`) and cancels it on shutdown.
- The database decides who runs an occurrence, as procrastinate does with its periodic defers:
  `duty_runs` holds one row per (duty, occurrence) under a UNIQUE constraint, inserted in the same
  transaction as the duty's effects. A replica whose INSERT conflicts leaves the occurrence to the one
  that wrote it (on PostgreSQL the second INSERT waits for the first transaction; on SQLite the
  write lock already orders them). No lock protocol of ours beyond that constraint.
- Each tick looks only at a duty's latest occurrence: due when it is within the duty's grace and has
  no row. After downtime the missed occurrence is caught up once, not each one missed; a start soon
  after an occurrence (or a daily duty whose grace is a day) runs it at once.
- A duty that fails (a peer that is down, a bug) rolls its effects back and records `failed` with the
  error; the next occurrence tries again. The runner itself never stops on a duty's error.
- An admin may run a duty now: a manual occurrence (`manual:<id>`), once per occurrence id too.
- A deployment may set a duty's schedule and grace (`<PREFIX>DUTY_SCHEDULES`, `DutySchedule`): the
  soak (`make soak`) runs every duty each minute; an operator may move a duty to a quieter hour.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

import structlog
from cronsim import CronSim, CronSimError
from fastapi import FastAPI
from pydantic import AfterValidator, BaseModel, Field
from sqlalchemy import (
    JSON,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from daye_kit import idempotency
from daye_kit.auth import Principal, Role
from daye_kit.db import NAMING_CONVENTION
from daye_kit.timestamps import LOCAL_TZ, UtcDateTime, as_utc, utcnow

log = structlog.get_logger("daye.duties")

MANUAL_PREFIX = "manual:"
ERROR_CHARS = 2000

Summary = dict[str, Any]


class Outcome(StrEnum):
    running = "running"  # committed by a duty that commits before it is done (a peer call)
    ok = "ok"
    failed = "failed"
    skipped = "skipped"


class Trigger(StrEnum):
    schedule = "schedule"
    manual = "manual"


def duty_runs_table(metadata: MetaData) -> Table:
    """`duty_runs`, the same in every service: each adds it to its own metadata and creates it in its
    own migration."""
    return Table(
        "duty_runs",
        metadata,
        Column("id", String(32), primary_key=True),
        Column("duty", String(64), nullable=False),
        # The scheduled instant in UTC (ISO 8601), or `manual:<id>`: the unit that runs once.
        Column("occurrence", String(80), nullable=False),
        Column("trigger", String(16), nullable=False),
        Column("scheduled_for", UtcDateTime(), nullable=True),
        Column("outcome", String(16), nullable=False),
        # A failed scheduled occurrence is tried again on a later tick within its grace.
        Column("attempts", Integer, nullable=False),
        Column("summary", JSON, nullable=False),
        Column("error", Text, nullable=True),
        Column("runner", String(128), nullable=False),
        Column("requested_by", String(64), nullable=True),
        Column("started_at", UtcDateTime(), nullable=False),
        Column("finished_at", UtcDateTime(), nullable=True),
        UniqueConstraint("duty", "occurrence"),
        Index("ix_duty_runs_duty_started_at", "duty", "started_at"),
    )


RUNS = duty_runs_table(MetaData(naming_convention=NAMING_CONVENTION))


class DutySkipped(Exception):
    """Raised by a duty with nothing to do this occurrence; recorded as `skipped` with the reason."""


@dataclass(frozen=True)
class Occurrence:
    key: str
    trigger: Trigger
    scheduled_for: datetime | None = None

    @classmethod
    def scheduled(cls, moment: datetime) -> Occurrence:
        moment = as_utc(moment)
        return cls(moment.isoformat(), Trigger.schedule, moment)

    @classmethod
    def manual(cls, name: str | None = None) -> Occurrence:
        return cls(f"{MANUAL_PREFIX}{name or uuid.uuid4().hex}", Trigger.manual)


@dataclass(frozen=True)
class DutyContext:
    """What a duty works with: a session inside the transaction that holds its claim (it flushes;
    the runner commits), the app (its settings and peer clients), and who it acts as."""

    app: FastAPI
    session: AsyncSession
    occurrence: Occurrence
    principal: Principal


DutyAction = Callable[[DutyContext], Awaitable[Summary]]


def check_schedule(schedule: str) -> str:
    try:
        CronSim(schedule, datetime.now(LOCAL_TZ))
    except CronSimError as exc:
        raise ValueError(f"{schedule!r} is not a cron schedule: {exc}") from exc
    return schedule


@dataclass(frozen=True)
class Duty:
    """A duty a service declares. `schedule` is a five-field cron expression read in Daye's time
    (Asia/Shanghai); `grace` is how late an occurrence may still run (after downtime)."""

    name: str
    schedule: str
    description: str
    action: DutyAction
    grace: timedelta = timedelta(hours=1)
    # A failed occurrence is tried again, at most this many times in all, while within its grace,
    # `retry_after` × attempts after its last failure (a peer that was still starting).
    max_attempts: int = 3
    retry_after: timedelta = timedelta(minutes=1)
    # A `running` row this old was left by a runner that died after committing its claim (a duty
    # that commits before a peer call): the occurrence is taken over, as if that attempt had failed.
    abandoned_after: timedelta = timedelta(minutes=10)

    def __post_init__(self) -> None:
        check_schedule(self.schedule)

    def latest(self, now: datetime) -> datetime:
        """The latest occurrence at or before `now` (UTC)."""
        # cronsim's reverse iteration starts strictly before its start: one second past `now`
        # includes an occurrence at `now` itself.
        start = now.astimezone(LOCAL_TZ).replace(microsecond=0) + timedelta(seconds=1)
        return next(CronSim(self.schedule, start, reverse=True)).astimezone(UTC)

    def following(self, now: datetime) -> datetime:
        """The first occurrence after `now` (UTC)."""
        return next(CronSim(self.schedule, now.astimezone(LOCAL_TZ))).astimezone(UTC)

    def due(self, now: datetime) -> Occurrence | None:
        """The occurrence to run now if it has not run: the latest one, when within its grace."""
        latest = self.latest(now)
        return Occurrence.scheduled(latest) if now - latest <= self.grace else None


class DutySchedule(BaseModel):
    """A duty's schedule as a deployment sets it, in place of the one the service declares."""

    schedule: Annotated[str, AfterValidator(check_schedule)] = Field(
        description="Five-field cron expression read in Daye's time, e.g. `* * * * *`"
    )
    grace_seconds: float | None = Field(
        default=None, gt=0, description="How late an occurrence may still run; unset: the declared grace"
    )


def as_configured(duties: Sequence[Duty], schedules: Mapping[str, DutySchedule]) -> list[Duty]:
    """`duties` with the deployment's schedules applied; a name no duty has stops the start."""
    names = {duty.name for duty in duties}
    unknown = sorted(set(schedules) - names)
    if unknown:
        raise ValueError(f"DUTY_SCHEDULES names no duty of this service: {unknown}; duties: {sorted(names)}")
    configured = []
    for duty in duties:
        setting = schedules.get(duty.name)
        if setting is not None:
            grace = duty.grace if setting.grace_seconds is None else timedelta(seconds=setting.grace_seconds)
            duty = replace(duty, schedule=setting.schedule, grace=grace)
        configured.append(duty)
    return configured


def runner_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:128]


@dataclass
class DutyRunner:
    """Runs a service's duties: a tick every `interval` seconds, or one occurrence on request."""

    app: FastAPI
    duties: Sequence[Duty]
    interval: float = 30.0
    clock: Callable[[], datetime] = utcnow
    name: str = field(default_factory=runner_name)
    _task: asyncio.Task[None] | None = None

    @property
    def by_name(self) -> dict[str, Duty]:
        return {duty.name: duty for duty in self.duties}

    @property
    def _sessionmaker(self) -> async_sessionmaker[AsyncSession]:
        sessionmaker: async_sessionmaker[AsyncSession] = self.app.state.sessionmaker
        return sessionmaker

    def start(self) -> None:
        if self.duties and self._task is None:
            self._task = asyncio.create_task(self._loop(), name="duty-runner")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:  # the database is away: the next tick tries again
                log.exception("duty_tick_failed", runner=self.name)
            await asyncio.sleep(self.interval)

    async def tick(self) -> list[dict[str, Any]]:
        """Runs each duty whose latest occurrence is due and has no row; the runs this runner made."""
        now = self.clock()
        due = {duty.name: occurrence for duty in self.duties if (occurrence := duty.due(now)) is not None}
        if not due:
            return []
        async with self._sessionmaker() as session:
            recorded = {
                (row["duty"], row["occurrence"]): dict(row)
                for row in (
                    await session.execute(
                        select(RUNS).where(
                            RUNS.c.duty.in_(list(due)), RUNS.c.occurrence.in_([o.key for o in due.values()])
                        )
                    )
                ).mappings()
            }
        runs = []
        for duty in self.duties:
            occurrence = due.get(duty.name)
            if occurrence is None:
                continue
            previous = recorded.get((duty.name, occurrence.key))
            if previous is not None and not self._retry_due(duty, previous, now):
                continue
            run = await self.run(duty, occurrence, retry_of=previous)
            if run is not None:
                runs.append(run)
        return runs

    @staticmethod
    def _retry_due(duty: Duty, previous: dict[str, Any], now: datetime) -> bool:
        if previous["attempts"] >= duty.max_attempts:
            return False
        if previous["outcome"] == Outcome.running.value:
            return bool(now >= as_utc(previous["started_at"]) + duty.abandoned_after)
        if previous["outcome"] != Outcome.failed.value:
            return False
        failed_at = as_utc(previous["finished_at"] or previous["started_at"])
        return bool(now >= failed_at + duty.retry_after * previous["attempts"])

    async def run(
        self,
        duty: Duty,
        occurrence: Occurrence,
        *,
        requested_by: str | None = None,
        retry_of: dict[str, Any] | None = None,
    ) -> dict[str, Any] | None:
        """Runs `duty` for `occurrence` unless another runner has claimed it; the recorded run, or
        None when the occurrence was someone else's. Never raises for the duty's own errors.

        The claim is the INSERT of the occurrence's row (UNIQUE (duty, occurrence)), or, to try a
        failed or abandoned occurrence again, an UPDATE of its row that only matches the attempt this
        runner saw;
        either way the database lets one runner through."""
        run_id = retry_of["id"] if retry_of else uuid.uuid4().hex
        attempts = retry_of["attempts"] + 1 if retry_of else 1
        started = self.clock()
        principal = Principal(username=f"duty:{duty.name}"[:64], role=Role.service)
        claim: dict[str, Any] = {
            "id": run_id,
            "duty": duty.name,
            "occurrence": occurrence.key,
            "trigger": occurrence.trigger.value,
            "scheduled_for": occurrence.scheduled_for,
            "outcome": Outcome.running.value,
            "attempts": attempts,
            "summary": {},
            "error": None,
            "runner": self.name,
            "requested_by": requested_by,
            "started_at": started,
            "finished_at": None,
        }
        async with self._sessionmaker() as session:
            try:
                if retry_of is None:
                    await session.execute(insert(RUNS).values(**claim))
                    claimed = True
                else:
                    retried = await session.execute(
                        update(RUNS)
                        .where(
                            RUNS.c.id == run_id,
                            RUNS.c.outcome == retry_of["outcome"],
                            RUNS.c.attempts == retry_of["attempts"],
                        )
                        .values(**{k: v for k, v in claim.items() if k != "id"})
                    )
                    claimed = retried.rowcount == 1  # type: ignore[attr-defined]
            except IntegrityError:
                claimed = False
            if not claimed:
                await session.rollback()
                log.info("duty_occurrence_taken", duty=duty.name, occurrence=occurrence.key)
                return None
            context = DutyContext(self.app, session, occurrence, principal)
            try:
                summary = await duty.action(context)
                outcome, error = Outcome.ok, None
            except DutySkipped as skipped:
                summary, outcome, error = {"reason": str(skipped)}, Outcome.skipped, None
            except Exception as exc:
                await session.rollback()
                return await self._record_failure(duty, occurrence, claim, exc)
            finished = {
                "outcome": outcome.value,
                "summary": summary,
                "error": error,
                "finished_at": self.clock(),
            }
            await session.execute(update(RUNS).where(RUNS.c.id == run_id).values(**finished))
            try:
                await session.commit()
            except Exception as exc:
                await session.rollback()
                return await self._record_failure(duty, occurrence, claim, exc)
        log.info("duty_ran", duty=duty.name, occurrence=occurrence.key, outcome=outcome.value, **summary)
        return {**claim, **finished}

    async def _record_failure(
        self, duty: Duty, occurrence: Occurrence, claim: dict[str, Any], exc: Exception
    ) -> dict[str, Any] | None:
        """The effects were rolled back; the occurrence is recorded as failed (the row the duty may
        have committed before it failed is updated; otherwise a new one is written, unless another
        runner has claimed the occurrence meanwhile)."""
        log.warning(
            "duty_failed",
            duty=duty.name,
            occurrence=occurrence.key,
            error=type(exc).__name__,
            detail=str(exc),
        )
        failed = {
            "outcome": Outcome.failed.value,
            "summary": {},
            "error": f"{type(exc).__name__}: {exc}"[:ERROR_CHARS],
            "finished_at": self.clock(),
        }
        try:
            async with self._sessionmaker() as session:
                # The whole claim again: a retry's claim (an UPDATE) was rolled back with the effects.
                recorded = {key: value for key, value in {**claim, **failed}.items() if key != "id"}
                updated = await session.execute(
                    update(RUNS).where(RUNS.c.id == claim["id"]).values(**recorded)
                )
                if updated.rowcount == 0:  # type: ignore[attr-defined]
                    await session.execute(insert(RUNS).values(**{**claim, **failed}))
                await session.commit()
        except IntegrityError:
            return None
        except Exception:
            log.exception("duty_failure_not_recorded", duty=duty.name, occurrence=occurrence.key)
            return None
        return {**claim, **failed}

    async def run_now(
        self, name: str, *, requested_by: str, occurrence: str | None = None
    ) -> dict[str, Any] | None:
        """An admin's manual occurrence; None when that occurrence id already ran."""
        return await self.run(self.by_name[name], Occurrence.manual(occurrence), requested_by=requested_by)

    async def latest_runs(self, session: AsyncSession) -> dict[str, dict[str, Any]]:
        """Each duty's latest run, in one query."""
        latest = (
            select(RUNS.c.duty, func.max(RUNS.c.started_at).label("started_at"))
            .where(RUNS.c.duty.in_(list(self.by_name)))
            .group_by(RUNS.c.duty)
            .subquery()
        )
        rows = await session.execute(
            select(RUNS)
            .join(latest, (RUNS.c.duty == latest.c.duty) & (RUNS.c.started_at == latest.c.started_at))
            .order_by(RUNS.c.id)
        )
        return {row["duty"]: dict(row) for row in rows.mappings()}

    async def read_run(self, session: AsyncSession, duty: str, occurrence: str) -> dict[str, Any] | None:
        row = (
            (await session.execute(select(RUNS).where(RUNS.c.duty == duty, RUNS.c.occurrence == occurrence)))
            .mappings()
            .first()
        )
        return None if row is None else dict(row)


async def purge_idempotency_keys(context: DutyContext) -> Summary:
    """The kit's own duty: Idempotency-Keys past their retention are deleted (each service also does it
    on start)."""
    retention = idempotency.policy_of(context.app.state.settings).retention
    deleted = await idempotency.purge_expired(await context.session.connection(), retention=retention)
    return {"deleted": deleted}


PURGE_IDEMPOTENCY_KEYS = Duty(
    name="purge-idempotency-keys",
    schedule="30 3 * * *",
    grace=timedelta(days=1),
    description="每日 03:30 删除超过保留期的 Idempotency-Key 记录",
    action=purge_idempotency_keys,
)
