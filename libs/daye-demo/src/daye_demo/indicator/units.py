"""Daye's reporting units (../shared/reference/daye-regions.md), with the codes this project assigns:
what the demo seeds accounts, quotas and figures for. indicator-api's `registry` migration puts the
same units in its database; the service itself reads them from there and its city from settings.

The city keeps its administrative division code, 420281. Units get the city code and a three-digit
suffix by kind: 0xx 街道, 1xx 镇, 2xx 乡, 4xx 园区. Township accounts use these codes as usernames.
"""

from __future__ import annotations

from dataclasses import dataclass

CITY_CODE = "420281"
CITY_NAME = "大冶市"


@dataclass(frozen=True)
class ReportingUnit:
    code: str
    name: str
    kind: str  # 市, 街道, 镇, 乡, 园区
    parent_code: str | None


_UNITS: list[tuple[str, str, str]] = [
    ("001", "东岳路街道", "街道"),
    ("002", "东风路街道", "街道"),
    ("003", "金湖街道", "街道"),
    ("004", "罗家桥街道", "街道"),
    ("005", "金山街道", "街道"),
    ("101", "金牛镇", "镇"),
    ("102", "保安镇", "镇"),
    ("103", "灵乡镇", "镇"),
    ("104", "金山店镇", "镇"),
    ("105", "还地桥镇", "镇"),
    ("106", "殷祖镇", "镇"),
    ("107", "汪仁镇", "镇"),
    ("108", "刘仁八镇", "镇"),
    ("109", "陈贵镇", "镇"),
    ("110", "大箕铺镇", "镇"),
    ("201", "茗山乡", "乡"),
    ("401", "大冶湖高新区", "园区"),
]

CITY = ReportingUnit(CITY_CODE, CITY_NAME, "市", None)
UNITS: tuple[ReportingUnit, ...] = tuple(
    ReportingUnit(f"{CITY_CODE}{suffix}", name, kind, CITY_CODE) for suffix, name, kind in _UNITS
)
