"""Province scale for indicator-api, on PostgreSQL: 1,200 units × 30 indicators × 10 years of monthly
figures (4.32 million rows), and Daye's 17 units with the same indicators and years beside them.

The values are copied in before the migration that builds the dashboards' summary, so the run also
times that migration over them.

Prints, from one run:
- the dashboard over the 1,200 units' province, median latency, over the same dashboard over Daye's
  17 units (goal: at most 3×: the dashboard's cost does not grow with the number of units);
- the province's dashboard over the median of one hand-written SQL statement, run directly through
  asyncpg, that computes the same figures from the history of values (goal: at most 2×);
- bulk ingest through the API, rows per second, over asyncpg's copy_records_to_table of the same
  rows (goal: at least 0.3×).

Run: `uv run python bench/indicator_province.py` (TEST_POSTGRES_URL names the server).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from random import Random
from typing import Any

import asyncpg
import httpx
from alembic.script import ScriptDirectory
from results import record

from daye_dev.databases import PostgresDatabases
from daye_dev.pytest_plugin import running
from daye_kit.auth import Principal, Role
from daye_kit.db import alembic_config, create_engine, upgrade_schema
from indicator_api.config import Settings
from indicator_api.main import MIGRATIONS, create_app

UNITS = int(os.environ.get("BENCH_UNITS", "1200"))
YEARS = list(range(2016, 2026))
INDICATORS = 30  # recorded indicators: the catalogue's, and synthetic ones up to thirty
ROOT = "420000"
DAYE = "420281"  # the registry migration's city and its 17 units
SUMMARY_REVISION = "0011_indicator_summary"
REPEAT = 15
REPEAT_SQL = 3  # the hand-written SQL reads the whole history: seconds a run
INGEST_ROWS = 100_000
INGEST_BATCH = 20_000
VALUE_COLUMNS = [
    "indicator_code", "region_code", "year", "period_type", "period", "period_end", "value", "provenance",
    "note", "revision", "recorded_by", "recorded_at",
]  # fmt: skip

HAND_WRITTEN = """
WITH units AS (SELECT code FROM regions WHERE parent_code = $1),
ranked AS (
    SELECT v.indicator_code, v.region_code, v.value, i.accumulation, 'now' AS slot,
           row_number() OVER (PARTITION BY v.indicator_code, v.region_code
                              ORDER BY v.period_end DESC, v.revision DESC) AS rank
    FROM indicator_values v JOIN indicators i ON i.code = v.indicator_code
    WHERE v.region_code IN (SELECT code FROM units) AND v.period_end <= $2
      AND ((i.accumulation = 'cumulative' AND v.year = $3) OR (i.accumulation = 'stock' AND v.year <= $3))
    UNION ALL
    SELECT v.indicator_code, v.region_code, v.value, i.accumulation, 'prior',
           row_number() OVER (PARTITION BY v.indicator_code, v.region_code
                              ORDER BY v.period_end DESC, v.revision DESC)
    FROM indicator_values v JOIN indicators i ON i.code = v.indicator_code
    WHERE v.region_code IN (SELECT code FROM units) AND v.period_end <= $4
      AND ((i.accumulation = 'cumulative' AND v.year = $3 - 1) OR (i.accumulation = 'stock' AND v.year <= $3 - 1))
    UNION ALL
    SELECT v.indicator_code, v.region_code, v.value, i.accumulation, 'baseline',
           row_number() OVER (PARTITION BY v.indicator_code, v.region_code
                              ORDER BY v.period_end DESC, v.revision DESC)
    FROM indicator_values v JOIN indicators i ON i.code = v.indicator_code
    WHERE v.region_code IN (SELECT code FROM units) AND v.period_end <= $5
      AND ((i.accumulation = 'cumulative' AND v.year = $3 - 1) OR (i.accumulation = 'stock' AND v.year <= $3 - 1))
)
SELECT r.indicator_code, r.slot, sum(r.value) AS value, max(t.value) AS target
FROM ranked r JOIN indicators i ON i.code = r.indicator_code AND i.additive AND i.source = 'recorded'
LEFT JOIN targets t ON t.indicator_code = r.indicator_code AND t.region_code = $1 AND t.year = $3
WHERE r.rank = 1
GROUP BY r.indicator_code, r.slot
"""


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def fill(dsn: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("INSERT INTO regions VALUES ($1, '湖北省', '省', NULL)", ROOT)
        province = [f"B{i:05d}" for i in range(UNITS)]
        await conn.copy_records_to_table(
            "regions",
            records=[(u, f"单位{u}", "县", ROOT) for u in province],
            columns=["code", "name", "kind", "parent_code"],
        )
        daye = [r["code"] for r in await conn.fetch("SELECT code FROM regions WHERE parent_code = $1", DAYE)]
        assert len(daye) == 17, daye
        units = province + daye
        recorded = await conn.fetchval("SELECT count(*) FROM indicators WHERE source = 'recorded'")
        for n in range(INDICATORS - recorded):
            await conn.execute(
                "INSERT INTO indicators (code, name, unit, category, accumulation, additive, higher_is_better, description) "
                "VALUES ($1, $2, '项', '压测', 'cumulative', true, true, '')",
                f"bench_extra_{n}",
                f"压测指标{n}",
            )
        codes = [r["code"] for r in await conn.fetch("SELECT code FROM indicators WHERE source = 'recorded'")]
        rng = Random(7)
        now = datetime.now(UTC)
        total = 0
        for year in YEARS:
            records = []
            for code in codes:
                for unit in units:
                    level = Decimal(rng.randint(10, 500))
                    for month in range(1, 13):
                        end = date(year, month, 28 if month == 2 else 30 if month in (4, 6, 9, 11) else 31)
                        records.append(
                            (
                                code,
                                unit,
                                year,
                                "month",
                                month,
                                end,
                                level * month,
                                "statistics",
                                "",
                                1,
                                "bench",
                                now,
                            )
                        )
            await conn.copy_records_to_table(
                "indicator_values",
                records=records,
                columns=VALUE_COLUMNS,
            )
            total += len(records)
        await conn.executemany(
            "INSERT INTO targets VALUES ($1, $2, 2025, $3, 'bench', now())",
            [(code, root, Decimal(1_000_000)) for code in codes for root in (ROOT, DAYE)],
        )
        await conn.execute("ANALYZE")
        return total
    finally:
        await conn.close()


async def main() -> None:
    databases = PostgresDatabases()
    url = await databases.create("bench_indicator")
    try:
        before_summary = ScriptDirectory.from_config(alembic_config(MIGRATIONS)).get_revision(
            SUMMARY_REVISION
        )
        engine = create_engine(url)
        try:
            await upgrade_schema(engine, MIGRATIONS, revision=str(before_summary.down_revision))
            started = time.perf_counter()
            rows = await fill(_dsn(url))
            print(f"filled {rows:,} values for {UNITS:,} + 17 units in {time.perf_counter() - started:.0f} s")
            started = time.perf_counter()
            await upgrade_schema(engine, MIGRATIONS)
            print(f"the summary's migration over them took {time.perf_counter() - started:.0f} s")
        finally:
            await engine.dispose()
        settings = Settings(database_url=url, migrate_on_start=False, environment="test", log_level="WARNING")
        async for app in running(create_app(settings)):
            token, _ = app.state.signing_key.issue(Principal(username="bench", role=Role.admin), 3600)
            headers = {"Authorization": f"Bearer {token}"}
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://i", timeout=600
            ) as client:
                await report_dashboard(client, headers, _dsn(url))
                await report_ingest(client, headers, _dsn(url))
    finally:
        await databases.drop_all()


async def report_dashboard(client: httpx.AsyncClient, headers: dict[str, str], dsn: str) -> None:
    timings: dict[str, list[float]] = {ROOT: [], DAYE: []}
    bodies: dict[str, Any] = {}
    for _ in range(REPEAT):
        for region in (ROOT, DAYE):  # alternately, so both see the same machine
            params = {"year": 2025, "as_of": "2025-09-30", "region": region}
            start = time.perf_counter()
            response = await client.get("/api/v1/dashboard", params=params, headers=headers)
            timings[region].append(time.perf_counter() - start)
            assert response.status_code == 200, response.text
            bodies[region] = response.json()
    body = bodies[ROOT]
    summed = [
        i
        for i in bodies[DAYE]["items"]
        if i["indicator"]["source"] == "recorded" and i["indicator"]["additive"]
    ]
    assert summed
    assert all(i["actual"] is not None for i in summed), "Daye's units' figures are missing"
    province, daye = statistics.median(timings[ROOT]), statistics.median(timings[DAYE])
    print(
        f"| indicator dashboard | {UNITS:,} units {province * 1000:.1f} ms | 17 units {daye * 1000:.1f} ms "
        f"| ratio {province / daye:.2f}× (goal ≤ 3×) |"
    )
    record(
        f"indicator dashboard, 30 indicators × 10 years: {UNITS:,} units over Daye's 17 units",
        measured=f"{province * 1000:.1f} ms",
        baseline=f"{daye * 1000:.1f} ms",
        ratio=province / daye,
        at_most=3,
    )
    conn = await asyncpg.connect(dsn)
    try:
        direct = []
        rows = []
        for _ in range(REPEAT_SQL):
            start = time.perf_counter()
            rows = await conn.fetch(
                HAND_WRITTEN, ROOT, date(2025, 9, 30), 2025, date(2024, 9, 30), date(2024, 12, 31)
            )
            direct.append(time.perf_counter() - start)
    finally:
        await conn.close()
    sql_now = {r["indicator_code"]: r["value"] for r in rows if r["slot"] == "now"}
    api_now = {i["indicator"]["code"]: Decimal(i["actual"]) for i in body["items"] if i["actual"] is not None}
    assert {k: v for k, v in api_now.items() if k in sql_now} == sql_now, "the endpoint and the SQL disagree"
    e, d = province, statistics.median(direct)
    print(
        f"| indicator dashboard, {UNITS:,} units | endpoint {e * 1000:.1f} ms | hand-written SQL over the history "
        f"{d * 1000:.0f} ms | ratio {e / d:.3f}× (goal ≤ 2×) |"
    )
    record(
        f"indicator dashboard, {UNITS:,} units: endpoint over hand-written SQL over the history",
        measured=f"{e * 1000:.1f} ms",
        baseline=f"{d * 1000:.0f} ms",
        ratio=e / d,
        at_most=2,
    )


async def report_ingest(client: httpx.AsyncClient, headers: dict[str, str], dsn: str) -> None:
    units = [f"B{i:05d}" for i in range(UNITS)]
    codes = ["graduates_new", *(f"bench_extra_{n}" for n in range(5))]
    per_year = len(codes) * UNITS * 12
    rows = [
        {
            "indicator_code": codes[i % len(codes)],
            "region_code": units[(i // len(codes)) % UNITS],
            "year": 2026 + i // per_year,
            "month": (i // (len(codes) * UNITS)) % 12 + 1,
            "value": str(i % 997),
            "provenance": "statistics",
        }
        for i in range(INGEST_ROWS)
    ]
    start = time.perf_counter()
    for offset in range(0, INGEST_ROWS, INGEST_BATCH):
        response = await client.post(
            "/api/v1/indicator-values/bulk",
            json={"items": rows[offset : offset + INGEST_BATCH]},
            headers=headers,
        )
        assert response.status_code == 200, response.text[:500]
        assert response.json()["written"] == INGEST_BATCH
    api_rate = INGEST_ROWS / (time.perf_counter() - start)

    now = datetime.now(UTC)
    records = [
        (
            r["indicator_code"],
            r["region_code"],
            int(r["year"]) + 50,
            "month",
            int(r["month"]),
            date(int(r["year"]) + 50, int(r["month"]), 28),
            Decimal(str(r["value"])),
            "statistics",
            "",
            1,
            "bench",
            now,
        )
        for r in rows
    ]
    conn = await asyncpg.connect(dsn)
    try:
        start = time.perf_counter()
        for offset in range(0, INGEST_ROWS, INGEST_BATCH):
            await conn.copy_records_to_table(
                "indicator_values",
                records=records[offset : offset + INGEST_BATCH],
                columns=VALUE_COLUMNS,
            )
        copy_rate = INGEST_ROWS / (time.perf_counter() - start)
    finally:
        await conn.close()
    print(
        f"| bulk ingest, {INGEST_ROWS:,} rows in batches of {INGEST_BATCH:,} | API {api_rate:,.0f} rows/s "
        f"| copy_records_to_table {copy_rate:,.0f} rows/s | ratio {api_rate / copy_rate:.2f}× (goal ≥ 0.3×) |"
    )
    record(
        f"indicator bulk ingest, {INGEST_ROWS:,} rows in batches of {INGEST_BATCH:,}: API over copy_records_to_table",
        measured=f"{api_rate:,.0f} rows/s",
        baseline=f"{copy_rate:,.0f} rows/s",
        ratio=api_rate / copy_rate,
        at_least=0.3,
    )


if __name__ == "__main__":
    print(f"indicator-api at province scale, {date.today()}, run {uuid.uuid4().hex[:6]}")
    asyncio.run(main())
