"""Docking records: every legal and illegal move of the state machine, who may make which move,
what a success reports to indicator-api, and expiry."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine

from matching_api.enums import MatchStatus
from matching_api.matches.transitions import MOVES

from .conftest import EXCHANGER, FOUNDRY, Matching
from .test_demands import post

OWNER = "prof-zhou"  # the account acting for the expert
EXPERT = {
    "kind": "expert",
    "name": "周立新教授团队(铸造工艺)",
    "provider": "华中科技大学",
    "description": "铸造工艺优化与铸件缺陷控制,解决砂型铸造气孔缩松问题。",
    "fields": ["铸造工艺", "铸件缺陷控制"],
    "industries": ["铸造"],
    "region_code": "420100",
    "capacity": 5,
    "owner_username": OWNER,
}
STATUSES = list(MatchStatus)
# How to bring a fresh (proposed) record to each state, as the bureau.
PATHS: dict[MatchStatus, list[str]] = {
    MatchStatus.proposed: [],
    MatchStatus.docking: ["docking"],
    MatchStatus.succeeded: ["docking", "succeeded"],
    MatchStatus.failed: ["docking", "failed"],
    MatchStatus.withdrawn: ["withdrawn"],
    MatchStatus.closed: ["<expire>"],
}


async def supply(m: Matching, **extra: Any) -> dict[str, Any]:
    response = await m.client.post("/api/v1/supplies", json={**EXPERT, **extra}, headers=m.admin)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def docking(m: Matching, *, state: MatchStatus = MatchStatus.proposed) -> dict[str, Any]:
    expert = await supply(m)
    demand = await post(m)
    created = await m.client.post(
        "/api/v1/matches",
        json={"demand_id": demand["id"], "supply_id": expert["id"], "note": "想请周教授来厂里看看"},
        headers=m.enterprise(FOUNDRY),
    )
    assert created.status_code == 201, created.text
    match: dict[str, Any] = created.json()
    for step in PATHS[state]:
        if step == "<expire>":
            swept = await m.client.post(
                "/api/v1/demands/close-expired", params={"as_of": "2031-01-01"}, headers=m.admin
            )
            assert swept.json() == {"closed_demands": 1, "closed_matches": 1}
            continue
        moved = await m.client.patch(f"/api/v1/matches/{match['id']}", json={"status": step}, headers=m.admin)
        assert moved.status_code == 200, moved.text
    match = (await m.client.get(f"/api/v1/matches/{match['id']}", headers=m.admin)).json()
    assert match["status"] == state.value
    return match


@pytest.mark.parametrize(
    ("source", "target"), list(itertools.product(STATUSES, STATUSES)), ids=lambda s: s.value
)
async def test_every_move(matching: Matching, source: MatchStatus, target: MatchStatus) -> None:
    match = await docking(matching, state=source)
    moved = await matching.client.patch(
        f"/api/v1/matches/{match['id']}", json={"status": target.value}, headers=matching.admin
    )
    if (source, target) in MOVES:
        assert moved.status_code == 200, moved.text
        assert moved.json()["status"] == target.value
        assert [e["to_status"] for e in moved.json()["events"]][-1] == target.value
    else:
        assert moved.status_code == 409, moved.text
        assert moved.headers["content-type"] == "application/problem+json"
        assert moved.json()["code"] == "illegal_transition"
        unchanged = await matching.client.get(f"/api/v1/matches/{match['id']}", headers=matching.admin)
        assert unchanged.json()["status"] == source.value


@pytest.mark.parametrize(
    ("who", "source", "target", "status", "code"),
    [
        ("enterprise", "proposed", "docking", 200, None),
        ("supplier", "proposed", "docking", 200, None),
        ("viewer", "proposed", "docking", 403, "transition_forbidden"),
        ("township", "proposed", "docking", 403, "transition_forbidden"),
        ("other_enterprise", "proposed", "docking", 404, "match_not_found"),
        ("supplier", "docking", "succeeded", 403, "transition_forbidden"),
        ("enterprise", "docking", "succeeded", 200, None),
        ("supplier", "docking", "failed", 200, None),
        ("supplier", "proposed", "withdrawn", 200, None),
    ],
)
async def test_which_side_may_move(
    matching: Matching, who: str, source: str, target: str, status: int, code: str | None
) -> None:
    headers = {
        "enterprise": matching.enterprise(FOUNDRY),
        "other_enterprise": matching.enterprise(EXCHANGER),
        "supplier": matching.as_(OWNER, "viewer"),
        "viewer": matching.as_("viewer", "viewer"),
        "township": matching.township("420281101"),
    }[who]
    match = await docking(matching, state=MatchStatus(source))
    moved = await matching.client.patch(
        f"/api/v1/matches/{match['id']}", json={"status": target}, headers=headers
    )
    assert moved.status_code == status, moved.text
    if code:
        assert moved.json()["code"] == code


async def test_a_success_reports_the_contract_through_the_outbox(matching: Matching) -> None:
    match = await docking(matching, state=MatchStatus.docking)
    contract = {"amount": "1200000.00", "contract_type": "development", "signed_on": "2025-06-30"}
    done = await matching.client.patch(
        f"/api/v1/matches/{match['id']}",
        json={"status": "succeeded", "contract": contract, "note": "签订技术开发合同"},
        headers=matching.enterprise(FOUNDRY),
    )
    assert done.status_code == 200, done.text
    assert done.json()["contract"]["amount"] == "1200000.00"
    assert (done.json()["contract_status"], done.json()["contract"]["reported_at"]) == ("pending", None)
    assert matching.indicator.contracts == {}
    assert await matching.deliver() == 1
    sent = matching.indicator.contracts[str(match["id"])]
    assert sent == {
        "source": "matching-api",
        "source_id": str(match["id"]),
        "credit_code": FOUNDRY,
        "amount": "1200000.00",
        "contract_type": "development",
        "signed_on": "2025-06-30",
        "status": "active",
    }
    [event] = matching.indicator.deliveries
    assert (event["type"], event["subject"], event["source"]) == (
        "match.succeeded",
        f"match:{match['id']}",
        "matching-api",
    )
    after = (await matching.client.get(f"/api/v1/matches/{match['id']}", headers=matching.admin)).json()
    assert after["contract_status"] == "reported"
    assert after["contract"]["reported_at"] is not None
    assert await matching.deliver() == 0  # delivered once, not again
    demand = await matching.client.get(f"/api/v1/demands/{match['demand']['id']}", headers=matching.admin)
    assert demand.json()["status"] == "matched"
    assert demand.json()["matched_at"] is not None


async def test_indicator_down_delays_the_contract_and_fails_nothing(matching: Matching) -> None:
    match = await docking(matching, state=MatchStatus.docking)
    matching.indicator.refuse_inbox = 1_000
    contract = {"amount": "500000.00", "contract_type": "transfer", "signed_on": "2025-06-30"}
    done = await matching.client.patch(
        f"/api/v1/matches/{match['id']}",
        json={"status": "succeeded", "contract": contract},
        headers=matching.admin,
    )
    assert done.status_code == 200, done.text
    assert await matching.deliver() == 0
    after = (await matching.client.get(f"/api/v1/matches/{match['id']}", headers=matching.admin)).json()
    assert (after["status"], after["contract_status"]) == ("succeeded", "pending")
    pending = await matching.client.get("/api/v1/outbox", headers=matching.admin)
    [row] = pending.json()["items"]
    assert (row["state"], row["attempts"], row["type"]) == ("pending", 1, "match.succeeded")
    assert "503" in row["last_error"]
    matching.indicator.refuse_inbox = 0
    await _due_now(matching)
    assert await matching.deliver() == 1
    assert matching.indicator.contracts[str(match["id"])]["amount"] == "500000.00"
    after = (await matching.client.get(f"/api/v1/matches/{match['id']}", headers=matching.admin)).json()
    assert after["contract_status"] == "reported"


async def _due_now(matching: Matching) -> None:
    """Skip the backoff: every pending event is due."""
    from daye_kit.outbox import EVENTS
    from daye_kit.timestamps import utcnow

    async with matching.app.state.sessionmaker() as session, session.begin():
        await session.execute(EVENTS.update().values(next_attempt_at=utcnow()))


async def test_a_contract_attached_after_success_then_corrected_then_undone(matching: Matching) -> None:
    match = await docking(matching, state=MatchStatus.docking)
    path = f"/api/v1/matches/{match['id']}"
    bare = await matching.client.patch(path, json={"status": "succeeded"}, headers=matching.admin)
    assert (bare.json()["contract"], bare.json()["contract_status"]) == (None, None)
    assert await matching.deliver() == 0  # a success without a contract tells indicator-api nothing
    contract = {"amount": "800000.00", "contract_type": "service", "signed_on": "2025-07-01"}
    attached = await matching.client.put(
        f"{path}/contract", json=contract, headers=matching.enterprise(FOUNDRY)
    )
    assert attached.status_code == 200, attached.text
    assert (attached.json()["contract_status"], attached.json()["contract_revision"]) == ("pending", 1)
    corrected = await matching.client.put(
        f"{path}/contract", json={**contract, "amount": "900000.00"}, headers=matching.admin
    )
    assert corrected.json()["contract_revision"] == 2
    # Both changes are delivered, one per pass, in the order they were made.
    await matching.deliver_all()
    assert [e["type"] for e in matching.indicator.deliveries] == [
        "match.contract_revised",
        "match.contract_revised",
    ]
    assert matching.indicator.contracts[str(match["id"])]["amount"] == "900000.00"
    read = (await matching.client.get(path, headers=matching.admin)).json()
    assert (read["contract_status"], read["contract"]["amount"]) == ("reported", "900000.00")
    undone = await matching.client.patch(path, json={"status": "withdrawn"}, headers=matching.admin)
    assert undone.status_code == 200, undone.text
    assert (undone.json()["contract"], undone.json()["contract_status"]) == (None, "pending")
    demand = await matching.client.get(f"/api/v1/demands/{match['demand']['id']}", headers=matching.admin)
    assert demand.json()["status"] == "open"
    await matching.deliver_all()
    assert matching.indicator.contracts[str(match["id"])]["status"] == "cancelled"
    read = (await matching.client.get(path, headers=matching.admin)).json()
    assert (read["status"], read["contract_status"], read["contract_revision"]) == (
        "withdrawn",
        "cancelled",
        3,
    )


async def test_only_the_bureau_undoes_a_success_and_only_a_success_takes_a_contract(
    matching: Matching,
) -> None:
    match = await docking(matching, state=MatchStatus.docking)
    path = f"/api/v1/matches/{match['id']}"
    contract = {"amount": "800000.00", "contract_type": "service", "signed_on": "2025-07-01"}
    early = await matching.client.put(f"{path}/contract", json=contract, headers=matching.admin)
    assert (early.status_code, early.json()["code"]) == (409, "contract_only_on_success")
    await matching.client.patch(path, json={"status": "succeeded"}, headers=matching.admin)
    by_enterprise = await matching.client.patch(
        path, json={"status": "withdrawn"}, headers=matching.enterprise(FOUNDRY)
    )
    assert (by_enterprise.status_code, by_enterprise.json()["code"]) == (403, "transition_forbidden")
    by_supplier = await matching.client.put(
        f"{path}/contract", json=contract, headers=matching.as_(OWNER, "viewer")
    )
    assert (by_supplier.status_code, by_supplier.json()["code"]) == (403, "contract_forbidden")


@pytest.mark.parametrize(
    ("body", "rule"),
    [
        (
            {
                "status": "docking",
                "contract": {"amount": "1.00", "contract_type": "service", "signed_on": "2025-01-01"},
            },
            "contract_only_on_success",
        ),
        (
            {
                "status": "succeeded",
                "contract": {"amount": "-5.00", "contract_type": "service", "signed_on": "2025-01-01"},
            },
            "greater_than",
        ),
        (
            {
                "status": "succeeded",
                "contract": {"amount": "5.00", "contract_type": "gift", "signed_on": "2025-01-01"},
            },
            "enum",
        ),
        ({"status": "finished"}, "enum"),
    ],
)
async def test_bad_moves_are_422(matching: Matching, body: dict[str, Any], rule: str) -> None:
    match = await docking(
        matching, state=MatchStatus.proposed if body["status"] == "docking" else MatchStatus.docking
    )
    response = await matching.client.patch(
        f"/api/v1/matches/{match['id']}", json=body, headers=matching.admin
    )
    assert response.status_code == 422, response.text
    assert rule in {e["rule"] for e in response.json()["errors"]}


async def test_an_expired_demand_takes_no_new_docking(matching: Matching) -> None:
    match = await docking(matching)
    # 2031-01-01 in Daye: past every deadline the helpers set.
    with time_machine.travel(datetime(2030, 12, 31, 16, 30, tzinfo=UTC), tick=False):
        moved = await matching.client.patch(
            f"/api/v1/matches/{match['id']}", json={"status": "docking"}, headers=matching.admin
        )
        assert (moved.status_code, moved.json()["code"]) == (409, "demand_expired")
        new = await matching.client.post(
            "/api/v1/matches",
            json={"demand_id": match["demand"]["id"], "supply_id": match["supply"]["id"]},
            headers=matching.admin,
        )
        assert (new.status_code, new.json()["code"]) == (409, "demand_expired")
        swept = await matching.client.post("/api/v1/demands/close-expired", headers=matching.admin)
        assert swept.json() == {"closed_demands": 1, "closed_matches": 1}
        demand = await matching.client.get(f"/api/v1/demands/{match['demand']['id']}", headers=matching.admin)
        assert demand.json()["status"] == "closed"
        refused = await matching.client.post(
            "/api/v1/demands/close-expired", headers=matching.enterprise(FOUNDRY)
        )
        assert refused.status_code == 403


async def test_duplicates_capacity_and_kinds(matching: Matching) -> None:
    expert = await supply(matching, capacity=1)
    first = await post(matching)
    second = await post(matching, title="砂型铸造开裂问题攻关")
    me = matching.enterprise(FOUNDRY)
    ok = await matching.client.post(
        "/api/v1/matches", json={"demand_id": first["id"], "supply_id": expert["id"]}, headers=me
    )
    assert ok.status_code == 201
    again = await matching.client.post(
        "/api/v1/matches", json={"demand_id": first["id"], "supply_id": expert["id"]}, headers=me
    )
    assert (again.status_code, again.json()["code"]) == (409, "match_exists")
    full = await matching.client.post(
        "/api/v1/matches", json={"demand_id": second["id"], "supply_id": expert["id"]}, headers=me
    )
    assert (full.status_code, full.json()["code"]) == (409, "supply_at_capacity")
    loan = await matching.client.post(
        "/api/v1/supplies",
        json={
            "kind": "finance_product",
            "name": "科创贷",
            "provider": "湖北银行黄石分行",
            "description": "科技型企业信用贷款",
            "max_amount": "10000000.00",
            "financing": "loan",
        },
        headers=matching.admin,
    )
    wrong = await matching.client.post(
        "/api/v1/matches", json={"demand_id": second["id"], "supply_id": loan.json()["id"]}, headers=me
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["rule"] == "supply_kind_mismatch"


async def test_both_sides_are_told(matching: Matching) -> None:
    expert = await supply(matching)
    demand = await post(matching)
    owner = matching.as_(OWNER, "viewer")
    responded = await matching.client.post(
        "/api/v1/matches",
        json={"demand_id": demand["id"], "supply_id": expert["id"], "note": "我们团队可以揭榜"},
        headers=owner,
    )
    assert responded.status_code == 201
    assert responded.json()["origin"] == "supplier"
    inbox = (await matching.client.get("/api/v1/notifications", headers=matching.enterprise(FOUNDRY))).json()
    kinds = [n["kind"] for n in inbox["items"]]
    assert kinds == ["new_recommendation", "new_response"]
    last = inbox["items"][-1]["id"]
    await matching.client.patch(
        f"/api/v1/matches/{responded.json()['id']}",
        json={"status": "docking"},
        headers=matching.enterprise(FOUNDRY),
    )
    owner_inbox = (await matching.client.get("/api/v1/notifications", headers=owner)).json()
    assert [n["kind"] for n in owner_inbox["items"]] == ["new_recommendation", "match_status"]
    polled = await matching.client.get(
        "/api/v1/notifications", params={"after_id": last}, headers=matching.enterprise(FOUNDRY)
    )
    assert polled.json()["total"] == 0  # the enterprise made the move itself
    read = await matching.client.patch(
        f"/api/v1/notifications/{last}", json={"read": True}, headers=matching.enterprise(FOUNDRY)
    )
    assert read.json()["read_at"] is not None
    stolen = await matching.client.patch(f"/api/v1/notifications/{last}", json={"read": True}, headers=owner)
    assert stolen.status_code == 404
    unread = await matching.client.get(
        "/api/v1/notifications", params={"unread": True}, headers=matching.enterprise(FOUNDRY)
    )
    assert last not in [n["id"] for n in unread.json()["items"]]


async def test_a_dead_delivery_is_listed_counted_and_retried_by_the_bureau(make_matching: Any) -> None:
    matching: Matching = await make_matching(outbox_max_attempts=2, outbox_backoff_seconds=0.01)
    match = await docking(matching, state=MatchStatus.docking)
    contract = {"amount": "500000.00", "contract_type": "transfer", "signed_on": "2025-06-30"}
    await matching.client.patch(
        f"/api/v1/matches/{match['id']}",
        json={"status": "succeeded", "contract": contract},
        headers=matching.admin,
    )
    matching.indicator.refuse_inbox = 2
    for _ in range(2):
        await _due_now(matching)
        assert await matching.deliver() == 0
    dead = await matching.client.get("/api/v1/outbox", params={"state": "dead"}, headers=matching.admin)
    [row] = dead.json()["items"]
    assert (row["type"], row["attempts"], row["destination"]) == ("match.succeeded", 2, "indicator-api")
    metrics = (await matching.client.get("/metrics")).text
    assert 'daye_outbox_events{state="dead"} 1.0' in metrics
    assert await matching.deliver() == 0  # dead stays dead
    refused = await matching.client.post(
        f"/api/v1/outbox/{row['id']}/retry", headers=matching.enterprise(FOUNDRY)
    )
    assert refused.status_code == 403
    retried = await matching.client.post(f"/api/v1/outbox/{row['id']}/retry", headers=matching.admin)
    assert (retried.status_code, retried.json()["state"], retried.json()["attempts"]) == (200, "pending", 0)
    again = await matching.client.post(f"/api/v1/outbox/{row['id']}/retry", headers=matching.admin)
    assert (again.status_code, again.json()["code"]) == (409, "outbox_event_not_dead")
    assert await matching.deliver() == 1
    assert matching.indicator.contracts[str(match["id"])]["amount"] == "500000.00"
    assert 'daye_outbox_events{state="dead"} 0.0' in (await matching.client.get("/metrics")).text
