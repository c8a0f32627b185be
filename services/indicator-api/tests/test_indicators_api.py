"""Recording values (with revisions), bulk all-or-nothing, targets, and who may write which unit."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from daye_demo.enterprises import DEMO_ENTERPRISES
from daye_dev.pytest_plugin import bearer

from .conftest import DEMO_PASSWORD

JINNIU, BAOAN, CITY = "420281101", "420281102", "420281"
VALUES = "/api/v1/indicators/graduates_new/values"


def figure(value: str, region: str = JINNIU, month: int = 10, **extra: object) -> dict[str, object]:
    return {
        "region_code": region,
        "year": 2025,
        "month": month,
        "value": value,
        "provenance": "administrative",
        **extra,
    }


async def test_catalogue_holds_every_figure_of_the_report(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    body = (await client.get("/api/v1/indicators", headers=admin)).json()
    by_code = {i["code"]: i for i in body["items"]}
    assert body["total"] == 25
    assert (by_code["tech_contract_turnover"]["unit"], by_code["tech_contract_turnover"]["accumulation"]) == (
        "亿元",
        "cumulative",
    )
    assert by_code["policy_funds_outstanding"]["higher_is_better"] is False
    rate = by_code["supply_chain_match_rate"]
    assert (rate["numerator_code"], rate["denominator_code"]) == (
        "supply_chain_demands_matched",
        "supply_chain_demands_posted",
    )


async def test_admin_defines_indicators_and_a_ratio_needs_its_terms(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    new = {
        "code": "patents_granted",
        "name": "发明专利授权量",
        "unit": "件",
        "category": "知识产权",
        "accumulation": "cumulative",
        "additive": True,
    }
    assert (await client.post("/api/v1/indicators", json=new, headers=admin)).status_code == 201
    assert (await client.post("/api/v1/indicators", json=new, headers=admin)).json()[
        "code"
    ] == "indicator_exists"
    ratio = {**new, "code": "patents_per_hte", "accumulation": "ratio", "additive": False}
    missing_terms = await client.post("/api/v1/indicators", json=ratio, headers=admin)
    assert missing_terms.status_code == 422
    unknown = await client.post(
        "/api/v1/indicators",
        json={**ratio, "numerator_code": "patents_granted", "denominator_code": "nope"},
        headers=admin,
    )
    assert unknown.json()["errors"][0]["field"] == "body.denominator_code"
    viewer = await bearer(client, "viewer", DEMO_PASSWORD)
    assert (
        await client.post("/api/v1/indicators", json={**new, "code": "x_y"}, headers=viewer)
    ).status_code == 403


async def test_a_correction_is_a_new_revision_and_the_old_one_stays(client: httpx.AsyncClient) -> None:
    township = await bearer(client, JINNIU, DEMO_PASSWORD)
    first = await client.post(VALUES, json=figure("120"), headers=township)
    assert first.status_code == 201
    assert (first.json()["revision"], first.json()["value"], first.json()["recorded_by"]) == (
        1,
        "120",
        JINNIU,
    )
    again = await client.post(VALUES, json=figure("120"), headers=township)
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    corrected = await client.post(VALUES, json=figure("125.5", note="补报两人"), headers=township)
    assert corrected.status_code == 201
    assert corrected.json()["revision"] == 2

    current = (await client.get(VALUES, params={"region": JINNIU, "year": 2025}, headers=township)).json()
    assert [(v["period"], v["value"], v["revision"]) for v in current["items"]] == [(10, "125.5", 2)]
    history = (
        await client.get(VALUES, params={"region": JINNIU, "year": 2025, "history": True}, headers=township)
    ).json()
    october = [(v["revision"], v["value"]) for v in history["items"] if v["period"] == 10]
    assert october == [(1, "120"), (2, "125.5")]


@pytest.mark.parametrize("username", ["viewer", DEMO_ENTERPRISES[0].credit_code])
async def test_readers_cannot_record(client: httpx.AsyncClient, username: str) -> None:
    headers = await bearer(client, username, DEMO_PASSWORD)
    assert (await client.post(VALUES, json=figure("1", region=CITY), headers=headers)).status_code == 403


async def test_a_township_records_and_reads_only_its_own_unit(client: httpx.AsyncClient) -> None:
    township = await bearer(client, JINNIU, DEMO_PASSWORD)
    other = await client.post(VALUES, json=figure("5", region=BAOAN), headers=township)
    assert other.status_code == 403
    assert (await client.get(VALUES, params={"region": BAOAN}, headers=township)).status_code == 403
    city = await client.get(
        "/api/v1/indicators/tech_contract_turnover/progress",
        params={"year": 2025, "as_of": "2025-09-30"},
        headers=township,
    )
    assert city.status_code == 200
    foreign = await client.get(
        "/api/v1/indicators/tech_contract_turnover/progress",
        params={"year": 2025, "as_of": "2025-09-30", "region": BAOAN},
        headers=township,
    )
    assert foreign.status_code == 403


async def test_bulk_is_all_or_nothing_and_names_every_bad_row(client: httpx.AsyncClient) -> None:
    township = await bearer(client, JINNIU, DEMO_PASSWORD)
    rows = [
        {"indicator_code": "graduates_new", **figure("10", month=10)},
        {"indicator_code": "no_such_indicator", **figure("1")},
        {"indicator_code": "graduates_new", **figure("3", region=BAOAN)},
        {"indicator_code": "graduates_new", **figure("4", region="999")},
        {"indicator_code": "supply_chain_match_rate", **figure("0.5")},
        {"indicator_code": "graduates_new", **figure("12", month=11)},
    ]
    response = await client.post("/api/v1/indicator-values/bulk", json={"items": rows}, headers=township)
    assert response.status_code == 422
    named = {(e["field"], e["rule"]) for e in response.json()["errors"]}
    assert named == {
        ("body.items.1.indicator_code", "unknown_indicator"),
        ("body.items.2.region_code", "not_your_unit"),
        ("body.items.3.region_code", "unknown_region"),
        ("body.items.4.indicator_code", "computed_indicator"),
    }
    assert (await client.get(VALUES, params={"region": JINNIU}, headers=township)).json()["total"] == 0

    bad_value = [
        {"indicator_code": "graduates_new", **figure("1.23456")},
        {"indicator_code": "graduates_new", **figure("x")},
    ]
    response = await client.post("/api/v1/indicator-values/bulk", json={"items": bad_value}, headers=township)
    assert {e["field"] for e in response.json()["errors"]} == {"body.items.0.value", "body.items.1.value"}

    twice = [rows[0], {**rows[0], "value": "11"}]
    response = await client.post("/api/v1/indicator-values/bulk", json={"items": twice}, headers=township)
    assert response.json()["errors"][0]["field"] == "body.items.1"
    assert response.json()["errors"][0]["rule"] == "duplicate_in_batch"

    good = [rows[0], rows[5]]
    written = await client.post("/api/v1/indicator-values/bulk", json={"items": good}, headers=township)
    assert written.json() == {"written": 2, "unchanged": 0}
    replay = await client.post("/api/v1/indicator-values/bulk", json={"items": good}, headers=township)
    assert replay.json() == {"written": 0, "unchanged": 2}


async def test_targets_and_progress_of_a_township(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    target = await client.put(
        "/api/v1/indicators/graduates_new/targets/2025",
        json={"region_code": JINNIU, "value": "200"},
        headers=admin,
    )
    assert target.status_code == 200
    assert (target.json()["value"], target.json()["region_code"]) == ("200", JINNIU)
    await client.post(VALUES, json=figure("90", month=6), headers=admin)
    body = (
        await client.get(
            "/api/v1/indicators/graduates_new/progress",
            params={"year": 2025, "as_of": "2025-06-30", "region": JINNIU, "pace": "quarter"},
            headers=admin,
        )
    ).json()
    assert (body["actual"], body["target"], body["status"], body["expected"]) == (
        "90",
        "200",
        "behind",
        "100",
    )
    assert body["completion_rate"] == 0.45
    township = await bearer(client, JINNIU, DEMO_PASSWORD)
    refused = await client.put(
        "/api/v1/indicators/graduates_new/targets/2025", json={"value": "1"}, headers=township
    )
    assert refused.status_code == 403


async def test_technology_contracts_move_the_turnover(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    enterprise = DEMO_ENTERPRISES[0]  # in 金牛镇
    params = {"year": 2025, "as_of": "2025-10-31"}

    async def turnover(region: str) -> str:
        response = await client.get(
            "/api/v1/indicators/tech_contract_turnover/progress",
            params={**params, "region": region},
            headers=admin,
        )
        return str(response.json()["actual"])

    before_city, before_unit = await turnover(CITY), await turnover(enterprise.region_code)
    contract = {
        "source": "matching-api",
        "source_id": "match-1",
        "credit_code": enterprise.credit_code,
        "amount": "12500000.00",
        "contract_type": "development",
        "signed_on": "2025-10-15",
    }
    first = await client.post("/api/v1/tech-contracts", json=contract, headers=admin)
    assert first.status_code == 201, first.text
    assert first.json()["region_code"] == enterprise.region_code
    assert await turnover(CITY) == "34.375"  # 34.25亿 + 1250万
    assert float(await turnover(enterprise.region_code)) == pytest.approx(float(before_unit) + 0.125)
    assert before_city == "34.25"

    replay = await client.post("/api/v1/tech-contracts", json=contract, headers=admin)
    assert replay.status_code == 200
    assert replay.json()["id"] == first.json()["id"]
    assert await turnover(CITY) == "34.375"
    changed = await client.post("/api/v1/tech-contracts", json={**contract, "amount": "1.00"}, headers=admin)
    assert changed.status_code == 409
    # signed in June: the June figure and every later one of the year move
    june = await client.post(
        "/api/v1/tech-contracts",
        json={**contract, "source_id": "match-2", "signed_on": "2025-06-01"},
        headers=admin,
    )
    assert june.status_code == 201
    assert await turnover(CITY) == "34.5"
    # Traced contract by contract, a page at a time, and by signing month.
    listed = await client.get("/api/v1/tech-contracts?source=matching-api&limit=1&offset=1", headers=admin)
    assert listed.status_code == 200, listed.text
    assert listed.json()["total"] == 2
    assert len(listed.json()["items"]) == 1
    in_june = await client.get("/api/v1/tech-contracts?signed_month=2025-06", headers=admin)
    assert [c["source_id"] for c in in_june.json()["items"]] == ["match-2"]
    bad_month = await client.get("/api/v1/tech-contracts?signed_month=2025-13", headers=admin)
    assert bad_month.status_code == 422
    assert "signed_month" in bad_month.text
    township = await bearer(client, enterprise.region_code, DEMO_PASSWORD)
    refused = await client.post(
        "/api/v1/tech-contracts", json={**contract, "source_id": "m3"}, headers=township
    )
    assert refused.status_code == 403
    unknown = await client.post(
        "/api/v1/tech-contracts",
        json={**contract, "source_id": "m4", "credit_code": "91420281MA9000001" + "9"},
        headers=admin,
    )
    assert unknown.status_code == 422


async def test_contracts_not_in_whole_wan_yuan_move_the_turnover_by_their_rounded_sum(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    """Regression: a contract of 1 元 used to fail with 500 (the figure keeps 亿元 to four places)."""
    credit_code = DEMO_ENTERPRISES[0].credit_code

    async def turnover() -> Decimal:
        response = await client.get(
            "/api/v1/indicators/tech_contract_turnover/progress",
            params={"year": 2025, "as_of": "2025-10-31", "region": CITY},
            headers=admin,
        )
        return Decimal(str(response.json()["actual"]))

    before = await turnover()
    amounts = ["1.00", "4999.99", "3000.01", "12345.67", "2654.33"]  # 23,001.00 元 in all
    for n, amount in enumerate(amounts):
        contract = {
            "source": "matching-api",
            "source_id": f"small-{n}",
            "credit_code": credit_code,
            "amount": amount,
            "contract_type": "service",
            "signed_on": "2025-10-01",
        }
        response = await client.post("/api/v1/tech-contracts", json=contract, headers=admin)
        assert response.status_code == 201, response.text
    assert await turnover() - before == Decimal("0.0002")  # 2.3001 万元, rounded once
