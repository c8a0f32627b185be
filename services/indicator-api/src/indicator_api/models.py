"""The base of indicator-api's tables: its own metadata, with the platform's naming convention."""

from sqlmodel import SQLModel

from daye_kit.db import new_registry
from daye_kit.duties import duty_runs_table
from daye_kit.idempotency import idempotency_table


class Table(SQLModel, registry=new_registry()):
    pass


metadata = Table.metadata
# The kit's Idempotency-Key records, the same table in every service.
idempotency_keys = idempotency_table(metadata)
# The kit's scheduled-duty runs (one row per duty and occurrence), the same table in every service.
duty_runs = duty_runs_table(metadata)
