"""What the reporting endpoints take and answer: obligations (报送任务), exemptions (免报), completeness
(报送完整性与及时性), overdue reports (逾期未报) and the review of submissions (报送审核)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from indicator_api.indicators.schemas import Figure, Rate


class ReportingPeriodType(StrEnum):
    month = "month"
    quarter = "quarter"


class SubmissionStatus(StrEnum):
    submitted = "submitted"  # 待审核
    accepted = "accepted"  # 已采纳
    returned = "returned"  # 已退回


Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class ObligationCreate(BaseModel):
    indicator_code: str = Field(max_length=64, description="指标代码", examples=["tech_contract_turnover"])
    region_code: str | None = Field(
        default=None, max_length=32, description="报送单位代码;不填为全市每个乡镇(街道、园区)"
    )
    period_type: ReportingPeriodType = Field(description="报送周期:month 月报 / quarter 季报")
    due_day: int = Field(ge=1, le=28, description="次月几日前报送(含当日)", examples=[10])
    requires_acceptance: bool = Field(default=False, description="乡镇报送的数值须经科技局审核采纳后才计入")
    active_from: date = Field(description="自该日所在及以后结束的期间起须报送", examples=["2025-01-01"])


class ObligationPublic(ObligationCreate):
    model_config = ConfigDict(from_attributes=True)

    id: int = Field(description="报送任务编号")
    created_by: str = Field(description="设定人")
    created_at: datetime = Field(description="设定时间")


class ExemptionCreate(BaseModel):
    region_code: str = Field(max_length=32, description="免报单位代码", examples=["420281101"])
    indicator_code: str | None = Field(default=None, max_length=64, description="免报指标;不填为该期全部指标")
    year: int = Field(ge=1990, le=2100, description="年度", examples=[2025])
    period_type: ReportingPeriodType = Field(description="期间类型")
    period: int = Field(ge=1, le=12, description="月份 1–12 或季度 1–4", examples=[5])
    reason: Reason = Field(description="免报理由")

    @model_validator(mode="after")
    def _period_in_range(self) -> Self:
        if self.period_type is ReportingPeriodType.quarter and self.period > 4:
            raise ValueError("a quarter is 1–4")
        return self


class ExemptionPublic(ExemptionCreate):
    model_config = ConfigDict(from_attributes=True)

    id: int = Field(description="免报编号")
    created_by: str = Field(description="设定人")
    created_at: datetime = Field(description="设定时间")


class Counts(BaseModel):
    expected: int = Field(description="应报项数(免报的不计)")
    received: int = Field(description="已报项数(以首次报送时间计)")
    on_time: int = Field(description="按时报送项数")
    late: int = Field(description="逾期后补报项数")
    missing: int = Field(description="已过期限仍未报项数")
    exempted: int = Field(description="免报项数")
    reporting_rate: Rate = Field(description="报送率 = 已报 ÷ 应报(小数)")
    timeliness_rate: Rate = Field(description="及时率 = 按时 ÷ 应报(小数)")


class CompletenessItem(Counts):
    region_code: str = Field(description="报送单位代码")
    region_name: str = Field(description="报送单位名称")
    year: int = Field(description="年度")
    period_type: ReportingPeriodType = Field(description="期间类型")
    period: int = Field(description="月份或季度")


class Completeness(BaseModel):
    as_of: date = Field(description="统计日(此日结束时或此刻,取较早者)")
    items: list[CompletenessItem] = Field(description="每个单位每期一行")
    totals: Counts = Field(description="全部行合计")


class OverdueItem(BaseModel):
    region_code: str = Field(description="报送单位代码")
    region_name: str = Field(description="报送单位名称")
    indicator_code: str = Field(description="指标代码")
    indicator_name: str = Field(description="指标名称")
    year: int = Field(description="年度")
    period_type: ReportingPeriodType = Field(description="期间类型")
    period: int = Field(description="月份或季度")
    due_on: date = Field(description="报送期限(含当日)")


class Overdue(BaseModel):
    as_of: date = Field(description="统计日")
    items: list[OverdueItem] = Field(description="已过期限仍未报送的指标")
    total: int = Field(description="条数")


class SubmissionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int = Field(description="报送编号")
    indicator_code: str = Field(description="指标代码")
    region_code: str = Field(description="报送单位代码")
    year: int = Field(description="年度")
    period_type: str = Field(description="期间类型")
    period: int = Field(description="月份或季度")
    revision: int = Field(description="待审核(或已采纳)的修订号")
    accepted_revision: int | None = Field(description="最近采纳的修订号(总览与进度计入的数值);未采纳过为空")
    value: Figure
    status: SubmissionStatus = Field(description="submitted 待审核 / accepted 已采纳 / returned 已退回")
    first_submitted_at: datetime = Field(description="首次报送时间(退回后重报不变)")
    submitted_at: datetime = Field(description="最近报送时间")
    submitted_by: str = Field(description="报送人")
    reviewed_by: str | None = Field(description="审核人")
    reviewed_at: datetime | None = Field(description="审核时间")
    return_reason: str | None = Field(description="退回理由")


class ReturnIn(BaseModel):
    reason: Reason = Field(description="退回理由(必填)", examples=["与统计快报不一致,请核对后重报"])
