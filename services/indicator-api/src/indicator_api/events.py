"""indicator-api's change feed: every event type it publishes at `GET /api/v1/events`, in one place.

Each event's `data` is the resource as the API answers it after the change; its `subject` names the
resource (`<collection>:<key>`), so a consumer that keeps the latest `data` per subject holds a copy.
Datasets (what a consumer key's scope names): `enterprises` (enterprises and their qualifications),
`candidates`, `indicators` (the catalogue, values, targets, quotas) and `tech_contracts`.

Nothing here is deleted through the API; a cancelled technology contract is an update (`status`).
"""

from __future__ import annotations

from daye_kit.feed import EventType
from indicator_api.cultivation.schemas import CandidatePublic, QuotaPublic
from indicator_api.enterprises.schemas import EnterprisePublic, QualificationPublic
from indicator_api.indicators.schemas import IndicatorPublic, TargetPublic, ValuePublic
from indicator_api.reporting.schemas import SubmissionPublic
from indicator_api.tech_contracts.schemas import TechContractPublic

ENTERPRISE_CREATED = EventType(
    name="enterprise.created",
    data=EnterprisePublic,
    dataset="enterprises",
    description="企业登记入库(含随培育候选提交登记的企业)",
)
ENTERPRISE_UPDATED = EventType(
    name="enterprise.updated",
    data=EnterprisePublic,
    dataset="enterprises",
    description="企业信息变更,或新增了资质(data 含全部资质)",
)
QUALIFICATION_ADDED = EventType(
    name="qualification.added",
    data=QualificationPublic,
    dataset="enterprises",
    description="记录一次资质认定(科技型中小企业、高企、新物种;含培育候选被认定)",
)
CANDIDATE_SUBMITTED = EventType(
    name="candidate.submitted",
    data=CandidatePublic,
    dataset="candidates",
    description="乡镇提交培育候选企业(单个、批量或 Excel),含预审结果",
)
CANDIDATE_MOVED = EventType(
    name="candidate.moved",
    data=CandidatePublic,
    dataset="candidates",
    description="培育候选企业移入另一阶段(data 含全部阶段变动)",
)
CANDIDATE_UPDATED = EventType(
    name="candidate.updated",
    data=CandidatePublic,
    dataset="candidates",
    description="培育候选企业的展示信息随企业库变更(如企业更名,enterprise_name 随之改变)",
)
INDICATOR_CREATED = EventType(
    name="indicator.created", data=IndicatorPublic, dataset="indicators", description="新增指标"
)
INDICATOR_UPDATED = EventType(
    name="indicator.updated", data=IndicatorPublic, dataset="indicators", description="修改指标"
)
VALUE_RECORDED = EventType(
    name="indicator_value.recorded",
    data=ValuePublic,
    dataset="indicators",
    description="写入一条指标数值(首次报送或更正产生的新修订;来自报送、批量、Excel、其他服务、技术合同)",
)
TARGET_SET = EventType(
    name="target.set", data=TargetPublic, dataset="indicators", description="设定或修改年度目标"
)
QUOTA_SET = EventType(
    name="quota.set",
    data=QuotaPublic,
    dataset="indicators",
    description="设定乡镇年度培育任务(每单位每项一个)",
)
TECH_CONTRACT_RECORDED = EventType(
    name="tech_contract.recorded",
    data=TechContractPublic,
    dataset="tech_contracts",
    description="登记技术合同(直接报送或科创供应链对接成功)",
)
TECH_CONTRACT_UPDATED = EventType(
    name="tech_contract.updated",
    data=TechContractPublic,
    dataset="tech_contracts",
    description="技术合同更正(新版本)或注销(status 为 cancelled)",
)
SUBMISSION_ACCEPTED = EventType(
    name="submission.accepted",
    data=SubmissionPublic,
    dataset="indicators",
    description="科技局采纳乡镇报送的须审核指标数值(该数值自此计入总览与进度)",
)
SUBMISSION_RETURNED = EventType(
    name="submission.returned",
    data=SubmissionPublic,
    dataset="indicators",
    description="科技局退回乡镇报送的须审核指标数值(含退回理由)",
)

CATALOGUE = [
    ENTERPRISE_CREATED,
    ENTERPRISE_UPDATED,
    QUALIFICATION_ADDED,
    CANDIDATE_SUBMITTED,
    CANDIDATE_MOVED,
    CANDIDATE_UPDATED,
    INDICATOR_CREATED,
    INDICATOR_UPDATED,
    VALUE_RECORDED,
    TARGET_SET,
    QUOTA_SET,
    TECH_CONTRACT_RECORDED,
    TECH_CONTRACT_UPDATED,
    SUBMISSION_ACCEPTED,
    SUBMISSION_RETURNED,
]


def enterprise_subject(credit_code: str) -> str:
    return f"enterprise:{credit_code}"


def qualification_subject(qualification_id: int) -> str:
    return f"qualification:{qualification_id}"


def candidate_subject(candidate_id: int) -> str:
    return f"candidate:{candidate_id}"


def indicator_subject(code: str) -> str:
    return f"indicator:{code}"


def submission_subject(submission_id: int) -> str:
    return f"submission:{submission_id}"


def value_subject(value_id: int) -> str:
    return f"indicator_value:{value_id}"


def target_subject(target: TargetPublic) -> str:
    return f"target:{target.indicator_code}:{target.region_code}:{target.year}"


def quota_subject(quota: QuotaPublic) -> str:
    return f"quota:{quota.region_code}:{quota.year}:{quota.measure.value}"


def tech_contract_subject(contract_id: int) -> str:
    return f"tech_contract:{contract_id}"
