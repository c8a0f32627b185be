"""Excel workbooks for people, out and in.

Out: a title row, Chinese headers (with units) frozen above the data, number formats that show money
and rates properly, sensible column widths. In: only real .xlsx files of bounded size, no formulas or
formula-like text (=, +, -, @ at the start of a cell, the CSV/DDE injection family), every problem
named by sheet, row and column (`Sheet1!B5 (报送单位代码)`)."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

from fastapi.responses import Response
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from pydantic import BaseModel, ValidationError

from daye_kit.errors import (
    AppError,
    FieldError,
    InvalidInput,
    PayloadTooLarge,
    RowError,
    RowLocator,
    RowsRefused,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY = "#,##0.00"
RATE = "0.0%"
COUNT = "#,##0"

M = TypeVar("M", bound=BaseModel)

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
FIRST_DATA_ROW = 3  # row 1: the title, row 2: the headers
INJECTION = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    header: str  # Chinese, with the unit: "实际值(亿元)"
    number_format: str | None = None
    width: int = 14


def workbook(title: str, columns: Sequence[Column], rows: Iterable[Sequence[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    # Control characters are not allowed in a cell; a title may carry them from a request path.
    title = ILLEGAL_CHARACTERS_RE.sub("", title)
    # A sheet's name: at most 31 characters, none of : \\ / ? * [ ]; the full title is in row 1.
    sheet.title = re.sub(r"[:\\/?*\[\]]", " ", title.split("(")[0])[:31].strip() or "Sheet1"
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(1, len(columns)))
    sheet.append([c.header for c in columns])
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=2, column=index)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    for row in rows:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
        for index, column in enumerate(columns, start=1):
            if column.number_format:
                sheet.cell(row=sheet.max_row, column=index).number_format = column.number_format
    sheet.freeze_panes = "A3"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def download(
    content: bytes, filename: str, *, media_type: str = XLSX, fallback: str | None = None
) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": attachment(filename, fallback=fallback)},
    )


def attachment(filename: str, *, fallback: str | None = None) -> str:
    """`Content-Disposition` for a download. Headers are Latin-1, so a name with anything beyond
    printable ASCII also goes in `filename*` (RFC 6266), beside an ASCII stand-in for old clients:
    `fallback` if given (`outstanding-2025-09-30.csv` says more than underscores), else the name with
    every other character replaced."""
    plain = re.sub(r'[^\x20-\x7e]|["\\]', "_", fallback or filename)
    if plain == filename:
        return f'attachment; filename="{filename}"'
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"


# --- in ---------------------------------------------------------------------------------------------


class NotASpreadsheet(AppError):
    status, code, title = 415, "not_a_spreadsheet", "不是 Excel 工作簿"


@dataclass(frozen=True)
class Row:
    number: int  # the row's number in the sheet, as Excel shows it
    values: dict[str, Any]  # header → value


def cell_name(sheet: str, row: int, column: int, header: str) -> str:
    return f"{sheet}!{get_column_letter(column)}{row} ({header})"


def read_rows(content: bytes, headers: Sequence[str]) -> tuple[str, list[Row]]:
    """The first sheet's data rows, keyed by the template's headers. Raises with every bad cell."""
    if len(content) > MAX_BYTES:
        raise PayloadTooLarge(f"the workbook is {len(content)} bytes; at most {MAX_BYTES} are accepted")
    if not zipfile.is_zipfile(io.BytesIO(content)):
        raise NotASpreadsheet("the upload is not an .xlsx workbook")
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise NotASpreadsheet(f"the workbook cannot be read: {type(exc).__name__}") from exc
    sheet = book.worksheets[0]
    found = [str(c.value or "").strip() for c in next(sheet.iter_rows(min_row=2, max_row=2), ())]
    if found[: len(headers)] != list(headers):
        raise InvalidInput.field(
            f"{sheet.title}!2",
            "template_headers",
            f"row 2 must hold the template's headers {list(headers)}; found {found}",
        )
    errors: list[FieldError] = []
    rows: list[Row] = []
    for number, cells in enumerate(
        sheet.iter_rows(min_row=FIRST_DATA_ROW, max_col=len(headers)), start=FIRST_DATA_ROW
    ):
        values: dict[str, Any] = {}
        for index, (header, cell) in enumerate(zip(headers, cells, strict=False), start=1):
            value = cell.value
            if getattr(cell, "data_type", None) == "f" or (
                isinstance(value, str) and value.startswith(INJECTION)
            ):
                errors.append(
                    FieldError(
                        field=cell_name(sheet.title, number, index, header),
                        rule="formula",
                        message="formulas and text starting with = + - @ are refused",
                    )
                )
                continue
            values[header] = value.strip() if isinstance(value, str) else value
        if any(v not in (None, "") for v in values.values()):
            rows.append(Row(number, values))
        if len(rows) > MAX_ROWS:
            raise PayloadTooLarge(f"at most {MAX_ROWS} rows per workbook")
    book.close()
    if errors:
        raise InvalidInput(f"{len(errors)} cell(s) refused; nothing was written", errors=errors)
    return sheet.title, rows


def cells(
    sheet: str, rows: Sequence[Row], headers: Sequence[str], header_of: Callable[[str], str | None]
) -> RowLocator:
    """Names a refused row's field by its cell: `header_of` gives the template column a field (dotted,
    inside the row) was read from."""

    def locate(index: int, field: str) -> str:
        row = rows[index]
        header = header_of(field)
        if header is None or header not in headers:
            return f"{sheet}!{row.number} ({field or 'row'})"
        return cell_name(sheet, row.number, list(headers).index(header) + 1, header)

    return locate


def validated_rows(rows: Sequence[Row], model: type[M], to_data: Callable[[Row], dict[str, Any]]) -> list[M]:
    """The uploaded rows as `model`s (each row's cells turned into the model's input by `to_data`);
    every bad cell of every row refused at once, each named by its row and field."""
    parsed: list[M] = []
    errors: list[RowError] = []
    for index, row in enumerate(rows):
        try:
            parsed.append(model.model_validate(to_data(row)))
        except ValidationError as exc:
            errors += [
                RowError(
                    row=index,
                    field=".".join(str(part) for part in err["loc"]),
                    rule=str(err["type"]),
                    message=str(err["msg"]),
                )
                for err in exc.errors()
            ]
    if errors:
        raise RowsRefused(f"{len(errors)} cell(s) refused; nothing was written", errors)
    return parsed
