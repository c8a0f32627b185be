"""What fuzzing matching-api found, each pinned by the smallest request that showed it."""

from __future__ import annotations

import pytest

from .conftest import Matching
from .test_demands import demand

TOO_BIG = 2**63  # past every id column, and past what the drivers will even send


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/matches", {"demand_id": TOO_BIG, "supply_id": 1}),
        ("/api/v1/matches", {"demand_id": 1, "supply_id": TOO_BIG}),
        ("/api/v1/assignments", {"demand_ids": [TOO_BIG], "experts": [{"supply_id": 1}]}),
        ("/api/v1/assignments", {"demand_ids": [1], "experts": [{"supply_id": TOO_BIG}]}),
    ],
)
async def test_an_id_no_row_can_have_is_a_422_naming_it(
    matching: Matching, path: str, body: dict[str, object]
) -> None:
    response = await matching.client.post(path, json=body, headers=matching.admin)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["rule"] == "less_than_equal"


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/demands/{TOO_BIG}",
        f"/api/v1/demands/{TOO_BIG}/recommendations",
        f"/api/v1/supplies/{TOO_BIG}",
        f"/api/v1/matches/{TOO_BIG}",
        f"/api/v1/matches?demand_id={TOO_BIG}",
        f"/api/v1/demands?offset={TOO_BIG}",
        f"/api/v1/notifications?after_id={TOO_BIG}",
        "/api/v1/demands?posted_from=0001-01-01",  # no local midnight in UTC: OverflowError
        "/api/v1/demands?posted_to=9999-12-31",
    ],
)
async def test_reading_past_the_ranges_is_a_422(matching: Matching, path: str) -> None:
    response = await matching.client.get(path, headers=matching.admin)
    assert response.status_code == 422, response.text


async def test_the_bureau_posting_for_a_malformed_credit_code_is_a_422(matching: Matching) -> None:
    # The code went into the URL of the registry look-up at indicator-api: httpx refused it, a 500.
    for code in ("\x06" * 18, "91420281MA0000001/", "91420281MA0000001X"):
        response = await matching.client.post(
            "/api/v1/demands", json=demand(credit_code=code), headers=matching.admin
        )
        assert response.status_code == 422, (code, response.text)
        assert response.json()["errors"][0]["field"] == "body.credit_code"


async def test_a_day_given_as_a_number_is_a_422_not_a_day_in_1970(matching: Matching) -> None:
    # `as_of=6.97e-99` was accepted as a Unix timestamp (1970-01-01), and `as_of=86400` (1970-01-02).
    for as_of in ("86400", "6.973333498944826e-99"):
        response = await matching.client.post(
            f"/api/v1/demands/close-expired?as_of={as_of}", headers=matching.admin
        )
        assert response.status_code == 422, (as_of, response.text)
        assert response.json()["errors"][0]["field"] == "query.as_of"
    assert (
        await matching.client.get("/api/v1/stats?from=0&to=2025-06-30", headers=matching.admin)
    ).status_code == 422
