"""The change feed (`GET /api/v1/events`) and incremental reads (`updated_since`, `after`).

Every write records exactly the events its changes call for, each carrying the resource as its GET
answers afterwards; a consumer that keeps the latest `data` per `subject` holds the collections.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from datetime import datetime
from typing import Any

import httpx

from .conftest import Stack
from .helpers import HEAT_EXCHANGERS, HTE_2024, make_award, make_program, pay

HTE_RULE = {"qualification": "hte", "granted_year": 2024, "amount": "300000.00"}
Events = list[dict[str, Any]]
SETTLE_SECONDS = 30


class Follower:
    """A consumer of the feed: reads what is new since its last cursor.

    On PostgreSQL the feed serves a transaction's events once every older transaction of the
    server has ended (see `daye_kit.feed`), and the test server is shared: a write's events may
    arrive a moment later. They arrive together (one transaction), so the follower waits for the
    first of them and then reads on to the end."""

    def __init__(self, stack: Stack, headers: dict[str, str]) -> None:
        self.stack, self.headers, self.cursor = stack, headers, None
        self.seen: Events = []

    async def new(self, *, at_least: int = 1) -> Events:
        items: Events = []
        deadline = time.monotonic() + SETTLE_SECONDS
        while True:
            params: dict[str, Any] = {"limit": 50}
            if self.cursor:
                params["after"] = self.cursor
            response = await self.stack.funding.get("/api/v1/events", params=params, headers=self.headers)
            assert response.status_code == 200, response.text
            page = response.json()
            self.cursor = page["next_cursor"]
            items += page["items"]
            if not page["items"]:
                if len(items) >= at_least or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.05)
        self.seen += items
        return items


def at(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp)


def kinds(events: Events) -> Counter[str]:
    return Counter(event["type"] for event in events)


def one(events: Events, kind: str) -> dict[str, Any]:
    [found] = [event for event in events if event["type"] == kind]
    return found


async def get(client: httpx.AsyncClient, path: str, headers: dict[str, str], **params: Any) -> Any:
    response = await client.get(path, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def entries_of(stack: Stack, admin: dict[str, str], posting_id: int) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = (
        await get(stack.funding, "/api/v1/ledger/entries", admin, posting_id=posting_id)
    )["items"]
    return listed


async def test_each_write_records_its_events_with_the_resource_as_read_afterwards(
    stack: Stack, admin: dict[str, str], checker: dict[str, str]
) -> None:
    feed = Follower(stack, admin)
    client = stack.funding

    # A programme with a rule: the programme, its rule, and its budget's two ledger entries.
    program = await make_program(client, admin, budget="2000000.00", rule=HTE_RULE)
    made = await feed.new()
    assert kinds(made) == {"program.created": 1, "program_rule.created": 1, "ledger_entry.recorded": 2}
    created = one(made, "program.created")
    assert (created["subject"], created["data"]) == (f"program:{program['id']}", program)
    assert created["data"] == await get(client, f"/api/v1/programs/{program['id']}", admin)
    [rule] = await get(client, f"/api/v1/programs/{program['id']}/rules", admin)
    assert one(made, "program_rule.created")["data"] == rule
    budget_entries = [e["data"] for e in made if e["type"] == "ledger_entry.recorded"]
    assert budget_entries == await entries_of(stack, admin, budget_entries[0]["posting_id"])
    assert {e["subject"] for e in made if e["type"] == "ledger_entry.recorded"} == {
        f"ledger_entry:{entry['id']}" for entry in budget_entries
    }

    # A new rule version: the rule, and the programme whose current rule it now is.
    response = await client.post(
        f"/api/v1/programs/{program['id']}/rules", json={**HTE_RULE, "amount": "250000.00"}, headers=admin
    )
    assert response.status_code == 201, response.text
    made = await feed.new()
    assert kinds(made) == {"program_rule.created": 1, "program.updated": 1}
    assert one(made, "program_rule.created")["data"] == response.json()
    updated = one(made, "program.updated")["data"]
    assert updated == await get(client, f"/api/v1/programs/{program['id']}", admin)
    assert updated["rule"]["version"] == 2
    assert at(updated["updated_at"]) > at(program["updated_at"])

    # An award; its approval (with the programme's figures and the ledger); a rejection.
    award = await make_award(client, admin, program["id"], amount="500000.00")
    made = await feed.new()
    assert kinds(made) == {"award.created": 1}
    assert one(made, "award.created")["data"] == award
    assert one(made, "award.created")["subject"] == f"award:{award['id']}"
    approved = await client.post(f"/api/v1/awards/{award['id']}/approval", headers=checker)
    assert approved.status_code == 200, approved.text
    made = await feed.new()
    assert kinds(made) == {"award.approved": 1, "program.updated": 1, "ledger_entry.recorded": 2}
    assert one(made, "award.approved")["data"] == approved.json()
    assert one(made, "award.approved")["data"] == await get(client, f"/api/v1/awards/{award['id']}", admin)
    program_now = one(made, "program.updated")["data"]
    assert program_now == await get(client, f"/api/v1/programs/{program['id']}", admin)
    assert (program_now["committed"], program_now["available"]) == ("500000.00", "1500000.00")
    other = await make_award(client, admin, program["id"], credit_code=HEAT_EXCHANGERS.credit_code)
    rejected = await client.post(
        f"/api/v1/awards/{other['id']}/rejection", json={"reason": "材料不全"}, headers=checker
    )
    made = await feed.new(at_least=2)  # two writes
    assert kinds(made) == {"award.created": 1, "award.rejected": 1}
    assert one(made, "award.rejected")["data"] == rejected.json()

    # A payment: the disbursement, the award's and programme's figures, two ledger entries.
    key = str(uuid.uuid4())
    paid = await pay(client, admin, award["id"], "120000.00", key=key)
    assert paid.status_code == 201, paid.text
    made = await feed.new()
    assert kinds(made) == {
        "disbursement.paid": 1,
        "award.updated": 1,
        "program.updated": 1,
        "ledger_entry.recorded": 2,
    }
    disbursement_id = paid.json()["id"]
    disbursement = await get(client, f"/api/v1/disbursements/{disbursement_id}", admin)
    assert one(made, "disbursement.paid")["data"] == disbursement
    assert one(made, "disbursement.paid")["subject"] == f"disbursement:{disbursement_id}"
    award_now = one(made, "award.updated")["data"]
    assert award_now == await get(client, f"/api/v1/awards/{award['id']}", admin)
    assert (award_now["paid"], award_now["outstanding"]) == ("120000.00", "380000.00")
    assert one(made, "program.updated")["data"] == await get(
        client, f"/api/v1/programs/{program['id']}", admin
    )
    payment_entries = [e["data"] for e in made if e["type"] == "ledger_entry.recorded"]
    assert payment_entries == await entries_of(stack, admin, disbursement["posting_id"])

    # Its retry is answered again and records nothing; a refused payment records nothing: what
    # follows them on the feed is the reversal's events alone.
    assert (await pay(client, admin, award["id"], "120000.00", key=key)).status_code == 201
    assert (await pay(client, admin, award["id"], "999999.00")).status_code == 409

    # A reversal: the disbursement reversed, the figures back, the reversing entries.
    reversed_ = await client.post(
        f"/api/v1/disbursements/{disbursement_id}/reversal", json={"reason": "银行退票"}, headers=admin
    )
    assert reversed_.status_code == 200, reversed_.text
    made = await feed.new()
    assert kinds(made) == {
        "disbursement.reversed": 1,
        "award.updated": 1,
        "program.updated": 1,
        "ledger_entry.recorded": 2,
    }
    assert one(made, "disbursement.reversed")["data"] == reversed_.json()
    assert one(made, "disbursement.reversed")["data"]["status"] == "reversed"
    assert one(made, "award.updated")["data"]["outstanding"] == "500000.00"
    assert one(made, "award.updated")["data"] == await get(client, f"/api/v1/awards/{award['id']}", admin)

    # Generated awards: one event each, in one go.
    generated = await client.post(f"/api/v1/programs/{program['id']}/automatic-awards", headers=admin)
    assert generated.status_code == 200, generated.text
    made = await feed.new()
    assert kinds(made) == {"award.created": generated.json()["created"]}
    assert generated.json()["created"] > 1
    for event in made:
        assert event["data"] == await get(client, f"/api/v1/awards/{event['data']['id']}", admin)

    # Keeping the latest data per subject gives exactly what full reads give.
    await copy_equals_full_reads(stack, admin, feed.seen)
    assert len({event["id"] for event in feed.seen}) == len(feed.seen)


async def copy_equals_full_reads(stack: Stack, admin: dict[str, str], events: Events) -> None:
    copy: dict[str, dict[str, Any]] = {}
    for event in events:
        copy[event["subject"]] = event["data"]
    collections = {
        "program": "/api/v1/programs",
        "award": "/api/v1/awards",
        "disbursement": "/api/v1/disbursements",
        "ledger_entry": "/api/v1/ledger/entries",
    }
    for noun, path in collections.items():
        read = await get(stack.funding, path, admin, limit=200)
        assert read["total"] <= 200
        held = {subject: data for subject, data in copy.items() if subject.split(":")[0] == noun}
        assert held == {f"{noun}:{item['id']}": item for item in read["items"]}, noun


async def test_the_feed_pages_filters_by_type_and_refuses_unknown_types(
    stack: Stack, admin: dict[str, str]
) -> None:
    for _ in range(3):
        await make_program(stack.funding, admin)  # a programme and two ledger entries each
    await Follower(stack, admin).new(at_least=9)  # all nine served
    pages, cursor, seen = 0, None, []
    while True:
        params: dict[str, Any] = {"limit": 2, **({"after": cursor} if cursor else {})}
        page = await get(stack.funding, "/api/v1/events", admin, **params)
        assert page["next_cursor"]
        cursor = page["next_cursor"]
        if not page["items"]:
            break
        pages += 1
        seen += page["items"]
    assert (pages, len(seen)) == (5, 9)
    assert len({event["id"] for event in seen}) == 9  # no repeats across pages
    # An idle feed keeps the cursor where it was.
    assert (await get(stack.funding, "/api/v1/events", admin, after=cursor))["next_cursor"] == cursor

    only = await get(stack.funding, "/api/v1/events", admin, types="program.created")
    assert [event["type"] for event in only["items"]] == ["program.created"] * 3
    assert [event["data"]["id"] for event in only["items"]] == sorted(e["data"]["id"] for e in only["items"])
    both = await get(stack.funding, "/api/v1/events", admin, types="program.created,award.created")
    assert len(both["items"]) == 3
    repeated = await stack.funding.get(
        "/api/v1/events?types=program.created&types=ledger_entry.recorded", headers=admin
    )
    assert len(repeated.json()["items"]) == 9

    unknown = await stack.funding.get("/api/v1/events", params={"types": "award.paid"}, headers=admin)
    assert unknown.status_code == 422, unknown.text
    [error] = unknown.json()["errors"]
    assert (error["field"], error["rule"]) == ("query.types", "event_type")
    assert "award.paid" in error["message"]
    bad = await stack.funding.get("/api/v1/events", params={"after": "not-a-cursor"}, headers=admin)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "query.after"


async def test_the_feed_is_for_the_bureau_readers_and_services(stack: Stack) -> None:
    for account, status in [
        ("admin", 200),
        ("auditor", 200),
        ("viewer", 403),
        ("420281101", 403),
        (HTE_2024.credit_code, 403),
    ]:
        response = await stack.funding.get("/api/v1/events", headers=await stack.headers(account))
        assert response.status_code == status, (account, response.text)
    assert (await stack.funding.get("/api/v1/events")).status_code == 401


async def read_all_changes(
    stack: Stack, path: str, headers: dict[str, str], **params: Any
) -> tuple[list[dict[str, Any]], str | None]:
    """Every row of an incremental read, one per page, following next_cursor."""
    rows: list[dict[str, Any]] = []
    while True:
        page = await get(stack.funding, path, headers, limit=1, **params)
        if not page["items"]:
            return rows, page["next_cursor"]
        rows += page["items"]
        params = {"after": page["next_cursor"]}


async def test_incremental_reads_follow_changes_in_order_without_repeats(
    stack: Stack, admin: dict[str, str], checker: dict[str, str]
) -> None:
    client = stack.funding
    early = await make_program(client, admin, budget="3000000.00")
    first = await make_award(client, admin, early["id"], amount="100000.00")
    mark = first["updated_at"]
    late = await make_program(client, admin, budget="1000000.00")
    second = await make_award(
        client, admin, late["id"], amount="200000.00", credit_code=HEAT_EXCHANGERS.credit_code
    )
    third = await make_award(client, admin, late["id"], amount="300000.00", application_no="A-3")

    # Awards changed at or after the mark, in (updated_at, id) order, one page each.
    rows, cursor = await read_all_changes(stack, "/api/v1/awards", admin, updated_since=mark)
    assert [row["id"] for row in rows] == [first["id"], second["id"], third["id"]]
    assert [at(row["updated_at"]) for row in rows] == sorted(at(row["updated_at"]) for row in rows)
    since = await get(client, "/api/v1/awards", admin, updated_since=second["updated_at"], limit=1)
    assert (since["total"], [r["id"] for r in since["items"]]) == (2, [second["id"]])
    assert (await get(client, "/api/v1/awards", admin))["next_cursor"] is None  # offset paging

    # Nothing new: the cursor stays. Approving the first award brings it (only it) back.
    idle = await get(client, "/api/v1/awards", admin, after=cursor)
    assert (idle["items"], idle["next_cursor"]) == ([], cursor)
    assert (await client.post(f"/api/v1/awards/{first['id']}/approval", headers=checker)).status_code == 200
    changed, cursor = await read_all_changes(stack, "/api/v1/awards", admin, after=cursor)
    assert [(row["id"], row["status"]) for row in changed] == [(first["id"], "approved")]

    # The approval changed the early programme's figures too.
    programs, _ = await read_all_changes(stack, "/api/v1/programs", admin, updated_since=mark)
    assert [program["id"] for program in programs] == [late["id"], early["id"]]
    assert programs[-1]["committed"] == "100000.00"

    # Disbursements: a payment, then its reversal moves it to the end.
    paid = [(await pay(client, admin, first["id"], "1000.00")).json() for _ in range(3)]
    rows, cursor = await read_all_changes(stack, "/api/v1/disbursements", admin, updated_since=mark)
    assert [row["id"] for row in rows] == [d["id"] for d in paid]
    reversal = await client.post(
        f"/api/v1/disbursements/{paid[0]['id']}/reversal", json={"reason": "银行退票"}, headers=admin
    )
    assert reversal.status_code == 200
    rows, _ = await read_all_changes(stack, "/api/v1/disbursements", admin, after=cursor)
    assert [(row["id"], row["status"]) for row in rows] == [(paid[0]["id"], "reversed")]

    # Ledger entries: recorded once, in recording order; the reversal's two come last.
    entries, cursor = await read_all_changes(stack, "/api/v1/ledger/entries", admin, updated_since=mark)
    assert [entry["kind"] for entry in entries][-2:] == ["reversal", "reversal"]
    assert [entry["id"] for entry in entries] == sorted(entry["id"] for entry in entries)
    assert len(entries) == 2 + 2 + 3 * 2 + 2  # late's budget, the approval, three payments, a reversal
    assert (await get(client, "/api/v1/ledger/entries", admin, after=cursor))["items"] == []

    # A township's incremental read stays within its unit.
    township = await stack.headers("420281101")
    own, _ = await read_all_changes(stack, "/api/v1/awards", township, updated_since=mark)
    assert [row["id"] for row in own] == [third["id"], first["id"]]  # not the other unit's second


async def test_offset_does_not_combine_with_incremental_reads(stack: Stack, admin: dict[str, str]) -> None:
    program = await make_program(stack.funding, admin)
    page = await get(stack.funding, "/api/v1/programs", admin, updated_since=program["created_at"])
    for path in ("/api/v1/programs", "/api/v1/awards", "/api/v1/disbursements", "/api/v1/ledger/entries"):
        for extra in ({"after": page["next_cursor"]}, {"updated_since": program["created_at"]}):
            response = await stack.funding.get(path, params={"offset": 1, **extra}, headers=admin)
            assert response.status_code == 422, (path, response.text)
            assert response.json()["errors"][0]["field"] == "query.offset"
        broken = await stack.funding.get(path, params={"after": "xyz"}, headers=admin)
        assert broken.status_code == 422
        assert broken.json()["errors"][0]["field"] == "query.after"


async def test_the_generation_duty_records_an_event_per_award(stack: Stack, admin: dict[str, str]) -> None:
    program = await make_program(stack.funding, admin, budget="20000000.00", rule=HTE_RULE)
    feed = Follower(stack, admin)
    await feed.new(at_least=4)  # the programme, its rule, its budget's two entries
    run = await stack.funding.post("/api/v1/jobs/generate-automatic-awards/runs", headers=admin)
    assert run.status_code == 201, run.text
    made = await feed.new()
    listed = await get(stack.funding, "/api/v1/awards", admin, program_id=program["id"], limit=200)
    assert listed["total"] > 1
    assert kinds(made) == {"award.created": listed["total"]}
    assert {event["subject"]: event["data"] for event in made} == {
        f"award:{award['id']}": award for award in listed["items"]
    }
