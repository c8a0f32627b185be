"""What fuzzing funding-api found, each pinned by the smallest request that showed it."""

from __future__ import annotations

from daye_demo.enterprises import DEMO_ENTERPRISES

from .conftest import Stack

TOO_BIG = 2**63  # past every id column, and past what the drivers will even send


# One stack for every probe: each funding stack loads indicator-api's demo data, which takes seconds.
PROBES = [
    ("GET", f"/api/v1/programs/{TOO_BIG}"),
    ("GET", f"/api/v1/programs/{TOO_BIG}/rules"),
    ("GET", f"/api/v1/awards/{TOO_BIG}"),
    ("POST", f"/api/v1/awards/{TOO_BIG}/rejection"),
    ("GET", f"/api/v1/disbursements/{TOO_BIG}"),
    ("GET", f"/api/v1/awards?program_id={TOO_BIG}"),
    ("GET", f"/api/v1/disbursements?award_id={TOO_BIG}"),
    ("GET", f"/api/v1/ledger/entries?posting_id={TOO_BIG}"),
    ("GET", f"/api/v1/outstanding?program_id={TOO_BIG}"),
]


async def test_an_id_no_row_can_have_is_a_422(stack: Stack, admin: dict[str, str]) -> None:
    answers = {}
    for method, path in PROBES:
        body = {"reason": "金额有误"} if method == "POST" else None
        response = await stack.funding.request(method, path, json=body, headers=admin)
        answers[f"{method} {path}"] = (response.status_code, response.headers["content-type"])
    assert answers == {f"{m} {p}": (422, "application/problem+json") for m, p in PROBES}
    body = {
        "program_id": TOO_BIG,
        "credit_code": DEMO_ENTERPRISES[0].credit_code,
        "amount": "1.00",
        "application_no": "KJCX-2025-017",
    }
    response = await stack.funding.post("/api/v1/awards", json=body, headers=admin)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "body.program_id"


async def test_publishing_for_a_day_indicator_api_keeps_no_values_for_is_a_422(
    stack: Stack, admin: dict[str, str]
) -> None:
    # as_of 1970-01-01 went on to indicator-api, which refused the year: a 502 for the caller's input.
    for as_of in ("1970-01-01", "2101-01-01"):
        response = await stack.funding.post(
            "/api/v1/outstanding/publications", json={"as_of": as_of}, headers=admin
        )
        assert response.status_code == 422, (as_of, response.text)
        assert response.json()["errors"][0]["field"] == "body.as_of"


async def test_the_outstanding_report_for_a_day_in_year_one_is_a_422(stack: Stack) -> None:
    # `make fuzz` found GET /api/v1/outstanding?as_of=0001-01-01 answering 500.
    viewer = await stack.headers("viewer")
    for as_of in ("0001-01-01", "2101-01-01"):
        response = await stack.funding.get("/api/v1/outstanding", params={"as_of": as_of}, headers=viewer)
        assert response.status_code == 422, (as_of, response.text)
        assert response.json()["errors"][0]["field"] == "query.as_of"
    assert (
        await stack.funding.get("/api/v1/outstanding", params={"as_of": "2025-09-30"}, headers=viewer)
    ).status_code == 200
