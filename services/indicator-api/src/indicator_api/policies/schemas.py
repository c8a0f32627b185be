"""What the policy endpoints take and answer."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field, field_validator

from daye_kit.money import Yuan
from daye_kit.timestamps import local_today
from indicator_api.cultivation.schemas import Missing
from indicator_api.indicators.schemas import Rate

# A policy's code: a qualification (`hte`, `tech_sme`, `new_species`) or a programme (`program:<id>`).
POLICY_CODE = r"^(hte|tech_sme|new_species|program:[1-9][0-9]{0,17})$"


class PolicyKind(StrEnum):
    qualification = "qualification"  # 资质认定
    program = "program"  # 资金项目(奖补)


class PolicyStatus(StrEnum):
    held = "held"  # 已持有资质或已获奖补
    eligible_now = "eligible_now"  # 现在即可获得
    next = "next"  # 差少数条件,下一步可争取
    not_eligible = "not_eligible"  # 暂不符合


class OutreachAction(StrEnum):
    informed = "informed"  # 已告知
    visited = "visited"  # 已上门
    applied = "applied"  # 已辅导申报


class PolicyItem(BaseModel):
    kind: PolicyKind = Field(description="qualification 资质认定 / program 资金项目")
    code: str = Field(
        description="政策代码:资质 hte、tech_sme、new_species,或资金项目 `program:<编号>`",
        examples=["program:5"],
    )
    name: str = Field(description="政策名称", examples=["科技十八条·科技型中小企业入库奖励(2025年度)"])
    status: PolicyStatus = Field(
        description="held 已持有/已获奖补 / eligible_now 现在即可获得 / next 差少数条件 / "
        "not_eligible 暂不符合"
    )
    amount: Yuan | None = Field(
        description="金额(元):已获奖补为奖补金额,其余为项目规则金额;资质本身为空", examples=["30000.00"]
    )
    source_level: str | None = Field(
        description="资金来源层级(province 省级 / huangshi 黄石市级 / daye 大冶市级);资质为空",
        examples=["daye"],
    )
    missing: list[Missing] = Field(description="尚未满足的条件(差距)")
    basis: str = Field(
        description="判断依据", examples=["持有 2025 年认定的科技型中小企业资质,按规则第 1 版无申请兑现"]
    )


class EnterprisePolicies(BaseModel):
    """我能享受的政策."""

    credit_code: str = Field(description="统一社会信用代码")
    name: str = Field(description="企业名称")
    as_of: date = Field(description="测算日期(平台报告日或今天)")
    items: list[PolicyItem] = Field(description="资质在前,资金项目按编号")


class OutreachIn(BaseModel):
    action: OutreachAction = Field(description="informed 已告知 / visited 已上门 / applied 已辅导申报")
    on: date = Field(ge=date(2000, 1, 1), description="发生日期(不晚于今天)", examples=["2025-09-18"])
    note: str = Field(default="", max_length=500, description="说明", examples=["上门讲解入库奖励"])
    program: str | None = Field(
        default=None,
        pattern=POLICY_CODE,
        description="所涉政策代码(可选):hte、tech_sme、new_species 或 `program:<编号>`",
        examples=["program:5"],
    )

    @field_validator("on")
    @classmethod
    def _not_ahead(cls, on: date) -> date:
        if on > local_today():
            raise ValueError("an outreach is recorded once it happened: on may not be in the future")
        return on


class OutreachPublic(BaseModel):
    id: int = Field(description="记录编号")
    credit_code: str = Field(description="统一社会信用代码")
    region_code: str = Field(description="记录时企业所属单位(计入其覆盖率)")
    action: OutreachAction = Field(description="informed 已告知 / visited 已上门 / applied 已辅导申报")
    on: date = Field(description="发生日期")
    program: str | None = Field(description="所涉政策代码")
    note: str = Field(description="说明")
    created_by: str = Field(description="记录人")
    created_at: datetime = Field(description="记录时间")


class TownshipCoverage(BaseModel):
    region_code: str = Field(description="乡镇(报送单位)代码", examples=["420281103"])
    region_name: str = Field(description="乡镇名称", examples=["金湖街道"])
    eligible: int = Field(description="现在即可获得至少一项政策(资质或奖补)的企业数")
    reached: int = Field(description="其中本年度已告知、上门或辅导申报的企业数")
    coverage: Rate = Field(description="覆盖率 = 已触达 ÷ 符合条件(小数);无符合条件企业时为空")


class OutreachCoverage(BaseModel):
    year: int = Field(description="统计触达的年度")
    as_of: date = Field(description="测算符合条件的日期")
    eligible: int = Field(description="全市符合条件的企业数")
    reached: int = Field(description="全市已触达的符合条件企业数")
    coverage: Rate = Field(description="全市覆盖率(小数)")
    items: list[TownshipCoverage] = Field(description="各乡镇的覆盖率,按代码")
    total: int = Field(description="乡镇数")


class NoticeRun(BaseModel):
    enterprises: int = Field(description="测算的企业数")
    eligible: int = Field(description="现在即可获得的政策项数")
    notified: int = Field(description="本次新发通知数(每家企业每项政策只通知一次)")
