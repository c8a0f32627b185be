"""What the outstanding-funds endpoints take and answer."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, Field

from daye_kit.ids import RowId
from daye_kit.money import Yuan
from daye_kit.timestamps import Day
from funding_api.awards.models import AwardMode
from funding_api.programs.models import SourceLevel

PROMISE_WORKING_DAYS = 60


class OutstandingFilter(BaseModel):
    # Working days are counted from the holiday calendar back to each approval; a day far outside
    # the years awards can carry (year 1, say) ran the date arithmetic off its range, a 500.
    as_of: Day | None = Field(
        default=None,
        ge=date(1990, 1, 1),
        le=date(2100, 12, 31),
        description="统计日(含);默认今天(北京时间)",
        examples=["2025-09-30"],
    )
    program_id: RowId | None = Field(default=None, description="资金项目")
    region: str | None = Field(default=None, max_length=32, description="报送单位代码")
    mode: AwardMode | None = Field(default=None, description="兑现方式")


class ProgramOutstanding(BaseModel):
    program_id: int = Field(description="资金项目编号")
    name: str = Field(description="资金项目名称")
    source_level: SourceLevel = Field(description="资金来源层级")
    year: int = Field(description="项目年度")
    outstanding: Yuan = Field(description="该项目的未兑现金额(元)")
    award_count: int = Field(description="该项目未兑现的奖补笔数")


class ModeOutstanding(BaseModel):
    mode: AwardMode = Field(description="automatic 无申请兑现 / application 依申请兑现")
    outstanding: Yuan = Field(description="此兑现方式下的未兑现金额(元)")
    award_count: int = Field(description="此兑现方式下未兑现的奖补笔数")


class RegionOutstanding(BaseModel):
    region_code: str = Field(description="报送单位(乡镇、街道、园区)代码")
    outstanding: Yuan = Field(description="该单位企业的未兑现金额(元)")
    award_count: int = Field(description="该单位企业未兑现的奖补笔数")
    enterprise_count: int = Field(description="该单位涉及企业数")


class EnterpriseOutstanding(BaseModel):
    credit_code: str = Field(description="企业统一社会信用代码")
    name: str = Field(description="企业名称")
    region_code: str = Field(description="企业所属报送单位代码")
    outstanding: Yuan = Field(description="该企业的未兑现金额(元)")
    award_count: int = Field(description="该企业未兑现的奖补笔数")


class AgeingBucket(BaseModel):
    label: str = Field(description="账龄段(工作日)", examples=["61-120"])
    min_working_days: int = Field(description="下限(工作日,含)")
    max_working_days: int | None = Field(description="上限(含);最后一段无上限")
    overdue: bool = Field(description=f"是否超过 {PROMISE_WORKING_DAYS} 个工作日的兑现承诺")
    outstanding: Yuan = Field(description="此账龄段的未兑现金额(元)")
    award_count: int = Field(description="此账龄段的奖补笔数")


class OverdueSummary(BaseModel):
    promise_working_days: int = Field(description="兑现承诺(工作日)", examples=[PROMISE_WORKING_DAYS])
    approved_before: date = Field(description="在此日期之前批准且仍未兑现的即为超期")
    outstanding: Yuan = Field(description="超期未兑现金额(元)")
    award_count: int = Field(description="超期未兑现的奖补笔数")


class OutstandingReport(BaseModel):
    """未兑现政策资金: 统计日已批准、未拨付的奖补。"""

    as_of: date = Field(description="统计日")
    total: Yuan = Field(description="未兑现合计(元)", examples=["55068000.00"])
    award_count: int = Field(description="未兑现的奖补笔数")
    enterprise_count: int = Field(description="涉及企业数")
    by_program: list[ProgramOutstanding] = Field(description="按资金项目")
    by_mode: list[ModeOutstanding] = Field(description="按兑现方式")
    by_region: list[RegionOutstanding] = Field(description="按乡镇(企业所属报送单位)")
    by_enterprise: list[EnterpriseOutstanding] = Field(
        description="按企业,未兑现金额从高到低的前 `top` 家;全部见明细与公示导出"
    )
    ageing: list[AgeingBucket] = Field(description="按批准后的工作日数分段")
    overdue: OverdueSummary = Field(description="超过兑现承诺的部分")
    working_day_rule: str = Field(description="工作日与账龄的计算规则")


class OutstandingItem(BaseModel):
    award_id: int = Field(description="奖补编号")
    program_id: int = Field(description="资金项目编号")
    program_name: str = Field(description="资金项目名称")
    credit_code: str = Field(description="企业统一社会信用代码")
    enterprise_name: str = Field(description="企业名称")
    region_code: str = Field(description="企业所属报送单位代码")
    mode: AwardMode = Field(description="兑现方式:automatic 无申请兑现 / application 依申请兑现")
    amount: Yuan = Field(description="奖补金额(元)")
    paid: Yuan = Field(description="统计日已拨付(元)")
    outstanding: Yuan = Field(description="统计日未兑现(元)")
    approved_on: date = Field(description="批准日期(账龄自此起算)")
    working_days: int = Field(description="批准后至统计日的工作日数")
    overdue: bool = Field(description=f"超过 {PROMISE_WORKING_DAYS} 个工作日")


class ExportFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"


class Publication(BaseModel):
    """What is on its way to indicator-api as `policy_funds_outstanding` (an outbox event)."""

    indicator_code: str = Field(examples=["policy_funds_outstanding"], description="报送的指标代码")
    region_code: str = Field(examples=["420281"], description="报送单位代码")
    year: int = Field(description="所属年度")
    month: int = Field(description="所属月份")
    as_of: date = Field(description="统计日")
    total: Yuan = Field(description="未兑现合计(元)")
    value: str = Field(description="报送值(万元,最多四位小数)", examples=["5506.80"])
    event_id: str = Field(
        description="发件箱事件编号:事件与本次报送同一事务提交,由发件箱送达 indicator-api(至少一次),"
        "indicator-api 按编号只应用一次"
    )


class PublicationIn(BaseModel):
    # indicator-api keeps values for 1990–2100 only; a day outside is the caller's mistake, not a 502.
    as_of: date | None = Field(
        default=None,
        ge=date(1990, 1, 1),
        le=date(2100, 12, 31),
        description="统计日;默认今天。报送到该日所在年月",
    )
