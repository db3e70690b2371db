"""Report tables as an XLSX workbook: one sheet per table, typed cells, number formats, frozen header row.

Written in openpyxl's write-only mode, so a 100,000-row Systems sheet streams to disk instead of living in
memory. openpyxl stores any string starting with "=" as a formula; text cells are forced to strings so an
inventory name can never become one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from flows.reports.savings_tables import Cell, Kind, Table

MONEY_FORMAT = '"$"#,##0.00;[Red]-"$"#,##0.00'
NUMBER_FORMATS: dict[Kind, str] = {
    Kind.MONEY: MONEY_FORMAT,
    Kind.NUMBER: "#,##0.00##",
    Kind.INTEGER: "0",
    Kind.SHARE: "0.0%",
    Kind.MONTH: "yyyy-mm",
}
_WIDTHS = {Kind.TEXT: 18, Kind.MONEY: 15, Kind.NUMBER: 12, Kind.INTEGER: 9, Kind.SHARE: 9, Kind.MONTH: 10}
_WIDE_TEXT = {"Source": 100, "Name": 24, "Figure": 34, "Lines from defaults": 30}


def write_xlsx_tables(tables: Iterable[Table], path: Path) -> None:
    """Write each table to its own sheet of a new workbook at `path`."""
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for table in tables:
        sheet = workbook.create_sheet(table.name)
        # Systems keeps its ID and name in view while scrolling right; other sheets freeze the header only.
        sheet.freeze_panes = "C2" if table.slug == "systems" else "B2"
        for index, column in enumerate(table.columns, start=1):
            width = _WIDE_TEXT.get(column.title, max(_WIDTHS[column.kind], min(len(column.title) + 2, 40)))
            sheet.column_dimensions[get_column_letter(index)].width = width
        header = []
        for index, column in enumerate(table.columns):
            cell = WriteOnlyCell(sheet, value=column.title)
            cell.font = bold
            if index == 0 and table.note:
                cell.comment = Comment(table.note, "lumen-migrate")
            header.append(cell)
        sheet.append(header)
        makers = [_cell_maker(sheet, column.kind) for column in table.columns]
        for row in table.rows():
            sheet.append([make(value) for make, value in zip(makers, row, strict=True)])
    workbook.save(path)


def _cell_maker(sheet: Any, kind: Kind) -> Callable[[object], object]:
    """A function turning a value of this column into what the sheet stores (a styled cell or a plain value)."""

    def make(value: object) -> object:
        cell_kind = kind
        if isinstance(value, Cell):
            cell_kind = value.kind
            value = value.value
        if value is None:
            return None
        if cell_kind is Kind.TEXT:
            return _text_cell(sheet, value)
        if cell_kind is Kind.MONTH and not isinstance(value, dt.date):
            return _text_cell(sheet, value)
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = NUMBER_FORMATS[cell_kind]
        return cell

    return make


def _text_cell(sheet: Any, value: object) -> object:
    text = str(value)
    if not text.startswith("="):
        return text
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # a string, never a formula
    return cell
