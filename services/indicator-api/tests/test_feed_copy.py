"""A copy kept from the change feed equals full reads: after the demo seed (whose rows are written in
bulk, then announced by `snapshot.record_all_rows`), and after an enterprise is renamed (its
candidates show its name, so they are announced again)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import FastAPI

from daye_demo.indicator.cultivation import QUOTAS_2025
from daye_demo.indicator.indicators import TARGETS_2025
from daye_demo.indicator.units import UNITS
from daye_dev.pytest_plugin import bearer

from .conftest import DEMO_PASSWORD
from .test_cultivation import candidate
from .test_feed import JINNIU, Feed, feed_of, get, read_changes

Headers = dict[str, str]
LONG_AGO = "2000-01-01T00:00:00Z"


async def full_read(client: httpx.AsyncClient, path: str, headers: Headers, **params: Any) -> list[Any]:
    """Every row of a collection: an incremental read from long ago, page by page."""
    query: dict[str, Any] = {"updated_since": LONG_AGO, "limit": 200, **params}
    items: list[Any] = []
    while True:
        page = await get(client, path, headers, **query)
        if not page["items"]:
            return items
        items += page["items"]
        query = {"after": page["next_cursor"], "limit": 200, **params}


def collection(copy: dict[str, dict[str, Any]], noun: str) -> dict[str, dict[str, Any]]:
    return {subject: data for subject, data in copy.items() if subject.split(":")[0] == noun}


def without(row: dict[str, Any], *fields: str) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in fields}


async def test_following_the_feed_from_its_start_copies_the_demo_data(
    app: FastAPI, client: httpx.AsyncClient, admin: Headers
) -> None:
    events = await Feed(app, client, admin).read()
    copy = {e["subject"]: e["data"] for e in events}
    # One event a row: the seed announced each once, and the test's start of the app (a restart of
    # the seeded template) announced nothing again.
    assert len(events) == len(copy)
    assert {s.split(":")[0] for s in copy} == {
        "indicator",
        "enterprise",
        "qualification",
        "candidate",
        "quota",
        "indicator_value",
        "target",
    }

    indicators = (await get(client, "/api/v1/indicators", admin))["items"]
    assert collection(copy, "indicator") == {f"indicator:{i['code']}": i for i in indicators}

    enterprises = await full_read(client, "/api/v1/enterprises", admin)
    assert len(enterprises) > 100
    assert any(e["qualifications"] for e in enterprises)
    assert collection(copy, "enterprise") == {f"enterprise:{e['credit_code']}": e for e in enterprises}

    qualifications = await full_read(client, "/api/v1/qualifications", admin)
    assert qualifications
    assert collection(copy, "qualification") == {f"qualification:{q['id']}": q for q in qualifications}

    # A list item leaves out the history and lists the reader's moves; the feed carries a candidate
    # as its single read shows it to a reader who may move nothing.
    candidates = await full_read(client, "/api/v1/candidates", admin)
    assert len(candidates) > 100
    copied = collection(copy, "candidate")
    assert {s: without(c, "history", "allowed_moves") for s, c in copied.items()} == {
        f"candidate:{c['id']}": without(c, "history", "allowed_moves") for c in candidates
    }
    viewer = await bearer(client, "viewer", DEMO_PASSWORD)
    for c in candidates:
        shown = await get(client, f"/api/v1/candidates/{c['id']}", viewer)
        assert shown["history"]
        assert copied[f"candidate:{c['id']}"] == shown
    kinds = {e["subject"]: e["type"] for e in events if e["subject"].startswith("candidate:")}
    assert {kinds[s] for s, c in copied.items() if len(c["history"]) == 1} == {"candidate.submitted"}
    assert {kinds[s] for s, c in copied.items() if len(c["history"]) > 1} == {"candidate.moved"}

    values = []
    for indicator in indicators:
        values += await full_read(
            client, f"/api/v1/indicators/{indicator['code']}/values", admin, history=True
        )
    assert len(values) > 100
    assert collection(copy, "indicator_value") == {f"indicator_value:{v['id']}": v for v in values}

    contracts = await full_read(client, "/api/v1/tech-contracts", admin)
    assert collection(copy, "tech_contract") == {f"tech_contract:{c['id']}": c for c in contracts}

    # Targets and quotas have no collection to read; the seed's are all there.
    assert {t["indicator_code"] for t in collection(copy, "target").values()} == set(TARGETS_2025)
    assert len(collection(copy, "quota")) == len(UNITS) * len(QUOTAS_2025)


async def test_renaming_an_enterprise_announces_its_candidates_again(
    app: FastAPI, client: httpx.AsyncClient, admin: Headers
) -> None:
    township = await bearer(client, JINNIU, DEMO_PASSWORD)
    viewer = await bearer(client, "viewer", DEMO_PASSWORD)
    ids = []
    for body in (candidate(970), candidate(970, program="tech_sme"), candidate(971)):
        made = await client.post(f"/api/v1/regions/{JINNIU}/candidates", json=body, headers=township)
        assert made.status_code == 201, made.text
        ids.append(made.json()["id"])
    code = candidate(970)["credit_code"]
    feed = await feed_of(app, client, admin)
    since = datetime.now(UTC)

    renamed = await client.patch(
        f"/api/v1/enterprises/{code}", json={"name": "大冶市更名后科技有限公司"}, headers=admin
    )
    assert renamed.status_code == 200, renamed.text
    assert await feed.new() == [
        ("enterprise.updated", f"enterprise:{code}"),
        ("candidate.updated", f"candidate:{ids[0]}"),
        ("candidate.updated", f"candidate:{ids[1]}"),
    ]
    for candidate_id in ids[:2]:
        shown = await get(client, f"/api/v1/candidates/{candidate_id}", viewer)
        assert shown["enterprise_name"] == "大冶市更名后科技有限公司"
        assert feed.data("candidate.updated", f"candidate:{candidate_id}") == shown
    # An incremental reader of the candidates sees the two, not the other enterprise's.
    assert await read_changes(client, "/api/v1/candidates", admin, since, "id") == ids[:2]

    # Neither another field nor the same name changes what a candidate shows.
    for change in ({"industry": "冶金"}, {"name": "大冶市更名后科技有限公司"}):
        answer = await client.patch(f"/api/v1/enterprises/{code}", json=change, headers=admin)
        assert answer.status_code == 200, answer.text
        assert await feed.new() == [("enterprise.updated", f"enterprise:{code}")]
