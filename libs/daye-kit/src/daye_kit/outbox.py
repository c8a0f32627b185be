"""The outbox: a fact one service records and a peer must learn is written as an event row in the same
transaction as the fact, then delivered at least once by a dispatcher; the receiver applies it once.

- `record_event(session, type=..., subject=..., data=..., to=...)` inserts into `outbox_events` inside
  the caller's transaction: the domain write and its event commit together or not at all. Each row
  is what the change feed (issue 16) will serve: `event_id`, `type` (`<noun>.<verb>`), `occurred_at`,
  `subject`, `data`; on PostgreSQL it is stamped with `pg_current_xact_id()` so a feed can read in
  commit order (rows below `pg_snapshot_xmin(pg_current_snapshot())`), not in id order.
- The dispatcher (`deliver_pending`, run in a loop by `run_dispatcher` from the app's lifespan) claims
  a batch of due events whose subject has no earlier undelivered event for the same peer, leases them
  (`claimed_until`, taken under `FOR UPDATE SKIP LOCKED` on PostgreSQL, so replicas never hold the
  same row; SQLite has one writer at a time anyway) for `<PREFIX>OUTBOX_LEASE_SECONDS`, and POSTs
  each to the peer's `/api/v1/inbox` as the service, outside any transaction. Success marks the row
  delivered; a failure schedules the next attempt with exponential backoff; after `max_attempts` the
  row is dead and stays dead (and holds back its subject's later events) until an admin retries it.
  A crashed dispatcher's lease runs out and another picks the row up again: at least once.
- The receiver (`receive`) inserts the event id into `received_events` in the transaction that
  applies the event: a second delivery finds the id and applies nothing.

(No `from __future__ import annotations` here: the routers' dependencies are built in functions,
and FastAPI resolves annotations against module globals.)

Readiness: a backlog does not fail `/readyz`. Events wait for a peer that is down, and taking this
service out of rotation would not bring the peer back; the backlog is visible instead, as the gauges
`daye_outbox_events{state}` on `/metrics` and at `GET /api/v1/outbox`.
"""

import asyncio
import random
import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

import structlog
from fastapi import APIRouter, Depends, FastAPI, Path, Query
from prometheus_client import CollectorRegistry, Counter, Gauge
from pydantic import BaseModel, Field
from pydantic_core import to_jsonable_python
from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    cast,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from daye_kit.auth import Principal
from daye_kit.db import NAMING_CONVENTION, SessionDep
from daye_kit.errors import AppError, Conflict, NotFound, problem_responses
from daye_kit.ids import RowId
from daye_kit.pagination import PageDep
from daye_kit.peer import PeerClient
from daye_kit.timestamps import UtcDateTime, utcnow

log = structlog.get_logger("daye.outbox")

INBOX_PATH = "/api/v1/inbox"
State = Literal["pending", "delivered", "dead"]
STATES: tuple[State, ...] = ("pending", "delivered", "dead")
LEASE_SECONDS = 60


def outbox_table(metadata: MetaData) -> Table:
    """`outbox_events`, the same in every service."""
    return Table(
        "outbox_events",
        metadata,
        # Order of recording within this service: per-subject order follows it.
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("type", String(64), nullable=False),
        Column("subject", String(128), nullable=False),
        Column("data", JSON, nullable=False),
        Column("occurred_at", UtcDateTime(), nullable=False),
        # The peer that must learn the event (a service name); NULL: recorded for the feed only.
        Column("destination", String(32), nullable=True),
        Column("state", String(16), nullable=False, index=True),
        Column("attempts", Integer, nullable=False, default=0),
        Column("next_attempt_at", UtcDateTime(), nullable=False),
        Column("claimed_until", UtcDateTime(), nullable=True),
        Column("last_error", Text, nullable=True),
        Column("delivered_at", UtcDateTime(), nullable=True),
        # PostgreSQL: the recording transaction's id, by which it numbers its own feed events as it
        # commits (see `daye_kit.feed`). 0 on SQLite, which has one writer at a time.
        Column("xact_id", BigInteger, nullable=False, server_default="0"),
        # The event's place in the change feed, given in commit order; NULL for a peer's message.
        Column("position", BigInteger, nullable=True),
        Index("ix_outbox_events_xact_id", "xact_id"),
        Index("ux_outbox_events_position", "position", unique=True),
    )


def received_table(metadata: MetaData) -> Table:
    """`received_events`: one row per event applied, written in the transaction that applies it."""
    return Table(
        "received_events",
        metadata,
        Column("event_id", String(36), primary_key=True),
        Column("source", String(32), nullable=False),
        Column("type", String(64), nullable=False),
        Column("received_at", UtcDateTime(), nullable=False),
    )


_METADATA = MetaData(naming_convention=NAMING_CONVENTION)
EVENTS = outbox_table(_METADATA)
RECEIVED = received_table(_METADATA)


async def record_event(
    session: AsyncSession, *, type: str, subject: str, data: Mapping[str, Any], to: str | None
) -> str:
    """Record an event in the caller's transaction; its id. `data` is made JSON (Decimal → string)."""
    event_id = str(uuid.uuid4())
    now = utcnow()
    values: dict[str, Any] = {
        "event_id": event_id,
        "type": type,
        "subject": subject,
        "data": to_jsonable_python(dict(data)),
        "occurred_at": now,
        "destination": to,
        "state": "pending" if to else "delivered",
        "attempts": 0,
        "next_attempt_at": now,
    }
    if session.get_bind().dialect.name == "postgresql":
        values["xact_id"] = cast(cast(func.pg_current_xact_id(), Text), BigInteger)
    else:
        values["xact_id"] = 0
    await session.execute(insert(EVENTS).values(**values))
    return event_id


class Event(BaseModel):
    """An event as it travels to a peer (and, later, as the change feed serves it)."""

    id: str = Field(description="事件编号(全局唯一,接收方据此去重)")
    type: str = Field(description="事件类型 `<noun>.<verb>`", examples=["match.succeeded"])
    occurred_at: datetime = Field(description="事件发生时间")
    subject: str = Field(description="事件所涉对象;同一对象的事件按记录顺序送达", examples=["match:12"])
    data: dict[str, Any] = Field(description="事件内容,结构由事件类型决定")
    source: str = Field(description="发出事件的服务", examples=["matching-api"])


def backoff_seconds(attempts: int, *, base: float, cap: float) -> float:
    """Exponential with full jitter (the AWS architecture blog's scheme, as tenacity's
    `wait_random_exponential`): a peer back from an outage is not hit by every event at once."""
    ceiling = min(cap, base * 2 ** max(attempts - 1, 0))
    return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not a secret


class OutboxMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.events = Gauge(
            "daye_outbox_events", "Outbox events awaiting delivery or dead", ["state"], registry=registry
        )
        self.deliveries = Counter(
            "daye_outbox_deliveries", "Delivery attempts by outcome", ["outcome"], registry=registry
        )


Sender = Callable[[Event], Awaitable[None]]
OnDelivered = Callable[[AsyncSession, Event], Awaitable[None]]


def peer_sender(client: PeerClient) -> Sender:
    async def send(event: Event) -> None:
        await client.request("POST", INBOX_PATH, json=event.model_dump(mode="json"))

    return send


async def deliver_pending(
    sessionmaker: async_sessionmaker[AsyncSession],
    senders: Mapping[str, Sender],
    *,
    source: str,
    batch: int = 50,
    max_attempts: int = 10,
    backoff_base: float = 1.0,
    backoff_cap: float = 600.0,
    metrics: OutboxMetrics | None = None,
    on_delivered: Mapping[str, OnDelivered] | None = None,
    lease_seconds: float = LEASE_SECONDS,
) -> int:
    """One pass: claim due events, deliver them, record the outcomes; how many were delivered."""
    now = utcnow()
    earlier = EVENTS.alias("earlier")
    blocked = (
        select(earlier.c.id)
        .where(
            earlier.c.subject == EVENTS.c.subject,
            earlier.c.destination == EVENTS.c.destination,
            earlier.c.id < EVENTS.c.id,
            earlier.c.state != "delivered",
        )
        .exists()
    )
    async with sessionmaker() as session, session.begin():
        query = (
            select(EVENTS)
            .where(
                EVENTS.c.state == "pending",
                EVENTS.c.destination.is_not(None),
                EVENTS.c.next_attempt_at <= now,
                or_(EVENTS.c.claimed_until.is_(None), EVENTS.c.claimed_until < now),
                ~blocked,
            )
            .order_by(EVENTS.c.id)
            .limit(batch)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True, of=EVENTS)
        rows = (await session.execute(query)).mappings().all()
        # One event per subject in a pass: the next waits until this one is known delivered.
        claimed: dict[tuple[str, str], Any] = {}
        for row in rows:
            claimed.setdefault((row["subject"], row["destination"]), row)
        ids = [row["id"] for row in claimed.values()]
        if ids:
            await session.execute(
                update(EVENTS)
                .where(EVENTS.c.id.in_(ids))
                .values(claimed_until=now + timedelta(seconds=lease_seconds))
            )
    delivered = 0
    for row in claimed.values():
        event = Event(
            id=row["event_id"],
            type=row["type"],
            occurred_at=row["occurred_at"],
            subject=row["subject"],
            data=row["data"],
            source=source,
        )
        sender = senders.get(row["destination"])
        error: str | None = None
        if sender is None:
            error = f"no sender for {row['destination']}"
        else:
            try:
                await sender(event)
            except AppError as exc:
                error = f"{exc.code}: {exc.detail}"
            except Exception as exc:
                error = repr(exc)
        async with sessionmaker() as session, session.begin():
            attempts = row["attempts"] + 1
            if error is None:
                delivered += 1
                values: dict[str, Any] = {
                    "state": "delivered",
                    "attempts": attempts,
                    "delivered_at": utcnow(),
                    "claimed_until": None,
                    "last_error": None,
                }
                hook = (on_delivered or {}).get(event.type)
                if hook is not None:
                    await hook(session, event)
            else:
                dead = attempts >= max_attempts
                wait = backoff_seconds(attempts, base=backoff_base, cap=backoff_cap)
                values = {
                    "state": "dead" if dead else "pending",
                    "attempts": attempts,
                    "next_attempt_at": utcnow() + timedelta(seconds=wait),
                    "claimed_until": None,
                    "last_error": error[:2000],
                }
                log.warning(
                    "outbox_delivery_failed", event_id=event.id, type=event.type, attempts=attempts, dead=dead
                )
            await session.execute(update(EVENTS).where(EVENTS.c.id == row["id"]).values(**values))
        if metrics is not None:
            metrics.deliveries.labels("delivered" if error is None else "failed").inc()
    if metrics is not None:
        await refresh_metrics(sessionmaker, metrics)
    return delivered


async def refresh_metrics(sessionmaker: async_sessionmaker[AsyncSession], metrics: OutboxMetrics) -> None:
    async with sessionmaker() as session:
        counts: dict[str, int] = dict(
            (
                await session.execute(
                    select(EVENTS.c.state, func.count())
                    # Through the index on state: the feed's events, delivered, are nearly all the
                    # table, and `!= 'delivered'` would read them all on every pass.
                    .where(EVENTS.c.state.in_(("pending", "dead")))
                    .group_by(EVENTS.c.state)
                )
            ).all()
        )
    for state in ("pending", "dead"):
        metrics.events.labels(state).set(int(counts.get(state, 0)))


async def run_dispatcher(deliver: Callable[[], Awaitable[int]], *, poll_seconds: float) -> None:
    """The lifespan's background task: deliver, and sleep when there is nothing due."""
    while True:
        try:
            delivered = await deliver()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("outbox_pass_failed", error=repr(exc))
            delivered = 0
        if not delivered:
            await asyncio.sleep(poll_seconds)


# The receiver.

Handler = Callable[[AsyncSession, Event, Principal], Awaitable[None]]


class UnknownEventType(AppError):
    status, code, title = 422, "event_type_unknown", "无法处理的事件类型"


async def receive(
    session: AsyncSession, event: Event, principal: Principal, handlers: Mapping[str, Handler]
) -> bool:
    """Apply `event` once, in the caller's transaction; False when it was applied before."""
    handler = handlers.get(event.type)
    if handler is None:
        raise UnknownEventType(f"no handler for {event.type}")
    values = {
        "event_id": event.id,
        "source": event.source,
        "type": event.type,
        "received_at": utcnow(),
    }
    dialect = session.get_bind().dialect.name
    insert_ = pg_insert if dialect == "postgresql" else sqlite_insert
    # On PostgreSQL a second delivery racing the first waits on the first's row, then finds it.
    inserted = await session.execute(
        insert_(RECEIVED).values(**values).on_conflict_do_nothing().returning(RECEIVED.c.event_id)
    )
    if inserted.first() is None:
        return False
    await handler(session, event, principal)
    return True


class Received(BaseModel):
    applied: bool = Field(description="true:本次应用;false:此前已应用(重复送达)")


def inbox_router(handlers: Mapping[str, Handler], sender: Any) -> APIRouter:
    """`POST /api/v1/inbox`: peers deliver their events here. `sender` is the role requirement."""
    router = APIRouter(prefix="/api/v1", tags=["运维"])
    SenderPrincipal = Annotated[Principal, Depends(sender)]

    @router.post(
        "/inbox",
        summary="接收事件",
        description="其他服务的发件箱投递事件至此;按事件编号去重,重复送达不再应用。",
        responses=problem_responses(401, 403, 422),
    )
    async def receive_event(event: Event, principal: SenderPrincipal, session: SessionDep) -> Received:
        return Received(applied=await receive(session, event, principal, handlers))

    return router


# The admin's view.


class OutboxEventPublic(BaseModel):
    id: int = Field(description="发件箱中的序号")
    event_id: str = Field(description="事件编号(接收方据此只处理一次)")
    type: str = Field(description="事件类型 `<名词>.<动词>`")
    subject: str = Field(description="事件主体(同一主体的事件按记录顺序投递)")
    data: dict[str, Any] = Field(description="事件内容")
    occurred_at: datetime = Field(description="事件发生时间")
    destination: str | None = Field(description="投递目标服务;仅供变更流读取的事件为空")
    state: str = Field(description="pending 待送达 / delivered 已送达 / dead 多次失败,待人工重试")
    attempts: int = Field(description="已尝试投递次数")
    next_attempt_at: datetime = Field(description="下次尝试投递的时间")
    last_error: str | None = Field(description="最近一次投递失败的原因")
    delivered_at: datetime | None = Field(description="投递成功时间;未投递为空")


class OutboxPage(BaseModel):
    items: list[OutboxEventPublic] = Field(description="本页事件")
    total: int = Field(description="符合条件的事件总数")


def outbox_router(reader: Any, operator: Any) -> APIRouter:
    """`GET /api/v1/outbox` and `POST /api/v1/outbox/{id}/retry`; `reader` and `operator` are the
    service's role requirements (its `access.py`)."""
    router = APIRouter(prefix="/api/v1", tags=["运维"])
    Reader = Annotated[Principal, Depends(reader)]
    Operator = Annotated[Principal, Depends(operator)]

    @router.get(
        "/outbox",
        summary="发件箱",
        description="待送达(pending)与送达失败(dead)的事件;已送达的可按 state=delivered 查看。",
        responses=problem_responses(401, 403),
    )
    async def list_outbox(
        _: Reader,
        session: SessionDep,
        page: PageDep,
        state: Annotated[State | None, Query(description="pending / delivered / dead;缺省为未送达")] = None,
    ) -> OutboxPage:
        where = EVENTS.c.state == state if state else EVENTS.c.state != "delivered"
        total = int((await session.execute(select(func.count()).where(where))).scalar_one())
        rows = await session.execute(
            select(EVENTS).where(where).order_by(EVENTS.c.id).limit(page.limit).offset(page.offset)
        )
        return OutboxPage(
            items=[OutboxEventPublic.model_validate(dict(row)) for row in rows.mappings()], total=total
        )

    @router.post(
        "/outbox/{event_id}/retry",
        summary="重试送达失败的事件",
        description="把 dead 事件放回待送达,尝试次数清零;其后同一对象的事件随之送达。",
        responses=problem_responses(
            401, 403, 404, 409, codes={404: ["outbox_event_not_found"], 409: ["outbox_event_not_dead"]}
        ),
    )
    async def retry_outbox_event(
        event_id: Annotated[RowId, Path(description="发件箱记录编号")], _: Operator, session: SessionDep
    ) -> OutboxEventPublic:
        row = (await session.execute(select(EVENTS).where(EVENTS.c.id == event_id))).mappings().first()
        if row is None:
            raise NotFound(f"outbox event {event_id} does not exist", code="outbox_event_not_found")
        if row["state"] != "dead":
            raise Conflict(f"outbox event {event_id} is {row['state']}", code="outbox_event_not_dead")
        await session.execute(
            update(EVENTS)
            .where(EVENTS.c.id == event_id)
            .values(state="pending", attempts=0, next_attempt_at=utcnow(), claimed_until=None)
        )
        row = (await session.execute(select(EVENTS).where(EVENTS.c.id == event_id))).mappings().one()
        return OutboxEventPublic.model_validate(dict(row))

    return router


def start_dispatcher(
    app: FastAPI, *, source: str, peers: Mapping[str, str], metrics: OutboxMetrics
) -> Callable[[], Awaitable[int]]:
    """The one pass of this app's dispatcher (its peers: destination name → `app.state` client)."""
    settings = app.state.settings

    async def deliver() -> int:
        senders = {name: peer_sender(getattr(app.state, attribute)) for name, attribute in peers.items()}
        return await deliver_pending(
            app.state.sessionmaker,
            senders,
            source=source,
            max_attempts=settings.outbox_max_attempts,
            backoff_base=settings.outbox_backoff_seconds,
            backoff_cap=settings.outbox_backoff_max_seconds,
            metrics=metrics,
            on_delivered=getattr(app.state, "outbox_on_delivered", None),
            lease_seconds=settings.outbox_lease_seconds,
        )

    return deliver


def upgrade_outbox_to_feed_positions() -> None:
    """The migration step every service takes for the change feed: each row is stamped with its
    transaction (0 for those recorded before), and each feed event (no destination) gets its place,
    in the order recorded so far. Written to run whether the table was created before this step or
    from today's definition."""
    from alembic import op

    op.execute("UPDATE outbox_events SET xact_id = 0 WHERE xact_id IS NULL")
    columns = {c["name"] for c in sa_inspect(op.get_bind()).get_columns("outbox_events")}
    with op.batch_alter_table("outbox_events") as batch:
        batch.alter_column("xact_id", existing_type=BigInteger(), nullable=False, server_default="0")
        if "position" not in columns:
            batch.add_column(Column("position", BigInteger(), nullable=True))
    op.execute(
        "UPDATE outbox_events SET position = numbered.rank FROM ("
        " SELECT id, row_number() OVER (ORDER BY id) AS rank FROM outbox_events WHERE destination IS NULL"
        ") AS numbered WHERE outbox_events.id = numbered.id"
    )
    op.execute("DROP INDEX IF EXISTS ix_outbox_events_feed_position")
    op.execute("CREATE INDEX IF NOT EXISTS ix_outbox_events_xact_id ON outbox_events (xact_id)")
    op.execute("CREATE UNIQUE INDEX IF NOT EXISTS ux_outbox_events_position ON outbox_events (position)")


def downgrade_outbox_from_feed_positions() -> None:
    from alembic import op

    op.execute("DROP INDEX IF EXISTS ux_outbox_events_position")
    op.execute("DROP INDEX IF EXISTS ix_outbox_events_xact_id")
    with op.batch_alter_table("outbox_events") as batch:
        batch.drop_column("position")
        batch.alter_column("xact_id", existing_type=BigInteger(), nullable=True, server_default=None)
