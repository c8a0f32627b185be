"""Conditional reads on matching-api, whose enterprise callers are verified through indicator-api."""

from __future__ import annotations

from daye_demo.enterprises import DEMO_ENTERPRISES
from daye_dev.pytest_plugin import bearer

from .conftest import DEMO_PASSWORD, Platform
from .test_matching_platform import DEMAND


async def test_a_demand_revalidates_until_its_owner_edits_it(platform: Platform) -> None:
    async with platform.client("indicator-api") as indicator, platform.client("matching-api") as matching:
        enterprise = await bearer(indicator, DEMO_ENTERPRISES[0].credit_code, DEMO_PASSWORD)
        posted = await matching.post("/api/v1/demands", json=DEMAND, headers=enterprise)
        assert posted.status_code == 201, posted.text
        path = f"/api/v1/demands/{posted.json()['id']}"

        first = await matching.get(path, headers=enterprise)
        etag = first.headers["etag"]
        assert first.headers["cache-control"] == "private, no-cache"
        unchanged = await matching.get(path, headers={**enterprise, "If-None-Match": etag})
        assert unchanged.status_code == 304
        assert unchanged.content == b""
        assert unchanged.headers["etag"] == etag
        assert unchanged.headers["x-request-id"]

        listing = await matching.get("/api/v1/demands", headers=enterprise)
        listed_etag = listing.headers["etag"]

        edited = await matching.patch(path, json={"title": "铸件气孔缺陷攻关(修订)"}, headers=enterprise)
        assert edited.status_code == 200, edited.text
        after = await matching.get(path, headers={**enterprise, "If-None-Match": etag})
        assert after.status_code == 200
        assert after.json()["title"] == "铸件气孔缺陷攻关(修订)"
        assert after.headers["etag"] != etag
        relisted = await matching.get("/api/v1/demands", headers={**enterprise, "If-None-Match": listed_etag})
        assert relisted.status_code == 200
        assert relisted.headers["etag"] != listed_etag
