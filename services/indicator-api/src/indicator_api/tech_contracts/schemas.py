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


class TechContractPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    source: str
    source_id: str
    credit_code: str
    region_code: str
    amount: Yuan
    contract_type: ContractType
    signed_on: date
    recorded_by: str
    recorded_at: datetime
