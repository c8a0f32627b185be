"""What fuzzing indicator-api found, each pinned by the smallest request that showed it."""

from __future__ import annotations

import httpx

TOO_BIG = 2**63  # past every id column, and past what the drivers will even send


async def test_an_id_no_row_can_have_is_a_422(
    client: httpx.AsyncClient, admin: dict[str, str], security: dict[str, str]
) -> None:
    probes = [
        ("DELETE", f"/api/v1/auth/api-keys/{TOO_BIG}", None),
        ("GET", f"/api/v1/candidates/{TOO_BIG}", None),
        ("PATCH", f"/api/v1/candidates/{TOO_BIG}", {"stage": "coached"}),
        ("GET", f"/api/v1/users?offset={TOO_BIG}", None),
    ]
    answers = {}
    for method, path, body in probes:
        headers = security if path.startswith("/api/v1/users") else admin
        response = await client.request(method, path, json=body, headers=headers)
        answers[f"{method} {path}"] = (response.status_code, response.headers["content-type"])
    assert answers == {f"{m} {p}": (422, "application/problem+json") for m, p, _ in probes}


async def test_candidates_of_a_region_with_any_name_export(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    # A region code with characters a header or a worksheet cannot hold was a 500.
    for region in ("金牛镇", "%16x"):
        response = await client.get(f"/api/v1/exports/regions/{region}/candidates.xlsx", headers=admin)
        assert response.status_code == 200, region
        assert "filename*=UTF-8''" in response.headers["content-disposition"]


async def test_exporting_an_unknown_indicator_is_a_documented_404(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    response = await client.get("/api/v1/exports/indicator-values.xlsx?code=", headers=admin)
    assert response.status_code == 404
    schema = (await client.get("/openapi.json")).json()
    documented = schema["paths"]["/api/v1/exports/indicator-values.xlsx"]["get"]["responses"]
    assert "404" in documented


async def test_a_nul_character_in_a_query_is_a_422(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    # On PostgreSQL these were 500s: text cannot hold NUL.
    for path in ("/api/v1/regions?parent_code=%00", "/api/v1/exports/indicator-values.xlsx?code=a%00"):
        response = await client.get(path, headers=admin)
        assert response.status_code == 422, path
        assert response.json()["errors"][0]["rule"] == "no_nul"


async def test_a_day_given_as_a_number_is_a_422(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    # Accepted as a Unix timestamp before: `as_of=-3.5e-292` was 1970-01-01.
    for path in (
        "/api/v1/exports/cultivation-progress.xlsx?year=2025&as_of=-3.524487293738914e-292",
        "/api/v1/cultivation/progress?year=2025&as_of=86400",
        "/api/v1/dashboard?year=2025&as_of=0",
    ):
        response = await client.get(path, headers=admin)
        assert response.status_code == 422, path
        assert response.json()["errors"][0]["field"] == "query.as_of"


async def test_a_nul_character_in_json_text_is_a_422(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    # A 500 on PostgreSQL, whose text cannot hold NUL; SQLite stored it.
    response = await client.post("/api/v1/auth/api-keys", json={"name": "key\u0000"}, headers=admin)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0] == {
        "field": "body",
        "rule": "no_nul",
        "message": "a NUL character (%00, \\u0000) is not allowed in a URL or in text",
    }
