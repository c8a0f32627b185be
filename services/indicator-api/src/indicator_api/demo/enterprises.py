"""Demo enterprises: names, units, industries and valid credit codes, made deterministically.

The cultivation issue grows this list to the size the report needs; accounts are made for every entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from indicator_api.enterprises.credit_code import complete
from indicator_api.enterprises.models import Enterprise, Qualification
from indicator_api.enterprises.schemas import QualificationKind
from indicator_api.enterprises.service import default_expiry
from indicator_api.regions.catalog import CITY_CODE


@dataclass(frozen=True)
class DemoEnterprise:
    credit_code: str
    name: str
    region_code: str
    industry: str
    registered_on: date
    qualifications: tuple[tuple[QualificationKind, date], ...] = ()


_SEEDS = [
    ("大冶市华鑫铸造有限公司", "101", "铸造", date(2009, 4, 2), (("tech_sme", date(2025, 4, 18)),)),
    ("湖北金港换热器科技有限公司", "401", "换热器", date(2013, 7, 9), (("hte", date(2023, 11, 20)),)),
    ("大冶市鑫铝精密铝加工有限公司", "105", "铝加工", date(2016, 3, 15), (("tech_sme", date(2025, 5, 6)),)),
    (
        "湖北冶钢节能环保科技股份有限公司",
        "001",
        "节能环保",
        date(2011, 9, 28),
        (("hte", date(2024, 12, 10)),),
    ),
    (
        "大冶市劲牌生物医药有限公司",
        "003",
        "生物医药",
        date(2015, 6, 1),
        (("new_species", date(2024, 8, 30)),),
    ),
    ("湖北灵乡新材料科技有限公司", "103", "新材料", date(2020, 10, 12), ()),
]


def _code(index: int) -> str:
    # 9 = market regulation, 1 = enterprise, 420281 = Daye, then a nine-character organisation id.
    return complete(f"91{CITY_CODE}MA{index:07d}")


DEMO_ENTERPRISES: tuple[DemoEnterprise, ...] = tuple(
    DemoEnterprise(
        _code(i + 1),
        name,
        f"{CITY_CODE}{suffix}",
        industry,
        registered,
        tuple((QualificationKind(kind), granted) for kind, granted in grants),
    )
    for i, (name, suffix, industry, registered, grants) in enumerate(_SEEDS)
)


async def seed_enterprises(session: AsyncSession) -> int:
    if (await session.execute(select(func.count()).select_from(Enterprise))).scalar_one() > 0:
        return 0
    for e in DEMO_ENTERPRISES:
        session.add(
            Enterprise(
                credit_code=e.credit_code,
                name=e.name,
                region_code=e.region_code,
                industry=e.industry,
                registered_on=e.registered_on,
            )
        )
    await session.flush()
    session.add_all(
        Qualification(
            credit_code=e.credit_code,
            kind=kind.value,
            granted_year=granted.year,
            granted_on=granted,
            expires_on=default_expiry(kind, granted),
        )
        for e in DEMO_ENTERPRISES
        for kind, granted in e.qualifications
    )
    await session.flush()
    return len(DEMO_ENTERPRISES)
