"""Fan-out from the feed to delivery rows, and the sender that posts them, signed.

- `fan_out` reads the feed after the stored position (`webhook_fanout`, locked for the pass, so
  replicas take turns) and writes one `webhook_deliveries` row per (active endpoint subscribed to
  the type, event), for events that occurred at or after the endpoint's registration or last
  resume (`receives_from`). A paused or disabled endpoint gets no row: what happens while it is
  paused is skipped, not queued.
- `send_due` claims due deliveries of active endpoints (a lease in `claimed_until`, taken under
  `FOR UPDATE SKIP LOCKED` on PostgreSQL: replicas never send one delivery at once), posts them
  outside any transaction with an explicit timeout, and records each outcome. Only a 2xx is a
  success. A failure waits for the next step of the schedule (jittered), or for `Retry-After` when
  the receiver asks for longer; past the schedule the delivery has failed. 410 disables the
  endpoint at once; an endpoint whose every attempt has failed for five days is disabled too, and
  its owner told.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import structlog
from sqlalchemy import delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from standardwebhooks import Webhook

from daye_kit.db import READ_ONLY_OPTION
from daye_kit.duties import Duty, DutyContext, Summary
from daye_kit.feed import read_feed
from daye_kit.notifications import Notifications, user_audience
from daye_kit.timestamps import as_utc, utcnow
from daye_kit.webhooks.models import DELIVERIES, ENDPOINTS, FANOUT, UrlPolicy

log = structlog.get_logger("daye.webhooks")

# Waits before each attempt: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h.
RETRY_SCHEDULE: tuple[float, ...] = (0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)
FAILING_DISABLES_AFTER = timedelta(days=5)
ROTATION_OVERLAP = timedelta(hours=24)
LOG_RETENTION = timedelta(days=30)
RETRY_AFTER_CAP_SECONDS = 86400.0
FANOUT_BATCH = 500
SEND_BATCH = 20
ERROR_CHARS = 2000
USER_AGENT = "daye-webhooks/1 (Standard Webhooks)"


def retry_delay(schedule: Sequence[float], failed: int) -> float | None:
    """The wait before the next attempt after `failed` failed ones; None when the schedule is done.
    Jittered by ±10% so that the deliveries of one outage do not all come back in the same second."""
    if failed >= len(schedule):
        return None
    base = schedule[failed]
    return base * random.uniform(0.9, 1.1)  # noqa: S311 - jitter, not a secret


def parse_retry_after(value: str | None, *, now: datetime) -> float | None:
    """`Retry-After` as seconds (RFC 9110: a number of seconds or an HTTP-date), capped at a day."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        seconds = (moment - now).total_seconds()
    return min(max(seconds, 0.0), RETRY_AFTER_CAP_SECONDS)


def delivery_body(event: dict[str, Any]) -> dict[str, Any]:
    """The Standard Webhooks body of a feed event: `type`, `timestamp` (when it occurred) and
    `data` = `{event_id, subject, object}`, where `object` is the feed's `data` (the resource as
    its GET answers after the change) and `subject` names it (`demand:12`)."""
    return {
        "type": event["type"],
        "timestamp": as_utc(event["occurred_at"]).isoformat().replace("+00:00", "Z"),
        "data": {"event_id": event["id"], "subject": event["subject"], "object": event["data"]},
    }


def sign(
    *, event_id: str, body: str, at: datetime, secret: str, previous: str | None = None
) -> dict[str, str]:
    """The three Standard Webhooks headers; with `previous` (a rotation's old secret, while it
    lasts) the signature header carries both: `v1,<new> v1,<old>`."""
    signatures = [Webhook(secret).sign(event_id, at, body)]
    if previous:
        signatures.append(Webhook(previous).sign(event_id, at, body))
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(math.floor(at.timestamp())),
        "webhook-signature": " ".join(signatures),
    }


# -- fan-out --------------------------------------------------------------------------------------


async def _any(sessionmaker: async_sessionmaker[AsyncSession], query: Any) -> bool:
    # Read-only (no BEGIN IMMEDIATE on SQLite): polling must not queue behind the writers.
    async with sessionmaker() as session:
        connection = await session.connection(execution_options={READ_ONLY_OPTION: True})
        return (await connection.execute(query.limit(1))).first() is not None


async def _position(session: AsyncSession) -> int:
    """The stored position, locked for this transaction (PostgreSQL: one replica fans out at once)."""
    postgres = session.get_bind().dialect.name == "postgresql"
    query = select(FANOUT.c.position).where(FANOUT.c.name == "feed")
    if postgres:
        query = query.with_for_update()
    row = (await session.execute(query)).first()
    if row is None:
        insert_ = pg_insert if postgres else sqlite_insert
        await session.execute(
            insert_(FANOUT).values(name="feed", position=0, updated_at=utcnow()).on_conflict_do_nothing()
        )
        row = (await session.execute(query)).one()
    return int(row[0])


async def fan_out(
    sessionmaker: async_sessionmaker[AsyncSession], *, types: Sequence[str], batch: int = FANOUT_BATCH
) -> int:
    """One pass: the next events of the feed become deliveries; how many events were read."""
    if not await _any(sessionmaker, select(ENDPOINTS.c.id).where(ENDPOINTS.c.state == "active")):
        # Nobody listens: no write transaction each poll. The position stays, and an endpoint only
        # takes events from its registration or resume on, so the events left here are nobody's.
        return 0
    async with sessionmaker() as session, session.begin():
        position = await _position(session)
        events, last = await read_feed(session, after=position, types=types, limit=batch)
        if last is None:
            return 0
        endpoints = (
            await session.execute(
                select(ENDPOINTS.c.id, ENDPOINTS.c.event_types, ENDPOINTS.c.receives_from).where(
                    ENDPOINTS.c.state == "active"
                )
            )
        ).all()
        now = utcnow()
        rows = [
            {
                "endpoint_id": endpoint_id,
                "event_id": event["id"],
                "event_type": event["type"],
                "payload": delivery_body(event),
                "state": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for event in events
            for endpoint_id, event_types, receives_from in endpoints
            if event["type"] in event_types and as_utc(event["occurred_at"]) >= as_utc(receives_from)
        ]
        if rows:
            insert_ = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
            await session.execute(insert_(DELIVERIES).on_conflict_do_nothing(), rows)
        await session.execute(
            update(FANOUT).where(FANOUT.c.name == "feed").values(position=last, updated_at=now)
        )
        return len(events)


# -- sending --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    status: int | None  # the receiver's status code; None when there was no answer
    error: str | None = None
    retry_after: float | None = None

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass(frozen=True)
class Sender:
    """What a pass needs beyond the database."""

    client: httpx.AsyncClient
    policy: UrlPolicy
    schedule: Sequence[float] = RETRY_SCHEDULE
    timeout: float = 10.0
    notifications: Notifications | None = None

    @property
    def lease(self) -> timedelta:
        # Longer than an attempt may take: a claim outlives the request it covers.
        return timedelta(seconds=self.timeout * 2 + 30)


async def _attempt(sender: Sender, row: Any, now: datetime) -> Attempt:
    try:
        return await _post(sender, row, now)
    except Exception as exc:  # one delivery's surprise must not lose the outcomes of the batch
        return Attempt(None, repr(exc)[:ERROR_CHARS])


async def _post(sender: Sender, row: Any, now: datetime) -> Attempt:
    reason = await sender.policy.refusal(row["url"])
    if reason:
        return Attempt(None, f"url refused: {reason}")
    body = json.dumps(row["payload"], ensure_ascii=False, separators=(",", ":"))
    until = row["previous_secret_until"]
    previous = row["previous_secret"] if until is not None and as_utc(until) > now else None
    headers = {
        **sign(event_id=row["event_id"], body=body, at=now, secret=row["secret"], previous=previous),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }
    try:
        response = await sender.client.post(
            row["url"],
            content=body.encode(),
            headers=headers,
            timeout=sender.timeout,
            follow_redirects=False,  # a redirect could lead past the URL rule
        )
    except httpx.HTTPError as exc:
        return Attempt(None, f"{type(exc).__name__}: {exc}"[:ERROR_CHARS])
    error = None if response.is_success else f"answered {response.status_code}: {response.text[:500]}"
    return Attempt(
        response.status_code, error, parse_retry_after(response.headers.get("retry-after"), now=now)
    )


async def send_due(
    sessionmaker: async_sessionmaker[AsyncSession], sender: Sender, *, batch: int = SEND_BATCH
) -> int:
    """One pass: claim due deliveries, post them, record the outcomes; how many were attempted."""
    now = utcnow()
    due = select(DELIVERIES.c.id).where(DELIVERIES.c.state == "pending", DELIVERIES.c.next_attempt_at <= now)
    if not await _any(sessionmaker, due):
        return 0  # the common case, answered without a write transaction
    async with sessionmaker() as session, session.begin():
        query = (
            select(
                DELIVERIES.c.id,
                DELIVERIES.c.endpoint_id,
                DELIVERIES.c.event_id,
                DELIVERIES.c.payload,
                DELIVERIES.c.attempts,
                ENDPOINTS.c.url,
                ENDPOINTS.c.secret,
                ENDPOINTS.c.previous_secret,
                ENDPOINTS.c.previous_secret_until,
            )
            .join(ENDPOINTS, ENDPOINTS.c.id == DELIVERIES.c.endpoint_id)
            .where(
                DELIVERIES.c.state == "pending",
                DELIVERIES.c.next_attempt_at <= now,
                or_(DELIVERIES.c.claimed_until.is_(None), DELIVERIES.c.claimed_until < now),
                ENDPOINTS.c.state == "active",
            )
            .order_by(DELIVERIES.c.next_attempt_at, DELIVERIES.c.id)
            .limit(batch)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True, of=DELIVERIES)
        rows = (await session.execute(query)).mappings().all()
        if rows:
            await session.execute(
                update(DELIVERIES)
                .where(DELIVERIES.c.id.in_([row["id"] for row in rows]))
                .values(claimed_until=now + sender.lease)
            )
    attempts = await asyncio.gather(*(_attempt(sender, row, now) for row in rows))
    for row, attempt in zip(rows, attempts, strict=True):
        async with sessionmaker() as session, session.begin():
            await _record(session, sender, row, attempt)
    return len(rows)


async def _record(session: AsyncSession, sender: Sender, row: Any, attempt: Attempt) -> None:
    now = utcnow()
    failed = row["attempts"] + 1
    values: dict[str, Any] = {
        "attempts": failed,
        "response_status": attempt.status,
        "last_attempt_at": now,
        "claimed_until": None,
        "last_error": attempt.error,
    }
    endpoint = ENDPOINTS.c.id == row["endpoint_id"]
    if attempt.succeeded:
        values.update(state="succeeded", delivered_at=now)
        await session.execute(update(ENDPOINTS).where(endpoint).values(failing_since=None))
    else:
        wait = None if attempt.status == 410 else retry_delay(sender.schedule, failed)
        if wait is not None and attempt.retry_after is not None:
            wait = max(wait, attempt.retry_after)
        if wait is None:
            values["state"] = "failed"
        else:
            values.update(state="pending", next_attempt_at=now + timedelta(seconds=wait))
        found = (await session.execute(select(ENDPOINTS.c.failing_since).where(endpoint))).first()
        if found is None:
            return  # deleted while the attempt was under way, and its deliveries with it
        since = now if found[0] is None else as_utc(found[0])
        if attempt.status == 410:
            await disable(session, sender, row["endpoint_id"], "the receiver answered 410 Gone")
        elif now - since >= FAILING_DISABLES_AFTER:
            await disable(session, sender, row["endpoint_id"], "every delivery has failed for 5 days")
        else:
            await session.execute(update(ENDPOINTS).where(endpoint).values(failing_since=since))
        log.warning(
            "webhook_delivery_failed",
            delivery_id=row["id"],
            endpoint_id=row["endpoint_id"],
            status=attempt.status,
            attempts=failed,
            error=(attempt.error or "")[:200],
        )
    await session.execute(update(DELIVERIES).where(DELIVERIES.c.id == row["id"]).values(**values))


async def disable(session: AsyncSession, sender: Sender, endpoint_id: int, reason: str) -> None:
    """Disable an active endpoint and tell its owner (in the same transaction)."""
    owner = (
        await session.execute(
            update(ENDPOINTS)
            .where(ENDPOINTS.c.id == endpoint_id, ENDPOINTS.c.state == "active")
            .values(state="disabled", disabled_reason=reason, updated_at=utcnow())
            .returning(ENDPOINTS.c.owner, ENDPOINTS.c.url)
        )
    ).first()
    if owner is None:
        return
    log.warning("webhook_endpoint_disabled", endpoint_id=endpoint_id, reason=reason)
    if sender.notifications is not None:
        await sender.notifications.notify(
            session,
            audiences=[user_audience(owner[0])],
            kind="webhook_disabled",
            title=f"Webhook {endpoint_id} 已停用",
            body=f"{owner[1]}:{reason}。修复接收端后可以 PATCH 恢复(state=active)。",
        )


# -- the lifespan's loops and the pruning duty ----------------------------------------------------


async def run_loop(name: str, step: Callable[[], Awaitable[int]], *, poll_seconds: float) -> None:
    """Do `step` again at once while it finds work, and sleep when it finds none."""
    while True:
        try:
            done = await step()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("webhook_pass_failed", loop=name, error=repr(exc))
            done = 0
        if not done:
            await asyncio.sleep(poll_seconds)


async def prune_deliveries(session: AsyncSession, *, older_than: timedelta = LOG_RETENTION) -> int:
    result = await session.execute(delete(DELIVERIES).where(DELIVERIES.c.created_at < utcnow() - older_than))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def _prune_deliveries_duty(context: DutyContext) -> Summary:
    return {"deleted": await prune_deliveries(context.session)}


PRUNE_WEBHOOK_DELIVERIES = Duty(
    name="prune-webhook-deliveries",
    schedule="50 3 * * *",
    grace=timedelta(days=1),
    description="每日 03:50 删除 30 天前的 Webhook 送达记录(超过 30 天的不能再重新送达)",
    action=_prune_deliveries_duty,
)
