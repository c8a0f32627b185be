"""Today in Daye. One function, so tests can move the calendar."""

from __future__ import annotations

from datetime import date, datetime

from matching_api.models import LOCAL_TZ


def today() -> date:
    return datetime.now(LOCAL_TZ).date()
