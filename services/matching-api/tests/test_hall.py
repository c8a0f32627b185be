"""Suppliers answer for themselves (院所答题): a supplier account keeps its own supplies, finds open
demands in the hall by its fields, responds, and follows the docking to success; it never changes
another's supply; with the bureau's review on, a demand reaches the hall only once approved."""

from __future__ import annotations

from typing import Any

from daye_dev.idempotency_checks import replayed_once

from .conftest import ALUMINIUM, FOUNDRY, MakeMatching, Matching
from .test_demands import post

HBPU, OTHER = "hbpu", "whut"
CASTING = {
    "kind": "expert",
    "name": "湖北理工学院铸造工艺团队",
    "provider": "湖北理工学院",
    "description": "铸造工艺优化与铸件缺陷控制,解决砂型铸造气孔缩松问题。",
    "fields": ["铸造工艺", "铸件缺陷控制"],
    "industries": ["铸造"],
    "region_code": "420200",
    "capacity": 3,
}
ALUMINIUM_DEMAND = {
    "title": "铝型材挤压模具寿命提升",
    "description": "我公司铝加工挤压模具寿命短、能耗偏高,希望与高校合作改进挤压工艺。",
    "industry": "铝加工",
}


async def own_supply(m: Matching, username: str, **extra: Any) -> dict[str, Any]:
    made = await m.client.post("/api/v1/supplies", json={**CASTING, **extra}, headers=m.supplier(username))
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


async def hall(m: Matching, username: str, **params: Any) -> dict[str, Any]:
    response = await m.client.get("/api/v1/hall", params=params, headers=m.supplier(username))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_supplier_answers_a_demand_of_its_hall_and_the_docking_succeeds(matching: Matching) -> None:
    m = matching
    supply = await own_supply(m, HBPU)
    assert (supply["owner_username"], supply["status"]) == (HBPU, "active")
    mine = (await m.client.get("/api/v1/supplies", params={"mine": True}, headers=m.supplier(HBPU))).json()
    assert [s["id"] for s in mine["items"]] == [supply["id"]]

    # The bureau's catalogue holds the aluminium specialists.
    aluminium_team = {
        **CASTING,
        "name": "武汉理工大学铝加工团队",
        "provider": "武汉理工大学",
        "description": "铝型材挤压工艺与挤压模具寿命提升,铝加工节能降耗。",
        "fields": ["铝加工", "挤压模具"],
        "industries": ["铝加工"],
    }
    assert (await m.client.post("/api/v1/supplies", json=aluminium_team, headers=m.admin)).status_code == 201
    casting = await post(m)
    await post(m, ALUMINIUM, **ALUMINIUM_DEMAND)  # another field: not in this supplier's hall
    seen = await hall(m, HBPU)
    assert seen["fields"] == ["铸造工艺", "铸件缺陷控制", "铸造"]
    assert [d["id"] for d in seen["items"]] == [casting["id"]]
    assert seen["total"] == 1
    past_the_end = await hall(m, HBPU, offset=5)
    assert (past_the_end["items"], past_the_end["total"]) == ([], 1)
    item = seen["items"][0]
    assert item["enterprise_label"] == "金牛镇某铸造企业"
    assert "credit_code" not in item
    assert "enterprise_name" not in item
    assert item["responded"] is False
    assert item["best_supply_id"] == supply["id"]
    assert 0.3 < item["relevance"] <= 1
    assert set(item["matched_fields"]) >= {"铸造"}
    # Asked for another field, the hall shows the aluminium demand instead.
    other = await hall(m, HBPU, fields=["铝加工"])
    assert [d["title"] for d in other["items"]] == ["铝型材挤压模具寿命提升"]
    assert other["items"][0]["relevance"] < item["relevance"] - 0.2, (other, item)

    answered = await m.client.post(
        f"/api/v1/demands/{casting['id']}/responses",
        json={"supply_id": supply["id"], "message": "可两周内赴厂诊断气孔缺陷"},
        headers=m.supplier(HBPU),
    )
    assert answered.status_code == 201, answered.text
    match = answered.json()
    assert (match["origin"], match["status"], match["created_by"]) == ("supplier", "proposed", HBPU)
    assert match["note"] == "可两周内赴厂诊断气孔缺陷"
    assert (await hall(m, HBPU))["items"][0]["responded"] is True
    again = await m.client.post(
        f"/api/v1/demands/{casting['id']}/responses",
        json={"supply_id": supply["id"]},
        headers=m.supplier(HBPU),
    )
    assert again.status_code == 409
    assert again.json()["code"] == "match_exists"
    notices = (await m.client.get("/api/v1/notifications", headers=m.enterprise(FOUNDRY))).json()["items"]
    assert any(n["kind"] == "new_response" and n["match_id"] == match["id"] for n in notices)

    # The supplier moves it to docking; the enterprise confirms the success.
    moved = await m.client.patch(
        f"/api/v1/matches/{match['id']}", json={"status": "docking"}, headers=m.supplier(HBPU)
    )
    assert moved.status_code == 200, moved.text
    forbidden = await m.client.patch(
        f"/api/v1/matches/{match['id']}", json={"status": "succeeded"}, headers=m.supplier(HBPU)
    )
    assert forbidden.status_code == 403
    assert forbidden.json()["code"] == "transition_forbidden"
    done = await m.client.patch(
        f"/api/v1/matches/{match['id']}",
        json={
            "status": "succeeded",
            "contract": {"amount": "200000.00", "contract_type": "service", "signed_on": "2025-10-15"},
        },
        headers=m.enterprise(FOUNDRY),
    )
    assert done.status_code == 200, done.text
    dockings = (await m.client.get("/api/v1/matches", params={"mine": True}, headers=m.supplier(HBPU))).json()
    assert [(d["id"], d["status"]) for d in dockings["items"]] == [(match["id"], "succeeded")]
    # Matched, the demand has left the hall.
    assert (await hall(m, HBPU))["total"] == 0
    # The supplier reads no demand directly, nor another's dockings.
    assert (
        await m.client.get(f"/api/v1/demands/{casting['id']}", headers=m.supplier(HBPU))
    ).status_code == 404
    assert (await m.client.get("/api/v1/matches", headers=m.supplier(OTHER))).json()["total"] == 0


async def test_a_supplier_changes_its_own_supplies_only(matching: Matching) -> None:
    m = matching
    mine = await own_supply(m, HBPU)
    theirs = await own_supply(m, OTHER, name="武汉理工大学铸造团队", provider="武汉理工大学")
    bureau = await m.client.post("/api/v1/supplies", json=CASTING, headers=m.admin)
    for target in (theirs["id"], bureau.json()["id"]):
        patched = await m.client.patch(
            f"/api/v1/supplies/{target}", json={"contact": "0714-1234567"}, headers=m.supplier(HBPU)
        )
        assert patched.status_code == 403
        assert patched.json()["code"] == "not_your_supply"
        retired = await m.client.delete(f"/api/v1/supplies/{target}", headers=m.supplier(HBPU))
        assert retired.status_code == 403
        assert retired.json()["code"] == "not_your_supply"
    assert (await m.client.get(f"/api/v1/supplies/{theirs['id']}", headers=m.admin)).json()["contact"] == ""
    # Registering a supply in another account's name is refused.
    foreign = await m.client.post(
        "/api/v1/supplies", json={**CASTING, "owner_username": OTHER}, headers=m.supplier(HBPU)
    )
    assert foreign.status_code == 403
    assert foreign.json()["code"] == "not_your_supply"
    # Responding with another's supply is refused.
    demand = await post(m)
    answered = await m.client.post(
        f"/api/v1/demands/{demand['id']}/responses",
        json={"supply_id": theirs["id"]},
        headers=m.supplier(HBPU),
    )
    assert answered.status_code == 403
    assert answered.json()["code"] == "not_your_supply"
    # Its own: edited, then retired (twice: nothing more changes), and out of its hall's scoring.
    edited = await m.client.patch(
        f"/api/v1/supplies/{mine['id']}", json={"contact": "0714-6350000"}, headers=m.supplier(HBPU)
    )
    assert edited.status_code == 200
    assert edited.json()["contact"] == "0714-6350000"
    for _ in range(2):
        retired = await m.client.delete(f"/api/v1/supplies/{mine['id']}", headers=m.supplier(HBPU))
        assert retired.status_code == 200
        assert retired.json()["status"] == "withdrawn"
    listed = await m.client.get("/api/v1/supplies", params={"mine": True}, headers=m.supplier(HBPU))
    assert listed.json()["total"] == 0
    # Enterprises and townships register no supplies; they see no hall.
    assert (
        await m.client.post("/api/v1/supplies", json=CASTING, headers=m.enterprise(FOUNDRY))
    ).status_code == 403
    assert (await m.client.get("/api/v1/hall", headers=m.enterprise(FOUNDRY))).status_code == 403


async def test_with_review_on_a_demand_reaches_the_hall_only_once_approved(
    make_matching: MakeMatching,
) -> None:
    m = await make_matching(require_demand_review=True)
    supply = await own_supply(m, HBPU)
    pending = await post(m)
    assert (pending["review_status"], pending["review_reason"]) == ("pending", None)
    rejected = await post(m, title="铸件砂眼缺陷攻关")
    assert (await hall(m, HBPU))["total"] == 0
    # Not public: a supplier cannot respond (it does not exist for it), the enterprise cannot dock.
    answered = await m.client.post(
        f"/api/v1/demands/{pending['id']}/responses",
        json={"supply_id": supply["id"]},
        headers=m.supplier(HBPU),
    )
    assert answered.status_code == 404
    assert answered.json()["code"] == "demand_not_found"
    picked = await m.client.post(
        "/api/v1/matches",
        json={"demand_id": pending["id"], "supply_id": supply["id"]},
        headers=m.enterprise(FOUNDRY),
    )
    assert picked.status_code == 409
    assert picked.json()["code"] == "demand_not_public"
    # No supplier was told of it; the bureau was asked to review it.
    assert (await m.client.get("/api/v1/notifications", headers=m.supplier(HBPU))).json()["total"] == 0
    queue = await m.client.get("/api/v1/demands", params={"review_status": "pending"}, headers=m.admin)
    assert {d["id"] for d in queue.json()["items"]} == {pending["id"], rejected["id"]}
    bureau = (await m.client.get("/api/v1/notifications", headers=m.admin)).json()["items"]
    assert sum(n["kind"] == "demand_review_requested" for n in bureau) == 2

    # Only the bureau reviews; a rejection says why.
    denied = await m.client.post(
        f"/api/v1/demands/{pending['id']}/review", json={"decision": "approve"}, headers=m.enterprise(FOUNDRY)
    )
    assert denied.status_code == 403
    no_reason = await m.client.post(
        f"/api/v1/demands/{rejected['id']}/review", json={"decision": "reject"}, headers=m.admin
    )
    assert no_reason.status_code == 422
    assert no_reason.json()["errors"][0]["field"] == "body.reason"
    reject = await m.client.post(
        f"/api/v1/demands/{rejected['id']}/review",
        json={"decision": "reject", "reason": "与已发布需求重复"},
        headers=m.admin,
    )
    assert reject.status_code == 200, reject.text
    assert (reject.json()["review_status"], reject.json()["review_reason"]) == (
        "rejected",
        "与已发布需求重复",
    )
    approve = await m.client.post(
        f"/api/v1/demands/{pending['id']}/review", json={"decision": "approve"}, headers=m.admin
    )
    assert approve.status_code == 200
    assert approve.json()["review_status"] == "approved"
    twice = await m.client.post(
        f"/api/v1/demands/{pending['id']}/review", json={"decision": "reject", "reason": "x"}, headers=m.admin
    )
    assert twice.status_code == 409
    assert twice.json()["code"] == "demand_not_pending"

    assert [d["id"] for d in (await hall(m, HBPU))["items"]] == [pending["id"]]
    told = (await m.client.get("/api/v1/notifications", headers=m.supplier(HBPU))).json()["items"]
    assert [n["demand_id"] for n in told if n["kind"] == "new_recommendation"] == [pending["id"]]
    reviewed = (await m.client.get("/api/v1/notifications", headers=m.enterprise(FOUNDRY))).json()["items"]
    assert {n["title"] for n in reviewed if n["kind"] == "demand_reviewed"} == {
        "需求「铸件气孔与缩松缺陷攻关」已通过审核并公开",
        "需求「铸件砂眼缺陷攻关」未通过审核",
    }
    # Counted as posted once public: the rejected one is not.
    stats = await m.client.get(
        "/api/v1/stats", params={"from": "2025-01-01", "to": "2099-12-31"}, headers=m.admin
    )
    assert stats.json()["posted"] == 1
    # Edited, the rejected demand goes back to the bureau; meanwhile never in the hall.
    edited = await m.client.patch(
        f"/api/v1/demands/{rejected['id']}",
        json={"description": "球墨铸铁件砂眼缺陷多,需要专家现场诊断改进造型工艺。"},
        headers=m.enterprise(FOUNDRY),
    )
    assert edited.status_code == 200
    assert edited.json()["review_status"] == "pending"
    assert [d["id"] for d in (await hall(m, HBPU))["items"]] == [pending["id"]]


async def test_the_demo_suppliers_find_demands_in_their_halls(make_matching: MakeMatching) -> None:
    """`make run`: hbpu's hall lists open demands of its fields (experts and technologies answer
    talent and technology demands), drcb's the finance demands its products could serve."""
    m = await make_matching(demo=True, require_demand_review=True)
    own = await m.client.get(
        "/api/v1/supplies", params={"mine": True, "limit": 200}, headers=m.supplier(HBPU)
    )
    assert own.json()["total"] > 10
    assert {s["provider"] for s in own.json()["items"]} == {"湖北理工学院"}
    seen = await hall(m, HBPU, limit=200)
    assert seen["total"] > 0
    assert {d["kind"] for d in seen["items"]} <= {"talent", "technology"}
    assert all(d["matched_fields"] for d in seen["items"])
    assert max(d["relevance"] for d in seen["items"]) > 0.5
    bank = await hall(m, "drcb", limit=200)
    assert bank["total"] > 0
    assert {d["kind"] for d in bank["items"]} == {"finance"}
    # With review on, the demo has demands waiting for the bureau, none of them in a hall.
    queue = (
        await m.client.get("/api/v1/demands", params={"review_status": "pending"}, headers=m.admin)
    ).json()
    assert queue["total"] == 3
    waiting = {d["id"] for d in queue["items"]}
    assert not waiting & {d["id"] for d in seen["items"]}
    stats = await m.client.get(
        "/api/v1/stats", params={"from": "2025-01-01", "to": "2025-12-31"}, headers=m.admin
    )
    assert stats.json()["posted"] == 686


async def test_a_retried_response_answers_once(matching: Matching) -> None:
    """A response with an Idempotency-Key: the replay answers the first docking and makes no other;
    another message under the key is refused."""
    m = matching
    supply = await own_supply(m, HBPU)
    demand = await post(m)
    path = f"/api/v1/demands/{demand['id']}/responses"
    first = await replayed_once(
        m.client,
        path,
        {"supply_id": supply["id"], "message": "可赴厂诊断"},
        {"supply_id": supply["id"], "message": "另一条留言"},
        m.supplier(HBPU),
    )
    dockings = (await m.client.get("/api/v1/matches", params={"mine": True}, headers=m.supplier(HBPU))).json()
    assert [d["id"] for d in dockings["items"]] == [first.json()["id"]]
