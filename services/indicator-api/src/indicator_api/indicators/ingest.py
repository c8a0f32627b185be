"""Writing many figures at once, set-based: the rows are staged in a temporary table (COPY on
PostgreSQL), then one INSERT … SELECT numbers each figure's next revision and skips figures equal
to the current one, and the summary the dashboards read follows in the same transaction. No query
per row, however large the batch."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from asgi_correlation_id import correlation_id
from sqlalchemy import (
    Column,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    TextClause,
    bindparam,
    insert,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from daye_kit.money import ExactDecimal
from daye_kit.timestamps import UtcDateTime, utcnow
from indicator_api.indicators import summary
from indicator_api.indicators.models import CurrentValue
from indicator_api.indicators.summary import WRITTEN_COLUMNS, Written


class StagedValue(NamedTuple):
    indicator_code: str
    region_code: str
    year: int
    period_type: str
    period: int
    period_end: date
    value: Decimal
    provenance: str
    note: str


COLUMNS = StagedValue._fields
KEY = ("indicator_code", "region_code", "year", "period_type", "period")

STAGING = Table(
    "staging_values",
    MetaData(),
    Column("indicator_code", String(64)),
    Column("region_code", String(32)),
    Column("year", Integer),
    Column("period_type", String(8)),
    Column("period", Integer),
    Column("period_end", Date),
    Column("value", ExactDecimal(places=4)),
    Column("provenance", String(16)),
    Column("note", String(500)),
    prefixes=["TEMPORARY"],
)

_MATCH = " AND ".join(f"c.{k} = s.{k}" for k in KEY)
_SAME_REVISION = " AND ".join(f"v.{k} = c.{k}" for k in KEY)
# Built from the constant column names above; no input reaches the text.
_INSERT_SQL = f"""
    INSERT INTO indicator_values
        ({", ".join(COLUMNS)}, revision, recorded_by, recorded_at, request_id)
    SELECT {", ".join(f"s.{c}" for c in COLUMNS)}, COALESCE(c.revision, 0) + 1,
           :recorded_by, :recorded_at, :request_id
    FROM staging_values s
    LEFT JOIN (
        SELECT v.indicator_code, v.region_code, v.year, v.period_type, v.period, MAX(v.revision) AS revision
        FROM indicator_values v JOIN staging_values s USING ({", ".join(KEY)})
        GROUP BY v.indicator_code, v.region_code, v.year, v.period_type, v.period
    ) c ON {_MATCH}
    LEFT JOIN indicator_values v ON {_SAME_REVISION} AND v.revision = c.revision
    WHERE v.id IS NULL OR v.value <> s.value OR v.provenance <> s.provenance
    RETURNING {", ".join(WRITTEN_COLUMNS)}
"""  # noqa: S608


def _statements(dialect: str) -> list[TextClause]:
    first, *rest = summary.keeping_current(_INSERT_SQL, dialect)
    return [
        text(first).bindparams(bindparam("recorded_at", type_=UtcDateTime())).columns(**WRITTEN_COLUMNS),  # type: ignore[list-item]
        *(text(statement) for statement in rest),
    ]


WRITE_REVISIONS = {dialect: _statements(dialect) for dialect in ("postgresql", "sqlite")}
# Revisions held for review (reporting/: a township's figure the bureau must accept first): recorded
# in the history, not yet current; `make_current` brings one into the summary when it is accepted.
WRITE_HELD = (
    text(_INSERT_SQL).bindparams(bindparam("recorded_at", type_=UtcDateTime())).columns(**WRITTEN_COLUMNS)
)


async def _stage_postgresql(conn: AsyncConnection, rows: Sequence[StagedValue]) -> None:
    await conn.exec_driver_sql(
        "CREATE TEMPORARY TABLE IF NOT EXISTS staging_values ("
        "indicator_code varchar(64), region_code varchar(32), year integer, period_type varchar(8), "
        "period integer, period_end date, value numeric(24, 4), provenance varchar(16), note varchar(500)"
        ") ON COMMIT DELETE ROWS"
    )
    raw = await conn.get_raw_connection()
    await raw.driver_connection.copy_records_to_table("staging_values", records=rows, columns=list(COLUMNS))  # type: ignore[union-attr]


async def _stage_sqlite(conn: AsyncConnection, rows: Sequence[StagedValue]) -> None:
    await conn.run_sync(lambda sync: STAGING.create(sync, checkfirst=True))
    await conn.execute(STAGING.delete())
    await conn.execute(insert(STAGING), [row._asdict() for row in rows])


async def _stage(conn: AsyncConnection, rows: Sequence[StagedValue]) -> None:
    if conn.dialect.name == "postgresql":
        await _stage_postgresql(conn, rows)
    else:
        await _stage_sqlite(conn, rows)


async def make_current(conn: AsyncConnection, revisions: Sequence[Written]) -> None:
    """Makes revisions already recorded (held for review, now accepted) the current figures, and
    brings the rollups up to date with them, as a write does. A figure whose current revision is
    later keeps it."""
    if not revisions:
        return
    await _stage(
        conn,
        [
            StagedValue(
                r.indicator_code,
                r.region_code,
                r.year,
                r.period_type,
                r.period,
                r.period_end,
                r.value,
                "",
                "",
            )
            for r in revisions
        ],
    )
    before = await summary.lock_and_read(conn)
    table = CurrentValue.__table__  # type: ignore[attr-defined]
    statement = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)
    statement = statement.on_conflict_do_update(
        index_elements=[c.name for c in table.primary_key.columns],
        set_={"value": statement.excluded.value, "revision": statement.excluded.revision},
        where=table.c.revision < statement.excluded.revision,
    )
    await conn.execute(statement, [r._asdict() for r in revisions])
    await summary.bring_up_to_date(conn, before, revisions)
    await conn.execute(STAGING.delete())


async def write_values(
    conn: AsyncConnection,
    rows: Sequence[StagedValue],
    *,
    recorded_by: str,
    recorded_at: datetime | None = None,
    held: bool = False,
) -> int:
    """Writes the rows that differ from their figure's latest revision, and brings the summary the
    dashboards read up to date with them (summary.py); returns how many. Every row written is
    stamped `recorded_at` (now by default), by which the caller finds them again. `held` revisions
    (awaiting the bureau's acceptance) are recorded but leave the summary as it is."""
    if not rows:
        return 0
    await _stage(conn, rows)
    parameters = {
        "recorded_by": recorded_by,
        "recorded_at": recorded_at or utcnow(),
        "request_id": correlation_id.get(),
    }
    if held:
        count = len((await conn.execute(WRITE_HELD, parameters)).all())
        await conn.execute(STAGING.delete())
        return count
    before = await summary.lock_and_read(conn)
    insert, *keep_current = WRITE_REVISIONS[conn.dialect.name]
    result = await conn.execute(insert, parameters)
    written = [Written(*row) for row in result]
    for statement in keep_current:
        await conn.execute(statement)
    await summary.bring_up_to_date(conn, before, written)
    await conn.execute(STAGING.delete())
    return len(written)
