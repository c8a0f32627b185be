"""What the ledger endpoints take and answer."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from daye_kit.ids import RowId
from daye_kit.money import Yuan
from daye_kit.timestamps import Day
from funding_api.ledger.models import Account, PostingKind


class EntryFilter(BaseModel):
    account: Account | None = Field(
        default=None,
        description="科目: funding_source 资金来源 / program_available 项目可用预算 / "
        "award_payable 应付奖补 / award_paid 已拨付",
    )
    program_id: RowId | None = Field(default=None, description="资金项目")
    award_id: RowId | None = Field(default=None, description="奖补事项")
    # Postings are BIGINT: their own, wider range.
    posting_id: int | None = Field(default=None, ge=1, le=2**63 - 1, description="凭证(记账)编号")
    kind: PostingKind | None = Field(
        default=None,
        description="业务类型: budget_allocated 预算下达 / award_approved 奖补批准 / disbursement 拨付 / "
        "reversal 冲正",
    )
    value_from: Day | None = Field(default=None, description="记账日期不早于")
    value_to: Day | None = Field(default=None, description="记账日期不晚于")


class EntryPublic(BaseModel):
    """One line of a posting (分录). Debits are positive, credits negative; a posting sums to zero."""

    id: int = Field(description="分录编号")
    posting_id: int = Field(description="所属凭证")
    kind: PostingKind = Field(description="凭证的业务类型")
    account: Account = Field(description="科目")
    program_id: int = Field(description="资金项目编号")
    award_id: int | None = Field(description="相关奖补编号;预算类分录为空")
    amount: Yuan = Field(description="金额(元),借正贷负")
    value_date: date = Field(description="记账日期")
    reverses_posting_id: int | None = Field(description="冲正的原凭证")
    memo: str = Field(description="摘要")
    created_by: str = Field(description="记账人")
    created_at: datetime = Field(description="记账时间")
    request_id: str | None = Field(description="请求编号")


class UnbalancedPosting(BaseModel):
    posting_id: int = Field(description="借贷不平的凭证编号")
    total: Yuan = Field(description="分录合计(应为 0)")
    lines: int = Field(description="分录条数(至少 2)")


class AwardMismatch(BaseModel):
    award_id: int = Field(description="对不上的奖补编号")
    check: str = Field(description="未通过的检查")
    expected: Yuan = Field(description="按奖补记录应有的金额(元)")
    actual: Yuan = Field(description="分户账中的金额(元)")


class ProgramMismatch(BaseModel):
    program_id: int = Field(description="对不上的资金项目编号")
    check: str = Field(description="未通过的检查")
    expected: Yuan = Field(description="按奖补与拨付应有的金额(元)")
    actual: Yuan = Field(description="分户账中的金额(元)")


class Reconciliation(BaseModel):
    """对账结果: every posting balances; award and programme balances equal their records."""

    ok: bool = Field(description="全部检查通过")
    postings: int = Field(description="凭证数")
    entries: int = Field(description="分录数")
    unbalanced_postings: list[UnbalancedPosting] = Field(description="借贷不平的凭证")
    award_mismatches: list[AwardMismatch] = Field(description="余额与奖补金额或拨付记录不符的奖补")
    program_mismatches: list[ProgramMismatch] = Field(description="余额与预算或已批准奖补不符的资金项目")
