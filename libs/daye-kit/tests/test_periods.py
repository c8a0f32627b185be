"""The kit's closed periods: keys, what a closed quarter holds, a lapsed reopening, and how a refusal
names its field."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from daye_kit.errors import InvalidInput, RowError, json_rows, rows_located
from daye_kit.periods import ClosedPeriods, Period, PeriodClosed, is_closed, parse_period
from daye_kit.timestamps import utcnow


def test_keys_name_quarters_and_months() -> None:
    q3 = parse_period("2025-Q3")
    assert (q3.kind, q3.starts_on, q3.ends_on) == ("quarter", date(2025, 7, 1), date(2025, 9, 30))
    assert [m.key for m in q3.months] == ["2025-07", "2025-08", "2025-09"]
    feb = parse_period("2024-02")
    assert (feb.ends_on, feb.enclosing_quarter.key) == (date(2024, 2, 29), "2024-Q1")
    for bad in ("2025-Q0", "2025-00", "2025-8", "Q3-2025"):
        with pytest.raises(InvalidInput) as refused:
            parse_period(bad)
        assert [e.field for e in refused.value.errors] == ["path.key"]


def test_a_closed_quarter_closes_its_months_and_a_year_needs_all_four() -> None:
    closed = ClosedPeriods({"2025-Q3", "2025-02"})
    assert closed.closing_day(date(2025, 8, 31)) == "2025-Q3"
    assert closed.closing(Period.month(2025, 2)) == "2025-02"
    assert closed.closing(Period.quarter(2025, 1)) is None  # one month closed, not its quarter
    assert closed.closing_day(date(2025, 10, 1)) is None
    assert not closed.year_closed(2025)
    assert ClosedPeriods({f"2025-Q{q}" for q in range(1, 5)}).year_closed(2025)


def test_a_reopening_past_its_deadline_counts_as_closed() -> None:
    now = utcnow()
    assert is_closed("closed", None, now)
    assert not is_closed("reopened", now + timedelta(seconds=1), now)
    assert is_closed("reopened", now, now)
    assert not is_closed("open", None, now)


def test_a_refusal_keeps_its_status_and_names_the_field_where_it_was_sent() -> None:
    with pytest.raises(PeriodClosed) as whole:
        ClosedPeriods({"2025-08"}).ensure_day_open(date(2025, 8, 3), "body.paid_on")
    assert (whole.value.status, whole.value.code) == (409, "period_closed")
    assert [e.field for e in whole.value.errors] == ["body.paid_on"]
    # Located by the edge that knows the format, it stays a 409; one named whole is left as it is.
    row = RowError(row=2, field="month", rule="period_closed", message="closed")
    with pytest.raises(PeriodClosed) as batch, rows_located(json_rows()):
        raise PeriodClosed("closed", [row])
    assert [e.field for e in batch.value.errors] == ["body.items.2.month"]
    with pytest.raises(PeriodClosed) as kept, rows_located(json_rows()):
        raise PeriodClosed.at("path.year", "2025")
    assert [e.field for e in kept.value.errors] == ["path.year"]
