"""Counts that follow from the registry and the pipeline, never entered twice:
- `hte_applications`: high-tech candidates that moved to `applied` within the year, up to a day;
- `tech_sme_registered`: 科技型中小企业 qualifications granted within the year, up to a day.

Both are counted per unit in one query each; the city's figure is the count over all its units.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import distinct, func, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from indicator_api.cultivation.models import Candidate, StageEvent
from indicator_api.cultivation.schemas import Measure
from indicator_api.enterprises.models import Enterprise, Qualification
from indicator_api.regions.models import Region

DERIVED_INDICATORS = frozenset(m.value for m in Measure)


async def counts_by_unit(
    session: AsyncSession,
    measure: Measure,
    *,
    year: int,
    as_of: date,
    regions: Sequence[str] | None = None,
    within: str | None = None,
) -> dict[str, int]:
    """Count per unit for `measure` in `year` up to `as_of` (all units, the given ones, or one unit
    and its child units: `within`, read in the query whatever their number)."""
    start = date(year, 1, 1)
    units: Sequence[str] | SelectOfScalar[str] | None = regions
    if within is not None:
        units = select(col(Region.code)).where(
            or_(col(Region.code) == within, col(Region.parent_code) == within)
        )
    if measure is Measure.hte_applications:
        query = (
            select(col(Candidate.region_code), func.count(distinct(col(Candidate.id))))
            .join(StageEvent, col(StageEvent.candidate_id) == col(Candidate.id))
            .where(
                col(Candidate.program) == "hte",
                col(StageEvent.to_stage) == "applied",
                col(StageEvent.on) >= start,
                col(StageEvent.on) <= as_of,
            )
            .group_by(col(Candidate.region_code))
        )
        if units is not None:
            query = query.where(col(Candidate.region_code).in_(units))
    else:
        query = (
            select(col(Enterprise.region_code), func.count())
            .join(Qualification, col(Qualification.credit_code) == col(Enterprise.credit_code))
            .where(
                col(Qualification.kind) == "tech_sme",
                col(Qualification.granted_on) >= start,
                col(Qualification.granted_on) <= as_of,
            )
            .group_by(col(Enterprise.region_code))
        )
        if units is not None:
            query = query.where(col(Enterprise.region_code).in_(units))
    return {region: int(count) for region, count in (await session.execute(query)).all()}
