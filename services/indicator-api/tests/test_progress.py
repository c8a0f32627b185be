"""The progress arithmetic, without HTTP or a database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from indicator_api.indicators.progress import Accumulation, Assessment, Pace, Status, assess, time_progress


@pytest.mark.parametrize(
    ("year", "as_of", "pace", "expected"),
    [
        (2025, date(2025, 9, 30), Pace.month, D(9) / 12),
        (2025, date(2025, 9, 29), Pace.month, D(8) / 12),
        (2025, date(2025, 9, 30), Pace.quarter, D("0.75")),
        (2025, date(2025, 8, 31), Pace.quarter, D("0.5")),
        (2025, date(2025, 9, 30), Pace.day, D(273) / 365),
        (2024, date(2024, 2, 29), Pace.day, D(60) / 366),
        (2024, date(2024, 2, 29), Pace.month, D(2) / 12),
        (2023, date(2023, 2, 28), Pace.month, D(2) / 12),
        (2025, date(2024, 12, 31), Pace.day, D(0)),
        (2025, date(2026, 1, 5), Pace.month, D(1)),
        (2025, date(2025, 12, 31), Pace.quarter, D(1)),
    ],
)
def test_time_progress(year: int, as_of: date, pace: Pace, expected: D) -> None:
    assert time_progress(year, as_of, pace) == expected


def cumulative(
    actual: str | None, target: str | None, elapsed: str = "0.75", higher: bool = True
) -> Assessment:
    return assess(
        accumulation=Accumulation.cumulative,
        higher_is_better=higher,
        actual=None if actual is None else D(actual),
        target=None if target is None else D(target),
        elapsed=D(elapsed),
    )


@pytest.mark.parametrize(
    ("actual", "target", "status", "completion"),
    [
        ("34.25", "46.6", Status.behind, "0.735"),  # the report's technology contracts
        ("106", "154", Status.behind, "0.688"),  # high-tech applications
        ("888", "1000", Status.ahead, "0.888"),  # tech-SME registrations
        ("34.95", "46.6", Status.on_track, "0.75"),  # exactly on pace
        ("34.49", "46.6", Status.on_track, "0.740"),  # within one point of the year's task
        ("34.48", "46.6", Status.behind, "0.740"),  # just outside it
    ],
)
def test_status_against_the_pace(actual: str, target: str, status: Status, completion: str) -> None:
    result = cumulative(actual, target)
    assert result.status is status
    assert result.completion_rate is not None
    assert round(result.completion_rate, 3) == D(completion)


def test_remaining_and_projection() -> None:
    result = cumulative("34.25", "46.6")
    assert result.remaining == D("12.35")
    assert result.expected == D("34.950")
    assert result.projected is not None
    assert round(result.projected, 4) == D("45.6667")
    assert cumulative("1200", "1000").remaining == D(0)


def test_a_target_of_zero() -> None:
    zero = cumulative("0", "0")
    assert zero.completion_rate is None
    assert zero.status is Status.on_track
    assert cumulative("3", "0").status is Status.ahead
    capped = cumulative("2", "0", higher=False)
    assert capped.status is Status.behind
    assert capped.remaining == D(2)


def test_lower_is_better() -> None:
    # Unpaid funds of 5506.8万 with a ceiling of 2000 by year end, starting the year at 8000:
    # the pace runs from 8000 down to 2000, so by 75% it should be at 3500.
    result = assess(
        accumulation=Accumulation.stock,
        higher_is_better=False,
        actual=D("5506.8"),
        target=D("2000"),
        elapsed=D("0.75"),
        baseline=D("8000"),
    )
    assert result.expected == D("3500.00")
    assert result.status is Status.behind
    assert result.remaining == D("3506.8")
    better = assess(
        accumulation=Accumulation.stock,
        higher_is_better=False,
        actual=D("3000"),
        target=D("2000"),
        elapsed=D("0.75"),
        baseline=D("8000"),
    )
    assert better.status is Status.ahead


def test_a_stock_paces_from_last_year_end() -> None:
    platforms = assess(
        accumulation=Accumulation.stock,
        higher_is_better=True,
        actual=D("80"),
        target=D("85"),
        elapsed=D("0.75"),
        baseline=D("80"),
    )
    assert platforms.expected == D("83.75")
    assert platforms.status is Status.behind
    unknown_start = assess(
        accumulation=Accumulation.stock,
        higher_is_better=True,
        actual=D("85"),
        target=D("85"),
        elapsed=D("0.75"),
    )
    assert unknown_start.status is Status.on_track


def test_a_ratio_is_a_level() -> None:
    rate = assess(
        accumulation=Accumulation.ratio,
        higher_is_better=True,
        actual=D(392) / D(686),
        target=D("0.80"),
        elapsed=D("0.5"),
    )
    assert rate.status is Status.behind
    assert rate.completion_rate is not None
    assert round(rate.completion_rate, 4) == D("0.7143")


@pytest.mark.parametrize(
    ("actual", "prior", "growth"),
    [
        ("27.84", "25.61", "0.087"),
        ("8920", "8821", "0.0112"),
        ("397.45", "389.20", "0.0212"),
        ("341", "284", "0.2007"),
    ],
)
def test_year_on_year(actual: str, prior: str, growth: str) -> None:
    result = assess(
        accumulation=Accumulation.cumulative,
        higher_is_better=True,
        actual=D(actual),
        target=None,
        elapsed=D(1),
        prior=D(prior),
    )
    assert result.yoy_growth is not None
    assert round(result.yoy_growth, len(growth) - 2) == D(growth)
    assert result.status is None


def test_nothing_recorded_yet() -> None:
    result = cumulative(None, "50")
    assert (result.status, result.completion_rate, result.projected) == (None, None, None)
