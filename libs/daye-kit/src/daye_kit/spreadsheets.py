"""Excel workbooks for people: a title row, Chinese headers (with units) frozen above the data,
number formats that show money and rates properly, sensible column widths."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import quote

from fastapi.responses import Response
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY = "#,##0.00"
RATE = "0.0%"
COUNT = "#,##0"


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


def download(content: bytes, filename: str) -> Response:
    return Response(content, media_type=XLSX, headers={"Content-Disposition": attachment(filename)})


def attachment(filename: str) -> str:
    """`Content-Disposition` for a download. Headers are Latin-1, so a name with anything beyond
    printable ASCII also goes in `filename*` (RFC 6266), beside an ASCII stand-in for old clients."""
    plain = re.sub(r'[^\x20-\x7e]|["\\]', "_", filename)
    if plain == filename:
        return f'attachment; filename="{filename}"'
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"
