"""The policy calculator: what one enterprise could get now or next, from the registry's
qualifications, its declared figures judged by the national rules (`cultivation/rules.py`), and
funding-api's programmes, their no-application rules and the enterprise's awards.

Pure: no database, no HTTP. A qualification (高企, 科技型中小企业) is
- `held` when a grant is valid on the day,
- `eligible_now` when the figures meet every condition of the rules,
- `next` when at most `NEXT_WITHIN` conditions fail and none of them rules the enterprise out
  whatever it does (a size limit, a bad record, a field outside the supported ones),
- `not_eligible` otherwise, or without figures to judge by.
A programme with a no-application rule ("each enterprise granted <qualification> in <year> gets
<amount>") is `held` when funding-api has an award of it for the enterprise (pending or approved),
`eligible_now` when the enterprise holds the qualification granted in the rule's year (the award is
due, not yet made), `next` when it does not hold it yet but the year is not over and the
qualification is `eligible_now` or `next` for it, and `not_eligible` otherwise. Programmes without a
rule are paid on application after a review the platform does not hold: they are listed only where
the enterprise already has an award.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from indicator_api.cultivation.figures import CandidateFigures
from indicator_api.cultivation.rules import RULESET_VERSION, Assessment, Condition, Program, assess
from indicator_api.cultivation.schemas import Missing
from indicator_api.peers import FundingAward, FundingProgram
from indicator_api.policies.schemas import PolicyItem, PolicyKind, PolicyStatus

QUALIFICATION_NAMES = {
    "hte": "高新技术企业",
    "tech_sme": "科技型中小企业",
    "new_species": "科创“新物种”企业",
}
NEXT_WITHIN = 2
# Conditions no coaching changes in a year: failing one of them is `not_eligible`, not `next`.
RULED_OUT_BY = frozenset(
    {
        "resident",
        "staff_limit",
        "revenue_limit",
        "assets_limit",
        "permitted_products",
        "clean_record",
        "supported_field",
    }
)
# Not a condition of its own: an alternative to the score (科技型中小企业直接入库).
ALTERNATIVES = frozenset({"direct_route"})
FIGURES_MISSING = Missing(
    code="figures", name="企业经营数据", required="已申报", actual="未申报", gap="请企业或乡镇申报经营数据"
)


@dataclass(frozen=True)
class Grant:
    """One qualification the registry records for the enterprise."""

    kind: str
    granted_year: int
    granted_on: date
    expires_on: date | None

    def valid_on(self, day: date) -> bool:
        return self.granted_on <= day and (self.expires_on is None or self.expires_on >= day)


def _failing(assessment: Assessment) -> list[Condition]:
    return [c for c in assessment.conditions if not c.passed and c.code not in ALTERNATIVES]


def qualification_item(
    kind: str, grants: Sequence[Grant], assessment: Assessment | None, as_of: date
) -> PolicyItem:
    name = QUALIFICATION_NAMES[kind]

    def item(status: PolicyStatus, basis: str, missing: list[Missing] | None = None) -> PolicyItem:
        return PolicyItem(
            kind=PolicyKind.qualification,
            code=kind,
            name=name,
            status=status,
            amount=None,
            source_level=None,
            missing=missing or [],
            basis=basis,
        )

    valid = [g for g in grants if g.kind == kind and g.valid_on(as_of)]
    if valid:
        grant = max(valid, key=lambda g: g.granted_on)
        until = f",有效期至 {grant.expires_on}" if grant.expires_on else ""
        return item(PolicyStatus.held, f"{grant.granted_on} 认定{until}")
    if kind == "new_species":
        return item(PolicyStatus.not_eligible, "科创“新物种”由省科技厅评定,平台不按数据测算")
    if assessment is None:
        return item(PolicyStatus.not_eligible, "企业库中尚无经营数据,无法按认定条件测算", [FIGURES_MISSING])
    if assessment.eligible:
        return item(
            PolicyStatus.eligible_now,
            f"按认定条件(规则 {RULESET_VERSION})测算全部满足,可申报",
        )
    failing = _failing(assessment)
    missing = [Missing.of(c) for c in failing]
    ruled_out = [c.name for c in failing if c.code in RULED_OUT_BY]
    if ruled_out:
        return item(PolicyStatus.not_eligible, "不符合:" + "、".join(ruled_out), missing)
    if len(failing) <= NEXT_WITHIN:
        return item(PolicyStatus.next, f"差 {len(failing)} 项条件(规则 {RULESET_VERSION})", missing)
    return item(PolicyStatus.not_eligible, f"差 {len(failing)} 项条件(规则 {RULESET_VERSION})", missing)


def program_item(
    program: FundingProgram,
    awards: Sequence[FundingAward],
    grants: Sequence[Grant],
    qualifications: dict[str, PolicyItem],
    as_of: date,
) -> PolicyItem | None:
    rule = program.rule
    mine = [a for a in awards if a.program_id == program.id]
    made = [a for a in mine if a.status != "rejected"]

    def item(
        status: PolicyStatus, amount: Decimal | None, basis: str, missing: list[Missing] | None = None
    ) -> PolicyItem:
        return PolicyItem(
            kind=PolicyKind.program,
            code=f"program:{program.id}",
            name=program.name,
            status=status,
            amount=amount,
            source_level=program.source_level,
            missing=missing or [],
            basis=basis,
        )

    if made:
        amount = sum((a.amount for a in made), Decimal(0))
        states = "、".join(f"#{a.id} {'已批准' if a.status == 'approved' else '待审核'}" for a in made)
        return item(PolicyStatus.held, amount, f"已有奖补 {states}")
    if rule is None:
        return None  # paid on application after a review: nothing to tell before an award
    if mine:
        return item(PolicyStatus.not_eligible, rule.amount, f"奖补 #{mine[0].id} 已驳回")
    kind_name = QUALIFICATION_NAMES.get(rule.qualification, rule.qualification)
    if any(g.kind == rule.qualification and g.granted_year == rule.granted_year for g in grants):
        return item(
            PolicyStatus.eligible_now,
            rule.amount,
            f"持有 {rule.granted_year} 年认定的{kind_name}资质,"
            f"按规则第 {rule.version} 版无申请兑现,奖补待生成",
        )
    needed = Missing(
        code=rule.qualification,
        name=f"{rule.granted_year} 年认定为{kind_name}",
        required=f"{rule.granted_year} 年认定",
        actual="未认定",
        gap=f"取得{kind_name}资质",
    )
    qualification = qualifications.get(rule.qualification)
    if rule.granted_year < as_of.year:
        return item(
            PolicyStatus.not_eligible,
            rule.amount,
            f"规则限 {rule.granted_year} 年认定的{kind_name},企业无该年度认定",
            [needed],
        )
    if qualification is not None and qualification.status in (PolicyStatus.eligible_now, PolicyStatus.next):
        return item(
            PolicyStatus.next,
            rule.amount,
            f"{rule.granted_year} 年内认定为{kind_name}即按规则第 {rule.version} 版无申请兑现",
            [needed, *qualification.missing],
        )
    return item(
        PolicyStatus.not_eligible,
        rule.amount,
        f"须 {rule.granted_year} 年认定为{kind_name};按现有数据尚不具备条件",
        [needed, *(qualification.missing if qualification else [])],
    )


def policies_of(
    *,
    grants: Sequence[Grant],
    figures: CandidateFigures | None,
    programs: Sequence[FundingProgram],
    awards: Sequence[FundingAward],
    as_of: date,
) -> list[PolicyItem]:
    """Every qualification, then every programme with a rule or an award of the enterprise (by id)."""
    assessments = assess(figures) if figures is not None else {}
    qualifications = {
        kind: qualification_item(
            kind, grants, assessments.get(Program(kind)) if kind != "new_species" else None, as_of
        )
        for kind in ("hte", "tech_sme", "new_species")
    }
    items = list(qualifications.values())
    for program in sorted(programs, key=lambda p: p.id):
        item = program_item(program, awards, grants, qualifications, as_of)
        if item is not None:
            items.append(item)
    return items
