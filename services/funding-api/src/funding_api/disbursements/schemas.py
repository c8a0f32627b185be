"""What the disbursement endpoints take and answer."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from daye_kit.ids import RowId
from daye_kit.money import PositiveYuan, Yuan


class DisbursementIn(BaseModel):
    amount: PositiveYuan = Field(description="拨付金额(元)", examples=["150000.00"])
    paid_on: date | None = Field(
        default=None,
        description="拨付日期;默认今天(北京时间)。不得晚于今天,也不得早于该奖补上一笔记账的日期",
    )
    reference: str = Field(default="", max_length=64, description="支付凭证号", examples=["DYCZ-2025-0931"])
    note: str = Field(default="", max_length=500, description="说明")


class DisbursementStatus(StrEnum):
    paid = "paid"  # 已拨付
    reversed = "reversed"  # 已冲正


class DisbursementPublic(BaseModel):
    id: int = Field(description="拨付编号")
    award_id: int = Field(description="所拨付的奖补编号")
    program_id: int = Field(description="资金项目编号")
    credit_code: str = Field(description="收款企业统一社会信用代码")
    enterprise_name: str = Field(description="收款企业名称")
    amount: Yuan = Field(description="拨付金额(元)")
    paid_on: date = Field(description="拨付日期")
    reference: str = Field(description="支付凭证号")
    note: str = Field(description="备注")
    posting_id: int = Field(description="分户账凭证")
    idempotency_key: str | None = Field(description="请求所带的 Idempotency-Key")
    status: DisbursementStatus = Field(description="paid 已拨付 / reversed 已冲正")
    reversal_posting_id: int | None = Field(description="冲正凭证")
    created_by: str = Field(description="经办人")
    created_at: datetime = Field(description="拨付登记时间")
    request_id: str | None = Field(description="拨付请求的请求编号(对照审计日志)")
    updated_at: datetime = Field(description="最后修改时间;增量读取 (`updated_since`、`after`) 按它排序")


class DisbursementCreated(DisbursementPublic):
    """The answer to a payment, replayed unchanged to every retry with the same Idempotency-Key."""

    award_paid: Yuan = Field(description="本笔拨付后该奖补已拨付(元)")
    award_outstanding: Yuan = Field(description="本笔拨付后该奖补未兑现(元)")


class ReversalIn(BaseModel):
    reason: str = Field(
        min_length=2, max_length=500, description="冲正理由", examples=["银行退票:账户已注销"]
    )


class DisbursementFilter(BaseModel):
    award_id: RowId | None = Field(default=None, description="奖补")
    program_id: RowId | None = Field(default=None, description="资金项目")
    credit_code: str | None = Field(default=None, max_length=18, description="统一社会信用代码")
