"""Cross-origin requests: Starlette's `CORSMiddleware`, with a fast path for the requests that are not
cross-origin at all.

A request without an `Origin` header (another system, a probe, a same-origin page's GET) needs
nothing of CORS but `Vary: Origin` on its answer, so a cache never hands it to a browser that sent
one. Starlette builds its header views and wraps `send` for every request all the same; here such a
request gets that one header and nothing else. A request with an `Origin` (preflights included)
goes through Starlette's own code.
"""

from __future__ import annotations

from starlette.middleware.cors import CORSMiddleware
from starlette.types import Message, Receive, Scope, Send

_ORIGIN = b"origin"
_VARY = b"vary"


def with_vary_origin(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """`headers` (names in lower case, as ASGI has them) with `Origin` added to `Vary`, as Starlette
    sets it: the values of every `Vary` joined into the first one, and `Origin` after them."""
    values = [value for name, value in headers if name == _VARY]
    if not values:
        return [*headers, (_VARY, b"Origin")]
    joined = b", ".join([*values, b"Origin"])
    result: list[tuple[bytes, bytes]] = []
    for name, value in headers:
        if name != _VARY:
            result.append((name, value))
        elif joined:
            result.append((_VARY, joined))
            joined = b""
    return result


class CrossOriginMiddleware(CORSMiddleware):
    """See the module."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, _ in scope["headers"]:
            if name == _ORIGIN:
                await super().__call__(scope, receive, send)
                return

        async def send_with_vary(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = with_vary_origin(list(message.get("headers", ())))
            await send(message)

        await self.app(scope, receive, send_with_vary)
