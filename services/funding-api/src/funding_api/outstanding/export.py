"""The public-notice list (公示名单) of unpaid awards, as CSV or an Excel workbook, with Chinese headers."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from daye_kit.spreadsheets import MONEY, Column, workbook
from funding_api.awards.models import AwardMode
from funding_api.outstanding.schemas import PROMISE_WORKING_DAYS, OutstandingItem

MODE_NAMES = {AwardMode.automatic: "无申请兑现", AwardMode.application: "依申请兑现"}
# Amounts are Excel numbers in the workbook (so the sheet can sum them); doubles hold every fen exactly
# below 10^13 yuan. The CSV carries the exact decimal strings.
COLUMNS = (
    Column("序号", width=6),
    Column("资金项目", width=36),
    Column("兑现方式", width=12),
    Column("企业名称", width=36),
    Column("统一社会信用代码", width=22),
    Column("所属单位代码", width=14),
    Column("奖补金额(元)", MONEY, width=16),
    Column("已拨付(元)", MONEY, width=16),
    Column("未兑现(元)", MONEY, width=16),
    Column("批准日期", width=12),
    Column("已过工作日", width=10),
    Column(f"超过{PROMISE_WORKING_DAYS}个工作日", width=14),
)
HEADERS = tuple(column.header for column in COLUMNS)


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
    rows = [_row(number, item) for number, item in enumerate(items, start=1)]
    rows.append(["合计", None, None, f"{len(items)} 项", None, None, None, None, _total(items)])
    return workbook(title(as_of), COLUMNS, rows)
