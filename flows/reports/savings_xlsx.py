"""Report tables as an XLSX workbook: one sheet per table, typed cells, number formats, frozen header row, and a
last sheet with each table's note.

Written by the project's streaming XLSX writer (`flows/reports/xlsx.py`): a 100,000-row Systems sheet streams
to disk, and text is always stored as text (a name starting with "=" never becomes a formula).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from flows.reports.savings_tables import Cell, Kind, Table
from flows.reports.xlsx import Styled, XlsxColumn, XlsxSheet, write_xlsx

MONEY_FORMAT = '"$"#,##0.00;[Red]-"$"#,##0.00'
NUMBER_FORMATS: dict[Kind, str | None] = {
    Kind.TEXT: None,
    Kind.MONEY: MONEY_FORMAT,
    Kind.NUMBER: "#,##0.00##",
    Kind.INTEGER: "0",
    Kind.SHARE: "0.0%",
    Kind.MONTH: "yyyy-mm",
}
_WIDTHS = {Kind.TEXT: 18, Kind.MONEY: 15, Kind.NUMBER: 12, Kind.INTEGER: 9, Kind.SHARE: 9, Kind.MONTH: 10}
_WIDE_TEXT = {"Source": 100, "Name": 24, "Figure": 34, "Lines from defaults": 30}
NOTES_SHEET = "Notes"


def write_xlsx_tables(tables: Iterable[Table], path: Path) -> None:
    """Write each table to its own sheet of a new workbook at `path`, then a Notes sheet."""
    tables = list(tables)
    sheets = [_sheet(table) for table in tables]
    notes = [(table.name, table.note) for table in tables if table.note]
    sheets.append(XlsxSheet(NOTES_SHEET, (XlsxColumn("Sheet", width=22), XlsxColumn("Note", width=110)),
                            [*notes, ("All sheets", "Money in USD. Months are the first day of the month.")]))
    write_xlsx(sheets, path)


def _sheet(table: Table) -> XlsxSheet:
    columns = tuple(
        XlsxColumn(column.title, NUMBER_FORMATS[column.kind],
                   _WIDE_TEXT.get(column.title, max(_WIDTHS[column.kind], min(len(column.title) + 2, 40))))
        for column in table.columns)
    # Systems keeps its ID and name in view while scrolling right; other sheets freeze the first column.
    freeze = "C2" if table.slug == "systems" else "B2"
    return XlsxSheet(table.name, columns, _mixed_rows(table) if table.mixed else table.rows(), freeze)


def _mixed_rows(table: Table) -> Iterator[list[object]]:
    """Rows of a table whose cells may carry their own kind (`Cell`): those keep their own number format."""
    for row in table.rows():
        yield [Styled(value.value, NUMBER_FORMATS[value.kind]) if isinstance(value, Cell) else value
               for value in row]
