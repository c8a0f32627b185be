"""The ledger: append-only at the database, balanced postings, and a reconciliation that finds faults."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from .conftest import Stack
from .helpers import approved_award, pay

CHANGES = (
    "UPDATE ledger_entries SET amount = amount * 2",
    "DELETE FROM ledger_entries WHERE id = (SELECT MAX(id) FROM ledger_entries)",
    "UPDATE ledger_postings SET memo = 'edited'",
    "DELETE FROM ledger_postings WHERE id = (SELECT MAX(id) FROM ledger_postings)",
)


async def _count(engine: AsyncEngine, table: str) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text(f"SELECT COUNT(*) FROM {table}"))).scalar_one())  # noqa: S608


@pytest.mark.parametrize("statement", CHANGES)
async def test_the_database_refuses_to_update_or_delete_ledger_rows(
    stack: Stack, admin: dict[str, str], checker: dict[str, str], statement: str
) -> None:
    award = await approved_award(stack.funding, admin, checker)
    assert (await pay(stack.funding, admin, award["id"], "100.00")).status_code == 201
    engine: AsyncEngine = stack.app.state.engine
    before = (await _count(engine, "ledger_entries"), await _count(engine, "ledger_postings"))
    with pytest.raises(DBAPIError, match="append-only"):
        async with engine.begin() as conn:
            await conn.execute(text(statement))
    assert (await _count(engine, "ledger_entries"), await _count(engine, "ledger_postings")) == before
    reconciliation = (await stack.funding.get("/api/v1/reconciliation", headers=admin)).json()
    assert reconciliation["ok"]
    assert (reconciliation["postings"], reconciliation["entries"]) == (before[1], before[0])


async def test_an_unbalanced_posting_is_refused_or_found(
    stack: Stack, admin: dict[str, str], checker: dict[str, str], backend: str
) -> None:
    award = await approved_award(stack.funding, admin, checker)
    engine: AsyncEngine = stack.app.state.engine
    one_sided = (
        "INSERT INTO ledger_postings (kind, program_id, award_id, value_date, memo, created_by, created_at) "
        "VALUES ('disbursement', :program, :award, '2025-09-30', 'one-sided', 'intruder', '2025-09-30'); "
    )
    params = {"program": award["program_id"], "award": award["id"]}

    async def insert() -> None:
        async with engine.begin() as conn:
            await conn.execute(text(one_sided), params)
            posting = (await conn.execute(text("SELECT MAX(id) FROM ledger_postings"))).scalar_one()
            await conn.execute(
                text(
                    "INSERT INTO ledger_entries (posting_id, account, program_id, award_id, amount, "
                    "value_date) VALUES (:posting, 'award_payable', :program, :award, -100, '2025-09-30')"
                ),
                {**params, "posting": posting},
            )

    if backend == "postgresql":
        # A deferred constraint trigger checks every posting when the transaction commits.
        with pytest.raises(DBAPIError, match="does not balance"):
            await insert()
        assert (await stack.funding.get("/api/v1/reconciliation", headers=admin)).json()["ok"]
    else:
        await insert()  # SQLite has no deferred triggers: reconciliation is what catches it
        reconciliation = (await stack.funding.get("/api/v1/reconciliation", headers=admin)).json()
        assert not reconciliation["ok"]
        [unbalanced] = reconciliation["unbalanced_postings"]
        assert (unbalanced["total"], unbalanced["lines"]) == ("-1.00", 1)  # SQLite stores fen
        assert reconciliation["award_mismatches"][0]["award_id"] == award["id"]


async def test_reconciliation_names_what_disagrees_with_the_ledger(
    stack: Stack, admin: dict[str, str], checker: dict[str, str]
) -> None:
    award = await approved_award(stack.funding, admin, checker, amount="300000.00")
    assert (await pay(stack.funding, admin, award["id"], "100000.00")).status_code == 201
    assert (await stack.funding.get("/api/v1/reconciliation", headers=admin)).json()["ok"]
    async with stack.app.state.engine.begin() as conn:  # awards and programmes are not the ledger
        await conn.execute(text("UPDATE awards SET amount = amount * 2 WHERE id = :id"), {"id": award["id"]})
        await conn.execute(text("UPDATE programs SET budget = budget * 2"))
    reconciliation = (await stack.funding.get("/api/v1/reconciliation", headers=admin)).json()
    assert not reconciliation["ok"]
    assert reconciliation["award_mismatches"] == [
        {
            "award_id": award["id"],
            "check": "payable + paid = award amount",
            "expected": "600000.00",
            "actual": "300000.00",
        }
    ]
    assert reconciliation["program_mismatches"] == [
        {
            "program_id": award["program_id"],
            "check": "budget allocated = programme budget",
            "expected": "2000000.00",
            "actual": "1000000.00",
        }
    ]


async def test_ledger_entries_are_filtered_paged_and_for_auditors_only(
    stack: Stack, admin: dict[str, str], checker: dict[str, str]
) -> None:
    award = await approved_award(stack.funding, admin, checker)
    await pay(stack.funding, admin, award["id"], "100.00")
    auditor = await stack.headers("auditor")
    paid = await stack.funding.get(
        "/api/v1/ledger/entries", params={"account": "award_paid", "award_id": award["id"]}, headers=auditor
    )
    assert [(e["kind"], e["amount"], e["created_by"]) for e in paid.json()["items"]] == [
        ("disbursement", "100.00", "admin")
    ]
    page = await stack.funding.get(
        "/api/v1/ledger/entries", params={"limit": 2, "offset": 2}, headers=auditor
    )
    assert page.json()["total"] == 6
    assert [e["id"] for e in page.json()["items"]] == [3, 4]
    assert {e["posting_id"] for e in page.json()["items"]} == {2}  # the approval's two lines
    too_big = await stack.funding.get("/api/v1/ledger/entries", params={"limit": 100000}, headers=auditor)
    assert too_big.status_code == 422
    # A viewer reads the reconciliation's totals, never a ledger line.
    viewer = await stack.headers("viewer")
    assert (await stack.funding.get("/api/v1/ledger/entries", headers=viewer)).status_code == 403
    assert (await stack.funding.get("/api/v1/reconciliation", headers=viewer)).status_code == 200
    for account in ("420281101", award["credit_code"]):
        headers = await stack.headers(account)
        assert (await stack.funding.get("/api/v1/ledger/entries", headers=headers)).status_code == 403
        assert (await stack.funding.get("/api/v1/reconciliation", headers=headers)).status_code == 403
