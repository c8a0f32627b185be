"""Authorization bugs the platform's authorization matrix (tests/hardening) found, kept fixed."""

from __future__ import annotations

from .conftest import EXCHANGER, FOUNDRY, Matching
from .test_demands import post
from .test_matches import docking, supply


async def test_a_caller_without_a_side_is_refused_whatever_the_move(matching: Matching) -> None:
    # Viewers, the unit's township and services see the record but have no side in it: a move they may
    # never make was answered 409 (and which moves are legal) when it was illegal, 403 only when legal.
    match = await docking(matching)
    sideless = {
        "viewer": matching.as_("viewer", "viewer"),
        "township": matching.township("420281101"),
        "service": matching.as_("svc-funding-api", "service"),
    }
    for who, headers in sideless.items():
        assert (
            await matching.client.get(f"/api/v1/matches/{match['id']}", headers=headers)
        ).status_code == 200
        for target in ("docking", "succeeded", "closed"):
            moved = await matching.client.patch(
                f"/api/v1/matches/{match['id']}", json={"status": target}, headers=headers
            )
            assert (moved.status_code, moved.json()["code"]) == (403, "transition_forbidden"), (who, target)
    illegal = await matching.client.patch(
        f"/api/v1/matches/{match['id']}", json={"status": "succeeded"}, headers=matching.enterprise(FOUNDRY)
    )
    assert (illegal.status_code, illegal.json()["code"]) == (409, "illegal_transition")
    unchanged = await matching.client.get(f"/api/v1/matches/{match['id']}", headers=matching.admin)
    assert unchanged.json()["status"] == "proposed"


async def test_an_unknown_supply_does_not_reveal_another_enterprises_demand(matching: Matching) -> None:
    # Proposing an unknown supply for a demand one cannot see answered `supply_not_found`, which told
    # a foreign enterprise that the demand id exists.
    demand = await post(matching)
    for supply_id in (999_999, (await supply(matching))["id"]):
        refused = await matching.client.post(
            "/api/v1/matches",
            json={"demand_id": demand["id"], "supply_id": supply_id},
            headers=matching.enterprise(EXCHANGER),
        )
        assert (refused.status_code, refused.json()["code"]) == (404, "demand_not_found"), supply_id
    missing = await matching.client.post(
        "/api/v1/matches",
        json={"demand_id": demand["id"], "supply_id": 999_999},
        headers=matching.enterprise(FOUNDRY),
    )
    assert (missing.status_code, missing.json()["code"]) == (404, "supply_not_found")
