"""JSON logs with the request id, the request-id middleware, the access log and Prometheus metrics."""

from __future__ import annotations

import atexit
import json
import logging
import random
import re
import sys
import threading
import time
from collections import deque
from datetime import UTC, datetime
from typing import Any

import structlog
from asgi_correlation_id import correlation_id
from fastapi import APIRouter, Response
from fastapi.responses import PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from daye_kit.contract import DEPRECATION_HEADERS_ATTRIBUTE
from daye_kit.errors import unhandled_error_response

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_KEY = REQUEST_ID_HEADER.lower().encode()
log = structlog.get_logger("daye.errors")
UNMEASURED_PATHS = frozenset({"/metrics", "/healthz"})  # scrapes and liveness probes
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def valid_request_id(value: str) -> bool:
    """A caller's id is kept if it is short and safe to put in a log line; otherwise a new one is made."""
    return bool(_REQUEST_ID_RE.match(value))


def new_request_id() -> str:
    """32 hex digits, as `uuid4().hex` has. The id correlates log lines and is no secret, so it needs
    no draw from the operating system's entropy (a system call per request)."""
    return f"{random.getrandbits(128):032x}"


def _add_request_id(_: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
    request_id = correlation_id.get()
    if request_id and "request_id" not in event:
        event["request_id"] = request_id
    return event


# Every line this process logs goes out under this lock, whichever thread writes it: the access log's
# writer thread, structlog's loggers and the standard library's handler, so lines never interleave.
_OUTPUT_LOCK = threading.RLock()


class _NamedWriteLogger(structlog.WriteLogger):
    """structlog's plain line writer, with the name `add_logger_name` reports, writing under the
    process's one output lock."""

    def __init__(self, name: str | None = None) -> None:
        super().__init__(sys.stdout)
        self.name = name or "daye"

    def msg(self, message: str) -> None:
        # The stream of the moment, not the one at construction: loggers are cached on first use,
        # and stdout may be replaced later (a redirect, a test's capture).
        with _OUTPUT_LOCK:
            stream = sys.stdout
            stream.write(message + "\n")
            stream.flush()

    log = debug = info = warn = warning = msg
    fatal = failure = err = error = critical = exception = msg


# method, path, status, duration in ms, when it ended (Unix seconds), request id
AccessRecord = tuple[str, str, int, float, float, str | None]


# `json.dumps(text, ensure_ascii=False)` without the encoder's own dispatch: the C escaper itself.
_json_string = json.encoder.encode_basestring


class AccessLog:
    """The access log: one `request` line per HTTP request, rendered and written off the event loop.

    The request path only appends a tuple to a deque (`record`: no lock, no wake-up of another
    thread); a daemon thread wakes every `INTERVAL` seconds, turns what has piled up into lines and
    writes them in one go. In JSON the line has the keys, order and values structlog gives every
    other line (`configure_logging`); in the console format it goes through structlog itself.
    `flush` writes whatever is pending at once, in the caller's thread (the lifespan's end, the
    interpreter's exit).
    """

    INTERVAL = 0.02

    def __init__(self) -> None:
        self.enabled = True
        self._service = "daye"
        self._json = True
        self._pending: deque[AccessRecord] = deque()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._drain_lock = threading.Lock()  # batches are written in the order they were recorded

    def configure(self, service: str, *, enabled: bool, fmt: str) -> None:
        self._service, self.enabled, self._json = service, enabled, fmt == "json"

    def record(self, entry: AccessRecord) -> None:
        self._pending.append(entry)
        if self._thread is None:
            self._start()

    def flush(self) -> None:
        with self._drain_lock:
            entries = []
            while self._pending:
                entries.append(self._pending.popleft())
            if entries:
                self._write(entries)

    def _start(self) -> None:
        with self._start_lock:
            if self._thread is None:
                thread = threading.Thread(target=self._run, name="access-log", daemon=True)
                thread.start()
                atexit.register(self.flush)
                self._thread = thread

    def _run(self) -> None:
        while True:
            time.sleep(self.INTERVAL)
            try:
                self.flush()
            except Exception:  # a log line must never take the writer down with it
                logging.getLogger("daye.access").exception("access log lines lost")

    def _write(self, entries: list[AccessRecord]) -> None:
        if not entries:
            return
        if not self._json:
            log = structlog.get_logger("daye.access")
            for method, path, status, duration_ms, _, request_id in entries:
                log.info(
                    "request",
                    method=method,
                    path=path,
                    status=status,
                    duration_ms=duration_ms,
                    request_id=request_id,
                )
            return
        # What `json.dumps` of the dict structlog would build gives, key for key, with the constant
        # parts encoded once: a line costs the C escaper on its strings, and a timestamp. A duration is
        # a finite float, which JSON writes as its repr.
        service = _json_string(self._service)
        lines = []
        for method, path, status, duration_ms, ended, request_id in entries:
            timestamp = datetime.fromtimestamp(ended, UTC).isoformat().replace("+00:00", "Z")
            request = f', "request_id": {_json_string(request_id)}' if request_id else ""
            lines.append(
                f'{{"method": {_json_string(method)}, "path": {_json_string(path)}, "status": {status}, '
                f'"duration_ms": {duration_ms!r}, "event": "request", "level": "info", '
                f'"logger": "daye.access", "timestamp": "{timestamp}", "service": {service}{request}}}'
            )
        lines.append("")
        with _OUTPUT_LOCK:
            sys.stdout.write("\n".join(lines))
            sys.stdout.flush()


ACCESS_LOG = AccessLog()


def configure_logging(service: str, *, level: str = "INFO", fmt: str = "json") -> None:
    """Every log line (ours, uvicorn's, SQLAlchemy's) becomes one JSON object with the request id.

    Our own loggers write through structlog directly (a filtering logger that drops lines below the
    level before doing any work, then one write). Other libraries' stdlib logging goes through the
    same processors via a formatter. The access log, written on every request, is `ACCESS_LOG`'s.
    """

    def add_service(_: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
        event.setdefault("service", service)
        return event

    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        add_service,
        _add_request_id,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    threshold = logging.getLevelNamesMapping()[level.upper()]
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, renderer],
        logger_factory=_NamedWriteLogger,
        wrapper_class=structlog.make_filtering_bound_logger(threshold),
        cache_logger_on_first_use=True,
    )
    ACCESS_LOG.configure(service, enabled=threshold <= logging.INFO, fmt=fmt)
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.lock = _OUTPUT_LOCK
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    # Our access log replaces uvicorn's, which cannot see the request id.
    logging.getLogger("uvicorn.access").disabled = True


class _Metrics:
    """The Prometheus count and latency by route template, method (and status), with each label
    combination's children kept at hand: `labels()` parses its arguments and locks on every call."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "http_requests_total",
            "Requests by route template, method and status",
            ["handler", "method", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Time to the last byte of the response, by route template and method",
            ["handler", "method"],
            registry=registry,
        )
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def observe(self, handler: str, method: str, status: int, seconds: float) -> None:
        key = (handler, method, status)
        children = self._children.get(key)
        if children is None:
            children = (
                self.requests.labels(handler, method, str(status)),
                self.latency.labels(handler, method),
            )
            self._children[key] = children
        children[0].inc()
        children[1].observe(seconds)


class RequestContextMiddleware:
    """What every HTTP request gets, in one pure ASGI layer (each layer is a coroutine and a wrapped
    `send` per request):

    - the request id: the caller's `X-Request-ID` if it is short and safe to log, else a new one;
      in `correlation_id` (problem bodies, peer calls, log lines) and on the response;
    - a 500 problem for an exception nobody handled, with the request id, and its traceback logged;
    - one access-log line (`ACCESS_LOG`) and the Prometheus count and latency by route template
      (`scope["route"]`, the one the router matched, so nothing is matched twice).
    """

    def __init__(self, app: ASGIApp, registry: CollectorRegistry) -> None:
        self.app = app
        self.metrics = _Metrics(registry)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        headers = scope["headers"]
        sent = b""
        for name, value in headers:
            if name == _REQUEST_ID_KEY:
                sent = value
                break
        request_id = sent.decode("latin-1")
        if sent and valid_request_id(request_id):
            id_header = (_REQUEST_ID_KEY, sent)
        else:
            request_id = new_request_id()
            id_header = (_REQUEST_ID_KEY, request_id.encode())
            # Inner layers and handlers reading the header see the id everyone else sees.
            kept = [item for item in headers if item[0] != _REQUEST_ID_KEY] if sent else headers
            scope["headers"] = [*kept, id_header]
        reset = correlation_id.set(request_id)
        status = 500
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status, started = message["status"], True
                # A deprecated operation says so on every answer (`daye_kit.contract.deprecated`).
                deprecation = getattr(scope.get("route"), DEPRECATION_HEADERS_ATTRIBUTE, None)
                message["headers"] = [*message.get("headers", ()), id_header, *(deprecation or ())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("unhandled_exception", path=scope.get("path"))
            if started:
                raise
            await unhandled_error_response()(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - start
            method = scope["method"]
            if ACCESS_LOG.enabled:
                ACCESS_LOG.record(
                    (method, scope["path"], status, round(seconds * 1000, 2), time.time(), request_id)
                )
            handler = getattr(scope.get("route"), "path", None) or "none"
            if handler not in UNMEASURED_PATHS:
                self.metrics.observe(handler, method, status, seconds)
            correlation_id.reset(reset)


def metrics_router(registry: CollectorRegistry) -> APIRouter:
    """Prometheus metrics at /metrics, from a registry of the app's own (tests build many apps)."""
    router = APIRouter(tags=["运维"])

    @router.get(
        "/metrics",
        summary="Prometheus 指标",
        operation_id="metrics",
        response_class=PlainTextResponse,  # documented as the text it is, not JSON
    )
    async def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return router
