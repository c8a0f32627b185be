"""The base of matching-api's tables (its own metadata, the platform's naming convention) and the
column helpers every feature uses."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from sqlmodel import SQLModel

from daye_kit.db import new_registry
from daye_kit.duties import duty_runs_table
from daye_kit.idempotency import idempotency_table
from daye_kit.outbox import outbox_table, received_table


class Table(SQLModel, registry=new_registry()):
    pass


metadata = Table.metadata
# The kit's Idempotency-Key records, the same table in every service.
idempotency_keys = idempotency_table(metadata)
# The kit's outbox and inbox, the same tables in every service.
outbox_events = outbox_table(metadata)
received_events = received_table(metadata)
# The kit's scheduled-duty runs (one row per duty and occurrence), the same table in every service.
duty_runs = duty_runs_table(metadata)


def sql_in(values: Iterable[StrEnum]) -> str:
    """`'a', 'b'` for a CHECK constraint over an enum's values."""
    return ", ".join(f"'{value.value}'" for value in values)
