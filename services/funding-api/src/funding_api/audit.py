"""Who did a write, when, under which request id; and what day it is in Daye."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from asgi_correlation_id import correlation_id

from daye_kit.auth import Principal

# China has one time zone and no daylight saving: a fixed offset needs no tz database.
CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")


def today() -> date:
    """The calendar day in Daye: payment and approval dates are Chinese office days."""
    return datetime.now(CHINA).date()


@dataclass(frozen=True)
class Actor:
    """The person or service behind a write, recorded on every row it makes."""

    username: str
    request_id: str | None = None

    @classmethod
    def of(cls, principal: Principal) -> Actor:
        return cls(username=principal.username, request_id=correlation_id.get())
