"""What demands take and answer."""

from __future__ import annotations

from datetime import date, datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from daye_kit.credit_code import CreditCode
from daye_kit.money import PositiveYuan
from daye_kit.timestamps import Day
from matching_api.enums import DemandKind, DemandStatus, Financing, ReviewDecision, ReviewStatus


class DemandCreate(BaseModel):
    kind: DemandKind = Field(description="talent 人才 / technology 技术 / finance 金融")
    title: str = Field(
        min_length=4, max_length=200, description="标题", examples=["铝型材挤压生产线节能降耗技术攻关"]
    )
    description: str = Field(
        min_length=10,
        max_length=4000,
        description="需求描述(中文自由文本):要解决的问题、现状、期望",
        examples=["我公司铝加工挤压工序能耗偏高,模具寿命短,希望与高校合作优化挤压工艺,降低单位能耗 15%。"],
    )
    industry: str = Field(default="", max_length=64, description="所属产业链", examples=["铝加工"])
    budget: PositiveYuan | None = Field(default=None, description="人才、技术需求的预算")
    amount_sought: PositiveYuan | None = Field(default=None, description="金融需求的融资金额(必填)")
    financing: Financing | None = Field(default=None, description="金融需求:loan 贷款 / equity 股权(必填)")
    deadline: date = Field(description="征集截止日期(到期未对接成功的需求自动关闭)", examples=["2026-12-31"])
    credit_code: CreditCode | None = Field(
        default=None, description="仅科技局代企业发布时填写;企业账号发布时取自令牌"
    )

    @model_validator(mode="after")
    def _fits_its_kind(self) -> Self:
        if self.kind is DemandKind.finance:
            if self.amount_sought is None or self.financing is None:
                raise ValueError("a finance demand needs amount_sought and financing")
            if self.budget is not None:
                raise ValueError("a finance demand states amount_sought, not budget")
        elif self.amount_sought is not None or self.financing is not None:
            raise ValueError("amount_sought and financing are for finance demands only")
        return self


class DemandUpdate(BaseModel):
    """Only the fields given change, while the demand is open. `status: withdrawn` withdraws it."""

    title: str | None = Field(default=None, min_length=4, max_length=200, description="需求标题")
    description: str | None = Field(default=None, min_length=10, max_length=4000, description="需求描述")
    industry: str | None = Field(default=None, max_length=64, description="行业")
    budget: PositiveYuan | None = Field(default=None, description="人才、技术需求的预算(元)")
    amount_sought: PositiveYuan | None = Field(default=None, description="金融需求的融资金额(元)")
    financing: Financing | None = Field(default=None, description="融资方式(金融需求)")
    deadline: date | None = Field(default=None, description="截止日期")
    status: DemandStatus | None = Field(default=None, description="只可改为 withdrawn(撤回)")


class DemandPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int = Field(description="需求编号")
    kind: DemandKind = Field(description="需求类型:talent 人才 / technology 技术 / finance 金融")
    credit_code: str = Field(description="发布企业统一社会信用代码")
    enterprise_name: str = Field(description="发布企业名称(发布时)")
    region_code: str = Field(description="企业所属报送单位(发布时)")
    qualifications: list[str] = Field(description="发布时企业有效资质")
    title: str = Field(description="需求标题")
    description: str = Field(description="需求描述")
    industry: str = Field(description="行业")
    budget: PositiveYuan | None = Field(description="人才、技术需求的预算(元)")
    amount_sought: PositiveYuan | None = Field(description="金融需求的融资金额(元)")
    financing: Financing | None = Field(description="融资方式(金融需求)")
    deadline: date = Field(description="截止日期")
    status: DemandStatus = Field(
        description="open 征集中 / matched 已对接成功 / closed 到期关闭 / withdrawn 撤回"
    )
    posted_by: str = Field(description="发布人")
    posted_at: datetime = Field(description="发布时间")
    first_response_at: datetime | None = Field(description="首次有供给应答或推荐对接的时间")
    matched_at: datetime | None = Field(description="首次对接成功的时间")
    closed_at: datetime | None = Field(description="关闭时间;未关闭为空")
    updated_at: datetime = Field(description="最后修改时间")
    review_status: ReviewStatus = Field(
        description="科技局审核:pending 待审核(未公开)/ approved 已公开 / rejected 未通过(不公开);"
        "未开启审核时发布即为 approved"
    )
    review_reason: str | None = Field(description="审核意见(未通过时必有)")


class DemandReview(BaseModel):
    decision: ReviewDecision = Field(description="approve 通过(公开)/ reject 不通过", examples=["approve"])
    reason: str | None = Field(
        default=None,
        max_length=500,
        description="审核意见;不通过时必填,告知企业",
        examples=["需求描述不完整,请补充技术指标后重新提交"],
    )


class DemandSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int = Field(description="需求编号")
    kind: DemandKind = Field(description="需求类型:talent 人才 / technology 技术 / finance 金融")
    title: str = Field(description="需求标题")
    credit_code: str = Field(description="发布企业统一社会信用代码")
    enterprise_name: str = Field(description="发布企业名称")
    region_code: str = Field(description="企业所属报送单位代码")
    status: DemandStatus = Field(description="需求状态")


FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)


class DemandFilter(BaseModel):
    kind: DemandKind | None = Field(default=None, description="类别")
    status: DemandStatus | None = Field(default=None, description="状态")
    region: str | None = Field(default=None, max_length=12, description="报送单位代码(乡镇)")
    credit_code: str | None = Field(default=None, max_length=18, description="企业")
    review_status: ReviewStatus | None = Field(default=None, description="审核状态(科技局的待审核列表)")
    # Bounded: a day at either end of the calendar has no local midnight in UTC (OverflowError).
    posted_from: Day | None = Field(default=None, ge=FIRST_DAY, le=LAST_DAY, description="发布日期起(含)")
    posted_to: Day | None = Field(default=None, ge=FIRST_DAY, le=LAST_DAY, description="发布日期止(含)")


class ExpirySweep(BaseModel):
    closed_demands: int = Field(description="本次关闭的到期需求数")
    closed_matches: int = Field(description="随之关闭的待对接记录数")


class Reminders(BaseModel):
    deadline_soon: int = Field(description="本次提醒的 7 天内截止的需求数")
    unanswered: int = Field(description="本次提醒的发布 14 天仍无应答的需求数")
