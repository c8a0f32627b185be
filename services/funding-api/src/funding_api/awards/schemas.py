"""What the award endpoints take and answer."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal, Self

from pydantic import BaseModel, Field, model_validator

from daye_kit.credit_code import CreditCode
from daye_kit.ids import RowId
from daye_kit.money import PositiveYuan, Yuan
from funding_api.awards.models import AwardMode, AwardStatus
from funding_api.programs.models import QualificationKind


class AwardCreate(BaseModel):
    """登记奖补。依申请 (application): 金额与申请编号必填。无申请 (automatic): 按资金项目现行规则,
    企业须在企业库中持有规则要求的资质,金额取规则金额。"""

    program_id: RowId = Field(description="资金项目", examples=[1])
    credit_code: CreditCode
    mode: AwardMode = Field(
        default=AwardMode.application, description="兑现方式: application 依申请 / automatic 无申请兑现"
    )
    amount: PositiveYuan | None = Field(default=None, description="奖补金额(元)", examples=["300000.00"])
    application_no: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="申请编号(依申请兑现必填)",
        examples=["KJCX-2025-017"],
    )
    note: str = Field(default="", max_length=500, description="说明")

    @model_validator(mode="after")
    def _basis_given(self) -> Self:
        if self.mode is AwardMode.application:
            if self.amount is None:
                raise ValueError("an application award needs an amount")
            if self.application_no is None:
                raise ValueError("an application award needs application_no")
        elif self.application_no is not None:
            raise ValueError("an automatic award is based on the programme's rule, not an application")
        return self


class AwardBasis(BaseModel):
    """兑现依据: the rule version an automatic award was made under, or the application."""

    kind: Literal["rule", "application"]
    description: str = Field(description="依据说明")
    rule_id: int | None = None
    rule_version: int | None = None
    qualification: QualificationKind | None = None
    granted_year: int | None = None
    application_no: str | None = None


class AwardPublic(BaseModel):
    id: int
    program_id: int
    program_name: str
    credit_code: str = Field(description="统一社会信用代码")
    enterprise_name: str = Field(description="企业名称(登记奖补时企业库中的名称)")
    region_code: str = Field(description="所属报送单位(登记奖补时企业库中的单位)")
    amount: Yuan = Field(description="奖补金额(元)")
    mode: AwardMode
    period: int | None = Field(description="无申请兑现的所属期间(资质认定年度)")
    basis: AwardBasis
    status: AwardStatus = Field(description="pending 待审核 / approved 已批准 / rejected 已驳回")
    paid: Yuan = Field(description="已拨付(元),来自分户账")
    outstanding: Yuan = Field(description="未兑现(元):已批准奖补减已拨付;未批准为 0")
    note: str
    created_by: str = Field(description="经办人")
    created_at: datetime
    created_request_id: str | None
    decided_by: str | None = Field(description="审核人(不得为经办人)")
    decided_at: datetime | None
    decided_request_id: str | None
    decision_note: str
    approved_on: date | None = Field(description="批准日期(账龄自此起算)")
    updated_at: datetime = Field(description="最后修改时间;增量读取 (`updated_since`、`after`) 按它排序")


class AwardFilter(BaseModel):
    program_id: RowId | None = Field(default=None, description="资金项目")
    credit_code: str | None = Field(default=None, max_length=18, description="统一社会信用代码")
    region: str | None = Field(default=None, max_length=32, description="报送单位代码")
    status: AwardStatus | None = Field(default=None, description="状态")
    mode: AwardMode | None = Field(default=None, description="兑现方式")


class Approval(BaseModel):
    note: str = Field(default="", max_length=500, description="审核意见")


class Rejection(BaseModel):
    reason: str = Field(min_length=2, max_length=500, description="驳回理由")


class GenerationResult(BaseModel):
    """无申请兑现生成结果。同一项目、企业、期间只生成一次:再次运行不会新增。"""

    program_id: int
    rule_id: int
    rule_version: int
    qualification: QualificationKind
    granted_year: int
    qualified: int = Field(description="企业库中符合规则的企业数")
    created: int = Field(description="本次新生成的奖补数")
    existing: int = Field(description="此前已生成、本次跳过的数")
    awards: list[AwardPublic] = Field(description="本次新生成的奖补(待审核)")
