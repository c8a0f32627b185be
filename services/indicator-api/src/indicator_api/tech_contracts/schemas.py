from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from daye_kit.credit_code import CreditCode
from daye_kit.money import PositiveYuan, Yuan


class ContractType(StrEnum):
    development = "development"  # 技术开发
    transfer = "transfer"  # 技术转让
    consulting = "consulting"  # 技术咨询
    service = "service"  # 技术服务


class TechContractIn(BaseModel):
    """A contract as a reporter sends it; `source` + `source_id` name its origin (a docking is
    `matching-api` + the docking's id)."""

    source: str = Field(min_length=1, max_length=32, description="来源系统", examples=["matching-api"])
    source_id: str = Field(
        min_length=1, max_length=64, description="来源系统中的编号(幂等键)", examples=["match-1024"]
    )
    credit_code: CreditCode
    amount: PositiveYuan = Field(description="合同金额(元)")
    contract_type: ContractType = Field(
        description="development 开发 / transfer 转让 / consulting 咨询 / service 服务"
    )
    signed_on: date = Field(description="签订日期")


class ContractStatus(StrEnum):
    active = "active"  # 有效,计入技术合同成交额
    cancelled = "cancelled"  # 已注销(来源对接被撤销),不计入


class TechContractFilter(BaseModel):
    # Not `extra="forbid"`: FastAPI hands a query model every query parameter, paging's too.
    source: str | None = Field(default=None, max_length=32, description="来源系统", examples=["matching-api"])
    source_id: str | None = Field(default=None, max_length=64, description="来源系统中的编号(如对接记录编号)")
    signed_month: str | None = Field(
        default=None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="签订月份 YYYY-MM", examples=["2025-06"]
    )
    region_code: str | None = Field(default=None, max_length=12, description="企业所属单位代码")
    status: ContractStatus | None = Field(default=None, description="active / cancelled")


class TechContractPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int = Field(description="技术合同记录编号")
    source: str = Field(description="来源系统")
    source_id: str = Field(description="来源系统中的编号")
    credit_code: str = Field(description="企业统一社会信用代码")
    region_code: str = Field(description="企业所属报送单位代码")
    amount: Yuan = Field(description="合同金额(元)")
    contract_type: ContractType = Field(
        description="合同类型:development 开发 / transfer 转让 / consulting 咨询 / service 服务"
    )
    signed_on: date = Field(description="签订日期")
    recorded_by: str = Field(description="登记人")
    recorded_at: datetime = Field(description="登记时间")
    status: ContractStatus = Field(description="active 有效 / cancelled 已注销")
    revision: int = Field(description="版本:登记为 1,每次更正加一")
    updated_at: datetime = Field(description="最近一次变更(登记、更正或注销)的时间")
    cancelled_at: datetime | None = Field(description="注销时间;有效为空")
