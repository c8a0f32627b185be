"""funding-api's scheduled duties, run now by the bureau: the outstanding total reaches indicator-api
(failed while it is down, made on the next run), and the programmes' automatic (无申请兑现) awards are
generated once per programme, enterprise and period."""

from __future__ import annotations

import pytest

from daye_kit.timestamps import local_today

from .conftest import Stack
from .helpers import HTE_2024, make_program

HTE_RULE = {"qualification": "hte", "granted_year": 2024, "amount": "300000.00"}


async def run(stack: Stack, name: str, headers: dict[str, str]) -> dict[str, object]:
    response = await stack.funding.post(f"/api/v1/jobs/{name}/runs", headers=headers)
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


async def test_the_duties_are_listed_for_the_bureau_only(stack: Stack, admin: dict[str, str]) -> None:
    listed = await stack.funding.get("/api/v1/jobs", headers=admin)
    assert {job["name"] for job in listed.json()["items"]} == {
        "publish-outstanding",
        "generate-automatic-awards",
        "remind-award-payments",
        "purge-idempotency-keys",
        "prune-events",
        "prune-audit",
        "prune-webhook-deliveries",
    }
    enterprise = await stack.headers(HTE_2024.credit_code)
    assert (await stack.funding.get("/api/v1/jobs", headers=enterprise)).status_code == 403
    refused = await stack.funding.post("/api/v1/jobs/publish-outstanding/runs", headers=enterprise)
    assert refused.status_code == 403


async def test_automatic_awards_are_generated_once_and_skipped_without_rules(
    stack: Stack, admin: dict[str, str]
) -> None:
    skipped = await run(stack, "generate-automatic-awards", admin)
    assert (skipped["outcome"], skipped["summary"]) == (
        "skipped",
        {"reason": "no programme has a rule for automatic awards"},
    )
    await make_program(stack.funding, admin, budget="20000000.00", rule=HTE_RULE)
    first = await run(stack, "generate-automatic-awards", admin)
    assert first["outcome"] == "ok"
    summary = first["summary"]
    assert isinstance(summary, dict)
    assert summary["programs"] == 1
    assert summary["created"] == summary["qualified"] > 0
    awards = (await stack.funding.get("/api/v1/awards", headers=admin)).json()
    assert awards["total"] == summary["created"]
    assert HTE_2024.credit_code in {a["credit_code"] for a in awards["items"]}
    again = await run(stack, "generate-automatic-awards", admin)
    assert again["summary"] == {**summary, "created": 0}
    assert (await stack.funding.get("/api/v1/awards", headers=admin)).json()["total"] == summary["created"]


async def test_publishing_the_outstanding_total_goes_through_the_outbox(
    stack: Stack, admin: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    address = stack.app.state.indicator.base_url
    stack.app.state.indicator.base_url = "http://127.0.0.1:9"
    monkeypatch.setattr(stack.app.state.indicator, "retries", 0)
    # The reporting day is read from indicator-api before anything is recorded: down, the occurrence
    # fails and records nothing.
    failed = await run(stack, "publish-outstanding", admin)
    assert failed["outcome"] == "failed"
    assert "PeerUnavailable" in str(failed["error"])
    assert (await stack.funding.get("/api/v1/outbox", headers=admin)).json()["total"] == 0
    stack.app.state.indicator.base_url = address
    published = await run(stack, "publish-outstanding", admin)
    today = local_today()
    summary = published["summary"]
    assert isinstance(summary, dict)
    assert (published["outcome"], {k: v for k, v in summary.items() if k != "event_id"}) == (
        "ok",
        {"as_of": today.isoformat(), "total": "0.00", "value": "0.00"},
    )
    # Committed with the run, delivered by the outbox.
    assert stack.indicator.values == {}
    [pending] = (await stack.funding.get("/api/v1/outbox", headers=admin)).json()["items"]
    assert (pending["event_id"], pending["type"], pending["destination"]) == (
        summary["event_id"],
        "outstanding.published",
        "indicator-api",
    )
    assert await stack.deliver() == 1
    assert stack.indicator.values == {("policy_funds_outstanding", "420281", today.year, today.month): "0.00"}
