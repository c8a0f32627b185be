"""current values by day: the current figures keyed by indicator, unit, period end and type (which name a period as its year and number do), so one index serves the upsert and the reads by day; rebuilt from the values recorded

Revision ID: 0012_current_values_by_day
Revises: 0011_indicator_summary
Create Date: 2026-11-30 23:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import daye_kit.money

revision: str = "0012_current_values_by_day"
down_revision: str | None = "0011_indicator_summary"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The current revision of each figure, from the history (as 0011 built it).
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


def _columns() -> list[sa.Column[object]]:
    return [
        sa.Column("indicator_code", sa.String(length=64), nullable=False),
        sa.Column("region_code", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("period_type", sa.String(length=8), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("value", daye_kit.money.ExactDecimal(places=4, precision=24), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
    ]


def _build() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SET LOCAL work_mem = '256MB'")
    op.execute(BUILD_CURRENT)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("RESET work_mem")
        op.execute("ANALYZE indicator_current_values")


def upgrade() -> None:
    op.drop_index("ix_indicator_current_values_lookup", table_name="indicator_current_values")
    op.drop_table("indicator_current_values")
    op.create_table(
        "indicator_current_values",
        *_columns(),
        sa.PrimaryKeyConstraint(
            "indicator_code",
            "region_code",
            "period_end",
            "period_type",
            name=op.f("pk_indicator_current_values"),
        ),
    )
    _build()


def downgrade() -> None:
    op.drop_table("indicator_current_values")
    op.create_table(
        "indicator_current_values",
        *_columns(),
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
    _build()
