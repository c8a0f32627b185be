"""matching-api's scheduled duties: listed at /api/v1/jobs, run now by the bureau, run on their own
by the lifespan's runner (once per occurrence with two replicas), and what they do: close expired
demands, remind once per demand, publish the statistics (failed, not crashed, when the peer is down)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from daye_kit.duties import RUNS
from daye_kit.timestamps import local_today, utcnow
from matching_api.demands.models import Demand
from matching_api.models import notifications as notification_rows

from .conftest import EXCHANGER, FOUNDRY, MakeMatching, Matching
from .test_demands import post


async def change_demand(m: Matching, demand_id: int, **values: Any) -> None:
    async with m.app.state.sessionmaker() as session, session.begin():
        await session.execute(update(Demand).where(Demand.id == demand_id).values(**values))  # type: ignore[arg-type]


async def expired_demand(m: Matching) -> int:
    demand_id = int((await post(m))["id"])
    await change_demand(m, demand_id, deadline=local_today() - timedelta(days=1))
    return demand_id


async def status_of(m: Matching, demand_id: int) -> str:
    response = await m.client.get(f"/api/v1/demands/{demand_id}", headers=m.admin)
    return str(response.json()["status"])


async def run(m: Matching, name: str, **headers: str) -> Any:
    return await m.client.post(f"/api/v1/jobs/{name}/runs", headers={**m.admin, **headers})


async def test_the_bureau_and_viewers_list_the_duties_others_are_refused(matching: Matching) -> None:
    listed = await matching.client.get("/api/v1/jobs", headers=matching.admin)
    assert listed.status_code == 200, listed.text
    jobs = {job["name"]: job for job in listed.json()["items"]}
    assert set(jobs) == {
        "close-expired-demands",
        "remind-demands",
        "publish-match-stats",
        "purge-idempotency-keys",
        "prune-events",
        "prune-audit",
        "prune-webhook-deliveries",
    }
    close = jobs["close-expired-demands"]
    assert (close["schedule"], close["timezone"], close["last_run"]) == ("5 0 * * *", "Asia/Shanghai", None)
    assert close["next_run_at"] > utcnow().isoformat()
    viewer = await matching.client.get("/api/v1/jobs", headers=matching.as_("gov", "viewer"))
    assert viewer.status_code == 200
    for headers in (
        matching.enterprise(FOUNDRY),
        matching.township("420281101"),
        matching.as_("s", "service"),
    ):
        refused = await matching.client.get("/api/v1/jobs", headers=headers)
        assert refused.status_code == 403
        refused = await matching.client.post("/api/v1/jobs/close-expired-demands/runs", headers=headers)
        assert refused.status_code == 403


async def test_a_deployment_schedule_is_what_the_runner_and_the_list_use(make_matching: MakeMatching) -> None:
    matching = await make_matching(
        duty_schedules={"close-expired-demands": {"schedule": "* * * * *", "grace_seconds": 90}}
    )
    listed = await matching.client.get("/api/v1/jobs", headers=matching.admin)
    jobs = {job["name"]: job for job in listed.json()["items"]}
    close = jobs["close-expired-demands"]
    assert (close["schedule"], close["grace_seconds"]) == ("* * * * *", 90)
    # As instants, not strings: "…15:25:00Z" sorts after "…15:25:00.34+00:00" though it is earlier.
    assert datetime.fromisoformat(close["next_run_at"]) <= utcnow() + timedelta(minutes=1)
    assert jobs["remind-demands"]["schedule"] == "0 9 * * *"
    # The runner runs this minute's occurrence (within its grace at any second), not 00:05's.
    before = utcnow()
    made = {run["duty"]: run for run in await matching.app.state.duty_runner.tick()}
    assert "close-expired-demands" in made, made
    scheduled = made["close-expired-demands"]["scheduled_for"]
    assert before - timedelta(minutes=1) < scheduled <= utcnow()
    assert scheduled.second == 0


async def test_a_deployment_schedule_for_no_duty_stops_the_start(make_matching: MakeMatching) -> None:
    with pytest.raises(ValueError, match="names no duty of this service"):
        await make_matching(duty_schedules={"close-demands": {"schedule": "* * * * *"}})


async def test_running_the_expiry_duty_now_closes_an_expired_demand(matching: Matching) -> None:
    expired = await expired_demand(matching)
    current = int((await post(matching, EXCHANGER))["id"])
    response = await run(matching, "close-expired-demands")
    assert response.status_code == 201, response.text
    ran = response.json()
    assert (ran["outcome"], ran["trigger"], ran["requested_by"]) == ("ok", "manual", "admin")
    assert ran["summary"] == {"closed_demands": 1, "closed_matches": 0}
    assert ran["occurrence"].startswith("manual:")
    assert (await status_of(matching, expired), await status_of(matching, current)) == ("closed", "open")
    listed = await matching.client.get("/api/v1/jobs", headers=matching.admin)
    last = {job["name"]: job["last_run"] for job in listed.json()["items"]}["close-expired-demands"]
    assert last == ran


async def test_an_unknown_duty_is_a_404_problem(matching: Matching) -> None:
    response = await run(matching, "make-coffee")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "duty_not_found"


async def test_a_run_now_retried_with_its_key_runs_once(matching: Matching) -> None:
    await expired_demand(matching)
    first = await run(matching, "close-expired-demands", **{"Idempotency-Key": "sweep-1"})
    await expired_demand(matching)
    again = await run(matching, "close-expired-demands", **{"Idempotency-Key": "sweep-1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    # The second expired demand waits for another occurrence.
    other = await run(matching, "close-expired-demands", **{"Idempotency-Key": "sweep-2"})
    assert other.json()["summary"]["closed_demands"] == 1


async def notifications(m: Matching, kind: str) -> list[tuple[str, int | None]]:
    async with m.app.state.sessionmaker() as session:
        rows = await session.execute(
            select(notification_rows.c.audience, notification_rows.c.demand_id)
            .where(notification_rows.c.kind == kind)
            .order_by(notification_rows.c.audience)
        )
        return [(audience, demand_id) for audience, demand_id in rows.all()]


async def test_reminders_are_sent_once_per_demand_and_kind(matching: Matching) -> None:
    closing = int((await post(matching))["id"])
    await change_demand(matching, closing, deadline=local_today() + timedelta(days=3))
    silent = int((await post(matching, EXCHANGER))["id"])
    await change_demand(matching, silent, posted_at=utcnow() - timedelta(days=15))
    fresh = int((await post(matching, EXCHANGER))["id"])
    assert fresh not in (closing, silent)

    first = (await run(matching, "remind-demands")).json()
    assert (first["outcome"], first["summary"]) == ("ok", {"deadline_soon": 1, "unanswered": 1})
    second = (await run(matching, "remind-demands")).json()
    assert (second["outcome"], second["summary"]) == ("ok", {"deadline_soon": 0, "unanswered": 0})

    assert await notifications(matching, "demand_deadline_soon") == [(f"enterprise:{FOUNDRY}", closing)]
    assert await notifications(matching, "demand_unanswered") == [
        ("bureau", silent),
        (f"enterprise:{EXCHANGER}", silent),
    ]
    inbox = await matching.client.get("/api/v1/notifications", headers=matching.enterprise(FOUNDRY))
    assert "demand_deadline_soon" in {n["kind"] for n in inbox.json()["items"]}


async def test_publishing_with_indicator_down_fails_that_run_and_the_next_succeeds(
    matching: Matching,
) -> None:
    await post(matching)
    address = matching.app.state.indicator.base_url
    matching.app.state.indicator.base_url = "http://127.0.0.1:9"
    failed = (await run(matching, "publish-match-stats")).json()
    assert failed["outcome"] == "failed"
    assert failed["error"]
    assert matching.indicator.values == []
    matching.app.state.indicator.base_url = address
    published = (await run(matching, "publish-match-stats")).json()
    assert published["outcome"] == "ok"
    today = local_today()
    assert published["summary"] == {"supply_chain_demands_posted": 1, "supply_chain_demands_matched": 0}
    await matching.deliver_all()  # the publication is an outbox event; it reaches indicator-api once
    assert [(v["code"], v["year"], v["month"], v["value"]) for v in matching.indicator.values] == [
        ("supply_chain_demands_posted", today.year, today.month, "1"),
        ("supply_chain_demands_matched", today.year, today.month, "0"),
    ]


async def wait_for(condition: Any, seconds: float = 20.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if await condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the duties did not run in time")


async def test_two_replicas_started_on_their_own_run_each_occurrence_once(
    make_matching: MakeMatching,
) -> None:
    """As after `make run`: nothing is called, yet the expired demand closes and the statistics are
    published, once, although two replicas run the duties."""
    first: Matching = await make_matching()
    expired = await expired_demand(first)
    url = first.app.state.settings.database_url
    indicator = first.indicator
    replicas = [
        await make_matching(database_url=url, indicator=indicator, run_duties=True, duty_tick_seconds=0.05)
        for _ in range(2)
    ]

    async def all_ran() -> bool:
        async with first.app.state.sessionmaker() as session:
            done = await session.execute(
                select(func.count()).select_from(RUNS).where(RUNS.c.outcome != "running")
            )
            return int(done.scalar_one()) == 7  # every duty below

    await wait_for(all_ran)
    await asyncio.sleep(0.3)  # more ticks of both replicas: nothing runs again
    assert await status_of(first, expired) == "closed"
    async with first.app.state.sessionmaker() as session:
        rows = (await session.execute(select(RUNS.c.duty, RUNS.c.outcome, RUNS.c.summary))).all()
    assert sorted((duty, outcome) for duty, outcome, _ in rows) == [
        ("close-expired-demands", "ok"),
        ("prune-audit", "ok"),
        ("prune-events", "ok"),
        ("prune-webhook-deliveries", "ok"),
        ("publish-match-stats", "ok"),
        ("purge-idempotency-keys", "ok"),
        ("remind-demands", "ok"),
    ]
    closed = [summary for duty, _, summary in rows if duty == "close-expired-demands"]
    assert closed == [{"closed_demands": 1, "closed_matches": 0}]
    await first.deliver_all()
    assert [v["code"] for v in indicator.values] == [
        "supply_chain_demands_posted",
        "supply_chain_demands_matched",
    ]
    listed = await replicas[1].client.get("/api/v1/jobs", headers=first.admin)
    assert all(job["last_run"]["trigger"] == "schedule" for job in listed.json()["items"])
