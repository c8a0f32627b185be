"""What a township submits about a candidate: the figures the national rules are checked against."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Self

from pydantic import BaseModel, Field, model_validator

from daye_kit.money import NonNegativeYuan

Share = Annotated[Decimal, Field(ge=0, le=1, max_digits=6, decimal_places=4)]


class IntellectualProperty(BaseModel):
    class_1: int = Field(default=0, ge=0, le=10_000, description="Ⅰ类知识产权(发明专利、植物新品种等)件数")
    class_2: int = Field(
        default=0, ge=0, le=10_000, description="Ⅱ类知识产权(实用新型、外观设计、软件著作权等)件数"
    )


class InnovationScores(BaseModel):
    """高企创新能力评价的四项得分(自评或评审), 满分 30 / 30 / 20 / 20."""

    core_ip: int = Field(ge=0, le=30, description="知识产权")
    conversion: int = Field(ge=0, le=30, description="科技成果转化能力")
    rd_management: int = Field(ge=0, le=20, description="研究开发组织管理水平")
    growth: int = Field(ge=0, le=20, description="企业成长性")


class Exclusions(BaseModel):
    """Conditions that rule an enterprise out whatever its figures (true = the condition applies)."""

    prohibited_category: bool = Field(default=False, description="产品或服务属于禁止、限制和淘汰类")
    major_accident: bool = Field(default=False, description="上年或当年发生重大安全、质量事故或严重环境违法")
    research_misconduct: bool = Field(default=False, description="严重科研失信行为")
    dishonest_list: bool = Field(default=False, description="列入经营异常名录或严重违法失信名单")


class DirectRoutes(BaseModel):
    """科技型中小企业直接入库条件(满足其一且满足 1–4 项)."""

    provincial_rd_institution: bool = Field(default=False, description="拥有省级以上研发机构")
    led_standard: bool = Field(default=False, description="近五年主导制定过国际、国家或行业标准")
    national_award: bool = Field(default=False, description="近五年获国家科技奖励(前三名)")
    equity_raised: NonNegativeYuan = Field(
        default=Decimal(0), description="近两年获合格机构投资者新增股权融资(元)"
    )


class CandidateFigures(BaseModel):
    resident: bool = Field(default=True, description="在中国境内(不含港澳台)注册的居民企业")
    years_registered: Decimal = Field(
        ge=0, le=200, max_digits=5, decimal_places=2, description="注册成立年数"
    )
    staff: int = Field(ge=1, le=1_000_000, description="职工总数")
    science_staff: int = Field(ge=0, le=1_000_000, description="科技人员数")
    sales_revenue: list[NonNegativeYuan] = Field(
        min_length=3, max_length=3, description="近三个会计年度销售收入(元),按年份从早到晚"
    )
    rd_spend: list[NonNegativeYuan] = Field(
        min_length=3, max_length=3, description="近三个会计年度研发费用(元),按年份从早到晚"
    )
    rd_domestic_share: Share = Field(default=Decimal(1), description="境内研发费用占全部研发费用比例")
    total_costs: NonNegativeYuan = Field(description="最近一年成本费用总额(元)")
    total_assets: NonNegativeYuan = Field(description="资产总额(元)")
    high_tech_revenue: NonNegativeYuan = Field(description="最近一年高新技术产品(服务)收入(元)")
    ip: IntellectualProperty = Field(default_factory=IntellectualProperty, description="知识产权(件)")
    in_supported_field: bool = Field(default=True, description="核心技术属于《国家重点支持的高新技术领域》")
    innovation_scores: InnovationScores | None = Field(default=None, description="高企创新能力评价得分")
    exclusions: Exclusions = Field(default_factory=Exclusions, description="否决情形(如重大安全、质量事故)")
    direct_routes: DirectRoutes = Field(default_factory=DirectRoutes, description="可直接认定的情形")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.science_staff > self.staff:
            raise ValueError("science_staff exceeds staff")
        if self.high_tech_revenue > self.sales_revenue[-1]:
            raise ValueError("high_tech_revenue exceeds the latest sales_revenue")
        return self

    @property
    def latest_revenue(self) -> Decimal:
        return self.sales_revenue[-1]
