"""Excel in: a template to fill, and the upload of indicator values (a township for itself, the
bureau for any unit). All or nothing: any bad cell writes nothing, and each one is named."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Response, UploadFile
from pydantic import ValidationError

from daye_kit.auth import CurrentPrincipal
from daye_kit.db import SessionDep
from daye_kit.errors import FieldError, Forbidden, InvalidInput, problem_responses
from daye_kit.spreadsheets import XLSX, Column, download, workbook
from indicator_api.imports.workbook import MAX_BYTES, Row, cell_name, read_rows
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
