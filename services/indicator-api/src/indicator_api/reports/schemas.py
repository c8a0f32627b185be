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
    title: str
    paragraphs: list[str]
    figures: list[Figure] = Field(default_factory=list)
    available: bool = True


class QuarterlyReport(BaseModel):
    year: int
    quarter: int
    as_of: date
    title: str
    sections: list[Section]
