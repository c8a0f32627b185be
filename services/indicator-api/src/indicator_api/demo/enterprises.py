"""Demo enterprises: names, units and valid credit codes, made deterministically.

The registry issue grows this list to a few hundred; accounts are made for every entry.
"""

from __future__ import annotations

from dataclasses import dataclass

from indicator_api.enterprises.credit_code import complete
from indicator_api.regions.catalog import CITY_CODE


@dataclass(frozen=True)
class DemoEnterprise:
    credit_code: str
    name: str
    region_code: str


_SEEDS = [
    ("大冶市华鑫铸造有限公司", "101"),
    ("湖北金港换热器科技有限公司", "401"),
    ("大冶市鑫铝精密铝加工有限公司", "105"),
    ("湖北冶钢节能环保科技股份有限公司", "001"),
    ("大冶市劲牌生物医药有限公司", "003"),
    ("湖北灵乡新材料科技有限公司", "103"),
]


def _code(index: int) -> str:
    # 9 = market regulation, 1 = enterprise, 420281 = Daye, then a nine-character organisation id.
    return complete(f"91{CITY_CODE}MA{index:07d}")


DEMO_ENTERPRISES: tuple[DemoEnterprise, ...] = tuple(
    DemoEnterprise(_code(i + 1), name, f"{CITY_CODE}{suffix}") for i, (name, suffix) in enumerate(_SEEDS)
)
