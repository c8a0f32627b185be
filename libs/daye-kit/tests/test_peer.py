"""The peer client: request ids forwarded, retries only where safe, errors turned into problems."""

from __future__ import annotations

import socket
from collections import Counter
from typing import Any

import httpx
import pytest
from asgi_correlation_id import correlation_id
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from daye_kit.errors import PeerAnswerInvalid, PeerError, PeerUnavailable
from daye_kit.peer import PeerClient


def flaky_peer(failures: int, status: int = 503) -> tuple[FastAPI, Counter[str]]:
    """A real ASGI app that fails `failures` times per path before answering."""
    app = FastAPI()
    calls: Counter[str] = Counter()

    @app.api_route("/{path:path}", methods=["GET", "POST", "PUT"])
    async def handle(path: str, request: Request) -> JSONResponse:
        calls[f"{request.method} /{path}"] += 1
        if path == "missing":
            return JSONResponse(
                {"code": "not_found", "status": 404, "detail": "no such enterprise"}, status_code=404
            )
        if calls[f"{request.method} /{path}"] <= failures:
            return JSONResponse({"code": "boom"}, status_code=status)
        return JSONResponse(
            {
                "request_id": request.headers.get("x-request-id"),
                "authorization": request.headers.get("authorization"),
            }
        )

    return app, calls


async def get_json(peer: PeerClient, path: str, **kwargs: Any) -> Any:
    return peer.json_of(await peer.request("GET", path, **kwargs))


def client_for(app: FastAPI, retries: int = 2, token: str | None = None) -> PeerClient:
    async def token_source() -> str:
        return token or ""

    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app))
    return PeerClient(http, "http://peer", retries=retries, token_source=token_source if token else None)


async def test_forwards_the_request_id_and_the_service_token() -> None:
    app, _ = flaky_peer(0)
    peer = client_for(app, token="service-token")
    reset = correlation_id.set("req-42")
    try:
        body = await get_json(peer, "/x")
    finally:
        correlation_id.reset(reset)
    assert body == {"request_id": "req-42", "authorization": "Bearer service-token"}
    forwarded = await get_json(peer, "/x", token="caller-token")
    assert forwarded["authorization"] == "Bearer caller-token"


async def test_idempotent_calls_are_retried_through_5xx() -> None:
    app, calls = flaky_peer(2)
    assert (await client_for(app, retries=2).request("GET", "/x")).status_code == 200
    assert calls["GET /x"] == 3


async def test_a_post_is_not_retried_unless_it_carries_an_idempotency_key() -> None:
    app, calls = flaky_peer(1)
    peer = client_for(app, retries=2)
    with pytest.raises(PeerUnavailable, match="503"):
        await peer.request("POST", "/pay", json={})
    assert calls["POST /pay"] == 1
    response = await peer.request("POST", "/pay2", json={}, headers={"Idempotency-Key": "k1"})
    assert response.status_code == 200
    assert calls["POST /pay2"] == 2


async def test_a_peer_that_stays_down_is_unavailable() -> None:
    app, calls = flaky_peer(10, status=500)
    with pytest.raises(PeerUnavailable) as raised:
        await client_for(app, retries=1).request("GET", "/x")
    assert raised.value.status == 503
    assert calls["GET /x"] == 2


async def test_a_refused_connection_is_unavailable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with httpx.AsyncClient() as http:
        peer = PeerClient(http, f"http://127.0.0.1:{port}", retries=1, timeout=1.0)
        with pytest.raises(PeerUnavailable, match="unreachable"):
            await peer.healthy()


async def test_a_4xx_carries_the_peer_problem() -> None:
    app, calls = flaky_peer(0)
    with pytest.raises(PeerError) as raised:
        await client_for(app).request("GET", "/missing")
    assert raised.value.peer_status == 404
    assert raised.value.peer_code == "not_found"
    assert raised.value.status == 502
    assert calls["GET /missing"] == 1


async def test_an_answer_that_is_not_json_or_not_the_contract_is_a_502() -> None:
    app = FastAPI()

    @app.get("/html")
    async def html() -> Response:
        return Response("<html>502 Bad Gateway</html>", media_type="text/html")

    @app.get("/shape")
    async def shape() -> dict[str, str]:
        return {"unexpected": "shape"}

    class Stats(BaseModel):
        posted: int

    peer = client_for(app)
    with pytest.raises(PeerAnswerInvalid, match="is not JSON") as not_json:
        await get_json(peer, "/html")
    assert (not_json.value.status, not_json.value.code) == (502, "peer_answer_invalid")
    with pytest.raises(PeerAnswerInvalid, match="does not fit Stats"):
        await peer.get_model(Stats, "/shape")
