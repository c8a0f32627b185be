"""The change feed and incremental reads: every write records exactly the events it should, each
carrying the resource as the API reads it afterwards; the feed pages in order and filters by type;
each collection reads what changed after a point, page by page, without repeats."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from daye_dev.pytest_plugin import bearer
from daye_kit.credit_code import complete
from daye_kit.settings import DEV_SERVICE_API_KEYS
from indicator_api.indicators.excel import values_workbook

from .conftest import DEMO_PASSWORD
from .test_cultivation import candidate
from .test_imports import candidate_row, candidates_book

JINNIU = "420281101"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Headers = dict[str, str]


async def settle(app: FastAPI) -> None:
    """PostgreSQL serves an event once every transaction older than its own has ended, in any
    database of the server (other tests' too): wait for that, for every write made so far."""
    engine = app.state.engine
    if engine.dialect.name != "postgresql":
        return
    async with engine.begin() as conn:
        mark = int((await conn.execute(text("SELECT pg_current_xact_id()::text::bigint"))).scalar_one())
    for _ in range(600):
        async with engine.connect() as conn:
            horizon = (
                await conn.execute(text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint"))
            ).scalar_one()
        if int(horizon) > mark:
            return
        await asyncio.sleep(0.1)
    raise AssertionError("a transaction older than this test's writes is still running")


class Feed:
    """A consumer of the feed: reads from where it left off."""

    def __init__(self, app: FastAPI, client: httpx.AsyncClient, headers: Headers) -> None:
        self.app, self.client, self.headers, self.cursor = app, client, headers, ""

    async def read(self, **params: Any) -> list[dict[str, Any]]:
        await settle(self.app)
        items: list[dict[str, Any]] = []
        while True:
            query = {"limit": 1000, **params, **({"after": self.cursor} if self.cursor else {})}
            answer = await self.client.get("/api/v1/events", params=query, headers=self.headers)
            assert answer.status_code == 200, answer.text
            body = answer.json()
            self.cursor = body["next_cursor"]
            items += body["items"]
            if not body["items"]:
                return items

    async def new(self) -> list[tuple[str, str]]:
        """The (type, subject) of every event since the last read."""
        self.events = await self.read()
        return [(e["type"], e["subject"]) for e in self.events]

    def data(self, type_: str, subject: str) -> dict[str, Any]:
        [event] = [e for e in self.events if (e["type"], e["subject"]) == (type_, subject)]
        data: dict[str, Any] = event["data"]
        return data


async def feed_of(app: FastAPI, client: httpx.AsyncClient, admin: Headers) -> Feed:
    feed = Feed(app, client, admin)
    await feed.read()  # up to now
    return feed


async def get(client: httpx.AsyncClient, path: str, headers: Headers, **params: Any) -> Any:
    answer = await client.get(path, params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_registry_writes_emit_their_events(
    app: FastAPI, client: httpx.AsyncClient, admin: Headers
) -> None:
    feed = await feed_of(app, client, admin)
    code = complete("91420281MA7000001")
    subject = f"enterprise:{code}"
    body = {"credit_code": code, "name": "大冶市订阅测试有限公司", "region_code": JINNIU, "industry": "铸造"}
    body["qualifications"] = [{"kind": "tech_sme", "granted_on": "2025-03-01"}]
    assert (await client.post("/api/v1/enterprises", json=body, headers=admin)).status_code == 201
    read = await get(client, f"/api/v1/enterprises/{code}", admin)
    first = read["qualifications"][0]
    assert await feed.new() == [
        ("enterprise.created", subject),
        ("qualification.added", f"qualification:{first['id']}"),
    ]
    assert feed.data("enterprise.created", subject) == read
    assert feed.data("qualification.added", f"qualification:{first['id']}") == first

    changed = await client.patch(f"/api/v1/enterprises/{code}", json={"industry": "冶金"}, headers=admin)
    assert changed.status_code == 200, changed.text
    assert await feed.new() == [("enterprise.updated", subject)]
    assert feed.data("enterprise.updated", subject) == await get(client, f"/api/v1/enterprises/{code}", admin)

    added = await client.post(
        f"/api/v1/enterprises/{code}/qualifications",
        json={"kind": "hte", "granted_on": "2025-11-03"},
        headers=admin,
    )
    assert added.status_code == 201, added.text
    qualification = f"qualification:{added.json()['id']}"
    # The enterprise's answer lists its qualifications: it changed too.
    assert await feed.new() == [("qualification.added", qualification), ("enterprise.updated", subject)]
    listed = await get(client, "/api/v1/qualifications", admin, credit_code=code)
    assert feed.data("qualification.added", qualification) == listed["items"][-1] == added.json()
    assert feed.data("enterprise.updated", subject) == await get(client, f"/api/v1/enterprises/{code}", admin)


async def test_indicator_writes_emit_their_events(
    app: FastAPI, client: httpx.AsyncClient, admin: Headers
) -> None:
    feed = await feed_of(app, client, admin)
    indicator = {
        "code": "feed_patents",
        "name": "订阅专利数",
        "unit": "件",
        "category": "知识产权",
        "accumulation": "cumulative",
        "additive": True,
    }
    assert (await client.post("/api/v1/indicators", json=indicator, headers=admin)).status_code == 201
    assert await feed.new() == [("indicator.created", "indicator:feed_patents")]
    patched = await client.patch("/api/v1/indicators/feed_patents", json={"name": "订阅专利"}, headers=admin)
    assert patched.status_code == 200
    assert await feed.new() == [("indicator.updated", "indicator:feed_patents")]
    assert feed.data("indicator.updated", "indicator:feed_patents") == await get(
        client, "/api/v1/indicators/feed_patents", admin
    )

    value = {"region_code": JINNIU, "year": 2031, "month": 3, "value": "12.5", "provenance": "statistics"}
    recorded = await client.post("/api/v1/indicators/feed_patents/values", json=value, headers=admin)
    assert recorded.status_code == 201, recorded.text
    subject = f"indicator_value:{recorded.json()['id']}"
    assert await feed.new() == [("indicator_value.recorded", subject)]
    [listed] = (await get(client, "/api/v1/indicators/feed_patents/values", admin, year=2031))["items"]
    assert feed.data("indicator_value.recorded", subject) == listed
    again = await client.post("/api/v1/indicators/feed_patents/values", json=value, headers=admin)
    assert again.status_code == 200
    assert await feed.new() == []  # nothing written, nothing to tell

    rows = [
        {**value, "indicator_code": "feed_patents"},  # unchanged
        {**value, "indicator_code": "feed_patents", "month": 4, "value": "13"},
        {**value, "indicator_code": "feed_patents", "month": 5, "value": "14"},
    ]
    bulk = await client.post("/api/v1/indicator-values/bulk", json={"items": rows}, headers=admin)
    assert bulk.json() == {"written": 2, "unchanged": 1}
    history = await get(client, "/api/v1/indicators/feed_patents/values", admin, year=2031, history="true")
    by_id = {f"indicator_value:{v['id']}": v for v in history["items"]}
    assert [t for t, _ in await feed.new()] == ["indicator_value.recorded"] * 2
    assert all(e["data"] == by_id[e["subject"]] for e in feed.events)

    book = values_workbook([["feed_patents", JINNIU, 2031, None, 5, "15", "统计", ""]])
    uploaded = await client.post(
        "/api/v1/imports/indicator-values", files={"file": ("v.xlsx", book, XLSX)}, headers=admin
    )
    assert uploaded.json() == {"written": 1, "unchanged": 0}, uploaded.text
    [(kind, subject)] = await feed.new()
    assert kind == "indicator_value.recorded"
    assert feed.events[0]["data"]["revision"] == 2

    target = await client.put(
        "/api/v1/indicators/feed_patents/targets/2031", json={"value": "100"}, headers=admin
    )
    assert target.status_code == 200
    assert await feed.new() == [("target.set", "target:feed_patents:420281:2031")]
    assert feed.events[0]["data"] == target.json()

    quotas = {"items": [{"region_code": JINNIU, "measure": "hte_applications", "quota": 7}]}
    quotas["items"].append({"region_code": "420281102", "measure": "hte_applications", "quota": 5})
    assert (
        await client.put("/api/v1/cultivation/quotas/2031", json=quotas, headers=admin)
    ).status_code == 200
    assert await feed.new() == [
        ("quota.set", f"quota:{JINNIU}:2031:hte_applications"),
        ("quota.set", "quota:420281102:2031:hte_applications"),
    ]
    assert feed.events[0]["data"] == {
        "region_code": JINNIU,
        "measure": "hte_applications",
        "quota": 7,
        "year": 2031,
        "set_by": "admin",
    }


async def test_cultivation_writes_emit_their_events(
    app: FastAPI, client: httpx.AsyncClient, admin: Headers
) -> None:
    feed = await feed_of(app, client, admin)
    township = await bearer(client, JINNIU, DEMO_PASSWORD)
    viewer = await bearer(client, "viewer", DEMO_PASSWORD)  # whose answers list no moves, as events
    body = candidate(901)
    made = await client.post(f"/api/v1/regions/{JINNIU}/candidates", json=body, headers=township)
    assert made.status_code == 201, made.text
    subject = f"candidate:{made.json()['id']}"
    enterprise = f"enterprise:{body['credit_code']}"
    assert await feed.new() == [("enterprise.created", enterprise), ("candidate.submitted", subject)]
    assert feed.data("candidate.submitted", subject) == await get(
        client, f"/api/v1/{subject.replace(':', 's/')}", viewer
    )
    assert feed.data("enterprise.created", enterprise) == await get(
        client, f"/api/v1/enterprises/{body['credit_code']}", admin
    )

    batch = {"items": [candidate(902), candidate(903)]}
    bulk = await client.post(f"/api/v1/regions/{JINNIU}/candidates/bulk", json=batch, headers=township)
    assert bulk.status_code == 201, bulk.text
    assert sorted(t for t, _ in await feed.new()) == ["candidate.submitted"] * 2 + ["enterprise.created"] * 2
    for event in feed.events:
        path = event["subject"].replace("candidate:", "candidates/").replace("enterprise:", "enterprises/")
        assert event["data"] == await get(client, f"/api/v1/{path}", viewer)

    code = complete("91420281MA8000904")
    book = candidates_book([candidate_row(code, "大冶市候选904号科技有限公司")])
    uploaded = await client.post(
        f"/api/v1/imports/regions/{JINNIU}/candidates",
        files={"file": ("c.xlsx", book, XLSX)},
        headers=township,
    )
    assert uploaded.status_code == 200, uploaded.text
    assert sorted(t for t, _ in await feed.new()) == ["candidate.submitted", "enterprise.created"]

    for stage in ("applied", "certified"):
        moved = await client.patch(
            f"/api/v1/{subject.replace(':', 's/')}", json={"stage": stage}, headers=admin
        )
        assert moved.status_code == 200, moved.text
        events = await feed.new()
        assert events[-1] == ("candidate.moved", subject)
        assert feed.data("candidate.moved", subject) == await get(
            client, f"/api/v1/{subject.replace(':', 's/')}", viewer
        )
    # Certification writes the qualification into the registry: both change.
    assert [t for t, _ in events] == ["qualification.added", "enterprise.updated", "candidate.moved"]
    assert feed.data("enterprise.updated", enterprise) == await get(
        client, f"/api/v1/enterprises/{body['credit_code']}", admin
    )


def undone(match_id: int) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "type": "match.undone",
        "occurred_at": "2025-07-01T00:00:00Z",
        "subject": f"match:{match_id}",
        "data": {"match_id": match_id},
        "source": "matching-api",
    }


async def test_tech_contract_writes_emit_their_events(
    app: FastAPI, client: httpx.AsyncClient, admin: Headers
) -> None:
    feed = await feed_of(app, client, admin)
    token = await client.post(
        "/api/v1/auth/token",
        data={"grant_type": "client_credentials", "client_secret": DEV_SERVICE_API_KEYS["matching-api"]},
    )
    matching = {"Authorization": f"Bearer {token.json()['access_token']}"}
    enterprise = (await get(client, "/api/v1/enterprises", admin, region=JINNIU, limit=1))["items"][0]
    terms = {"amount": "2500000.00", "contract_type": "development", "signed_on": "2025-06-15"}
    succeeded = {
        "id": str(uuid.uuid4()),
        "type": "match.succeeded",
        "occurred_at": "2025-06-15T00:00:00Z",
        "subject": "match:8801",
        "data": {"match_id": 8801, "credit_code": enterprise["credit_code"], "contract": terms},
        "source": "matching-api",
    }
    assert (await client.post("/api/v1/inbox", json=succeeded, headers=matching)).status_code == 200
    [contract] = (await get(client, "/api/v1/tech-contracts", admin, source_id="8801"))["items"]
    subject = f"tech_contract:{contract['id']}"
    events = await feed.new()
    assert events[-1] == ("tech_contract.recorded", subject)
    assert {t for t, _ in events[:-1]} == {"indicator_value.recorded"}  # the turnover moved
    assert feed.data("tech_contract.recorded", subject) == contract

    revised = {**succeeded, "id": str(uuid.uuid4()), "type": "match.contract_revised"}
    revised["data"] = {**succeeded["data"], "contract": {**terms, "amount": "3000000.00"}}
    assert (await client.post("/api/v1/inbox", json=revised, headers=matching)).status_code == 200
    events = await feed.new()
    assert [e for e in events if e[0] != "indicator_value.recorded"] == [("tech_contract.updated", subject)]
    read = await get(client, f"/api/v1/tech-contracts/{contract['id']}", admin)
    assert feed.data("tech_contract.updated", subject) == read
    assert read["revision"] == 2

    assert (await client.post("/api/v1/inbox", json=undone(8801), headers=matching)).status_code == 200
    events = await feed.new()
    assert [e for e in events if e[0] != "indicator_value.recorded"] == [("tech_contract.updated", subject)]
    assert feed.data("tech_contract.updated", subject)["status"] == "cancelled"


async def test_the_feed_pages_in_order_and_filters_by_type(
    app: FastAPI, client: httpx.AsyncClient, admin: Headers
) -> None:
    feed = await feed_of(app, client, admin)
    for n in range(3):
        code = complete(f"91420281MA710000{n}")
        body = {"credit_code": code, "name": f"大冶市分页{n}号有限公司", "region_code": JINNIU}
        assert (await client.post("/api/v1/enterprises", json=body, headers=admin)).status_code == 201
        assert (
            await client.patch(f"/api/v1/enterprises/{code}", json={"industry": "铸造"}, headers=admin)
        ).status_code == 200
    start = feed.cursor
    await settle(feed.app)
    seen: list[str] = []
    for _ in range(6):
        page = await get(client, "/api/v1/events", admin, after=feed.cursor, limit=1)
        assert len(page["items"]) == 1
        seen.append(page["items"][0]["id"])
        feed.cursor = page["next_cursor"]
    assert len(set(seen)) == 6
    last = await get(client, "/api/v1/events", admin, after=feed.cursor)
    assert last == {"items": [], "next_cursor": feed.cursor}  # nothing new: the same place

    created = await get(client, "/api/v1/events", admin, after=start, types="enterprise.created")
    assert [e["type"] for e in created["items"]] == ["enterprise.created"] * 3
    both = await get(
        client, "/api/v1/events", admin, after=start, types=["enterprise.created", "enterprise.updated"]
    )
    assert [e["id"] for e in both["items"]] == seen

    unknown = await client.get("/api/v1/events", params={"types": "enterprise.deleted"}, headers=admin)
    assert unknown.status_code == 422
    assert [e["field"] for e in unknown.json()["errors"]] == ["query.types"]
    township = await bearer(client, JINNIU, DEMO_PASSWORD)
    assert (await client.get("/api/v1/events", headers=township)).status_code == 403


async def read_changes(
    client: httpx.AsyncClient, path: str, headers: Headers, since: datetime, key: str, **params: Any
) -> list[Any]:
    """Every row changed since `since`, two at a time, following `next_cursor`; checks the order."""
    query: dict[str, Any] = {"updated_since": since.isoformat(), "limit": 2, **params}
    keys: list[Any] = []
    while True:
        page = await get(client, path, headers, **query)
        keys += [item[key] for item in page["items"]]
        if not page["items"]:
            assert page["next_cursor"] == query.get("after")  # caught up: the same place
            break
        assert page["next_cursor"] is not None
        query = {"after": page["next_cursor"], "limit": 2, **params}
    assert len(keys) == len(set(keys)), "a row was read twice"
    return keys


async def test_each_collection_reads_what_changed_after_a_point(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    since = datetime.now(UTC)
    township = await bearer(client, JINNIU, DEMO_PASSWORD)
    codes = [complete(f"91420281MA720000{n}") for n in range(3)]
    for code in codes:
        body = {"credit_code": code, "name": f"大冶市增量{code[-4:]}有限公司", "region_code": JINNIU}
        assert (await client.post("/api/v1/enterprises", json=body, headers=admin)).status_code == 201
    # The first one changes last: it comes last.
    assert (
        await client.patch(f"/api/v1/enterprises/{codes[0]}", json={"industry": "冶金"}, headers=admin)
    ).status_code == 200
    assert await read_changes(client, "/api/v1/enterprises", admin, since, "credit_code") == [
        *codes[1:],
        codes[0],
    ]
    # A township's incremental read is its own unit's, like its ordinary one.
    other = await bearer(client, "420281102", DEMO_PASSWORD)
    assert await read_changes(client, "/api/v1/enterprises", other, since, "credit_code") == []

    for code in codes:
        made = await client.post(
            f"/api/v1/enterprises/{code}/qualifications",
            json={"kind": "hte", "granted_on": "2025-05-05"},
            headers=admin,
        )
        assert made.status_code == 201
    assert await read_changes(client, "/api/v1/qualifications", admin, since, "credit_code") == codes

    ids = []
    for n in range(3):
        made = await client.post(
            f"/api/v1/regions/{JINNIU}/candidates", json=candidate(950 + n), headers=township
        )
        ids.append(made.json()["id"])
    moved = await client.patch(f"/api/v1/candidates/{ids[0]}", json={"stage": "coached"}, headers=township)
    assert moved.status_code == 200
    expected = [*ids[1:], ids[0]]
    assert (
        await read_changes(client, f"/api/v1/regions/{JINNIU}/candidates", township, since, "id") == expected
    )
    assert (
        await read_changes(client, "/api/v1/candidates", admin, since, "id", region_code=JINNIU) == expected
    )

    rows = [
        {"indicator_code": "graduates_new", "region_code": JINNIU, "year": 2031, "month": m, "value": str(m)}
        for m in (1, 2, 3)
    ]
    rows = [{**r, "provenance": "statistics"} for r in rows]
    assert (
        await client.post("/api/v1/indicator-values/bulk", json={"items": rows}, headers=admin)
    ).status_code == 200
    values = await read_changes(client, "/api/v1/indicators/graduates_new/values", admin, since, "id")
    assert len(values) == 3
    assert values == sorted(values)

    contracts = []
    for n in range(3):
        body = {
            "source": "feed-test",
            "source_id": f"c-{n}",
            "credit_code": codes[n],
            "amount": "1000.00",
            "contract_type": "service",
            "signed_on": "2025-08-01",
        }
        made = await client.post("/api/v1/tech-contracts", json=body, headers=admin)
        assert made.status_code == 201, made.text
        contracts.append(made.json()["id"])
    assert await read_changes(client, "/api/v1/tech-contracts", admin, since, "id") == contracts


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/enterprises",
        "/api/v1/qualifications",
        "/api/v1/candidates",
        f"/api/v1/regions/{JINNIU}/candidates",
        "/api/v1/indicators/graduates_new/values",
        "/api/v1/tech-contracts",
    ],
)
async def test_offset_cannot_go_with_an_incremental_read(
    client: httpx.AsyncClient, admin: Headers, path: str
) -> None:
    answer = await client.get(
        path, params={"updated_since": "2025-01-01T00:00:00Z", "offset": 5}, headers=admin
    )
    assert answer.status_code == 422, answer.text
    assert [e["field"] for e in answer.json()["errors"]] == ["query.offset"]
    bad = await client.get(path, params={"after": "not-a-cursor"}, headers=admin)
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["query.after"]


async def test_events_past_the_retention_are_pruned(
    app: FastAPI, client: httpx.AsyncClient, admin: Headers
) -> None:
    feed = await feed_of(app, client, admin)
    for n in range(2):
        body = {"credit_code": complete(f"91420281MA730000{n}"), "name": f"大冶市保留{n}号有限公司"}
        body["region_code"] = JINNIU
        assert (await client.post("/api/v1/enterprises", json=body, headers=admin)).status_code == 201
    await settle(app)
    first = await get(client, "/api/v1/events", admin, after=feed.cursor, limit=1)
    jobs = (await get(client, "/api/v1/jobs", admin))["items"]
    assert "prune-events" in {job["name"] for job in jobs}
    app.state.settings.event_retention_days = 0  # everything is past it, but the newest event
    ran = await client.post("/api/v1/jobs/prune-events/runs", headers=admin)
    assert ran.status_code == 201, ran.text
    assert ran.json()["summary"]["deleted"] >= 1
    kept = await get(client, "/api/v1/events", admin)
    assert [e["subject"] for e in kept["items"]] == [f"enterprise:{complete('91420281MA7300001')}"]
    gone = await client.get("/api/v1/events", params={"after": first["next_cursor"]}, headers=admin)
    assert gone.status_code == 410
    assert gone.json()["code"] == "cursor_expired"
