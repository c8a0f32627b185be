"""A webhook receiver run as its own process by the end-to-end tests (`python webhook_receiver.py
PORT`). It keeps every request it gets and answers by its path: `/<name>` with 204, and
`/<name>/fail/<n>` with 500 the first n times a `webhook-id` arrives, then 204.
`GET /received` answers what it kept, in order: `[{path, headers, body, status}]`."""

from __future__ import annotations

import sys
from collections import Counter
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

received: list[dict[str, Any]] = []
seen: Counter[tuple[str, str]] = Counter()


async def hook(request: Request) -> Response:
    path = request.url.path
    body = (await request.body()).decode()
    event_id = request.headers.get("webhook-id", "")
    seen[(path, event_id)] += 1
    parts = path.strip("/").split("/")
    failing = int(parts[2]) if len(parts) == 3 and parts[1] == "fail" else 0
    status = 500 if seen[(path, event_id)] <= failing else 204
    received.append({"path": path, "headers": dict(request.headers), "body": body, "status": status})
    return Response(status_code=status)


async def listing(request: Request) -> Response:
    return JSONResponse(received)


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


app = Starlette(
    routes=[
        Route("/healthz", health),
        Route("/received", listing),
        Route("/{path:path}", hook, methods=["POST"]),
    ]
)

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
