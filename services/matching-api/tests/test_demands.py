"""Demands: posting checks the registry, isolation between enterprises, townships see their unit."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import ALUMINIUM, EXCHANGER, FOUNDRY, UNKNOWN, Matching


def demand(**extra: Any) -> dict[str, Any]:
    return {
        "kind": "technology",
        "title": "铸件气孔与缩松缺陷攻关",
        "description": "我公司球墨铸铁件砂型铸造气孔缩松缺陷多,希望专家优化浇注系统和熔炼工艺。",
        "industry": "铸造",
        "budget": "300000.00",
        "deadline": "2030-06-30",
        **extra,
    }


async def post(m: Matching, code: str = FOUNDRY, **extra: Any) -> dict[str, Any]:
    response = await m.client.post("/api/v1/demands", json=demand(**extra), headers=m.enterprise(code))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_an_enterprise_posts_with_its_registry_facts(matching: Matching) -> None:
    body = await post(matching)
    assert (body["credit_code"], body["enterprise_name"]) == (FOUNDRY, "大冶市华鑫铸造有限公司")
    assert (body["region_code"], body["qualifications"], body["status"]) == (
        "420281101",
        ["tech_sme"],
        "open",
    )
    assert body["budget"] == "300000.00"
    read = await matching.client.get(f"/api/v1/demands/{body['id']}", headers=matching.enterprise(FOUNDRY))
    assert read.json() == body


async def test_an_enterprise_the_registry_does_not_know_is_refused(matching: Matching) -> None:
    response = await matching.client.post(
        "/api/v1/demands", json=demand(), headers=matching.enterprise(UNKNOWN)
    )
    assert response.status_code == 404
    assert response.json()["code"] == "enterprise_not_found"
    listed = await matching.client.get("/api/v1/demands", headers=matching.admin)
    assert listed.json()["total"] == 0


async def test_indicator_down_is_a_503_and_nothing_is_written(matching: Matching) -> None:
    matching.app.state.indicator.base_url = "http://127.0.0.1:9"
    response = await matching.client.post(
        "/api/v1/demands", json=demand(), headers=matching.enterprise(FOUNDRY)
    )
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "peer_unavailable"
    assert (await matching.client.get("/api/v1/demands", headers=matching.admin)).json()["total"] == 0
    assert (await matching.client.get("/api/v1/notifications", headers=matching.admin)).json()["total"] == 0


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"kind": "finance"}, "body"),
        ({"kind": "finance", "amount_sought": "1000000.00", "financing": "loan"}, "body"),  # budget too
        ({"financing": "loan"}, "body"),
        ({"budget": 30000.5}, "body.budget"),
        ({"deadline": "2020-01-01"}, "body.deadline"),
        ({"title": "短"}, "body.title"),
    ],
)
async def test_bad_demands_name_the_field(matching: Matching, extra: dict[str, Any], field: str) -> None:
    response = await matching.client.post(
        "/api/v1/demands", json=demand(**extra), headers=matching.enterprise(FOUNDRY)
    )
    assert response.status_code == 422, response.text
    assert any(e["field"] == field for e in response.json()["errors"]), response.json()


async def test_enterprises_never_see_or_change_each_others_demands(matching: Matching) -> None:
    mine = await post(matching, FOUNDRY)
    theirs = await post(matching, EXCHANGER, title="板式换热器传热效率提升", industry="换热器")
    me = matching.enterprise(FOUNDRY)
    listed = (await matching.client.get("/api/v1/demands", headers=me)).json()
    assert [d["id"] for d in listed["items"]] == [mine["id"]]
    filtered = await matching.client.get("/api/v1/demands", params={"credit_code": EXCHANGER}, headers=me)
    assert filtered.json()["total"] == 0
    for method, path, body in [
        ("GET", f"/api/v1/demands/{theirs['id']}", None),
        ("PATCH", f"/api/v1/demands/{theirs['id']}", {"title": "改别人的需求"}),
        ("PATCH", f"/api/v1/demands/{theirs['id']}", {"status": "withdrawn"}),
        ("GET", f"/api/v1/demands/{theirs['id']}/recommendations", None),
    ]:
        response = await matching.client.request(method, path, json=body, headers=me)
        assert response.status_code == 404, (method, path)
        assert response.json()["code"] == "demand_not_found"
    untouched = await matching.client.get(f"/api/v1/demands/{theirs['id']}", headers=matching.admin)
    assert (untouched.json()["title"], untouched.json()["status"]) == ("板式换热器传热效率提升", "open")
    # Posting "for" another enterprise is refused too.
    forged = await matching.client.post("/api/v1/demands", json=demand(credit_code=EXCHANGER), headers=me)
    assert forged.status_code == 403


async def test_townships_see_their_unit_and_cannot_post(matching: Matching) -> None:
    jinniu = await post(matching, FOUNDRY)  # 金牛镇
    await post(matching, ALUMINIUM, title="铝型材挤压成品率提升", industry="铝加工")  # 还地桥镇
    township = matching.township("420281101")
    listed = (await matching.client.get("/api/v1/demands", headers=township)).json()
    assert [d["id"] for d in listed["items"]] == [jinniu["id"]]
    refused = await matching.client.post("/api/v1/demands", json=demand(), headers=township)
    assert refused.status_code == 403
    change = await matching.client.patch(
        f"/api/v1/demands/{jinniu['id']}", json={"title": "乡镇改标题"}, headers=township
    )
    assert change.status_code == 403


async def test_filters_and_the_bureau_posting_for_an_enterprise(matching: Matching) -> None:
    await post(matching, FOUNDRY)
    by_bureau = await matching.client.post(
        "/api/v1/demands",
        json=demand(
            kind="finance", budget=None, amount_sought="5000000.00", financing="loan", credit_code=EXCHANGER
        ),
        headers=matching.admin,
    )
    assert by_bureau.status_code == 201, by_bureau.text
    assert by_bureau.json()["posted_by"] == "admin"
    finance = await matching.client.get("/api/v1/demands", params={"kind": "finance"}, headers=matching.admin)
    assert [d["credit_code"] for d in finance.json()["items"]] == [EXCHANGER]
    region = await matching.client.get(
        "/api/v1/demands", params={"region": "420281401"}, headers=matching.admin
    )
    assert region.json()["total"] == 1
    period = await matching.client.get(
        "/api/v1/demands",
        params={"posted_from": "2020-01-01", "posted_to": "2020-12-31"},
        headers=matching.admin,
    )
    assert period.json()["total"] == 0
    missing_code = await matching.client.post("/api/v1/demands", json=demand(), headers=matching.admin)
    assert missing_code.status_code == 422


async def test_the_owner_edits_and_withdraws_while_open(matching: Matching) -> None:
    mine = await post(matching)
    me = matching.enterprise(FOUNDRY)
    edited = await matching.client.patch(
        f"/api/v1/demands/{mine['id']}",
        json={"description": "改为解决铸造旧砂再生利用问题,每年废砂八千吨。"},
        headers=me,
    )
    assert edited.status_code == 200
    assert "旧砂" in edited.json()["description"]
    bad = await matching.client.patch(f"/api/v1/demands/{mine['id']}", json={"status": "matched"}, headers=me)
    assert bad.status_code == 422
    withdrawn = await matching.client.patch(
        f"/api/v1/demands/{mine['id']}", json={"status": "withdrawn"}, headers=me
    )
    assert withdrawn.json()["status"] == "withdrawn"
    again = await matching.client.patch(
        f"/api/v1/demands/{mine['id']}", json={"title": "再改一次标题"}, headers=me
    )
    assert again.status_code == 409
    assert again.json()["code"] == "demand_not_open"
