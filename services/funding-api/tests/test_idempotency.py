"""Awards by application and programmes with an Idempotency-Key: a retry answers the first answer
and writes nothing; another body under the key is refused; 100 identical posts at once make one."""

from __future__ import annotations

from typing import Any

from daye_dev.idempotency_checks import replayed_once, simultaneous

from .conftest import Stack
from .helpers import JINNIU_FOUNDRY, make_program


def application(program_id: int, **extra: Any) -> dict[str, Any]:
    return {
        "program_id": program_id,
        "credit_code": JINNIU_FOUNDRY.credit_code,
        "amount": "300000.00",
        "application_no": "KJCX-2025-101",
        **extra,
    }


async def awards_of(stack: Stack, admin: dict[str, str], program_id: int) -> list[dict[str, Any]]:
    listed = await stack.funding.get("/api/v1/awards", params={"program_id": program_id}, headers=admin)
    items: list[dict[str, Any]] = listed.json()["items"]
    return items


async def test_a_retried_award_is_registered_once(stack: Stack, admin: dict[str, str]) -> None:
    program = await make_program(stack.funding, admin)
    first = await replayed_once(
        stack.funding,
        "/api/v1/awards",
        application(program["id"]),
        application(program["id"], amount="300000.01"),
        admin,
    )
    assert [a["id"] for a in await awards_of(stack, admin, program["id"])] == [first.json()["id"]]


async def test_a_hundred_identical_awards_at_once_make_one(stack: Stack, admin: dict[str, str]) -> None:
    program = await make_program(stack.funding, admin)
    first = await simultaneous(stack.funding, "/api/v1/awards", application(program["id"]), admin)
    assert [a["id"] for a in await awards_of(stack, admin, program["id"])] == [first.json()["id"]]


async def test_a_retried_programme_is_set_up_once(stack: Stack, admin: dict[str, str]) -> None:
    body = {"name": "科技创新券-幂等", "source_level": "daye", "year": 2025, "budget": "500000.00"}
    first = await replayed_once(
        stack.funding, "/api/v1/programs", body, {**body, "budget": "500000.50"}, admin
    )
    listed = await stack.funding.get("/api/v1/programs", params={"limit": 200}, headers=admin)
    assert [p["id"] for p in listed.json()["items"] if p["name"] == body["name"]] == [first.json()["id"]]
