"""A supplier account across services (院所答题): `hbpu` signs in at indicator-api, registers a supply
in matching-api, finds a real enterprise's demand in its hall (named by the registry's township, not
the enterprise), responds, and the docking succeeds; it reads no unit's figures nor any funds."""

from __future__ import annotations

from daye_demo.enterprises import DEMO_ENTERPRISES, SUPPLIER_ACCOUNTS
from daye_dev.pytest_plugin import bearer

from .conftest import DEMO_PASSWORD, Platform

FOUNDRY = DEMO_ENTERPRISES[0]  # 大冶市华鑫铸造有限公司, 金牛镇


async def test_a_university_answers_a_demand_through_its_own_account(platform: Platform) -> None:
    assert SUPPLIER_ACCOUNTS["hbpu"] == "湖北理工学院"
    async with (
        platform.client("indicator-api") as indicator,
        platform.client("matching-api") as matching,
        platform.client("funding-api") as funding,
    ):
        hbpu = await bearer(indicator, "hbpu", DEMO_PASSWORD)
        foundry = await bearer(indicator, FOUNDRY.credit_code, DEMO_PASSWORD)
        me = await matching.get("/api/v1/auth/me", headers=hbpu)
        assert (me.json()["username"], me.json()["role"]) == ("hbpu", "supplier")

        supply = await matching.post(
            "/api/v1/supplies",
            json={
                "kind": "expert",
                "name": "湖北理工学院铸造工艺团队",
                "provider": "湖北理工学院",
                "description": "铸造工艺优化与铸件缺陷控制,解决砂型铸造气孔缩松问题。",
                "fields": ["铸造工艺"],
                "industries": ["铸造"],
                "region_code": "420200",
                "capacity": 2,
            },
            headers=hbpu,
        )
        assert supply.status_code == 201, supply.text
        assert supply.json()["owner_username"] == "hbpu"
        demand = await matching.post(
            "/api/v1/demands",
            json={
                "kind": "technology",
                "title": "球墨铸铁件气孔缺陷攻关",
                "description": "我公司球墨铸铁件砂型铸造气孔缩松缺陷多,希望专家优化浇注系统和熔炼工艺。",
                "budget": "500000.00",
                "deadline": "2030-06-30",
            },
            headers=foundry,
        )
        assert demand.status_code == 201, demand.text
        hall = (await matching.get("/api/v1/hall", headers=hbpu)).json()
        [item] = [d for d in hall["items"] if d["id"] == demand.json()["id"]]
        assert item["enterprise_label"] == "金牛镇某铸造企业"  # the unit's name from indicator-api
        assert FOUNDRY.name not in str(item)
        assert item["relevance"] > 0

        answered = await matching.post(
            f"/api/v1/demands/{item['id']}/responses",
            json={"supply_id": supply.json()["id"], "message": "可赴厂诊断"},
            headers=hbpu,
        )
        assert answered.status_code == 201, answered.text
        match = answered.json()["id"]
        for status, who in (("docking", hbpu), ("succeeded", foundry)):
            moved = await matching.patch(f"/api/v1/matches/{match}", json={"status": status}, headers=who)
            assert moved.status_code == 200, moved.text
        mine = (await matching.get("/api/v1/matches", params={"mine": True}, headers=hbpu)).json()
        assert [(m["id"], m["status"]) for m in mine["items"]] == [(match, "succeeded")]

        # Nothing of the units' figures or the funds.
        candidates = await indicator.get(f"/api/v1/regions/{FOUNDRY.region_code}/candidates", headers=hbpu)
        assert candidates.status_code == 403, candidates.text
        assert (await funding.get("/api/v1/awards", headers=hbpu)).status_code == 403
