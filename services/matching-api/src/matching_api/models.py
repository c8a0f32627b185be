"""The base of matching-api's tables (its own metadata, the platform's naming convention) and the
column helpers every feature uses."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from sqlalchemy import Column, Integer
from sqlmodel import SQLModel

from daye_kit.audit import audit_table, permits_table
from daye_kit.db import new_registry
from daye_kit.duties import duty_runs_table
from daye_kit.idempotency import idempotency_table
from daye_kit.notifications import notifications_table
from daye_kit.outbox import outbox_table, received_table
from daye_kit.periods import closed_periods_table
from daye_kit.webhooks import webhook_tables


class Table(SQLModel, registry=new_registry()):
    pass


metadata = Table.metadata
# The kit's Idempotency-Key records, the same table in every service.
idempotency_keys = idempotency_table(metadata)
# The kit's outbox and inbox, the same tables in every service.
outbox_events = outbox_table(metadata)
received_events = received_table(metadata)
# The closed periods (关账) indicator-api owns, as its outbox delivers them: dated writes check them.
closed_periods = closed_periods_table(metadata)
# The kit's webhooks: endpoints, their deliveries, and where the fan-out has read the feed to.
webhook_endpoints, webhook_deliveries, webhook_fanout = webhook_tables(metadata)
# The kit's scheduled-duty runs (one row per duty and occurrence), the same table in every service.
duty_runs = duty_runs_table(metadata)
# The kit's append-only audit trail, and the permit its retention duty deletes under (SQLite).
audit_events = audit_table(metadata)
audit_prune_permits = permits_table(metadata)
# The kit's notifications, with what a notification here is about (the front end links to them).
notifications = notifications_table(
    metadata,
    Column("demand_id", Integer, nullable=True),
    Column("supply_id", Integer, nullable=True),
    Column("match_id", Integer, nullable=True),
)


def sql_in(values: Iterable[StrEnum]) -> str:
    """`'a', 'b'` for a CHECK constraint over an enum's values."""
    return ", ".join(f"'{value.value}'" for value in values)
