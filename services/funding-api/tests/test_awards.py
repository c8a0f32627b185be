"""Awards: checked against the registry, approved by a second person, generated once per period."""

from __future__ import annotations

import pytest

from daye_kit.credit_code import complete
from daye_kit.errors import PeerUnavailable

from .conftest import Stack
from .helpers import DEMO_ENTERPRISES, HEAT_EXCHANGERS, HTE_2024, JINNIU_FOUNDRY, make_award, make_program

HTE_RULE = {"qualification": "hte", "granted_year": 2024, "amount": "300000.00"}


async def test_an_award_names_the_registry_enterprise_and_its_unit(
    stack: Stack, admin: dict[str, str]
) -> None:
    program = await make_program(stack.funding, admin)
    award = await make_award(stack.funding, admin, program["id"], credit_code=HEAT_EXCHANGERS.credit_code)
    assert award["enterprise_name"] == "湖北金港换热器科技有限公司"
    assert award["region_code"] == "420281401"
    assert (award["status"], award["mode"], award["paid"], award["outstanding"]) == (
        "pending",
        "application",
        "0.00",
        "0.00",
    )
    assert award["basis"] == {
        "kind": "application",
        "description": "申请 KJCX-2025-001",
        "rule_id": None,
        "rule_version": None,
        "qualification": None,
        "granted_year": None,
        "application_no": "KJCX-2025-001",
    }
    assert award["created_by"] == "admin"
    assert award["created_request_id"]


async def test_unknown_or_malformed_enterprises_are_refused(stack: Stack, admin: dict[str, str]) -> None:
    program = await make_program(stack.funding, admin)
    body = {"program_id": program["id"], "amount": "1.00", "application_no": "A-1"}
    code = complete("91420281MA9999999")
    unknown = await stack.funding.post("/api/v1/awards", json={**body, "credit_code": code}, headers=admin)
    assert unknown.status_code == 422, unknown.text
    assert unknown.json()["errors"] == [
        {
            "field": "body.credit_code",
            "rule": "unknown_enterprise",
            "message": f"enterprise {code} is not in the registry",
        }
    ]
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    malformed = await stack.funding.post("/api/v1/awards", json={**body, "credit_code": wrong}, headers=admin)
    assert malformed.status_code == 422
    assert malformed.json()["errors"][0]["rule"] == "credit_code"
    assert "check character" in malformed.json()["errors"][0]["message"]
    no_program = await stack.funding.post(
        "/api/v1/awards",
        json={**body, "program_id": 999, "credit_code": JINNIU_FOUNDRY.credit_code},
        headers=admin,
    )
    assert no_program.json()["errors"][0]["rule"] == "unknown_program"
    listed = await stack.funding.get("/api/v1/awards", headers=admin)
    assert listed.json()["total"] == 0


async def test_the_approver_must_not_be_the_maker(
    stack: Stack, admin: dict[str, str], checker: dict[str, str]
) -> None:
    program = await make_program(stack.funding, admin, budget="500000.00")
    award = await make_award(stack.funding, admin, program["id"], amount="300000.00")
    own = await stack.funding.post(f"/api/v1/awards/{award['id']}/approval", headers=admin)
    assert own.status_code == 403
    assert own.json()["code"] == "same_person"
    approved = await stack.funding.post(
        f"/api/v1/awards/{award['id']}/approval", json={"note": "材料齐全"}, headers=checker
    )
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert (body["status"], body["decided_by"], body["decision_note"]) == ("approved", "checker", "材料齐全")
    assert (body["outstanding"], body["paid"]) == ("300000.00", "0.00")
    assert body["approved_on"]
    again = await stack.funding.post(f"/api/v1/awards/{award['id']}/approval", headers=checker)
    assert (again.status_code, again.json()["code"]) == (409, "award_not_pending")
    program_now = (await stack.funding.get(f"/api/v1/programs/{program['id']}", headers=admin)).json()
    assert (program_now["committed"], program_now["available"]) == ("300000.00", "200000.00")


async def test_approval_cannot_promise_more_than_the_budget(
    stack: Stack, admin: dict[str, str], checker: dict[str, str]
) -> None:
    program = await make_program(stack.funding, admin, budget="500000.00")
    first = await make_award(stack.funding, admin, program["id"], amount="300000.00")
    second = await make_award(stack.funding, admin, program["id"], amount="300000.00", application_no="A-2")
    assert (
        await stack.funding.post(f"/api/v1/awards/{first['id']}/approval", headers=checker)
    ).status_code == 200
    refused = await stack.funding.post(f"/api/v1/awards/{second['id']}/approval", headers=checker)
    assert (refused.status_code, refused.json()["code"]) == (409, "budget_exceeded")
    rejected = await stack.funding.post(
        f"/api/v1/awards/{second['id']}/rejection", json={"reason": "预算不足,转入下年度"}, headers=checker
    )
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["outstanding"] == "0.00"


async def test_automatic_awards_need_the_qualification(stack: Stack, admin: dict[str, str]) -> None:
    program = await make_program(stack.funding, admin, rule=HTE_RULE)
    made = await stack.funding.post(
        "/api/v1/awards",
        json={"program_id": program["id"], "credit_code": HTE_2024.credit_code, "mode": "automatic"},
        headers=admin,
    )
    assert made.status_code == 201, made.text
    award = made.json()
    assert (award["amount"], award["period"], award["mode"]) == ("300000.00", 2024, "automatic")
    assert award["basis"]["kind"] == "rule"
    assert (award["basis"]["rule_version"], award["basis"]["qualification"]) == (1, "hte")
    twice = await stack.funding.post(
        "/api/v1/awards",
        json={"program_id": program["id"], "credit_code": HTE_2024.credit_code, "mode": "automatic"},
        headers=admin,
    )
    assert (twice.status_code, twice.json()["code"]) == (409, "award_exists")
    unqualified = await stack.funding.post(
        "/api/v1/awards",
        json={"program_id": program["id"], "credit_code": JINNIU_FOUNDRY.credit_code, "mode": "automatic"},
        headers=admin,
    )
    assert unqualified.status_code == 422
    assert unqualified.json()["errors"][0]["rule"] == "not_qualified"


def _holders(kind: str, year: int) -> set[str]:
    return {
        e.credit_code
        for e in DEMO_ENTERPRISES
        if any(k == kind and d.year == year for k, d in e.qualifications)
    }


async def test_generation_reads_the_registry_and_runs_once_per_period(
    stack: Stack, admin: dict[str, str]
) -> None:
    program = await make_program(stack.funding, admin, budget="20000000.00", rule=HTE_RULE)
    expected = _holders("hte", 2024)
    assert HTE_2024.credit_code in expected
    first = await stack.funding.post(f"/api/v1/programs/{program['id']}/automatic-awards", headers=admin)
    assert first.status_code == 200, first.text
    result = first.json()
    assert (result["qualified"], result["created"], result["existing"]) == (len(expected), len(expected), 0)
    assert {a["credit_code"] for a in result["awards"]} == expected  # all registry pages were read
    award = next(a for a in result["awards"] if a["credit_code"] == HTE_2024.credit_code)
    assert (award["status"], award["amount"], award["basis"]["rule_version"]) == ("pending", "300000.00", 1)
    assert (award["enterprise_name"], award["region_code"]) == (HTE_2024.name, HTE_2024.region_code)
    second = (
        await stack.funding.post(f"/api/v1/programs/{program['id']}/automatic-awards", headers=admin)
    ).json()
    assert (second["qualified"], second["created"], second["existing"]) == (len(expected), 0, len(expected))
    assert (await stack.funding.get("/api/v1/awards", headers=admin)).json()["total"] == len(expected)

    # A new rule version for another period generates that period's awards, naming the new version.
    await stack.funding.post(
        f"/api/v1/programs/{program['id']}/rules",
        json={"qualification": "new_species", "granted_year": 2024, "amount": "500000"},
        headers=admin,
    )
    third = (
        await stack.funding.post(f"/api/v1/programs/{program['id']}/automatic-awards", headers=admin)
    ).json()
    assert third["rule_version"] == 2
    assert {a["credit_code"] for a in third["awards"]} == _holders("new_species", 2024)
    assert {a["amount"] for a in third["awards"]} == {"500000.00"}


async def test_without_a_rule_nothing_is_generated(stack: Stack, admin: dict[str, str]) -> None:
    program = await make_program(stack.funding, admin)
    response = await stack.funding.post(f"/api/v1/programs/{program['id']}/automatic-awards", headers=admin)
    assert (response.status_code, response.json()["code"]) == (409, "program_has_no_rule")


async def test_registry_down_is_a_503_and_writes_nothing(
    stack: Stack, admin: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    program = await make_program(stack.funding, admin, rule=HTE_RULE)
    stack.app.state.indicator.base_url = "http://127.0.0.1:9"  # nothing listens there
    monkeypatch.setattr(stack.app.state.indicator, "retries", 0)
    made = await stack.funding.post(
        "/api/v1/awards",
        json={"program_id": program["id"], "credit_code": HTE_2024.credit_code, "mode": "automatic"},
        headers=admin,
    )
    assert (made.status_code, made.json()["code"]) == (503, PeerUnavailable.code)
    generated = await stack.funding.post(f"/api/v1/programs/{program['id']}/automatic-awards", headers=admin)
    assert generated.status_code == 503
    assert (await stack.funding.get("/api/v1/awards", headers=admin)).json()["total"] == 0


async def test_who_sees_which_awards(stack: Stack, admin: dict[str, str]) -> None:
    program = await make_program(stack.funding, admin)
    jinniu = await make_award(stack.funding, admin, program["id"], credit_code=JINNIU_FOUNDRY.credit_code)
    park = await make_award(stack.funding, admin, program["id"], credit_code=HEAT_EXCHANGERS.credit_code)

    async def visible(account: str) -> set[int]:
        headers = await stack.headers(account)
        return {a["id"] for a in (await stack.funding.get("/api/v1/awards", headers=headers)).json()["items"]}

    # The auditor reads every award; a viewer sees aggregates only, no individual award.
    assert await visible("auditor") == {jinniu["id"], park["id"]}
    viewer = await stack.headers("viewer")
    listed = await stack.funding.get("/api/v1/awards", headers=viewer)
    assert (listed.status_code, listed.json()["code"]) == (403, "forbidden")
    one = await stack.funding.get(f"/api/v1/awards/{park['id']}", headers=viewer)
    assert one.status_code == 403
    assert await visible("420281101") == {jinniu["id"]}  # 金牛镇
    assert await visible("420281102") == set()  # 保安镇
    assert await visible(HEAT_EXCHANGERS.credit_code) == {park["id"]}
    enterprise = await stack.headers(JINNIU_FOUNDRY.credit_code)
    other = await stack.funding.get(f"/api/v1/awards/{park['id']}", headers=enterprise)
    assert (other.status_code, other.json()["code"]) == (404, "award_not_found")
    assert (await stack.funding.get(f"/api/v1/awards/{jinniu['id']}", headers=enterprise)).status_code == 200
    body = {
        "program_id": program["id"],
        "credit_code": JINNIU_FOUNDRY.credit_code,
        "amount": "1",
        "application_no": "x",
    }
    auditor = await stack.headers("auditor")
    for headers in (viewer, auditor, enterprise, await stack.headers("420281101")):
        assert (await stack.funding.post("/api/v1/awards", json=body, headers=headers)).status_code == 403
        approval = await stack.funding.post(f"/api/v1/awards/{jinniu['id']}/approval", headers=headers)
        assert approval.status_code == 403
