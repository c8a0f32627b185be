"""Reading an uploaded workbook defensively: only real .xlsx files of bounded size, no formulas or
formula-like text (=, +, -, @ at the start of a cell, the CSV/DDE injection family), every problem
named by sheet, row and column."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from daye_kit.errors import AppError, FieldError, InvalidInput, PayloadTooLarge

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
FIRST_DATA_ROW = 3  # row 1: the title, row 2: the headers
INJECTION = ("=", "+", "-", "@", "\t", "\r")


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
