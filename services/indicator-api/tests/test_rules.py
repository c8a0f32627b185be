"""Every band and condition of the national rules, with the inclusive lower bounds."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from daye_dev.figures import qualifying_figures
from indicator_api.cultivation.figures import CandidateFigures
from indicator_api.cultivation.rules import (
    RD_COST_BANDS,
    RD_REVENUE_BANDS,
    SCIENCE_STAFF_BANDS,
    assess_hte,
    assess_tech_sme,
    band,
    ip_points,
    rd_intensity_threshold,
)

M = 1_000_000


def figures(**overrides: Any) -> CandidateFigures:
    return CandidateFigures.model_validate(qualifying_figures(**overrides))


def condition(assessment: Any, code: str) -> Any:
    [found] = [c for c in assessment.conditions if c.code == code]
    return found


@pytest.mark.parametrize(
    ("share", "points"),
    [
        ("0.30", 20),
        ("0.2999", 16),
        ("0.25", 16),
        ("0.20", 12),
        ("0.1999", 8),
        ("0.15", 8),
        ("0.10", 4),
        ("0.0999", 0),
        ("0", 0),
        ("1", 20),
    ],
)
def test_science_staff_bands_include_their_lower_bound(share: str, points: int) -> None:
    assert band(D(share), SCIENCE_STAFF_BANDS) == points


@pytest.mark.parametrize(
    ("share", "by_revenue", "by_cost"),
    [
        ("0.06", 50, 0),
        ("0.05", 40, 0),
        ("0.04", 30, 0),
        ("0.03", 20, 0),
        ("0.02", 10, 0),
        ("0.0199", 0, 0),
        ("0.10", 50, 10),
        ("0.15", 50, 20),
        ("0.20", 50, 30),
        ("0.25", 50, 40),
        ("0.30", 50, 50),
    ],
)
def test_rd_bands(share: str, by_revenue: int, by_cost: int) -> None:
    assert band(D(share), RD_REVENUE_BANDS) == by_revenue
    assert band(D(share), RD_COST_BANDS) == by_cost


@pytest.mark.parametrize(
    ("class_1", "class_2", "points"),
    [(1, 0, 30), (0, 4, 24), (0, 9, 24), (0, 3, 18), (0, 2, 12), (0, 1, 6), (0, 0, 0), (2, 7, 30)],
)
def test_ip_points(class_1: int, class_2: int, points: int) -> None:
    assert ip_points(class_1, class_2) == points


def test_tech_sme_takes_the_better_rd_measure() -> None:
    # R&D is 2% of revenue (10 points) but 25% of total costs (40 points): the enterprise gets 40.
    result = assess_tech_sme(
        figures(
            rd_spend=[str(M), str(M), str(M)],
            sales_revenue=[str(50 * M)] * 3,
            total_costs=str(4 * M),
            high_tech_revenue=str(M),
        )
    )
    assert condition(result, "rd_score").points == 40
    assert result.score == 20 + 40 + 30
    assert result.eligible
    assert result.route == "score"


def test_tech_sme_score_just_below_sixty_names_the_gap() -> None:
    # 16 (25% science staff) + 20 (3% of revenue) + 18 (three class-II items) = 54
    result = assess_tech_sme(
        figures(
            science_staff=25,
            rd_spend=[str(M), str(M), str(1_500_000)],
            total_costs=str(50 * M),
            ip={"class_1": 0, "class_2": 3},
        )
    )
    total = condition(result, "total_score")
    assert (result.score, total.passed, total.shortfall) == (54, False, "差 6 分")
    assert not result.eligible


def test_tech_sme_needs_science_staff_above_zero_points() -> None:
    result = assess_tech_sme(figures(science_staff=9, rd_spend=[str(M), str(M), str(4 * M)]))
    assert result.score == 0 + 50 + 30
    assert not condition(result, "science_staff_score").passed
    assert not result.eligible


@pytest.mark.parametrize(
    ("overrides", "failing"),
    [
        ({"staff": 501, "science_staff": 200}, "staff_limit"),
        (
            {
                "sales_revenue": [str(M), str(M), str(200 * M + 1)],
                "rd_spend": ["0", "0", str(13 * M)],
                "high_tech_revenue": str(M),
            },
            "revenue_limit",
        ),
        ({"total_assets": str(200 * M + 1)}, "assets_limit"),
        ({"exclusions": {"prohibited_category": True}}, "permitted_products"),
        ({"exclusions": {"dishonest_list": True}}, "clean_record"),
        ({"resident": False}, "resident"),
    ],
)
def test_tech_sme_gates(overrides: dict[str, Any], failing: str) -> None:
    result = assess_tech_sme(figures(**overrides))
    assert [c.code for c in result.conditions if not c.passed and c.code != "direct_route"] == [failing]
    assert not result.eligible


def test_tech_sme_limits_are_inclusive() -> None:
    result = assess_tech_sme(
        figures(
            staff=500,
            science_staff=150,
            total_assets=str(200 * M),
            sales_revenue=[str(M), str(M), str(200 * M)],
            high_tech_revenue=str(M),
        )
    )
    assert all(condition(result, c).passed for c in ("staff_limit", "revenue_limit", "assets_limit"))


def test_tech_sme_direct_route_skips_the_score_but_not_the_gates() -> None:
    weak = {"science_staff": 5, "rd_spend": ["0", "0", "0"], "ip": {"class_1": 0, "class_2": 0}}
    direct = assess_tech_sme(figures(**weak, direct_routes={"equity_raised": str(5 * M)}))
    assert (direct.eligible, direct.route) == (True, "direct")
    just_short = assess_tech_sme(figures(**weak, direct_routes={"equity_raised": str(5 * M - 1)}))
    assert not just_short.eligible
    gated = assess_tech_sme(
        figures(**weak, direct_routes={"led_standard": True}, exclusions={"major_accident": True})
    )
    assert not gated.eligible


@pytest.mark.parametrize(
    ("revenue", "needed"),
    [(50 * M, "0.05"), (50 * M + 1, "0.04"), (200 * M, "0.04"), (200 * M + 1, "0.03")],
)
def test_hte_rd_threshold_by_revenue(revenue: int, needed: str) -> None:
    assert rd_intensity_threshold(D(revenue))[0] == D(needed)


def test_hte_eligible_candidate() -> None:
    result = assess_hte(figures())
    assert result.eligible
    assert result.score == 72


def test_hte_rd_shortfall_is_said_in_points() -> None:
    # 3.1% of three years' revenue, latest revenue 80 million: 4% is needed.
    revenue = [str(70 * M), str(75 * M), str(80 * M)]
    rd = [str(2_170_000), str(2_325_000), str(2_480_000)]
    result = assess_hte(figures(sales_revenue=revenue, rd_spend=rd, high_tech_revenue=str(60 * M)))
    rd_condition = condition(result, "rd_intensity")
    assert (rd_condition.value, rd_condition.threshold, rd_condition.passed) == ("3.1%", "≥ 4%", False)
    assert rd_condition.shortfall is not None
    assert "5000万元至2亿元" in rd_condition.shortfall
    assert rd_condition.shortfall.endswith("差 0.9 个百分点")
    assert not result.eligible


@pytest.mark.parametrize(
    ("overrides", "failing"),
    [
        ({"years_registered": "0.99"}, "registered_one_year"),
        ({"ip": {"class_1": 0, "class_2": 0}}, "core_ip"),
        ({"in_supported_field": False}, "supported_field"),
        ({"science_staff": 9}, "science_staff_share"),
        ({"rd_domestic_share": "0.5999"}, "rd_domestic_share"),
        ({"high_tech_revenue": str(29_999_999)}, "high_tech_revenue_share"),
        (
            {"innovation_scores": {"core_ip": 20, "conversion": 20, "rd_management": 15, "growth": 14}},
            "innovation_score",
        ),
        ({"innovation_scores": None}, "innovation_score"),
        ({"exclusions": {"major_accident": True}}, "clean_record"),
    ],
)
def test_hte_conditions(overrides: dict[str, Any], failing: str) -> None:
    result = assess_hte(figures(**overrides))
    assert [c.code for c in result.conditions if not c.passed] == [failing]
    assert not result.eligible


def test_hte_bounds_are_inclusive() -> None:
    result = assess_hte(
        figures(
            years_registered="1",
            science_staff=10,
            rd_domestic_share="0.6",
            high_tech_revenue=str(30 * M),
            innovation_scores={"core_ip": 20, "conversion": 20, "rd_management": 15, "growth": 15},
        )
    )
    assert result.eligible


def test_inconsistent_figures_are_refused() -> None:
    with pytest.raises(ValueError, match="science_staff exceeds staff"):
        figures(science_staff=101)
