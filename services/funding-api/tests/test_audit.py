"""The audit trail in funding-api: one row per write, in the write's transaction; the table refuses
changes; refusals leave a failure row and nothing of the write."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError

from daye_dev.audit import audit_rows
from daye_kit.audit import AUDIT, REDACTED, prune_audit
from daye_kit.timestamps import utcnow
from funding_api.programs.models import Program

from .conftest import Stack
from .helpers import approved_award, make_program, pay


def _rid(response: object) -> str:
    return response.headers["x-request-id"]  # type: ignore[attr-defined,no-any-return]


async def test_each_write_leaves_one_row_with_what_changed(
    stack: Stack, admin: dict[str, str], checker: dict[str, str]
) -> None:
    created = await stack.funding.post(
        "/api/v1/programs",
        json={"name": "审计专项", "source_level": "daye", "year": 2025, "budget": "1000.00"},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    [row] = await audit_rows(stack.app, _rid(created))
    assert (row["service"], row["actor"], row["role"], row["action"]) == (
        "funding-api",
        "admin",
        "admin",
        "create_program",
    )
    assert (row["outcome"], row["status"], row["error_code"]) == ("success", 201, None)
    assert (row["object_type"], row["object_id"]) == ("programs", str(created.json()["id"]))
    assert row["before"] is None
    assert row["after"]["name"] == "审计专项"
    assert row["after"]["budget"] == "1000.00"  # money as a decimal string, never a float
    assert {"name", "budget", "year"} <= set(row["changed"])
    assert row["method"] == "POST"
    assert row["path"] == "/api/v1/programs"

    award = await approved_award(stack.funding, admin, checker)
    [approval] = await audit_rows(stack.app, action="approve_award")
    assert (approval["actor"], approval["object_type"], approval["object_id"]) == (
        "checker",
        "awards",
        str(award["id"]),
    )
    assert approval["before"]["status"] == "pending"
    assert approval["after"]["status"] == "approved"
    assert "status" in approval["changed"]
    assert "decided_by" in approval["changed"]

    paid = await pay(stack.funding, admin, award["id"], "100.00")
    assert paid.status_code == 201, paid.text
    [payment] = await audit_rows(stack.app, _rid(paid))
    assert (payment["action"], payment["object_type"], payment["object_id"]) == (
        "create_disbursement",
        "disbursements",
        str(paid.json()["id"]),
    )
    assert payment["after"]["amount"] == "100.00"


async def test_refused_writes_leave_one_failure_row_and_nothing_else(
    stack: Stack, admin: dict[str, str]
) -> None:
    await make_program(stack.funding, admin, name="重名专项")
    before = len(await audit_rows(stack.app))
    async with stack.app.state.read_sessionmaker() as session:
        programs = await session.scalar(select(func.count()).select_from(Program))
    body = {"name": "重名专项", "source_level": "daye", "year": 2025, "budget": "1.00"}
    cases = [
        (await stack.funding.post("/api/v1/programs", json=body, headers=admin), 409, "program_exists"),
        (
            await stack.funding.post("/api/v1/programs", json={**body, "budget": 1.5}, headers=admin),
            422,
            "validation_failed",
        ),
        (
            await stack.funding.post("/api/v1/programs", json=body, headers=await stack.headers("viewer")),
            403,
            "forbidden",
        ),
        (await stack.funding.post("/api/v1/programs", json=body), 401, "unauthorized"),
    ]
    for response, status, code in cases:
        assert response.status_code == status, response.text
        assert response.json()["code"] == code
        [row] = await audit_rows(stack.app, _rid(response))
        assert (row["outcome"], row["status"], row["error_code"], row["action"]) == (
            "failure",
            status,
            code,
            "create_program",
        )
        assert row["before"] is None
        assert row["after"] is None
        assert row["changed"] == []
    actors = [row["actor"] for row in await audit_rows(stack.app, outcome="failure")]
    assert actors == ["admin", "admin", "viewer", None]
    assert len(await audit_rows(stack.app)) == before + 4
    async with stack.app.state.read_sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Program)) == programs


async def test_reads_leave_no_row(stack: Stack, admin: dict[str, str]) -> None:
    await stack.funding.get("/api/v1/programs", headers=admin)
    await stack.funding.get("/api/v1/awards", headers=admin)
    assert await audit_rows(stack.app) == []


async def test_the_database_refuses_to_change_the_trail(stack: Stack, admin: dict[str, str]) -> None:
    await make_program(stack.funding, admin)
    engine = stack.app.state.engine
    statements = [update(AUDIT).values(actor="someone"), delete(AUDIT)]
    if engine.dialect.name == "postgresql":
        statements.append(text("TRUNCATE audit_events"))
    for statement in statements:
        with pytest.raises(DBAPIError, match="append-only"):
            async with engine.begin() as conn:
                await conn.execute(statement)
    assert len(await audit_rows(stack.app)) == 1


async def test_retention_deletes_only_what_is_old_enough(stack: Stack, admin: dict[str, str]) -> None:
    await make_program(stack.funding, admin)
    engine = stack.app.state.engine
    old = {
        "service": "funding-api",
        "action": "create_program",
        "method": "POST",
        "path": "/api/v1/programs",
        "changed": [],
        "outcome": "success",
        "status": 201,
    }
    async with engine.begin() as conn:
        for days in (400, 200, 100):
            await conn.execute(insert(AUDIT).values(**old, occurred_at=utcnow() - timedelta(days=days)))
    async with stack.app.state.sessionmaker() as session, session.begin():
        # Asked for less than the floor of 180 days: 180 it is.
        assert await prune_audit(session, retention_days=30) == 2
    assert len(await audit_rows(stack.app)) == 2
    # The permit died with the duty's transaction: an ordinary DELETE is refused again.
    with pytest.raises(DBAPIError, match="append-only"):
        async with engine.begin() as conn:
            await conn.execute(delete(AUDIT))


async def test_secrets_are_redacted(stack: Stack, admin: dict[str, str]) -> None:
    created = await stack.funding.post(
        "/api/v1/webhooks",
        json={"url": "http://127.0.0.1:9/hook", "event_types": ["program.created"]},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    [row] = await audit_rows(stack.app, _rid(created))
    secrets = [key for key in row["after"] if "secret" in key]
    assert secrets
    assert all(row["after"][key] == REDACTED for key in secrets)


async def test_a_refusal_stored_with_its_idempotency_key_is_a_failure(
    stack: Stack, admin: dict[str, str], checker: dict[str, str]
) -> None:
    award = await approved_award(stack.funding, admin, checker, amount="1000.00")
    for attempt in range(2):  # the refusal, then its replay
        refused = await pay(stack.funding, admin, award["id"], "1600.00", key="too-much")
        assert refused.status_code == 409
        [row] = await audit_rows(stack.app, _rid(refused))
        assert (row["outcome"], row["status"], row["error_code"], row["after"], row["changed"]) == (
            "failure",
            409,
            "exceeds_outstanding",
            None,
            [],
        ), attempt
    assert await audit_rows(stack.app, action="create_disbursement", outcome="success") == []


async def test_the_auditor_reads_the_trail_and_its_writes_are_refused_and_recorded(
    stack: Stack, admin: dict[str, str]
) -> None:
    auditor = {"Authorization": f"Bearer {stack.indicator.token('auditor', 'auditor')}"}
    security = {"Authorization": f"Bearer {stack.indicator.token('security', 'security_admin')}"}
    body = {"name": "审计员不能建", "source_level": "daye", "year": 2025, "budget": "1.00"}
    refused = await stack.funding.post("/api/v1/programs", json=body, headers=auditor)
    assert (refused.status_code, refused.json()["code"]) == (403, "read_only_role")
    [row] = await audit_rows(stack.app, _rid(refused))
    assert (row["actor"], row["role"], row["outcome"], row["error_code"]) == (
        "auditor",
        "auditor",
        "failure",
        "read_only_role",
    )
    for headers in (admin, security, await stack.headers("viewer")):
        assert (await stack.funding.get("/api/v1/audit", headers=headers)).status_code == 403
    page = await stack.funding.get("/api/v1/audit", params={"actor": "auditor"}, headers=auditor)
    assert page.status_code == 200
    assert [(i["service"], i["action"], i["error_code"]) for i in page.json()["items"]] == [
        ("funding-api", "create_program", "read_only_role")
    ]
    sheet = await stack.funding.get("/api/v1/exports/audit.xlsx", headers=auditor)
    assert sheet.status_code == 200
    assert sheet.content.startswith(b"PK")
