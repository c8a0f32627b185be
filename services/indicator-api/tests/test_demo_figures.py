"""The demo reproduces every figure of the report (shared/mission/figures.md) through the API."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

Q3 = {"year": 2025, "as_of": "2025-09-30"}


async def progress(
    client: httpx.AsyncClient, headers: dict[str, str], code: str, **params: object
) -> dict[str, object]:
    response = await client.get(
        f"/api/v1/indicators/{code}/progress", params={**Q3, **params}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


@pytest.mark.parametrize(
    ("code", "actual", "target", "completion", "status", "remaining"),
    [
        ("tech_contract_turnover", "34.25", "46.6", 0.735, "behind", "12.35"),
        ("hte_applications", "106", "154", 0.6883, "behind", "48"),
        ("tech_sme_registered", "888", "1000", 0.888, "ahead", "112"),
    ],
)
async def test_the_three_annual_targets_at_the_end_of_september(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    code: str,
    actual: str,
    target: str,
    completion: float,
    status: str,
    remaining: str,
) -> None:
    body = await progress(client, admin, code)
    assert (body["actual"], body["target"], body["status"], body["remaining"]) == (
        actual,
        target,
        status,
        remaining,
    )
    assert body["completion_rate"] == completion
    assert body["time_progress"] == 0.75


@pytest.mark.parametrize(
    ("code", "actual", "prior", "growth"),
    [
        ("rd_expenditure", "27.84", "25.6119", 0.087),
        ("rd_personnel", "8920", "8821", 0.0112),
        ("new_product_sales", "397.45", "389.2", 0.0212),
        ("rd_institutions", "341", "284", 0.2007),
    ],
)
async def test_research_figures_of_2024_grow_as_stated(
    client: httpx.AsyncClient, admin: dict[str, str], code: str, actual: str, prior: str, growth: float
) -> None:
    body = await progress(client, admin, code, year=2024, as_of="2024-12-31")
    assert (body["actual"], body["prior_value"]) == (actual, prior)
    assert round(float(str(body["yoy_growth"])), len(str(growth)) - 2) == growth


async def test_city_figures_are_the_sum_of_the_units(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    total = Decimal(0)
    units = (await client.get("/api/v1/regions", params={"parent_code": "420281"})).json()["items"]
    assert len(units) == 17
    for unit in units:
        body = await progress(client, admin, "tech_contract_turnover", region=unit["code"])
        assert body["target"] is None
        total += Decimal(str(body["actual"]))
    assert total == Decimal("34.25")
    values = await client.get(
        "/api/v1/indicators/tech_contract_turnover/values", params={"region": "420281"}, headers=admin
    )
    assert values.json()["total"] == 0  # nothing recorded at the city: its figure is summed


async def test_supply_chain_and_funds(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    rate = await progress(client, admin, "supply_chain_match_rate", as_of="2025-06-30")
    assert round(float(str(rate["actual"])), 3) == 0.571
    assert rate["target"] == "0.8"
    assert rate["status"] == "behind"
    posted = await progress(client, admin, "supply_chain_demands_posted", as_of="2025-06-30")
    assert (posted["actual"], posted["status"]) == ("686", "ahead")
    funds = await progress(client, admin, "policy_funds_outstanding")
    assert funds["actual"] == "5506.8"
    assert funds["indicator"]["unit"] == "万元"  # type: ignore[index]
    drawn = await progress(client, admin, "sci_tech_loan_drawdown_rate")
    assert float(str(drawn["actual"])) == pytest.approx(21.42 / 45.33, abs=1e-4)  # 47.3% drawn


async def test_dashboard_puts_the_laggards_first(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    body = (await client.get("/api/v1/dashboard", params=Q3, headers=admin)).json()
    statuses = [item["status"] for item in body["items"]]
    behind = [item["indicator"]["code"] for item in body["items"] if item["status"] == "behind"]
    assert statuses[: len(behind)] == ["behind"] * len(behind)
    assert {"tech_contract_turnover", "hte_applications", "high_level_talent_new"} <= set(behind)
    # the furthest behind first: 9.5% of the talent target at 75% of the year
    assert behind[0] == "high_level_talent_new"
    assert behind.index("hte_applications") < behind.index("tech_contract_turnover")
    codes = [item["indicator"]["code"] for item in body["items"]]
    assert len(codes) == len(set(codes)) == 25
    assert body["time_progress"] == 0.75
