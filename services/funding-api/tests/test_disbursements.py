"""Disbursements: an Idempotency-Key per payment, never beyond what is owed, reversals as new postings."""

from __future__ import annotations

from datetime import date, timedelta

from .conftest import Stack
from .helpers import HEAT_EXCHANGERS, approved_award, make_award, make_program, pay


async def test_the_idempotency_key_is_required(
    stack: Stack, admin: dict[str, str], checker: dict[str, str]
) -> None:
    award = await approved_award(stack.funding, admin, checker)
    response = await stack.funding.post(
        f"/api/v1/awards/{award['id']}/disbursements", json={"amount": "100.00"}, headers=admin
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert (error["field"], error["rule"]) == ("header.Idempotency-Key", "missing")
    assert "Idempotency-Key" in response.json()["detail"]


async def test_a_retry_replays_the_first_answer(
    stack: Stack, admin: dict[str, str], checker: dict[str, str]
) -> None:
    award = await approved_award(stack.funding, admin, checker, amount="300000.00")
    first = await pay(stack.funding, admin, award["id"], "100000.00", key="pay-1")
    assert first.status_code == 201, first.text
    body = first.json()
    assert (body["amount"], body["award_paid"], body["award_outstanding"]) == (
        "100000.00",
        "100000.00",
        "200000.00",
    )
    assert (body["status"], body["idempotency_key"], body["created_by"]) == ("paid", "pay-1", "admin")
    assert "idempotent-replayed" not in first.headers
    # The same request again, with the amount written differently: the same answer, byte for byte.
    again = await pay(stack.funding, admin, award["id"], "100000", key="pay-1")
    assert again.status_code == 201
    assert again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    read = (await stack.funding.get(f"/api/v1/awards/{award['id']}", headers=admin)).json()
    assert (read["paid"], read["outstanding"]) == ("100000.00", "200000.00")
    listed = await stack.funding.get("/api/v1/disbursements", params={"award_id": award["id"]}, headers=admin)
    assert listed.json()["total"] == 1


async def test_a_key_reused_for_another_request_is_refused(
    stack: Stack, admin: dict[str, str], checker: dict[str, str]
) -> None:
    award = await approved_award(stack.funding, admin, checker)
    assert (await pay(stack.funding, admin, award["id"], "100.00", key="k")).status_code == 201
    other = await pay(stack.funding, admin, award["id"], "200.00", key="k")
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert other.json()["errors"][0]["field"] == "header.Idempotency-Key"
    another_award = await approved_award(stack.funding, admin, checker)
    elsewhere = await pay(stack.funding, admin, another_award["id"], "100.00", key="k")
    assert elsewhere.json()["code"] == "idempotency_key_reused"
    # Keys belong to their caller: another person may use the same string.
    checker_pays = await pay(stack.funding, checker, award["id"], "100.00", key="k")
    assert checker_pays.status_code == 201


async def test_never_more_than_outstanding_and_the_refusal_is_replayed(
    stack: Stack, admin: dict[str, str], checker: dict[str, str]
) -> None:
    award = await approved_award(stack.funding, admin, checker, amount="1000.00")
    assert (await pay(stack.funding, admin, award["id"], "600.00")).status_code == 201
    refused = await pay(stack.funding, admin, award["id"], "600.00", key="too-much")
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "exceeds_outstanding"
    assert "400.00" in refused.json()["detail"]
    replay = await pay(stack.funding, admin, award["id"], "600.00", key="too-much")
    assert (replay.status_code, replay.content) == (409, refused.content)
    assert (await pay(stack.funding, admin, award["id"], "400.00")).status_code == 201
    assert (await pay(stack.funding, admin, award["id"], "0.01")).json()["code"] == "exceeds_outstanding"
    read = (await stack.funding.get(f"/api/v1/awards/{award['id']}", headers=admin)).json()
    assert (read["paid"], read["outstanding"]) == ("1000.00", "0.00")


async def test_only_approved_awards_are_paid(stack: Stack, admin: dict[str, str]) -> None:
    program = await make_program(stack.funding, admin)
    award = await make_award(stack.funding, admin, program["id"])
    response = await pay(stack.funding, admin, award["id"], "1.00")
    assert (response.status_code, response.json()["code"]) == (409, "award_not_approved")
    missing = await pay(stack.funding, admin, 999, "1.00")
    assert (missing.status_code, missing.json()["code"]) == (404, "award_not_found")


async def test_payment_dates_follow_the_awards_history(
    stack: Stack, admin: dict[str, str], checker: dict[str, str]
) -> None:
    award = await approved_award(stack.funding, admin, checker)
    headers = {**admin, "Idempotency-Key": "dated"}
    future = (date.today() + timedelta(days=3)).isoformat()
    response = await stack.funding.post(
        f"/api/v1/awards/{award['id']}/disbursements",
        json={"amount": "1.00", "paid_on": future},
        headers=headers,
    )
    assert response.status_code == 422
    assert response.json()["errors"][0] == {
        "field": "body.paid_on",
        "rule": "paid_on_in_future",
        "message": response.json()["errors"][0]["message"],
    }
    past = await stack.funding.post(
        f"/api/v1/awards/{award['id']}/disbursements",
        json={"amount": "1.00", "paid_on": "2020-01-01"},
        headers={**admin, "Idempotency-Key": "too-early"},
    )
    assert past.json()["errors"][0]["rule"] == "paid_on_too_early"


async def test_a_reversal_is_a_new_posting_and_happens_once(
    stack: Stack, admin: dict[str, str], checker: dict[str, str]
) -> None:
    award = await approved_award(stack.funding, admin, checker, amount="1000.00")
    paid = (await pay(stack.funding, admin, award["id"], "700.00")).json()
    reversed_ = await stack.funding.post(
        f"/api/v1/disbursements/{paid['id']}/reversal",
        json={"reason": "银行退票:账户已注销"},
        headers=checker,
    )
    assert reversed_.status_code == 200, reversed_.text
    assert reversed_.json()["status"] == "reversed"
    assert reversed_.json()["reversal_posting_id"] > paid["posting_id"]
    twice = await stack.funding.post(
        f"/api/v1/disbursements/{paid['id']}/reversal", json={"reason": "再次冲正"}, headers=checker
    )
    assert (twice.status_code, twice.json()["code"]) == (409, "already_reversed")
    read = (await stack.funding.get(f"/api/v1/awards/{award['id']}", headers=admin)).json()
    assert (read["paid"], read["outstanding"]) == ("0.00", "1000.00")
    entries = (
        await stack.funding.get("/api/v1/ledger/entries", params={"award_id": award["id"]}, headers=admin)
    ).json()["items"]
    reversal = [e for e in entries if e["kind"] == "reversal"]
    assert {(e["account"], e["amount"]) for e in reversal} == {
        ("award_payable", "700.00"),
        ("award_paid", "-700.00"),
    }
    assert {e["reverses_posting_id"] for e in reversal} == {paid["posting_id"]}
    assert {e["memo"] for e in reversal} == {"冲正:银行退票:账户已注销"}
    assert (await pay(stack.funding, admin, award["id"], "1000.00")).status_code == 201


async def test_who_pays_and_who_sees_payments(
    stack: Stack, admin: dict[str, str], checker: dict[str, str]
) -> None:
    award = await approved_award(stack.funding, admin, checker)
    paid = (await pay(stack.funding, admin, award["id"], "10.00")).json()
    # Who reads a payment: the auditor, the unit and the enterprise; a viewer sees no single payment.
    for account, reads in (
        ("viewer", 403),
        ("auditor", 200),
        ("420281101", 200),
        (award["credit_code"], 200),
    ):
        headers = await stack.headers(account)
        assert (await pay(stack.funding, headers, award["id"], "1.00")).status_code == 403
        reversal = await stack.funding.post(
            f"/api/v1/disbursements/{paid['id']}/reversal", json={"reason": "no way"}, headers=headers
        )
        assert reversal.status_code == 403
        assert (
            await stack.funding.get(f"/api/v1/disbursements/{paid['id']}", headers=headers)
        ).status_code == reads
    for outsider in ("420281102", HEAT_EXCHANGERS.credit_code):
        headers = await stack.headers(outsider)
        assert (await stack.funding.get("/api/v1/disbursements", headers=headers)).json()["total"] == 0
        hidden = await stack.funding.get(f"/api/v1/disbursements/{paid['id']}", headers=headers)
        assert (hidden.status_code, hidden.json()["code"]) == (404, "disbursement_not_found")
