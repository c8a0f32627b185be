"""The enterprise registry: validation, visibility by role, qualifications on a date."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from daye_demo.enterprises import DEMO_ENTERPRISES
from daye_dev.pytest_plugin import bearer
from daye_kit.credit_code import complete

from .conftest import DEMO_PASSWORD

JINNIU, BAOAN = "420281101", "420281102"
NEW_CODE = complete("91420281MA9000001")


def enterprise(code: str = NEW_CODE, region: str = JINNIU, **extra: object) -> dict[str, object]:
    return {
        "credit_code": code,
        "name": "大冶市测试铸造有限公司",
        "region_code": region,
        "industry": "铸造",
        **extra,
    }


async def test_regions_are_daye_and_its_17_units(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/v1/regions")).json()
    assert body["total"] == 18
    by_code = {r["code"]: r for r in body["items"]}
    assert by_code["420281"] == {"code": "420281", "name": "大冶市", "kind": "市", "parent_code": None}
    assert by_code[JINNIU]["name"] == "金牛镇"
    kinds = [r["kind"] for r in body["items"] if r["parent_code"] == "420281"]
    assert sorted(kinds).count("街道") == 5
    assert kinds.count("镇") == 10
    assert kinds.count("乡") == 1
    assert kinds.count("园区") == 1


async def test_admin_registers_with_qualifications_and_reads_back(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    body = enterprise(
        qualifications=[{"kind": "hte", "granted_on": "2024-12-10", "certificate_no": "GR202442001234"}]
    )
    created = await client.post("/api/v1/enterprises", json=body, headers=admin)
    assert created.status_code == 201, created.text
    read = (await client.get(f"/api/v1/enterprises/{NEW_CODE}", headers=admin)).json()
    assert read["name"] == "大冶市测试铸造有限公司"
    [hte] = read["qualifications"]
    assert (hte["kind"], hte["granted_year"], hte["expires_on"]) == ("hte", 2024, "2027-12-09")


@pytest.mark.parametrize(
    ("code", "rule_says"),
    [
        ("91420281MA900000", "must be 18 characters"),
        (NEW_CODE[:-1] + ("0" if NEW_CODE[-1] != "0" else "1"), "check character"),
        ("91420281MA9O00001X", "not in the alphabet"),
    ],
)
async def test_bad_credit_codes_are_refused_naming_the_fault(
    client: httpx.AsyncClient, admin: dict[str, str], code: str, rule_says: str
) -> None:
    response = await client.post("/api/v1/enterprises", json=enterprise(code), headers=admin)
    assert response.status_code == 422
    [error] = [e for e in response.json()["errors"] if e["field"] == "body.credit_code"]
    assert error["rule"] in ("credit_code", "string_too_short", "string_too_long")
    assert rule_says in error["message"]
    path = await client.get(f"/api/v1/enterprises/{code}", headers=admin)
    assert path.status_code == 422
    assert path.json()["errors"][0]["field"] == "path.credit_code"


async def test_unknown_unit_and_duplicates(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    unknown = await client.post("/api/v1/enterprises", json=enterprise(region="420281999"), headers=admin)
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0] == {
        "field": "body.region_code",
        "rule": "unknown_region",
        "message": "reporting unit 420281999 does not exist",
    }
    assert (await client.post("/api/v1/enterprises", json=enterprise(), headers=admin)).status_code == 201
    again = await client.post("/api/v1/enterprises", json=enterprise(), headers=admin)
    assert again.status_code == 409
    assert again.json()["code"] == "enterprise_exists"


async def test_townships_register_and_see_only_their_own(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    jinniu = await bearer(client, JINNIU, DEMO_PASSWORD)
    baoan = await bearer(client, BAOAN, DEMO_PASSWORD)
    other = await client.post("/api/v1/enterprises", json=enterprise(region=BAOAN), headers=jinniu)
    assert other.status_code == 403
    with_grant = enterprise(qualifications=[{"kind": "tech_sme", "granted_on": "2025-03-01"}])
    assert (await client.post("/api/v1/enterprises", json=with_grant, headers=jinniu)).status_code == 403
    assert (await client.post("/api/v1/enterprises", json=enterprise(), headers=jinniu)).status_code == 201

    listed = (await client.get("/api/v1/enterprises", params={"limit": 200}, headers=jinniu)).json()
    assert {e["region_code"] for e in listed["items"]} == {JINNIU}
    mine = (await client.get("/api/v1/enterprises", params={"name": "测试铸造"}, headers=jinniu)).json()
    assert [e["credit_code"] for e in mine["items"]] == [NEW_CODE]
    assert (await client.get(f"/api/v1/enterprises/{NEW_CODE}", headers=baoan)).status_code == 404
    assert (await client.get("/api/v1/enterprises", params={"region": JINNIU}, headers=baoan)).json()[
        "total"
    ] == 0
    moved = await client.patch(f"/api/v1/enterprises/{NEW_CODE}", json={"region_code": BAOAN}, headers=jinniu)
    assert moved.status_code == 403
    renamed = await client.patch(
        f"/api/v1/enterprises/{NEW_CODE}", json={"industry": "铸造与锻造"}, headers=jinniu
    )
    assert renamed.json()["industry"] == "铸造与锻造"
    assert renamed.json()["region_code"] == JINNIU


async def test_an_enterprise_sees_and_edits_only_itself(client: httpx.AsyncClient) -> None:
    me, other = DEMO_ENTERPRISES[0], DEMO_ENTERPRISES[1]
    headers = await bearer(client, me.credit_code, DEMO_PASSWORD)
    assert (await client.get(f"/api/v1/enterprises/{me.credit_code}", headers=headers)).status_code == 200
    assert (await client.get(f"/api/v1/enterprises/{other.credit_code}", headers=headers)).status_code == 404
    assert [
        e["credit_code"] for e in (await client.get("/api/v1/enterprises", headers=headers)).json()["items"]
    ] == [me.credit_code]
    grant = {"kind": "hte", "granted_on": "2025-01-01"}
    refused = await client.post(
        f"/api/v1/enterprises/{me.credit_code}/qualifications", json=grant, headers=headers
    )
    assert refused.status_code == 403
    assert (await client.post("/api/v1/enterprises", json=enterprise(), headers=headers)).status_code == 403


async def test_viewers_read_but_never_write(client: httpx.AsyncClient) -> None:
    viewer = await bearer(client, "viewer", DEMO_PASSWORD)
    assert (await client.get("/api/v1/enterprises", headers=viewer)).json()["total"] == len(DEMO_ENTERPRISES)
    code = DEMO_ENTERPRISES[0].credit_code
    assert (
        await client.patch(f"/api/v1/enterprises/{code}", json={"industry": "x"}, headers=viewer)
    ).status_code == 403


async def test_which_enterprises_held_a_qualification_on_a_date(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await client.post("/api/v1/enterprises", json=enterprise(), headers=admin)
    grant = {"kind": "hte", "granted_on": "2022-01-15"}
    assert (
        await client.post(f"/api/v1/enterprises/{NEW_CODE}/qualifications", json=grant, headers=admin)
    ).status_code == 201
    assert (
        await client.post(f"/api/v1/enterprises/{NEW_CODE}/qualifications", json=grant, headers=admin)
    ).status_code == 409

    async def hte_on(day: str) -> set[str]:
        params = {"qualification": "hte", "qualified_on": day, "limit": 200}
        body = (await client.get("/api/v1/enterprises", params=params, headers=admin)).json()
        assert body["total"] == len(body["items"])
        return {e["credit_code"] for e in body["items"]}

    def demo_hte_on(day: date) -> set[str]:
        # A 高企 certificate runs three years: up to the day before the grant's third anniversary.
        def anniversary(granted: date) -> date:
            leap_day = (granted.month, granted.day) == (2, 29)
            return date(granted.year + 3, 3, 1) if leap_day else granted.replace(year=granted.year + 3)

        return {
            e.credit_code
            for e in DEMO_ENTERPRISES
            for kind, granted in e.qualifications
            if kind == "hte" and granted <= day < anniversary(granted)
        }

    assert await hte_on("2024-06-30") == demo_hte_on(date(2024, 6, 30)) | {NEW_CODE}
    assert await hte_on("2025-01-14") == demo_hte_on(date(2025, 1, 14)) | {
        NEW_CODE
    }  # the certificate's last day
    assert await hte_on("2025-01-15") == demo_hte_on(date(2025, 1, 15))
    newly_2024 = {"qualification": "hte", "granted_year": 2024, "limit": 200}
    listed = (await client.get("/api/v1/enterprises", params=newly_2024, headers=admin)).json()
    expected = {
        e.credit_code for e in DEMO_ENTERPRISES for k, g in e.qualifications if k == "hte" and g.year == 2024
    }
    assert {e["credit_code"] for e in listed["items"]} == expected
    assert "湖北冶钢节能环保科技股份有限公司" in {e["name"] for e in listed["items"]}


async def test_a_clerk_finds_enterprises_by_a_fragment_of_the_name_or_the_code(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    async def found(q: str, headers: dict[str, str] = admin) -> tuple[set[str], int]:
        body = (
            await client.get("/api/v1/enterprises", params={"q": q, "limit": 200}, headers=headers)
        ).json()
        assert len(body["items"]) == body["total"]
        return {e["credit_code"] for e in body["items"]}, body["total"]

    yegang = {e.credit_code for e in DEMO_ENTERPRISES if "冶钢" in e.name}
    assert 0 < len(yegang) < len(DEMO_ENTERPRISES)
    assert await found("冶钢") == (yegang, len(yegang))

    code = DEMO_ENTERPRISES[0].credit_code
    fragment = code[8:].lower()  # "ma0000001…": the code's letters typed in lower case
    by_code = {e.credit_code for e in DEMO_ENTERPRISES if fragment.upper() in e.credit_code}
    assert await found(fragment) == (by_code, len(by_code))
    assert code in by_code

    # LIKE's wildcards are matched as themselves: no name or code holds them.
    assert await found("%") == (set(), 0)
    assert await found("_") == (set(), 0)

    # A township searches its own unit only.
    township = await bearer(client, JINNIU, DEMO_PASSWORD)
    own = {e.credit_code for e in DEMO_ENTERPRISES if e.region_code == JINNIU and "有限公司" in e.name}
    assert 0 < len(own) < len({e.credit_code for e in DEMO_ENTERPRISES if "有限公司" in e.name})
    assert await found("有限公司", township) == (own, len(own))
