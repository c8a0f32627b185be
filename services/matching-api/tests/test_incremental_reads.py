"""Incremental reads of demands, supplies and dockings: `updated_since` and keyset `after` give the
rows changed after a point in (updated_at, id) order, and `next_cursor` continues without repeats."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from .conftest import EXCHANGER, FOUNDRY, Matching
from .test_demands import post
from .test_matches import supply

Make = Callable[[Matching, int], Awaitable[dict[str, Any]]]
Change = Callable[[Matching, dict[str, Any]], Awaitable[None]]


async def make_demand(m: Matching, n: int) -> dict[str, Any]:
    return await post(m, title=f"铸件缺陷攻关第{n}号")


async def change_demand(m: Matching, row: dict[str, Any]) -> None:
    changed = await m.client.patch(
        f"/api/v1/demands/{row['id']}", json={"budget": "310000.00"}, headers=m.enterprise(FOUNDRY)
    )
    assert changed.status_code == 200, changed.text


async def make_supply(m: Matching, n: int) -> dict[str, Any]:
    return await supply(m, name=f"专家团队{n}号(铸造工艺)")


async def change_supply(m: Matching, row: dict[str, Any]) -> None:
    changed = await m.client.patch(f"/api/v1/supplies/{row['id']}", json={"capacity": 7}, headers=m.admin)
    assert changed.status_code == 200, changed.text


async def make_match(m: Matching, n: int) -> dict[str, Any]:
    demand, expert = await make_demand(m, n), await make_supply(m, n)
    created = await m.client.post(
        "/api/v1/matches", json={"demand_id": demand["id"], "supply_id": expert["id"]}, headers=m.admin
    )
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


async def change_match(m: Matching, row: dict[str, Any]) -> None:
    moved = await m.client.patch(f"/api/v1/matches/{row['id']}", json={"status": "docking"}, headers=m.admin)
    assert moved.status_code == 200, moved.text


COLLECTIONS = {
    "demands": (make_demand, change_demand),
    "supplies": (make_supply, change_supply),
    "matches": (make_match, change_match),
}


async def read(m: Matching, collection: str, **params: Any) -> dict[str, Any]:
    response = await m.client.get(f"/api/v1/{collection}", params=params, headers=m.admin)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def position(row: dict[str, Any]) -> tuple[str, int]:
    return row["updated_at"], row["id"]


@pytest.mark.parametrize("collection", list(COLLECTIONS))
async def test_changes_after_a_point_in_order_and_the_cursor_continues(
    matching: Matching, collection: str
) -> None:
    m = matching
    make, change = COLLECTIONS[collection]
    rows = [await make(m, n) for n in range(5)]
    plain = await read(m, collection)
    assert plain["next_cursor"] is None  # offset paging has no cursor

    # From the third row's stamp on: the third to the fifth, oldest change first.
    since = rows[2]["updated_at"]
    first = await read(m, collection, updated_since=since, limit=2)
    assert first["total"] == 3
    assert [r["id"] for r in first["items"]] == [rows[2]["id"], rows[3]["id"]]
    second = await read(m, collection, updated_since=since, after=first["next_cursor"], limit=2)
    assert [r["id"] for r in second["items"]] == [rows[4]["id"]]
    end = await read(m, collection, updated_since=since, after=second["next_cursor"], limit=2)
    assert end["items"] == []
    assert end["next_cursor"] == second["next_cursor"]  # nothing new: the reader keeps its place

    # The first row changes: it comes next, once, after what the reader has, and only it.
    await change(m, rows[0])
    later = await read(m, collection, after=end["next_cursor"])
    assert [r["id"] for r in later["items"]] == [rows[0]["id"]]
    assert later["items"][0]["updated_at"] > rows[4]["updated_at"]

    # A whole walk from the start, page by page: every row once, in (updated_at, id) order.
    seen: list[dict[str, Any]] = []
    page = await read(m, collection, updated_since="2000-01-01T00:00:00+08:00", limit=2)
    while page["items"]:
        seen += page["items"]
        page = await read(m, collection, after=page["next_cursor"], limit=2)
    assert sorted(r["id"] for r in seen) == sorted(r["id"] for r in plain["items"])
    assert [position(r) for r in seen] == sorted(position(r) for r in seen)


@pytest.mark.parametrize("collection", list(COLLECTIONS))
async def test_offset_does_not_go_with_an_incremental_read(matching: Matching, collection: str) -> None:
    m = matching
    await COLLECTIONS[collection][0](m, 0)
    cursor = (await read(m, collection, updated_since="2000-01-01T00:00:00+00:00"))["next_cursor"]
    for params in (
        {"after": cursor, "offset": 1},
        {"updated_since": "2000-01-01T00:00:00+00:00", "offset": 1},
    ):
        response = await m.client.get(f"/api/v1/{collection}", params=params, headers=m.admin)
        assert response.status_code == 422, response.text
        assert [(e["field"], e["rule"]) for e in response.json()["errors"]] == [("query.offset", "exclusive")]
    bad = await m.client.get(f"/api/v1/{collection}", params={"after": "bm90IGEgY3Vyc29y"}, headers=m.admin)
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["query.after"]
    naive = await m.client.get(
        f"/api/v1/{collection}", params={"updated_since": "2025-01-01T00:00:00"}, headers=m.admin
    )
    assert naive.status_code == 422


async def test_demands_stay_newest_first_for_screens_and_filters_hold(matching: Matching) -> None:
    m = matching
    mine = [await make_demand(m, n) for n in range(3)]
    theirs = await post(m, EXCHANGER, title="换热器翅片焊接工艺攻关")
    listed = await read(m, "demands")
    assert [r["id"] for r in listed["items"]] == [theirs["id"], *[r["id"] for r in reversed(mine)]]
    await change_demand(m, mine[0])
    # An enterprise's incremental read holds its own demands only, oldest change first.
    response = await m.client.get(
        "/api/v1/demands",
        params={"updated_since": mine[0]["updated_at"]},
        headers=m.enterprise(FOUNDRY),
    )
    assert [r["id"] for r in response.json()["items"]] == [mine[1]["id"], mine[2]["id"], mine[0]["id"]]
    assert response.json()["total"] == 3


async def test_an_incremental_read_of_supplies_holds_withdrawn_ones(matching: Matching) -> None:
    m = matching
    kept, gone = await make_supply(m, 0), await make_supply(m, 1)
    await m.client.patch(f"/api/v1/supplies/{gone['id']}", json={"status": "withdrawn"}, headers=m.admin)
    assert [r["id"] for r in (await read(m, "supplies"))["items"]] == [kept["id"]]  # the screen: active
    since = kept["updated_at"]
    copy = await read(m, "supplies", updated_since=since)
    assert [(r["id"], r["status"]) for r in copy["items"]] == [
        (kept["id"], "active"),
        (gone["id"], "withdrawn"),
    ]
    asked = await read(m, "supplies", updated_since=since, status="withdrawn")
    assert [r["id"] for r in asked["items"]] == [gone["id"]]


async def test_a_docking_is_stamped_when_its_demand_shows_changed(matching: Matching) -> None:
    """A docking shows its demand's summary: renaming the demand puts the docking among the changes."""
    m = matching
    match = await make_match(m, 0)
    cursor = (await read(m, "matches", updated_since=match["updated_at"]))["next_cursor"]
    assert (await read(m, "matches", after=cursor))["items"] == []
    renamed = await m.client.patch(
        f"/api/v1/demands/{match['demand']['id']}", json={"title": "铸件气孔缺陷攻关(改)"}, headers=m.admin
    )
    assert renamed.status_code == 200
    [changed] = (await read(m, "matches", after=cursor))["items"]
    assert (changed["id"], changed["demand"]["title"]) == (match["id"], "铸件气孔缺陷攻关(改)")
