"""What the registry takes and answers."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from daye_kit.credit_code import CreditCode
from daye_kit.timestamps import Day
from indicator_api.cultivation.figures import CandidateFigures


class QualificationKind(StrEnum):
    tech_sme = "tech_sme"
    hte = "hte"
    new_species = "new_species"


QUALIFICATION_NAMES: dict[QualificationKind, tuple[str, ...]] = {
    QualificationKind.tech_sme: ("科技型中小企业", "科小"),
    QualificationKind.hte: ("高新技术企业", "高企"),
    QualificationKind.new_species: ('湖北省科创"新物种"企业', "新物种"),
}
"""Each qualification's Chinese name as workbooks and reports write it, then the short names a clerk
may type instead."""


def qualification_name(kind: str) -> str:
    return QUALIFICATION_NAMES[QualificationKind(kind)][0]


def qualification_named(name: str) -> QualificationKind | None:
    """The qualification a name (or a short name) stands for; None for anything else."""
    return next((kind for kind, names in QUALIFICATION_NAMES.items() if name in names), None)


class QualificationIn(BaseModel):
    kind: QualificationKind = Field(
        description="资质: tech_sme 科技型中小企业 / hte 高新技术企业 / new_species 新物种"
    )
    granted_on: date = Field(description="认定(入库)日期", examples=["2024-12-10"])
    expires_on: date | None = Field(
        default=None, description="有效期至;不填时:高企 3 年,科技型中小企业当年年底,新物种长期"
    )
    certificate_no: str | None = Field(default=None, max_length=64, description="证书编号")

    @model_validator(mode="after")
    def _expiry_after_grant(self) -> Self:
        if self.expires_on is not None and self.expires_on < self.granted_on:
            raise ValueError("expires_on is before granted_on")
        return self


class QualificationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int = Field(description="资质记录编号")
    credit_code: str = Field(description="所属企业的统一社会信用代码")
    kind: QualificationKind = Field(description="资质类型(如 hte 高新技术企业)")
    granted_year: int = Field(description="认定年度")
    granted_on: date = Field(description="认定日期")
    expires_on: date | None = Field(description="有效期至;长期有效为空")
    certificate_no: str | None = Field(description="证书编号")
    updated_at: datetime = Field(description="记录时间(增量读取按此排序)")


class EnterpriseBase(BaseModel):
    name: str = Field(
        min_length=2, max_length=128, description="企业名称", examples=["大冶市华鑫铸造有限公司"]
    )
    region_code: str = Field(max_length=32, description="所属报送单位代码", examples=["420281101"])
    industry: str = Field(default="", max_length=64, description="行业", examples=["铸造"])
    registered_on: date | None = Field(default=None, description="注册成立日期")


class EnterpriseCreate(EnterpriseBase):
    credit_code: CreditCode
    qualifications: list[QualificationIn] = Field(default_factory=list, description="已有资质(仅管理员可填)")


class EnterpriseUpdate(BaseModel):
    """Only the fields given change. `region_code` only by an admin."""

    name: str | None = Field(default=None, min_length=2, max_length=128, description="企业名称")
    region_code: str | None = Field(default=None, max_length=32, description="所属报送单位代码")
    industry: str | None = Field(default=None, max_length=64, description="行业")
    registered_on: date | None = Field(default=None, description="注册成立日期")


class EnterprisePublic(EnterpriseBase):
    credit_code: str = Field(description="统一社会信用代码")
    qualifications: list[QualificationPublic] = Field(description="资质(含已过期)")
    created_at: datetime = Field(description="登记时间")
    updated_at: datetime = Field(description="最后修改时间")


class EnterpriseFilter(BaseModel):
    """List filters; a township sees its own unit's enterprises, an enterprise itself."""

    region: str | None = Field(default=None, description="报送单位代码")
    industry: str | None = Field(default=None, description="行业(完全匹配)")
    name: str | None = Field(default=None, max_length=64, description="名称包含")
    q: str | None = Field(
        default=None,
        max_length=64,
        description="名称或统一社会信用代码的片段(字母不区分大小写;% 与 _ 按字面匹配)",
        examples=["冶钢"],
    )
    qualification: QualificationKind | None = Field(default=None, description="持有此资质")
    qualified_on: Day | None = Field(
        default=None, description="资质在此日期有效(与 qualification 合用:某日哪些企业是高企)"
    )
    granted_year: int | None = Field(
        default=None, ge=1990, le=2100, description="资质认定年度(如 2024 年新认定高企)"
    )


class QualificationFilter(BaseModel):
    """The qualifications of the enterprises a caller sees (a township its unit's, an enterprise its own)."""

    credit_code: str | None = Field(default=None, max_length=18, description="只看这家企业的资质")
    kind: QualificationKind | None = Field(default=None, description="资质种类")


class EnterpriseFiguresIn(BaseModel):
    """What replaces an enterprise's declared figures (all of them at once)."""

    figures: CandidateFigures = Field(description="企业的申报数据(与培育候选的数据同一格式)")
    as_of: Day = Field(description="数据截至日期", examples=["2025-09-30"])
    source: str = Field(
        default="declared",
        min_length=1,
        max_length=64,
        description="数据来源:declared 企业申报 / township 乡镇核实 / tax 税务数据 等",
        examples=["declared"],
    )


class DeclaredFigures(CandidateFigures):
    """The figures as a read answers them: a model of its own, so that `CandidateFigures` stays one
    (input) schema in the OpenAPI document and the front end's type of it keeps its name."""


class EnterpriseFiguresPublic(BaseModel):
    credit_code: str = Field(description="统一社会信用代码")
    figures: DeclaredFigures = Field(description="企业的申报数据")
    as_of: date = Field(description="数据截至日期")
    source: str = Field(description="数据来源")
    updated_by: str = Field(description="最后修改的账号")
    updated_at: datetime = Field(description="最后修改时间")
