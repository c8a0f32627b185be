"""candidates: an enterprise is a candidate of one programme at most once a year

Revision ID: 0006_candidates_once_a_year
Revises: 0005_idempotency_keys
Create Date: 2026-11-28 10:10:00

A database that already holds such duplicates stops here and lists them: which of two candidates
stays is the bureau's decision, not a migration's.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_candidates_once_a_year"
down_revision: str | None = "0005_idempotency_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    duplicates = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT credit_code, program, year, count(*) FROM candidates "
                "GROUP BY credit_code, program, year HAVING count(*) > 1 ORDER BY 1, 2, 3"
            )
        )
        .all()
    )
    if duplicates:
        listed = ", ".join(f"{code} {program} {year} ×{n}" for code, program, year, n in duplicates[:20])
        raise RuntimeError(f"candidates entered twice in a year's pipeline; resolve them first: {listed}")
    with op.batch_alter_table("candidates") as batch:
        batch.create_unique_constraint(
            op.f("uq_candidates_credit_code_program_year"), ["credit_code", "program", "year"]
        )


def downgrade() -> None:
    with op.batch_alter_table("candidates") as batch:
        batch.drop_constraint(op.f("uq_candidates_credit_code_program_year"), type_="unique")
