"""The policy calculator on its own (qualifications from the rules, programmes from their rules and
awards), outreach records, and a funding-api that is down."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal as D
from typing import Any

import httpx
import pytest_asyncio
from fastapi import FastAPI

from daye_demo.enterprises import DEMO_ENTERPRISES
from daye_dev.figures import qualifying_figures
from daye_dev.pytest_plugin import bearer, running
from indicator_api.config import Settings
from indicator_api.cultivation.figures import CandidateFigures
from indicator_api.main import create_app
from indicator_api.peers import FundingAward, FundingProgram, ProgramRule
from indicator_api.policies.calculator import Grant, policies_of

from .conftest import DEMO_PASSWORD

M = 1_000_000
AS_OF = date(2025, 9, 30)
ENTERPRISE, OTHER = DEMO_ENTERPRISES[0], DEMO_ENTERPRISES[1]


def figures(**overrides: Any) -> CandidateFigures:
    """Figures that meet every condition of both qualifications, but for `overrides`."""
    return CandidateFigures.model_validate(qualifying_figures(**overrides))


def program(
    pid: int, qualification: str | None, year: int = 2025, amount: str = "300000.00"
) -> FundingProgram:
    rule = (
        None
        if qualification is None
        else ProgramRule(id=pid, version=1, qualification=qualification, granted_year=year, amount=D(amount))
    )
    return FundingProgram(id=pid, name=f"项目{pid}", source_level="daye", year=2025, rule=rule)


def award(pid: int, status: str = "approved", amount: str = "300000.00") -> FundingAward:
    return FundingAward(
        id=100 + pid, program_id=pid, credit_code="X", amount=D(amount), status=status, mode="automatic"
    )


def statuses(items: list[Any]) -> dict[str, str]:
    return {i.code: i.status.value for i in items}


def test_qualifications_follow_the_rules_and_the_registry() -> None:
    hte_2024 = Grant("hte", 2024, date(2024, 12, 10), date(2027, 12, 9))
    items = policies_of(grants=[hte_2024], figures=figures(), programs=[], awards=[], as_of=AS_OF)
    assert statuses(items) == {"hte": "held", "tech_sme": "eligible_now", "new_species": "not_eligible"}
    held = items[0]
    assert (held.amount, held.missing, held.basis) == (None, [], "2024-12-10 认定,有效期至 2027-12-09")

    # Two conditions short (high-tech revenue share, innovation score): next, with both gaps named.
    short = figures(high_tech_revenue=str(20 * M), innovation_scores=None)
    [hte] = [
        i
        for i in policies_of(grants=[], figures=short, programs=[], awards=[], as_of=AS_OF)
        if i.code == "hte"
    ]
    assert hte.status.value == "next"
    assert [m.code for m in hte.missing] == ["high_tech_revenue_share", "innovation_score"]
    assert hte.missing[0].required == "≥ 60%"
    assert hte.missing[0].actual == "40%"

    # A third one short is not next; a condition no coaching changes (a major accident) rules it out.
    shorter = figures(high_tech_revenue=str(20 * M), innovation_scores=None, rd_domestic_share="0.5")
    assert statuses(policies_of(grants=[], figures=shorter, programs=[], awards=[], as_of=AS_OF))["hte"] == (
        "not_eligible"
    )
    accident = figures(innovation_scores=None, exclusions={"major_accident": True})
    [hte] = [
        i
        for i in policies_of(grants=[], figures=accident, programs=[], awards=[], as_of=AS_OF)
        if i.code == "hte"
    ]
    assert hte.status.value == "not_eligible"
    assert hte.basis.startswith("不符合:")

    # No figures: nothing to judge by, and it says what is missing.
    [hte, *_] = policies_of(grants=[], figures=None, programs=[], awards=[], as_of=AS_OF)
    assert (hte.status.value, [m.code for m in hte.missing]) == ("not_eligible", ["figures"])

    # An expired grant is not held.
    expired = Grant("tech_sme", 2024, date(2024, 5, 1), date(2024, 12, 31))
    assert (
        statuses(policies_of(grants=[expired], figures=None, programs=[], awards=[], as_of=AS_OF))["tech_sme"]
        == "not_eligible"
    )


def test_programmes_follow_their_rules_and_the_awards() -> None:
    grants = [Grant("tech_sme", 2025, date(2025, 4, 18), date(2025, 12, 31))]
    programs = [
        program(1, "tech_sme", 2025, "30000.00"),  # holds the qualification of the rule's year
        program(2, "hte", 2025),  # meets the conditions: next, within the year
        program(3, "hte", 2023),  # a past year's certification it does not have
        program(4, None),  # application only, no award: not listed
        program(5, None),  # application, awarded: held
        program(6, "tech_sme", 2025, "30000.00"),  # awarded, pending
        program(7, "tech_sme", 2025, "30000.00"),  # its award was rejected
    ]
    awards = [award(5, amount="600000.00"), award(6, "pending", "30000.00"), award(7, "rejected", "30000.00")]
    items = policies_of(grants=grants, figures=figures(), programs=programs, awards=awards, as_of=AS_OF)
    assert statuses(items) == {
        "hte": "eligible_now",
        "tech_sme": "held",
        "new_species": "not_eligible",
        "program:1": "eligible_now",
        "program:2": "next",
        "program:3": "not_eligible",
        "program:5": "held",
        "program:6": "held",
        "program:7": "not_eligible",
    }
    by_code = {i.code: i for i in items}
    assert by_code["program:1"].amount == D("30000.00")
    assert by_code["program:1"].source_level == "daye"
    assert by_code["program:5"].amount == D("600000.00")
    assert [m.code for m in by_code["program:2"].missing] == ["hte"]
    assert by_code["program:3"].missing[0].required == "2023 年认定"
    # Next year the 2025 rule for a certification it never got is out of reach.
    later = policies_of(
        grants=grants, figures=figures(), programs=programs[:2], awards=[], as_of=date(2026, 1, 5)
    )
    assert statuses(later)["program:2"] == "not_eligible"


@pytest_asyncio.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    # funding-api where nothing listens (the discard port), so the policies' peer is down.
    down = settings.model_copy(update={"funding_url": "http://127.0.0.1:9", "peer_retries": 0})
    async for started in running(create_app(down)):
        yield started


async def test_outreach_is_recorded_by_the_enterprises_township(client: httpx.AsyncClient) -> None:
    code = ENTERPRISE.credit_code
    township = await bearer(client, ENTERPRISE.region_code, DEMO_PASSWORD)
    body = {"action": "visited", "on": "2025-09-18", "note": "上门讲解入库奖励", "program": "program:5"}
    made = await client.post(f"/api/v1/enterprises/{code}/outreach", json=body, headers=township)
    assert made.status_code == 201, made.text
    assert {
        k: made.json()[k] for k in ("credit_code", "region_code", "action", "on", "program", "created_by")
    } == {
        "credit_code": code,
        "region_code": ENTERPRISE.region_code,
        "action": "visited",
        "on": "2025-09-18",
        "program": "program:5",
        "created_by": ENTERPRISE.region_code,
    }
    # Another township's enterprise is one that does not exist for this township.
    foreign = await client.post(
        f"/api/v1/enterprises/{OTHER.credit_code}/outreach", json=body, headers=township
    )
    assert foreign.status_code == 404
    assert foreign.json()["code"] == "enterprise_not_found"
    for bad, field in (
        ({**body, "action": "called"}, "action"),
        ({**body, "program": "hte2"}, "program"),
        ({**body, "on": "2999-01-01"}, "on"),
    ):
        refused = await client.post(f"/api/v1/enterprises/{code}/outreach", json=bad, headers=township)
        assert refused.status_code == 422, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == [f"body.{field}"]
    me = await bearer(client, code, DEMO_PASSWORD)
    listed = await client.get(f"/api/v1/enterprises/{code}/outreach", headers=me)
    assert listed.status_code == 200
    assert [(i["action"], i["note"]) for i in listed.json()["items"]] == [("visited", "上门讲解入库奖励")]
    refused = await client.post(f"/api/v1/enterprises/{code}/outreach", json=body, headers=me)
    assert refused.status_code == 403


async def test_a_funding_api_that_is_down_is_named(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    for path in (f"/api/v1/enterprises/{ENTERPRISE.credit_code}/policies", "/api/v1/outreach/coverage"):
        answer = await client.get(path, headers=admin)
        assert answer.status_code == 503, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["code"] == "peer_unavailable"
        assert "funding-api" in answer.json()["detail"]
