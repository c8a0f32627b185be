"""The working-day calendar that ages unpaid awards (no database)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from funding_api.outstanding.service import in_wan
from funding_api.outstanding.workdays import _OFF, _ON, earliest_within, working_days_between

OFF, ON = frozenset(_OFF), frozenset(_ON)


def is_working_day(day: date) -> bool:
    """Day by day, straight from the calendar's tables: what the counting must agree with."""
    return day.toordinal() in ON or (day.weekday() < 5 and day.toordinal() not in OFF)


def test_weekends_holidays_and_worked_weekends() -> None:
    assert working_days_between(date(2025, 9, 26), date(2025, 9, 27)) == 0  # Friday → Saturday
    assert working_days_between(date(2025, 9, 26), date(2025, 9, 28)) == 1  # Sunday 28 Sept was worked
    assert working_days_between(date(2025, 9, 30), date(2025, 10, 8)) == 0  # National Day and Mid-Autumn
    assert working_days_between(date(2025, 9, 30), date(2025, 10, 9)) == 1
    assert not is_working_day(date(2025, 1, 28))  # Spring Festival
    assert is_working_day(date(2025, 2, 8))  # a Saturday worked in exchange
    assert working_days_between(date(2023, 6, 30), date(2023, 7, 3)) == 1  # no notice encoded: weekends only


def test_a_year_of_working_days_matches_the_notices() -> None:
    assert working_days_between(date(2023, 12, 31), date(2024, 12, 31)) == 251
    assert working_days_between(date(2024, 12, 31), date(2025, 12, 31)) == 248


@given(
    as_of=st.dates(min_value=date(2023, 1, 1), max_value=date(2027, 12, 31)),
    limit=st.integers(min_value=0, max_value=200),
)
def test_the_bucket_boundary_is_exact(as_of: date, limit: int) -> None:
    boundary = earliest_within(as_of, limit)
    assert working_days_between(boundary, as_of) <= limit
    assert working_days_between(boundary - timedelta(days=1), as_of) > limit


@given(
    start=st.dates(min_value=date(2023, 1, 1), max_value=date(2027, 12, 31)),
    days=st.integers(min_value=0, max_value=400),
)
def test_counting_agrees_with_walking_day_by_day(start: date, days: int) -> None:
    end = start + timedelta(days=days)
    walked = sum(is_working_day(start + timedelta(days=i)) for i in range(1, days + 1))
    assert working_days_between(start, end) == walked


def test_yuan_in_wan_for_the_indicator() -> None:
    assert in_wan(Decimal("55068000.00")) == "5506.80"
    assert in_wan(Decimal("1234.56")) == "0.1235"
    assert in_wan(Decimal("0.00")) == "0.00"
    assert in_wan(Decimal("12345678.90")) == "1234.5679"
