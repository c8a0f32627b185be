"""The public-notice list (公示名单) of unpaid awards, as CSV or an Excel workbook, with Chinese headers."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from funding_api.awards.models import AwardMode
from funding_api.outstanding.schemas import PROMISE_WORKING_DAYS, OutstandingItem

MODE_NAMES = {AwardMode.automatic: "无申请兑现", AwardMode.application: "依申请兑现"}
HEADERS = (
    "序号",
    "资金项目",
    "兑现方式",
    "企业名称",
    "统一社会信用代码",
    "所属单位代码",
    "奖补金额(元)",
    "已拨付(元)",
    "未兑现(元)",
    "批准日期",
    "已过工作日",
    f"超过{PROMISE_WORKING_DAYS}个工作日",
)
MONEY_COLUMNS = (7, 8, 9)  # 1-based, for the workbook's number format


def title(as_of: date) -> str:
    return f"大冶市未兑现政策资金公示名单(截至 {as_of.isoformat()})"


def _row(number: int, item: OutstandingItem) -> list[object]:
    return [
        number,
        item.program_name,
        MODE_NAMES[item.mode],
        item.enterprise_name,
        item.credit_code,
        item.region_code,
        item.amount,
        item.paid,
        item.outstanding,
        item.approved_on.isoformat(),
        item.working_days,
        "是" if item.overdue else "否",
    ]


def _total(items: Sequence[OutstandingItem]) -> Decimal:
    return sum((item.outstanding for item in items), Decimal("0.00"))


def to_csv(items: Sequence[OutstandingItem]) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel opens the Chinese text correctly; amounts exact."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADERS)
    for number, item in enumerate(items, start=1):
        writer.writerow([f"{v:f}" if isinstance(v, Decimal) else v for v in _row(number, item)])
    writer.writerow(["合计", "", "", f"{len(items)} 项", "", "", "", "", f"{_total(items):f}", "", "", ""])
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(items: Sequence[OutstandingItem], as_of: date) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "公示名单"
    sheet.append([title(as_of)])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append(list(HEADERS))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for number, item in enumerate(items, start=1):
        sheet.append(_row(number, item))
    sheet.append(["合计", None, None, f"{len(items)} 项", None, None, None, None, _total(items)])
    # Amounts are Excel numbers (so the sheet can sum them); doubles hold every fen exactly below
    # 10^13 yuan. The CSV carries the exact decimal strings.
    for row in sheet.iter_rows(min_row=3):
        for column in MONEY_COLUMNS:
            row[column - 1].number_format = "#,##0.00"
    for letter, width in zip("ABCDEFGHIJKL", (6, 36, 12, 36, 22, 14, 16, 16, 16, 12, 10, 14), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A3"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
