"""Cultivation in Excel: the candidates template and its upload (read here into the candidates the
service takes; a bad cell is a refused row the route names by its cell), a township's candidates
and the townships' ranking as workbooks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from daye_kit.spreadsheets import COUNT, RATE, Column, Row, validated_rows, workbook
from indicator_api.cultivation.rules import Program
from indicator_api.cultivation.schemas import (
    MEASURE_NAMES,
    CandidateIn,
    CandidatePublic,
    CultivationProgress,
    Measure,
    Stage,
)
from indicator_api.enterprises.schemas import qualification_name, qualification_named

CANDIDATE_COLUMNS: list[tuple[str, tuple[str | int, ...]]] = [  # header → where it goes in CandidateIn
    ("统一社会信用代码", ("credit_code",)),
    ("企业名称", ("name",)),
    ("行业", ("industry",)),
    ("培育方向", ("program",)),
    ("年度", ("year",)),
    ("注册成立年数", ("figures", "years_registered")),
    ("职工总数", ("figures", "staff")),
    ("科技人员数", ("figures", "science_staff")),
    ("前年销售收入(元)", ("figures", "sales_revenue", 0)),
    ("上年销售收入(元)", ("figures", "sales_revenue", 1)),
    ("本年销售收入(元)", ("figures", "sales_revenue", 2)),
    ("前年研发费用(元)", ("figures", "rd_spend", 0)),
    ("上年研发费用(元)", ("figures", "rd_spend", 1)),
    ("本年研发费用(元)", ("figures", "rd_spend", 2)),
    ("成本费用总额(元)", ("figures", "total_costs")),
    ("资产总额(元)", ("figures", "total_assets")),
    ("高新技术产品收入(元)", ("figures", "high_tech_revenue")),
    ("Ⅰ类知识产权(件)", ("figures", "ip", "class_1")),
    ("Ⅱ类知识产权(件)", ("figures", "ip", "class_2")),
]
HEADERS = [header for header, _ in CANDIDATE_COLUMNS]
TEXT = {("credit_code",), ("name",), ("industry",)}
STAGE_NAMES = {
    Stage.reserve: "储备",
    Stage.coached: "辅导",
    Stage.applied: "已申报",
    Stage.certified: "已认定",
    Stage.rejected: "未通过",
    Stage.withdrawn: "退出",
}


def header_of(field: str) -> str | None:
    """The template column a field of a candidate (dotted: `figures.sales_revenue.0`) was read from."""
    parts = tuple(field.split("."))
    return next(
        (header for header, path in CANDIDATE_COLUMNS if parts[: len(path)] == tuple(map(str, path))),
        None,
    )


def candidates_workbook(rows: Sequence[Sequence[object]]) -> bytes:
    columns = [
        Column(header, width=22 if header.endswith("代码") or header == "企业名称" else 14)
        for header in HEADERS
    ]
    programs = "/".join(qualification_name(program) for program in Program)
    return workbook(f"培育候选企业报送表(第 3 行起每行一家;培育方向:{programs})", columns, rows)


def _candidate(row: Row) -> dict[str, Any]:
    data: dict[str, Any] = {"figures": {"sales_revenue": [None] * 3, "rd_spend": [None] * 3, "ip": {}}}
    for header, path in CANDIDATE_COLUMNS:
        value = row.values.get(header)
        if value in (None, ""):
            if path[0] != "figures" or len(path) != 3 or path[1] != "ip":
                continue
            value = 0  # an empty count of patents is none
        if path in TEXT:
            value = str(value)
        elif path == ("program",):
            named = qualification_named(str(value))
            value = named.value if named else str(value)
        elif (
            path[0] == "figures"
            and path[-1] not in ("class_1", "class_2")
            and path[1] not in ("staff", "science_staff")
        ):
            value = str(value)
        target = data
        for part in path[:-1]:
            target = target[part]  # type: ignore[index]
        target[path[-1]] = value  # type: ignore[index]
    return data


def candidates_from(rows: Sequence[Row]) -> list[CandidateIn]:
    """The uploaded rows as candidates to submit; every bad cell refused at once."""
    return validated_rows(rows, CandidateIn, _candidate)


def candidates_export(region_code: str, items: Sequence[CandidatePublic]) -> bytes:
    columns = [
        Column("统一社会信用代码", width=22),
        Column("企业名称", width=30),
        Column("培育方向", width=14),
        Column("年度", width=8),
        Column("阶段", width=8),
        Column("科小预审", width=10),
        Column("科小评分", COUNT, 9),
        Column("高企预审", width=10),
    ]
    rows = [
        [
            c.credit_code,
            c.enterprise_name,
            qualification_name(c.program),
            c.year,
            STAGE_NAMES[c.stage],
            "符合" if c.assessments[Program.tech_sme].eligible else "不符合",
            c.assessments[Program.tech_sme].score,
            "符合" if c.assessments[Program.hte].eligible else "不符合",
        ]
        for c in items
    ]
    return workbook(f"{region_code} 培育候选企业", columns, rows)


def _number(text: object) -> float | None:
    """A figure for a cell: Excel stores numbers as binary floats, so this is display, not money."""
    return None if text is None else float(str(text))


def ranking_workbook(ranking: CultivationProgress, *, day: date) -> bytes:
    columns = [Column("名次", COUNT, 6), Column("乡镇", width=14), Column("是否滞后", width=9)]
    for measure in Measure:
        label = MEASURE_NAMES[measure]
        columns += [
            Column(f"{label}(家)", COUNT),
            Column(f"{label}任务(家)", COUNT),
            Column(f"{label}完成率", RATE),
            Column(f"{label}按进度还需(家)", COUNT),
        ]
    rows = []
    for rank, township in enumerate(ranking.townships, start=1):
        row: list[object] = [rank, township.name, "滞后" if township.behind else ""]
        for measure in Measure:
            m = township.measures[measure]
            row += [m.actual, m.quota, _number(m.completion_rate), m.needed_for_pace]
        rows.append(row)
    title = f"乡镇科技企业培育进度(截至 {day},时间进度 {float(ranking.time_progress or 0):.0%})"
    return workbook(title, columns, rows)
