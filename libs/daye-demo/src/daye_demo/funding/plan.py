"""The demo programmes and awards, as data: amounts, approval days and payments, independent of which
enterprises they will name.

Unpaid on every day since 2025-09-30 (the report's date): 55,068,000.00 yuan, of which 34,980,000.00
are no-application items (无申请兑现, the five 科技十八条 rewards) and 20,088,000.00 科技创新管理专项.
The 180万 of 省科技创新券 (9 enterprises, March 2025) and the 400万 of 省级科技计划项目资金
(5 projects) are paid in full.

The no-application rewards go to the demo world's enterprises that hold the rule's qualification
(daye_demo.enterprises: 40, 35 and 37 high-tech enterprises certified in 2022, 2023 and 2024, one
新物种 of 2024, and the 600 earliest of 2025's 888 科技型中小企业).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from funding_api.programs.models import QualificationKind, SourceLevel

REPORT_DAY = date(2025, 9, 30)
OUTSTANDING = Decimal("55068000.00")


@dataclass(frozen=True)
class PlannedProgram:
    key: str
    name: str
    source_level: SourceLevel
    year: int
    budget: Decimal
    description: str
    # 无申请兑现 rule: (qualification, granted year, amount per enterprise)
    rule: tuple[QualificationKind, int, Decimal] | None = None
    # Application awards go to enterprises holding this qualification (any enterprise when None).
    pool: QualificationKind | None = None


@dataclass(frozen=True)
class PlannedAward:
    program: str
    slot: int  # which enterprise: the n-th of the programme's candidates
    amount: Decimal
    approved_on: date  # at the earliest: an automatic award waits for its qualification
    payments: tuple[tuple[int, Decimal], ...] = ()  # (days after approval, amount)
    application_no: str | None = None

    @property
    def outstanding(self) -> Decimal:
        return self.amount - sum((amount for _, amount in self.payments), Decimal(0))


def _yuan(value: int) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


def _office_day(day: date) -> date:
    """Approvals and payments happen on weekdays."""
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _spread(first: date, window_days: int, slot: int, count: int) -> date:
    return _office_day(first + timedelta(days=(slot * window_days) // max(count, 1)))


PROGRAMS: tuple[PlannedProgram, ...] = (
    PlannedProgram(
        "hte-2022",
        "科技十八条·高新技术企业认定奖励(2022年度认定)",
        SourceLevel.daye,
        2024,
        _yuan(8_000_000),
        "《大冶市促进科技创新十八条措施》:对认定的高新技术企业给予奖励,依企业库认定记录无申请兑现。",
        (QualificationKind.hte, 2022, _yuan(200_000)),
    ),
    PlannedProgram(
        "hte-2023",
        "科技十八条·高新技术企业认定奖励(2023年度认定)",
        SourceLevel.daye,
        2024,
        _yuan(7_000_000),
        "《大冶市促进科技创新十八条措施》:对认定的高新技术企业给予奖励,依企业库认定记录无申请兑现。",
        (QualificationKind.hte, 2023, _yuan(200_000)),
    ),
    PlannedProgram(
        "species-2024",
        "科技十八条·科创“新物种”企业奖励(2024年度)",
        SourceLevel.daye,
        2025,
        _yuan(500_000),
        "对新认定的湖北省科创“新物种”企业(瞪羚、潜在独角兽、独角兽)给予奖励,无申请兑现。",
        (QualificationKind.new_species, 2024, _yuan(500_000)),
    ),
    PlannedProgram(
        "hte-2024",
        "科技十八条·高新技术企业认定奖励(2024年度认定)",
        SourceLevel.daye,
        2025,
        _yuan(11_100_000),
        "《大冶市促进科技创新十八条措施》:对 2024 年度认定的高新技术企业给予奖励,无申请兑现。",
        (QualificationKind.hte, 2024, _yuan(300_000)),
    ),
    PlannedProgram(
        "sme-2025",
        "科技十八条·科技型中小企业入库奖励(2025年度)",
        SourceLevel.daye,
        2025,
        _yuan(18_000_000),
        "对 2025 年评价入库的科技型中小企业给予奖励,无申请兑现;首批 600 家已批准。",
        (QualificationKind.tech_sme, 2025, _yuan(30_000)),
    ),
    PlannedProgram(
        "management-2024",
        "科技创新管理专项(2024年度)",
        SourceLevel.daye,
        2024,
        _yuan(12_000_000),
        "研发平台建设、成果转化、产学研合作等项目,依申请评审后兑现。",
        pool=QualificationKind.hte,
    ),
    PlannedProgram(
        "management-2025",
        "科技创新管理专项(2025年度)",
        SourceLevel.daye,
        2025,
        _yuan(15_000_000),
        "研发平台建设、成果转化、产学研合作等项目,依申请评审后兑现。",
        pool=QualificationKind.hte,
    ),
    PlannedProgram(
        "vouchers-2025",
        "省科技创新券(2025年)",
        SourceLevel.province,
        2025,
        _yuan(1_800_000),
        "湖北省科技创新券,2025 年 3 月兑付 9 家企业。",
        pool=QualificationKind.tech_sme,
    ),
    PlannedProgram(
        "provincial-projects-2025",
        "省级科技计划项目资金(2025年)",
        SourceLevel.province,
        2025,
        _yuan(4_000_000),
        "省级科技计划项目:18 家企业申报,立项 5 项。",
        pool=QualificationKind.hte,
    ),
)


def _automatic(
    key: str, count: int, amount: int, first: date, window: int, paid: int, each: int, pay_after: int
) -> list[PlannedAward]:
    payment = ((pay_after, _yuan(each)),)
    return [
        PlannedAward(
            key, slot, _yuan(amount), _spread(first, window, slot, count), payment if slot < paid else ()
        )
        for slot in range(count)
    ]


def _applications(
    key: str, prefix: str, amounts: list[int], paid: dict[int, int], first: date, window: int, pay_after: int
) -> list[PlannedAward]:
    return [
        PlannedAward(
            key,
            slot,
            _yuan(amount),
            _spread(first, window, slot, len(amounts)),
            ((pay_after, _yuan(paid[slot])),) if slot in paid else (),
            f"{prefix}-{slot + 1:03d}",
        )
        for slot, amount in enumerate(amounts)
    ]


MANAGEMENT_2024 = [1_800_000, 1_500_000, 1_200_000, 1_000_000, 1_000_000, 800_000, 800_000, 600_000]
MANAGEMENT_2024 += [600_000, 500_000, 500_000, 400_000, 300_000, 300_000, 200_000, 200_000]
MANAGEMENT_2025 = [2_000_000, 1_600_000, 1_500_000, 1_200_000, 1_000_000, 1_000_000, 880_000, 800_000]
MANAGEMENT_2025 += [650_000, 600_000, 500_000, 450_000, 380_000, 300_000, 250_000, 200_000, 168_000, 120_000]

AWARDS: tuple[PlannedAward, ...] = (
    # No-application items: 1,600,000 + 5,000,000 + 500,000 + 10,200,000 + 17,680,000 = 34,980,000 unpaid.
    *_automatic("hte-2022", 40, 200_000, date(2024, 3, 4), 30, paid=32, each=200_000, pay_after=75),
    *_automatic("hte-2023", 35, 200_000, date(2024, 4, 15), 40, paid=20, each=100_000, pay_after=90),
    *_automatic("species-2024", 1, 500_000, date(2025, 1, 13), 1, paid=0, each=0, pay_after=0),
    *_automatic("hte-2024", 37, 300_000, date(2025, 3, 10), 30, paid=6, each=150_000, pay_after=75),
    *_automatic("sme-2025", 600, 30_000, date(2025, 8, 11), 25, paid=16, each=20_000, pay_after=20),
    # 科技创新管理专项: 8,050,000 + 12,038,000 = 20,088,000 unpaid.
    *_applications(
        "management-2024",
        "KJGL-2024",
        MANAGEMENT_2024,
        {0: 900_000, 1: 750_000, 2: 600_000, 3: 500_000, 4: 500_000, 5: 400_000},
        date(2024, 6, 3),
        180,
        pay_after=80,
    ),
    *_applications(
        "management-2025",
        "KJGL-2025",
        MANAGEMENT_2025,
        {0: 800_000, 1: 480_000, 3: 280_000},
        date(2025, 4, 7),
        160,
        pay_after=45,
    ),
    # Paid in full: innovation vouchers (March 2025) and provincial project funds.
    *_applications(
        "vouchers-2025",
        "HBCXQ-2025",
        [200_000] * 9,
        dict.fromkeys(range(9), 200_000),
        date(2025, 3, 17),
        4,
        36,
    ),
    *_applications(
        "provincial-projects-2025",
        "HBKJJH-2025",
        [1_000_000, 1_000_000, 800_000, 600_000, 600_000],
        {0: 1_000_000, 1: 1_000_000, 2: 800_000, 3: 600_000, 4: 600_000},
        date(2025, 6, 9),
        10,
        pay_after=40,
    ),
)


def paid_on(approved_on: date, days_after: int) -> date:
    return _office_day(approved_on + timedelta(days=days_after))
