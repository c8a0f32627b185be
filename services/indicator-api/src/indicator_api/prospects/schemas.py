"""What the prospects, coaching-visit and funnel endpoints take and answer."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from daye_kit.timestamps import Day
from indicator_api.cultivation.rules import Program
from indicator_api.cultivation.schemas import Missing, Stage
from indicator_api.indicators.schemas import Rate


class Shortfall(Missing):
    """One condition the enterprise does not meet, with how far it is from passing."""

    relative_gap: Rate = Field(description="相对差距(0–1,越小越接近达标)", examples=[0.225])


class Prospect(BaseModel):
    credit_code: str = Field(description="统一社会信用代码")
    name: str = Field(description="企业名称")
    program: Program = Field(description="培育方向:hte 高新技术企业 / tech_sme 科技型中小企业")
    closeness: Rate = Field(description="接近程度:已满足条件的比例(0–1)", examples=[0.875])
    met: int = Field(description="已满足的条件数")
    total: int = Field(description="条件总数")
    shortfalls: list[Shortfall] = Field(description="未满足的条件及差距")
    stage: Stage | None = Field(description="该培育方向候选企业的当前阶段;不是候选企业为空")
    last_visit: date | None = Field(description="最近一次该方向的走访日期")
    figures_as_of: date = Field(description="所依据的企业数据截至日期")


class Prospects(BaseModel):
    region_code: str = Field(description="单位代码")
    program: Program = Field(description="培育方向")
    as_of: date = Field(description="判断是否已持有资质的日期(今天)")
    items: list[Prospect] = Field(description="按接近程度排列,最接近的在前")
    total: int = Field(description="本单位尚未持有该资质且有企业数据的企业数(不受 limit 影响)")


class VisitIn(BaseModel):
    visited_on: Day = Field(description="走访日期(不晚于今天)", examples=["2025-10-15"])
    visitor: str = Field(min_length=1, max_length=64, description="走访人", examples=["金牛镇经发办 王敏"])
    advice: str = Field(
        default="", max_length=2000, description="辅导意见", examples=["研发费用归集不全,建议设立研发辅助账"]
    )
    program: Program = Field(description="辅导的培育方向", examples=["hte"])


class StageMove(BaseModel):
    candidate_id: int = Field(description="候选编号")
    from_stage: Stage | None = Field(description="原阶段")
    to_stage: Stage = Field(description="新阶段")
    on: date = Field(description="阶段变更的业务日期")
    by: str = Field(description="操作用户")


class VisitPublic(VisitIn):
    id: int = Field(description="走访编号")
    credit_code: str = Field(description="统一社会信用代码")
    enterprise_name: str = Field(description="企业名称")
    region_code: str = Field(description="走访时企业所属单位")
    created_by: str = Field(description="记录人")
    created_at: datetime = Field(description="记录时间")
    moves: list[StageMove] = Field(
        default_factory=list, description="走访之后(含当天)该企业该方向候选记录的阶段变动"
    )


class Funnel(BaseModel):
    region_code: str = Field(description="单位代码")
    program: Program = Field(description="培育方向")
    year: int = Field(description="年度")
    visited: int = Field(description="当年走访过的企业数")
    candidates: int = Field(description="当年该方向的候选企业数")
    visited_candidates: int = Field(description="其中走访过的候选企业数")
    stages: dict[Stage, int] = Field(description="候选企业按当前阶段计数")
    visited_stages: dict[Stage, int] = Field(description="走访过的候选企业按当前阶段计数")
