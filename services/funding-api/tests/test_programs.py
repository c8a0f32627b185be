"""Programmes: budgets allocated through the ledger, versioned rules, who may create them."""

from __future__ import annotations

from .conftest import Stack
from .helpers import make_program


async def test_a_programme_allocates_its_budget_in_the_ledger(stack: Stack, admin: dict[str, str]) -> None:
    rule = {"qualification": "hte", "granted_year": 2024, "amount": "200000"}
    program = await make_program(
        stack.funding, admin, budget="12000000", name="科技十八条·高企认定奖励", rule=rule
    )
    assert program["budget"] == "12000000.00"
    assert (program["available"], program["remaining"], program["committed"]) == ("12000000.00",) * 2 + (
        "0.00",
    )
    assert program["rule"]["version"] == 1
    assert program["rule"]["amount"] == "200000.00"
    entries = await stack.funding.get(
        "/api/v1/ledger/entries", params={"program_id": program["id"]}, headers=admin
    )
    lines = {(e["kind"], e["account"], e["amount"]) for e in entries.json()["items"]}
    assert lines == {
        ("budget_allocated", "funding_source", "-12000000.00"),
        ("budget_allocated", "program_available", "12000000.00"),
    }
    assert {e["created_by"] for e in entries.json()["items"]} == {"admin"}
    assert all(e["request_id"] for e in entries.json()["items"])


async def test_same_name_and_year_is_a_conflict(stack: Stack, admin: dict[str, str]) -> None:
    await make_program(stack.funding, admin, name="省科技创新券(2025年)")
    again = await stack.funding.post(
        "/api/v1/programs",
        json={"name": "省科技创新券(2025年)", "source_level": "province", "year": 2025, "budget": "1"},
        headers=admin,
    )
    assert again.status_code == 409
    assert again.json()["code"] == "program_exists"


async def test_amounts_are_exact_decimal_strings(stack: Stack, admin: dict[str, str]) -> None:
    base = {"name": "x-program", "source_level": "daye", "year": 2025}
    for budget, rule in (
        (1800000.5, "money_type"),
        ("100.001", "money_places"),
        ("-1", "greater_than_equal"),
    ):
        response = await stack.funding.post(
            "/api/v1/programs", json={**base, "budget": budget}, headers=admin
        )
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["field"] == "body.budget"
        assert response.json()["errors"][0]["rule"] == rule


async def test_rules_get_new_versions_and_keep_the_old(stack: Stack, admin: dict[str, str]) -> None:
    program = await make_program(
        stack.funding, admin, rule={"qualification": "tech_sme", "granted_year": 2024, "amount": "20000"}
    )
    newer = await stack.funding.post(
        f"/api/v1/programs/{program['id']}/rules",
        json={"qualification": "tech_sme", "granted_year": 2025, "amount": "30000.00"},
        headers=admin,
    )
    assert newer.status_code == 201
    assert newer.json()["version"] == 2
    versions = (await stack.funding.get(f"/api/v1/programs/{program['id']}/rules", headers=admin)).json()
    assert [(r["version"], r["granted_year"], r["amount"]) for r in versions] == [
        (1, 2024, "20000.00"),
        (2, 2025, "30000.00"),
    ]
    read = (await stack.funding.get(f"/api/v1/programs/{program['id']}", headers=admin)).json()
    assert read["rule"]["version"] == 2


async def test_everyone_reads_programmes_only_the_bureau_creates_them(
    stack: Stack, admin: dict[str, str]
) -> None:
    program = await make_program(
        stack.funding, admin, name="省级科技计划项目资金(2025年)", source_level="province"
    )
    body = {"name": "y", "source_level": "daye", "year": 2025, "budget": "1.00"}
    for account in ("viewer", "420281101", "91420281MA0000001H"):
        headers = await stack.headers(account)
        listed = await stack.funding.get(
            "/api/v1/programs", params={"source_level": "province"}, headers=headers
        )
        assert [p["id"] for p in listed.json()["items"]] == [program["id"]]
        refused = await stack.funding.post("/api/v1/programs", json=body, headers=headers)
        assert refused.status_code == 403, account
    assert (await stack.funding.get("/api/v1/programs")).status_code == 401
    missing = await stack.funding.get("/api/v1/programs/999", headers=admin)
    assert (missing.status_code, missing.json()["code"]) == (404, "program_not_found")
