"""`audit_events`: the table every service keeps, and the database's guards that keep it append-only.

Each service adds `audit_table(metadata)` to its own metadata and creates it in its own migration with
`create_audit_events()` (table, indexes, guards); the kit reads and writes through `AUDIT`, the same
table in a metadata of its own.

Append-only, at the database: PostgreSQL refuses UPDATE and DELETE with a row trigger and TRUNCATE with
a statement trigger; SQLite refuses UPDATE and DELETE with triggers. The one way past is the
retention duty (`prune-audit`): on PostgreSQL it sets the transaction-local `daye.audit_prune` to `on`
(`SET LOCAL`, gone at commit or rollback); on SQLite it inserts a permit row into `audit_prune_permits`
and deletes it again in the same transaction (one writer at a time: no other transaction ever sees
it). Even then, the triggers let only rows older than `MIN_RETENTION_DAYS` go.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    text,
)
from sqlalchemy.engine import Connection

from daye_kit.db import NAMING_CONVENTION
from daye_kit.timestamps import UtcDateTime

MIN_RETENTION_DAYS = 180
PRUNE_SETTING = "daye.audit_prune"
PERMITS_TABLE = "audit_prune_permits"

# 64-bit ids; SQLite assigns ids only to a column declared exactly INTEGER PRIMARY KEY.
_BigId = BigInteger().with_variant(Integer(), "sqlite")


def audit_table(metadata: MetaData) -> Table:
    """`audit_events`, the same in every service."""
    return Table(
        "audit_events",
        metadata,
        Column("id", _BigId, primary_key=True, autoincrement=True),
        Column("service", String(32), nullable=False),
        Column("occurred_at", UtcDateTime(), nullable=False),
        Column("actor", String(64), nullable=True),
        Column("role", String(32), nullable=True),
        Column("region_code", String(32), nullable=True),
        Column("credit_code", String(18), nullable=True),
        Column("api_key_id", Integer, nullable=True),
        Column("action", String(64), nullable=False),
        Column("method", String(8), nullable=False),
        Column("path", String(512), nullable=False),
        Column("object_type", String(64), nullable=True),
        Column("object_id", String(128), nullable=True),
        Column("before", JSON, nullable=True),
        Column("after", JSON, nullable=True),
        Column("changed", JSON, nullable=False),
        Column("outcome", String(16), nullable=False),
        Column("status", Integer, nullable=False),
        Column("error_code", String(64), nullable=True),
        Column("client_addr", String(64), nullable=True),
        Column("request_id", String(128), nullable=True),
        Column("dataset", String(32), nullable=True),
        Column("rows_returned", Integer, nullable=True),
        CheckConstraint("outcome IN ('success', 'failure')", name="outcome_known"),
        Index("ix_audit_events_occurred_at_id", "occurred_at", "id"),
        Index("ix_audit_events_actor", "actor"),
        Index("ix_audit_events_object", "object_type", "object_id"),
        Index("ix_audit_events_action", "action"),
        Index("ix_audit_events_request_id", "request_id"),
    )


def permits_table(metadata: MetaData) -> Table:
    """SQLite only: the retention duty's permit, present only inside its own transaction."""
    return Table(PERMITS_TABLE, metadata, Column("id", Integer, primary_key=True))


AUDIT = audit_table(MetaData(naming_convention=NAMING_CONVENTION))
PERMITS = permits_table(MetaData(naming_convention=NAMING_CONVENTION))

_PG_FUNCTION = f"""
CREATE FUNCTION audit_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND TG_LEVEL = 'ROW'
            AND current_setting('{PRUNE_SETTING}', true) = 'on'
            AND OLD.occurred_at < now() - interval '{MIN_RETENTION_DAYS} days' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the audit trail is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END $$"""


def create_guards(connection: Connection) -> None:
    """The append-only triggers, and the retention duty's permit table (used on SQLite only; kept on
    both so that the schema is the same)."""
    permits_table(MetaData(naming_convention=NAMING_CONVENTION)).create(connection)
    if connection.dialect.name == "postgresql":
        connection.execute(text(_PG_FUNCTION))
        connection.execute(
            text(
                "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
                "FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change()"
            )
        )
        connection.execute(
            text(
                "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
                "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change()"
            )
        )
        return
    connection.execute(
        text(
            "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events BEGIN "
            "SELECT RAISE(ABORT, 'the audit trail is append-only: UPDATE on audit_events is refused'); END"
        )
    )
    connection.execute(
        text(
            "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "  # noqa: S608 - constants
            f"WHEN NOT EXISTS (SELECT 1 FROM {PERMITS_TABLE}) "
            f"OR OLD.occurred_at >= datetime('now', '-{MIN_RETENTION_DAYS} days') BEGIN "
            "SELECT RAISE(ABORT, 'the audit trail is append-only: DELETE on audit_events is refused'); END"
        )
    )


def drop_guards(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events"))
        connection.execute(text("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events"))
        connection.execute(text("DROP FUNCTION IF EXISTS audit_events_refuse_change()"))
    else:
        connection.execute(text("DROP TRIGGER IF EXISTS audit_events_no_delete"))
        connection.execute(text("DROP TRIGGER IF EXISTS audit_events_no_update"))
    connection.execute(text(f"DROP TABLE IF EXISTS {PERMITS_TABLE}"))


def create_audit_events(connection: Connection) -> None:
    """What a service's migration runs: the table, its indexes and its guards."""
    audit_table(MetaData(naming_convention=NAMING_CONVENTION)).create(connection)
    create_guards(connection)


def drop_audit_events(connection: Connection) -> None:
    drop_guards(connection)
    connection.execute(text("DROP TABLE IF EXISTS audit_events"))
