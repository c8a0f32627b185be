"""matching-api with the real indicator-api in-process: the registry check on posting, isolation
with real tokens, and a docking success moving `tech_contract_turnover` through the real peer."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from daye_demo.enterprises import DEMO_ENTERPRISES
from daye_dev.pytest_plugin import bearer
from daye_kit.outbox import EVENTS
from daye_kit.timestamps import utcnow

from .conftest import DEMO_PASSWORD, Platform

PROGRESS = "/api/v1/indicators/tech_contract_turnover/progress"
DEMAND = {
    "kind": "technology",
    "title": "铸件气孔与缩松缺陷攻关",
    "description": "我公司球墨铸铁件砂型铸造气孔缩松缺陷多,希望专家优化浇注系统和熔炼工艺。",
    "budget": "1500000.00",
    "deadline": "2030-06-30",
}
EXPERT = {
    "kind": "expert",
    "name": "周立新教授团队(铸造工艺)",
    "provider": "华中科技大学",
    "description": "铸造工艺优化与铸件缺陷控制,解决砂型铸造气孔缩松问题。",
    "fields": ["铸造工艺"],
    "industries": ["铸造"],
    "region_code": "420100",
    "capacity": 3,
}


async def _sign_in(indicator: httpx.AsyncClient, username: str) -> dict[str, str]:
    return await bearer(indicator, username, DEMO_PASSWORD)


async def _turnover(indicator: httpx.AsyncClient, admin: dict[str, str]) -> Decimal:
    response = await indicator.get(PROGRESS, params={"year": 2025, "as_of": "2025-12-31"}, headers=admin)
    assert response.status_code == 200, response.text
    actual: Any = response.json()["actual"]
    return Decimal(str(actual if not isinstance(actual, dict) else actual["value"])) if actual else Decimal(0)


async def test_a_success_moves_the_indicator_through_the_real_peer(platform: Platform) -> None:
    foundry = DEMO_ENTERPRISES[0]
    async with platform.client("indicator-api") as indicator, platform.client("matching-api") as matching:
        admin = await _sign_in(indicator, "admin")
        enterprise = await _sign_in(indicator, foundry.credit_code)
        before = await _turnover(indicator, admin)

        posted = await matching.post("/api/v1/demands", json=DEMAND, headers=enterprise)
        assert posted.status_code == 201, posted.text
        assert (posted.json()["enterprise_name"], posted.json()["region_code"]) == (
            foundry.name,
            foundry.region_code,
        )
        expert = (await matching.post("/api/v1/supplies", json=EXPERT, headers=admin)).json()
        match = await matching.post(
            "/api/v1/matches",
            json={"demand_id": posted.json()["id"], "supply_id": expert["id"]},
            headers=enterprise,
        )
        assert match.status_code == 201, match.text
        match_id = match.json()["id"]
        assert (
            await matching.patch(f"/api/v1/matches/{match_id}", json={"status": "docking"}, headers=admin)
        ).status_code == 200
        contract = {"amount": "1200000.00", "contract_type": "development", "signed_on": "2025-06-30"}
        done = await matching.patch(
            f"/api/v1/matches/{match_id}",
            json={"status": "succeeded", "contract": contract},
            headers=enterprise,
        )
        assert done.status_code == 200, done.text
        assert (done.json()["contract_status"], done.json()["contract"]["reported_at"]) == ("pending", None)
        # Committed with the success, the contract reaches indicator-api through the outbox.
        assert await _turnover(indicator, admin) == before
        assert await platform.deliver("matching-api") == 1
        read = (await matching.get(f"/api/v1/matches/{match_id}", headers=admin)).json()
        assert read["contract_status"] == "reported"
        assert read["contract"]["reported_at"] is not None

        after = await _turnover(indicator, admin)
    # 1,200,000 yuan is 0.012 亿元.
    assert after - before == Decimal("0.012")


async def _succeeded_docking(
    matching: httpx.AsyncClient,
    admin: dict[str, str],
    enterprise: dict[str, str],
    contract: Any,
    before_success: Any = None,
) -> int:
    posted = await matching.post("/api/v1/demands", json=DEMAND, headers=enterprise)
    assert posted.status_code == 201, posted.text
    expert = (await matching.post("/api/v1/supplies", json=EXPERT, headers=admin)).json()
    match = await matching.post(
        "/api/v1/matches", json={"demand_id": posted.json()["id"], "supply_id": expert["id"]}, headers=admin
    )
    match_id: int = match.json()["id"]
    await matching.patch(f"/api/v1/matches/{match_id}", json={"status": "docking"}, headers=admin)
    if before_success is not None:
        before_success()
    body: dict[str, Any] = {"status": "succeeded", **({"contract": contract} if contract else {})}
    done = await matching.patch(f"/api/v1/matches/{match_id}", json=body, headers=enterprise)
    assert done.status_code == 200, done.text
    return match_id


async def _contracts(
    indicator: httpx.AsyncClient, admin: dict[str, str], match_id: int
) -> list[dict[str, Any]]:
    listed = await indicator.get(
        "/api/v1/tech-contracts",
        params={"source": "matching-api", "source_id": str(match_id), "signed_month": "2025-06"},
        headers=admin,
    )
    assert listed.status_code == 200, listed.text
    items: list[dict[str, Any]] = listed.json()["items"]
    return items


async def test_success_correction_undo_move_the_turnover_contract_by_contract(platform: Platform) -> None:
    foundry = DEMO_ENTERPRISES[0]
    async with platform.client("indicator-api") as indicator, platform.client("matching-api") as matching:
        admin = await _sign_in(indicator, "admin")
        enterprise = await _sign_in(indicator, foundry.credit_code)
        before = await _turnover(indicator, admin)
        contract = {"amount": "1200000.00", "contract_type": "development", "signed_on": "2025-06-30"}
        match_id = await _succeeded_docking(matching, admin, enterprise, contract)
        assert await platform.deliver("matching-api") == 1
        assert await _turnover(indicator, admin) - before == Decimal("0.012")
        [recorded] = await _contracts(indicator, admin, match_id)
        assert (recorded["amount"], recorded["status"], recorded["revision"]) == ("1200000.00", "active", 1)
        assert recorded["region_code"] == foundry.region_code
        single = await indicator.get(f"/api/v1/tech-contracts/{recorded['id']}", headers=admin)
        assert single.json()["source_id"] == str(match_id)

        corrected = await matching.put(
            f"/api/v1/matches/{match_id}/contract", json={**contract, "amount": "3500000.00"}, headers=admin
        )
        assert corrected.status_code == 200, corrected.text
        assert await platform.deliver("matching-api") == 1
        assert await _turnover(indicator, admin) - before == Decimal("0.035")
        [revised] = await _contracts(indicator, admin, match_id)
        assert (revised["id"], revised["amount"], revised["revision"]) == (recorded["id"], "3500000.00", 2)

        undone = await matching.patch(
            f"/api/v1/matches/{match_id}", json={"status": "withdrawn"}, headers=admin
        )
        assert undone.status_code == 200, undone.text
        assert await platform.deliver("matching-api") == 1
        assert await _turnover(indicator, admin) == before
        [cancelled] = await _contracts(indicator, admin, match_id)
        assert (cancelled["status"], cancelled["cancelled_at"] is not None) == ("cancelled", True)
        read = (await matching.get(f"/api/v1/matches/{match_id}", headers=admin)).json()
        assert (read["status"], read["contract_status"]) == ("withdrawn", "cancelled")


async def test_a_success_while_indicator_is_down_reports_the_contract_once_when_it_is_back(
    platform: Platform,
) -> None:
    foundry = DEMO_ENTERPRISES[0]
    async with platform.client("indicator-api") as indicator, platform.client("matching-api") as matching:
        admin = await _sign_in(indicator, "admin")
        enterprise = await _sign_in(indicator, foundry.credit_code)
        before = await _turnover(indicator, admin)
        contract = {"amount": "1200000.00", "contract_type": "development", "signed_on": "2025-06-30"}

        def outage() -> None:
            platform.indicator_gate.down = True

        match_id = await _succeeded_docking(matching, admin, enterprise, contract, before_success=outage)
        assert await platform.deliver("matching-api") == 0
        [waiting] = (await matching.get("/api/v1/outbox", headers=admin)).json()["items"]
        assert (waiting["state"], waiting["attempts"]) == ("pending", 1)
        platform.indicator_gate.down = False
        await _make_due(platform)
        assert await platform.deliver("matching-api") == 1
        # Delivered a second time (as after a lost acknowledgement): applied once.
        async with platform.apps["matching-api"].state.sessionmaker() as session, session.begin():
            await session.execute(EVENTS.update().values(state="pending", next_attempt_at=utcnow()))
        assert await platform.deliver("matching-api") == 1
        assert len(await _contracts(indicator, admin, match_id)) == 1
        assert await _turnover(indicator, admin) - before == Decimal("0.012")


async def _make_due(platform: Platform) -> None:
    async with platform.apps["matching-api"].state.sessionmaker() as session, session.begin():
        await session.execute(EVENTS.update().values(next_attempt_at=utcnow()))


async def test_posting_checks_the_registry_and_enterprises_stay_apart(platform: Platform) -> None:
    first, second = DEMO_ENTERPRISES[0], DEMO_ENTERPRISES[1]
    async with platform.client("indicator-api") as indicator, platform.client("matching-api") as matching:
        mine = await _sign_in(indicator, first.credit_code)
        theirs = await _sign_in(indicator, second.credit_code)
        own = await matching.post("/api/v1/demands", json=DEMAND, headers=mine)
        assert own.status_code == 201, own.text
        demand_id = own.json()["id"]
        registry = (await indicator.get(f"/api/v1/enterprises/{first.credit_code}", headers=mine)).json()
        today = date.today().isoformat()
        held = sorted(
            {
                q["kind"]
                for q in registry["qualifications"]
                if q["granted_on"] <= today <= (q["expires_on"] or "9999")
            }
        )
        assert own.json()["qualifications"] == held

        read = await matching.get(f"/api/v1/demands/{demand_id}", headers=theirs)
        assert (read.status_code, read.json()["code"]) == (404, "demand_not_found")
        change = await matching.patch(
            f"/api/v1/demands/{demand_id}", json={"title": "别人的需求"}, headers=theirs
        )
        assert change.status_code == 404
        listed = await matching.get("/api/v1/demands", headers=theirs)
        assert listed.json()["total"] == 0

        township = await _sign_in(indicator, first.region_code)
        assert (await matching.get(f"/api/v1/demands/{demand_id}", headers=township)).status_code == 200
        other_unit = next(e for e in DEMO_ENTERPRISES if e.region_code != first.region_code).region_code
        elsewhere = await _sign_in(indicator, other_unit)
        assert (await matching.get(f"/api/v1/demands/{demand_id}", headers=elsewhere)).status_code == 404


async def test_publishing_the_counts_writes_both_indicators(platform: Platform) -> None:
    foundry = DEMO_ENTERPRISES[0]
    async with platform.client("indicator-api") as indicator, platform.client("matching-api") as matching:
        admin = await _sign_in(indicator, "admin")
        enterprise = await _sign_in(indicator, foundry.credit_code)
        assert (await matching.post("/api/v1/demands", json=DEMAND, headers=enterprise)).status_code == 201
        posted_on = (await matching.get("/api/v1/demands", headers=admin)).json()["items"][0]["posted_at"]
        local = datetime.fromisoformat(posted_on.replace("Z", "+00:00")).astimezone(ZoneInfo("Asia/Shanghai"))
        year, month = local.year, local.month
        published = await matching.post(
            "/api/v1/stats/publish", params={"year": year, "month": month}, headers=admin
        )
        assert published.status_code == 200, published.text
        assert await platform.deliver("matching-api") == 1
        for code, expected in (("supply_chain_demands_posted", 1), ("supply_chain_demands_matched", 0)):
            values = await indicator.get(
                f"/api/v1/indicators/{code}/values", params={"region": "420281", "year": year}, headers=admin
            )
            assert values.status_code == 200, values.text
            [value] = [v for v in values.json()["items"] if v["period"] == month]
            assert Decimal(str(value["value"])) == expected
