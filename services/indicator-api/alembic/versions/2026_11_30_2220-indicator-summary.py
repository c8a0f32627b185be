"""indicator summary: the current revision of each figure, and child units' figures summed per parent unit and period end, built from the values already recorded

Revision ID: 0011_indicator_summary
Revises: 0010_figure_publications
Create Date: 2026-11-30 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import daye_kit.money

revision: str = "0011_indicator_summary"
down_revision: str | None = "0010_figure_publications"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The current revision of each (indicator, unit, year, period type, period).
BUILD_CURRENT = """
INSERT INTO indicator_current_values
    (indicator_code, region_code, year, period_type, period, period_end, value, revision)
SELECT v.indicator_code, v.region_code, v.year, v.period_type, v.period, v.period_end, v.value, v.revision
FROM indicator_values v
JOIN (
    SELECT indicator_code, region_code, year, period_type, period, MAX(revision) AS revision
    FROM indicator_values
    GROUP BY indicator_code, region_code, year, period_type, period
) m ON m.indicator_code = v.indicator_code AND m.region_code = v.region_code AND m.year = v.year
   AND m.period_type = v.period_type AND m.period = v.period AND m.revision = v.revision
"""

# Per parent unit and period end, the sum of each child's latest figure: each child's figure jumps
# at its own period ends (by its change since its previous one, within the year for cumulative
# indicators); the running total of the children's jumps is the rollup. Latest at one day: the
# highest revision, then year before quarter before month (summary.py's order).
BUILD_ROLLUPS = """
INSERT INTO indicator_rollups (indicator_code, region_code, period_end, year, value)
WITH best AS (
    SELECT c.indicator_code, c.region_code, r.parent_code, c.year, c.period_end, c.value,
           CASE WHEN i.accumulation = 'cumulative' THEN c.year ELSE 0 END AS segment,
           ROW_NUMBER() OVER (
               PARTITION BY c.indicator_code, c.region_code, c.period_end
               ORDER BY c.revision DESC, c.period_type DESC
           ) AS rank
    FROM indicator_current_values c
    JOIN regions r ON r.code = c.region_code
    JOIN indicators i ON i.code = c.indicator_code
    WHERE r.parent_code IS NOT NULL AND i.accumulation IN ('cumulative', 'stock')
), jumps AS (
    SELECT indicator_code, parent_code, period_end, year, segment,
           value - COALESCE(
               LAG(value) OVER (PARTITION BY indicator_code, region_code, segment ORDER BY period_end), 0
           ) AS jump
    FROM best
    WHERE rank = 1
), daily AS (
    SELECT indicator_code, parent_code, period_end, year, segment, SUM(jump) AS jump
    FROM jumps
    GROUP BY indicator_code, parent_code, period_end, year, segment
)
SELECT indicator_code, parent_code, period_end, year,
       SUM(jump) OVER (
           PARTITION BY indicator_code, parent_code, segment ORDER BY period_end
           ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
       )
FROM daily
"""


def upgrade() -> None:
    op.create_table(
        "indicator_current_values",
        sa.Column("indicator_code", sa.String(length=64), nullable=False),
        sa.Column("region_code", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("period_type", sa.String(length=8), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("value", daye_kit.money.ExactDecimal(places=4, precision=24), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "indicator_code",
            "region_code",
            "year",
            "period_type",
            "period",
            name=op.f("pk_indicator_current_values"),
        ),
    )
    op.create_index(
        "ix_indicator_current_values_lookup",
        "indicator_current_values",
        ["indicator_code", "region_code", "period_end"],
        unique=False,
    )
    op.create_table(
        "indicator_rollups",
        sa.Column("indicator_code", sa.String(length=64), nullable=False),
        sa.Column("region_code", sa.String(length=32), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("value", daye_kit.money.ExactDecimal(places=4, precision=24), nullable=False),
        sa.PrimaryKeyConstraint(
            "indicator_code", "region_code", "period_end", name=op.f("pk_indicator_rollups")
        ),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SET LOCAL work_mem = '256MB'")  # the builds sort every value once
    op.execute(BUILD_CURRENT)
    op.execute(BUILD_ROLLUPS)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("RESET work_mem")
        op.execute("ANALYZE indicator_current_values")
        op.execute("ANALYZE indicator_rollups")


def downgrade() -> None:
    op.drop_table("indicator_rollups")
    op.drop_index("ix_indicator_current_values_lookup", table_name="indicator_current_values")
    op.drop_table("indicator_current_values")
