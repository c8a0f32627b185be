"""Candidates are submitted once, whatever the client does: an Idempotency-Key makes a retry (single
or bulk) a replay, and an enterprise is a candidate of one programme at most once a year."""

from __future__ import annotations

from typing import Any

import httpx

from daye_dev.idempotency_checks import replayed_once, simultaneous
from daye_dev.pytest_plugin import bearer

from .conftest import DEMO_PASSWORD
from .test_cultivation import JINNIU, candidate

CANDIDATES = f"/api/v1/regions/{JINNIU}/candidates"


async def codes_in_pipeline(client: httpx.AsyncClient, headers: dict[str, str]) -> list[str]:
    listed = await client.get(CANDIDATES, params={"limit": 200, "year": 2025}, headers=headers)
    return sorted(c["credit_code"] for c in listed.json()["items"])


async def test_a_retried_candidate_is_submitted_once(client: httpx.AsyncClient) -> None:
    township = await bearer(client, JINNIU, DEMO_PASSWORD)
    before = await codes_in_pipeline(client, township)
    other = candidate(41, figures={**candidate(41)["figures"], "staff": 121})
    first = await replayed_once(client, CANDIDATES, candidate(41), other, township)
    assert first.status_code == 201
    assert await codes_in_pipeline(client, township) == sorted([*before, candidate(41)["credit_code"]])


async def test_a_hundred_identical_candidates_at_once_make_one(client: httpx.AsyncClient) -> None:
    township = await bearer(client, JINNIU, DEMO_PASSWORD)
    before = await codes_in_pipeline(client, township)
    await simultaneous(client, CANDIDATES, candidate(42), township)
    assert await codes_in_pipeline(client, township) == sorted([*before, candidate(42)["credit_code"]])


async def test_a_retried_batch_is_submitted_once(client: httpx.AsyncClient) -> None:
    township = await bearer(client, JINNIU, DEMO_PASSWORD)
    before = await codes_in_pipeline(client, township)
    batch = {"items": [candidate(43), candidate(44)]}
    first = await replayed_once(client, f"{CANDIDATES}/bulk", batch, {"items": [candidate(43)]}, township)
    assert first.json()["created"] == 2
    added = sorted([candidate(43)["credit_code"], candidate(44)["credit_code"]])
    assert await codes_in_pipeline(client, township) == sorted([*before, *added])


async def test_a_hundred_identical_batches_at_once_make_one(client: httpx.AsyncClient) -> None:
    township = await bearer(client, JINNIU, DEMO_PASSWORD)
    before = await codes_in_pipeline(client, township)
    batch = {"items": [candidate(45), candidate(46)]}
    await simultaneous(client, f"{CANDIDATES}/bulk", batch, township)
    added = sorted([candidate(45)["credit_code"], candidate(46)["credit_code"]])
    assert await codes_in_pipeline(client, township) == sorted([*before, *added])


async def test_an_enterprise_is_a_candidate_once_a_year_per_programme(client: httpx.AsyncClient) -> None:
    township = await bearer(client, JINNIU, DEMO_PASSWORD)
    assert (await client.post(CANDIDATES, json=candidate(47), headers=township)).status_code == 201
    # Without a key, a second submission is refused all the same.
    again = await client.post(CANDIDATES, json=candidate(47), headers=township)
    assert again.status_code == 409, again.text
    assert again.json()["code"] == "candidate_exists"
    assert candidate(47)["credit_code"] in again.json()["detail"]
    # Another programme, or another year, is another candidacy.
    for other in (candidate(47, program="tech_sme"), candidate(47, year=2026)):
        assert (await client.post(CANDIDATES, json=other, headers=township)).status_code == 201


async def test_a_batch_naming_a_candidate_twice_is_refused_by_row(client: httpx.AsyncClient) -> None:
    township = await bearer(client, JINNIU, DEMO_PASSWORD)
    assert (await client.post(CANDIDATES, json=candidate(48), headers=township)).status_code == 201
    before = await codes_in_pipeline(client, township)
    rows: list[dict[str, Any]] = [candidate(49), candidate(48), candidate(50), candidate(49)]
    refused = await client.post(f"{CANDIDATES}/bulk", json={"items": rows}, headers=township)
    assert refused.status_code == 422, refused.text
    errors = {(e["field"], e["rule"]) for e in refused.json()["errors"]}
    assert errors == {
        ("body.items.1.credit_code", "candidate_exists"),
        ("body.items.3.credit_code", "candidate_exists"),
    }
    assert await codes_in_pipeline(client, township) == before  # nothing of the batch was written
