"""The change feed: `GET /api/v1/events?after=<cursor>&types=...&limit=`, one per service.

Every write a consumer may care about records an event with `emit()` in the write's own transaction,
into the outbox's table (`outbox_events`, with no destination). The feed serves those rows, and only
those: the messages the outbox carries to a peer (`record_event(..., to=peer)`) are the services'
own business, shaped for the receiver, and a write that is both records one of each. The feed serves
them to outside systems, each `{id, type, occurred_at, subject, data}`, where `data` is
the resource as the API shows it after the change: a consumer that keeps the latest `data` per
`subject` holds a copy of the service's collections.

Order and completeness: commit order. An event's place in the feed (`position`) is not its row id:
ids come from a sequence when rows are inserted, not when their transactions commit, so a reader of
`id > last` skips for good a row whose transaction was still open (the bug Marten and Eventuous
shipped), and a consumer keeping the latest `data` per subject could keep an older one. Instead a
transaction that emitted events numbers them just before it commits (`_number_events`, a
`before_commit` hook), holding a transaction-level advisory lock until its commit: the next one
numbers only after this one has committed, so positions are given in commit order and a reader
never sees a higher position before a lower one is visible. A long transaction delays nobody else's
events; its own appear, in their place, when it commits. (The lock serialises the moment of
committing of the transactions that emit events, not their work; SQLite has one writer anyway.)

Retention: `<PREFIX>EVENT_RETENTION_DAYS` (90 by default; Stripe keeps 30). The `prune-events` duty
deletes what is older, except events still waiting for a peer. A cursor older than everything kept
is answered 410 `cursor_expired`: the consumer resynchronises from full reads (`updated_since`).
"""

import base64
import binascii
import itertools
import json
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal, Union

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, create_model
from sqlalchemy import BigInteger, Text, cast, delete, event, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from daye_kit.auth import Principal
from daye_kit.db import SessionDep, insert_rows
from daye_kit.duties import Duty, DutyContext, Summary
from daye_kit.errors import AppError, InvalidInput, problem_responses
from daye_kit.outbox import EVENTS, record_event
from daye_kit.scopes import datasets_of
from daye_kit.timestamps import utcnow

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


@dataclass(frozen=True)
class EventType:
    """One kind of event a service publishes: `<noun>.<verb>`, the schema of its `data`, and the
    dataset a consumer key must be allowed to read to see it (`read:<dataset>`)."""

    name: str
    data: type[BaseModel]
    dataset: str
    description: str

    def __post_init__(self) -> None:
        noun, _, verb = self.name.partition(".")
        if not (noun and verb and "." not in verb):
            raise ValueError(f"event type {self.name!r} is not <noun>.<verb>")


def _payload(kind: EventType, data: BaseModel) -> dict[str, Any]:
    _check(kind, data)
    return data.model_dump(mode="json")


def _check(kind: EventType, data: BaseModel) -> None:
    if not isinstance(data, kind.data):
        raise TypeError(f"{kind.name} carries {kind.data.__name__}, not {type(data).__name__}")


async def emit(session: AsyncSession, kind: EventType, *, subject: str, data: BaseModel) -> str:
    """Record `kind` with `data` (its API schema) in the caller's transaction; the event's id."""
    payload = _payload(kind, data)
    session.sync_session.info[_TO_NUMBER] = True
    return await record_event(session, type=kind.name, subject=subject, data=payload, to=None)


@dataclass(frozen=True, slots=True)
class Announcement:
    """An event to record, its `data` already serialised (JSON text, as the API answers it)."""

    type: str
    subject: str
    data: str


def announce(kind: EventType, subject: str, data: BaseModel) -> Announcement:
    """`(kind, subject, data)` for `emit_many`, serialised now: a write that announces thousands of
    resources holds their JSON text, not thousands of models (which the garbage collector would
    walk over and over while the write goes on)."""
    _check(kind, data)
    return Announcement(kind.name, subject, data.model_dump_json())


_COPIED = ["event_id", "type", "subject", "data", "occurred_at", "destination", "state", "attempts",
           "next_attempt_at", "xact_id"]  # fmt: skip


async def emit_many(
    session: AsyncSession, events: Iterable[tuple[EventType, str, BaseModel] | Announcement]
) -> int:
    """`emit` of many `(kind, subject, data)` (or `announce`d) at once, in that order, in the caller's
    transaction (COPY on PostgreSQL): a write that makes rows by the hundred (generated awards, a bulk
    import), or one that changes several resources under a lock. How many were recorded.

    `events` may be a generator: on PostgreSQL COPY takes each event as it is made, so the server
    stores the first while the caller makes the rest, and none are held all at once."""
    announced = (each if isinstance(each, Announcement) else announce(*each) for each in events)
    first = next(announced, None)
    if first is None:
        return 0
    conn = await session.connection()
    now = utcnow()
    session.sync_session.info[_TO_NUMBER] = True
    postgres = conn.dialect.name == "postgresql"
    # Every row of one transaction carries the same id: asked once, not per row.
    xact = (
        int(await conn.scalar(select(cast(cast(func.pg_current_xact_id(), Text), BigInteger))) or 0)
        if postgres
        else 0
    )
    count = 0

    def records() -> Iterator[tuple[Any, ...]]:
        nonlocal count
        for each in itertools.chain([first], announced):
            count += 1
            yield (
                str(uuid.uuid4()),
                each.type,
                each.subject,
                each.data,
                now,
                None,
                "delivered",
                0,
                now,
                xact,
            )

    if postgres:
        # COPY takes the JSON text into the `json` column as it is (insert_rows would encode it again).
        raw = await conn.get_raw_connection()
        await raw.driver_connection.copy_records_to_table(EVENTS.name, records=records(), columns=_COPIED)  # type: ignore[union-attr]
    else:
        rows = [dict(zip(_COPIED, record, strict=True)) for record in records()]
        await insert_rows(conn, EVENTS, [row | {"data": json.loads(row["data"])} for row in rows])
    return count


# -- cursors ------------------------------------------------------------------------------------


def encode_cursor(position: int) -> str:
    """Opaque to consumers: the position of the last event they have."""
    return base64.urlsafe_b64encode(f"p{position}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not raw.startswith("p"):
            raise ValueError(raw)
        position = int(raw[1:])
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidInput.field("query.after", "cursor", "not a cursor this feed gave") from None
    if position < 0:
        raise InvalidInput.field("query.after", "cursor", "not a cursor this feed gave")
    return position


# -- numbering in commit order --------------------------------------------------------------------

_TO_NUMBER = "daye_feed_events_to_number"
# One advisory lock key per database for "numbering feed events" (any fixed 64-bit number).
_NUMBERING_LOCK = 0x6461796546454544

_NUMBER = """
UPDATE outbox_events SET position = numbered.base + numbered.rank
FROM (
    SELECT mine.id, row_number() OVER (ORDER BY mine.id) AS rank,
           (SELECT coalesce(max(position), 0) FROM outbox_events) AS base
    FROM outbox_events AS mine
    WHERE mine.position IS NULL AND mine.destination IS NULL {mine}
) AS numbered
WHERE outbox_events.id = numbered.id
"""


@event.listens_for(Session, "before_commit")
def _number_events(session: Session) -> None:
    """Gives this transaction's feed events their positions, after every committed one's.

    On PostgreSQL the advisory lock is held to the end of the commit, so no other transaction
    numbers meanwhile; the transaction's own rows are those stamped with its id. SQLite has one
    writer: every unnumbered row is this transaction's."""
    if not session.info.pop(_TO_NUMBER, False):
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _NUMBERING_LOCK})
        mine = "AND mine.xact_id = pg_current_xact_id()::text::bigint"
    else:
        mine = ""
    session.execute(text(_NUMBER.format(mine=mine)))


@event.listens_for(Session, "after_rollback")
def _forget_events(session: Session) -> None:
    session.info.pop(_TO_NUMBER, None)


class CursorExpired(AppError):
    status = 410
    code = "cursor_expired"
    title = "Cursor expired"


# -- the answer's schema ------------------------------------------------------------------------


def _event_model(kind: EventType) -> type[BaseModel]:
    model: type[BaseModel] = create_model(
        "".join(part.title() for part in kind.name.replace("_", ".").split(".")) + "Event",
        __config__=ConfigDict(title=kind.name, json_schema_extra={"description": kind.description}),
        id=(str, Field(description="事件编号(全局唯一,据此去重)")),
        type=(Literal[kind.name], Field(description="事件类型 `<noun>.<verb>`")),  # type: ignore[arg-type]
        occurred_at=(datetime, Field(description="事件发生时间 (UTC)")),
        subject=(str, Field(description="事件所涉对象 `<集合>:<编号>`;保留每个对象最新的 data 即得其副本")),
        data=(kind.data, Field(description=kind.description)),
    )
    return model


def feed_page_model(catalogue: Sequence[EventType], service: str) -> type[BaseModel]:
    """`{items, next_cursor}` with each item one of the catalogue's types, told apart by `type`."""
    models = tuple(_event_model(kind) for kind in catalogue)
    item: Any = Annotated[Union[models], Field(discriminator="type")] if len(models) > 1 else models[0]  # noqa: UP007
    return create_model(
        f"{service.title().replace('-', '')}EventPage",
        items=(list[item], Field(description="按提交顺序排列的事件")),
        next_cursor=(
            str,
            Field(description="下一次请求的 `after`:已读到的位置。没有新事件时不变,消费方以它继续轮询"),
        ),
    )


# -- reading ------------------------------------------------------------------------------------


async def read_feed(
    session: AsyncSession, *, after: int | None, types: Iterable[str], limit: int
) -> tuple[list[dict[str, Any]], int | None]:
    """Committed events after position `after`, in commit order; and the position of the last one."""
    query = select(
        EVENTS.c.position,
        EVENTS.c.event_id,
        EVENTS.c.type,
        EVENTS.c.occurred_at,
        EVENTS.c.subject,
        EVENTS.c.data,
    ).where(EVENTS.c.position > (after or 0), EVENTS.c.type.in_(list(types)))
    rows = (await session.execute(query.order_by(EVENTS.c.position).limit(limit))).mappings().all()
    items = [
        {
            "id": row["event_id"],
            "type": row["type"],
            "occurred_at": row["occurred_at"],
            "subject": row["subject"],
            "data": row["data"],
        }
        for row in rows
    ]
    return items, (int(rows[-1]["position"]) if rows else None)


async def _check_not_expired(session: AsyncSession, position: int) -> None:
    """A cursor is good while its event (or one before it) is kept. Pruning always keeps the newest
    event, so a consumer that is up to date keeps its place however quiet the feed has been. The
    cursor of an empty feed, 0, is the start and never expires."""
    if position == 0:
        return
    kept = await session.scalar(select(EVENTS.c.id).where(EVENTS.c.position <= position).limit(1))
    if kept is None and await session.scalar(select(EVENTS.c.id).where(EVENTS.c.position > 0).limit(1)):
        raise CursorExpired(
            "events after this cursor are past the feed's retention; resynchronise from full reads "
            "(`updated_since`) and follow the feed from its start"
        )


def feed_router(catalogue: Sequence[EventType], *, service: str, reader: Any) -> APIRouter:
    """The feed of one service. `reader` is the role requirement; a caller limited to datasets (an
    API key with scopes, `daye_kit.scopes`) sees only the events of its datasets."""
    names = [kind.name for kind in catalogue]
    if len(set(names)) != len(names):
        raise ValueError("an event type is listed twice")
    page_model = feed_page_model(catalogue, service)
    table = "\n".join(f"- `{kind.name}` ({kind.dataset}): {kind.description}" for kind in catalogue)
    router = APIRouter(prefix="/api/v1", tags=["变更订阅"])

    @router.get(
        "/events",
        operation_id="list_events",
        summary="变更事件流",
        description="按提交顺序读取本服务的变更事件:每个事件只出现一次,跟随 `next_cursor` 不漏不重。"
        "`data` 是变更后的资源(与单条读取的字段相同)。保留期见服务设置 `EVENT_RETENTION_DAYS`"
        f"(默认 90 天)。\n\n事件类型:\n{table}",
        response_model=page_model,
        responses=problem_responses(400, 401, 403, 422, CursorExpired),
    )
    async def list_events(
        principal: Annotated[Principal, Depends(reader)],
        session: SessionDep,
        after: Annotated[
            str | None, Query(description="上一页的 `next_cursor`;不给则从最早保留的事件读起", max_length=64)
        ] = None,
        types: Annotated[
            list[str] | None,
            Query(description="只读这些类型(可重复或以逗号分隔)", examples=["demand.posted,match.succeeded"]),
        ] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="每页事件数")] = DEFAULT_LIMIT,
    ) -> Any:
        wanted = _wanted_types(catalogue, types, datasets_of(principal.scopes))
        position = decode_cursor(after) if after else None
        if position is not None:
            await _check_not_expired(session, position)
        items, last = await read_feed(session, after=position, types=wanted, limit=limit)
        cursor = last or position or 0
        body = page_model.model_validate({"items": items, "next_cursor": encode_cursor(cursor)})
        return JSONResponse(body.model_dump(mode="json"))

    return router


def _wanted_types(
    catalogue: Sequence[EventType], asked: list[str] | None, datasets: Iterable[str] | None
) -> list[str]:
    known = {kind.name: kind for kind in catalogue}
    names = [name.strip() for value in asked or [] for name in value.split(",") if name.strip()]
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise InvalidInput.field(
            "query.types", "event_type", f"unknown event types {unknown}; this feed has {sorted(known)}"
        )
    chosen = names or list(known)
    if datasets is not None:
        allowed = set(datasets)
        chosen = [name for name in chosen if known[name].dataset in allowed]
    return chosen


# -- retention ----------------------------------------------------------------------------------


async def prune_events(session: AsyncSession, *, retention_days: int) -> int:
    """Delete events older than the retention, except those a peer has still to receive and the
    newest (the place of every consumer that is up to date)."""
    cutoff = utcnow() - timedelta(days=retention_days)
    newest = select(func.max(EVENTS.c.position)).scalar_subquery()
    result = await session.execute(
        delete(EVENTS).where(
            EVENTS.c.occurred_at < cutoff, EVENTS.c.state == "delivered", EVENTS.c.id != newest
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def _prune_events_duty(context: DutyContext) -> Summary:
    days: int = context.app.state.settings.event_retention_days
    return {"deleted": await prune_events(context.session, retention_days=days), "retention_days": days}


PRUNE_EVENTS = Duty(
    name="prune-events",
    schedule="45 3 * * *",
    grace=timedelta(days=1),
    description="每日 03:45 删除超过保留期(EVENT_RETENTION_DAYS,默认 90 天)的变更事件;尚未送达对端的除外",
    action=_prune_events_duty,
)
