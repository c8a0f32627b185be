"""The checks every service's tests make of a create that takes an `Idempotency-Key`: the same key
and body answer the first answer again, another body under that key is refused, and many identical
requests at once create one thing."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from typing import Any

import httpx

Body = Mapping[str, Any]


async def _send(
    client: httpx.AsyncClient, path: str, body: Body, headers: Mapping[str, str], key: str
) -> httpx.Response:
    return await client.post(path, json=body, headers={**headers, "Idempotency-Key": key})


async def replayed_once(
    client: httpx.AsyncClient, path: str, body: Body, other: Body, headers: Mapping[str, str]
) -> httpx.Response:
    """POSTs `body` twice with one key (the second a replay, byte for byte), then `other` under the
    same key (422 `idempotency_key_reused`). The first answer."""
    key = str(uuid.uuid4())
    first = await _send(client, path, body, headers, key)
    assert first.status_code in (200, 201), first.text
    assert "idempotent-replayed" not in first.headers
    again = await _send(client, path, body, headers, key)
    assert (again.status_code, again.content) == (first.status_code, first.content)
    assert again.headers["idempotent-replayed"] == "true"
    reused = await _send(client, path, other, headers, key)
    assert reused.status_code == 422, reused.text
    problem = reused.json()
    assert problem["code"] == "idempotency_key_reused"
    assert [e["field"] for e in problem["errors"]] == ["header.Idempotency-Key"]
    return first


async def simultaneous(
    client: httpx.AsyncClient, path: str, body: Body, headers: Mapping[str, str], *, count: int = 100
) -> httpx.Response:
    """`count` identical POSTs at once with one key: one creates, every other answer is its replay
    (or, past the wait, 409 `idempotency_key_in_use` with Retry-After). The first answer."""
    key = str(uuid.uuid4())
    answers: list[httpx.Response] = await asyncio.gather(
        *(_send(client, path, body, headers, key) for _ in range(count))
    )
    created = [a for a in answers if a.status_code in (200, 201)]
    in_use = [a for a in answers if a.status_code == 409]
    assert len(created) + len(in_use) == count, sorted({a.status_code for a in answers})
    assert all(a.json()["code"] == "idempotency_key_in_use" and a.headers["retry-after"] for a in in_use)
    originals = [a for a in created if "idempotent-replayed" not in a.headers]
    assert len(originals) == 1, f"{len(originals)} requests ran; the others should have replayed"
    assert all(a.content == originals[0].content for a in created)
    return originals[0]
