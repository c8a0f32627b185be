"""The demo world's enterprises, which all three services' demo data name: about a thousand, with
valid credit codes, spread over Daye's 17 units, with the qualifications that make the report's
figures (888 科技型中小企业 registered in 2025 by the end of September, 110 high-tech enterprises
certified in 2022–2024, a few 新物种).

Plain data, made deterministically from the index so every run and every replica agrees; each
service's own demo module turns it into its own rows. Credit codes are `91` + `420281` + `MA` + the
index in seven digits + the GB 32100 check character.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from random import Random

from daye_kit.credit_code import complete

CITY_CODE = "420281"
# Daye's reporting units (indicator-api's regions catalogue), and each one's share of the demo
# enterprises: the high-tech park has the most.
_SUFFIXES = "001 002 003 004 005 101 102 103 104 105 106 107 108 109 110 201 401"
UNIT_CODES = tuple(f"{CITY_CODE}{suffix}" for suffix in _SUFFIXES.split(" "))
UNIT_WEIGHTS = (9, 6, 8, 5, 4, 7, 5, 6, 3, 6, 4, 3, 2, 4, 5, 2, 11)

TECH_SME_2025 = 888
HTE_HOLDERS = 110
OTHERS = 30


@dataclass(frozen=True)
class DemoEnterprise:
    credit_code: str
    name: str
    region_code: str
    industry: str
    registered_on: date
    qualifications: tuple[tuple[str, date], ...] = ()  # (tech_sme | hte | new_species, granted on)

    def holds(self, kind: str) -> bool:
        return any(k == kind for k, _ in self.qualifications)


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
INDUSTRIES = (
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
)


def demo_credit_code(index: int) -> str:
    return complete(f"91{CITY_CODE}MA{index:07d}")


def _make() -> tuple[DemoEnterprise, ...]:
    rng = Random(2025)
    made = [
        DemoEnterprise(demo_credit_code(i + 1), name, f"{CITY_CODE}{suffix}", industry, registered, grants)
        for i, (name, suffix, industry, registered, grants) in enumerate(_NAMED)
    ]
    named_tech_sme = sum(1 for e in made for k, d in e.qualifications if k == "tech_sme" and d.year == 2025)
    plan = ["tech_sme"] * (TECH_SME_2025 - named_tech_sme) + ["hte"] * HTE_HOLDERS + [""] * OTHERS
    pool = [code for code, weight in zip(UNIT_CODES, UNIT_WEIGHTS, strict=True) for _ in range(weight)]
    units = [rng.choice(pool) for _ in plan]
    taken = {e.name for e in made}
    cycle = len(_BRANDS) * len(INDUSTRIES)
    for offset, (kind, unit) in enumerate(zip(plan, units, strict=True)):
        industry, word = INDUSTRIES[(offset // len(_BRANDS)) % len(INDUSTRIES)]
        name = f"{'湖北' if offset % 3 == 0 else '大冶市'}{_BRANDS[offset % len(_BRANDS)]}{word}有限公司"
        if offset >= cycle:
            name = name.replace("有限公司", f"{offset // cycle + 1}号分公司")
        if name in taken:
            name = name.replace("有限公司", "股份有限公司")
        taken.add(name)
        registered = date(2005, 1, 1) + timedelta(days=rng.randint(0, 7000))
        grants: tuple[tuple[str, date], ...] = ()
        if kind == "tech_sme":
            grants = (("tech_sme", date(2025, 1, 10) + timedelta(days=rng.randint(0, 260))),)
        elif kind == "hte":
            grants = (("hte", date(rng.choice((2022, 2023, 2024)), rng.randint(10, 12), rng.randint(1, 28))),)
        made.append(
            DemoEnterprise(
                demo_credit_code(len(_NAMED) + offset + 1), name, unit, industry, registered, grants
            )
        )
    return tuple(made)


DEMO_ENTERPRISES: tuple[DemoEnterprise, ...] = _make()
NAMED_COUNT = len(_NAMED)  # the first enterprises, named by hand, on which the demo dwells

# Supplier accounts (role `supplier`, 院所答题): username → the provider named on its demo supplies.
# Their password is the demo password; matching-api's demo gives each the supplies of its provider.
SUPPLIER_ACCOUNTS: dict[str, str] = {
    "hbpu": "湖北理工学院",
    "drcb": "大冶农商银行",
}
