"""The vocabularies matching-api shares between its features."""

from __future__ import annotations

from enum import StrEnum


class DemandKind(StrEnum):
    talent = "talent"  # 人才需求
    technology = "technology"  # 技术需求
    finance = "finance"  # 金融需求


class DemandStatus(StrEnum):
    open = "open"  # 征集中
    matched = "matched"  # 已对接成功
    closed = "closed"  # 到期关闭
    withdrawn = "withdrawn"  # 企业撤回


class ReviewStatus(StrEnum):
    pending = "pending"  # 待审核:尚未公开
    approved = "approved"  # 已通过(或无需审核):公开,进入需求大厅
    rejected = "rejected"  # 未通过:不公开


class ReviewDecision(StrEnum):
    approve = "approve"
    reject = "reject"


class Financing(StrEnum):
    loan = "loan"  # 债权融资(贷款)
    equity = "equity"  # 股权融资


class SupplyKind(StrEnum):
    expert = "expert"  # 专家与团队
    technology = "technology"  # 技术与成果
    finance_product = "finance_product"  # 金融产品


class SupplyStatus(StrEnum):
    active = "active"
    withdrawn = "withdrawn"


class Maturity(StrEnum):
    concept = "concept"  # 概念验证
    lab = "lab"  # 实验室阶段
    pilot = "pilot"  # 小试/中试
    industrial = "industrial"  # 已产业化


class Qualification(StrEnum):
    # The registry's qualifications (indicator-api) a financial product may be limited to.
    tech_sme = "tech_sme"
    hte = "hte"
    new_species = "new_species"


# How the engine's explanations name them (new_species: 湖北省科创"新物种"企业).
QUALIFICATION_NAMES: dict[str, str] = {
    Qualification.tech_sme: "科技型中小企业",
    Qualification.hte: "高新技术企业",
    Qualification.new_species: "科创新物种企业",
}


class MatchStatus(StrEnum):
    proposed = "proposed"  # 已推荐/已应答,待对接
    docking = "docking"  # 对接中
    succeeded = "succeeded"  # 对接成功
    failed = "failed"  # 对接失败
    withdrawn = "withdrawn"  # 撤回
    closed = "closed"  # 需求到期关闭


class MatchOrigin(StrEnum):
    enterprise = "enterprise"  # 企业从推荐中选定
    supplier = "supplier"  # 供给方揭榜/应答
    bureau = "bureau"  # 科技局撮合


class ContractStatus(StrEnum):
    pending = "pending"  # 待报送:最近一次合同变更仍在发件箱中
    reported = "reported"  # 已登记到 indicator-api
    cancelled = "cancelled"  # 对接撤销,indicator-api 已注销该合同


class ContractType(StrEnum):
    development = "development"  # 技术开发
    transfer = "transfer"  # 技术转让
    consulting = "consulting"  # 技术咨询
    service = "service"  # 技术服务


# Which kinds of supply can serve which kind of demand.
SERVES: dict[DemandKind, tuple[SupplyKind, ...]] = {
    DemandKind.talent: (SupplyKind.expert,),
    DemandKind.technology: (SupplyKind.technology, SupplyKind.expert),
    DemandKind.finance: (SupplyKind.finance_product,),
}
