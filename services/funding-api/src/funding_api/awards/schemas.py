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

    kind: Literal["rule", "application"] = Field(
        description="依据类型:rule 无申请兑现规则 / application 企业申请"
    )
    description: str = Field(description="依据说明")
    rule_id: int | None = Field(default=None, description="生成此奖补的兑现规则编号(依规则生成时)")
    rule_version: int | None = Field(default=None, description="生成时的规则版本")
    qualification: QualificationKind | None = Field(
        default=None, description="触发兑现的资质(如高新技术企业 hte)"
    )
    granted_year: int | None = Field(default=None, description="资质认定年度")
    application_no: str | None = Field(default=None, description="申请编号(依申请兑现时)")


class AwardPublic(BaseModel):
    id: int = Field(description="奖补编号")
    program_id: int = Field(description="所属资金项目编号")
    program_name: str = Field(description="所属资金项目名称")
    credit_code: str = Field(description="统一社会信用代码")
    enterprise_name: str = Field(description="企业名称(登记奖补时企业库中的名称)")
    region_code: str = Field(description="所属报送单位(登记奖补时企业库中的单位)")
    amount: Yuan = Field(description="奖补金额(元)")
    mode: AwardMode = Field(description="兑现方式:automatic 无申请兑现 / application 依申请兑现")
    period: int | None = Field(description="无申请兑现的所属期间(资质认定年度)")
    basis: AwardBasis = Field(description="奖补依据(规则或申请)")
    status: AwardStatus = Field(description="pending 待审核 / approved 已批准 / rejected 已驳回")
    paid: Yuan = Field(description="已拨付(元),来自分户账")
    outstanding: Yuan = Field(description="未兑现(元):已批准奖补减已拨付;未批准为 0")
    note: str = Field(description="经办备注")
    created_by: str = Field(description="经办人")
    created_at: datetime = Field(description="登记时间")
    created_request_id: str | None = Field(description="登记请求的请求编号(对照审计日志)")
    decided_by: str | None = Field(description="审核人(不得为经办人)")
    decided_at: datetime | None = Field(description="批准或驳回时间;待复核为空")
    decided_request_id: str | None = Field(description="批准或驳回请求的请求编号")
    decision_note: str = Field(description="复核意见")
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

    program_id: int = Field(description="资金项目编号")
    rule_id: int = Field(description="所用兑现规则编号")
    rule_version: int = Field(description="所用规则版本")
    qualification: QualificationKind = Field(description="据以生成的资质")
    granted_year: int = Field(description="据以生成的资质认定年度")
    qualified: int = Field(description="企业库中符合规则的企业数")
    created: int = Field(description="本次新生成的奖补数")
    existing: int = Field(description="此前已生成、本次跳过的数")
    awards: list[AwardPublic] = Field(description="本次新生成的奖补(待审核)")
