"""The registry's declared figures per enterprise (企业申报数据): read and replaced one enterprise at
a time, and read in bulk by what assesses many enterprises at once (prospects, policies)."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from daye_kit.auth import Principal
from daye_kit.errors import NotFound
from daye_kit.timestamps import utcnow
from indicator_api.cultivation.figures import CandidateFigures
from indicator_api.enterprises.models import EnterpriseFigures
from indicator_api.enterprises.schemas import DeclaredFigures, EnterpriseFiguresIn, EnterpriseFiguresPublic
from indicator_api.enterprises.service import visible_enterprise

# Bound parameters per statement: well under SQLite's and asyncpg's limits (32,766 / 32,767).
_CHUNK = 5_000


async def figures_of(session: AsyncSession, credit_codes: Collection[str]) -> dict[str, CandidateFigures]:
    """The stored figures of each of these enterprises that has any; the others are left out."""
    codes = sorted(set(credit_codes))
    found: dict[str, CandidateFigures] = {}
    for start in range(0, len(codes), _CHUNK):
        rows = await session.execute(
            select(col(EnterpriseFigures.credit_code), col(EnterpriseFigures.figures)).where(
                col(EnterpriseFigures.credit_code).in_(codes[start : start + _CHUNK])
            )
        )
        for code, figures in rows.all():
            found[code] = CandidateFigures.model_validate(figures)
    return found


def _public(row: EnterpriseFigures) -> EnterpriseFiguresPublic:
    return EnterpriseFiguresPublic(
        credit_code=row.credit_code,
        figures=DeclaredFigures.model_validate(row.figures),
        as_of=row.as_of,
        source=row.source,
        updated_by=row.updated_by,
        updated_at=row.updated_at,
    )


async def read_figures(
    session: AsyncSession, *, credit_code: str, principal: Principal
) -> EnterpriseFiguresPublic:
    await visible_enterprise(session, credit_code, principal)
    row = await session.get(EnterpriseFigures, credit_code)
    if row is None:
        raise NotFound(f"enterprise {credit_code} has declared no figures", code="figures_not_found")
    return _public(row)


async def put_figures(
    session: AsyncSession, *, credit_code: str, data: EnterpriseFiguresIn, principal: Principal
) -> EnterpriseFiguresPublic:
    """Replace the enterprise's figures whole (or record its first)."""
    await visible_enterprise(session, credit_code, principal)
    row = await session.get(EnterpriseFigures, credit_code)
    if row is None:
        row = EnterpriseFigures(
            credit_code=credit_code, figures={}, as_of=data.as_of, source="", updated_by=""
        )
        session.add(row)
    row.figures = data.figures.model_dump(mode="json")
    row.as_of = data.as_of
    row.source = data.source
    row.updated_by = principal.username
    row.updated_at = utcnow()
    await session.flush()
    return _public(row)
