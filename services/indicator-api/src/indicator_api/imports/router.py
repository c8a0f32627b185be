"""Excel in: templates to fill, and uploads of indicator values (a township for itself, the bureau
for any unit) and of cultivation candidates (a township). All or nothing: any bad cell writes
nothing, and each one is named by sheet, row and column."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, File, Response, UploadFile
from pydantic import ValidationError

from daye_kit.auth import CurrentPrincipal, Role
from daye_kit.db import SessionDep
from daye_kit.errors import FieldError, Forbidden, InvalidInput, problem_responses
from daye_kit.spreadsheets import MAX_BYTES, XLSX, Column, Row, cell_name, download, read_rows, workbook
from indicator_api.cultivation import service as cultivation
from indicator_api.cultivation.schemas import BulkCandidatesResult, CandidateIn
from indicator_api.indicators import service as indicators
from indicator_api.indicators.schemas import BulkResult, BulkValueIn

router = APIRouter(prefix="/api/v1/imports", tags=["导入"])

VALUE_COLUMNS = {  # header → field of BulkValueIn
    "指标代码": "indicator_code",
    "报送单位代码": "region_code",
    "年度": "year",
    "季度": "quarter",
    "月份": "month",
    "数值": "value",
    "来源": "provenance",
    "说明": "note",
}
HEADERS = list(VALUE_COLUMNS)
PROVENANCE = {
    "统计": "statistics",
    "行政": "administrative",
    "行政记录": "administrative",
    "快报": "preliminary",
}
PROVENANCE_NAME = {"statistics": "统计", "administrative": "行政", "preliminary": "快报"}
TITLE = "指标数值报送表(第 3 行起每行一个数值;季度、月份可空;来源:统计/行政/快报)"


def values_workbook(rows: list[list[object]]) -> bytes:
    columns = [
        Column("指标代码", width=30),
        Column("报送单位代码", width=14),
        Column("年度", width=8),
        Column("季度", width=6),
        Column("月份", width=6),
        Column("数值", width=14),
        Column("来源", width=8),
        Column("说明", width=30),
    ]
    return workbook(TITLE, columns, rows)


@router.get(
    "/templates/indicator-values.xlsx",
    summary="下载指标数值报送模板",
    responses={200: {"content": {XLSX: {}}}, **problem_responses(401)},
)
async def download_values_template(_: CurrentPrincipal) -> Response:
    return download(values_workbook([]), "indicator-values-template.xlsx")


def _cell(sheet: str, row: Row, field: str) -> str:
    header = next((h for h, f in VALUE_COLUMNS.items() if f == field), field)
    column = HEADERS.index(header) + 1 if header in HEADERS else 0
    return cell_name(sheet, row.number, column, header)


def _parse(sheet: str, rows: list[Row]) -> tuple[list[BulkValueIn], list[FieldError]]:
    parsed: list[BulkValueIn] = []
    errors: list[FieldError] = []
    for row in rows:
        data: dict[str, Any] = {VALUE_COLUMNS[h]: v for h, v in row.values.items() if v not in (None, "")}
        if "value" in data:
            data["value"] = str(data["value"])
        for key in ("indicator_code", "region_code"):
            if key in data:
                data[key] = str(data[key])
        if "provenance" in data:
            data["provenance"] = PROVENANCE.get(str(data["provenance"]), str(data["provenance"]))
        try:
            parsed.append(BulkValueIn.model_validate(data))
        except ValidationError as exc:
            for err in exc.errors():
                field = str(err["loc"][0]) if err["loc"] else "row"
                errors.append(
                    FieldError(field=_cell(sheet, row, field), rule=str(err["type"]), message=str(err["msg"]))
                )
    return parsed, errors


@router.post(
    "/indicator-values",
    summary="上传指标数值(Excel)",
    description=f"按模板填写的 .xlsx(不超过 {MAX_BYTES // 1024 // 1024} MB)。全部成功或全部不写入:"
    "任一单元格有误,整表拒绝,并按“工作表!单元格(列名)”逐一指出。含公式或以 = + - @ 开头的单元格一律拒收。",
    responses=problem_responses(401, 403, 413, 415, 422),
)
async def upload_indicator_values(
    principal: CurrentPrincipal,
    session: SessionDep,
    file: Annotated[UploadFile, File(description="Excel 工作簿")],
) -> BulkResult:
    if principal.role not in indicators.VALUE_WRITERS:
        raise Forbidden(f"role {principal.role.value} may not record indicator values")
    content = await file.read(MAX_BYTES + 1)
    sheet, rows = read_rows(content, HEADERS)
    parsed, errors = _parse(sheet, rows)
    if errors:
        raise InvalidInput(f"{len(errors)} cell(s) refused; nothing was written", errors=errors)
    try:
        return await indicators.record_values(session, rows=parsed, principal=principal, field_prefix="items")
    except InvalidInput as exc:
        # "items.3.region_code" → the cell of the fourth data row's 报送单位代码 column.
        named = []
        for err in exc.errors:
            parts = err.field.split(".")
            row = rows[int(parts[1])]
            named.append(
                FieldError(
                    field=_cell(sheet, row, parts[2] if len(parts) > 2 else "row"),
                    rule=err.rule,
                    message=err.message,
                )
            )
        raise InvalidInput(exc.detail, errors=named) from exc


# --- cultivation candidates ----------------------------------------------------------------------

CANDIDATE_COLUMNS: list[tuple[str, tuple[str | int, ...]]] = [  # header → where it goes in CandidateIn
    ("统一社会信用代码", ("credit_code",)),
    ("企业名称", ("name",)),
    ("行业", ("industry",)),
    ("培育方向", ("program",)),
    ("年度", ("year",)),
    ("注册成立年数", ("figures", "years_registered")),
    ("职工总数", ("figures", "staff")),
    ("科技人员数", ("figures", "science_staff")),
    ("前年销售收入(元)", ("figures", "sales_revenue", 0)),
    ("上年销售收入(元)", ("figures", "sales_revenue", 1)),
    ("本年销售收入(元)", ("figures", "sales_revenue", 2)),
    ("前年研发费用(元)", ("figures", "rd_spend", 0)),
    ("上年研发费用(元)", ("figures", "rd_spend", 1)),
    ("本年研发费用(元)", ("figures", "rd_spend", 2)),
    ("成本费用总额(元)", ("figures", "total_costs")),
    ("资产总额(元)", ("figures", "total_assets")),
    ("高新技术产品收入(元)", ("figures", "high_tech_revenue")),
    ("Ⅰ类知识产权(件)", ("figures", "ip", "class_1")),
    ("Ⅱ类知识产权(件)", ("figures", "ip", "class_2")),
]
CANDIDATE_HEADERS = [header for header, _ in CANDIDATE_COLUMNS]
PROGRAMS = {"科技型中小企业": "tech_sme", "高新技术企业": "hte", "高企": "hte", "科小": "tech_sme"}
TEXT = {("credit_code",), ("name",), ("industry",)}


def _candidate_cell(sheet: str, row: Row, loc: Sequence[str | int]) -> str:
    for index, (header, path) in enumerate(CANDIDATE_COLUMNS, start=1):
        if tuple(loc[: len(path)]) == path:
            return cell_name(sheet, row.number, index, header)
    return f"{sheet}!{row.number} ({'.'.join(str(p) for p in loc)})"


def _candidate(row: Row) -> dict[str, Any]:
    data: dict[str, Any] = {"figures": {"sales_revenue": [None] * 3, "rd_spend": [None] * 3, "ip": {}}}
    for header, path in CANDIDATE_COLUMNS:
        value = row.values.get(header)
        if value in (None, ""):
            if path[0] != "figures" or len(path) != 3 or path[1] != "ip":
                continue
            value = 0
        if path in TEXT:
            value = str(value)
        elif path == ("program",):
            value = PROGRAMS.get(str(value), str(value))
        elif (
            path[0] == "figures"
            and path[-1] not in ("class_1", "class_2")
            and path[1] not in ("staff", "science_staff")
        ):
            value = str(value)
        target = data
        for part in path[:-1]:
            target = target[part]  # type: ignore[index]
        target[path[-1]] = value  # type: ignore[index]
    return data


def candidates_workbook(rows: list[list[object]]) -> bytes:
    columns = [
        Column(header, width=22 if header.endswith("代码") or header == "企业名称" else 14)
        for header in CANDIDATE_HEADERS
    ]
    return workbook(
        "培育候选企业报送表(第 3 行起每行一家;培育方向:科技型中小企业/高新技术企业)", columns, rows
    )


@router.get(
    "/templates/candidates.xlsx",
    summary="下载培育候选企业报送模板",
    responses={200: {"content": {XLSX: {}}}, **problem_responses(401)},
)
async def download_candidates_template(_: CurrentPrincipal) -> Response:
    return download(candidates_workbook([]), "candidates-template.xlsx")


@router.post(
    "/regions/{region_code}/candidates",
    summary="上传培育候选企业(Excel)",
    description="按模板填写的 .xlsx。逐家按现行规则预审;全部成功或全部不写入,错误按单元格逐一指出。",
    responses=problem_responses(401, 403, 413, 415, 422),
)
async def upload_candidates(
    region_code: str,
    principal: CurrentPrincipal,
    session: SessionDep,
    file: Annotated[UploadFile, File(description="Excel 工作簿")],
) -> BulkCandidatesResult:
    if principal.role not in (Role.admin, Role.township):
        raise Forbidden(f"role {principal.role.value} may not submit candidates")
    principal.ensure_region(region_code)
    sheet, rows = read_rows(await file.read(MAX_BYTES + 1), CANDIDATE_HEADERS)
    parsed: list[CandidateIn] = []
    errors: list[FieldError] = []
    for row in rows:
        try:
            parsed.append(CandidateIn.model_validate(_candidate(row)))
        except ValidationError as exc:
            errors += [
                FieldError(
                    field=_candidate_cell(sheet, row, [*err["loc"]]),
                    rule=str(err["type"]),
                    message=str(err["msg"]),
                )
                for err in exc.errors()
            ]
    if errors:
        raise InvalidInput(f"{len(errors)} cell(s) refused; nothing was written", errors=errors)
    try:
        _, result = await cultivation.submit(
            session, region_code=region_code, items=parsed, principal=principal
        )
    except InvalidInput as exc:
        named = []
        for err in exc.errors:  # "body.items.3.credit_code"
            parts = err.field.split(".")
            named.append(
                FieldError(
                    field=_candidate_cell(sheet, rows[int(parts[2])], parts[3:]),
                    rule=err.rule,
                    message=err.message,
                )
            )
        raise InvalidInput(exc.detail, errors=named) from exc
    return result
