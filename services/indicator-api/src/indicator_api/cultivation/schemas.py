"""What the cultivation endpoints take and answer."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from daye_kit.credit_code import CreditCode
from indicator_api.cultivation.figures import CandidateFigures
from indicator_api.cultivation.rules import Assessment, Condition, Program
from indicator_api.indicators.progress import Status
from indicator_api.indicators.schemas import Rate


class Missing(BaseModel):
    """One condition the enterprise does not meet yet, as the cultivation rules state it (the policy
    calculator's `missing`, the prospects' `shortfalls`)."""

    code: str = Field(description="条件代码", examples=["rd_intensity"])
    name: str = Field(description="条件", examples=["近三年研发费用占销售收入比例"])
    required: str = Field(description="要求", examples=["≥ 4%"])
    actual: str = Field(description="企业现状", examples=["3.1%"])
    gap: str = Field(description="差距", examples=["差 0.9 个百分点"])

    @classmethod
    def of(cls, condition: Condition) -> Missing:
        return cls(
            code=condition.code,
            name=condition.name,
            required=condition.threshold,
            actual=condition.value,
            gap=condition.shortfall or "未满足",
        )


class Stage(StrEnum):
    reserve = "reserve"  # 储备
    coached = "coached"  # 辅导
    applied = "applied"  # 已申报
    certified = "certified"  # 已认定
    rejected = "rejected"  # 未通过
    withdrawn = "withdrawn"  # 退出


class Measure(StrEnum):
    hte_applications = "hte_applications"
    tech_sme_registered = "tech_sme_registered"


MEASURE_NAMES = {Measure.hte_applications: "高企申报", Measure.tech_sme_registered: "科技型中小企业入库"}
"""How the ranking's workbook and the report name each measure (counted in 家)."""


class CandidateIn(BaseModel):
    credit_code: CreditCode
    name: str = Field(min_length=2, max_length=128, description="企业名称(企业库中没有时据此登记)")
    industry: str = Field(default="", max_length=64, description="行业")
    program: Program = Field(description="培育方向:tech_sme 科技型中小企业 / hte 高新技术企业")
    year: int = Field(ge=2000, le=2100, description="培育年度", examples=[2025])
    stage: Stage = Field(default=Stage.reserve, description="初始阶段:reserve 储备 或 coached 辅导")
    figures: CandidateFigures = Field(description="企业申报数据(用于资格评估)")


class BulkCandidates(BaseModel):
    items: list[CandidateIn] = Field(min_length=1, max_length=50_000, description="全部成功或全部不写入")


class BulkCandidatesResult(BaseModel):
    created: int = Field(description="新增的候选企业数")
    eligible_tech_sme: int = Field(description="其中预审符合科技型中小企业条件的")
    eligible_hte: int = Field(description="其中预审符合高企条件的")


class CandidateMove(BaseModel):
    stage: Stage = Field(description="移到的阶段")
    on: date | None = Field(default=None, description="生效日期(如申报日、认定日);默认今天")
    note: str = Field(default="", max_length=500, description="说明")


class StageEventPublic(BaseModel):
    from_stage: Stage | None = Field(description="原阶段;首次报送为空")
    to_stage: Stage = Field(description="新阶段")
    on: date = Field(description="阶段变更的业务日期")
    by: str = Field(description="操作用户")
    note: str = Field(description="说明")
    at: datetime = Field(description="记录时间")


class CandidatePublic(BaseModel):
    id: int = Field(description="候选编号")
    region_code: str = Field(description="报送单位(乡镇)代码")
    credit_code: str = Field(description="企业统一社会信用代码")
    enterprise_name: str = Field(description="企业名称")
    program: Program = Field(description="培育方向(如高新技术企业、科技型中小企业)")
    year: int = Field(description="培育年度")
    stage: Stage = Field(
        description="培育阶段:reserve 储备 / coached 辅导 / applied 已申报 / certified 已认定 / "
        "rejected 未通过"
    )
    stage_changed_at: datetime = Field(description="进入当前阶段的时间")
    stage_changed_by: str = Field(description="推进到当前阶段的用户")
    created_by: str = Field(description="报送人")
    created_at: datetime = Field(description="报送时间")
    updated_at: datetime = Field(description="最近一次变更(提交或阶段变动)的时间")
    assessments: dict[Program, Assessment] = Field(description="按现行规则对两类资质的预审结果")
    history: list[StageEventPublic] = Field(default_factory=list, description="阶段变动记录(详情中给出)")
    allowed_moves: list[Stage] = Field(
        default_factory=list,
        description="调用者此刻可将该候选企业移入的阶段(乡镇不含认定/未通过;只读账号为空)",
        examples=[["coached", "applied", "withdrawn"]],
    )


class QuotaIn(BaseModel):
    region_code: str = Field(max_length=32, description="报送单位(乡镇)代码")
    measure: Measure = Field(description="培育指标")
    quota: int = Field(ge=0, le=1_000_000, description="年度任务数")


class QuotaPublic(QuotaIn):
    year: int = Field(description="年度")
    set_by: str = Field(description="设定人")


class Quotas(BaseModel):
    items: list[QuotaIn] = Field(min_length=1, max_length=5_000, description="各单位各指标的任务数")


class MeasureProgress(BaseModel):
    actual: int = Field(description="已完成数")
    quota: int | None = Field(description="年度任务数;未下达为空")
    completion_rate: Rate = Field(description="完成率(0–1)")
    expected: Rate = Field(description="按时间进度此时应达到的数")
    status: Status | None = Field(
        description="与时间进度相比:ahead 超前 / on_track 持平 / behind 滞后;无任务为空"
    )
    needed_for_pace: int = Field(description="按时间进度还需几家")
    remaining: int = Field(description="距全年任务还差几家")


class TownshipProgress(BaseModel):
    region_code: str = Field(description="报送单位(乡镇)代码")
    name: str = Field(description="单位名称")
    behind: bool = Field(description="任一项滞后于时间进度")
    measures: dict[Measure, MeasureProgress] = Field(description="各培育指标的进度")
    gap: Rate = Field(description="最差一项的完成率减时间进度,越小越落后")


class CultivationProgress(BaseModel):
    year: int = Field(description="年度")
    as_of: date = Field(description="统计日")
    time_progress: Rate = Field(description="时间进度(0–1)")
    townships: list[TownshipProgress] = Field(description="落后的排在最前")
