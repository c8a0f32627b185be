"""Demo enterprises: about a thousand, with valid credit codes, spread over the 17 units, with the
qualifications that make the report's figures: 888 科技型中小企业 registered in 2025 by the end of
September, a hundred-odd high-tech enterprises certified in 2022–2024, a few 新物种.

Everything is made deterministically from the index, so every run (and every replica) agrees.
Credit codes are `91` + `420281` + `MA` + the index in seven digits + the GB 32100 check character;
other services' demo data name enterprises by the same rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from random import Random

from sqlalchemy import func, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from indicator_api.enterprises.credit_code import complete
from indicator_api.enterprises.models import Enterprise, Qualification
from indicator_api.enterprises.schemas import QualificationKind
from indicator_api.enterprises.service import default_expiry
from indicator_api.identity.models import utcnow
from indicator_api.regions.catalog import CITY_CODE, UNITS

TECH_SME_2025 = 888  # 科技型中小企业入库数, 1–9月
HTE_HOLDERS = 110
OTHERS = 30
UNIT_WEIGHTS = (9, 6, 8, 5, 4, 7, 5, 6, 3, 6, 4, 3, 2, 4, 5, 2, 11)


@dataclass(frozen=True)
class DemoEnterprise:
    credit_code: str
    name: str
    region_code: str
    industry: str
    registered_on: date
    qualifications: tuple[tuple[QualificationKind, date], ...] = ()


_NAMED = [
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
_BRANDS = [
    "华鑫",
    "金港",
    "鑫铝",
    "冶钢",
    "劲牌",
    "灵乡",
    "铜都",
    "矿冶",
    "东岳",
    "金湖",
    "罗桥",
    "保安",
    "金牛",
    "殷祖",
    "茗山",
    "陈贵",
    "还地",
    "大箕",
    "刘仁",
    "汪仁",
    "湖光",
    "楚天",
    "荆楚",
    "天瑞",
    "恒泰",
    "宏达",
    "博远",
    "新冶",
    "鼎盛",
    "华中",
    "长乐",
    "永兴",
    "金石",
    "瑞丰",
    "盛源",
    "磊鑫",
    "海川",
    "隆兴",
    "立信",
    "宏图",
]
_INDUSTRIES = [
    ("铸造", "铸造"),
    ("换热器", "换热设备"),
    ("铝加工", "铝业"),
    ("节能环保", "节能环保科技"),
    ("新材料", "新材料科技"),
    ("生物医药", "生物医药"),
    ("装备制造", "机械装备"),
    ("电子信息", "电子科技"),
    ("建材", "新型建材"),
    ("食品饮料", "食品"),
    ("矿山机械", "矿山机械"),
    ("智能制造", "智能科技"),
    ("纺织服装", "纺织"),
    ("精细化工", "化工科技"),
    ("农业科技", "农业科技"),
]


def credit_code(index: int) -> str:
    return complete(f"91{CITY_CODE}MA{index:07d}")


def _units_by_weight(count: int, rng: Random) -> list[str]:
    units = [u.code for u, w in zip(UNITS, UNIT_WEIGHTS, strict=True) for _ in range(w)]
    return [rng.choice(units) for _ in range(count)]


def _make() -> tuple[DemoEnterprise, ...]:
    rng = Random(2025)
    made = [
        DemoEnterprise(
            credit_code(i + 1),
            name,
            f"{CITY_CODE}{suffix}",
            industry,
            registered,
            tuple((QualificationKind(k), d) for k, d in grants),
        )
        for i, (name, suffix, industry, registered, grants) in enumerate(_NAMED)
    ]
    named_tech_sme = sum(1 for e in made for k, d in e.qualifications if k == "tech_sme" and d.year == 2025)
    plan = ["tech_sme"] * (TECH_SME_2025 - named_tech_sme) + ["hte"] * HTE_HOLDERS + [""] * OTHERS
    units = _units_by_weight(len(plan), rng)
    taken = {e.name for e in made}
    for offset, (kind, unit) in enumerate(zip(plan, units, strict=True)):
        index = len(_NAMED) + offset + 1
        brand = _BRANDS[offset % len(_BRANDS)]
        industry, word = _INDUSTRIES[(offset // len(_BRANDS)) % len(_INDUSTRIES)]
        name = f"{'湖北' if offset % 3 == 0 else '大冶市'}{brand}{word}有限公司"
        if offset >= len(_BRANDS) * len(_INDUSTRIES):
            name = name.replace("有限公司", f"{offset // (len(_BRANDS) * len(_INDUSTRIES)) + 1}号分公司")
        if name in taken:
            name = name.replace("有限公司", "股份有限公司")
        taken.add(name)
        registered = date(2005, 1, 1) + timedelta(days=rng.randint(0, 7000))
        grants: tuple[tuple[QualificationKind, date], ...] = ()
        if kind == "tech_sme":
            grants = ((QualificationKind.tech_sme, date(2025, 1, 10) + timedelta(days=rng.randint(0, 260))),)
        elif kind == "hte":
            grants = (
                (
                    QualificationKind.hte,
                    date(rng.choice((2022, 2023, 2024)), rng.randint(10, 12), rng.randint(1, 28)),
                ),
            )
        made.append(DemoEnterprise(credit_code(index), name, unit, industry, registered, grants))
    return tuple(made)


DEMO_ENTERPRISES: tuple[DemoEnterprise, ...] = _make()


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
                "kind": kind.value,
                "granted_year": granted.year,
                "granted_on": granted,
                "expires_on": default_expiry(kind, granted),
                "certificate_no": None,
            }
            for e in DEMO_ENTERPRISES
            for kind, granted in e.qualifications
        ],
    )
    return len(DEMO_ENTERPRISES)
