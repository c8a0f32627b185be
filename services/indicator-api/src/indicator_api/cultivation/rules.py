"""The national rules a cultivation candidate is pre-screened against (shared/reference/eligibility.md).

Rules change, so the rule set carries a version and every assessment records it. Lower bounds of
every band are inclusive (“含”). Each condition says its value, its threshold, whether it passed and,
when it failed, by how much.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from pydantic import BaseModel, Field

from indicator_api.cultivation.figures import CandidateFigures

RULESET_VERSION = "2025.1"  # 《科技型中小企业评价办法》(2022) + 《高新技术企业认定管理办法》(2016)

MILLION = Decimal(1_000_000)
TECH_SME_PASS_SCORE = 60
HTE_PASS_SCORE = 70


class Program(StrEnum):
    tech_sme = "tech_sme"  # 科技型中小企业
    hte = "hte"  # 高新技术企业


class Condition(BaseModel):
    code: str = Field(description="条件代码", examples=["rd_intensity"])
    name: str = Field(description="条件", examples=["近三年研发费用占销售收入比例"])
    value: str = Field(description="企业的数值", examples=["3.1%"])
    threshold: str = Field(description="要求", examples=["≥ 4%"])
    passed: bool = Field(description="此条件是否满足")
    shortfall: str | None = Field(default=None, description="未达标时差多少")
    points: int | None = Field(default=None, description="评分项得分")
    max_points: int | None = Field(default=None, description="评分项满分")


class Assessment(BaseModel):
    program: Program = Field(description="评估的培育方向")
    ruleset: str = Field(description="规则版本", examples=[RULESET_VERSION])
    eligible: bool = Field(description="是否符合全部条件")
    route: str | None = Field(description="score 评分达标 / direct 直接入库 / criteria 全部条件达标")
    score: int | None = Field(description="评分(科技型中小企业满分 100;高企创新能力满分 100)")
    conditions: list[Condition] = Field(description="逐项条件及是否满足")


def percent(share: Decimal) -> str:
    text = f"{share * 100:.1f}".rstrip("0").rstrip(".")
    return f"{text}%"


def band(value: Decimal, bands: Sequence[tuple[Decimal, int]]) -> int:
    """Points of the highest band whose (inclusive) lower bound `value` reaches; bands high to low."""
    for lower, points in bands:
        if value >= lower:
            return points
    return 0


def _ratio(numerator: Decimal, denominator: Decimal) -> Decimal:
    return numerator / denominator if denominator > 0 else Decimal(0)


def _limit(code: str, name: str, value: Decimal, limit: Decimal, shown: str, unit: str = "") -> Condition:
    passed = value <= limit
    return Condition.model_construct(
        code=code,
        name=name,
        value=shown,
        threshold=f"≤ {_fmt(limit)}{unit}",
        passed=passed,
        shortfall=None if passed else f"超出 {_fmt(value - limit)}{unit}",
    )


def _fmt(number: Decimal) -> str:
    """Amounts the way the rules state them: 2亿, 5000万, 500."""
    for size, unit in ((100 * MILLION, "亿"), (Decimal(10_000), "万")):
        if abs(number) >= size:
            return f"{number / size:,.2f}".rstrip("0").rstrip(".") + unit
    return f"{number:,.2f}".rstrip("0").rstrip(".")


def _flag(code: str, name: str, ok: bool, failing: str) -> Condition:
    return Condition.model_construct(
        code=code,
        name=name,
        value="是" if ok else "否",
        threshold="是",
        passed=ok,
        shortfall=None if ok else failing,
    )


def _clean_record(figures: CandidateFigures, *, misconduct: bool) -> Condition:
    problems = []
    if figures.exclusions.major_accident:
        problems.append("重大安全、质量事故或严重环境违法")
    if misconduct and figures.exclusions.research_misconduct:
        problems.append("严重科研失信")
    if misconduct and figures.exclusions.dishonest_list:
        problems.append("列入经营异常名录或严重违法失信名单")
    return Condition.model_construct(
        code="clean_record",
        name="无重大事故、违法及失信记录",
        value="、".join(problems) or "无",
        threshold="无",
        passed=not problems,
        shortfall=("存在:" + "、".join(problems)) if problems else None,
    )


SCIENCE_STAFF_BANDS = [
    (Decimal("0.30"), 20),
    (Decimal("0.25"), 16),
    (Decimal("0.20"), 12),
    (Decimal("0.15"), 8),
    (Decimal("0.10"), 4),
]
RD_REVENUE_BANDS = [
    (Decimal("0.06"), 50),
    (Decimal("0.05"), 40),
    (Decimal("0.04"), 30),
    (Decimal("0.03"), 20),
    (Decimal("0.02"), 10),
]
RD_COST_BANDS = [
    (Decimal("0.30"), 50),
    (Decimal("0.25"), 40),
    (Decimal("0.20"), 30),
    (Decimal("0.15"), 20),
    (Decimal("0.10"), 10),
]


def ip_points(class_1: int, class_2: int) -> int:
    if class_1 >= 1:
        return 30
    return {0: 0, 1: 6, 2: 12, 3: 18}.get(class_2, 24)


def assess_tech_sme(figures: CandidateFigures) -> Assessment:
    f = figures
    revenue, rd = f.latest_revenue, f.rd_spend[-1]
    gate = [
        _flag("resident", "境内注册的居民企业", f.resident, "非境内居民企业"),
        _limit("staff_limit", "职工总数", Decimal(f.staff), Decimal(500), f"{f.staff}人", "人"),
        _limit("revenue_limit", "年销售收入", revenue, 200 * MILLION, _fmt(revenue)),
        _limit("assets_limit", "资产总额", f.total_assets, 200 * MILLION, _fmt(f.total_assets)),
        _flag(
            "permitted_products",
            "产品和服务不属于禁止、限制和淘汰类",
            not f.exclusions.prohibited_category,
            "属于禁止、限制或淘汰类",
        ),
        _clean_record(f, misconduct=True),
    ]
    staff_share = _ratio(Decimal(f.science_staff), Decimal(f.staff))
    staff_points = band(staff_share, SCIENCE_STAFF_BANDS)
    by_revenue, by_cost = _ratio(rd, revenue), _ratio(rd, f.total_costs)
    rd_points = max(band(by_revenue, RD_REVENUE_BANDS), band(by_cost, RD_COST_BANDS))
    ip = ip_points(f.ip.class_1, f.ip.class_2)
    score = staff_points + rd_points + ip
    scored = [
        Condition.model_construct(
            code="science_staff_score",
            name="科技人员占职工总数比例",
            value=percent(staff_share),
            threshold="> 0 分(≥ 10%)",
            passed=staff_points > 0,
            points=staff_points,
            max_points=20,
            shortfall=None if staff_points else f"科技人员占比 {percent(staff_share)},至少需 10%",
        ),
        Condition.model_construct(
            code="rd_score",
            name="研发费用占比(销售收入或成本费用,取高者)",
            value=f"占收入 {percent(by_revenue)} / 占成本 {percent(by_cost)}",
            threshold="满分 50",
            passed=True,
            points=rd_points,
            max_points=50,
        ),
        Condition.model_construct(
            code="ip_score",
            name="科技成果(知识产权)",
            value=f"Ⅰ类 {f.ip.class_1} 件, Ⅱ类 {f.ip.class_2} 件",
            threshold="满分 30",
            passed=True,
            points=ip,
            max_points=30,
        ),
        Condition.model_construct(
            code="total_score",
            name="综合评分",
            value=f"{score}分",
            threshold=f"≥ {TECH_SME_PASS_SCORE}分",
            passed=score >= TECH_SME_PASS_SCORE and staff_points > 0,
            shortfall=None if score >= TECH_SME_PASS_SCORE else f"差 {TECH_SME_PASS_SCORE - score} 分",
        ),
    ]
    d = f.direct_routes
    direct_reasons = [
        name
        for ok, name in (
            (d.provincial_rd_institution, "省级以上研发机构"),
            (d.led_standard, "主导制定标准"),
            (d.national_award, "国家科技奖励"),
            (d.equity_raised >= 5 * MILLION, "股权融资 ≥ 500万元"),
        )
        if ok
    ]
    direct = Condition.model_construct(
        code="direct_route",
        name="直接入库条件",
        value="、".join(direct_reasons) or "无",
        threshold="满足其一即可免评分",
        passed=bool(direct_reasons),
    )
    gates_ok = all(c.passed for c in gate)
    by_score = scored[-1].passed
    route = ("score" if by_score else "direct" if direct.passed else None) if gates_ok else None
    return Assessment.model_construct(
        program=Program.tech_sme,
        ruleset=RULESET_VERSION,
        eligible=route is not None,
        route=route,
        score=score,
        conditions=[*gate, *scored, direct],
    )


def rd_intensity_threshold(latest_revenue: Decimal) -> tuple[Decimal, str]:
    if latest_revenue <= 50 * MILLION:
        return Decimal("0.05"), "销售收入 5000万元以下(含)"
    if latest_revenue <= 200 * MILLION:
        return Decimal("0.04"), "销售收入 5000万元至2亿元(含)"
    return Decimal("0.03"), "销售收入 2亿元以上"


def _at_least(code: str, name: str, share: Decimal, needed: Decimal, context: str = "") -> Condition:
    passed = share >= needed
    gap = (needed - share) * 100
    return Condition.model_construct(
        code=code,
        name=name,
        value=percent(share),
        threshold=f"≥ {percent(needed)}",
        passed=passed,
        shortfall=None
        if passed
        else f"{name} {percent(share)}{(',' + context) if context else ''}需达到 "
        f"{percent(needed)}:差 {gap:.1f} 个百分点",
    )


def assess_hte(figures: CandidateFigures) -> Assessment:
    f = figures
    needed, bracket = rd_intensity_threshold(f.latest_revenue)
    intensity = _ratio(sum(f.rd_spend, Decimal(0)), sum(f.sales_revenue, Decimal(0)))
    scores = f.innovation_scores
    innovation = (
        None if scores is None else scores.core_ip + scores.conversion + scores.rd_management + scores.growth
    )
    conditions = [
        Condition.model_construct(
            code="registered_one_year",
            name="注册成立一年以上",
            value=f"{f.years_registered}年",
            threshold="≥ 1年",
            passed=f.years_registered >= 1,
            shortfall=None if f.years_registered >= 1 else f"差 {1 - f.years_registered} 年",
        ),
        _flag(
            "core_ip", "拥有对主要产品起核心支持作用的知识产权", f.ip.class_1 + f.ip.class_2 > 0, "无知识产权"
        ),
        _flag(
            "supported_field",
            "技术属于《国家重点支持的高新技术领域》",
            f.in_supported_field,
            "不属于重点支持领域",
        ),
        _at_least(
            "science_staff_share",
            "科技人员占职工总数比例",
            _ratio(Decimal(f.science_staff), Decimal(f.staff)),
            Decimal("0.10"),
        ),
        _at_least("rd_intensity", "近三年研发费用占销售收入比例", intensity, needed, bracket + "的企业"),
        _at_least("rd_domestic_share", "境内研发费用占比", f.rd_domestic_share, Decimal("0.60")),
        _at_least(
            "high_tech_revenue_share",
            "高新技术产品(服务)收入占总收入比例",
            _ratio(f.high_tech_revenue, f.latest_revenue),
            Decimal("0.60"),
        ),
        Condition.model_construct(
            code="innovation_score",
            name="企业创新能力评价",
            value="未评" if innovation is None else f"{innovation}分",
            threshold=f"≥ {HTE_PASS_SCORE}分",
            passed=innovation is not None and innovation >= HTE_PASS_SCORE,
            points=innovation,
            max_points=100,
            shortfall=None
            if innovation is not None and innovation >= HTE_PASS_SCORE
            else ("尚未评分" if innovation is None else f"差 {HTE_PASS_SCORE - innovation} 分"),
        ),
        _clean_record(f, misconduct=False),
    ]
    eligible = all(c.passed for c in conditions)
    return Assessment.model_construct(
        program=Program.hte,
        ruleset=RULESET_VERSION,
        eligible=eligible,
        route="criteria" if eligible else None,
        score=innovation,
        conditions=conditions,
    )


def assess(figures: CandidateFigures) -> dict[Program, Assessment]:
    return {Program.tech_sme: assess_tech_sme(figures), Program.hte: assess_hte(figures)}


# Every rule set that has produced a stored assessment stays here, so an old candidate is shown the
# conditions of the version it was assessed under. A new version adds an entry; none is edited.
RULESETS = {RULESET_VERSION: assess}


def reassess(figures: CandidateFigures, ruleset: str) -> dict[Program, Assessment]:
    return RULESETS[ruleset](figures)


class Outcome(NamedTuple):
    """What is stored of an assessment: the rest is derived again from the figures when read."""

    tech_sme_eligible: bool
    tech_sme_score: int | None
    hte_eligible: bool
    hte_score: int | None


def outcome(assessments: dict[Program, Assessment]) -> Outcome:
    tech_sme, hte = assessments[Program.tech_sme], assessments[Program.hte]
    return Outcome(tech_sme.eligible, tech_sme.score, hte.eligible, hte.score)
