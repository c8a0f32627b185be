"""An enterprise's figures (indicator-api's CandidateFigures, as JSON) that meet every condition of
both qualifications, 高新技术企业 and 科技型中小企业: the tests' starting point, each test changing
the one figure it is about."""

from __future__ import annotations

from typing import Any

M = 1_000_000

QUALIFYING_FIGURES: dict[str, Any] = {
    "years_registered": "5",
    "staff": 100,
    "science_staff": 30,
    "sales_revenue": [str(40 * M), str(45 * M), str(50 * M)],
    "rd_spend": [str(2 * M), str(2_250_000), str(3 * M)],
    "rd_domestic_share": "0.9",
    "total_costs": str(40 * M),
    "total_assets": str(60 * M),
    "high_tech_revenue": str(35 * M),
    "ip": {"class_1": 1, "class_2": 2},
    "innovation_scores": {"core_ip": 24, "conversion": 22, "rd_management": 14, "growth": 12},
}


def qualifying_figures(**overrides: Any) -> dict[str, Any]:
    """The qualifying figures with `overrides` in place of the named ones."""
    return {**QUALIFYING_FIGURES, **overrides}
