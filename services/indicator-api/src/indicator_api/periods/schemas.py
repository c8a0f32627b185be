"""What the periods answer and accept."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

PeriodStatus = Literal["open", "closed", "reopened"]


class PeriodPublic(BaseModel):
    key: str = Field(description="期间:季度 `2025-Q3` 或月份 `2025-08`", examples=["2025-Q3"])
    kind: Literal["quarter", "month"] = Field(description="quarter 季度 / month 月份")
    starts_on: date = Field(description="期间第一天")
    ends_on: date = Field(description="期间最后一天")
    status: PeriodStatus = Field(
        description="open 未关账 / closed 已关账(关账季度内的月份亦然)/ reopened 已重新打开,"
        "至 recloses_at 自动再关账"
    )
    closed_at: datetime | None = Field(description="最近一次关账时间(月份随季度关账时为季度的关账时间)")
    closed_by: str | None = Field(description="最近一次关账的账号(system 为到期自动再关账)")
    reopened_at: datetime | None = Field(description="最近一次重新打开的时间")
    reopened_by: str | None = Field(description="最近一次重新打开的账号")
    reopen_reason: str | None = Field(description="最近一次重新打开的理由")
    recloses_at: datetime | None = Field(description="重新打开后自动再关账的时间(打开后 7 天)")


class PeriodPage(BaseModel):
    items: list[PeriodPublic] = Field(description="该年度的 4 个季度与 12 个月,季度在其月份之前")
    total: int = Field(description="条数")


class PeriodEventPublic(BaseModel):
    action: Literal["close", "reopen", "reclose"] = Field(
        description="close 关账 / reopen 重新打开 / reclose 到期自动再关账"
    )
    actor: str = Field(description="操作账号;自动再关账为 system")
    reason: str | None = Field(description="重新打开的理由")
    occurred_at: datetime = Field(description="时间")


class PeriodDetail(PeriodPublic):
    history: list[PeriodEventPublic] = Field(description="该期间每次关账、重新打开、自动再关账,按时间先后")


class ReopenIn(BaseModel):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)] = Field(
        description="重新打开的理由(必填),记入期间历史", examples=["统计局更正8月研发投入数据"]
    )
