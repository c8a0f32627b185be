"""Abuse limits in the kit: the request-body cap and the moving-window rate counters."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI, Request

from daye_kit.errors import TooManyRequests, install_problem_handlers
from daye_kit.throttling import BodySizeLimitMiddleware, RateLimits

CAP = 1024


def capped_app() -> tuple[FastAPI, list[int]]:
    """A real app behind the cap; `read` lists the size of every body the endpoint got to see."""
    app = FastAPI()
    install_problem_handlers(app)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=CAP)
    read: list[int] = []

    @app.post("/echo")
    async def echo(request: Request) -> dict[str, int]:
        body = await request.body()
        read.append(len(body))
        return {"bytes": len(body)}

    return app, read


def client_for(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://capped")


def assert_too_large(response: httpx.Response) -> None:
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "payload_too_large"
    assert problem["errors"] == [
        {"field": "body", "rule": "max_bytes", "message": f"the request body may be at most {CAP} bytes"}
    ]


async def test_a_body_up_to_the_cap_passes() -> None:
    app, read = capped_app()
    async with client_for(app) as client:
        response = await client.post("/echo", content=b"x" * CAP)
    assert response.status_code == 200
    assert response.json() == {"bytes": CAP}
    assert read == [CAP]


async def test_a_declared_length_over_the_cap_is_refused_before_the_endpoint_runs() -> None:
    app, read = capped_app()
    async with client_for(app) as client:
        response = await client.post("/echo", content=b"x" * (CAP + 1))
    assert_too_large(response)
    assert read == []


async def test_a_streamed_body_without_a_length_is_cut_off_at_the_cap() -> None:
    app, read = capped_app()

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(8):
            yield b"y" * 300

    async with client_for(app) as client:
        response = await client.post("/echo", content=chunks())
    assert "content-length" not in response.request.headers
    assert_too_large(response)
    assert read == []


async def test_a_streamed_body_under_the_cap_is_read_whole() -> None:
    app, read = capped_app()

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(3):
            yield b"z" * 300

    async with client_for(app) as client:
        response = await client.post("/echo", content=chunks())
    assert response.json() == {"bytes": 900}
    assert read == [900]


async def test_rates_admit_up_to_the_limit_then_say_when_to_retry() -> None:
    limits = RateLimits()
    for _ in range(3):
        await limits.hit("3/minute", "writes", "account:a", what="writes")
    with pytest.raises(TooManyRequests) as refused:
        await limits.hit("3/minute", "writes", "account:a", what="writes by account:a")
    assert 55 <= refused.value.retry_after <= 60
    assert refused.value.headers == {"Retry-After": str(refused.value.retry_after)}
    assert "at most 3/minute" in refused.value.detail
    # Another key has a window of its own; no limit admits everything.
    await limits.hit("3/minute", "writes", "account:b", what="writes")
    for _ in range(10):
        await limits.hit(None, "writes", "account:a", what="writes")


async def test_recorded_events_close_the_window_and_clearing_reopens_it() -> None:
    limits = RateLimits()
    await limits.ensure_room("2/minute", "failures", "account:a", what="failures")
    await limits.record("2/minute", "failures", "account:a")
    await limits.ensure_room("2/minute", "failures", "account:a", what="failures")
    await limits.record("2/minute", "failures", "account:a")
    with pytest.raises(TooManyRequests):
        await limits.ensure_room("2/minute", "failures", "account:a", what="failures")
    await limits.clear("2/minute", "failures", "account:a")
    await limits.ensure_room("2/minute", "failures", "account:a", what="failures")
