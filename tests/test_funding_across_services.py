"""funding-api with indicator-api: awards generated from the registry's qualifications, and the
outstanding total fed to `policy_funds_outstanding`."""

from __future__ import annotations

import calendar
import uuid
from datetime import date, datetime

import httpx
from sqlalchemy import update

from daye_dev.pytest_plugin import bearer
from daye_kit.credit_code import complete
from daye_kit.outbox import EVENTS
from daye_kit.settings import DEV_SERVICE_API_KEYS
from daye_kit.timestamps import local_today

from .conftest import DEMO_PASSWORD, Platform

NEW_HTE = complete("91420281MA9100001")
CHECKER_PASSWORD = "Fuhe-Staff-2025x"  # accounts made by the security administrator follow the policy


async def _accounts(indicator: httpx.AsyncClient) -> tuple[dict[str, str], dict[str, str]]:
    """The bureau's admin and a second bureau account to approve what the admin makes."""
    admin = await bearer(indicator, "admin", DEMO_PASSWORD)
    security = await bearer(indicator, "security", DEMO_PASSWORD)
    checker = {"username": "checker", "role": "admin", "password": CHECKER_PASSWORD, "display_name": "复核员"}
    assert (await indicator.post("/api/v1/users", json=checker, headers=security)).status_code == 201
    return admin, await bearer(indicator, "checker", CHECKER_PASSWORD)


async def test_a_newly_certified_enterprise_gets_its_award_once(platform: Platform) -> None:
    async with platform.client("indicator-api") as indicator, platform.client("funding-api") as funding:
        admin, _ = await _accounts(indicator)
        registered = await indicator.post(
            "/api/v1/enterprises",
            json={
                "credit_code": NEW_HTE,
                "name": "大冶市新材料测试有限公司",
                "region_code": "420281103",
                "industry": "新材料",
                "qualifications": [{"kind": "hte", "granted_on": "2025-11-20"}],
            },
            headers=admin,
        )
        assert registered.status_code == 201, registered.text
        program = await funding.post(
            "/api/v1/programs",
            json={
                "name": "科技十八条·高新技术企业认定奖励(2025年度认定)",
                "source_level": "daye",
                "year": 2026,
                "budget": "6000000.00",
                "rule": {"qualification": "hte", "granted_year": 2025, "amount": "300000.00"},
            },
            headers=admin,
        )
        assert program.status_code == 201, program.text
        path = f"/api/v1/programs/{program.json()['id']}/automatic-awards"
        first = (await funding.post(path, headers=admin)).json()
        assert NEW_HTE in {a["credit_code"] for a in first["awards"]}
        made = next(a for a in first["awards"] if a["credit_code"] == NEW_HTE)
        assert (made["enterprise_name"], made["region_code"], made["amount"]) == (
            "大冶市新材料测试有限公司",
            "420281103",
            "300000.00",
        )
        second = (await funding.post(path, headers=admin)).json()
        assert (second["created"], second["existing"]) == (0, first["created"])
        township = await bearer(indicator, "420281103", DEMO_PASSWORD)
        seen = (await funding.get("/api/v1/awards", headers=township)).json()
        assert [a["credit_code"] for a in seen["items"]] == [NEW_HTE]


async def test_the_outstanding_total_reaches_the_indicator(platform: Platform) -> None:
    async with platform.client("indicator-api") as indicator, platform.client("funding-api") as funding:
        admin, checker = await _accounts(indicator)
        program = await funding.post(
            "/api/v1/programs",
            json={
                "name": "科技创新管理专项(测试)",
                "source_level": "daye",
                "year": 2026,
                "budget": "900000.00",
            },
            headers=admin,
        )
        award = await funding.post(
            "/api/v1/awards",
            json={
                "program_id": program.json()["id"],
                "credit_code": "91420281MA0000001H",
                "amount": "600000.00",
                "application_no": "KJGL-2026-001",
            },
            headers=admin,
        )
        award_id = award.json()["id"]
        assert (await funding.post(f"/api/v1/awards/{award_id}/approval", headers=checker)).status_code == 200
        paid = await funding.post(
            f"/api/v1/awards/{award_id}/disbursements",
            json={"amount": "149876.00"},
            headers={**admin, "Idempotency-Key": str(uuid.uuid4())},
        )
        assert paid.status_code == 201

        # A scheduler's service account may publish; the value is in 万元, on its way as an event.
        service = {"X-API-Key": DEV_SERVICE_API_KEYS["funding-api"]}
        published = await funding.post("/api/v1/outstanding/publications", json={}, headers=service)
        assert published.status_code == 200, published.text
        body = published.json()
        day: date = local_today()
        assert {k: v for k, v in body.items() if k != "event_id"} == {
            "indicator_code": "policy_funds_outstanding",
            "region_code": "420281",
            "year": day.year,
            "month": day.month,
            "as_of": day.isoformat(),
            "total": "450124.00",
            "value": "45.0124",
        }

        async def recorded() -> list[dict[str, object]]:
            values = await indicator.get(
                "/api/v1/indicators/policy_funds_outstanding/values",
                params={"region": "420281", "year": day.year},
                headers=admin,
            )
            assert values.status_code == 200, values.text
            return [v for v in values.json()["items"] if v["period"] == day.month]

        assert await recorded() == []  # in funding-api's outbox until delivered
        assert await platform.deliver("funding-api") == 1
        [value] = await recorded()
        assert (value["value"], value["provenance"], value["recorded_by"], value["revision"]) == (
            "45.0124",
            "administrative",
            "svc-funding-api",
            1,
        )
        # Delivered again (an acknowledgement lost): indicator-api applies it once.
        async with platform.apps["funding-api"].state.sessionmaker() as session, session.begin():
            await session.execute(
                update(EVENTS).where(EVENTS.c.event_id == body["event_id"]).values(state="pending")
            )
        assert await platform.deliver("funding-api") == 1
        [value] = await recorded()
        assert value["revision"] == 1
        # The same total again: no new revision, but the dashboard says the figure is up to date.
        again = await funding.post("/api/v1/outstanding/publications", headers=admin)
        assert again.status_code == 200, again.text
        assert await platform.deliver("funding-api") == 1
        [value] = await recorded()
        assert value["revision"] == 1
        # The month's value counts from the month's end (its period_end).
        month_end = date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])
        dashboard = await indicator.get(
            "/api/v1/dashboard", params={"year": day.year, "as_of": month_end.isoformat()}, headers=admin
        )
        [item] = [
            i for i in dashboard.json()["items"] if i["indicator"]["code"] == "policy_funds_outstanding"
        ]
        assert item["actual"] == "45.0124"
        assert item["published"]["source"] == "funding-api"
        stamped = datetime.fromisoformat(item["published"]["received_at"])
        assert stamped > datetime.fromisoformat(str(value["recorded_at"]))

        viewer = await bearer(indicator, "viewer", DEMO_PASSWORD)
        refused = await funding.post("/api/v1/outstanding/publications", headers=viewer)
        assert refused.status_code == 403
