"""The base of matching-api's tables (its own metadata, the platform's naming convention) and the
column helpers every feature uses."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlmodel import SQLModel

from daye_kit.db import new_registry

# Deadlines and reporting periods are Daye's calendar days.
LOCAL_TZ = ZoneInfo("Asia/Shanghai")


class Table(SQLModel, registry=new_registry()):
    pass


metadata = Table.metadata


def sql_in(values: Iterable[StrEnum]) -> str:
    """`'a', 'b'` for a CHECK constraint over an enum's values."""
    return ", ".join(f"'{value.value}'" for value in values)


def local_midnight(day: date) -> datetime:
    """The start of a calendar day in Daye, as a UTC instant (for period filters)."""
    return datetime.combine(day, time.min, tzinfo=LOCAL_TZ).astimezone(UTC)
