"""Database engines (SQLite embedded default, PostgreSQL in production), sessions and migrations."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any

import structlog
from alembic import command
from alembic.config import Config
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import (
    JSON,
    ColumnElement,
    Connection,
    MetaData,
    Row,
    Table,
    event,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session, registry
from sqlalchemy.sql.base import Executable

from daye_kit.errors import ServiceUnavailable, problem_response

# Constraint names are predictable, so migrations can drop and alter them on both backends.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLITE_BUSY_TIMEOUT_MS = 30_000
PG_CONNECT_TIMEOUT_SECONDS = 5
PING_AFTER_IDLE_SECONDS = 2.0
POOL_TIMEOUT_SECONDS = 10.0  # waiting longer for a free connection answers 503
READ_ONLY_OPTION = "daye_read_only"
DATABASE_RETRY_AFTER_SECONDS = 5
# Where `daye_kit.audit`'s middleware keeps the request's audit (`RequestAudit`) in the ASGI scope.
AUDIT_SCOPE_KEY = "daye.audit"
# The same, for code that has no request at hand (`daye_kit.idempotency` reports its answers).
CURRENT_AUDIT: ContextVar[Any] = ContextVar("daye_current_audit", default=None)
log = structlog.get_logger("daye.db")


def new_registry() -> registry:
    """A registry (and metadata) of a service's own: services never share tables or models."""
    return registry(metadata=MetaData(naming_convention=NAMING_CONVENTION))


def _sqlite_engine(url: str, echo: bool, *, foreign_keys: bool = True) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, echo=echo, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _: Any) -> None:
        # Let SQLAlchemy, not the driver, open transactions (see the "begin" hook below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # A deferred transaction that later writes can fail at once with "database is locked"
        # when another writer got there first; taking the write lock up front makes it wait instead.
        # A read-only session (`ReadSessionDep`) opens none: its statements read the last commit.
        if not connection.get_execution_options().get(READ_ONLY_OPTION):
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def create_engine(url: str, *, echo: bool = False, pool_size: int = 10) -> AsyncEngine:
    """SQLite, or PostgreSQL through a pool of at most `pool_size` connections, opened as load asks
    and kept open. There is no overflow on purpose: SQLAlchemy closes an overflow connection as soon
    as it is returned, so a load just above the pool's size would open and close (TLS attempt,
    authentication, the driver's type setup) a connection per request; waiting a moment for a free
    one is cheaper, and the total stays what PostgreSQL's `max_connections` was sized for."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url, echo)
    engine = create_async_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=POOL_TIMEOUT_SECONDS,
        connect_args={"timeout": PG_CONNECT_TIMEOUT_SECONDS},
    )
    _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: AsyncEngine) -> None:
    """A connection that sat idle is pinged before use, and replaced if the server dropped it (a
    restart). SQLAlchemy's `pool_pre_ping` pings on every checkout, which on asyncpg is three round
    trips per request; a connection in steady use is not pinged. One the server drops while in use
    fails that request with 503 and has the pool replace every connection of the same age."""

    @event.listens_for(engine.sync_engine, "checkin")
    def _checked_in(_: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, __: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is not None and time.monotonic() - idle_since > PING_AFTER_IDLE_SECONDS:
            try:
                dbapi_connection.ping()
            except Exception as exc:
                raise DisconnectionError("the server closed an idle connection") from exc


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


class ReadOnlySession(Session):
    """The ORM session of `ReadSessionDep`: it has no transaction to write in, so a flush with
    anything to write is a programming error, refused before a statement is sent."""


@event.listens_for(ReadOnlySession, "before_flush")
def _refuse_writes(session: Session, _: Any, __: Any) -> None:
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("a read-only session (ReadSessionDep) cannot write; use SessionDep")


def read_only(engine: AsyncEngine) -> AsyncEngine:
    """The engine's reads: no BEGIN and no COMMIT around their statements.

    On PostgreSQL the connection runs in autocommit (a flag of the driver's, no round trip), so a
    read of one row is one round trip instead of three; each statement sees the last commit. On
    SQLite the read takes no write lock (see `_sqlite_engine`). A request that reads several rows
    which must agree with each other, or writes, takes `SessionDep`.
    """
    options: dict[str, Any] = {READ_ONLY_OPTION: True}
    if engine.dialect.name == "postgresql":
        options["isolation_level"] = "AUTOCOMMIT"
    return engine.execution_options(**options)


def create_read_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """ORM sessions over `read_only(engine)`, refusing to write (`ReadOnlySession`)."""
    return async_sessionmaker(
        read_only(engine), expire_on_commit=False, autoflush=False, sync_session_class=ReadOnlySession
    )


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request: committed after the handler returns, rolled back if it raised.

    Services only `flush()`; the commit happens here, before the response is sent (scope="function").
    A write's audit row (`daye_kit.audit`) goes into the same transaction, just before the commit.
    """
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    audit = request.scope.get(AUDIT_SCOPE_KEY)
    async with sessionmaker() as session:
        if audit is not None:
            audit.attach(session)
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        else:
            if audit is not None:
                await audit.write_in(session)
            await session.commit()
            if audit is not None:
                audit.committed(session)


SessionDep = Annotated[AsyncSession, Depends(_session, scope="function")]


async def _read_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One read-only session per request (`create_read_sessionmaker`), closed once the handler
    returns: nothing to commit, the connection goes back to the pool before the response is sent."""
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.read_sessionmaker
    async with sessionmaker() as session:
        yield session


ReadSessionDep = Annotated[AsyncSession, Depends(_read_session, scope="function")]


def columns(model: type[Any], names: Iterable[str], *, prefix: str = "") -> list[ColumnElement[Any]]:
    """For a read in Core: the columns of a table model's table that `names` name (those it has), as
    a public model shows them; with a `prefix`, labelled `<prefix><name>`, keeping a joined table's
    columns apart (`unprefixed` takes them back out of a row)."""
    table: Table = model.__table__
    found = [table.c[name] for name in names if name in table.c]
    return [column.label(f"{prefix}{column.name}") for column in found] if prefix else list(found)


def unprefixed(row: Row[Any], names: Iterable[str], prefix: str) -> dict[str, Any]:
    """The values `columns(..., prefix=prefix)` put in a row, by their own names."""
    return {name: row._mapping[f"{prefix}{name}"] for name in names}


class Reads:
    """Reads in SQLAlchemy Core on `read_only(engine)`: rows straight from the driver, without an
    ORM session, its identity map and the mapped objects it builds. Each read borrows a pooled
    connection for its one statement and returns it before the response is built. The hot reads (one
    row by its key) take it, as `ReadsDep`: a plain dependency, not a generator one, whose exit
    FastAPI would run in a shielded cancel scope of its own on every request."""

    __slots__ = ("engine",)

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def one_or_none(self, statement: Executable, parameters: Mapping[str, Any]) -> Row[Any] | None:
        async with self.engine.connect() as connection:
            return (await connection.execute(statement, parameters)).one_or_none()

    async def all(self, statement: Executable, parameters: Mapping[str, Any]) -> Sequence[Row[Any]]:
        async with self.engine.connect() as connection:
            return (await connection.execute(statement, parameters)).all()


async def _reads(request: Request) -> Reads:
    reads: Reads = request.app.state.reads
    return reads


ReadsDep = Annotated[Reads, Depends(_reads)]


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for `pg_advisory_xact_lock`, derived from a name."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


async def lock_exclusively(conn: AsyncConnection, name: str) -> None:
    """Serialise a transaction against every replica that takes the same named lock.

    PostgreSQL: a transaction-scoped advisory lock. SQLite: the transaction already holds the
    database's write lock (BEGIN IMMEDIATE), which is as exclusive as it gets.
    """
    if conn.dialect.name == "postgresql":
        await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": advisory_key(name)})


def alembic_config(script_location: Path) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    return config


async def upgrade_schema(engine: AsyncEngine, script_location: Path, *, revision: str = "head") -> None:
    """`alembic upgrade head` on this engine, once even when several replicas start together."""
    await _migrate(engine, script_location, lambda config: command.upgrade(config, revision))


async def downgrade_schema(engine: AsyncEngine, script_location: Path, *, revision: str) -> None:
    await _migrate(engine, script_location, lambda config: command.downgrade(config, revision))


async def _migrate(engine: AsyncEngine, script_location: Path, action: Callable[[Config], None]) -> None:
    """Runs an Alembic command in one transaction under a lock every replica takes.

    On SQLite, Alembic's batch mode rebuilds a table to alter it, which foreign keys pointing at it
    would forbid; migrations run on a connection without foreign-key enforcement, and the result is
    checked with `PRAGMA foreign_key_check` before it commits.
    """

    def run(connection: Connection) -> None:
        config = alembic_config(script_location)
        config.attributes["connection"] = connection
        action(config)

    sqlite = engine.dialect.name == "sqlite"
    url = engine.url.render_as_string(hide_password=False)
    migrator = _sqlite_engine(url, False, foreign_keys=False) if sqlite else engine
    try:
        async with migrator.begin() as conn:
            await lock_exclusively(conn, f"migrate:{script_location}")
            await conn.run_sync(run)
            if sqlite:
                broken = (await conn.exec_driver_sql("PRAGMA foreign_key_check")).all()
                if broken:
                    raise RuntimeError(f"migration left rows whose foreign keys point nowhere: {broken[:5]}")
    finally:
        if migrator is not engine:
            await migrator.dispose()


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """The database went away (restart, network, refused connection): 503 with when to retry, never a
    500. The request's transaction was not committed, so nothing of it is written."""
    log.warning(
        "database_unavailable", path=request.url.path, error=type(exc).__name__, detail=str(exc)[:200]
    )
    error = ServiceUnavailable(
        "the database is unavailable; nothing was written, try again shortly",
        code="database_unavailable",
        headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
    )
    return problem_response(error.to_problem(), error.headers)


# SQLSTATE classes of a server that cannot serve now: 08 connection exceptions, 53 insufficient
# resources (53300: too many connections), 57P01-57P03 shutting down or starting up.
_UNAVAILABLE_SQLSTATES = ("08", "53", "57P01", "57P02", "57P03")


# SQLSTATE class 40, transaction rollback: 40001 serialization failure, 40P01 deadlock detected. The
# server chose this transaction to give way to a concurrent one; the same request again succeeds.
_CONFLICT_SQLSTATES = ("40001", "40P01")


async def _driver_error(request: Request, exc: Exception) -> JSONResponse:
    """asyncpg's refusals reach SQLAlchemy as a plain `DBAPIError`: those that say the server cannot
    serve now are 503 like the rest, as is a transaction the server rolled back to break a deadlock;
    any other (a bug) goes on to the 500 problem."""
    sqlstate = getattr(getattr(exc, "orig", None), "sqlstate", None) or ""
    if sqlstate.startswith(_UNAVAILABLE_SQLSTATES):
        return await _database_unavailable(request, exc)
    if sqlstate in _CONFLICT_SQLSTATES:
        log.warning("transaction_conflict", path=request.url.path, sqlstate=sqlstate, detail=str(exc)[:300])
        error = ServiceUnavailable(
            "a concurrent change to the same records made the database roll this one back; nothing was "
            "written, send the same request again",
            code="transaction_conflict",
            headers={"Retry-After": "1"},
        )
        return problem_response(error.to_problem(), error.headers)
    raise exc


def install_database_error_handler(app: FastAPI) -> None:
    # OperationalError/InterfaceError: the driver lost or could not use its connection;
    # ConnectionError and TimeoutError: asyncpg refused or timed out while connecting;
    # PoolTimeout: every connection of the pool stayed busy for `POOL_TIMEOUT_SECONDS`.
    for error in (OperationalError, InterfaceError, ConnectionError, TimeoutError, PoolTimeout):
        app.add_exception_handler(error, _database_unavailable)
    app.add_exception_handler(DBAPIError, _driver_error)


async def ping(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


async def next_ids(conn: AsyncConnection, table: Table, count: int) -> list[int]:
    """Reserves `count` primary keys of `table` for rows about to be written in this transaction.

    PostgreSQL draws them from the column's sequence; SQLite continues from the largest key, which
    is safe because the transaction already holds SQLite's only write lock (BEGIN IMMEDIATE).
    """
    if count == 0:
        return []
    key = table.primary_key.columns.values()[0]
    if conn.dialect.name == "postgresql":
        sequence = text("SELECT nextval(pg_get_serial_sequence(:table, :column)) FROM generate_series(1, :n)")
        rows = await conn.execute(sequence, {"table": table.name, "column": key.name, "n": count})
        return [int(row[0]) for row in rows]
    top = (await conn.execute(select(func.coalesce(func.max(key), 0)))).scalar_one()
    return list(range(int(top) + 1, int(top) + 1 + count))


async def insert_rows(conn: AsyncConnection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Writes many rows at once: COPY on PostgreSQL, one executemany elsewhere.

    Every row names the same columns; values go through the columns' types as an INSERT would
    (JSON columns are serialised for COPY).
    """
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        await conn.execute(insert(table), list(rows))
        return
    columns = list(rows[0].keys())
    json_columns = {name for name in columns if isinstance(table.c[name].type, JSON)}
    records = [
        tuple(
            json.dumps(row[name], ensure_ascii=False) if name in json_columns else row[name]
            for name in columns
        )
        for row in rows
    ]
    raw = await conn.get_raw_connection()
    await raw.driver_connection.copy_records_to_table(table.name, records=records, columns=columns)  # type: ignore[union-attr]
