"""The change feed (`GET /api/v1/events`): every write announces the resource as its GET answers
afterwards, so a consumer keeping the latest `data` per subject holds the collections; the messages
to indicator-api stay out of it. Paging, type filters and who may read it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from daye_kit.outbox import EVENTS

from .conftest import EXCHANGER, FOUNDRY, Matching
from .test_demands import post
from .test_matches import supply

COLLECTIONS = {"demand": "demands", "supply": "supplies", "match": "matches"}
CONTRACT = {"amount": "1200000.00", "contract_type": "development", "signed_on": "2025-06-30"}


class Follower:
    """An outside system following the feed: the events since its last poll, and its copy."""

    def __init__(self, m: Matching) -> None:
        self.m = m
        self.cursor: str | None = None
        self.copy: dict[str, dict[str, Any]] = {}
        self.seen: list[str] = []

    async def poll(self) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"limit": 1000}
        if self.cursor:
            params["after"] = self.cursor
        response = await self.m.client.get("/api/v1/events", params=params, headers=self.m.admin)
        assert response.status_code == 200, response.text
        body = response.json()
        self.cursor = body["next_cursor"]
        for event in body["items"]:
            self.copy[event["subject"]] = event["data"]
            self.seen.append(event["id"])
        assert len(set(self.seen)) == len(self.seen), "an event came twice"
        items: list[dict[str, Any]] = body["items"]
        return items

    async def check_copy(self) -> None:
        """Every resource the feed has told of is, in the copy, what its GET answers now."""
        for subject, data in self.copy.items():
            collection, key = subject.split(":")
            read = await self.m.client.get(f"/api/v1/{COLLECTIONS[collection]}/{key}", headers=self.m.admin)
            assert read.json() == data, subject


def only(events: list[dict[str, Any]], subject: str, type_: str) -> dict[str, Any]:
    """The one event about `subject` among `events`, of type `type_`; its data."""
    about = [e for e in events if e["subject"] == subject]
    assert [e["type"] for e in about] == [type_], about
    data: dict[str, Any] = about[0]["data"]
    return data


async def get(m: Matching, path: str) -> dict[str, Any]:
    response = await m.client.get(path, headers=m.admin)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_each_write_announces_the_resource_as_its_get_answers(matching: Matching) -> None:
    m, feed = matching, Follower(matching)
    assert await feed.poll() == []
    empty_cursor = feed.cursor
    assert await feed.poll() == []
    assert feed.cursor == empty_cursor  # nothing new: the consumer keeps its place

    expert = await supply(m)
    s = f"supply:{expert['id']}"
    events = await feed.poll()
    assert len(events) == 1
    assert only(events, s, "supply.created") == expert == await get(m, f"/api/v1/supplies/{expert['id']}")
    assert set(events[0]) == {"id", "type", "occurred_at", "subject", "data"}

    demand = await post(m)
    d = f"demand:{demand['id']}"
    events = await feed.poll()
    assert len(events) == 1
    assert only(events, d, "demand.posted") == demand

    changed = await m.client.patch(
        f"/api/v1/demands/{demand['id']}", json={"budget": "350000.00"}, headers=m.enterprise(FOUNDRY)
    )
    events = await feed.poll()
    assert (
        only(events, d, "demand.updated") == changed.json() == await get(m, f"/api/v1/demands/{demand['id']}")
    )

    created = await m.client.post(
        "/api/v1/matches",
        json={"demand_id": demand["id"], "supply_id": expert["id"]},
        headers=m.enterprise(FOUNDRY),
    )
    match = created.json()
    x, path = f"match:{match['id']}", f"/api/v1/matches/{match['id']}"
    events = await feed.poll()
    assert only(events, x, "match.proposed") == match == await get(m, path)
    # The first response stamps the demand.
    assert only(events, d, "demand.updated")["first_response_at"] is not None
    assert len(events) == 2

    moved = await m.client.patch(path, json={"status": "docking"}, headers=m.admin)
    events = await feed.poll()
    assert len(events) == 1
    assert only(events, x, "match.updated") == moved.json() == await get(m, path)

    done = await m.client.patch(path, json={"status": "succeeded", "contract": CONTRACT}, headers=m.admin)
    events = await feed.poll()
    assert only(events, x, "match.succeeded") == done.json()
    assert only(events, d, "demand.matched")["status"] == "matched"
    assert len(events) == 2
    await feed.check_copy()

    # indicator-api takes the contract: the docking shows it registered.
    await m.deliver_all()
    events = await feed.poll()
    reported = only(events, x, "match.updated")
    assert (reported["contract_status"], reported["contract"]["reported_at"] is not None) == (
        "reported",
        True,
    )
    assert reported == await get(m, path)

    corrected = await m.client.put(
        f"{path}/contract", json={**CONTRACT, "amount": "900000.00"}, headers=m.admin
    )
    events = await feed.poll()
    assert len(events) == 1
    assert only(events, x, "match.contract_set") == corrected.json()

    undone = await m.client.patch(path, json={"status": "withdrawn"}, headers=m.admin)
    events = await feed.poll()
    assert only(events, x, "match.withdrawn") == undone.json()
    assert only(events, d, "demand.updated")["status"] == "open"
    await feed.check_copy()

    renamed = await m.client.patch(
        f"/api/v1/supplies/{expert['id']}", json={"name": "周立新教授团队(铸造与热处理)"}, headers=m.admin
    )
    events = await feed.poll()
    assert only(events, s, "supply.updated") == renamed.json()
    # The docking shows the supply's name: it is announced (and stamped) again.
    again = only(events, x, "match.updated")
    assert again["supply"]["name"] == "周立新教授团队(铸造与热处理)"
    assert again["updated_at"] > undone.json()["updated_at"]
    await feed.check_copy()

    # A change its dockings do not show announces the supply alone.
    await m.client.patch(f"/api/v1/supplies/{expert['id']}", json={"contact": "027-8754"}, headers=m.admin)
    events = await feed.poll()
    assert [e["subject"] for e in events] == [s]

    withdrawn = await m.client.patch(
        f"/api/v1/demands/{demand['id']}", json={"status": "withdrawn"}, headers=m.enterprise(FOUNDRY)
    )
    events = await feed.poll()
    assert only(events, d, "demand.withdrawn") == withdrawn.json()
    assert only(events, x, "match.updated")["demand"]["status"] == "withdrawn"
    await feed.check_copy()


async def test_failures_and_the_expiry_sweep_announce_each_docking(matching: Matching) -> None:
    m, feed = matching, Follower(matching)
    demand = await post(m)
    experts = [await supply(m, name=f"专家团队{n}号(铸造工艺)", owner_username=f"prof-{n}") for n in range(3)]
    matches = []
    for expert in experts:
        created = await m.client.post(
            "/api/v1/matches", json={"demand_id": demand["id"], "supply_id": expert["id"]}, headers=m.admin
        )
        matches.append(created.json())
    failed, docking, proposed = (f"/api/v1/matches/{x['id']}" for x in matches)
    for path in (failed, docking):
        await m.client.patch(path, json={"status": "docking"}, headers=m.admin)
    await feed.poll()

    gone = await m.client.patch(failed, json={"status": "failed"}, headers=m.admin)
    events = await feed.poll()
    assert len(events) == 1
    assert only(events, f"match:{matches[0]['id']}", "match.failed") == gone.json()

    # The scheduled duty closes the demand: the proposed docking closes with it, the others show it.
    ran = await m.client.post("/api/v1/jobs/close-expired-demands/runs", headers=m.admin)
    assert ran.json()["summary"] == {"closed_demands": 0, "closed_matches": 0}  # not expired yet
    assert await feed.poll() == []
    swept = await m.client.post(
        "/api/v1/demands/close-expired", params={"as_of": "2031-01-01"}, headers=m.admin
    )
    assert swept.json() == {"closed_demands": 1, "closed_matches": 1}
    events = await feed.poll()
    assert only(events, f"demand:{demand['id']}", "demand.closed")["status"] == "closed"
    assert only(events, f"match:{matches[2]['id']}", "match.closed") == await get(m, proposed)
    for x in matches[:2]:
        assert only(events, f"match:{x['id']}", "match.updated")["demand"]["status"] == "closed"
    assert len(events) == 4
    await feed.check_copy()


async def test_peer_messages_stay_out_of_the_feed(matching: Matching) -> None:
    m, feed = matching, Follower(matching)
    demand = await post(m)
    expert = await supply(m)
    for with_contract in (False, True):
        if with_contract:
            demand = await post(m, title="铸件热处理变形攻关")
        created = await m.client.post(
            "/api/v1/matches", json={"demand_id": demand["id"], "supply_id": expert["id"]}, headers=m.admin
        )
        path = f"/api/v1/matches/{created.json()['id']}"
        await m.client.patch(path, json={"status": "docking"}, headers=m.admin)
        body = {"status": "succeeded", **({"contract": CONTRACT} if with_contract else {})}
        await m.client.patch(path, json=body, headers=m.admin)
    events = await feed.poll()
    successes = [e for e in events if e["type"] == "match.succeeded"]
    assert len(successes) == 2
    assert all("events" in e["data"] and "match_id" not in e["data"] for e in successes)
    # One message for indicator-api (the contract), none without a destination.
    async with m.app.state.sessionmaker() as session:
        rows = (
            await session.execute(
                select(EVENTS.c.type, EVENTS.c.destination).where(
                    EVENTS.c.type.in_(["match.succeeded", "match.contract_revised", "match.undone"])
                )
            )
        ).all()
    assert sorted(rows, key=str) == sorted(
        [("match.succeeded", None), ("match.succeeded", None), ("match.succeeded", "indicator-api")], key=str
    )


async def test_the_feed_pages_with_its_cursor_and_filters_by_type(matching: Matching) -> None:
    m = matching
    for n in range(3):
        await supply(m, name=f"专家团队{n}号(铸造工艺)")
        await post(m, title=f"铸件缺陷攻关第{n}号")
    everything = (await m.client.get("/api/v1/events", headers=m.admin)).json()["items"]
    assert [e["type"] for e in everything] == ["supply.created", "demand.posted"] * 3

    pages, cursor = [], None
    while True:
        params: dict[str, Any] = {"limit": 4, **({"after": cursor} if cursor else {})}
        body = (await m.client.get("/api/v1/events", params=params, headers=m.admin)).json()
        if not body["items"]:
            assert body["next_cursor"] == cursor  # at the end, the consumer keeps its place
            break
        pages.append([e["id"] for e in body["items"]])
        cursor = body["next_cursor"]
    assert pages == [[e["id"] for e in everything[:4]], [e["id"] for e in everything[4:]]]

    demands = await m.client.get("/api/v1/events", params={"types": "demand.posted"}, headers=m.admin)
    assert [e["type"] for e in demands.json()["items"]] == ["demand.posted"] * 3
    both = await m.client.get(
        "/api/v1/events", params=[("types", "demand.posted"), ("types", "supply.created")], headers=m.admin
    )
    assert len(both.json()["items"]) == 6

    unknown = await m.client.get("/api/v1/events", params={"types": "demand.deleted"}, headers=m.admin)
    assert unknown.status_code == 422
    assert unknown.headers["content-type"] == "application/problem+json"
    assert [(e["field"], e["rule"]) for e in unknown.json()["errors"]] == [("query.types", "event_type")]
    bad = await m.client.get("/api/v1/events", params={"after": "not-a-cursor"}, headers=m.admin)
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["query.after"]


async def test_who_reads_the_feed(matching: Matching) -> None:
    m = matching
    await post(m)
    for headers in (m.admin, m.as_("gov-data", "viewer"), m.as_("svc-funding-api", "service")):
        response = await m.client.get("/api/v1/events", headers=headers)
        assert response.status_code == 200, response.text
        assert len(response.json()["items"]) == 1
    for headers in (m.enterprise(FOUNDRY), m.enterprise(EXCHANGER), m.township("420281101")):
        assert (await m.client.get("/api/v1/events", headers=headers)).status_code == 403
    assert (await m.client.get("/api/v1/events")).status_code == 401
