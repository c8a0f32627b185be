"""Excel downloads: Chinese headers with units, frozen headers, number formats, the demo's figures."""

from __future__ import annotations

import io

import httpx
import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

from daye_dev.pytest_plugin import bearer

from .conftest import DEMO_PASSWORD

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def sheet_of(
    client: httpx.AsyncClient, path: str, headers: dict[str, str], **params: object
) -> Worksheet:
    response = await client.get(path, params=params, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert isinstance(sheet, Worksheet)
    assert sheet.freeze_panes == "A3"
    return sheet


async def test_dashboard_workbook(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    sheet = await sheet_of(client, "/api/v1/exports/dashboard.xlsx", admin, year=2025, as_of="2025-09-30")
    assert sheet["A1"].value == "大冶市科技创新指标总览(截至 2025-09-30)"
    assert [c.value for c in sheet[2]] == [
        "指标",
        "单位",
        "实际值",
        "年度目标",
        "完成率",
        "时间进度",
        "状态",
        "同比增长",
    ]
    rows = {row[0]: row for row in sheet.iter_rows(min_row=3, values_only=True)}
    _, unit, actual, target, completion, elapsed, status, _ = rows["技术合同成交额"]
    assert (unit, actual, target, round(completion, 3), elapsed, status) == (
        "亿元",
        34.25,
        46.6,
        0.735,
        0.75,
        "滞后",
    )
    completion = next(r for r in sheet.iter_rows(min_row=3) if r[0].value == "技术合同成交额")[4]
    assert completion.number_format == "0.0%"
    assert len(rows) == 25


async def test_cultivation_ranking_workbook(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    sheet = await sheet_of(
        client, "/api/v1/exports/cultivation-progress.xlsx", admin, year=2025, as_of="2025-09-30"
    )
    headers = [c.value for c in sheet[2]]
    assert headers[:4] == ["名次", "乡镇", "是否滞后", "高企申报(家)"]
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert len(rows) == 17
    assert sum(r[3] for r in rows) == 106
    assert rows[0][2] == "滞后"


async def test_candidates_workbook_is_the_townships_own(client: httpx.AsyncClient) -> None:
    township = await bearer(client, "420281101", DEMO_PASSWORD)
    listed = (await client.get("/api/v1/regions/420281101/candidates", headers=township)).json()
    sheet = await sheet_of(client, "/api/v1/exports/regions/420281101/candidates.xlsx", township)
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert len(rows) == listed["total"]
    assert {c["credit_code"] for c in listed["items"]} <= {r[0] for r in rows}
    other = await client.get("/api/v1/exports/regions/420281102/candidates.xlsx", headers=township)
    assert other.status_code == 403
