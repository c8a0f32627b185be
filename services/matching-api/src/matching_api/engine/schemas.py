"""What the engine answers: ranked supplies, each with its score and the reasons for it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from matching_api.supplies.schemas import SupplySummary

FactorName = Literal["text", "semantic", "fit", "amount", "qualification", "region", "capacity"]


class Reason(BaseModel):
    factor: FactorName = Field(
        description="text 文本相关度 / semantic 语义相关(需求的日常用语经概念词表关联到供给的专业概念,"
        "仅在有关联时出现,与 text 共用文本权重) / fit 领域与产业吻合 / amount 金额 / qualification 资质 / "
        "region 地域 / capacity 专家余量"
    )
    label: str = Field(description="因素中文名", examples=["文本相关度"])
    value: float = Field(ge=0, le=1, description="该因素得分 (0–1)", examples=[0.82])
    weight: float = Field(ge=0, description="权重(服务设置 MATCHING_WEIGHT_*)", examples=[0.4])
    contribution: float = Field(description="对总分的贡献 = value × weight / 权重和", examples=[0.328])
    detail: str = Field(description="说明", examples=["BM25 12.40(本次最高分的 82%);匹配词:铸造、砂型、开裂"])


class Recommendation(BaseModel):
    rank: int = Field(ge=1, description="名次")
    supply: SupplySummary = Field(description="推荐的供给")
    score: float = Field(ge=0, le=1, description="总分:各因素得分的加权平均", examples=[0.7625])
    bm25: float = Field(ge=0, description="原始 BM25 文本得分")
    matched_terms: list[str] = Field(
        description="需求与供给共有的检索词", examples=[["铸造", "砂型", "开裂"]]
    )
    reasons: list[Reason] = Field(description="逐因素的得分与说明")


class Recommendations(BaseModel):
    demand_id: int = Field(description="需求编号")
    items: list[Recommendation] = Field(description="推荐,按评分从高到低")
    total: int = Field(description="满足硬性条件且相关的候选供给数")
    excluded: dict[str, int] = Field(
        description="被硬性条件排除的供给数,按原因:no_relevance 无相关性 / amount_out_of_range 额度不符 / "
        "financing_mode 融资方式不符 / qualification_rule 资质不符 / at_capacity 专家已满",
        examples=[{"no_relevance": 120, "at_capacity": 2}],
    )
    index_version: int = Field(description="计算所依据的供给索引版本(各副本相同版本给出相同结果)")
