"""The audit trail in matching-api: demands, docking moves and refused moves."""

from __future__ import annotations

from daye_dev.audit import audit_rows

from .conftest import FOUNDRY, Matching
from .test_demands import post
from .test_matches import docking


async def test_writes_and_docking_moves_leave_one_row_each(matching: Matching) -> None:
    demand = await post(matching)
    [posted] = await audit_rows(matching.app, action="post_demand")
    assert (posted["actor"], posted["role"], posted["credit_code"]) == (FOUNDRY, "enterprise", FOUNDRY)
    assert (posted["object_type"], posted["object_id"], posted["outcome"]) == (
        "demands",
        str(demand["id"]),
        "success",
    )
    assert posted["after"]["title"] == demand["title"]
    assert "title" in posted["changed"]

    match = await docking(matching)
    moved = await matching.client.patch(
        f"/api/v1/matches/{match['id']}", json={"status": "docking"}, headers=matching.admin
    )
    assert moved.status_code == 200, moved.text
    [row] = await audit_rows(matching.app, moved.headers["x-request-id"])
    assert (row["action"], row["actor"], row["role"], row["object_type"], row["object_id"]) == (
        "update_match",
        "admin",
        "admin",
        "matches",
        str(match["id"]),
    )
    assert (row["before"]["status"], row["after"]["status"]) == ("proposed", "docking")
    assert "status" in row["changed"]

    illegal = await matching.client.patch(
        f"/api/v1/matches/{match['id']}", json={"status": "proposed"}, headers=matching.admin
    )
    assert illegal.status_code == 409
    [row] = await audit_rows(matching.app, illegal.headers["x-request-id"])
    assert (row["outcome"], row["status"], row["error_code"], row["before"], row["changed"]) == (
        "failure",
        409,
        "illegal_transition",
        None,
        [],
    )
    assert row["object_id"] == str(match["id"])  # from the path when nothing was written
    current = await matching.client.get(f"/api/v1/matches/{match['id']}", headers=matching.admin)
    assert current.json()["status"] == "docking"

    viewer = await matching.client.patch(
        f"/api/v1/matches/{match['id']}",
        json={"status": "succeeded"},
        headers=matching.as_("viewer", "viewer"),
    )
    assert viewer.status_code == 403
    [row] = await audit_rows(matching.app, viewer.headers["x-request-id"])
    assert (row["actor"], row["role"], row["outcome"], row["status"]) == ("viewer", "viewer", "failure", 403)
