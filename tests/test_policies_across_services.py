"""The policy calculator (indicator-api) over funding-api's programmes and awards, read over HTTP:
its answer agrees with what funding-api says and with the national rules on the enterprise's
figures; outreach coverage per township; and an enterprise told once when it newly qualifies."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx

from daye_demo.enterprises import DEMO_ENTERPRISES
from daye_dev.figures import QUALIFYING_FIGURES
from daye_dev.pytest_plugin import bearer
from daye_kit.timestamps import local_today
from indicator_api.cultivation.figures import CandidateFigures
from indicator_api.cultivation.rules import Program, assess

from .conftest import DEMO_PASSWORD, Platform

JOB = "/api/v1/jobs/notify-policy-newly-eligible/runs"
HTE_2024 = next(
    e for e in DEMO_ENTERPRISES if any(k == "hte" and d.year == 2024 for k, d in e.qualifications)
)
SME_2025 = next(
    e for e in DEMO_ENTERPRISES if any(k == "tech_sme" and d.year == 2025 for k, d in e.qualifications)
)
NOTHING = next(e for e in DEMO_ENTERPRISES if not e.qualifications)


async def _program(funding: httpx.AsyncClient, admin: dict[str, str], name: str, rule: Any = None) -> int:
    body = {"name": name, "source_level": "daye", "year": 2026, "budget": "50000000.00", "rule": rule}
    made = await funding.post("/api/v1/programs", json=body, headers=admin)
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


async def _all(client: httpx.AsyncClient, path: str, headers: dict[str, str], **params: Any) -> list[Any]:
    items: list[Any] = []
    while True:
        page = await client.get(path, params={**params, "limit": 200, "offset": len(items)}, headers=headers)
        assert page.status_code == 200, page.text
        items += page.json()["items"]
        if len(items) >= page.json()["total"]:
            return items


async def _figures(indicator: httpx.AsyncClient, code: str, admin: dict[str, str]) -> CandidateFigures | None:
    answer = await indicator.get(f"/api/v1/enterprises/{code}/figures", headers=admin)
    if answer.status_code == 404:
        return None
    assert answer.status_code == 200, answer.text
    body = answer.json()
    return CandidateFigures.model_validate(body.get("figures", body))


# Conditions no coaching changes within a year (the README's definition of `next`).
RULED_OUT_BY = {
    "resident",
    "staff_limit",
    "revenue_limit",
    "assets_limit",
    "permitted_products",
    "clean_record",
    "supported_field",
}


async def _expected(
    indicator: httpx.AsyncClient, funding: httpx.AsyncClient, code: str, admin: dict[str, str]
) -> dict[str, tuple[str, str | None, list[str] | None]]:
    """What the answer must say, worked out here from funding-api's and indicator-api's own answers
    and the rules: code → (status, amount, the codes of what is missing; None: not checked)."""
    today = local_today().isoformat()
    year = local_today().year
    grants = (await indicator.get(f"/api/v1/enterprises/{code}", headers=admin)).json()["qualifications"]
    figures = await _figures(indicator, code, admin)
    assessed = assess(figures) if figures is not None else None
    expected: dict[str, tuple[str, str | None, list[str] | None]] = {}
    for kind in ("hte", "tech_sme", "new_species"):
        if any(
            g["kind"] == kind
            and g["granted_on"] <= today
            and (g["expires_on"] is None or g["expires_on"] >= today)
            for g in grants
        ):
            expected[kind] = ("held", None, [])
        elif kind == "new_species":
            expected[kind] = ("not_eligible", None, [])
        elif assessed is None:
            expected[kind] = ("not_eligible", None, ["figures"])
        elif assessed[Program(kind)].eligible:
            expected[kind] = ("eligible_now", None, [])
        else:
            failing = [
                c.code
                for c in assessed[Program(kind)].conditions
                if not c.passed and c.code != "direct_route"
            ]
            near = len(failing) <= 2 and not RULED_OUT_BY & set(failing)
            expected[kind] = ("next" if near else "not_eligible", None, failing)
    awards = await _all(funding, "/api/v1/awards", admin, credit_code=code)
    for program in await _all(funding, "/api/v1/programs", admin):
        mine = [a for a in awards if a["program_id"] == program["id"] and a["status"] != "rejected"]
        rule = program["rule"]
        key = f"program:{program['id']}"
        if mine:
            expected[key] = ("held", f"{sum(Decimal(a['amount']) for a in mine):.2f}", [])
        elif rule is None:
            continue
        elif any(
            g["kind"] == rule["qualification"] and g["granted_year"] == rule["granted_year"] for g in grants
        ):
            expected[key] = ("eligible_now", rule["amount"], [])
        elif rule["granted_year"] >= year and expected[rule["qualification"]][0] in ("eligible_now", "next"):
            expected[key] = (
                "next",
                rule["amount"],
                [rule["qualification"], *(expected[rule["qualification"]][2] or [])],
            )
        else:
            expected[key] = ("not_eligible", rule["amount"], None)
    return expected


async def test_the_calculator_agrees_with_funding_api_and_the_rules(platform: Platform) -> None:
    async with platform.client("indicator-api") as indicator, platform.client("funding-api") as funding:
        admin = await bearer(indicator, "admin", DEMO_PASSWORD)
        today = local_today()
        hte_2024 = await _program(
            funding,
            admin,
            "高企认定奖励(2024年度认定)",
            {"qualification": "hte", "granted_year": 2024, "amount": "300000.00"},
        )
        generated = await funding.post(f"/api/v1/programs/{hte_2024}/automatic-awards", headers=admin)
        assert generated.status_code == 200, generated.text
        assert HTE_2024.credit_code in {a["credit_code"] for a in generated.json()["awards"]}
        sme_2025 = await _program(
            funding,
            admin,
            "科技型中小企业入库奖励(2025年度)",
            {"qualification": "tech_sme", "granted_year": 2025, "amount": "30000.00"},
        )
        this_year = await _program(
            funding,
            admin,
            "高企认定奖励(本年度认定)",
            {"qualification": "hte", "granted_year": today.year, "amount": "200000.00"},
        )
        sme_this_year = {"qualification": "tech_sme", "granted_year": today.year, "amount": "30000.00"}
        await _program(funding, admin, "科技型中小企业入库奖励(本年度)", sme_this_year)
        applied = await _program(funding, admin, "科技创新管理专项(测试)")
        award = await funding.post(
            "/api/v1/awards",
            json={
                "program_id": applied,
                "credit_code": SME_2025.credit_code,
                "amount": "450000.00",
                "application_no": "KJGL-T-1",
            },
            headers=admin,
        )
        assert award.status_code == 201, award.text

        seen: set[tuple[str, str]] = set()
        # Three chosen ones, and enough of the others that every status shows under the demo figures.
        for enterprise in (
            HTE_2024,
            SME_2025,
            NOTHING,
            *DEMO_ENTERPRISES[:12],
        ):
            me = await bearer(indicator, enterprise.credit_code, DEMO_PASSWORD)
            answer = await indicator.get(f"/api/v1/enterprises/{enterprise.credit_code}/policies", headers=me)
            assert answer.status_code == 200, answer.text
            body = answer.json()
            assert (body["credit_code"], body["name"], body["as_of"]) == (
                enterprise.credit_code,
                enterprise.name,
                today.isoformat(),
            )
            got = {i["code"]: i for i in body["items"]}
            expected = await _expected(indicator, funding, enterprise.credit_code, admin)
            assert set(got) == set(expected), enterprise.credit_code
            for code, (status, amount, missing) in expected.items():
                item = got[code]
                assert (item["status"], item["amount"]) == (status, amount), (
                    enterprise.credit_code,
                    code,
                    item,
                )
                if missing is not None:
                    assert [m["code"] for m in item["missing"]] == missing, (
                        enterprise.credit_code,
                        code,
                        item,
                    )
            # An application programme is listed only where the enterprise has its award.
            assert (f"program:{applied}" in got) == (enterprise is SME_2025)
            seen |= {(i["kind"], i["status"]) for i in body["items"]}
        assert seen == {
            (kind, status)
            for kind in ("qualification", "program")
            for status in ("held", "eligible_now", "next", "not_eligible")
        }
        hte_items = {
            i["code"]: i["status"]
            for i in (
                await indicator.get(f"/api/v1/enterprises/{HTE_2024.credit_code}/policies", headers=admin)
            ).json()["items"]
        }
        assert hte_items[f"program:{hte_2024}"] == "held"
        sme_items = {
            i["code"]: i
            for i in (
                await indicator.get(f"/api/v1/enterprises/{SME_2025.credit_code}/policies", headers=admin)
            ).json()["items"]
        }
        assert (sme_items[f"program:{sme_2025}"]["status"], sme_items[f"program:{sme_2025}"]["amount"]) == (
            "eligible_now",
            "30000.00",
        )
        assert sme_items[f"program:{applied}"]["amount"] == "450000.00"
        assert f"program:{this_year}" in sme_items
        # Another township, another enterprise, a viewer: not theirs to read.
        foreign = await bearer(indicator, NOTHING.credit_code, DEMO_PASSWORD)
        path = f"/api/v1/enterprises/{SME_2025.credit_code}/policies"
        assert (await indicator.get(path, headers=foreign)).status_code == 404
        viewer = await bearer(indicator, "viewer", DEMO_PASSWORD)
        assert (await indicator.get(path, headers=viewer)).status_code == 403


async def _run(indicator: httpx.AsyncClient, admin: dict[str, str]) -> dict[str, Any]:
    run = await indicator.post(JOB, headers=admin)
    assert run.status_code == 201, run.text
    assert run.json()["outcome"] == "ok", run.json()
    return dict(run.json()["summary"])


async def _told(indicator: httpx.AsyncClient, code: str) -> list[str]:
    me = await bearer(indicator, code, DEMO_PASSWORD)
    notices = await indicator.get("/api/v1/notifications", params={"limit": 200}, headers=me)
    return [n["title"] for n in notices.json()["items"] if n["kind"] == "policy_newly_eligible"]


async def test_an_enterprise_is_told_once_when_it_newly_qualifies(platform: Platform) -> None:
    async with platform.client("indicator-api") as indicator, platform.client("funding-api") as funding:
        admin = await bearer(indicator, "admin", DEMO_PASSWORD)
        today = local_today()
        name = "高企认定奖励(本年度认定)"
        await _program(
            funding, admin, name, {"qualification": "hte", "granted_year": today.year, "amount": "200000.00"}
        )
        first = await _run(indicator, admin)
        assert first["notified"] == first["eligible"]  # nobody was told anything before
        again = await _run(indicator, admin)
        assert (again["eligible"], again["notified"]) == (first["eligible"], 0)
        assert not [t for t in await _told(indicator, NOTHING.credit_code) if name in t]

        # Certified this year: the programme's rule now pays it, and it is told so, once.
        granted = await indicator.post(
            f"/api/v1/enterprises/{NOTHING.credit_code}/qualifications",
            json={"kind": "hte", "granted_on": today.isoformat()},
            headers=admin,
        )
        assert granted.status_code == 201, granted.text
        newly = await _run(indicator, admin)
        assert newly["notified"] == 1
        assert await _told(indicator, NOTHING.credit_code) == [f"您可享受:{name},200000.00 元"]
        assert (await _run(indicator, admin))["notified"] == 0
        assert await _told(indicator, NOTHING.credit_code) == [f"您可享受:{name},200000.00 元"]

        # Its declared figures now meet every condition of 科技型中小企业: told once that it may apply.
        me = await bearer(indicator, NOTHING.credit_code, DEMO_PASSWORD)
        declared = await indicator.put(
            f"/api/v1/enterprises/{NOTHING.credit_code}/figures",
            json={"figures": QUALIFYING_FIGURES, "as_of": today.isoformat()},
            headers=me,
        )
        assert declared.status_code == 200, declared.text
        assert (await _run(indicator, admin))["notified"] == 1
        assert (await _run(indicator, admin))["notified"] == 0
        assert await _told(indicator, NOTHING.credit_code) == [
            f"您可享受:{name},200000.00 元",
            "您已符合科技型中小企业认定条件,可以申报",
        ]


async def test_coverage_counts_the_eligible_enterprises_reached_per_township(platform: Platform) -> None:
    async with platform.client("indicator-api") as indicator, platform.client("funding-api") as funding:
        admin = await bearer(indicator, "admin", DEMO_PASSWORD)
        today = local_today()
        await _program(
            funding,
            admin,
            "科技型中小企业入库奖励(2025年度)",
            {"qualification": "tech_sme", "granted_year": 2025, "amount": "30000.00"},
        )
        unit = SME_2025.region_code
        township = await bearer(indicator, unit, DEMO_PASSWORD)

        async def coverage() -> dict[str, Any]:
            answer = await indicator.get(
                "/api/v1/outreach/coverage", params={"year": today.year}, headers=township
            )
            assert answer.status_code == 200, answer.text
            return {i["region_code"]: i for i in answer.json()["items"]}

        before = (await coverage())[unit]
        # Every holder of a 2025 科技型中小企业 grant in the unit is owed the rule's reward: eligible.
        holders = [
            e
            for e in DEMO_ENTERPRISES
            if e.region_code == unit and any(k == "tech_sme" and d.year == 2025 for k, d in e.qualifications)
        ]
        assert before["eligible"] >= len(holders) > 1
        assert before["reached"] == 0
        assert before["coverage"] == 0
        others = [e for e in DEMO_ENTERPRISES if e.region_code == unit and not e.qualifications]

        async def reach(code: str, action: str, on: str) -> None:
            made = await indicator.post(
                f"/api/v1/enterprises/{code}/outreach", json={"action": action, "on": on}, headers=township
            )
            assert made.status_code == 201, made.text

        await reach(holders[0].credit_code, "informed", today.isoformat())
        await reach(holders[0].credit_code, "visited", today.isoformat())  # the same enterprise again
        await reach(holders[1].credit_code, "visited", f"{today.year - 1}-06-01")  # another year
        after = (await coverage())[unit]
        assert after["eligible"] == before["eligible"]
        assert after["reached"] == 1
        assert after["coverage"] == round(1 / after["eligible"], 4)
        totals = (await indicator.get("/api/v1/outreach/coverage", headers=admin)).json()
        assert totals["reached"] == 1
        assert totals["eligible"] == sum(i["eligible"] for i in totals["items"])
        # The township's eligible enterprises are those whose own answer says they could get a policy now.
        policies = [
            (await indicator.get(f"/api/v1/enterprises/{e.credit_code}/policies", headers=township)).json()
            for e in [*holders[:3], *others[:2]]
        ]
        assert all(any(i["status"] == "eligible_now" for i in p["items"]) for p in policies[:3])
        me = await bearer(indicator, SME_2025.credit_code, DEMO_PASSWORD)
        assert (await indicator.get("/api/v1/outreach/coverage", headers=me)).status_code == 403
