"""Instants, always in UTC with their zone: in Python, in JSON, and in both databases; calendar days
in Daye's own zone."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import BeforeValidator
from sqlalchemy import Column, DateTime, Dialect
from sqlalchemy.types import TypeDecorator


def _written_as_a_day(value: Any) -> Any:
    if isinstance(value, int | float) or (
        isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)
    ):
        raise ValueError("a day is written YYYY-MM-DD")
    return value


Day = Annotated[date, BeforeValidator(_written_as_a_day)]
"""A calendar day as ISO 8601 `YYYY-MM-DD` only. Pydantic alone also reads a number of seconds at a
midnight as a Unix timestamp: `as_of=86400` (or `1e-300`) would be a day in 1970, silently."""


# Deadlines, reporting periods, approvals and payments are days of Daye's calendar, whatever the
# zone of the host the service runs on.
LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    return datetime.now(UTC)


def local_today() -> date:
    """Today in Daye. At 23:30 UTC it is already the next day there."""
    return datetime.now(LOCAL_TZ).date()


def local_midnight(day: date) -> datetime:
    """The start of a calendar day in Daye, as a UTC instant (for period filters)."""
    return datetime.combine(day, time.min, tzinfo=LOCAL_TZ).astimezone(UTC)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands timestamps back without a zone; they were stored in UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """TIMESTAMP WITH TIME ZONE; on SQLite, which keeps no zone, values read back are marked UTC
    again, so an answer looks the same on either database."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        return None if value is None else as_utc(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)


def timestamp(*, nullable: bool = False, index: bool = False) -> Column[datetime]:
    """A column for an instant."""
    return Column(UtcDateTime(), nullable=nullable, index=index)
