"""What the programme endpoints take and answer."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from daye_kit.money import NonNegativeYuan, PositiveYuan, Yuan
from funding_api.programs.models import QualificationKind, SourceLevel


class RuleIn(BaseModel):
    """无申请兑现规则: each enterprise granted `qualification` in `granted_year` is owed `amount`."""

    qualification: QualificationKind = Field(
        description="依据的资质: tech_sme 科技型中小企业 / hte 高新技术企业 / new_species 新物种"
    )
    granted_year: int = Field(ge=1990, le=2100, description="资质认定年度", examples=[2024])
    amount: PositiveYuan = Field(description="每家企业的奖补金额(元)", examples=["200000.00"])


class RulePublic(RuleIn):
    model_config = ConfigDict(from_attributes=True)

    id: int = Field(description="兑现规则编号")
    program_id: int = Field(description="所属资金项目编号")
    version: int = Field(description="规则版本,从 1 起;规则一经使用即不再修改,修订产生新版本")
    created_by: str = Field(description="创建人")
    created_at: datetime = Field(description="创建时间")


class ProgramCreate(BaseModel):
    name: str = Field(
        min_length=2, max_length=128, description="资金项目名称", examples=["科技十八条·高新技术企业认定奖励"]
    )
    source_level: SourceLevel = Field(
        description="资金来源层级: province 省级 / huangshi 黄石市级 / daye 大冶市级"
    )
    year: int = Field(ge=1990, le=2100, description="预算年度", examples=[2025])
    budget: NonNegativeYuan = Field(description="预算(元)", examples=["12000000.00"])
    description: str = Field(default="", max_length=1000, description="说明(政策依据、条款)")
    rule: RuleIn | None = Field(default=None, description="无申请兑现规则(可选;以后可发布新版本)")


class ProgramPublic(BaseModel):
    id: int = Field(description="资金项目编号")
    name: str = Field(description="项目名称")
    source_level: SourceLevel = Field(description="资金来源层级(如 daye 市级)")
    year: int = Field(description="项目年度")
    budget: Yuan = Field(description="预算(元)")
    description: str = Field(description="项目说明")
    rule: RulePublic | None = Field(description="现行的无申请兑现规则(最新版本)")
    committed: Yuan = Field(description="已批准奖补合计(元)")
    paid: Yuan = Field(description="已拨付(元)")
    outstanding: Yuan = Field(description="已批准未拨付(元)")
    available: Yuan = Field(description="可用预算:预算减已批准奖补(元)")
    remaining: Yuan = Field(description="预算余额:预算减已拨付(元)")
    created_by: str = Field(description="创建人")
    created_at: datetime = Field(description="创建时间")
    request_id: str | None = Field(description="创建请求的请求编号(对照审计日志)")
    updated_at: datetime = Field(description="最后修改时间;增量读取 (`updated_since`、`after`) 按它排序")


class ProgramFilter(BaseModel):
    year: int | None = Field(default=None, ge=1990, le=2100, description="预算年度")
    source_level: SourceLevel | None = Field(default=None, description="资金来源层级")
    name: str | None = Field(default=None, max_length=64, description="名称包含")
