"""What the indicator endpoints take and answer. Values are decimal strings in the indicator's unit."""

from __future__ import annotations

import calendar
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema, model_validator

from indicator_api.indicators.progress import Accumulation, Pace, Status
from indicator_api.publications.schemas import PublicationStamp

FOUR_PLACES = Decimal("0.0001")


def _plain(figure: Decimal) -> str:
    """34.2500 → "34.25", 100.0000 → "100"; computed figures are rounded to four places."""
    return format(figure.quantize(FOUR_PLACES).normalize(), "f")


Figure = Annotated[
    Decimal,
    PlainSerializer(_plain, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "description": "数值(指标单位),十进制字符串", "examples": ["34.25"]}),
]
"""A figure in an answer (computed ones rounded to four places)."""

Quantity = Annotated[
    Figure,
    Field(max_digits=20, decimal_places=4, description="数值(指标单位),十进制字符串", examples=["34.25"]),
]
"""A figure someone records: at most four decimal places."""
Rate = Annotated[
    Decimal | None,
    PlainSerializer(
        lambda d: None if d is None else round(float(d), 4), return_type=float | None, when_used="json"
    ),
]


class Provenance(StrEnum):
    statistics = "statistics"  # 统计
    administrative = "administrative"  # 行政记录
    preliminary = "preliminary"  # 快报


class PeriodType(StrEnum):
    year = "year"
    quarter = "quarter"
    month = "month"


class IndicatorBase(BaseModel):
    name: str = Field(min_length=1, max_length=64, description="中文名称", examples=["技术合同成交额"])
    unit: str = Field(
        min_length=1, max_length=8, description="单位:亿元、万元、人、个、家、项、%", examples=["亿元"]
    )
    category: str = Field(min_length=1, max_length=32, description="类别", examples=["成果转化"])
    accumulation: Accumulation = Field(description="cumulative 年内累计 / stock 时点存量 / ratio 两指标之比")
    additive: bool = Field(description="乡镇数值相加即为全市数值")
    higher_is_better: bool = Field(default=True, description="数值越高越好")
    numerator_code: str | None = Field(default=None, max_length=64, description="比率指标的分子指标")
    denominator_code: str | None = Field(default=None, max_length=64, description="比率指标的分母指标")
    description: str = Field(default="", max_length=500, description="指标说明(口径)")

    @model_validator(mode="after")
    def _ratio_terms(self) -> Self:
        is_ratio = self.accumulation is Accumulation.ratio
        if is_ratio != bool(self.numerator_code and self.denominator_code):
            raise ValueError(
                "a ratio indicator names numerator_code and denominator_code; others name neither"
            )
        return self


class IndicatorCreate(IndicatorBase):
    code: str = Field(
        pattern=r"^[a-z][a-z0-9_]{1,63}$", description="稳定代码", examples=["tech_contract_turnover"]
    )


class IndicatorUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=64, description="指标名称")
    category: str | None = Field(default=None, min_length=1, max_length=32, description="指标类别")
    higher_is_better: bool | None = Field(default=None, description="数值越大越好(否则越小越好)")
    description: str | None = Field(default=None, max_length=500, description="指标说明(口径)")


class IndicatorPublic(IndicatorBase):
    model_config = ConfigDict(from_attributes=True)

    code: str = Field(description="指标代码")
    source: str = Field(
        description="数值来源:recorded 报送 / ratio 由分子分母计算 / pipeline 由培育流程统计 / "
        "registry 由企业库统计"
    )


class Period(BaseModel):
    year: int = Field(ge=1990, le=2100, description="年度", examples=[2025])
    quarter: int | None = Field(default=None, ge=1, le=4, description="季度(与 month 二选一;都不填为全年)")
    month: int | None = Field(
        default=None, ge=1, le=12, description="月份;累计指标为 1 月至该月累计", examples=[9]
    )

    @model_validator(mode="after")
    def _one_granularity(self) -> Self:
        if self.quarter is not None and self.month is not None:
            raise ValueError("give quarter or month, not both")
        return self

    @property
    def period_type(self) -> PeriodType:
        if self.month is not None:
            return PeriodType.month
        return PeriodType.quarter if self.quarter is not None else PeriodType.year

    @property
    def number(self) -> int:
        return self.month or self.quarter or 0

    @property
    def end(self) -> date:
        last_month = self.month or (self.quarter * 3 if self.quarter else 12)
        return date(self.year, last_month, calendar.monthrange(self.year, last_month)[1])


class ValueIn(Period):
    region_code: str = Field(max_length=32, description="报送单位代码", examples=["420281"])
    value: Quantity
    provenance: Provenance = Field(
        description="来源:statistics 统计 / administrative 行政记录 / preliminary 快报"
    )
    note: str = Field(default="", max_length=500, description="说明")


class BulkValueIn(ValueIn):
    indicator_code: str = Field(max_length=64, examples=["tech_contract_turnover"], description="指标代码")


class BulkValues(BaseModel):
    items: list[BulkValueIn] = Field(min_length=1, max_length=50_000, description="全部成功或全部不写入")


class BulkResult(BaseModel):
    written: int = Field(description="写入的条数(与上次相同的数值不再写入新修订)")
    unchanged: int = Field(description="与已有数值相同、未写入的条数")


class ValuePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int = Field(description="数值记录编号")
    indicator_code: str = Field(description="指标代码")
    region_code: str = Field(description="报送单位代码")
    year: int = Field(description="年度")
    period_type: PeriodType = Field(description="期间类型:month 月 / quarter 季 / year 年")
    period: int = Field(description="期间序号(月份或季度;年度为 1)")
    period_end: date = Field(description="期间最后一天")
    value: Quantity
    provenance: Provenance = Field(
        description="数据来源:statistics 统计 / administrative 行政记录 / preliminary 快报"
    )
    note: str = Field(description="备注")
    revision: int = Field(description="修订号;更正产生新修订,旧数值保留可查")
    recorded_by: str = Field(description="录入人")
    recorded_at: datetime = Field(description="录入时间")


class TargetIn(BaseModel):
    region_code: str | None = Field(default=None, max_length=32, description="报送单位;默认全市")
    value: Quantity


class TargetPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    indicator_code: str = Field(description="指标代码")
    region_code: str = Field(description="报送单位代码")
    year: int = Field(description="年度")
    value: Quantity
    set_by: str = Field(description="设定人")
    set_at: datetime = Field(description="设定时间")


class ProgressPublic(BaseModel):
    indicator: IndicatorPublic = Field(description="指标")
    region_code: str = Field(description="报送单位代码")
    year: int = Field(description="年度")
    as_of: date = Field(description="统计日")
    pace: Pace = Field(description="时间进度的计算口径:day 按日 / month 按月 / quarter 按季")
    actual: Figure | None = Field(description="截至 as_of 的实际值")
    target: Figure | None = Field(description="年度目标")
    completion_rate: Rate = Field(description="完成率 = 实际 ÷ 目标(小数)")
    time_progress: Rate = Field(description="时间进度(小数)")
    expected: Figure | None = Field(description="按时间进度此时应达到的数值")
    status: Status | None = Field(description="ahead 超前 / on_track 持平 / behind 滞后(容差 1 个百分点)")
    remaining: Figure | None = Field(description="距目标尚差")
    projected: Figure | None = Field(description="按当前进度推算的年末值")
    prior_value: Figure | None = Field(description="上年同期值")
    yoy_growth: Rate = Field(description="同比增长(小数)")
    published: PublicationStamp | None = Field(
        default=None,
        description="由其他服务经发件箱报送的数值(需求数与对接数、未兑现政策资金):最近一次更新的时间,"
        "数值未变也算;其他指标为 null",
    )


class Dashboard(BaseModel):
    year: int = Field(description="年度")
    as_of: date = Field(description="统计日")
    region_code: str = Field(description="报送单位代码(全市为 420281)")
    time_progress: Rate = Field(description="时间进度(0–1)")
    items: list[ProgressPublic] = Field(description="全部指标;滞后的排在最前,差距越大越靠前")
    pending_review: int = Field(
        default=0, description="待审核的报送数(须经审核的指标,采纳前不计入上列数值);乡镇为本单位的"
    )
    reporting_rate: Rate = Field(
        default=None, description="全市报送率:截至统计日已到期的最近一个月,已报 ÷ 应报(小数);无报送任务为空"
    )
