"""Conditional reads through the real app: ETag and Last-Modified on the enterprise registry."""

from __future__ import annotations

from datetime import date, datetime
from email.utils import format_datetime, parsedate_to_datetime

import httpx

from daye_demo.enterprises import DEMO_ENTERPRISES


async def test_enterprise_revalidates_with_304_until_it_changes(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    path = f"/api/v1/enterprises/{DEMO_ENTERPRISES[0].credit_code}"
    first = await client.get(path, headers=admin)
    assert first.status_code == 200
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert first.headers["cache-control"] == "private, no-cache"

    unchanged = await client.get(path, headers={**admin, "If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert unchanged.headers["etag"] == etag
    assert unchanged.headers["last-modified"] == modified
    since = await client.get(path, headers={**admin, "If-Modified-Since": modified})
    assert since.status_code == 304

    patched = await client.patch(path, json={"industry": "精密铸造"}, headers=admin)
    assert patched.status_code == 200
    after = await client.get(path, headers={**admin, "If-None-Match": etag})
    assert after.status_code == 200
    assert after.json()["industry"] == "精密铸造"
    assert after.headers["etag"] != etag
    # A new qualification changes the enterprise as read, so its Last-Modified moves too.
    current = after.headers["last-modified"]
    added = await client.post(
        f"{path}/qualifications",
        json={"kind": "tech_sme", "granted_on": date(2026, 11, 30).isoformat()},
        headers=admin,
    )
    assert added.status_code == 201, added.text
    read = await client.get(path, headers={**admin, "If-None-Match": after.headers["etag"]})
    assert read.status_code == 200
    assert read.json()["updated_at"] > after.json()["updated_at"]
    stamped = datetime.fromisoformat(read.json()["updated_at"].replace("Z", "+00:00"))
    assert read.headers["last-modified"] == format_datetime(stamped.replace(microsecond=0), usegmt=True)
    assert parsedate_to_datetime(read.headers["last-modified"]) >= parsedate_to_datetime(current)


async def test_lists_are_tagged_and_errors_are_not(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    listing = await client.get("/api/v1/enterprises", headers=admin)
    etag = listing.headers["etag"]
    assert "last-modified" not in listing.headers
    again = await client.get("/api/v1/enterprises", headers={**admin, "If-None-Match": f'W/"x", {etag}'})
    assert again.status_code == 304
    missing = await client.get("/api/v1/enterprises/91420281MA0000000X", headers=admin)
    assert missing.status_code in (404, 422)
    assert "etag" not in missing.headers
    assert "etag" not in (await client.get("/healthz")).headers
