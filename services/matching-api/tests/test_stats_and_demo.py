"""The demo data reproduces the report (686 posted, 392 matched, 57.1%) through the stats API;
statistics by kind and township, who may read them, and their publication to indicator-api."""

from __future__ import annotations

from collections import Counter

import pytest

from daye_demo.matching.catalog import demo_supplies
from daye_demo.matching.seed import demo_enterprises

from .conftest import FOUNDRY, MakeMatching, Matching

H1 = {"from": "2025-01-01", "to": "2025-06-30"}


@pytest.fixture
async def demo(make_matching: MakeMatching) -> Matching:
    made: Matching = await make_matching(demo=True)
    return made


async def test_the_first_half_of_2025_as_the_report_tells_it(demo: Matching) -> None:
    stats = (await demo.client.get("/api/v1/stats", params=H1, headers=demo.admin)).json()
    assert (stats["posted"], stats["matched"]) == (686, 392)
    assert round(stats["match_rate"], 3) == 0.571
    assert (stats["target_rate"], stats["meets_target"], stats["matched_needed"]) == (0.8, False, 157)
    assert {k["kind"]: (k["posted"], k["matched"]) for k in stats["by_kind"]} == {
        "technology": (340, 200),
        "talent": (196, 112),
        "finance": (150, 80),
    }
    assert len(stats["by_region"]) == 17
    assert sum(r["posted"] for r in stats["by_region"]) == 686
    assert 0 < stats["median_hours_to_first_response"] < 24 * 10
    q1 = (
        await demo.client.get(
            "/api/v1/stats", params={"from": "2025-01-01", "to": "2025-03-31"}, headers=demo.admin
        )
    ).json()
    assert 0 < q1["posted"] < 686
    later = (
        await demo.client.get(
            "/api/v1/stats", params={"from": "2025-07-01", "to": "2025-12-31"}, headers=demo.admin
        )
    ).json()
    assert (later["posted"], later["match_rate"]) == (0, None)


async def test_the_demo_catalogue_is_a_few_hundred_supplies_in_chinese(demo: Matching) -> None:
    supplies = demo_supplies()
    kinds = Counter(s.kind.value for s in supplies)
    assert 250 <= len(supplies) <= 400
    assert min(kinds.values()) >= 20
    providers = {s.provider for s in supplies}
    assert {"武汉理工大学", "湖北工业大学", "湖北理工学院"} <= providers
    names = {s.name for s in supplies}
    assert {"科创贷", "知识价值信用贷款"} <= names
    listed = await demo.client.get("/api/v1/supplies", params={"limit": 1}, headers=demo.admin)
    assert listed.json()["total"] == len(supplies)
    # A demo enterprise signs in and sees its own demands, and the engine has something for them.
    mine = (
        await demo.client.get("/api/v1/demands", params={"status": "open"}, headers=demo.enterprise(FOUNDRY))
    ).json()
    assert mine["total"] >= 1
    recs = await demo.client.get(
        f"/api/v1/demands/{mine['items'][0]['id']}/recommendations", headers=demo.enterprise(FOUNDRY)
    )
    assert recs.json()["items"]


async def test_a_restart_adds_nothing(make_matching: MakeMatching, demo: Matching) -> None:
    again = await make_matching(database_url=demo.app.state.settings.database_url, demo=True)
    stats = (await again.client.get("/api/v1/stats", params=H1, headers=again.admin)).json()
    assert stats["posted"] == 686


def test_the_demo_demands_come_from_distinct_enterprises_starting_with_the_foundry() -> None:
    enterprises = demo_enterprises()
    assert enterprises[0].credit_code == FOUNDRY  # the stand-in registry's first enterprise
    assert len({e.credit_code for e in enterprises}) == len(enterprises)


async def test_townships_see_their_own_unit_and_enterprises_none(demo: Matching) -> None:
    township = demo.township("420281101")
    own = await demo.client.get("/api/v1/stats", params=H1, headers=township)
    assert own.status_code == 200
    assert own.json()["region"] == "420281101"
    assert [r["region_code"] for r in own.json()["by_region"]] == ["420281101"]
    other = await demo.client.get("/api/v1/stats", params={**H1, "region": "420281102"}, headers=township)
    assert other.status_code == 403
    by_admin = await demo.client.get(
        "/api/v1/stats", params={**H1, "region": "420281101"}, headers=demo.admin
    )
    assert by_admin.json()["posted"] == own.json()["posted"]
    enterprise = await demo.client.get("/api/v1/stats", params=H1, headers=demo.enterprise(FOUNDRY))
    assert enterprise.status_code == 403
    backwards = await demo.client.get(
        "/api/v1/stats", params={"from": "2025-06-30", "to": "2025-01-01"}, headers=demo.admin
    )
    assert backwards.status_code == 422


async def test_publishing_feeds_the_two_indicators(demo: Matching) -> None:
    published = await demo.client.post(
        "/api/v1/stats/publish", params={"year": 2025, "month": 6}, headers=demo.admin
    )
    assert published.status_code == 200, published.text
    assert demo.indicator.values == []  # in the outbox, both figures in one event
    assert await demo.deliver() == 1
    [event] = demo.indicator.deliveries
    assert event["type"] == "match_stats.published"
    sent = {v["code"]: v for v in demo.indicator.values}
    assert sent["supply_chain_demands_posted"]["value"] == "686"
    assert sent["supply_chain_demands_matched"]["value"] == "392"
    assert sent["supply_chain_demands_posted"]["region_code"] == "420281"
    assert (sent["supply_chain_demands_posted"]["year"], sent["supply_chain_demands_posted"]["month"]) == (
        2025,
        6,
    )
    assert sent["supply_chain_demands_posted"]["provenance"] == "administrative"
    refused = await demo.client.post(
        "/api/v1/stats/publish", params={"year": 2025, "month": 6}, headers=demo.as_("viewer", "viewer")
    )
    assert refused.status_code == 403


async def test_the_statistics_as_a_workbook(demo: Matching) -> None:
    import io

    import openpyxl

    response = await demo.client.get("/api/v1/stats/export.xlsx", params=H1, headers=demo.admin)
    assert response.status_code == 200
    assert (
        response.headers["content-type"]
        == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    assert sheet.freeze_panes == "A3"
    assert [c.value for c in sheet[2]] == [
        "分组",
        "名称",
        "发布需求(项)",
        "对接成功(项)",
        "对接率",
        "目标对接率",
    ]
    total = [c.value for c in sheet[3]]
    assert total[:4] == ["合计", "全市", 686, 392]
    assert sheet["E3"].number_format == "0.0%"
    kinds = {row[1]: row[2:4] for row in sheet.iter_rows(min_row=4, max_row=6, values_only=True)}
    assert kinds == {"技术": (340, 200), "人才": (196, 112), "金融": (150, 80)}
    assert sheet.max_row == 3 + 3 + 17
