"""Month-end reminders: each township behind the pace of the year is told, with the bureau, once per
township and month; a township on pace is told nothing; each account reads only its own."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from daye_dev.pytest_plugin import bearer
from daye_kit.timestamps import LOCAL_TZ
from indicator_api.regions import reminders

from .conftest import DEMO_PASSWORD

SEPTEMBER = date(2025, 9, 30)  # the report's day: the demo's townships behind on cultivation
OCTOBER = date(2025, 10, 31)


async def remind(app: FastAPI, as_of: date) -> reminders.PaceReminders:
    async with app.state.sessionmaker() as session, session.begin():
        return await reminders.remind(session, city_code="420281", as_of=as_of)


async def ranking(client: httpx.AsyncClient, admin: dict[str, str], as_of: date) -> list[dict[str, Any]]:
    answer = await client.get(
        "/api/v1/cultivation/progress", params={"year": 2025, "as_of": as_of.isoformat()}, headers=admin
    )
    assert answer.status_code == 200, answer.text
    townships: list[dict[str, Any]] = answer.json()["townships"]
    return townships


async def notices(client: httpx.AsyncClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    answer = await client.get("/api/v1/notifications", params={"limit": 200}, headers=headers)
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


async def test_townships_behind_the_pace_are_told_once_a_month(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    townships = await ranking(client, admin, SEPTEMBER)
    behind = {t["region_code"] for t in townships if t["behind"]}
    on_pace = {t["region_code"] for t in townships if not t["behind"]}
    assert behind, "the demo has townships behind"
    assert on_pace, "and townships on pace"

    first = await remind(app, SEPTEMBER)
    assert (first.behind, first.notified) == (len(behind), len(behind))
    assert (await remind(app, SEPTEMBER)).notified == 0  # once per township and month

    bureau = await notices(client, admin)
    assert {(n["kind"], n["region_code"], n["year"], n["month"]) for n in bureau} == {
        ("township_behind_pace", code, 2025, 9) for code in behind
    }
    assert len(bureau) == len(behind)
    late = next(t for t in townships if t["behind"])
    told = await notices(client, await bearer(client, late["region_code"], DEMO_PASSWORD))
    [notice] = told
    assert notice["region_code"] == late["region_code"]
    assert notice["title"].startswith(f"{late['name']} 2025 年 9 月末")
    assert "按时间进度应达" in notice["body"]
    # A township on pace hears nothing, and nobody reads another township's notices.
    quiet = await bearer(client, sorted(on_pace)[0], DEMO_PASSWORD)
    assert await notices(client, quiet) == []
    refused = await client.patch(f"/api/v1/notifications/{notice['id']}", json={"read": True}, headers=quiet)
    assert (refused.status_code, refused.json()["code"]) == (404, "notification_not_found")
    viewer = await bearer(client, "viewer", DEMO_PASSWORD)
    assert await notices(client, viewer) == []


async def test_a_township_back_on_pace_is_not_told_the_next_month(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    late = next(t for t in await ranking(client, admin, SEPTEMBER) if t["behind"])
    await remind(app, SEPTEMBER)
    # Its quotas lowered to what it has already done by the end of October: ahead of any pace.
    october = {t["region_code"]: t for t in await ranking(client, admin, OCTOBER)}
    actual = october[late["region_code"]]["measures"]
    quotas = [
        {"region_code": late["region_code"], "measure": measure, "quota": progress["actual"]}
        for measure, progress in actual.items()
    ]
    saved = await client.put("/api/v1/cultivation/quotas/2025", json={"items": quotas}, headers=admin)
    assert saved.status_code == 200, saved.text
    still_behind = {t["region_code"] for t in await ranking(client, admin, OCTOBER) if t["behind"]}
    assert late["region_code"] not in still_behind

    sent = await remind(app, OCTOBER)
    assert sent.notified == len(still_behind)
    mine = await notices(client, await bearer(client, late["region_code"], DEMO_PASSWORD))
    assert [(n["year"], n["month"]) for n in mine] == [(2025, 9)]


async def test_the_month_end_duty_is_declared_and_runs(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    jobs = (await client.get("/api/v1/jobs", headers=admin)).json()["items"]
    [duty] = [job for job in jobs if job["name"] == "remind-townships-behind-pace"]
    assert duty["schedule"] == "0 17 L * *"
    # The next run is the last day of a month, at 17:00 in Daye.
    following = datetime.fromisoformat(duty["next_run_at"]).astimezone(LOCAL_TZ)
    assert ((following + timedelta(days=1)).day, following.hour, following.minute) == (1, 17, 0)
    ran = await client.post("/api/v1/jobs/remind-townships-behind-pace/runs", headers=admin)
    assert ran.status_code == 201, ran.text
    assert ran.json()["outcome"] == "ok"
    summary = ran.json()["summary"]
    assert set(summary) == {"as_of", "behind", "notified"}
    assert summary["notified"] == summary["behind"]
