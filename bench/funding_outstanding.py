"""Benchmark: funding-api's outstanding report over one million ledger entries.

    uv run python bench/funding_outstanding.py [--entries 1000000] [--runs 15]

Makes a fresh PostgreSQL database beside TEST_POSTGRES_URL (default the local server), migrates it,
fills it with COPY (asyncpg `copy_records_to_table`): 20 programmes, 50,000 awards of 40,000
enterprises, and disbursements until the ledger holds the requested number of entries. Then it times
`GET /api/v1/outstanding` (the app in-process over ASGI, authenticated as the bureau) against the same
aggregate written by hand as one SQL query run directly through asyncpg, and prints both medians and
their ratio. The database is dropped at the end. Not part of the test suite.

Loading sets `session_replication_role = replica` (PostgreSQL superusers only) so that the ledger's
per-row constraint triggers and foreign-key checks do not run a million times; the data is balanced by
construction, and the reconciliation of a sample is checked afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
from asgi_lifespan import LifespanManager
from results import record
from sqlalchemy.engine import make_url

from daye_dev.databases import postgres_admin_url
from daye_kit.auth import Principal, Role
from daye_kit.credit_code import complete
from daye_kit.db import create_engine, upgrade_schema
from funding_api.config import Settings
from funding_api.main import MIGRATIONS, create_app
from funding_api.outstanding.service import BUCKETS
from funding_api.outstanding.workdays import earliest_within

AS_OF = date(2025, 9, 30)
PROGRAMS, AWARDS, ENTERPRISES = 20, 50_000, 40_000
UNITS = [
    f"420281{s}"
    for s in ("001", "002", "003", "004", "005", *(f"1{i:02d}" for i in range(1, 11)), "201", "401")
]
NOW = datetime(2025, 10, 1, tzinfo=UTC)

HAND_WRITTEN = """
WITH balances AS (
    SELECT award_id, SUM(amount) AS outstanding
    FROM ledger_entries
    WHERE account = 'award_payable' AND value_date <= $1
    GROUP BY award_id
), owed AS (
    SELECT a.program_id, a.region_code, a.credit_code, a.mode,
           CASE WHEN a.approved_on >= $2 THEN 0 WHEN a.approved_on >= $3 THEN 1
                WHEN a.approved_on >= $4 THEN 2 WHEN a.approved_on >= $5 THEN 3 ELSE 4 END AS bucket,
           b.outstanding
    FROM balances b JOIN awards a ON a.id = b.award_id
    WHERE b.outstanding <> 0
)
SELECT program_id, region_code, credit_code, mode, bucket, COUNT(*) AS awards, SUM(outstanding) AS outstanding
FROM owed
GROUP BY GROUPING SETS ((), (program_id), (region_code), (credit_code), (mode), (bucket))
"""


class BureauAuthenticator:
    """Every request is the bureau's admin: the benchmark measures the report, not token checks."""

    async def from_token(self, token: str) -> Principal:
        return Principal(username="bench", role=Role.admin)

    from_api_key = from_token


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def create_database() -> tuple[str, str]:
    name = f"daye_bench_funding_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(_dsn(postgres_admin_url()))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = make_url(postgres_admin_url()).set(drivername="postgresql+asyncpg", database=name)
    return name, url.render_as_string(hide_password=False)


async def drop_database(name: str) -> None:
    admin = await asyncpg.connect(_dsn(postgres_admin_url()))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def _day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randrange((last - first).days + 1))


async def fill(conn: asyncpg.Connection, entries: int, seed: int = 2025) -> dict[str, int]:
    """Programmes, awards, postings and entries whose every posting balances."""
    rng = random.Random(seed)
    await conn.execute("SET session_replication_role = replica")
    programs, awards, postings, lines, disbursements = [], [], [], [], []
    posting_id = 0

    def posting(kind: str, program: int, award: int | None, day: date, *entries_: tuple[str, Decimal]) -> int:
        nonlocal posting_id
        posting_id += 1
        postings.append((posting_id, kind, program, award, None, day, "", "bench", NOW, None))
        for account, amount in entries_:
            lines.append((posting_id, account, program, award, amount, day))
        return posting_id

    budgets = {p: Decimal(0) for p in range(1, PROGRAMS + 1)}
    codes = [complete(f"91420281MB{i:07d}") for i in range(1, ENTERPRISES + 1)]
    region_of = {code: rng.choice(UNITS) for code in codes}
    award_rows = []
    for award in range(1, AWARDS + 1):
        program = rng.randrange(1, PROGRAMS + 1)
        amount = Decimal(rng.randrange(20, 500) * 1000)
        budgets[program] += amount
        code = rng.choice(codes)
        award_rows.append((award, program, code, amount, _day(rng, date(2024, 1, 8), date(2025, 9, 26))))
    for program, budget in budgets.items():
        programs.append(
            (program, f"基准测试资金项目 {program}", "daye", 2025, budget, "", "bench", NOW, None, NOW)
        )
        posting(
            "budget_allocated",
            program,
            None,
            date(2024, 1, 2),
            ("funding_source", -budget),
            ("program_available", budget),
        )
    for award, program, code, amount, approved_on in award_rows:
        awards.append(
            (award, program, code, f"基准测试企业{code[-6:]}", region_of[code], amount, "application", None, None,
             None, f"BENCH-{award}", "", "approved", "bench", NOW, None, "checker", NOW, None, "", approved_on, NOW)
        )  # fmt: skip
        posting(
            "award_approved",
            program,
            award,
            approved_on,
            ("program_available", -amount),
            ("award_payable", amount),
        )
    left = {award: amount for award, _, _, amount, _ in award_rows}
    approved = {award: (program, day) for award, program, _, _, day in award_rows}
    disbursement_id = 0
    while len(lines) < entries:
        award = rng.randrange(1, AWARDS + 1)
        program, since = approved[award]
        amount = min(left[award], Decimal(rng.randrange(1, 40) * 500))
        if amount <= 0:
            continue
        left[award] -= amount
        day = _day(rng, since, date(2025, 9, 30))
        pid = posting("disbursement", program, award, day, ("award_payable", -amount), ("award_paid", amount))
        disbursement_id += 1
        disbursements.append(
            (disbursement_id, award, program, amount, day, "", "", pid, None, "bench", NOW, None, NOW)
        )
    # Postings of one award must not go back in time; the report only sums, so dates need no order here.
    await conn.copy_records_to_table(
        "programs",
        records=programs,
        columns=[
            "id",
            "name",
            "source_level",
            "year",
            "budget",
            "description",
            "created_by",
            "created_at",
            "request_id",
            "updated_at",
        ],
    )
    await conn.copy_records_to_table(
        "awards",
        records=awards,
        columns=[
            "id", "program_id", "credit_code", "enterprise_name", "region_code", "amount", "mode", "period",
            "rule_id", "rule_version", "application_no", "note", "status", "created_by", "created_at",
            "created_request_id", "decided_by", "decided_at", "decided_request_id", "decision_note", "approved_on",
            "updated_at",
        ],
    )  # fmt: skip
    await conn.copy_records_to_table(
        "ledger_postings",
        records=postings,
        columns=[
            "id", "kind", "program_id", "award_id", "reverses_posting_id", "value_date", "memo", "created_by",
            "created_at", "request_id",
        ],
    )  # fmt: skip
    await conn.copy_records_to_table(
        "ledger_entries",
        records=lines,
        columns=["posting_id", "account", "program_id", "award_id", "amount", "value_date"],
    )
    await conn.copy_records_to_table(
        "disbursements",
        records=disbursements,
        columns=[
            "id", "award_id", "program_id", "amount", "paid_on", "reference", "note", "posting_id",
            "idempotency_key", "created_by", "created_at", "request_id", "updated_at",
        ],
    )  # fmt: skip
    for table in ("programs", "awards", "ledger_postings", "ledger_entries", "disbursements"):
        await conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
        )
    await conn.execute("SET session_replication_role = origin")
    await conn.execute("VACUUM ANALYZE")
    return {
        "programs": len(programs),
        "awards": len(awards),
        "postings": len(postings),
        "entries": len(lines),
    }


async def timed(runs: int, call: Callable[[], Awaitable[Any]]) -> tuple[list[float], Any]:
    results, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = await call()
        results.append((time.perf_counter() - start) * 1000)
    return results, result


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    name, url = await create_database()
    try:
        engine = create_engine(url)
        await upgrade_schema(engine, MIGRATIONS)
        await engine.dispose()
        conn = await asyncpg.connect(_dsn(url))
        try:
            started = time.perf_counter()
            counts = await fill(conn, args.entries)
            print(f"loaded {counts} in {time.perf_counter() - started:.1f}s")
            thresholds = [earliest_within(AS_OF, high) for _, high in BUCKETS if high is not None]

            app = create_app(
                Settings(
                    database_url=url,
                    migrate_on_start=False,
                    environment="test",
                    demo=False,
                    log_level="WARNING",
                )
            )
            async with LifespanManager(app):
                app.state.authenticator = BureauAuthenticator()
                async with httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app), base_url="http://funding-api", timeout=120
                ) as client:

                    async def endpoint() -> dict[str, Any]:
                        response = await client.get(
                            "/api/v1/outstanding",
                            params={"as_of": AS_OF.isoformat()},
                            headers={"Authorization": "Bearer bench"},
                        )
                        response.raise_for_status()
                        body: dict[str, Any] = response.json()
                        return body

                    async def hand_written() -> list[asyncpg.Record]:
                        return await conn.fetch(HAND_WRITTEN, AS_OF, *thresholds)

                    for _ in range(2):  # warm both: plans, caches, the connection pool
                        await endpoint()
                        await hand_written()
                    endpoint_ms: list[float] = []
                    sql_ms: list[float] = []
                    report: dict[str, Any] = {}
                    rows: list[asyncpg.Record] = []
                    for _ in range(args.runs):  # interleaved, so that both see the same machine
                        e, report = await timed(1, endpoint)
                        s, rows = await timed(1, hand_written)
                        endpoint_ms += e
                        sql_ms += s
            total = next(r["outstanding"] for r in rows if all(r[k] is None for k in ("program_id", "region_code", "credit_code", "mode", "bucket")))  # fmt: skip
            assert Decimal(report["total"]) == total, (report["total"], total)
            endpoint_median, sql_median = statistics.median(endpoint_ms), statistics.median(sql_ms)
            print(f"outstanding on {AS_OF}: {report['total']} yuan over {report['award_count']} awards")
            print(f"GET /api/v1/outstanding   median {endpoint_median:8.1f} ms  ({args.runs} runs)")
            print(f"hand-written SQL (asyncpg) median {sql_median:8.1f} ms  ({args.runs} runs)")
            print(f"ratio endpoint / SQL: {endpoint_median / sql_median:.2f}× (goal ≤ 2×)")
            record(
                f"funding outstanding report, {counts['entries']:,} ledger entries: GET /api/v1/outstanding over hand-written SQL",
                measured=f"{endpoint_median:.1f} ms",
                baseline=f"{sql_median:.1f} ms",
                ratio=endpoint_median / sql_median,
                at_most=2,
            )
        finally:
            await conn.close()
    finally:
        await drop_database(name)


if __name__ == "__main__":
    asyncio.run(main())
