"""Idempotent creation: a POST retried with the same `Idempotency-Key` answers its first answer again.

After the IETF draft `httpapi-idempotency-key-header` and Stripe:

- A key belongs to its caller (the principal's username): two callers may pick the same string. The
  table holds one row per (caller, key) — its primary key — so the database, not a lock of ours,
  decides which of two simultaneous requests with one key runs.
- The row is written in the request's own transaction, before the work, and filled with the answer
  after it: the created rows and their key commit together or not at all. A request that fails
  (validation, a domain refusal, a peer that is down, a crash) rolls its key back with everything
  else, so a retry may succeed; an operation may name refusals it keeps instead (`keep`: a payment
  refused for want of money is refused again, not paid, on retry).
- What a key was first used for is a SHA-256 of the operation, the path and the validated body (JSON
  with sorted keys and defaults left out, so `"100"` and `"100.00"` are one amount) or the bytes of
  an uploaded file; the same key for anything else is refused, 422 `idempotency_key_reused`.
- A retry while the first is still running waits for it: on PostgreSQL its INSERT waits on the first
  transaction's row (up to `wait_seconds`, then 409 `idempotency_key_in_use` with `Retry-After`); on
  SQLite every write transaction already waits for the one before (BEGIN IMMEDIATE). Once the first
  commits, the retry replays its answer; if the first rolled back, the retry runs as the first.
- Keys are kept `retention_hours` (at least 72). An expired key is forgotten when it is used again;
  `purge_expired` deletes the others (each service calls it on start; a scheduled duty may too).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

import structlog
from asgi_correlation_id import correlation_id
from fastapi import Depends, FastAPI, Header, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import Column, Integer, MetaData, String, Table, Text, delete, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from daye_kit.auth import CurrentPrincipal
from daye_kit.db import CURRENT_AUDIT, NAMING_CONVENTION, SessionDep
from daye_kit.errors import PROBLEM_MEDIA_TYPE, AppError, Conflict, InvalidInput
from daye_kit.timestamps import UtcDateTime, utcnow

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MIN_RETENTION_HOURS = 72
IN_USE_RETRY_AFTER_SECONDS = 1
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's sqlstate when lock_timeout expires
log = structlog.get_logger("daye.idempotency")


def idempotency_table(metadata: MetaData) -> Table:
    """`idempotency_keys`, the same in every service: each adds it to its own metadata and creates it
    in its own migration."""
    return Table(
        "idempotency_keys",
        metadata,
        Column("principal", String(64), primary_key=True),
        Column("key", String(255), primary_key=True),
        Column("operation", String(64), nullable=False),
        Column("fingerprint", String(64), nullable=False),
        # Empty only inside the transaction that claimed the key: committed rows hold the answer.
        Column("status_code", Integer, nullable=True),
        Column("media_type", String(64), nullable=True),
        Column("body", Text, nullable=True),
        Column("request_id", String(128), nullable=True),
        Column("created_at", UtcDateTime(), nullable=False, index=True),
    )


KEYS = idempotency_table(MetaData(naming_convention=NAMING_CONVENTION))


class IdempotencyKeyReused(InvalidInput):
    code, title = "idempotency_key_reused", "Idempotency-Key 已用于另一个请求"


class IdempotencyKeyInUse(Conflict):
    code, title = "idempotency_key_in_use", "使用该 Idempotency-Key 的请求仍在处理中"


@dataclass(frozen=True)
class Answer:
    """An answer as the client receives it, stored with its key and replayed unchanged."""

    status_code: int
    media_type: str
    body: bytes
    replayed: bool = False

    @classmethod
    def of(cls, content: BaseModel, status_code: int) -> Answer:
        return cls(status_code, "application/json", render(content.model_dump(mode="json", by_alias=True)))

    @classmethod
    def refusal(cls, error: AppError) -> Answer:
        return cls(error.status, PROBLEM_MEDIA_TYPE, render(error.to_problem().model_dump(mode="json")))

    def response(self) -> Response:
        headers = {REPLAYED_HEADER: "true"} if self.replayed else None
        return Response(self.body, self.status_code, headers=headers, media_type=self.media_type)


def render(content: Any) -> bytes:
    """JSON as FastAPI sends it (UTF-8, compact)."""
    return json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


def fingerprint(operation: str, target: str, body: BaseModel | bytes | None) -> str:
    """What a key was used for: the operation, its target (the path) and the body as understood."""
    if isinstance(body, BaseModel):
        content: Any = body.model_dump(mode="json", exclude_defaults=True)
    elif isinstance(body, bytes):
        content = hashlib.sha256(body).hexdigest()
    else:
        content = None
    canonical = json.dumps(
        {"operation": operation, "target": target, "body": content},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Claim:
    """A caller's key for one request."""

    principal: str
    key: str
    operation: str
    fingerprint: str
    request_id: str | None = None


@dataclass(frozen=True)
class Policy:
    """How long keys are kept, how long a retry waits for the first request with its key."""

    retention: timedelta = timedelta(hours=MIN_RETENTION_HOURS)
    wait_seconds: float = 30.0


Produce = Callable[[], Awaitable[BaseModel | Answer]]


async def answer_once(
    session: AsyncSession,
    claim: Claim | None,
    produce: Produce,
    *,
    status_code: int = 201,
    keep: tuple[type[AppError], ...] = (),
    policy: Policy | None = None,
) -> Answer:
    """The answer to a request: produced now (and stored under the claim's key), or replayed.

    `produce` does the work in `session` and returns the created thing (answered with
    `status_code`) or a whole `Answer`. Without a claim it simply runs. An error it raises rolls the
    key back with the rest, unless it is one of `keep`: then the work is undone to a savepoint and
    the refusal is stored and answered like a success.
    """
    answer = await _answer_once(session, claim, produce, status_code, keep, policy)
    audit = CURRENT_AUDIT.get()
    if audit is not None:
        # The request's audit row says what the client is answered: a stored refusal is a failure.
        code = json.loads(answer.body).get("code") if answer.status_code >= 400 else None
        audit.answered(answer.status_code, code)
    return answer


async def _answer_once(
    session: AsyncSession,
    claim: Claim | None,
    produce: Produce,
    status_code: int,
    keep: tuple[type[AppError], ...],
    policy: Policy | None,
) -> Answer:
    if claim is None:
        return _answer(await produce(), status_code)
    policy = policy or Policy()
    conn = await session.connection()
    now = utcnow()
    mine = (KEYS.c.principal == claim.principal) & (KEYS.c.key == claim.key)
    await conn.execute(delete(KEYS).where(mine, KEYS.c.created_at < now - policy.retention))
    if not await _claimed(conn, claim, now, policy.wait_seconds):
        return await _replay(conn, claim, mine)
    if keep:
        savepoint = await session.begin_nested()
        try:
            answer = _answer(await produce(), status_code)
        except keep as refusal:
            await savepoint.rollback()
            answer = Answer.refusal(refusal)
        else:
            await savepoint.commit()
    else:
        answer = _answer(await produce(), status_code)
    await session.flush()
    await conn.execute(
        update(KEYS)
        .where(mine)
        .values(status_code=answer.status_code, media_type=answer.media_type, body=answer.body.decode())
    )
    return answer


def _answer(result: BaseModel | Answer, status_code: int) -> Answer:
    return result if isinstance(result, Answer) else Answer.of(result, status_code)


async def _claimed(conn: AsyncConnection, claim: Claim, now: datetime, wait_seconds: float) -> bool:
    """Writes the key's row; False when a committed row holds it already. On PostgreSQL the INSERT
    waits while another transaction holds a row with that key, and returns once it commits (the row
    is there) or rolls back (this one claims it)."""
    row = {
        "principal": claim.principal,
        "key": claim.key,
        "operation": claim.operation,
        "fingerprint": claim.fingerprint,
        "request_id": claim.request_id,
        "created_at": now,
    }
    if conn.dialect.name != "postgresql":
        sqlite = sqlite_insert(KEYS).values(row).on_conflict_do_nothing(index_elements=["principal", "key"])
        return (await conn.execute(sqlite)).rowcount == 1
    insert = pg_insert(KEYS).values(row).on_conflict_do_nothing(index_elements=["principal", "key"])
    await conn.execute(text("SELECT set_config('lock_timeout', :wait, true)"), {"wait": f"{wait_seconds}s"})
    try:
        inserted = (await conn.execute(insert)).rowcount == 1
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
            raise
        log.info("idempotency_key_in_use", principal=claim.principal, operation=claim.operation)
        raise IdempotencyKeyInUse(
            f"a request with this {HEADER} is still being processed; retry after it finishes",
            headers={"Retry-After": str(IN_USE_RETRY_AFTER_SECONDS)},
        ) from exc
    await conn.execute(text("SET LOCAL lock_timeout TO DEFAULT"))
    return inserted


async def _replay(conn: AsyncConnection, claim: Claim, mine: Any) -> Answer:
    row = (await conn.execute(select(KEYS).where(mine))).mappings().one()
    if row["fingerprint"] != claim.fingerprint:
        raise IdempotencyKeyReused.field(
            f"header.{HEADER}",
            "idempotency_key_reused",
            f"this {HEADER} was first used with a different request; use a new key",
        )
    if row["status_code"] is None:  # only if a transaction committed a claim without its answer
        raise IdempotencyKeyInUse(
            f"a request with this {HEADER} has no answer yet",
            headers={"Retry-After": str(IN_USE_RETRY_AFTER_SECONDS)},
        )
    return Answer(row["status_code"], row["media_type"], row["body"].encode(), replayed=True)


async def purge_expired(conn: AsyncConnection, *, retention: timedelta) -> int:
    """Deletes keys older than the retention; how many went."""
    result = await conn.execute(delete(KEYS).where(KEYS.c.created_at < utcnow() - retention))
    return int(result.rowcount)


async def purge_on_start(app: FastAPI) -> None:
    """A service's start-up hook: forget the keys past their retention."""
    async with app.state.engine.begin() as conn:
        purged = await purge_expired(conn, retention=policy_of(app.state.settings).retention)
    if purged:
        log.info("idempotency_keys_purged", count=purged)


def policy_of(settings: Any) -> Policy:
    return Policy(
        retention=timedelta(hours=settings.idempotency_retention_hours),
        wait_seconds=settings.idempotency_wait_seconds,
    )


# --- HTTP ----------------------------------------------------------------------------------------

KEY_DESCRIPTION = (
    "幂等键(可见 ASCII 字符,最长 255;建议每次确认提交生成一个 UUID,重试时沿用)。"
    "同一调用方以同一键、同一请求重试时,原样返回第一次的状态码与响应体(带 `Idempotent-Replayed: true`),"
    "不会重复创建;同一键用于不同请求时 422 `idempotency_key_reused`;"
    "第一次请求仍在处理时,重试等待其完成后重放,等待超时则 409 `idempotency_key_in_use`(带 `Retry-After`)。"
    "第一次请求失败(4xx/5xx)不占用该键。键至少保留 72 小时。"
)
_KEY_RULES: dict[str, Any] = {
    "alias": HEADER,
    "min_length": 1,
    "max_length": 255,
    "pattern": r"^[\x21-\x7e]+$",
    "examples": ["7d7f0c5e-4f0a-4b8e-9a51-2f3c1f6b9a10"],
}


@dataclass
class Idempotency:
    """A create's idempotency, handed to the endpoint: `return await idempotency.respond(body, produce)`."""

    request: Request
    session: AsyncSession
    principal: str
    key: str | None

    @property
    def policy(self) -> Policy:
        return policy_of(self.request.app.state.settings)

    def claim(self, body: BaseModel | bytes | None) -> Claim | None:
        if self.key is None:
            return None
        operation = self._route().name
        return Claim(
            principal=self.principal,
            key=self.key,
            operation=operation,
            fingerprint=fingerprint(operation, self.request.url.path, body),
            request_id=correlation_id.get(),
        )

    async def respond(
        self, body: BaseModel | bytes | None, produce: Produce, *, keep: tuple[type[AppError], ...] = ()
    ) -> Response:
        """Runs `produce` once per key; answers with the route's status code (or `produce`'s Answer)."""
        answer = await answer_once(
            self.session,
            self.claim(body),
            produce,
            status_code=self._route().status_code or 200,
            keep=keep,
            policy=self.policy,
        )
        return answer.response()

    def _route(self) -> Any:
        return self.request.scope["route"]


async def _optional(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    key: Annotated[str | None, Header(description="可选。" + KEY_DESCRIPTION, **_KEY_RULES)] = None,
) -> Idempotency:
    return Idempotency(request, session, principal.username, key)


async def _required(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    key: Annotated[str, Header(description="必填。" + KEY_DESCRIPTION, **_KEY_RULES)],
) -> Idempotency:
    return Idempotency(request, session, principal.username, key)


IdempotencyDep = Annotated[Idempotency, Depends(_optional)]
"""An optional `Idempotency-Key` (documented on the operation)."""
RequiredIdempotencyDep = Annotated[Idempotency, Depends(_required)]
"""A required `Idempotency-Key`: without one the request is refused (422 naming the header)."""
