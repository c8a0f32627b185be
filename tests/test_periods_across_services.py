"""Closed periods across the platform: indicator-api closes 2025-Q3 and its outbox tells matching-api
and funding-api, which then refuse their own writes dated in it (a docking's contract, a payment);
the reopening reaches them the same way and admits the writes again."""

from __future__ import annotations

from typing import Any

import httpx

from daye_demo.enterprises import DEMO_ENTERPRISES
from daye_dev.pytest_plugin import bearer

from .conftest import DEMO_PASSWORD, Platform
from .test_funding_across_services import _accounts
from .test_matching_platform import DEMAND, EXPERT

AUGUST = {"amount": "1200000.00", "contract_type": "development", "signed_on": "2025-08-10"}


def refused_at(response: httpx.Response) -> list[str]:
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "period_closed"
    return [e["field"] for e in response.json()["errors"]]


async def _docking(matching: httpx.AsyncClient, admin: dict[str, str], enterprise: dict[str, str]) -> int:
    posted = await matching.post("/api/v1/demands", json=DEMAND, headers=enterprise)
    assert posted.status_code == 201, posted.text
    expert = (await matching.post("/api/v1/supplies", json=EXPERT, headers=admin)).json()
    match = await matching.post(
        "/api/v1/matches", json={"demand_id": posted.json()["id"], "supply_id": expert["id"]}, headers=admin
    )
    match_id: int = match.json()["id"]
    moved = await matching.patch(f"/api/v1/matches/{match_id}", json={"status": "docking"}, headers=admin)
    assert moved.status_code == 200, moved.text
    return match_id


async def test_the_peers_refuse_dated_writes_in_a_closed_quarter(platform: Platform) -> None:
    foundry = DEMO_ENTERPRISES[0]
    async with (
        platform.client("indicator-api") as indicator,
        platform.client("matching-api") as matching,
        platform.client("funding-api") as funding,
    ):
        admin, checker = await _accounts(indicator)
        enterprise = await bearer(indicator, foundry.credit_code, DEMO_PASSWORD)
        # An approved award to pay, and a docking about to succeed, before the closing.
        program = await funding.post(
            "/api/v1/programs",
            json={"name": "科技创新专项", "source_level": "daye", "year": 2025, "budget": "1000000.00"},
            headers=admin,
        )
        assert program.status_code == 201, program.text
        award = await funding.post(
            "/api/v1/awards",
            json={
                "program_id": program.json()["id"],
                "credit_code": foundry.credit_code,
                "amount": "300000.00",
                "application_no": "KJCX-2025-101",
            },
            headers=admin,
        )
        assert award.status_code == 201, award.text
        award_id = award.json()["id"]
        assert (await funding.post(f"/api/v1/awards/{award_id}/approval", headers=checker)).status_code == 200
        match_id = await _docking(matching, admin, enterprise)

        closed = await indicator.post("/api/v1/periods/2025-Q3/close", headers=admin)
        assert closed.status_code == 200, closed.text
        assert await platform.deliver("indicator-api") == 2

        success: dict[str, Any] = {"status": "succeeded", "contract": AUGUST}
        refused = await matching.patch(f"/api/v1/matches/{match_id}", json=success, headers=enterprise)
        assert refused_at(refused) == ["body.contract.signed_on"]
        paid = await funding.post(
            f"/api/v1/awards/{award_id}/disbursements",
            json={"amount": "1000.00", "paid_on": "2025-08-20"},
            headers={**admin, "Idempotency-Key": "august-payment"},
        )
        assert refused_at(paid) == ["body.paid_on"]
        # A success with no contract is dated today, an open month; its contract then may not be
        # dated in the closed quarter either.
        done = await matching.patch(
            f"/api/v1/matches/{match_id}", json={"status": "succeeded"}, headers=enterprise
        )
        assert done.status_code == 200, done.text
        contract = await matching.put(f"/api/v1/matches/{match_id}/contract", json=AUGUST, headers=enterprise)
        assert refused_at(contract) == ["body.signed_on"]

        reopened = await indicator.post(
            "/api/v1/periods/2025-Q3/reopen", json={"reason": "补录8月技术合同"}, headers=admin
        )
        assert reopened.status_code == 200, reopened.text
        assert await platform.deliver("indicator-api") == 2
        contract = await matching.put(f"/api/v1/matches/{match_id}/contract", json=AUGUST, headers=enterprise)
        assert contract.status_code == 200, contract.text
        assert await platform.deliver("matching-api") == 1
        listed = await indicator.get(
            "/api/v1/tech-contracts",
            params={"source_id": str(match_id), "signed_month": "2025-08"},
            headers=admin,
        )
        assert listed.json()["total"] == 1
        # The payment is past the period check now; the award's approval (dated today) still
        # comes after the August date, which the ledger's own rule refuses.
        paid = await funding.post(
            f"/api/v1/awards/{award_id}/disbursements",
            json={"amount": "1000.00", "paid_on": "2025-08-20"},
            headers={**admin, "Idempotency-Key": "august-payment-again"},
        )
        assert (paid.status_code, paid.json()["code"]) == (422, "validation_failed"), paid.text
        assert [e["rule"] for e in paid.json()["errors"]] == ["paid_on_too_early"]
