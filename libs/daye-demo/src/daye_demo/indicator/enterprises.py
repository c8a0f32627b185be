"""Demo enterprises in the registry: the demo world's enterprises (daye_demo.enterprises),
with their qualifications."""

from __future__ import annotations

from sqlalchemy import func, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from daye_demo.enterprises import DEMO_ENTERPRISES
from daye_kit.timestamps import utcnow
from indicator_api.enterprises.models import Enterprise, Qualification
from indicator_api.enterprises.schemas import QualificationKind
from indicator_api.enterprises.service import default_expiry


async def seed_enterprises(session: AsyncSession) -> int:
    if (await session.execute(select(func.count()).select_from(Enterprise))).scalar_one() > 0:
        return 0
    now = utcnow()
    await session.execute(
        insert(Enterprise),
        [
            {
                "credit_code": e.credit_code,
                "name": e.name,
                "region_code": e.region_code,
                "industry": e.industry,
                "registered_on": e.registered_on,
                "created_at": now,
                "updated_at": now,
            }
            for e in DEMO_ENTERPRISES
        ],
    )
    await session.execute(
        insert(Qualification),
        [
            {
                "credit_code": e.credit_code,
                "kind": kind,
                "granted_year": granted.year,
                "granted_on": granted,
                "expires_on": default_expiry(QualificationKind(kind), granted),
                "certificate_no": None,
            }
            for e in DEMO_ENTERPRISES
            for kind, granted in e.qualifications
        ],
    )
    return len(DEMO_ENTERPRISES)
