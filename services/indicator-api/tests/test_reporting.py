"""Reporting: completeness and timeliness judged by the server's first recording, overdue reports and
their reminders, and the review of figures that need the bureau's acceptance."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import httpx
from fastapi import FastAPI

from daye_dev.pytest_plugin import bearer
from daye_kit.timestamps import LOCAL_TZ
from indicator_api.indicators.ingest import StagedValue, write_values
from indicator_api.reporting import reminders

from .conftest import DEMO_PASSWORD
from .test_feed import Feed

CITY = "420281"
JINNIU, BAOAN, LINGXIANG, JINSHANDIAN, YINZU = "420281101", "420281102", "420281103", "420281104", "420281106"
WANGREN, CHENGUI, MINGSHAN, DONGYUE = "420281107", "420281109", "420281201", "420281001"
PATENTS = "patents_filed"


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LOCAL_TZ)


async def record(app: FastAPI, code: str, unit: str, month: int, value: str, moment: datetime) -> None:
    """A figure first recorded at a known moment, through the write path every value takes."""
    row = StagedValue(
        code, unit, 2026, "month", month, date(2026, month, 28), Decimal(value), "statistics", ""
    )
    async with app.state.sessionmaker() as session, session.begin():
        assert (
            await write_values(await session.connection(), [row], recorded_by="test", recorded_at=moment) == 1
        )


async def completeness(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    answer = await client.get("/api/v1/reporting/completeness", params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def by_unit(answer: dict[str, Any]) -> dict[tuple[str, int], dict[str, Any]]:
    return {(item["region_code"], item["period"]): item for item in answer["items"]}


async def test_completeness_counts_on_time_late_missing_and_exempted_by_the_first_recording(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    created = await client.post(
        "/api/v1/indicators",
        json={
            "code": "patents_filed",
            "name": "专利申请",
            "unit": "件",
            "category": "测试",
            "accumulation": "cumulative",
            "additive": True,
        },
        headers=admin,
    )
    assert created.status_code == 201, created.text
    for unit in (JINNIU, BAOAN, LINGXIANG, JINSHANDIAN, YINZU):
        answer = await client.post(
            "/api/v1/reporting/obligations",
            json={
                "indicator_code": "patents_filed",
                "region_code": unit,
                "period_type": "month",
                "due_day": 10,
                "active_from": "2026-01-01",
            },
            headers=admin,
        )
        assert answer.status_code == 201, answer.text
    # January is due by the end of 10 February (Daye time).
    await record(app, "patents_filed", JINNIU, 1, "3", at(date(2026, 2, 10), 23))  # on time, the last hour
    await record(app, "patents_filed", BAOAN, 1, "2", at(date(2026, 2, 11), 0))  # late by minutes
    await record(app, "patents_filed", JINSHANDIAN, 1, "5", at(date(2026, 2, 5)))  # exempted all the same
    await record(app, "patents_filed", YINZU, 1, "4", at(date(2026, 2, 8)))  # on time …
    await record(
        app, "patents_filed", YINZU, 1, "6", at(date(2026, 2, 25))
    )  # … corrected later: still on time
    # LINGXIANG never reports.
    exemption = await client.post(
        "/api/v1/reporting/exemptions",
        json={
            "region_code": JINSHANDIAN,
            "indicator_code": None,
            "year": 2026,
            "period_type": "month",
            "period": 1,
            "reason": "乡镇机构调整,本月免报",
        },
        headers=admin,
    )
    assert exemption.status_code == 201, exemption.text

    answer = await completeness(
        client, admin, year=2026, period=1, as_of="2026-03-31", indicator_code=PATENTS
    )
    units = by_unit(answer)
    assert {code for code, _ in units} == {JINNIU, BAOAN, LINGXIANG, JINSHANDIAN, YINZU}
    counts = ("expected", "received", "on_time", "late", "missing", "exempted")
    assert [units[(JINNIU, 1)][c] for c in counts] == [1, 1, 1, 0, 0, 0]
    assert [units[(BAOAN, 1)][c] for c in counts] == [1, 1, 0, 1, 0, 0]
    assert [units[(LINGXIANG, 1)][c] for c in counts] == [1, 0, 0, 0, 1, 0]
    assert [units[(JINSHANDIAN, 1)][c] for c in counts] == [0, 0, 0, 0, 0, 1]
    assert [units[(YINZU, 1)][c] for c in counts] == [1, 1, 1, 0, 0, 0]
    assert units[(JINSHANDIAN, 1)]["reporting_rate"] is None  # nothing expected: no rate
    totals = answer["totals"]
    assert [totals[c] for c in counts] == [4, 3, 2, 1, 1, 1]
    assert (totals["reporting_rate"], totals["timeliness_rate"]) == (0.75, 0.5)

    # Read as at the end of 10 February: BAOAN's report had not come yet (missing).
    early = await completeness(client, admin, year=2026, period=1, as_of="2026-02-10", indicator_code=PATENTS)
    assert [early["totals"][c] for c in counts] == [4, 2, 2, 0, 2, 1]
    # Before the deadline nothing is missing yet; February's reports are not due in February.
    before = await completeness(
        client, admin, year=2026, period=1, as_of="2026-02-09", indicator_code=PATENTS
    )
    assert (before["totals"]["missing"], before["totals"]["received"]) == (0, 1)
    # Without a period: every month of the year ended by the day.
    months = await completeness(client, admin, year=2026, as_of="2026-03-31", indicator_code=PATENTS)
    assert sorted({item["period"] for item in months["items"]}) == [1, 2, 3]

    # A township reads its own unit only.
    township = await bearer(client, BAOAN, DEMO_PASSWORD)
    own = await completeness(
        client, township, year=2026, period=1, as_of="2026-03-31", indicator_code=PATENTS
    )
    assert {item["region_code"] for item in own["items"]} == {BAOAN}
    other = await client.get(
        "/api/v1/reporting/completeness", params={"region_code": JINNIU, "year": 2026}, headers=township
    )
    assert other.status_code == 403, other.text
    # Obligations are set by the bureau alone.
    refused = await client.post(
        "/api/v1/reporting/obligations",
        json={
            "indicator_code": "patents_filed",
            "period_type": "month",
            "due_day": 10,
            "active_from": "2026-01-01",
        },
        headers=township,
    )
    assert refused.status_code == 403
    bad = await client.post(
        "/api/v1/reporting/obligations",
        json={
            "indicator_code": "hte_applications",
            "period_type": "month",
            "due_day": 10,
            "active_from": "2026-01-01",
        },
        headers=admin,
    )
    assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "body.indicator_code")


async def test_the_demo_year_shows_on_time_late_and_missing_reports(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    answer = await completeness(client, admin, year=2025, as_of="2025-10-14")
    units = by_unit(answer)
    assert sorted({period for _, period in units}) == list(range(1, 10))
    assert len(answer["items"]) == 17 * 9
    assert units[(DONGYUE, 1)]["on_time"] == 1
    assert (units[(CHENGUI, 3)]["late"], units[(CHENGUI, 3)]["on_time"]) == (1, 0)  # 陈贵镇, sent 15 April
    assert units[(WANGREN, 8)]["late"] == 1  # 汪仁镇
    assert units[(MINGSHAN, 4)]["missing"] == 1  # 茗山乡 never sent April …
    assert units[(MINGSHAN, 7)]["missing"] == 1  # … nor July
    assert units[(YINZU, 2)]["missing"] == 1
    totals = answer["totals"]
    assert [totals[c] for c in ("expected", "received", "on_time", "late", "missing")] == [
        153,
        150,
        145,
        5,
        3,
    ]
    assert totals["reporting_rate"] == round(150 / 153, 4)
    assert totals["timeliness_rate"] == round(145 / 153, 4)

    overdue = await client.get("/api/v1/reporting/overdue", params={"as_of": "2025-10-14"}, headers=admin)
    assert overdue.status_code == 200, overdue.text
    assert {(i["region_code"], i["period"], i["due_on"]) for i in overdue.json()["items"]} == {
        (MINGSHAN, 4, "2025-05-10"),
        (MINGSHAN, 7, "2025-08-10"),
        (YINZU, 2, "2025-03-10"),
    }
    # The dashboard's reporting rate: the latest month due by the day (July on 31 August: 16 of 17).
    dashboard = await client.get(
        "/api/v1/dashboard", params={"year": 2025, "as_of": "2025-08-31"}, headers=admin
    )
    assert dashboard.status_code == 200, dashboard.text
    assert dashboard.json()["reporting_rate"] == round(16 / 17, 4)
    assert dashboard.json()["pending_review"] == 3  # the demo's talent-team figures under review


async def notices(client: httpx.AsyncClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    answer = await client.get("/api/v1/notifications", params={"limit": 200}, headers=headers)
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


async def test_overdue_reports_are_reminded_once_per_unit_and_period(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    async def remind(as_of: date) -> reminders.OverdueReminders:
        async with app.state.sessionmaker() as session, session.begin():
            return await reminders.remind(session, city_code=CITY, as_of=as_of)

    first = await remind(date(2025, 10, 14))
    assert (first.overdue, first.notified) == (3, 3)
    assert (await remind(date(2025, 10, 14))).notified == 0  # a re-run tells nobody twice
    assert (await remind(date(2025, 10, 14))).overdue == 3

    bureau = {(n["kind"], n["region_code"], n["year"], n["month"]) for n in await notices(client, admin)}
    assert bureau == {
        ("reports_overdue", MINGSHAN, 2025, 4),
        ("reports_overdue", MINGSHAN, 2025, 7),
        ("reports_overdue", YINZU, 2025, 2),
    }
    mingshan = await bearer(client, MINGSHAN, DEMO_PASSWORD)
    told = await notices(client, mingshan)
    assert sorted(n["month"] for n in told) == [4, 7]
    assert told[0]["title"].startswith("茗山乡 2025 年")
    assert await notices(client, await bearer(client, DONGYUE, DEMO_PASSWORD)) == []
    # A township reads its own overdue reports only.
    own = await client.get("/api/v1/reporting/overdue", params={"as_of": "2025-10-14"}, headers=mingshan)
    assert {i["region_code"] for i in own.json()["items"]} == {MINGSHAN}
    other = await client.get(
        "/api/v1/reporting/overdue", params={"as_of": "2025-10-14", "region_code": YINZU}, headers=mingshan
    )
    assert other.status_code == 403

    # Once the third quarter's talent-team reports are past due, each township without one is told
    # once more, for the quarter; those under review are not overdue.
    later = await remind(date(2025, 10, 16))
    assert later.notified == 17 - 3
    quarters = [n for n in await notices(client, admin) if n["kind"] == "quarterly_reports_overdue"]
    assert {(n["region_code"], n["month"]) for n in quarters} >= {(MINGSHAN, 9), (BAOAN, 9)}
    assert JINNIU not in {n["region_code"] for n in quarters}


async def figure(client: httpx.AsyncClient, headers: dict[str, str], region: str) -> str | None:
    answer = await client.get(
        "/api/v1/dashboard", params={"year": 2025, "as_of": "2025-09-30", "region": region}, headers=headers
    )
    assert answer.status_code == 200, answer.text
    [item] = [i for i in answer.json()["items"] if i["indicator"]["code"] == "talent_teams"]
    actual: str | None = item["actual"]
    return actual


async def pending(client: httpx.AsyncClient, headers: dict[str, str]) -> int:
    answer = await client.get(
        "/api/v1/dashboard", params={"year": 2025, "as_of": "2025-09-30"}, headers=headers
    )
    count: int = answer.json()["pending_review"]
    return count


async def test_a_reviewed_figure_counts_once_accepted_and_a_returned_one_is_sent_again(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    feed = Feed(app, client, admin)
    await feed.read()  # the demo's events: the review's come after
    township = await bearer(client, BAOAN, DEMO_PASSWORD)
    sent = await client.post(
        "/api/v1/indicators/talent_teams/values",
        json={"region_code": BAOAN, "year": 2025, "quarter": 3, "value": "4", "provenance": "administrative"},
        headers=township,
    )
    assert sent.status_code == 201, sent.text
    # Held for review: the dashboards do not count it yet.
    assert await figure(client, admin, BAOAN) is None
    assert await figure(client, admin, CITY) is None
    assert await pending(client, admin) == 4

    own = await client.get("/api/v1/reporting/submissions", headers=township)
    [submission] = own.json()["items"]
    assert (submission["region_code"], submission["status"], submission["value"]) == (BAOAN, "submitted", "4")
    first_time = submission["first_submitted_at"]
    queue = await client.get("/api/v1/reporting/submissions", params={"status": "submitted"}, headers=admin)
    assert queue.json()["total"] == 4
    # A township neither reviews nor reads another unit's submissions.
    foreign = await client.get(
        "/api/v1/reporting/submissions", params={"region_code": JINNIU}, headers=township
    )
    assert foreign.status_code == 403
    path = f"/api/v1/reporting/submissions/{submission['id']}"
    assert (await client.post(f"{path}/accept", headers=township)).status_code == 403
    assert (await client.post(f"{path}/return", json={"reason": "x"}, headers=township)).status_code == 403

    # Returned: a reason is required.
    for body in ({}, {"reason": "   "}):
        refused = await client.post(f"{path}/return", json=body, headers=admin)
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == "body.reason"
    returned = await client.post(f"{path}/return", json={"reason": "与人才办台账不符,请核对"}, headers=admin)
    assert returned.status_code == 200, returned.text
    assert (returned.json()["status"], returned.json()["return_reason"]) == (
        "returned",
        "与人才办台账不符,请核对",
    )
    assert await figure(client, admin, BAOAN) is None
    assert await pending(client, admin) == 3
    again = await client.post(f"{path}/accept", headers=admin)
    assert (again.status_code, again.json()["code"]) == (409, "submission_not_pending")

    # Corrected and sent again: under review once more, its first time kept.
    resent = await client.post(
        "/api/v1/indicators/talent_teams/values",
        json={"region_code": BAOAN, "year": 2025, "quarter": 3, "value": "5", "provenance": "administrative"},
        headers=township,
    )
    assert resent.status_code == 201, resent.text
    [submission] = (await client.get("/api/v1/reporting/submissions", headers=township)).json()["items"]
    assert (submission["status"], submission["value"], submission["revision"]) == ("submitted", "5", 2)
    assert submission["first_submitted_at"] == first_time
    assert await figure(client, admin, BAOAN) is None

    accepted = await client.post(f"{path}/accept", headers=admin)
    assert accepted.status_code == 200, accepted.text
    assert (accepted.json()["status"], accepted.json()["accepted_revision"]) == ("accepted", 2)
    assert await figure(client, admin, BAOAN) == "5"
    subject = f"submission:{submission['id']}"
    assert [e for e in await feed.new() if e[0].startswith("submission.")] == [
        ("submission.returned", subject),
        ("submission.accepted", subject),
    ]
    assert feed.data("submission.accepted", subject)["value"] == "5"
    assert await figure(client, admin, CITY) == "5"  # the city's rollup follows
    assert await pending(client, admin) == 3
    township_view = await client.get(
        "/api/v1/dashboard", params={"year": 2025, "as_of": "2025-09-30", "region": BAOAN}, headers=township
    )
    assert township_view.json()["pending_review"] == 0

    # The bureau's own write is accepted at once and counts: 金牛镇's pending figure is settled by it.
    written = await client.post(
        "/api/v1/indicators/talent_teams/values",
        json={
            "region_code": JINNIU,
            "year": 2025,
            "quarter": 3,
            "value": "7",
            "provenance": "administrative",
        },
        headers=admin,
    )
    assert written.status_code == 201, written.text
    assert await figure(client, admin, JINNIU) == "7"
    assert await figure(client, admin, CITY) == "12"
    settled = await client.get("/api/v1/reporting/submissions", params={"region_code": JINNIU}, headers=admin)
    [jinniu] = settled.json()["items"]
    assert (jinniu["status"], jinniu["reviewed_by"], jinniu["value"]) == ("accepted", "admin", "7")
    assert await pending(client, admin) == 2
    missing = await client.post("/api/v1/reporting/submissions/999999/accept", headers=admin)
    assert (missing.status_code, missing.json()["code"]) == (404, "submission_not_found")
