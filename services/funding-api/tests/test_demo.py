"""The demo data: 55,068,000.00 yuan unpaid, split between no-application items and 科技创新管理专项."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest_asyncio

from daye_demo.enterprises import DEMO_ENTERPRISES
from daye_demo.funding.plan import AWARDS, OUTSTANDING, PROGRAMS, REPORT_DAY, paid_on
from daye_demo.funding.seed import awards_of, seed
from daye_dev.pytest_plugin import FreshDatabase

from .conftest import Stack, start_stack
from .test_feed import Follower


@pytest_asyncio.fixture
async def demo(fresh_database: FreshDatabase) -> AsyncIterator[Stack]:
    async with start_stack(fresh_database, demo=True) as started:
        yield started


def test_the_plan_adds_up() -> None:
    assert sum((a.outstanding for a in AWARDS), Decimal(0)) == OUTSTANDING
    assert all(paid_on(a.approved_on, days) <= REPORT_DAY for a in AWARDS for days, _ in a.payments)


def test_no_application_awards_go_to_enterprises_holding_the_qualification() -> None:
    """Against the demo world's enterprises: no merging was needed, and every award is genuine."""
    by_code = {e.credit_code: e for e in DEMO_ENTERPRISES}
    for index, plan in enumerate(PROGRAMS):
        planned = [a for a in AWARDS if a.program == plan.key]
        made = awards_of(plan, index, planned)
        assert len(made) == len(planned), plan.key
        if plan.rule is None:
            continue
        kind, year, amount = plan.rule
        assert len({m.enterprise.credit_code for m in made}) == len(made)
        for award in made:
            granted = [
                d
                for k, d in by_code[award.enterprise.credit_code].qualifications
                if (k, d.year) == (kind, year)
            ]
            assert granted, (plan.key, award.enterprise.credit_code)
            assert granted[0] < award.approved_on <= REPORT_DAY
            assert award.amount == amount
            assert all(award.approved_on <= day <= REPORT_DAY for day, _ in award.payments)


async def test_the_unpaid_total_is_the_reports(demo: Stack) -> None:
    viewer = await demo.headers("viewer")
    report = (
        await demo.funding.get("/api/v1/outstanding", params={"as_of": "2025-09-30"}, headers=viewer)
    ).json()
    assert report["total"] == "55068000.00"
    assert {m["mode"]: m["outstanding"] for m in report["by_mode"]} == {
        "automatic": "34980000.00",  # 无申请兑现: the 科技十八条 rewards
        "application": "20088000.00",  # all of it 科技创新管理专项
    }
    by_name = {p["name"]: p["outstanding"] for p in report["by_program"]}
    management = [Decimal(v) for name, v in by_name.items() if name.startswith("科技创新管理专项")]
    assert sum(management) == Decimal("20088000.00")
    assert sum((Decimal(b["outstanding"]) for b in report["ageing"]), Decimal(0)) == Decimal("55068000.00")
    assert Decimal(report["overdue"]["outstanding"]) > Decimal("30000000")  # most of it is long overdue
    assert sum(r["award_count"] for r in report["by_region"]) == report["award_count"]
    # Nothing has been approved or paid since: today's total is the same.
    assert (await demo.funding.get("/api/v1/outstanding", headers=viewer)).json()["total"] == "55068000.00"
    earlier = (
        await demo.funding.get("/api/v1/outstanding", params={"as_of": "2024-12-31"}, headers=viewer)
    ).json()
    assert Decimal("0") < Decimal(earlier["total"]) < Decimal("55068000.00")


async def test_vouchers_and_provincial_projects_are_paid_in_full(demo: Stack) -> None:
    auditor = await demo.headers("auditor")  # reads every award; a viewer sees none
    programs = (
        await demo.funding.get("/api/v1/programs", params={"source_level": "province"}, headers=auditor)
    ).json()["items"]
    summary = {p["name"]: (p["budget"], p["committed"], p["paid"], p["outstanding"]) for p in programs}
    assert summary == {
        "省科技创新券(2025年)": ("1800000.00", "1800000.00", "1800000.00", "0.00"),
        "省级科技计划项目资金(2025年)": ("4000000.00", "4000000.00", "4000000.00", "0.00"),
    }
    vouchers = next(p for p in programs if p["name"].startswith("省科技创新券"))
    awards = (
        await demo.funding.get("/api/v1/awards", params={"program_id": vouchers["id"]}, headers=auditor)
    ).json()
    assert awards["total"] == 9
    assert {a["approved_on"][:7] for a in awards["items"]} == {"2025-03"}


async def test_demo_awards_name_demo_world_enterprises_and_reconcile(demo: Stack) -> None:
    """The demo world's enterprises; that indicator-api's demo registry holds each of them is
    checked against the real service in tests/e2e/test_funding_processes.py."""
    admin = await demo.headers("admin")
    awards = (await demo.funding.get("/api/v1/awards", params={"limit": 200}, headers=admin)).json()
    assert awards["total"] > 9
    assert {a["credit_code"] for a in awards["items"]} <= set(demo.indicator.enterprises)
    assert all(a["decided_by"] != a["created_by"] for a in awards["items"])
    reconciliation = (await demo.funding.get("/api/v1/reconciliation", headers=admin)).json()
    assert reconciliation["ok"], reconciliation
    # A second start (or replica) finds the data there and adds nothing.
    async with demo.app.state.sessionmaker() as session:
        assert await seed(session) == {}


async def test_following_the_feed_from_its_start_copies_the_demo(demo: Stack) -> None:
    """The seed writes beneath the services and then records what each row shows: a consumer that
    starts on the feed holds what full reads give."""
    admin = await demo.headers("admin")
    paths = {
        "program": "/api/v1/programs",
        "award": "/api/v1/awards",
        "disbursement": "/api/v1/disbursements",
        "ledger_entry": "/api/v1/ledger/entries",
    }
    read: dict[str, dict[str, object]] = {}
    for noun, path in paths.items():
        offset, total = 0, 1
        while offset < total:
            page = (
                await demo.funding.get(path, params={"limit": 200, "offset": offset}, headers=admin)
            ).json()
            total = page["total"]
            read |= {f"{noun}:{item['id']}": item for item in page["items"]}
            offset += 200
    follower = Follower(demo, admin)
    events = await follower.new(at_least=len(read))
    copy = {event["subject"]: event["data"] for event in events}
    rules = {subject for subject in copy if subject.startswith("program_rule:")}
    assert len(rules) == sum(1 for plan in PROGRAMS if plan.rule is not None)
    assert {s: d for s, d in copy.items() if s not in rules} == read
    assert {event["type"] for event in events if event["subject"].startswith("award:")} == {"award.approved"}
