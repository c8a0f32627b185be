"""The summary the dashboards read (indicators/summary.py) follows every write path, equals what the
history of values says, and is built by its migration from the values already recorded."""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from daye_dev.pytest_plugin import bearer
from daye_kit.auth import Principal, Role
from daye_kit.db import create_engine, create_sessionmaker, upgrade_schema
from indicator_api.indicators import service
from indicator_api.indicators.models import CurrentValue, Indicator, IndicatorValue, Rollup
from indicator_api.indicators.schemas import BulkValueIn
from indicator_api.main import MIGRATIONS
from indicator_api.regions.models import Region
from indicator_api.reporting.models import Submission

from .conftest import DEMO_PASSWORD
from .test_imports import upload, workbook
from .test_inbox import as_matching, publication

CITY, JINNIU, BAOAN, LINGXIANG = "420281", "420281101", "420281102", "420281103"
ADMIN = Principal(username="summary-test", role=Role.admin)
TURNOVER, INSTITUTIONS, GRADUATES = "tech_contract_turnover", "rd_institutions", "graduates_new"
NOW = datetime(2026, 11, 30, tzinfo=UTC)
PERIOD_TYPES = {"year": 2, "quarter": 1, "month": 0}  # at the same day, year before quarter before month


# --- what the history of values says ----------------------------------------------------------------


class History:
    """Every revision ever recorded, and what the summary should hold, computed from them alone."""

    def __init__(self, values: list[Any], parents: dict[str, str | None], accumulation: dict[str, str]):
        self.values, self.parents, self.accumulation = values, parents, accumulation

    @classmethod
    async def read(cls, session: AsyncSession) -> History:
        """Revisions held for review (a township's figure the bureau has not accepted: reporting/)
        are not part of the history the summary follows until they are accepted."""
        accepted = {
            (s.indicator_code, s.region_code, s.year, s.period_type, s.period): s.accepted_revision or 0
            for s in (await session.execute(select(Submission))).scalars()
        }
        values = [
            v
            for v in (await session.execute(select(IndicatorValue))).scalars()
            if v.revision
            <= accepted.get((v.indicator_code, v.region_code, v.year, v.period_type, v.period), v.revision)
        ]
        parents = {r.code: r.parent_code for r in (await session.execute(select(Region))).scalars()}
        accumulation = {i.code: i.accumulation for i in (await session.execute(select(Indicator))).scalars()}
        return cls(values, parents, accumulation)

    def current(self) -> dict[tuple[str, str, int, str, int], tuple[date, Decimal, int]]:
        latest: dict[tuple[str, str, int, str, int], Any] = {}
        for v in self.values:
            key = (v.indicator_code, v.region_code, v.year, v.period_type, v.period)
            if key not in latest or v.revision > latest[key].revision:
                latest[key] = v
        return {key: (v.period_end, v.value, v.revision) for key, v in latest.items()}

    def latest(self, code: str, unit: str, since: date, until: date) -> Decimal | None:
        """The unit's latest figure between two days, over every revision: the dashboard's order."""
        candidates = [
            v
            for v in self.values
            if v.indicator_code == code and v.region_code == unit and since <= v.period_end <= until
        ]
        if not candidates:
            return None
        best = max(candidates, key=lambda v: (v.period_end, v.revision, PERIOD_TYPES[v.period_type]))
        return Decimal(best.value)

    def since(self, code: str, day: date) -> date:
        return date(day.year, 1, 1) if self.accumulation[code] == "cumulative" else date(1, 1, 1)

    def rollups(self) -> dict[tuple[str, str, date], Decimal]:
        days: dict[tuple[str, str], set[date]] = defaultdict(set)
        children: dict[tuple[str, str], set[str]] = defaultdict(set)
        for v in self.values:
            parent = self.parents[v.region_code]
            if parent is not None and self.accumulation[v.indicator_code] in ("cumulative", "stock"):
                days[(v.indicator_code, parent)].add(v.period_end)
                children[(v.indicator_code, parent)].add(v.region_code)
        sums = {}
        for (code, parent), ends in days.items():
            for day in ends:
                figures = [self.latest(code, c, self.since(code, day), day) for c in children[(code, parent)]]
                sums[(code, parent, day)] = sum((f for f in figures if f is not None), Decimal(0))
        return sums

    def figure(self, code: str, unit: str, year: int, as_of: date, *, additive: bool) -> Decimal | None:
        """What `figures_at` answers for a recorded indicator, from the history."""
        until = min(as_of, date(year, 12, 31))
        since = date(year, 1, 1) if self.accumulation[code] == "cumulative" else date(1, 1, 1)
        direct = self.latest(code, unit, since, until)
        if direct is not None or not additive:
            return direct
        figures = [
            self.latest(code, child, since, until) for child, parent in self.parents.items() if parent == unit
        ]
        known = [f for f in figures if f is not None]
        return sum(known, Decimal(0)) if known else None


async def assert_summary_follows_history(session: AsyncSession) -> History:
    history = await History.read(session)
    current = {
        (c.indicator_code, c.region_code, c.year, c.period_type, c.period): (
            c.period_end,
            c.value,
            c.revision,
        )
        for c in (await session.execute(select(CurrentValue))).scalars()
    }
    assert current == history.current()
    rollups = {
        (r.indicator_code, r.region_code, r.period_end): r.value
        for r in (await session.execute(select(Rollup))).scalars()
    }
    assert rollups == history.rollups()
    return history


async def check(app: FastAPI) -> History:
    async with app.state.sessionmaker() as session:
        return await assert_summary_follows_history(session)


async def actual(
    client: httpx.AsyncClient, headers: dict[str, str], code: str, as_of: str, region: str = CITY
) -> str | None:
    answer = await client.get(
        f"/api/v1/indicators/{code}/progress",
        params={"year": as_of[:4], "as_of": as_of, "region": region},
        headers=headers,
    )
    assert answer.status_code == 200, answer.text
    figure: str | None = answer.json()["actual"]
    return figure


async def value_at(
    client: httpx.AsyncClient, headers: dict[str, str], code: str, unit: str, year: int
) -> Decimal:
    """The unit's latest figure of the year (the values come in the order of their period end)."""
    answer = await client.get(
        f"/api/v1/indicators/{code}/values", params={"region": unit, "year": year}, headers=headers
    )
    item = answer.json()["items"][-1]
    return Decimal(item["value"])


# --- every write path ---------------------------------------------------------------------------------


async def test_the_demo_data_and_a_single_value_show_on_the_next_read(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await check(app)  # the demo data went through the write path too
    assert await actual(client, admin, TURNOVER, "2025-10-31") == "34.25"
    september = await value_at(client, admin, TURNOVER, JINNIU, 2025)
    township = await bearer(client, JINNIU, DEMO_PASSWORD)
    october = {"region_code": JINNIU, "year": 2025, "month": 10, "value": "9", "provenance": "statistics"}
    written = await client.post(f"/api/v1/indicators/{TURNOVER}/values", json=october, headers=township)
    assert written.status_code in (200, 201), written.text
    assert await actual(client, admin, TURNOVER, "2025-10-31") == str(Decimal("34.25") - september + 9)
    assert await actual(client, admin, TURNOVER, "2025-09-30") == "34.25"
    assert await actual(client, admin, TURNOVER, "2025-10-31", region=JINNIU) == "9"
    await check(app)


async def test_bulk_values_move_the_sums_of_their_units(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    rows = [
        {"indicator_code": GRADUATES, "region_code": unit, "year": 2030, "quarter": q, "value": str(v)}
        | {"provenance": "statistics"}
        for unit, q, v in [(JINNIU, 1, 10), (JINNIU, 2, 25), (BAOAN, 1, 7), (LINGXIANG, 2, "0.5")]
    ]
    answer = await client.post("/api/v1/indicator-values/bulk", json={"items": rows}, headers=admin)
    assert answer.json() == {"written": 4, "unchanged": 0}
    assert await actual(client, admin, GRADUATES, "2030-03-31") == "17"
    # Baoan's first quarter still counts at the end of June.
    assert await actual(client, admin, GRADUATES, "2030-06-30") == "32.5"
    assert await actual(client, admin, GRADUATES, "2030-02-28") is None
    await check(app)


async def test_an_excel_import_moves_the_sums(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    rows: list[list[object]] = [
        [GRADUATES, JINNIU, 2030, None, 5, 40, "statistics", ""],
        [GRADUATES, BAOAN, 2030, None, 5, 2, "statistics", ""],
    ]
    answer = await upload(client, admin, workbook(rows))
    assert answer.status_code == 200, answer.text
    assert await actual(client, admin, GRADUATES, "2030-05-31") == "42"
    await check(app)


async def test_a_publication_from_the_inbox_shows_at_once(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    event = publication({"supply_chain_demands_posted": 700, "supply_chain_demands_matched": 560})
    answer = await client.post("/api/v1/inbox", json=event, headers=await as_matching(client))
    assert answer.status_code == 200, answer.text
    assert await actual(client, admin, "supply_chain_demands_posted", "2031-06-30") == "700"
    assert await actual(client, admin, "supply_chain_match_rate", "2031-06-30") == "0.8"
    await check(app)


async def test_corrections_of_older_periods(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    # A cumulative figure for March corrected, after September's: March changes, September does not.
    before_march = Decimal(str(await actual(client, admin, TURNOVER, "2025-03-31")))
    jinniu_march = Decimal(str(await actual(client, admin, TURNOVER, "2025-03-31", region=JINNIU)))
    march = {"region_code": JINNIU, "year": 2025, "month": 3, "value": "1.5", "provenance": "statistics"}
    assert (await client.post(f"/api/v1/indicators/{TURNOVER}/values", json=march, headers=admin)).is_success
    after_march = Decimal(str(await actual(client, admin, TURNOVER, "2025-03-31")))
    assert after_march == before_march - jinniu_march + Decimal("1.5")
    assert await actual(client, admin, TURNOVER, "2025-09-30") == "34.25"
    # A stock corrected for 2023: the 2023 sum moves, 2024's (where Jinniu has a later figure) does not.
    before_2023 = Decimal(str(await actual(client, admin, INSTITUTIONS, "2023-12-31")))
    before_2024 = await actual(client, admin, INSTITUTIONS, "2024-12-31")
    old = await value_at(client, admin, INSTITUTIONS, JINNIU, 2023)
    fixed = {"region_code": JINNIU, "year": 2023, "value": str(old + 5), "provenance": "statistics"}
    assert (
        await client.post(f"/api/v1/indicators/{INSTITUTIONS}/values", json=fixed, headers=admin)
    ).is_success
    assert await actual(client, admin, INSTITUTIONS, "2023-12-31") == str(before_2023 + 5)
    assert await actual(client, admin, INSTITUTIONS, "2024-12-31") == before_2024
    # A stock figure carries into later years until the unit records another.
    assert await actual(client, admin, INSTITUTIONS, "2026-06-30") == before_2024
    await check(app)


async def test_two_writers_of_one_unit_and_indicator_at_once(app: FastAPI) -> None:
    async def write(rows: list[BulkValueIn]) -> None:
        async with app.state.sessionmaker() as session, session.begin():
            await service.record_values(session, rows=rows, principal=ADMIN)

    def row(month: int, value: str) -> BulkValueIn:
        return BulkValueIn(
            indicator_code=GRADUATES, region_code=JINNIU, year=2032, month=month, value=Decimal(value),
            provenance="statistics",
        )  # fmt: skip

    await asyncio.gather(write([row(5, "1"), row(6, "2")]), write([row(6, "3"), row(7, "4")]))
    history = await check(app)
    june = [v for v in history.values if v.year == 2032 and v.period == 6]
    assert sorted(v.revision for v in june) == [1, 2]  # both corrections landed, one after the other


# --- random writes against the history ---------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2])
async def test_the_summary_equals_the_history_after_random_writes(app: FastAPI, seed: int) -> None:
    rng = random.Random(seed)
    units = [CITY, JINNIU, BAOAN, LINGXIANG]
    codes = [TURNOVER, INSTITUTIONS, GRADUATES, "rd_expenditure"]
    years = [2023, 2024, 2025]
    for _ in range(25):
        batch: dict[tuple[str, str, int, str, int], BulkValueIn] = {}
        for _ in range(rng.randint(1, 6)):
            code, unit, year = rng.choice(codes), rng.choice(units), rng.choice(years)
            kind = rng.choice(["month", "quarter", "year"])
            number = {"month": rng.randint(1, 12), "quarter": rng.randint(1, 4), "year": 0}[kind]
            period = {kind: number} if number else {}
            batch[(code, unit, year, kind, number)] = BulkValueIn(
                indicator_code=code,
                region_code=unit,
                year=year,
                value=Decimal(rng.choice(["0", "1", "2.5", "7", "100"])),
                provenance=rng.choice(["statistics", "preliminary"]),
                **period,
            )
        async with app.state.sessionmaker() as session, session.begin():
            await service.record_values(session, rows=list(batch.values()), principal=ADMIN)
        async with app.state.sessionmaker() as session:
            history = await assert_summary_follows_history(session)
            catalogue = {i.code: i for i in await service.list_indicators(session)}
            for _ in range(3):
                year = rng.choice(years)
                as_of = date(year, rng.randint(1, 12), 28) if rng.random() < 0.8 else date(year + 1, 3, 31)
                unit = rng.choice([CITY, JINNIU])
                figures = await service.figures_at(
                    session,
                    region_code=unit,
                    year=year,
                    as_of=as_of,
                    indicators=[catalogue[c] for c in codes],
                )
                for code in codes:
                    expected = history.figure(code, unit, year, as_of, additive=catalogue[code].additive)
                    assert figures.get(code) == expected, (code, unit, year, as_of)


# --- the migration -----------------------------------------------------------------------------------


async def test_the_migration_builds_the_summary_from_recorded_values(empty_database: str) -> None:
    engine = create_engine(empty_database)
    try:
        await upgrade_schema(engine, MIGRATIONS, revision="0008_outbox")
        rng = random.Random(3)
        rows: list[dict[str, Any]] = []
        for code in (TURNOVER, INSTITUTIONS):
            for unit in (CITY, JINNIU, BAOAN):
                for year in (2024, 2025):
                    for month in sorted(rng.sample(range(1, 13), 4)):
                        for revision in range(1, rng.randint(1, 3) + 1):
                            rows.append(
                                {
                                    "indicator_code": code, "region_code": unit, "year": year,
                                    "period_type": "month", "period": month,
                                    "period_end": date(year, month, 28), "value": Decimal(rng.randint(0, 90)),
                                    "provenance": "statistics", "note": "",
                                    "revision": revision, "recorded_by": "test", "recorded_at": NOW,
                                }
                            )  # fmt: skip
                rows.append(
                    {
                        "indicator_code": code, "region_code": unit, "year": 2024, "period_type": "year",
                        "period": 0, "period_end": date(2024, 12, 31), "value": Decimal(5),
                        "provenance": "statistics", "note": "", "revision": 1, "recorded_by": "test",
                        "recorded_at": NOW,
                    }
                )  # fmt: skip
        async with engine.begin() as conn:
            await conn.execute(insert(IndicatorValue), rows)
        await upgrade_schema(engine, MIGRATIONS)
        async with create_sessionmaker(engine)() as session:
            history = await assert_summary_follows_history(session)
        assert len(history.rollups()) > 10
    finally:
        await engine.dispose()
