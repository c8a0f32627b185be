"""What an assignment takes and answers."""

from __future__ import annotations

from pydantic import BaseModel, Field

from daye_kit.ids import RowId
from matching_api.demands.schemas import DemandSummary
from matching_api.engine.schemas import Reason
from matching_api.supplies.schemas import SupplySummary


class ExpertSlot(BaseModel):
    supply_id: RowId = Field(description="专家(供给)编号")
    capacity: int | None = Field(
        default=None, ge=1, le=50, description="本次活动最多走访的企业数;不填取专家登记的可服务企业数"
    )


class AssignmentRequest(BaseModel):
    demand_ids: list[RowId] = Field(
        min_length=1, max_length=500, description="参加活动的企业需求(人才或技术需求),每项最多分到一位专家"
    )
    experts: list[ExpertSlot] = Field(min_length=1, max_length=200, description="参加活动的专家及名额")
    min_score: float = Field(default=0.0, ge=0, le=1, description="低于此分的组合不安排")


class AssignedPair(BaseModel):
    demand: DemandSummary = Field(description="需求")
    expert: SupplySummary = Field(description="分派的专家(人才供给)")
    score: float = Field(description="引擎对该组合的评分")
    choice: int = Field(description="该专家在此需求的候选专家中排第几")
    matched_terms: list[str] = Field(description="需求与专家共同的关键词")
    reasons: list[Reason] = Field(description="推荐理由")
    explanation: str = Field(description="为何如此安排")


class Assignment(BaseModel):
    items: list[AssignedPair] = Field(description="需求与专家的一一分派")
    total: int = Field(description="安排的组合数")
    total_score: float = Field(description="所有组合评分之和(被最大化的目标)")
    unassigned_demand_ids: list[int] = Field(description="未安排专家的需求(名额不足或无相关专家)")
    solver: str = Field(examples=["scipy.optimize.linear_sum_assignment"], description="求解所用算法")
