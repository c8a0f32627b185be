"""Cross-origin requests: Starlette's `CORSMiddleware`, with a fast path for the requests that are not
cross-origin at all.

A request without an `Origin` header (another system, a probe, a same-origin page's GET) needs
nothing of CORS but `Vary: Origin` on its answer, so a cache never hands it to a browser that sent
one. Starlette builds its header views and wraps `send` for every request all the same; here such a
request gets that one header and nothing else. A request with an `Origin` (preflights included)
goes through Starlette's own code.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.types import Message, Receive, Scope, Send

_ORIGIN = b"origin"
_VARY_ORIGIN = (b"vary", b"Origin")


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
                raw = message.setdefault("headers", [])
                if any(name.lower() == b"vary" for name, _ in raw):
                    # As Starlette's own `send` sets it: every `Vary` joined into one, `Origin` last.
                    headers = MutableHeaders(scope=message)
                    headers["Vary"] = ", ".join([*headers.getlist("Vary"), "Origin"])
                else:
                    message["headers"] = [*raw, _VARY_ORIGIN]
            await send(message)

        await self.app(scope, receive, send_with_vary)
