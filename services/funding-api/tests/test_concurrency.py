"""Many simultaneous payments of one award: one payment per key, never more than the award, no 5xx.

PostgreSQL: 200 requests at once, 50 of them replays of earlier keys, asking twice the award in total.
SQLite serialises writers; the same test with 40 requests (10 replays) keeps it quick.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from decimal import Decimal

import httpx

from .conftest import Stack
from .helpers import approved_award, pay

AWARD = Decimal("150000.00")


async def test_simultaneous_payments_pay_each_key_once_and_never_too_much(
    stack: Stack, admin: dict[str, str], checker: dict[str, str], backend: str
) -> None:
    requests, replays = (200, 50) if backend == "postgresql" else (40, 10)
    each = AWARD * 2 / requests  # all requests together ask twice the award
    award = await approved_award(stack.funding, admin, checker, budget=f"{AWARD:f}", amount=f"{AWARD:f}")
    keys = [f"key-{i}" for i in range(requests - replays)]
    keys += keys[:replays]  # replays of earlier keys, sent at the same moment as their originals

    responses: list[httpx.Response] = await asyncio.gather(
        *(pay(stack.funding, admin, award["id"], f"{each:f}", key=key) for key in keys)
    )

    assert all(r.status_code < 500 for r in responses), {r.status_code for r in responses}
    by_key: dict[str, list[httpx.Response]] = defaultdict(list)
    for key, response in zip(keys, responses, strict=True):
        by_key[key].append(response)
    for key, answers in by_key.items():
        first = answers[0]
        assert all((a.status_code, a.content) == (first.status_code, first.content) for a in answers), key
    outcomes = {key: answers[0].status_code for key, answers in by_key.items()}
    assert set(outcomes.values()) <= {201, 409}
    paid_keys = [key for key, status in outcomes.items() if status == 201]
    assert len(paid_keys) * each == AWARD  # unique keys ask 1.5× the award: it is paid exactly in full
    refused = {answers[0].json()["code"] for answers in by_key.values() if answers[0].status_code == 409}
    assert refused == {"exceeds_outstanding"}
    assert sum(r.headers.get("idempotent-replayed") == "true" for r in responses) == replays

    listed = await stack.funding.get(
        "/api/v1/disbursements", params={"award_id": award["id"], "limit": 200}, headers=admin
    )
    assert listed.json()["total"] == len(paid_keys)
    assert sorted(d["idempotency_key"] for d in listed.json()["items"]) == sorted(paid_keys)
    read = (await stack.funding.get(f"/api/v1/awards/{award['id']}", headers=admin)).json()
    assert (read["paid"], read["outstanding"]) == (f"{AWARD:f}", "0.00")
    reconciliation = (await stack.funding.get("/api/v1/reconciliation", headers=admin)).json()
    assert reconciliation["ok"], reconciliation
