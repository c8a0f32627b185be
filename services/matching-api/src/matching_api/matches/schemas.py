"""What docking records take and answer."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from daye_kit.ids import RowId
from daye_kit.money import PositiveYuan
from matching_api.demands.schemas import DemandSummary
from matching_api.enums import ContractStatus, ContractType, MatchOrigin, MatchStatus
from matching_api.supplies.schemas import SupplySummary


class MatchCreate(BaseModel):
    demand_id: RowId = Field(description="需求编号")
    supply_id: RowId = Field(description="供给编号")
    note: str = Field(
        default="",
        max_length=2000,
        description="留言:应答内容或对接说明",
        examples=["可于下周赴企业现场诊断"],
    )


class Contract(BaseModel):
    amount: PositiveYuan = Field(description="技术合同成交金额(元)", examples=["1200000.00"])
    contract_type: ContractType = Field(
        description="development 技术开发 / transfer 技术转让 / consulting 技术咨询 / service 技术服务"
    )
    signed_on: date = Field(description="签订日期", examples=["2025-06-30"])


class MatchUpdate(BaseModel):
    status: MatchStatus = Field(description="目标状态")
    note: str = Field(default="", max_length=2000, description="本次变更说明")
    contract: Contract | None = Field(
        default=None,
        description="仅在改为 succeeded 时可填:技术合同,经发件箱报送 indicator-api 计入技术合同成交额",
    )


class ContractPublic(Contract):
    reported_at: datetime | None = Field(description="登记到 indicator-api 的时间")


class MatchPublic(BaseModel):
    id: int = Field(description="对接记录编号")
    demand: DemandSummary = Field(description="需求")
    supply: SupplySummary = Field(description="供给")
    status: MatchStatus = Field(
        description="proposed 待对接 / docking 对接中 / succeeded 成功 / failed 失败 / withdrawn 撤回 / "
        "closed 到期关闭"
    )
    origin: MatchOrigin = Field(
        description="enterprise 企业选定 / supplier 供给方揭榜应答 / bureau 科技局撮合"
    )
    score: float | None = Field(description="建立时引擎对该供给的评分")
    note: str = Field(description="备注")
    created_by: str = Field(description="发起人")
    contract: ContractPublic | None = Field(description="签订的技术合同;未签约为空")
    contract_status: ContractStatus | None = Field(
        description="技术合同报送状态:pending 待报送 / reported 已登记 / cancelled 已注销;无合同为 null"
    )
    contract_revision: int = Field(description="合同版本:每次报送、补录、更正、注销加一;0 为从未有合同")
    next_states: list[MatchStatus] = Field(description="当前状态可以转到的状态")
    created_at: datetime = Field(description="发起时间")
    updated_at: datetime = Field(description="最后修改时间")
    finished_at: datetime | None = Field(description="结束(成功或失败)时间;进行中为空")


class MatchEventPublic(BaseModel):
    from_status: MatchStatus | None = Field(description="原状态;发起时为空")
    to_status: MatchStatus = Field(description="新状态")
    actor: str = Field(description="操作用户")
    note: str = Field(description="说明")
    at: datetime = Field(description="时间")


class MatchDetail(MatchPublic):
    events: list[MatchEventPublic] = Field(description="状态变更记录")


class MatchFilter(BaseModel):
    demand_id: RowId | None = None
    supply_id: RowId | None = None
    status: MatchStatus | None = None
    mine: bool = Field(default=False, description="只列调用者维护的供给的对接记录(供给方的“我的对接”)")
