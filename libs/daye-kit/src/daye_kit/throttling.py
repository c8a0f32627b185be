"""Abuse limits: rate limits per account and per API key, and a cap on the size of request bodies.

Rates use the `limits` library's moving windows ("600/minute" admits at most 600 in any 60 s), so a
client refused with 429 is told in `Retry-After` exactly when its oldest request leaves the window.
Counters live where `rate_limit_storage` says: per process by default.
"""

from __future__ import annotations

import hashlib
import math
import time
from functools import lru_cache

from limits import RateLimitItem, parse
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from daye_kit.errors import FieldError, PayloadTooLarge, TooManyRequests, problem_response

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@lru_cache(maxsize=64)
def _rate(limit: str) -> RateLimitItem:
    return parse(limit)


def api_key_bucket(api_key: str) -> str:
    """An API key's own counter, named by a digest so the key never sits in memory or logs."""
    return "key:" + hashlib.sha256(api_key.encode()).hexdigest()[:24]


class RateLimits:
    """Named moving-window counters. A `None` limit is switched off and admits everything."""

    def __init__(self, storage_url: str = "async+memory://") -> None:
        storage = storage_from_string(storage_url)
        self._limiter = MovingWindowRateLimiter(storage)

    async def hit(self, limit: str | None, *key: str, what: str) -> None:
        """Count one request against `key`; 429 with `Retry-After` once the window is full."""
        if limit is None:
            return
        if not await self._limiter.hit(_rate(limit), *key):
            raise await self._refusal(limit, key, what)

    async def ensure_room(self, limit: str | None, *key: str, what: str) -> None:
        """429 if `key` has already used up its window; counts nothing (see `record`)."""
        if limit is not None and not await self._limiter.test(_rate(limit), *key):
            raise await self._refusal(limit, key, what)

    async def record(self, limit: str | None, *key: str) -> None:
        """Count an event (a failed sign-in, say) without refusing anything now."""
        if limit is not None:
            await self._limiter.hit(_rate(limit), *key)

    async def clear(self, limit: str | None, *key: str) -> None:
        if limit is not None:
            await self._limiter.clear(_rate(limit), *key)

    async def _refusal(self, limit: str, key: tuple[str, ...], what: str) -> TooManyRequests:
        stats = await self._limiter.get_window_stats(_rate(limit), *key)
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        return TooManyRequests(
            f"{what}: at most {limit}; try again in {retry_after} s", retry_after=retry_after
        )


class _BodyTooLarge(Exception):
    pass


class BodySizeLimitMiddleware:
    """Refuses request bodies over `max_bytes` with 413, whether declared or streamed in chunks.

    A declared `Content-Length` over the cap is refused before reading a byte. A chunked body is
    counted as it arrives; at the first byte over the cap the application's read fails, whatever it
    answers is dropped, and the client gets the 413 instead.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared, chunked = "", False
        for name, value in scope["headers"]:
            if name == b"content-length":
                declared = value.decode("latin-1")
            elif name == b"transfer-encoding":
                chunked = True
        if not declared and not chunked:  # no body to count (HTTP/1.1): nothing to wrap
            await self.app(scope, receive, send)
            return
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return

        received = 0
        exceeded = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not exceeded:
                raise
        if exceeded and not started:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = f"the request body may be at most {self.max_bytes} bytes"
        error = PayloadTooLarge(message, errors=[FieldError(field="body", rule="max_bytes", message=message)])
        await problem_response(error.to_problem(), {"Connection": "close"})(scope, receive, send)
