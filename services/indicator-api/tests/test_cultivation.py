"""Township cultivation through the API: assessment on submission, isolation, all-or-nothing bulk,
the pipeline, certification into the registry, and the figures that follow from it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import time_machine

from daye_dev.pytest_plugin import bearer
from daye_kit.credit_code import complete

from .conftest import DEMO_PASSWORD

JINNIU, BAOAN = "420281101", "420281102"
M = 1_000_000


def candidate(index: int, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "credit_code": complete(f"91420281MA8{index:06d}"),
        "name": f"大冶市候选{index}号科技有限公司",
        "industry": "铸造",
        "program": "hte",
        "year": 2025,
        "figures": {
            "years_registered": "4",
            "staff": 120,
            "science_staff": 30,
            "sales_revenue": [str(70 * M), str(75 * M), str(80 * M)],
            "rd_spend": [str(2_170_000), str(2_325_000), str(2_480_000)],
            "total_costs": str(70 * M),
            "total_assets": str(90 * M),
            "high_tech_revenue": str(60 * M),
            "ip": {"class_1": 0, "class_2": 3},
        },
    }
    body.update(overrides)
    return body


async def test_a_submission_comes_back_assessed(client: httpx.AsyncClient) -> None:
    township = await bearer(client, JINNIU, DEMO_PASSWORD)
    response = await client.post(f"/api/v1/regions/{JINNIU}/candidates", json=candidate(1), headers=township)
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["stage"], body["region_code"], body["enterprise_name"]) == (
        "reserve",
        JINNIU,
        "大冶市候选1号科技有限公司",
    )
    hte, tech_sme = body["assessments"]["hte"], body["assessments"]["tech_sme"]
    assert hte["ruleset"] == tech_sme["ruleset"] == "2025.1"
    rd = next(c for c in hte["conditions"] if c["code"] == "rd_intensity")
    assert (rd["value"], rd["threshold"], rd["passed"]) == ("3.1%", "≥ 4%", False)
    assert rd["shortfall"].endswith("差 0.9 个百分点")
    assert hte["eligible"] is False
    assert tech_sme["score"] == 16 + 20 + 18
    assert [e["to_stage"] for e in body["history"]] == ["reserve"]
    registered = await client.get(f"/api/v1/enterprises/{candidate(1)['credit_code']}", headers=township)
    assert registered.json()["region_code"] == JINNIU


async def test_townships_cannot_touch_each_others_candidates(client: httpx.AsyncClient) -> None:
    jinniu = await bearer(client, JINNIU, DEMO_PASSWORD)
    baoan = await bearer(client, BAOAN, DEMO_PASSWORD)
    created = await client.post(f"/api/v1/regions/{JINNIU}/candidates", json=candidate(2), headers=jinniu)
    cid = created.json()["id"]
    assert (await client.get(f"/api/v1/regions/{JINNIU}/candidates", headers=baoan)).status_code == 403
    assert (
        await client.post(f"/api/v1/regions/{JINNIU}/candidates", json=candidate(3), headers=baoan)
    ).status_code == 403
    assert (await client.get(f"/api/v1/candidates/{cid}", headers=baoan)).status_code == 404
    moved = await client.patch(f"/api/v1/candidates/{cid}", json={"stage": "coached"}, headers=baoan)
    assert moved.status_code == 404
    # an enterprise registered in 金牛镇 cannot be submitted by 保安镇 either
    again = await client.post(
        f"/api/v1/regions/{BAOAN}/candidates",
        json=candidate(2),
        headers=await bearer(client, "admin", DEMO_PASSWORD),
    )
    assert again.status_code == 422
    assert again.json()["errors"][0]["rule"] == "other_unit"
    by_township = await client.post(f"/api/v1/regions/{BAOAN}/candidates", json=candidate(2), headers=baoan)
    assert by_township.json()["errors"][0]["rule"] == "other_unit"
    assert JINNIU not in by_township.text  # where another township's enterprise sits is not told
    mine = (
        await client.get(f"/api/v1/regions/{JINNIU}/candidates", params={"limit": 200}, headers=jinniu)
    ).json()
    assert cid in {c["id"] for c in mine["items"]}
    assert {c["region_code"] for c in mine["items"]} == {JINNIU}


async def test_bulk_with_one_bad_row_writes_nothing(client: httpx.AsyncClient) -> None:
    township = await bearer(client, JINNIU, DEMO_PASSWORD)
    before = (await client.get(f"/api/v1/regions/{JINNIU}/candidates", headers=township)).json()["total"]
    rows = [candidate(i) for i in range(10, 20)]
    rows[4]["credit_code"] = rows[4]["credit_code"][:-1] + ("0" if rows[4]["credit_code"][-1] != "0" else "1")
    rows[7]["figures"] = {**rows[7]["figures"], "science_staff": 500}
    response = await client.post(
        f"/api/v1/regions/{JINNIU}/candidates/bulk", json={"items": rows}, headers=township
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"body.items.4.credit_code", "body.items.7.figures"}
    after = (await client.get(f"/api/v1/regions/{JINNIU}/candidates", headers=township)).json()["total"]
    assert after == before
    missing = await client.get(f"/api/v1/enterprises/{rows[0]['credit_code']}", headers=township)
    assert missing.status_code == 404

    good = [candidate(i) for i in range(10, 20)]
    response = await client.post(
        f"/api/v1/regions/{JINNIU}/candidates/bulk", json={"items": good}, headers=township
    )
    assert response.status_code == 201
    assert response.json() == {"created": 10, "eligible_tech_sme": 0, "eligible_hte": 0}


async def test_the_pipeline_and_certification(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    township = await bearer(client, JINNIU, DEMO_PASSWORD)
    body = candidate(30, program="tech_sme")
    cid = (await client.post(f"/api/v1/regions/{JINNIU}/candidates", json=body, headers=township)).json()[
        "id"
    ]

    async def move(stage: str, headers: dict[str, str], **extra: Any) -> httpx.Response:
        return await client.patch(
            f"/api/v1/candidates/{cid}", json={"stage": stage, **extra}, headers=headers
        )

    illegal = await move("certified", township)
    assert illegal.status_code == 409
    assert illegal.json()["code"] == "illegal_stage_move"
    assert (await move("coached", township)).status_code == 200
    assert (await move("applied", township, on="2025-10-08", note="已提交省平台")).status_code == 200
    assert (await move("certified", township)).status_code == 403  # the bureau records the national result
    certified = await move("certified", admin, on="2025-11-20")
    assert certified.status_code == 200
    history = [(e["from_stage"], e["to_stage"], e["on"], e["by"]) for e in certified.json()["history"]]
    assert history[1:] == [
        ("reserve", "coached", history[1][2], JINNIU),
        ("coached", "applied", "2025-10-08", JINNIU),
        ("applied", "certified", "2025-11-20", "admin"),
    ]
    assert (await move("reserve", admin)).status_code == 409  # certified is final
    qualifications = (await client.get(f"/api/v1/enterprises/{body['credit_code']}", headers=admin)).json()[
        "qualifications"
    ]
    assert [(q["kind"], q["granted_on"], q["expires_on"]) for q in qualifications] == [
        ("tech_sme", "2025-11-20", "2025-12-31")
    ]


async def test_applications_and_registrations_follow_from_the_records(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    async def figure(code: str, as_of: str, region: str = "420281") -> str:
        params = {"year": 2025, "as_of": as_of, "region": region}
        body = (await client.get(f"/api/v1/indicators/{code}/progress", params=params, headers=admin)).json()
        return str(body["actual"])

    assert await figure("hte_applications", "2025-09-30") == "106"
    assert await figure("tech_sme_registered", "2025-09-30") == "888"
    jinniu_before = await figure("hte_applications", "2025-12-31", JINNIU)
    township = await bearer(client, JINNIU, DEMO_PASSWORD)
    cid = (
        await client.post(f"/api/v1/regions/{JINNIU}/candidates", json=candidate(40), headers=township)
    ).json()["id"]
    await client.patch(
        f"/api/v1/candidates/{cid}", json={"stage": "applied", "on": "2025-10-15"}, headers=township
    )
    assert await figure("hte_applications", "2025-09-30") == "106"
    assert await figure("hte_applications", "2025-10-31") == "107"
    assert int(await figure("hte_applications", "2025-12-31", JINNIU)) == int(jinniu_before) + 1
    refused = await client.post(
        "/api/v1/indicators/hte_applications/values",
        json={"region_code": JINNIU, "year": 2025, "month": 10, "value": "5", "provenance": "administrative"},
        headers=admin,
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["rule"] == "computed_indicator"


async def test_quotas_and_the_laggards(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    params = {"year": 2025, "as_of": "2025-09-30"}
    body = (await client.get("/api/v1/cultivation/progress", params=params, headers=admin)).json()
    assert body["time_progress"] == 0.75
    rows = body["townships"]
    assert len(rows) == 17
    behind = [r for r in rows if r["behind"]]
    assert behind, "the demo quotas leave some townships behind"
    assert rows[: len(behind)] == behind  # the laggards first
    gaps = [r["gap"] for r in behind]
    assert gaps == sorted(gaps)
    total = sum(r["measures"]["hte_applications"]["actual"] for r in rows)
    assert total == 106
    assert sum(r["measures"]["hte_applications"]["quota"] for r in rows) == 154
    assert any(r["measures"]["hte_applications"]["needed_for_pace"] > 0 for r in behind)

    saved = await client.put(
        "/api/v1/cultivation/quotas/2025",
        json={"items": [{"region_code": JINNIU, "measure": "hte_applications", "quota": 0}]},
        headers=admin,
    )
    assert saved.json() == {"saved": 1}
    again = (await client.get("/api/v1/cultivation/progress", params=params, headers=admin)).json()
    jinniu = next(r for r in again["townships"] if r["region_code"] == JINNIU)
    assert jinniu["measures"]["hte_applications"]["quota"] == 0
    township = await bearer(client, JINNIU, DEMO_PASSWORD)
    refused = await client.put("/api/v1/cultivation/quotas/2025", json={"items": []}, headers=township)
    assert refused.status_code in (403, 422)


@pytest.mark.parametrize("stage", ["applied", "certified"])
async def test_a_new_candidate_starts_at_the_beginning(client: httpx.AsyncClient, stage: str) -> None:
    township = await bearer(client, JINNIU, DEMO_PASSWORD)
    response = await client.post(
        f"/api/v1/regions/{JINNIU}/candidates", json=candidate(50, stage=stage), headers=township
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.stage"


async def test_figures_are_assessed_as_they_are_typed_without_writing(client: httpx.AsyncClient) -> None:
    township = await bearer(client, JINNIU, DEMO_PASSWORD)
    before = (await client.get(f"/api/v1/regions/{JINNIU}/candidates", headers=township)).json()["total"]
    response = await client.post(
        "/api/v1/cultivation/assessments", json=candidate(60)["figures"], headers=township
    )
    assert response.status_code == 200
    rd = next(c for c in response.json()["hte"]["conditions"] if c["code"] == "rd_intensity")
    assert rd["shortfall"].endswith("差 0.9 个百分点")
    assert response.json()["tech_sme"]["score"] == 54
    half_typed = await client.post("/api/v1/cultivation/assessments", json={"staff": 10}, headers=township)
    assert half_typed.status_code == 422
    after = (await client.get(f"/api/v1/regions/{JINNIU}/candidates", headers=township)).json()["total"]
    assert after == before


async def test_days_are_daye_s_even_when_utc_is_still_on_the_day_before(client: httpx.AsyncClient) -> None:
    # 23:30 UTC on 30 September is 07:30 on 1 October in Daye: the submission and a move without
    # a date are dated 1 October, whatever the zone of the host.
    with time_machine.travel(datetime(2025, 9, 30, 23, 30, tzinfo=UTC), tick=False):
        township = await bearer(client, JINNIU, DEMO_PASSWORD)
        created = await client.post(
            f"/api/v1/regions/{JINNIU}/candidates", json=candidate(70), headers=township
        )
        assert created.status_code == 201, created.text
        moved = await client.patch(
            f"/api/v1/candidates/{created.json()['id']}", json={"stage": "coached"}, headers=township
        )
    assert moved.status_code == 200, moved.text
    assert [(e["to_stage"], e["on"]) for e in moved.json()["history"]] == [
        ("reserve", "2025-10-01"),
        ("coached", "2025-10-01"),
    ]


def test_a_township_behind_needs_at_least_one_more() -> None:
    from decimal import Decimal

    from indicator_api.cultivation.service import _measure_progress

    # 11 done of 16 with three quarters gone: the pace says 12 (11.25 by quarters... here months: 12.0)
    behind = _measure_progress(11, 16, Decimal("0.7125"))  # expected 11.4
    assert behind.status is not None
    assert behind.status.value == "behind"
    assert behind.needed_for_pace == 1
    assert _measure_progress(12, 16, Decimal("0.75")).needed_for_pace == 0
