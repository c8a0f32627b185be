"""The summary a dashboard reads instead of the history of values, kept in the same transaction as
every write (`ingest.write_values`: single values, bulk, Excel, the inbox, the demo).

Two tables (`models.py`):
- `indicator_current_values`: the current revision of each (indicator, unit, period);
- `indicator_rollups`: per indicator and parent unit, at each period end where a child unit has a
  figure, the sum over the children of each one's latest figure at that day (within the year for
  cumulative indicators, at any earlier day for stocks).

"Latest" orders by period end, then revision, then period type (`year` before `quarter` before
`month` at the same day): `BEST_FIRST` below, the order every read and test uses.

A write changes one child's figures at some period ends; its rollup changes by the difference
between the child's figures after and before, over the days until the child's next figure. That
difference is computed here from the few rows around the written ones, never from all the units.
Writers of the same indicator under the same parent unit take turns (an advisory lock on
PostgreSQL; SQLite has one writer at a time), so each one reads what the previous one left.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import ARRAY, BigInteger, Date, Integer, String, TextualSelect, bindparam, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import TypeEngine

from daye_kit.db import advisory_key
from daye_kit.money import ExactDecimal
from indicator_api.indicators.models import Rollup

ROLLED_UP = ("cumulative", "stock")  # ratios are computed from their terms, never summed


class Written(NamedTuple):
    """A revision just written: what RETURNING gives back for each new row."""

    indicator_code: str
    region_code: str
    year: int
    period_type: str
    period: int
    period_end: date
    value: Decimal
    revision: int


WRITTEN_COLUMNS: dict[str, TypeEngine[Any]] = {
    "indicator_code": String(),
    "region_code": String(),
    "year": Integer(),
    "period_type": String(),
    "period": Integer(),
    "period_end": Date(),
    "value": ExactDecimal(places=4),
    "revision": Integer(),
}


def best_first(columns: Any) -> tuple[Any, ...]:
    """The order that picks the latest of several figures: `columns` has period_end, revision and
    period_type."""
    return (columns.period_end.desc(), columns.revision.desc(), columns.period_type.desc())


def _rank(revision: int, period_type: str) -> tuple[int, str]:
    """Among figures of one unit at the same period end, the larger ranks first (as `best_first`)."""
    return revision, period_type


# --- the current figures ------------------------------------------------------------------------------

_KEY = ("indicator_code", "region_code", "year", "period_type", "period")
_COLUMNS = "indicator_code, region_code, year, period_type, period, period_end, value, revision"
# Two writers of the same figure: the later revision stays, whichever commits last.
_KEEP = """
    ON CONFLICT (indicator_code, region_code, period_end, period_type) DO UPDATE
    SET value = excluded.value, revision = excluded.revision
    WHERE indicator_current_values.revision < excluded.revision
"""


def keeping_current(insert_revisions: str, dialect: str) -> list[str]:
    """The statements that write revisions (`insert_revisions`, an INSERT … RETURNING the
    `WRITTEN_COLUMNS`) and make them the current figures; the first answers the written rows.

    PostgreSQL does both in one statement; SQLite, which cannot write in a WITH, copies the staged
    figures' latest revisions after."""
    if dialect == "postgresql":
        return [
            f"""
            WITH written AS ({insert_revisions}),
            kept AS (INSERT INTO indicator_current_values ({_COLUMNS}) SELECT {_COLUMNS} FROM written {_KEEP})
            SELECT {_COLUMNS} FROM written
            """  # noqa: S608
        ]
    latest = " AND ".join(
        f"w.{k} = v.{k}" for k in ("indicator_code", "region_code", "year", "period_type", "period")
    )
    staged = " AND ".join(
        f"s.{k} = v.{k}" for k in ("indicator_code", "region_code", "year", "period_type", "period")
    )
    return [
        insert_revisions,
        f"""
        INSERT INTO indicator_current_values ({_COLUMNS})
        SELECT {", ".join(f"v.{c}" for c in _COLUMNS.split(", "))}
        FROM staging_values s JOIN indicator_values v ON {staged}
        WHERE v.revision = (SELECT MAX(w.revision) FROM indicator_values w WHERE {latest})
        {_KEEP}
        """,  # noqa: S608
    ]


# --- what the staged rows touch ----------------------------------------------------------------------

# The staged rows (ingest.py's staging table) per indicator and unit, with the unit's parent, the
# earliest written day and the first day that can count with it (1 January of its year for a
# cumulative indicator); `{jan1}` and `{epoch}` are the dialect's dates.
_PAIRS = """
    SELECT s.indicator_code, s.region_code, r.parent_code, i.accumulation, MIN(s.period_end) AS lo,
           CASE WHEN i.accumulation = 'cumulative' THEN {jan1} ELSE {epoch} END AS since
    FROM staging_values s
    JOIN regions r ON r.code = s.region_code
    JOIN indicators i ON i.code = s.indicator_code
    GROUP BY s.indicator_code, s.region_code, r.parent_code, i.accumulation
"""
_DATES = {
    "postgresql": {"jan1": "make_date(MIN(s.year), 1, 1)", "epoch": "DATE '0001-01-01'"},
    "sqlite": {"jan1": "printf('%04d-01-01', MIN(s.year))", "epoch": "'0001-01-01'"},
}


def _from_first_day(table: str, unit: str, touched: str, columns: Iterable[str]) -> str:
    """`columns` of `table`'s figures for each (indicator, unit) of `touched` (with its earliest
    written day `lo` and the first day that counts with it, `since`), from the unit's last day before
    `lo` (what it counted with until then) on: every figure whose contribution the write can change.
    `unit` is the column of `touched` naming the table's unit.

    Each pair's first day is worked out once, in a materialized CTE, so the join reaches the figures
    through the primary key (indicator, unit, period end) from that day on; inside the join's
    condition it would be evaluated against every figure of the pair, however old."""
    return f"""
        WITH t AS MATERIALIZED (
            SELECT q.indicator_code, q.{unit} AS unit, COALESCE((
                SELECT MAX(b.period_end) FROM {table} b
                WHERE b.indicator_code = q.indicator_code AND b.region_code = q.{unit}
                  AND b.period_end < q.lo AND b.period_end >= q.since
            ), q.lo) AS first_day
            FROM ({touched}) AS q
        )
        SELECT {", ".join(f"f.{c}" for c in columns)}
        FROM t JOIN {table} f
          ON f.indicator_code = t.indicator_code AND f.region_code = t.unit AND f.period_end >= t.first_day
    """  # noqa: S608


@dataclass(frozen=True)
class _Queries:
    pairs: TextualSelect
    pair_rows: TextualSelect
    group_points: TextualSelect


def _queries(dialect: str) -> _Queries:
    pairs = _PAIRS.format(**_DATES[dialect])
    rolled = f"""
        SELECT * FROM ({pairs}) AS a
        WHERE a.parent_code IS NOT NULL AND a.accumulation IN ('cumulative', 'stock')
    """  # noqa: S608
    groups = f"""
        SELECT indicator_code, parent_code, MIN(lo) AS lo, MIN(since) AS since
        FROM ({rolled}) AS b
        GROUP BY indicator_code, parent_code
    """  # noqa: S608
    # A child unit's current figures, and its parent's rollups.
    pair_rows = _from_first_day("indicator_current_values", "region_code", rolled, WRITTEN_COLUMNS)
    group_points = _from_first_day(
        "indicator_rollups", "parent_code", groups, ("indicator_code", "region_code", "period_end", "value")
    )
    return _Queries(
        pairs=text(pairs).columns(lo=Date()),
        pair_rows=text(pair_rows).columns(**WRITTEN_COLUMNS),
        group_points=text(group_points).columns(period_end=Date(), value=ExactDecimal(places=4)),
    )


QUERIES = {dialect: _queries(dialect) for dialect in _DATES}
LOCK = text("SELECT count(pg_advisory_xact_lock(k)) FROM unnest(:keys) AS t(k)").bindparams(
    bindparam("keys", type_=ARRAY(BigInteger()))
)


@dataclass
class _Pair:
    parent: str
    accumulation: str
    lo: date
    # (year, period type, period) → (period end, value, revision, period type)
    rows: dict[tuple[int, str, int], tuple[date, Decimal, int, str]] = field(default_factory=dict)


@dataclass
class _Group:
    accumulation: str
    lo: date
    points: dict[date, Decimal] = field(default_factory=dict)


@dataclass
class Before:
    """What the summary held, around the staged rows, before they were written."""

    pairs: dict[tuple[str, str], _Pair]
    groups: dict[tuple[str, str], _Group]


async def lock_and_read(conn: AsyncConnection) -> Before:
    """Takes the turn of every indicator and parent unit the staged rows touch, then reads what the
    summary holds around them. Call before the staged rows are written."""
    pairs: dict[tuple[str, str], _Pair] = {}
    locks: set[str] = set()
    queries = QUERIES[conn.dialect.name]
    for row in await conn.execute(queries.pairs):
        locks.add(f"indicator-summary:{row.indicator_code}:{row.parent_code or row.region_code}")
        if row.parent_code is not None and row.accumulation in ROLLED_UP:
            pairs[(row.indicator_code, row.region_code)] = _Pair(row.parent_code, row.accumulation, row.lo)
    if conn.dialect.name == "postgresql":
        await conn.execute(LOCK, {"keys": sorted(advisory_key(name) for name in locks)})
    if not pairs:
        return Before(pairs, {})
    for value in await conn.execute(queries.pair_rows):
        pair = pairs[(value.indicator_code, value.region_code)]
        pair.rows[(value.year, value.period_type, value.period)] = (
            value.period_end,
            value.value,
            value.revision,
            value.period_type,
        )
    groups: dict[tuple[str, str], _Group] = {}
    for (code, _), pair in pairs.items():
        group = groups.setdefault((code, pair.parent), _Group(pair.accumulation, pair.lo))
        group.lo = min(group.lo, pair.lo)
    for row in await conn.execute(queries.group_points):
        groups[(row.indicator_code, row.region_code)].points[row.period_end] = row.value
    return Before(pairs, groups)


# --- bringing the summary up to date -------------------------------------------------------------------


def _latest_by_day(rows: Iterable[tuple[date, Decimal, int, str]]) -> dict[date, Decimal]:
    """Each period end's figure: the best ranked of the unit's figures ending that day."""
    best: dict[date, tuple[tuple[int, str], Decimal]] = {}
    for end, value, revision, period_type in rows:
        rank = _rank(revision, period_type)
        if end not in best or rank > best[end][0]:
            best[end] = (rank, value)
    return {end: value for end, (_, value) in best.items()}


def _steps(old: dict[date, Decimal], new: dict[date, Decimal]) -> list[tuple[date, Decimal]]:
    """(day, change) wherever the child's contribution after the write minus before changes: the
    jumps of the difference between two step functions (which agree before the written days)."""
    jumps = []
    old_value = new_value = Decimal(0)
    previous = Decimal(0)
    for day in sorted(old.keys() | new.keys()):
        old_value = old.get(day, old_value)
        new_value = new.get(day, new_value)
        difference = new_value - old_value
        if difference != previous:
            jumps.append((day, difference - previous))
            previous = difference
    return jumps


def _segment(accumulation: str, day: date) -> int:
    """Cumulative figures start again each year; a stock's run on."""
    return day.year if accumulation == "cumulative" else 0


def _within(
    rows: Iterable[tuple[date, Decimal, int, str]], accumulation: str, segment: int
) -> list[tuple[date, Decimal, int, str]]:
    return [row for row in rows if _segment(accumulation, row[0]) == segment]


async def bring_up_to_date(conn: AsyncConnection, before: Before, written: Sequence[Written]) -> None:
    """Records the changes the revisions just written make to their parent units' rollups (the
    statement that wrote them made them the current ones: `keeping_current`)."""
    if not written:
        return
    by_pair: dict[tuple[str, str], list[Written]] = defaultdict(list)
    for row in written:
        if (row.indicator_code, row.region_code) in before.pairs:
            by_pair[(row.indicator_code, row.region_code)].append(row)
    # (indicator, parent, segment) → day → change of the rollup from that day on
    jumps: dict[tuple[str, str, int], dict[date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    new_days: dict[tuple[str, str, int], set[date]] = defaultdict(set)
    for (code, unit), rows in by_pair.items():
        pair = before.pairs[(code, unit)]
        after = dict(pair.rows)
        for row in rows:
            after[(row.year, row.period_type, row.period)] = (
                row.period_end,
                row.value,
                row.revision,
                row.period_type,
            )
            new_days[(code, pair.parent, _segment(pair.accumulation, row.period_end))].add(row.period_end)
        segments = {_segment(pair.accumulation, row.period_end) for row in rows}
        for segment in segments:
            old = _latest_by_day(_within(pair.rows.values(), pair.accumulation, segment))
            new = _latest_by_day(_within(after.values(), pair.accumulation, segment))
            target = jumps[(code, pair.parent, segment)]
            for day, change in _steps(old, new):
                target[day] += change
    changed: list[dict[str, Any]] = []
    for key in jumps.keys() | new_days.keys():
        code, parent, segment = key
        group = before.groups[(code, parent)]
        existing = {
            day: value for day, value in group.points.items() if _segment(group.accumulation, day) == segment
        }
        days = sorted(existing.keys() | new_days[key])
        steps = jumps.get(key, {})
        level = Decimal(0)
        change = Decimal(0)
        for day in days:
            level = existing.get(day, level)
            change += steps.get(day, Decimal(0))
            if change or day not in existing:
                changed.append(
                    {
                        "indicator_code": code,
                        "region_code": parent,
                        "period_end": day,
                        "year": day.year,
                        "value": level + change,
                    }
                )
    await _upsert_rollups(conn, changed)


def _insert(conn: AsyncConnection, table: Any) -> Any:
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


async def _upsert_rollups(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    table = Rollup.__table__  # type: ignore[attr-defined]
    statement = _insert(conn, table)
    statement = statement.on_conflict_do_update(
        index_elements=[c.name for c in table.primary_key.columns],
        set_={"value": statement.excluded.value},
    )
    for start in range(0, len(rows), 5000):
        await conn.execute(statement, rows[start : start + 5000])
