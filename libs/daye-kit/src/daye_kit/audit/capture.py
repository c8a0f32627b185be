"""Capture: one audit row per write request, and one per consumer pull.

- `AuditMiddleware` (pure ASGI, every service) puts a `RequestAudit` in the request's scope. The kit's
  `current_principal` tells it who is calling; the token endpoint tells it the username attempted.
- A write that succeeds through the request's session (`SessionDep`) writes its row in that session's
  transaction, just before the commit (`RequestAudit.write_in`, called by `daye_kit.db`): the change
  and its audit row commit together or not at all. The row says what changed: the ORM objects the
  request flushed (an `after_flush` hook keeps their attribute history in `session.info`) or what the
  service declared with `record_change` where it writes with Core statements.
- Every other write (a refusal, a validation error, a conflict, an error at commit, a write that used
  no request session) gets its row from the middleware, in a transaction of its own, once the
  request's own has ended, before the last byte of the answer goes out.
- A GET by a consumer's API key (`principal.api_key_id` set, not a peer service) leaves a `data_pull`
  row with the dataset and how many rows it returned. Other reads cost nothing here.

A request refused before anyone is known (no or bad credentials: 401) has a row with a null actor.
Secrets (password and key hashes, TOTP and webhook secrets) are never written: their values are
replaced by `REDACTED`, their names stay in `changed`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

import structlog
from asgi_correlation_id import correlation_id
from fastapi import Depends, Request
from pydantic_core import to_jsonable_python
from sqlalchemy import event, insert
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session
from sqlalchemy.orm.base import NO_VALUE
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from daye_kit.audit.models import AUDIT
from daye_kit.auth import TOKEN_PATH, Principal, Role
from daye_kit.db import AUDIT_SCOPE_KEY, CURRENT_AUDIT
from daye_kit.throttling import SAFE_METHODS
from daye_kit.timestamps import utcnow

log = structlog.get_logger("daye.audit")

REDACTED = "[redacted]"
DATA_PULL = "data_pull"
LOGOUT_PATH = "/api/v1/auth/logout"
# Operations whose action is a security event rather than the operation's id: (success, failure).
SECURITY_ACTIONS: Mapping[str, tuple[str, str]] = {
    TOKEN_PATH: ("sign_in", "sign_in_failed"),
    LOGOUT_PATH: ("sign_out", "sign_out"),
}
# The platform's own bookkeeping: never the object of an audit row.
INFRASTRUCTURE_TABLES = frozenset(
    {
        "audit_events",
        "audit_prune_permits",
        "outbox_events",
        "received_events",
        "idempotency_keys",
        "notifications",
        "webhook_deliveries",
        "webhook_fanout",
        "duty_runs",
    }
)
_SECRET_MARKERS = ("password", "secret", "hash", "totp", "token")
_CAPTURE = "daye_audit_capture"
_CHANGES = "daye_audit_changes"
_BODY_CAP = 1024 * 1024  # a failure's body or a pull's page is read for its code or its row count


def is_secret(name: str) -> bool:
    lowered = name.lower()
    return any(marker in lowered for marker in _SECRET_MARKERS)


def _json(value: Any) -> Any:
    try:
        return to_jsonable_python(value)
    except Exception:  # a value pydantic cannot render (bytes that are no text …): its text
        return str(value)


def _redacted(values: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    return {key: (REDACTED if is_secret(key) else _json(value)) for key, value in values.items()}


@dataclass
class Change:
    """What one request did to one object."""

    object_type: str
    object_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    changed: list[str] = field(default_factory=list)
    explicit: bool = False

    def merge(self, later: Change) -> None:
        """The same object flushed twice in one request: the first before, the last after."""
        if later.after is None:
            self.after = None
        elif self.after is not None:
            self.after.update(later.after)
        self.changed.extend(name for name in later.changed if name not in self.changed)


def _changes(session: Session) -> dict[tuple[str, str | None, bool], Change]:
    found: dict[tuple[str, str | None, bool], Change] = session.info.setdefault(_CHANGES, {})
    return found


def _add(session: Session, change: Change) -> None:
    found = _changes(session)
    key = (change.object_type, change.object_id, change.explicit)
    if key in found:
        found[key].merge(change)
    else:
        found[key] = change


def record_change(
    session: AsyncSession | Session,
    object_type: str,
    object_id: object,
    *,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> None:
    """Declares what a write made with Core statements changed (the ORM's changes are seen anyway):
    the request's audit row names this object, with these values. The first declared is the row's
    object; `changed` is the fields whose values differ (all of `after` for a new object)."""
    sync = session.sync_session if isinstance(session, AsyncSession) else session
    keys = list(dict.fromkeys([*(before or {}), *(after or {})]))
    changed = [k for k in keys if (before or {}).get(k, NO_VALUE) != (after or {}).get(k, NO_VALUE)]
    _add(
        sync,
        Change(
            object_type=object_type,
            object_id=None if object_id is None else str(object_id),
            before=_redacted(before),
            after=_redacted(after),
            changed=changed,
            explicit=True,
        ),
    )


def _loaded(state: Any) -> dict[str, Any]:
    values = {}
    for attr in state.mapper.column_attrs:
        value = state.attrs[attr.key].loaded_value
        if value is not NO_VALUE:
            values[attr.key] = value
    return values


def _object_id(state: Any) -> str | None:
    key = state.mapper.primary_key_from_instance(state.obj())
    if any(part is None for part in key):
        return None
    return ":".join(str(part) for part in key)


@event.listens_for(Session, "after_flush")
def _collect(session: Session, _: Any) -> None:
    """What this flush wrote, from the attributes' history (still there in `after_flush`)."""
    if not session.info.get(_CAPTURE):
        return
    for obj, kind in (
        *((o, "insert") for o in session.new),
        *((o, "update") for o in session.dirty),
        *((o, "delete") for o in session.deleted),
    ):
        state = sa_inspect(obj)
        table = getattr(state.mapper.local_table, "name", None)
        if table is None or table in INFRASTRUCTURE_TABLES:
            continue
        if kind == "insert":
            after = _loaded(state)
            change = Change(table, _object_id(state), None, _redacted(after), list(after))
        elif kind == "delete":
            change = Change(table, _object_id(state), _redacted(_loaded(state)), None, [])
        else:
            before: dict[str, Any] = {}
            now: dict[str, Any] = {}
            for attr in state.mapper.column_attrs:
                history = state.attrs[attr.key].history
                if not history.added and not history.deleted:
                    continue
                old = history.deleted[0] if history.deleted else None
                new = history.added[0] if history.added else None
                if old == new:
                    continue
                before[attr.key], now[attr.key] = old, new
            if not now:
                continue
            change = Change(table, _object_id(state), _redacted(before), _redacted(now), list(now))
        _add(session, change)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_CHANGES, None)


def _route_resource(route_path: str) -> str | None:
    """`/api/v1/awards/{award_id}/approve` → `awards`."""
    parts = [part for part in route_path.split("/") if part]
    if len(parts) >= 3 and parts[0] == "api" and not parts[2].startswith("{"):
        return parts[2]
    return None


@dataclass(slots=True)
class RequestAudit:
    """The audit of one request, in its scope under `AUDIT_SCOPE_KEY`."""

    service: str
    method: str
    path: str
    client_addr: str | None
    scope: Scope
    principal: Principal | None = None
    attempted: str | None = None
    written: bool = False
    # The answer's status where the handler chose one other than its route's (set with `answered`).
    status: int | None = None
    error_code: str | None = None

    @property
    def is_write(self) -> bool:
        return self.method not in SAFE_METHODS

    @property
    def is_pull(self) -> bool:
        principal = self.principal
        return (
            self.method in ("GET", "HEAD")
            and principal is not None
            and principal.api_key_id is not None
            and principal.role is not Role.service
        )

    # -- told by the request's handlers ------------------------------------------------------------

    def identify(self, principal: Principal) -> None:
        self.principal = principal

    def answered(self, status: int, error_code: str | None = None) -> None:
        """The handler answers with `status`, not its route's: a 200 for nothing new, a refusal it
        stores and answers like a success (`daye_kit.idempotency`). The row, written before the
        answer goes out, says so."""
        self.status, self.error_code = status, error_code

    def attempt(self, username: str) -> None:
        """The token endpoint: who tried to sign in (no principal yet, maybe never)."""
        self.attempted = username or None

    # -- the request's session -------------------------------------------------------------------

    def attach(self, session: AsyncSession) -> None:
        if self.is_write:
            session.sync_session.info[_CAPTURE] = True

    async def write_in(self, session: AsyncSession) -> None:
        """The success row, in the request's transaction, just before it commits."""
        if not self.is_write or self.written:
            return
        await session.flush()
        route = self.scope.get("route")
        status = self.status or getattr(route, "status_code", None) or 200
        changes = list(_changes(session.sync_session).values())
        row = self.row(status=status, changes=changes, error_code=self.error_code)
        await session.execute(insert(AUDIT).values(row))
        session.sync_session.info[_PENDING] = self

    def committed(self, session: AsyncSession) -> None:
        if session.sync_session.info.pop(_PENDING, None) is self:
            self.written = True

    # -- the row ---------------------------------------------------------------------------------

    def _route(self) -> tuple[str, str | None, dict[str, Any]]:
        route = self.scope.get("route")
        # The operation's id: the one it declares, else its function's name (`daye_kit.app`).
        name = getattr(route, "operation_id", None) or getattr(route, "name", None)
        return (
            name or "unrouted",
            getattr(route, "path", None),
            dict(self.scope.get("path_params") or {}),
        )

    def action(self, success: bool) -> str:
        name, route_path, _ = self._route()
        special = SECURITY_ACTIONS.get(route_path or "") if self.method == "POST" else None
        if special is not None:
            return special[0] if success else special[1]
        return name

    def row(
        self,
        *,
        status: int,
        changes: Iterable[Change] = (),
        error_code: str | None = None,
        dataset: str | None = None,
        rows_returned: int | None = None,
        action: str | None = None,
    ) -> dict[str, Any]:
        success = status < 400
        principal = self.principal
        _, route_path, params = self._route()
        primary = _primary(list(changes), params, _route_resource(route_path or ""))
        object_type = primary.object_type if primary else _route_resource(route_path or "")
        object_id = primary.object_id if primary else _last_param(params)
        return {
            "service": self.service,
            "occurred_at": utcnow(),
            "actor": principal.username if principal else _clean(self.attempted, 64),
            "role": principal.role.value if principal else None,
            "region_code": principal.region_code if principal else None,
            "credit_code": principal.credit_code if principal else None,
            "api_key_id": principal.api_key_id if principal else None,
            "action": action or self.action(success),
            "method": self.method,
            # PostgreSQL keeps no NUL in text; a path may carry one (answered 400 further in).
            "path": self.path.replace("\x00", "")[:512],
            "object_type": object_type[:64] if object_type else None,
            "object_id": _clean(object_id, 128),
            "before": primary.before if primary and success else None,
            "after": primary.after if primary and success else None,
            "changed": list(primary.changed) if primary and success else [],
            "outcome": "success" if success else "failure",
            "status": status,
            "error_code": None if success else (error_code or "unknown")[:64],
            "client_addr": self.client_addr,
            "request_id": correlation_id.get(),
            "dataset": dataset,
            "rows_returned": rows_returned,
        }


_PENDING = "daye_audit_pending"


async def _request_audit(request: Request) -> RequestAudit:
    """The request's audit; a detached one where no middleware made one (an app without it)."""
    audit = request.scope.get(AUDIT_SCOPE_KEY)
    if isinstance(audit, RequestAudit):
        return audit
    return RequestAudit(service="", method=request.method, path=request.url.path, client_addr=None, scope={})


AuditDep = Annotated[RequestAudit, Depends(_request_audit)]


def _clean(value: str | None, length: int) -> str | None:
    return None if value is None else value.replace("\x00", "")[:length] or None


def _last_param(params: Mapping[str, Any]) -> str | None:
    if not params:
        return None
    return str(list(params.values())[-1])


def _primary(changes: list[Change], params: Mapping[str, Any], resource: str | None) -> Change | None:
    """The request's object: what the service declared, else the object the path names, else one of
    the route's collection, else the first written."""
    if not changes:
        return None
    explicit = [c for c in changes if c.explicit]
    if explicit:
        return explicit[0]
    wanted = {str(value) for value in params.values()}
    for change in changes:
        if change.object_id in wanted and (resource is None or change.object_type == resource):
            return change
    for change in changes:
        if change.object_id in wanted:
            return change
    for change in changes:
        if change.object_type == resource:
            return change
    return changes[0]


# -- the middleware ------------------------------------------------------------------------------


def _count_rows(body: bytes) -> int | None:
    try:
        document = json.loads(body)
    except ValueError:
        return None
    if isinstance(document, dict) and isinstance(document.get("items"), list):
        return len(document["items"])
    if isinstance(document, list):
        return len(document)
    return 1


def _error_code(body: bytes) -> str | None:
    try:
        document = json.loads(body)
    except ValueError:
        return None
    code = document.get("code") if isinstance(document, dict) else None
    return str(code) if code else None


class AuditMiddleware:
    """See the module. Sits inside the request-id layer (the row carries the id) and outside the
    body cap and conditional reads (their answers are audited too)."""

    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] == "OPTIONS":
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        audit = RequestAudit(
            service=self.service,
            method=scope["method"],
            path=scope["path"],
            client_addr=client[0] if client else None,
            scope=scope,
        )
        scope[AUDIT_SCOPE_KEY] = audit
        status = 500
        collect = False
        # Whether the answer gets a row of its own here: a write's (unless its transaction wrote it)
        # or a pull's. A plain read has none, and its answer passes through untouched.
        recorded = False
        body = bytearray()
        finished = False

        async def audited_send(message: Message) -> None:
            nonlocal status, collect, recorded, finished
            if message["type"] == "http.response.start":
                status = message["status"]
                recorded = audit.is_write or audit.is_pull
                collect = (audit.is_write and status >= 400) or audit.is_pull
            elif recorded and message["type"] == "http.response.body":
                if collect and len(body) < _BODY_CAP:
                    body.extend(message.get("body", b""))
                if not message.get("more_body", False) and not finished:
                    finished = True
                    await self._finish(audit, status, bytes(body))
            await send(message)

        current = CURRENT_AUDIT.set(audit)
        try:
            await self.app(scope, receive, audited_send)
        except Exception:
            if not finished:
                finished = True
                await self._finish(audit, 500, b'{"code": "internal_error"}')
            raise
        finally:
            CURRENT_AUDIT.reset(current)
            # The audit holds the scope and the scope the audit: a cycle that only the collector
            # would free, with the whole scope, on every request. Broken here, both go when the
            # request does.
            scope.pop(AUDIT_SCOPE_KEY, None)

    async def _finish(self, audit: RequestAudit, status: int, body: bytes) -> None:
        if audit.is_write:
            if audit.written:
                return
            row = audit.row(status=status, error_code=_error_code(body) if status >= 400 else None)
        elif audit.is_pull:
            dataset = None
            route = audit.scope.get("route")
            datasets = getattr(audit.scope["app"].state, "datasets", None)
            if route is not None and datasets is not None:
                dataset = datasets.dataset(getattr(route, "path", ""))
            row = audit.row(
                status=status,
                action=DATA_PULL,
                dataset=dataset,
                rows_returned=_count_rows(body) if 200 <= status < 300 and body else None,
                error_code=_error_code(body) if status >= 400 else None,
            )
        else:
            return
        sessionmaker: async_sessionmaker[AsyncSession] | None = getattr(
            audit.scope["app"].state, "sessionmaker", None
        )
        if sessionmaker is None:
            return
        try:
            async with sessionmaker() as session, session.begin():
                await session.execute(insert(AUDIT).values(row))
            audit.written = True
        except Exception as exc:
            # The answer goes out all the same (the database may be the very thing that failed);
            # the log says which request has no row.
            log.warning(
                "audit_row_not_written",
                path=row["path"],
                status=status,
                action=row["action"],
                error=type(exc).__name__,
                detail=str(exc)[:200],
            )
