"""What the quarterly report answers: sections of text, each number beside where it came from."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class Figure(BaseModel):
    key: str = Field(description="数字在报告中的名字", examples=["tech_contract_turnover.actual"])
    text: str = Field(description="报告正文中的写法", examples=["34.25亿元"])
    value: str = Field(description="数值(十进制字符串)", examples=["34.25"])
    source: str = Field(description="来源", examples=["indicator tech_contract_turnover, 420281, 2025-09-30"])


class Section(BaseModel):
    title: str = Field(description="节标题")
    paragraphs: list[str] = Field(description="正文段落")
    figures: list[Figure] = Field(default_factory=list, description="本节引用的数字及其来源")
    available: bool = Field(default=True, description="本节数据是否齐全(依赖服务不可用时为 false)")


class QuarterlyReport(BaseModel):
    year: int = Field(description="年度")
    quarter: int = Field(description="季度(1–4)")
    as_of: date = Field(description="统计日(季度末)")
    title: str = Field(description="报告标题")
    sections: list[Section] = Field(description="报告各节")


class Difference(BaseModel):
    path: str = Field(
        description="数字在报告 JSON 中的位置", examples=["sections.0.figures.tech_contract_turnover.actual"]
    )
    label: str = Field(
        description="所在节与数字名", examples=["一、主要指标完成情况 · tech_contract_turnover.actual"]
    )
    published: str | None = Field(description="发布版本中的数值;发布版本没有该数字为 null")
    live: str | None = Field(description="实时数据中的数值;实时报告没有该数字为 null")


class Differences(BaseModel):
    items: list[Difference] = Field(description="数值不同的数字,按报告中的顺序")
    total: int = Field(description="条数")
