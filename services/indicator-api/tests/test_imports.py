"""Excel in: the template, a round trip, every bad cell named with nothing written, hostile files."""

from __future__ import annotations

import io

import httpx
import openpyxl

from daye_dev.pytest_plugin import bearer

from .conftest import DEMO_PASSWORD

JINNIU = "420281101"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(rows: list[list[object]], *, headers: list[str] | None = None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "报送"
    sheet.append(["指标数值报送表"])
    sheet.append(headers or ["指标代码", "报送单位代码", "年度", "季度", "月份", "数值", "来源", "说明"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def upload(
    client: httpx.AsyncClient, headers: dict[str, str], content: bytes, name: str = "v.xlsx"
) -> httpx.Response:
    return await client.post(
        "/api/v1/imports/indicator-values", files={"file": (name, content, XLSX)}, headers=headers
    )


async def count(client: httpx.AsyncClient, headers: dict[str, str]) -> int:
    body = (
        await client.get("/api/v1/indicators/graduates_new/values", params={"history": True}, headers=headers)
    ).json()
    return int(body["total"])


async def test_the_template(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    response = await client.get("/api/v1/imports/templates/indicator-values.xlsx", headers=admin)
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    assert [c.value for c in sheet[2]] == [
        "指标代码",
        "报送单位代码",
        "年度",
        "季度",
        "月份",
        "数值",
        "来源",
        "说明",
    ]
    assert sheet.max_row == 2


async def test_round_trip_gives_the_same_data(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    exported = await client.get(
        "/api/v1/exports/indicator-values.xlsx",
        params={"code": "tech_contract_turnover", "year": 2025},
        headers=admin,
    )
    assert exported.status_code == 200
    back = await upload(client, admin, exported.content)
    assert back.status_code == 200, back.text
    # The same figures (the demo's monthly reports: 17 units × 9 months, 3 never sent): nothing new.
    assert back.json() == {"written": 0, "unchanged": 150}
    book = openpyxl.load_workbook(io.BytesIO(exported.content))
    sheet = book.active
    assert sheet is not None
    sheet["F3"] = str(float(str(sheet["F3"].value)) + 1)
    buffer = io.BytesIO()
    book.save(buffer)
    changed = await upload(client, admin, buffer.getvalue())
    assert changed.json() == {"written": 1, "unchanged": 149}


async def test_every_bad_cell_is_named_and_nothing_is_written(client: httpx.AsyncClient) -> None:
    township = await bearer(client, JINNIU, DEMO_PASSWORD)
    before = await count(client, township)
    rows = [
        ["graduates_new", JINNIU, 2025, None, 10, "120", "行政", "十月"],
        ["graduates_new", JINNIU, 2025, None, 13, "5", "行政", ""],  # no 13th month
        ["graduates_new", "420281102", 2025, None, 11, "7", "统计", ""],  # another township's
        ["no_such_code", JINNIU, 2025, None, 11, "abc", "行政", ""],  # two faults
    ]
    response = await upload(client, township, workbook(rows))
    assert response.status_code == 422
    named = {(e["field"], e["rule"]) for e in response.json()["errors"]}
    assert ("报送!E4 (月份)", "less_than_equal") in named
    assert ("报送!F6 (数值)", "decimal_parsing") in named
    assert await count(client, township) == before

    rows = [rows[0], ["graduates_new", "420281102", 2025, None, 11, "7", "统计", ""]]
    response = await upload(client, township, workbook(rows))
    assert [(e["field"], e["rule"]) for e in response.json()["errors"]] == [
        ("报送!B4 (报送单位代码)", "not_your_unit")
    ]
    assert await count(client, township) == before
    twice = await upload(client, township, workbook([rows[0], rows[0]]))
    assert [(e["field"], e["rule"]) for e in twice.json()["errors"]] == [
        ("报送!4 (row)", "duplicate_in_batch")
    ]
    good = await upload(client, township, workbook([rows[0]]))
    assert good.json() == {"written": 1, "unchanged": 0}


async def test_hostile_files_are_refused(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    csv = await upload(client, admin, "指标代码,数值\ngraduates_new,1\n".encode(), "v.csv")
    assert (csv.status_code, csv.json()["code"]) == (415, "not_a_spreadsheet")
    fake_zip = await upload(client, admin, b"PK\x03\x04" + b"\x00" * 200)
    assert fake_zip.status_code == 415
    huge = await upload(client, admin, b"PK" + b"\x00" * (10 * 1024 * 1024 + 10))
    assert huge.status_code == 413
    formula = workbook(
        [
            ["graduates_new", JINNIU, 2025, None, 10, "=cmd|' /C calc'!A0", "行政", ""],
            ["graduates_new", JINNIU, 2025, None, 11, "5", "行政", '=HYPERLINK("http://x")'],
        ]
    )
    response = await upload(client, admin, formula)
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"报送!F3 (数值)", "报送!H4 (说明)"}
    assert {e["rule"] for e in response.json()["errors"]} == {"formula"}
    wrong = await upload(client, admin, workbook([], headers=["名称", "数量"]))
    assert (wrong.status_code, wrong.json()["errors"][0]["rule"]) == (422, "template_headers")
    viewer = await bearer(client, "viewer", DEMO_PASSWORD)
    assert (await upload(client, viewer, workbook([]))).status_code == 403


def candidates_book(rows: list[list[object]]) -> bytes:
    from indicator_api.cultivation.excel import HEADERS as CANDIDATE_HEADERS

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "候选"
    sheet.append(["培育候选企业报送表"])
    sheet.append(CANDIDATE_HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def candidate_row(code: str, name: str, **changes: object) -> list[object]:
    row: list[object] = [
        code,
        name,
        "铸造",
        "高新技术企业",
        2025,
        4,
        120,
        30,
        "70000000",
        "75000000",
        "80000000",
        "2170000",
        "2325000",
        "2480000",
        "70000000",
        "90000000",
        "60000000",
        0,
        3,
    ]
    for index, value in changes.items():
        row[int(index.removeprefix("c"))] = value
    return row


async def test_candidates_from_excel(client: httpx.AsyncClient) -> None:
    from daye_kit.credit_code import complete

    township = await bearer(client, JINNIU, DEMO_PASSWORD)
    first, second = complete("91420281MC0000001"), complete("91420281MC0000002")
    template = await client.get("/api/v1/imports/templates/candidates.xlsx", headers=township)
    assert template.status_code == 200
    before = (await client.get(f"/api/v1/regions/{JINNIU}/candidates", headers=township)).json()["total"]

    bad = candidates_book(
        [
            candidate_row(first, "大冶市表格一号科技有限公司"),
            candidate_row(
                second[:-1] + ("0" if second[-1] != "0" else "1"), "大冶市表格二号科技有限公司", c6=""
            ),
        ]
    )
    response = await client.post(
        f"/api/v1/imports/regions/{JINNIU}/candidates",
        files={"file": ("c.xlsx", bad, XLSX)},
        headers=township,
    )
    assert response.status_code == 422
    named = {(e["field"], e["rule"]) for e in response.json()["errors"]}
    assert ("候选!A4 (统一社会信用代码)", "credit_code") in named
    assert ("候选!G4 (职工总数)", "missing") in named
    assert (await client.get(f"/api/v1/regions/{JINNIU}/candidates", headers=township)).json()[
        "total"
    ] == before

    good = candidates_book(
        [
            candidate_row(first, "大冶市表格一号科技有限公司"),
            candidate_row(second, "大冶市表格二号科技有限公司", c3="科技型中小企业"),
        ]
    )
    response = await client.post(
        f"/api/v1/imports/regions/{JINNIU}/candidates",
        files={"file": ("c.xlsx", good, XLSX)},
        headers=township,
    )
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 2
    listed = (
        await client.get(f"/api/v1/regions/{JINNIU}/candidates", params={"limit": 200}, headers=township)
    ).json()
    assert {first, second} <= {c["credit_code"] for c in listed["items"]}
    other = await client.post(
        "/api/v1/imports/regions/420281102/candidates",
        files={"file": ("c.xlsx", good, XLSX)},
        headers=township,
    )
    assert other.status_code == 403
