"""What the supply catalogue takes and answers."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from daye_kit.money import PositiveYuan
from matching_api.enums import Financing, Maturity, Qualification, SupplyKind, SupplyStatus

RegionCode = Annotated[
    str,
    Field(
        pattern=r"^\d{2,9}$",
        description="所在地行政区划或报送单位代码:42 湖北省、4201 武汉市、4202 黄石市、420281 大冶市、"
        "420281101 金牛镇",
        examples=["420100"],
    ),
]
Term = Annotated[str, Field(min_length=1, max_length=32)]
Rate = Annotated[
    Decimal,
    Field(ge=0, le=1, max_digits=5, decimal_places=4, description="年利率(小数,0.0385 即 3.85%)"),
]

# What each kind may carry besides the common fields.
_ONLY_FOR: dict[str, set[SupplyKind]] = {
    "capacity": {SupplyKind.expert},
    "maturity": {SupplyKind.technology},
    "price": {SupplyKind.expert, SupplyKind.technology},
    "min_amount": {SupplyKind.finance_product},
    "max_amount": {SupplyKind.finance_product},
    "rate": {SupplyKind.finance_product},
    "financing": {SupplyKind.finance_product},
    "qualification_rule": {SupplyKind.finance_product},
}


class SupplyFields(BaseModel):
    name: str = Field(
        min_length=2,
        max_length=128,
        description="名称:专家姓名或团队名、技术成果名、金融产品名",
        examples=["张明远教授团队(铸造工艺与缺陷控制)"],
    )
    provider: str = Field(
        min_length=2, max_length=128, description="所属机构、成果所有人或放款机构", examples=["武汉理工大学"]
    )
    description: str = Field(
        min_length=4,
        max_length=4000,
        description="简介(中文自由文本):研究方向、技术内容、产品条件",
        examples=["长期从事铸造工艺优化与铸件缺陷控制,可为企业解决砂型铸造开裂、气孔等问题。"],
    )
    fields: list[Term] = Field(
        default_factory=list, max_length=20, description="专业领域或技术方向", examples=[["铸造", "热处理"]]
    )
    industries: list[Term] = Field(
        default_factory=list, max_length=20, description="服务的产业链", examples=[["铸造", "汽车零部件"]]
    )
    region_code: RegionCode = "42"
    contact: str = Field(default="", max_length=128, description="联系方式")
    owner_username: str | None = Field(
        default=None,
        max_length=64,
        description="代表供给方操作的账号(可揭榜应答、推进对接);不填则由科技局代为处理。"
        "供给方账号 (supplier) 登记时为其本人,不可填他人",
    )


class SupplyCreate(SupplyFields):
    kind: SupplyKind = Field(description="expert 专家与团队 / technology 技术成果 / finance_product 金融产品")
    capacity: int | None = Field(
        default=None, ge=0, le=1000, description="专家:可同时服务的企业数(必填)", examples=[3]
    )
    price: PositiveYuan | None = Field(default=None, description="技术:转让或许可价格;专家:参考服务费")
    maturity: Maturity | None = Field(default=None, description="技术成熟度")
    min_amount: PositiveYuan | None = Field(default=None, description="金融产品:最低额度")
    max_amount: PositiveYuan | None = Field(default=None, description="金融产品:最高额度(必填)")
    rate: Rate | None = Field(default=None, description="金融产品的年利率(小数,如 0.0385)")
    financing: Financing | None = Field(default=None, description="金融产品:loan 贷款 / equity 股权(必填)")
    qualification_rule: list[Qualification] = Field(
        default_factory=list,
        description="金融产品:准入资质,满足其一即可(如仅限高新技术企业或科技型中小企业);空为不限",
    )

    @model_validator(mode="after")
    def _fits_its_kind(self) -> Self:
        for name, kinds in _ONLY_FOR.items():
            value = getattr(self, name)
            if value not in (None, []) and self.kind not in kinds:
                raise ValueError(f"{name} does not apply to a supply of kind {self.kind.value}")
        if self.kind is SupplyKind.expert and self.capacity is None:
            raise ValueError("an expert needs a capacity (how many enterprises at a time)")
        if self.kind is SupplyKind.finance_product:
            if self.max_amount is None or self.financing is None:
                raise ValueError("a financial product needs max_amount and financing")
            if self.min_amount is not None and self.min_amount > self.max_amount:
                raise ValueError("min_amount is above max_amount")
        return self


class SupplyUpdate(BaseModel):
    """Only the fields given change; `status: withdrawn` takes a supply out of matching."""

    name: str | None = Field(default=None, min_length=2, max_length=128, description="名称")
    provider: str | None = Field(default=None, min_length=2, max_length=128, description="提供方")
    description: str | None = Field(default=None, min_length=4, max_length=4000, description="说明")
    fields: list[Term] | None = Field(default=None, max_length=20, description="专业领域")
    industries: list[Term] | None = Field(default=None, max_length=20, description="服务行业")
    region_code: RegionCode | None = Field(default=None, description="所在报送单位代码")
    contact: str | None = Field(default=None, max_length=128, description="联系方式")
    capacity: int | None = Field(default=None, ge=0, le=1000, description="同时可承接的对接数")
    price: PositiveYuan | None = Field(default=None, description="参考价格(元)")
    maturity: Maturity | None = Field(default=None, description="技术成熟度")
    min_amount: PositiveYuan | None = Field(default=None, description="金融产品的最低金额(元)")
    max_amount: PositiveYuan | None = Field(default=None, description="金融产品的最高金额(元)")
    rate: Rate | None = Field(default=None, description="金融产品的年利率(小数)")
    qualification_rule: list[Qualification] | None = Field(default=None, description="申请企业须持有的资质")
    status: SupplyStatus | None = Field(default=None, description="active 在架 / withdrawn 下架")


class SupplyPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int = Field(description="供给编号")
    kind: SupplyKind = Field(
        description="供给类型:expert 专家与团队 / technology 技术与成果 / finance_product 金融产品"
    )
    name: str = Field(description="名称")
    provider: str = Field(description="提供方(高校、院所、银行等)")
    description: str = Field(description="说明")
    fields: list[str] = Field(description="专业领域")
    industries: list[str] = Field(description="服务行业")
    region_code: str = Field(description="所在报送单位代码")
    contact: str = Field(description="联系方式")
    owner_username: str | None = Field(description="维护此供给的供给方账号")
    capacity: int | None = Field(description="同时可承接的对接数")
    price: PositiveYuan | None = Field(description="参考价格(元)")
    maturity: Maturity | None = Field(description="技术成熟度")
    min_amount: PositiveYuan | None = Field(description="金融产品的最低金额(元)")
    max_amount: PositiveYuan | None = Field(description="金融产品的最高金额(元)")
    rate: Rate | None = Field(description="金融产品的年利率(小数)")
    financing: Financing | None = Field(description="融资方式(金融产品)")
    qualification_rule: list[Qualification] = Field(description="申请企业须持有的资质")
    status: SupplyStatus = Field(description="供给状态")
    revision: int = Field(description="引擎索引版本号:每次新增或修改递增")
    created_at: datetime = Field(description="创建时间")
    updated_at: datetime = Field(description="最后修改时间")


class SupplySummary(BaseModel):
    """A supply as recommendations and docking records show it."""

    model_config = ConfigDict(from_attributes=True)

    id: int = Field(description="供给编号")
    kind: SupplyKind = Field(
        description="供给类型:expert 专家与团队 / technology 技术与成果 / finance_product 金融产品"
    )
    name: str = Field(description="名称")
    provider: str = Field(description="提供方")
    region_code: str = Field(description="所在报送单位代码")


class SupplyFilter(BaseModel):
    kind: SupplyKind | None = Field(default=None, description="类别")
    status: SupplyStatus | None = Field(default=SupplyStatus.active, description="状态(默认只列在架的)")
    provider: str | None = Field(default=None, max_length=64, description="机构名称包含")
    q: str | None = Field(default=None, max_length=64, description="名称或简介包含")
    owner: str | None = Field(default=None, max_length=64, description="代表账号")
    mine: bool = Field(default=False, description="只列调用者自己的供给(`owner_username` 为本账号)")
