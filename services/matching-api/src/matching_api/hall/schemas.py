"""What the hall shows and what a response takes."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from daye_kit.ids import RowId
from daye_kit.money import PositiveYuan
from matching_api.enums import DemandKind, Financing


class HallItem(BaseModel):
    """An open, public demand as suppliers see it: what is asked, not who asks (no credit code,
    no contact); the enterprise is named by its township and industry only."""

    id: int = Field(description="需求编号")
    kind: DemandKind = Field(description="需求类型:talent 人才 / technology 技术 / finance 金融")
    title: str = Field(description="需求标题")
    description: str = Field(description="需求描述")
    industry: str = Field(description="行业")
    region_code: str = Field(description="企业所属报送单位代码")
    enterprise_label: str = Field(
        description="匿名的企业称呼(乡镇 + 行业),不含名称与信用代码", examples=["金湖街道某铸造企业"]
    )
    budget: PositiveYuan | None = Field(description="人才、技术需求的预算(元)")
    amount_sought: PositiveYuan | None = Field(description="金融需求的融资金额(元)")
    financing: Financing | None = Field(description="融资方式(金融需求)")
    deadline: date = Field(description="征集截止日期")
    posted_at: datetime = Field(description="发布时间")
    matched_fields: list[str] = Field(description="需求中出现的、所筛选的领域词", examples=[["铸造"]])
    responded: bool = Field(description="调用者是否已以其供给应答(或已有对接记录)")
    relevance: float = Field(
        ge=0,
        le=1,
        description="匹配引擎对调用者最相关的一项在架供给给出的评分 (0–1);"
        "调用者没有可服务此需求的相关供给为 0",
        examples=[0.72],
    )
    best_supply_id: int | None = Field(description="调用者最相关的供给编号(应答时可选用);无则为空")


class HallPage(BaseModel):
    items: list[HallItem] = Field(description="本页需求,按发布时间倒序")
    total: int = Field(description="符合条件的需求总数")
    fields: list[str] = Field(description="本次按其筛选的领域(未指定时取调用者在架供给的领域与服务行业)")


class ResponseCreate(BaseModel):
    supply_id: RowId = Field(description="以哪一项本账号维护的在架供给应答")
    message: str = Field(
        default="",
        max_length=2000,
        description="应答留言:能解决什么、怎样合作",
        examples=["我校铸造团队可在两周内赴厂诊断气孔缺陷,并提供浇注系统优化方案。"],
    )
