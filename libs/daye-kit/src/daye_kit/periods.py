"""Closed periods (关账), as every service checks them.

indicator-api owns the periods: the bureau closes a quarter (`2025-Q3`) or a month (`2025-08`), and
may reopen one with a reason; a reopening closes again by itself after `REOPEN_DAYS`. A closed period
refuses writes that would change its figures (409 `period_closed`, naming the field). A month inside
a closed quarter is closed. A reopening past its `recloses_at` counts as closed already, so a check
never waits for the duty that records the re-closing.

matching-api and funding-api learn each change through indicator-api's outbox (`period.closed`,
`period.reopened`, one subject per period, so they arrive in order) and keep a copy in their own
`closed_periods` table (`closed_periods_table`, applied by `period_handlers`). Only indicator-api's
own service account may deliver them: a peer's service account, or an outside system's, cannot
reopen a period here.
"""

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Column, Date, Integer, MetaData, String, Table, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from daye_kit.auth import Principal
from daye_kit.errors import FieldError, Forbidden, InvalidInput, RowsRefused
from daye_kit.outbox import Event, Handler
from daye_kit.timestamps import UtcDateTime, as_utc, utcnow

PERIOD_CLOSED = "period.closed"
PERIOD_REOPENED = "period.reopened"
REOPEN_DAYS = 7
# The account indicator-api signs its own peer calls and outbox deliveries with.
PERIOD_OWNER = "svc-indicator-api"
Kind = Literal["quarter", "month"]
Status = Literal["open", "closed", "reopened"]

_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class Period:
    key: str
    kind: Kind
    year: int
    number: int

    @classmethod
    def quarter(cls, year: int, quarter: int) -> "Period":
        return cls(f"{year:04d}-Q{quarter}", "quarter", year, quarter)

    @classmethod
    def month(cls, year: int, month: int) -> "Period":
        return cls(f"{year:04d}-{month:02d}", "month", year, month)

    @classmethod
    def of_day(cls, day: date) -> "Period":
        """The month a day falls in."""
        return cls.month(day.year, day.month)

    @property
    def starts_on(self) -> date:
        first = self.number if self.kind == "month" else self.number * 3 - 2
        return date(self.year, first, 1)

    @property
    def ends_on(self) -> date:
        last = self.number if self.kind == "month" else self.number * 3
        return date(self.year, last, calendar.monthrange(self.year, last)[1])

    @property
    def enclosing_quarter(self) -> "Period":
        return self if self.kind == "quarter" else Period.quarter(self.year, (self.number - 1) // 3 + 1)

    @property
    def months(self) -> list["Period"]:
        if self.kind == "month":
            return [self]
        return [Period.month(self.year, m) for m in range(self.number * 3 - 2, self.number * 3 + 1)]


def parse_period(key: str, *, field_name: str = "path.key") -> Period:
    """`2025-Q3` or `2025-08`; anything else is a 422 naming `field_name`."""
    if match := _QUARTER.match(key):
        return Period.quarter(int(match[1]), int(match[2]))
    if match := _MONTH.match(key):
        return Period.month(int(match[1]), int(match[2]))
    raise InvalidInput.field(
        field_name, "period_key", f"{key!r} is not a period: a quarter 2025-Q3 or a month 2025-08"
    )


def is_closed(status: str, recloses_at: datetime | None, now: datetime) -> bool:
    """A period row's effect now: closed, or reopened past the day it closes again by itself."""
    if status == "closed":
        return True
    return status == "reopened" and recloses_at is not None and as_utc(recloses_at) <= now


class PeriodClosed(RowsRefused):
    """A write into a closed period: its figures stay as they were until the bureau reopens it."""

    status, code, title = 409, "period_closed", "该期间已关账"

    @classmethod
    def at(cls, field_path: str, period: str, day: date | None = None) -> "PeriodClosed":
        """One field, named whole (`body.signed_on`, `path.year`): no batch row to locate."""
        what = f"{day} falls in {period}" if day else period
        message = f"{what}, which is closed; the bureau reopens it (with a reason) before it changes"
        error = cls(message, [])
        error.errors = [FieldError(field=field_path, rule="period_closed", message=message)]
        return error


@dataclass
class ClosedPeriods:
    """Which periods are closed at one moment: read once per write, checked per row."""

    keys: set[str] = field(default_factory=set)

    def closing(self, period: Period) -> str | None:
        """The closed period that holds `period` (itself or, for a month, its quarter), if any."""
        for candidate in (period, period.enclosing_quarter):
            if candidate.key in self.keys:
                return candidate.key
        return None

    def closing_day(self, day: date) -> str | None:
        return self.closing(Period.of_day(day))

    def year_closed(self, year: int) -> bool:
        """A yearly figure (a target, a value for the whole year) is frozen once all four quarters
        of its year are closed; before that, the year is still being reported."""
        return all(self.closing(Period.quarter(year, q)) for q in range(1, 5))

    def ensure_day_open(self, day: date, field_path: str) -> None:
        if (key := self.closing_day(day)) is not None:
            raise PeriodClosed.at(field_path, key, day)


async def closed_in(session: AsyncSession, table: Table, *, now: datetime | None = None) -> ClosedPeriods:
    """The closed periods a table of periods holds (indicator-api's `periods`, a peer's
    `closed_periods`): both have `key`, `status` and `recloses_at`. Small: a few rows a year."""
    moment = now or utcnow()
    rows = await session.execute(
        select(table.c.key, table.c.status, table.c.recloses_at).where(table.c.status != "open")
    )
    return ClosedPeriods({key for key, status, recloses in rows if is_closed(status, recloses, moment)})


def closed_periods_table(metadata: MetaData) -> Table:
    """A peer's copy of indicator-api's periods (matching-api, funding-api): the latest state of each."""
    return Table(
        "closed_periods",
        metadata,
        Column("key", String(7), primary_key=True),
        Column("kind", String(8), nullable=False),
        Column("starts_on", Date, nullable=False),
        Column("ends_on", Date, nullable=False),
        Column("status", String(16), nullable=False),
        Column("recloses_at", UtcDateTime(), nullable=True),
        # The event that brought this state, and when indicator-api recorded it.
        Column("event_id", String(36), nullable=False),
        Column("changed_at", UtcDateTime(), nullable=False),
        Column("revision", Integer, nullable=False, server_default="0"),
    )


def event_data(
    period: Period, *, status: Status, recloses_at: datetime | None, revision: int
) -> dict[str, Any]:
    """What `period.closed` / `period.reopened` carry to the peers."""
    return {
        "key": period.key,
        "kind": period.kind,
        "starts_on": period.starts_on.isoformat(),
        "ends_on": period.ends_on.isoformat(),
        "status": status,
        "recloses_at": recloses_at.isoformat() if recloses_at else None,
        "revision": revision,
    }


def period_handlers(table: Table) -> Mapping[str, Handler]:
    """The inbox handlers that keep a peer's `closed_periods` as indicator-api's periods are."""

    async def apply(session: AsyncSession, event: Event, principal: Principal) -> None:
        if principal.username != PERIOD_OWNER:
            raise Forbidden(f"periods are indicator-api's; {principal.username} may not change them")
        period = parse_period(str(event.data["key"]), field_name="body.data.key")
        recloses = event.data.get("recloses_at")
        revision = int(event.data.get("revision", 0))
        row = {
            "kind": period.kind,
            "starts_on": period.starts_on,
            "ends_on": period.ends_on,
            "status": "closed" if event.type == PERIOD_CLOSED else "reopened",
            "recloses_at": datetime.fromisoformat(recloses) if recloses else None,
            "event_id": event.id,
            "changed_at": event.occurred_at,
            "revision": revision,
        }
        insert_ = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        statement = insert_(table).values(key=period.key, **row)
        # Deliveries of one period arrive in order; a stale one (a lower revision) changes nothing.
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=["key"], set_=row, where=table.c.revision <= revision
            )
        )

    return {PERIOD_CLOSED: apply, PERIOD_REOPENED: apply}


def reopen_deadline(now: datetime) -> datetime:
    return now + timedelta(days=REOPEN_DAYS)
