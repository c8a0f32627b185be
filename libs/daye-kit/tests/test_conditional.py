"""Conditional reads: ETag and Last-Modified on JSON reads, 304 for a client whose copy is current."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from fastapi import FastAPI, Response
from fastapi.responses import StreamingResponse

from daye_kit.conditional import ConditionalGetMiddleware, last_modified, none_match

CHANGED = datetime(2026, 11, 30, 8, 15, 42, 123456, tzinfo=UTC)


def _app() -> FastAPI:
    app = FastAPI()
    app.add_middleware(ConditionalGetMiddleware)
    state = {"name": "华鑫铸造"}

    @app.get("/things/1")
    async def read(response: Response) -> dict[str, str]:
        last_modified(response, CHANGED)
        return state

    @app.put("/things/1")
    async def write(body: dict[str, str]) -> dict[str, str]:
        state.update(body)
        return state

    @app.get("/things")
    async def listing() -> dict[str, object]:
        return {"items": [state], "total": 1}

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/missing")
    async def missing() -> Response:
        return Response('{"status": 404}', status_code=404, media_type="application/json")

    @app.get("/stream")
    async def stream() -> StreamingResponse:
        async def chunks() -> AsyncIterator[bytes]:
            yield b'{"a": '
            yield b"1}"

        return StreamingResponse(chunks(), media_type="application/json")

    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=_app()), base_url="http://t") as c:
        yield c


async def test_a_current_copy_gets_304_without_body_and_a_change_a_new_tag(client: httpx.AsyncClient) -> None:
    first = await client.get("/things/1")
    etag = first.headers["etag"]
    assert first.status_code == 200
    assert etag.startswith('"')
    assert len(etag) == 34
    assert first.headers["cache-control"] == "private, no-cache"
    assert first.headers["last-modified"] == "Mon, 30 Nov 2026 08:15:42 GMT"

    again = await client.get("/things/1", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert "content-type" not in again.headers
    assert again.headers.get("content-length", "0") == "0"

    await client.put("/things/1", json={"name": "华鑫精铸"})
    changed = await client.get("/things/1", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.json() == {"name": "华鑫精铸"}
    assert changed.headers["etag"] != etag


async def test_if_none_match_lists_star_and_weak_tags(client: httpx.AsyncClient) -> None:
    etag = (await client.get("/things")).headers["etag"]
    for header in (f'"other", {etag}', "*", f"W/{etag}", f'W/"x" , {etag}'):
        response = await client.get("/things", headers={"If-None-Match": header})
        assert response.status_code == 304, header
    for header in ('"other"', etag[:-2] + '"', ""):
        response = await client.get("/things", headers={"If-None-Match": header})
        assert response.status_code == 200, header


async def test_if_modified_since_only_without_if_none_match(client: httpx.AsyncClient) -> None:
    after = format_datetime(CHANGED + timedelta(seconds=1), usegmt=True)
    same = format_datetime(CHANGED.replace(microsecond=0), usegmt=True)
    before = format_datetime(CHANGED - timedelta(seconds=1), usegmt=True)
    assert (await client.get("/things/1", headers={"If-Modified-Since": after})).status_code == 304
    assert (await client.get("/things/1", headers={"If-Modified-Since": same})).status_code == 304
    assert (await client.get("/things/1", headers={"If-Modified-Since": before})).status_code == 200
    assert (await client.get("/things/1", headers={"If-Modified-Since": "yesterday"})).status_code == 200
    # If-None-Match decides when both are sent (RFC 9110 §13.1.3).
    both = {"If-Modified-Since": after, "If-None-Match": '"other"'}
    assert (await client.get("/things/1", headers=both)).status_code == 200
    # A list has no Last-Modified, so the date alone never gives a 304.
    assert (await client.get("/things", headers={"If-Modified-Since": after})).status_code == 200


async def test_probes_errors_streams_and_writes_pass_untouched(client: httpx.AsyncClient) -> None:
    for path in ("/healthz", "/missing", "/stream"):
        response = await client.get(path, headers={"If-None-Match": "*"})
        assert response.status_code in (200, 404), path
        assert "etag" not in response.headers, path
    assert (await client.get("/stream")).json() == {"a": 1}
    put = await client.put("/things/1", json={"name": "x"}, headers={"If-None-Match": "*"})
    assert put.status_code == 200
    assert "etag" not in put.headers


def test_weak_comparison() -> None:
    assert none_match(b'W/"a"', b'"a"')
    assert none_match(b'"a"', b'W/"a"')
    assert not none_match(b'"a"', b'"b"')
