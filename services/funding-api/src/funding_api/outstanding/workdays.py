"""The working-day calendar that ages unpaid awards.

Rule: a working day is Monday to Friday, less the public holidays of the State Council's annual notice
(国务院办公厅关于部分节假日安排的通知), plus the weekend days that notice makes working days (调休上班).
The notices for 2024 (国办发明电〔2023〕7号), 2025 (国办发明电〔2024〕12号) and 2026 (国办发明电〔2025〕7号)
are encoded below; for any other year only weekends are excluded. The age of an award on a day is the
number of working days after its approval day up to and including that day, so an award approved on
a Friday is one working day old on the following Monday.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, timedelta

# (first day, last day) of each holiday, and the weekend days worked in exchange.
_HOLIDAYS: tuple[tuple[str, str], ...] = (
    # 2024
    ("2024-01-01", "2024-01-01"),
    ("2024-02-10", "2024-02-17"),
    ("2024-04-04", "2024-04-06"),
    ("2024-05-01", "2024-05-05"),
    ("2024-06-10", "2024-06-10"),
    ("2024-09-15", "2024-09-17"),
    ("2024-10-01", "2024-10-07"),
    # 2025
    ("2025-01-01", "2025-01-01"),
    ("2025-01-28", "2025-02-04"),
    ("2025-04-04", "2025-04-06"),
    ("2025-05-01", "2025-05-05"),
    ("2025-05-31", "2025-06-02"),
    ("2025-10-01", "2025-10-08"),
    # 2026
    ("2026-01-01", "2026-01-03"),
    ("2026-02-15", "2026-02-23"),
    ("2026-04-04", "2026-04-06"),
    ("2026-05-01", "2026-05-05"),
    ("2026-06-19", "2026-06-21"),
    ("2026-09-25", "2026-09-27"),
    ("2026-10-01", "2026-10-07"),
)
_WORKED_WEEKENDS: tuple[str, ...] = (
    "2024-02-04", "2024-02-18", "2024-04-07", "2024-04-28", "2024-05-11", "2024-09-14", "2024-09-29",
    "2024-10-12",
    "2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11",
    "2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10",
)  # fmt: skip

RULE = (
    "工作日为周一至周五,扣除国务院办公厅公布的法定节假日并计入调休上班的周末"
    "(已载入 2024、2025、2026 年安排,其他年份只扣除周末);账龄为批准日之后至统计日(含)的工作日数。"
)


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


# Holidays falling on weekdays (those on weekends are not working days anyway), sorted by ordinal.
_OFF = sorted(
    d.toordinal()
    for first, last in _HOLIDAYS
    for d in _days(date.fromisoformat(first), date.fromisoformat(last))
    if d.weekday() < 5
)
_ON = sorted(date.fromisoformat(d).toordinal() for d in _WORKED_WEEKENDS)


def _weekdays_through(ordinal: int) -> int:
    """Monday-to-Friday days from 0001-01-01 (a Monday) through the given ordinal."""
    weeks, rest = divmod(ordinal, 7)
    return weeks * 5 + min(rest, 5)


def _working_days_through(ordinal: int) -> int:
    return _weekdays_through(ordinal) - bisect_right(_OFF, ordinal) + bisect_right(_ON, ordinal)


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 when end is not after start)."""
    if end <= start:
        return 0
    return _working_days_through(end.toordinal()) - _working_days_through(start.toordinal())


def earliest_within(as_of: date, limit: int) -> date:
    """The earliest approval day whose award is at most `limit` working days old on `as_of`.

    Ages only grow as the approval day moves back, so "age ≤ limit" is "approved on or after this day":
    ageing buckets become date comparisons the database can make.
    """
    day = as_of
    while working_days_between(day - timedelta(days=1), as_of) <= limit:
        day -= timedelta(days=1)
    return day
