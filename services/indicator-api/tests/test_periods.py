"""Closed periods (关账): closing 2025-Q3 refuses writes into its months, a reopening needs a reason
and admits them, closes again by itself after seven days (through the duty, time driven by its
clock), and the quarter's first closing publishes its report for good."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from sqlmodel import col

from daye_demo.enterprises import DEMO_ENTERPRISES
from daye_dev.pytest_plugin import bearer
from daye_kit.settings import DEV_SERVICE_API_KEYS
from daye_kit.timestamps import utcnow
from indicator_api.periods import service as periods
from indicator_api.periods.models import PeriodEvent

from .conftest import DEMO_PASSWORD
from .test_cultivation import candidate
from .test_imports import upload, workbook

JINNIU = "420281101"
VALUES = "/api/v1/indicators/graduates_new/values"
REPORT = "/api/v1/reports/quarterly"
Q3 = {"year": 2025, "quarter": 3}


def august(value: str, **extra: object) -> dict[str, object]:
    return {
        "region_code": JINNIU,
        "year": 2025,
        "month": 8,
        "value": value,
        "provenance": "administrative",
        **extra,
    }


def contract(signed_on: str, source_id: str | None = None) -> dict[str, Any]:
    return {
        "source": "bureau",
        "source_id": source_id or uuid.uuid4().hex[:12],
        "credit_code": DEMO_ENTERPRISES[0].credit_code,
        "amount": "50000000.00",
        "contract_type": "development",
        "signed_on": signed_on,
    }


def refused_at(response: httpx.Response) -> list[str]:
    assert response.status_code == 409, response.text
    body = response.json()
    assert body["code"] == "period_closed", body
    assert {e["rule"] for e in body["errors"]} == {"period_closed"}
    return [e["field"] for e in body["errors"]]


async def period(client: httpx.AsyncClient, admin: dict[str, str], key: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/periods/{key}", headers=admin)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_closed_quarter_refuses_its_months_until_reopened_with_a_reason(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    township = await bearer(client, JINNIU, DEMO_PASSWORD)
    closed = await client.post("/api/v1/periods/2025-Q3/close", headers=admin)
    assert closed.status_code == 200, closed.text
    assert (closed.json()["status"], closed.json()["closed_by"]) == ("closed", "admin")
    listed = (await client.get("/api/v1/periods", params={"year": 2025}, headers=township)).json()
    statuses = {p["key"]: p["status"] for p in listed["items"]}
    assert listed["total"] == 16
    assert (statuses["2025-Q3"], statuses["2025-08"], statuses["2025-Q2"], statuses["2025-10"]) == (
        "closed",
        "closed",
        "open",
        "open",
    )

    # One value, a batch, a workbook: each names where the closed month was sent.
    assert refused_at(await client.post(VALUES, json=august("7"), headers=township)) == ["body.month"]
    batch = [
        {**august("7"), "indicator_code": "graduates_new", "month": 10},
        {**august("7"), "indicator_code": "graduates_new"},
    ]
    assert refused_at(
        await client.post("/api/v1/indicator-values/bulk", json={"items": batch}, headers=township)
    ) == ["body.items.1.month"]
    sheet = workbook([["graduates_new", JINNIU, 2025, None, 8, 7, "行政", ""]])
    assert refused_at(await upload(client, township, sheet)) == ["报送!E3 (月份)"]
    quarterly = {
        "region_code": JINNIU,
        "year": 2025,
        "quarter": 3,
        "value": "7",
        "provenance": "administrative",
    }
    assert refused_at(await client.post(VALUES, json=quarterly, headers=township)) == ["body.quarter"]
    # A month outside the quarter is open.
    assert (await client.post(VALUES, json=august("7", month=10), headers=township)).status_code in (200, 201)
    # A technology contract signed in it, a backdated cultivation move dated in it.
    assert refused_at(
        await client.post("/api/v1/tech-contracts", json=contract("2025-08-15"), headers=admin)
    ) == ["body.signed_on"]
    created = await client.post(f"/api/v1/regions/{JINNIU}/candidates", json=candidate(40), headers=township)
    assert created.status_code == 201, created.text
    move = f"/api/v1/candidates/{created.json()['id']}"
    assert refused_at(
        await client.patch(move, json={"stage": "coached", "on": "2025-09-01"}, headers=township)
    ) == ["body.on"]

    # A reopening needs a reason.
    for body in ({"reason": "   "}, {}):
        missing = await client.post("/api/v1/periods/2025-Q3/reopen", json=body, headers=admin)
        assert missing.status_code == 422, missing.text
        assert [e["field"] for e in missing.json()["errors"]] == ["body.reason"]
    reopened = await client.post(
        "/api/v1/periods/2025-Q3/reopen", json={"reason": "统计局更正8月数据"}, headers=admin
    )
    assert reopened.status_code == 200, reopened.text
    detail = reopened.json()
    assert (detail["status"], detail["reopen_reason"], detail["reopened_by"]) == (
        "reopened",
        "统计局更正8月数据",
        "admin",
    )
    assert detail["recloses_at"] is not None
    assert [(e["action"], e["reason"]) for e in detail["history"]] == [
        ("close", None),
        ("reopen", "统计局更正8月数据"),
    ]
    assert (await client.post(VALUES, json=august("7"), headers=township)).status_code in (200, 201)
    assert (
        await client.patch(move, json={"stage": "coached", "on": "2025-09-01"}, headers=township)
    ).status_code == 200


async def test_the_rules_of_closing(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    async def close(key: str) -> httpx.Response:
        return await client.post(f"/api/v1/periods/{key}/close", headers=admin)

    assert (await close("2025-08")).status_code == 200
    assert (await period(client, admin, "2025-07"))["status"] == "open"
    assert (await close("2025-08")).json()["code"] == "period_already_closed"
    assert (await close("2025-Q3")).status_code == 200
    assert (await close("2025-07")).json()["code"] == "period_already_closed"  # closed with its quarter
    inside = await client.post("/api/v1/periods/2025-07/reopen", json={"reason": "更正"}, headers=admin)
    assert (inside.status_code, inside.json()["code"]) == (409, "quarter_closed")
    never = await client.post("/api/v1/periods/2025-Q2/reopen", json={"reason": "更正"}, headers=admin)
    assert (never.status_code, never.json()["code"]) == (409, "period_not_closed")
    future = await close("2099-Q1")
    assert (future.status_code, future.json()["code"]) == (409, "period_not_ended")
    for bad in ("2025-Q5", "2025-13", "25-Q1"):
        answer = await close(bad)
        assert answer.status_code == 422, answer.text
        assert [e["field"] for e in answer.json()["errors"]] == ["path.key"]
    # A target (and a quota) is for the year: refused once all four of its quarters are closed.
    target = {"value": "40"}
    assert (
        await client.put("/api/v1/indicators/tech_contract_turnover/targets/2025", json=target, headers=admin)
    ).status_code == 200
    for key in ("2025-Q1", "2025-Q2", "2025-Q4"):
        assert (await close(key)).status_code == 200
    frozen = await client.put(
        "/api/v1/indicators/tech_contract_turnover/targets/2025", json=target, headers=admin
    )
    assert refused_at(frozen) == ["path.year"]


async def test_the_published_report_stays_and_a_reopening_recloses_by_itself(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    unpublished = await client.get(REPORT, params={**Q3, "version": "published"}, headers=admin)
    assert (unpublished.status_code, unpublished.json()["code"]) == (404, "report_not_published")
    live_before = (await client.get(REPORT, params=Q3, headers=admin)).json()
    assert (await client.post("/api/v1/periods/2025-Q3/close", headers=admin)).status_code == 200
    published = (await client.get(REPORT, params={**Q3, "version": "published"}, headers=admin)).json()
    assert published == live_before
    assert (await client.get(f"{REPORT}/differences", params=Q3, headers=admin)).json()["items"] == []

    reopened = await client.post(
        "/api/v1/periods/2025-Q3/reopen", json={"reason": "补录技术合同"}, headers=admin
    )
    assert reopened.status_code == 200, reopened.text
    recorded = await client.post("/api/v1/tech-contracts", json=contract("2025-08-15"), headers=admin)
    assert recorded.status_code == 201, recorded.text

    # Not yet seven days: the duty re-closes nothing; past them, a check counts it closed already.
    runner = app.state.duty_runner
    reclose = runner.by_name["reclose-reopened-periods"]
    runner.clock = lambda: utcnow() + timedelta(days=1)
    early = {run["duty"]: run for run in await runner.tick()}
    assert early[reclose.name]["summary"] == {"reclosed": []}
    assert (await period(client, admin, "2025-Q3"))["status"] == "reopened"
    async with app.state.sessionmaker() as session:
        later = utcnow() + timedelta(days=8)
        assert "2025-Q3" in (await periods.closed(session, now=later)).keys
        assert "2025-Q3" not in (await periods.closed(session)).keys

    runner.clock = lambda: utcnow() + timedelta(days=8)
    runs = {run["duty"]: run for run in await runner.tick()}
    assert runs[reclose.name]["summary"] == {"reclosed": ["2025-Q3"]}
    again = {run["duty"]: run for run in await runner.tick()}
    assert reclose.name not in again  # once per occurrence
    closed = await period(client, admin, "2025-Q3")
    assert (closed["status"], closed["closed_by"], closed["recloses_at"]) == ("closed", "system", None)
    assert [e["action"] for e in closed["history"]] == ["close", "reopen", "reclose"]
    assert refused_at(
        await client.post("/api/v1/tech-contracts", json=contract("2025-09-01"), headers=admin)
    ) == ["body.signed_on"]

    # The published version is the first one; the differences name the changed figure.
    after = (await client.get(REPORT, params={**Q3, "version": "published"}, headers=admin)).json()
    assert after == published
    live = (await client.get(REPORT, params=Q3, headers=admin)).json()
    assert live != published
    differences = (await client.get(f"{REPORT}/differences", params=Q3, headers=admin)).json()["items"]
    by_path = {d["path"]: d for d in differences}
    turnover = by_path["sections.0.figures.tech_contract_turnover.actual"]
    assert (turnover["published"], turnover["live"]) == ("34.25", "34.75")
    assert turnover["label"].startswith("一、主要指标完成情况")
    async with app.state.sessionmaker() as session:
        actions = (
            (await session.execute(select(col(PeriodEvent.action)).order_by(col(PeriodEvent.id))))
            .scalars()
            .all()
        )
    assert list(actions) == ["close", "reopen", "reclose"]


async def test_the_peers_learn_each_change_and_a_docking_contract_is_accepted(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    assert (await client.post("/api/v1/periods/2025-Q3/close", headers=admin)).status_code == 200
    pending = (await client.get("/api/v1/outbox", headers=admin)).json()["items"]
    assert {(e["type"], e["destination"], e["data"]["key"], e["data"]["status"]) for e in pending} == {
        ("period.closed", "matching-api", "2025-Q3", "closed"),
        ("period.closed", "funding-api", "2025-Q3", "closed"),
    }
    # matching-api refuses dockings dated in the periods it knows closed; one that crossed the
    # closing on its way is its owner's fact and is taken (its outbox must not jam).
    token = await client.post(
        "/api/v1/auth/token",
        data={"grant_type": "client_credentials", "client_secret": DEV_SERVICE_API_KEYS["matching-api"]},
    )
    service = {"Authorization": f"Bearer {token.json()['access_token']}"}
    event = {
        "id": str(uuid.uuid4()),
        "type": "match.succeeded",
        "occurred_at": "2025-08-20T08:00:00Z",
        "subject": "match:9001",
        "data": {
            "match_id": 9001,
            "credit_code": DEMO_ENTERPRISES[0].credit_code,
            "contract": {"amount": "1000000.00", "contract_type": "development", "signed_on": "2025-08-20"},
        },
        "source": "matching-api",
    }
    applied = await client.post("/api/v1/inbox", json=event, headers=service)
    assert (applied.status_code, applied.json()) == (200, {"applied": True})
    listed = await client.get("/api/v1/tech-contracts", params={"source_id": "9001"}, headers=admin)
    assert listed.json()["total"] == 1
