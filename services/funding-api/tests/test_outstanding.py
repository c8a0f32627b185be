"""Outstanding funds: totals by programme, mode, township and enterprise; ageing; exports; who sees what."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

import openpyxl

from daye_kit.timestamps import local_today
from funding_api.outstanding.workdays import working_days_between

from .conftest import Stack
from .helpers import HEAT_EXCHANGERS, JINNIU_FOUNDRY, make_award, make_program, pay


async def _two_awards(stack: Stack, admin: dict[str, str], checker: dict[str, str]) -> list[dict[str, Any]]:
    """金牛镇's foundry owed 300,000.00 of which 120,000.50 paid; the park's exchanger maker 80,000.00."""
    program = await make_program(stack.funding, admin, budget="500000.00", name="科技创新管理专项(2025年度)")
    awards = [
        await make_award(stack.funding, admin, program["id"], amount="300000.00"),
        await make_award(
            stack.funding, admin, program["id"], amount="80000.00", credit_code=HEAT_EXCHANGERS.credit_code
        ),
    ]
    for award in awards:
        approved = await stack.funding.post(f"/api/v1/awards/{award['id']}/approval", headers=checker)
        assert approved.status_code == 200
    assert (await pay(stack.funding, admin, awards[0]["id"], "120000.50")).status_code == 201
    return awards


async def test_totals_by_programme_mode_township_and_enterprise(
    stack: Stack, admin: dict[str, str], checker: dict[str, str]
) -> None:
    await _two_awards(stack, admin, checker)
    report = (await stack.funding.get("/api/v1/outstanding", headers=admin)).json()
    assert report["as_of"] == local_today().isoformat()
    assert report["total"] == "259999.50"
    assert (report["award_count"], report["enterprise_count"]) == (2, 2)
    assert [(p["name"], p["outstanding"]) for p in report["by_program"]] == [
        ("科技创新管理专项(2025年度)", "259999.50")
    ]
    assert report["by_mode"] == [{"mode": "application", "outstanding": "259999.50", "award_count": 2}]
    assert {(r["region_code"], r["outstanding"]) for r in report["by_region"]} == {
        ("420281101", "179999.50"),
        ("420281401", "80000.00"),
    }
    assert [(e["credit_code"], e["name"], e["outstanding"]) for e in report["by_enterprise"]] == [
        (JINNIU_FOUNDRY.credit_code, "大冶市华鑫铸造有限公司", "179999.50"),
        (HEAT_EXCHANGERS.credit_code, "湖北金港换热器科技有限公司", "80000.00"),
    ]
    top = (await stack.funding.get("/api/v1/outstanding", params={"top": 1}, headers=admin)).json()
    assert len(top["by_enterprise"]) == 1
    assert top["enterprise_count"] == 2
    yesterday = (local_today() - timedelta(days=1)).isoformat()
    before = (
        await stack.funding.get("/api/v1/outstanding", params={"as_of": yesterday}, headers=admin)
    ).json()
    assert (before["total"], before["award_count"]) == ("0.00", 0)
    park = (
        await stack.funding.get("/api/v1/outstanding", params={"region": "420281401"}, headers=admin)
    ).json()
    assert park["total"] == "80000.00"


async def test_ageing_counts_working_days_and_flags_the_overdue(
    stack: Stack, admin: dict[str, str], checker: dict[str, str]
) -> None:
    await _two_awards(stack, admin, checker)
    approved = local_today()
    later = approved + timedelta(days=130)
    age = working_days_between(approved, later)
    assert 60 < age <= 120
    report = (
        await stack.funding.get("/api/v1/outstanding", params={"as_of": later.isoformat()}, headers=admin)
    ).json()
    buckets = {b["label"]: (b["outstanding"], b["award_count"], b["overdue"]) for b in report["ageing"]}
    assert buckets == {
        "0-20": ("0.00", 0, False),
        "21-40": ("0.00", 0, False),
        "41-60": ("0.00", 0, False),
        "61-120": ("259999.50", 2, True),
        "121+": ("0.00", 0, True),
    }
    assert (report["overdue"]["outstanding"], report["overdue"]["award_count"]) == ("259999.50", 2)
    assert report["overdue"]["promise_working_days"] == 60
    assert "法定节假日" in report["working_day_rule"]
    items = await stack.funding.get(
        "/api/v1/outstanding/items", params={"as_of": later.isoformat(), "overdue": True}, headers=admin
    )
    assert items.json()["total"] == 2
    first = items.json()["items"][0]
    assert (first["working_days"], first["overdue"], first["approved_on"]) == (
        age,
        True,
        approved.isoformat(),
    )
    assert (first["amount"], first["paid"], first["outstanding"]) == ("300000.00", "120000.50", "179999.50")
    now = await stack.funding.get("/api/v1/outstanding/items", params={"overdue": True}, headers=admin)
    assert now.json()["total"] == 0


async def test_townships_and_enterprises_see_their_own_share(
    stack: Stack, admin: dict[str, str], checker: dict[str, str]
) -> None:
    await _two_awards(stack, admin, checker)
    expected = {"auditor": "259999.50", "420281101": "179999.50", "420281102": "0.00"}
    expected[HEAT_EXCHANGERS.credit_code] = "80000.00"
    for account, total in expected.items():
        headers = await stack.headers(account)
        report = (await stack.funding.get("/api/v1/outstanding", headers=headers)).json()
        assert report["total"] == total, account
        items = (await stack.funding.get("/api/v1/outstanding/items", headers=headers)).json()
        assert sum((Decimal(i["outstanding"]) for i in items["items"]), Decimal("0.00")) == Decimal(total)
    # A viewer reads the total, not the awards behind it.
    viewer = await stack.headers("viewer")
    assert (await stack.funding.get("/api/v1/outstanding", headers=viewer)).json()["total"] == "259999.50"
    assert (await stack.funding.get("/api/v1/outstanding/items", headers=viewer)).status_code == 403


async def test_public_notice_as_csv(stack: Stack, admin: dict[str, str], checker: dict[str, str]) -> None:
    await _two_awards(stack, admin, checker)
    response = await stack.funding.get("/api/v1/outstanding/export", params={"format": "csv"}, headers=admin)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith("\ufeff".encode())  # Excel reads UTF-8 with a BOM
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["序号", "资金项目", "兑现方式", "企业名称"]
    assert rows[0][8] == "未兑现(元)"
    assert [r[3] for r in rows[1:3]] == ["大冶市华鑫铸造有限公司", "湖北金港换热器科技有限公司"]
    assert rows[1][6:9] == ["300000.00", "120000.50", "179999.50"]
    assert rows[1][2] == "依申请兑现"
    assert rows[-1][0] == "合计"
    assert rows[-1][8] == "259999.50"


async def test_public_notice_as_excel(stack: Stack, admin: dict[str, str], checker: dict[str, str]) -> None:
    await _two_awards(stack, admin, checker)
    as_of = local_today().isoformat()  # Daye's date, as the service dates approvals (not the machine's)
    response = await stack.funding.get(
        "/api/v1/outstanding/export", params={"format": "xlsx", "as_of": as_of}, headers=admin
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    assert sheet["A1"].value == f"大冶市未兑现政策资金公示名单(截至 {as_of})"
    assert [c.value for c in sheet[2]][:4] == ["序号", "资金项目", "兑现方式", "企业名称"]
    assert sheet["D3"].value == "大冶市华鑫铸造有限公司"
    assert Decimal(str(sheet["I3"].value)) == Decimal("179999.50")
    assert sheet["I3"].number_format == "#,##0.00"
    assert sheet["A5"].value == "合计"
    assert Decimal(str(sheet["I5"].value)) == Decimal("259999.50")
