"""Indicators in Excel: the values template (filled in, uploaded, exported in the same shape for a
round trip) and the dashboard as a workbook. Uploads are read here into the rows the service takes;
a bad cell is a refused row whose field the route names by its cell."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from daye_kit.spreadsheets import RATE, Column, Row, validated_rows, workbook
from indicator_api.indicators.models import IndicatorValue
from indicator_api.indicators.schemas import BulkValueIn, Dashboard, Provenance

VALUE_COLUMNS = {  # header → field of BulkValueIn
    "指标代码": "indicator_code",
    "报送单位代码": "region_code",
    "年度": "year",
    "季度": "quarter",
    "月份": "month",
    "数值": "value",
    "来源": "provenance",
    "说明": "note",
}
HEADERS = list(VALUE_COLUMNS)
PROVENANCE_NAMES: dict[Provenance, tuple[str, ...]] = {
    Provenance.statistics: ("统计",),
    Provenance.administrative: ("行政", "行政记录"),
    Provenance.preliminary: ("快报",),
}
"""Each provenance as the template writes it, then the other names a clerk may type."""
STATUS_NAMES = {"ahead": "超前", "on_track": "持平", "behind": "滞后", None: "—"}
TITLE = "指标数值报送表(第 3 行起每行一个数值;季度、月份可空;来源:统计/行政/快报)"


def provenance_name(provenance: str) -> str:
    return PROVENANCE_NAMES[Provenance(provenance)][0]


def header_of(field: str) -> str | None:
    """The template column a field of a row was read from (`cells` names refused rows with it)."""
    return next((header for header, name in VALUE_COLUMNS.items() if name == field), None)


def values_workbook(rows: Sequence[Sequence[object]]) -> bytes:
    columns = [
        Column("指标代码", width=30),
        Column("报送单位代码", width=14),
        Column("年度", width=8),
        Column("季度", width=6),
        Column("月份", width=6),
        Column("数值", width=14),
        Column("来源", width=8),
        Column("说明", width=30),
    ]
    return workbook(TITLE, columns, rows)


def _value(row: Row) -> dict[str, Any]:
    data: dict[str, Any] = {VALUE_COLUMNS[h]: v for h, v in row.values.items() if v not in (None, "")}
    for key in ("value", "indicator_code", "region_code"):
        if key in data:
            data[key] = str(data[key])
    if "provenance" in data:
        named = str(data["provenance"])
        data["provenance"] = next((p for p, names in PROVENANCE_NAMES.items() if named in names), named)
    return data


def values_from(rows: Sequence[Row]) -> list[BulkValueIn]:
    """The uploaded rows as values to record; every bad cell refused at once."""
    return validated_rows(rows, BulkValueIn, _value)


def _plain(value: Decimal) -> str:
    """Figures go out as text, so an exact decimal comes back exactly."""
    return format(Decimal(str(value)).normalize(), "f")


def values_export(values: Sequence[IndicatorValue]) -> bytes:
    """Current values in the template's own shape: export, change, upload again."""
    return values_workbook(
        [
            [
                v.indicator_code,
                v.region_code,
                v.year,
                v.period if v.period_type == "quarter" else None,
                v.period if v.period_type == "month" else None,
                _plain(v.value),
                provenance_name(v.provenance),
                v.note,
            ]
            for v in values
        ]
    )


def _number(text: object) -> float | None:
    """A figure for a cell: Excel stores numbers as binary floats, so this is display, not money."""
    return None if text is None else float(str(text))


def dashboard_workbook(board: Dashboard, *, city_name: str, day: date) -> bytes:
    columns = [
        Column("指标", width=30),
        Column("单位", width=8),
        Column("实际值", "#,##0.00##"),
        Column("年度目标", "#,##0.00##"),
        Column("完成率", RATE),
        Column("时间进度", RATE),
        Column("状态", width=8),
        Column("同比增长", RATE),
    ]
    rows = [
        [
            i.indicator.name,
            i.indicator.unit,
            _number(i.actual),
            _number(i.target),
            _number(i.completion_rate),
            _number(i.time_progress),
            STATUS_NAMES[i.status.value if i.status else None],
            _number(i.yoy_growth),
        ]
        for i in board.items
    ]
    return workbook(f"{city_name}科技创新指标总览(截至 {day})", columns, rows)
