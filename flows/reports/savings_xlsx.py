"""Report tables as an XLSX workbook: one sheet per table, typed cells, number formats, frozen header row, native
charts on the Summary sheet, and a last sheet with each table's note.

Written by the project's streaming XLSX writer (`flows/reports/xlsx.py`): a 100,000-row Systems sheet streams
to disk, and text is always stored as text (a name starting with "=" never becomes a formula).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from flows.reports.money import USD, Money
from flows.reports.savings_tables import Cell, Kind, Table, report_tables, scenario_words, wave_label
from flows.reports.xlsx import Styled, XlsxColumn, XlsxSheet, cell_range, spreadsheet_serial, write_xlsx
from flows.reports.xlsx_charts import ChartSeries, XlsxChart
from migrations_plan.savings import SavingsReport

USD_FORMAT = USD.xlsx_format()
_FORMATS: dict[Kind, str | None] = {
    Kind.TEXT: None,
    Kind.USD: USD_FORMAT,
    Kind.NUMBER: "#,##0.00##",
    Kind.INTEGER: "0",
    Kind.SHARE: "0.0%",
    Kind.MONTH: "yyyy-mm",
}
_WIDTHS = {Kind.TEXT: 18, Kind.MONEY: 15, Kind.USD: 15, Kind.NUMBER: 12, Kind.INTEGER: 9, Kind.SHARE: 9,
           Kind.MONTH: 10}
_WIDE_TEXT = {"Source": 100, "Name": 24, "Figure": 34, "Lines from defaults": 30, "Assumption": 36, "Key": 34,
              "Wave": 26}
NOTES_SHEET = "Notes"
SUMMARY_SHEET = "Summary"
NET_GREEN, LOSS_RED, CUMULATIVE_BLUE = "2E7D32", "C62828", "1F6FEB"
# The Summary's charts start at column G: a gutter after its four columns, where a long text may run over.
CHART_LEFT = 6


def number_formats(money: Money) -> dict[Kind, str | None]:
    """Each kind's number format; money in the report's currency."""
    return {**_FORMATS, Kind.MONEY: money.xlsx_format()}


def write_xlsx_tables(tables: Iterable[Table], path: Path, *, money: Money = USD,
                      charts: Mapping[str, Sequence[XlsxChart]] | None = None) -> None:
    """Write each table to its own sheet of a new workbook at `path` (with the charts given for it by sheet
    name), then a Notes sheet."""
    tables = list(tables)
    formats = number_formats(money)
    sheets = [_sheet(table, formats, (charts or {}).get(table.name, ())) for table in tables]
    notes = [(table.name, table.note) for table in tables if table.note]
    sheets.append(XlsxSheet(NOTES_SHEET, (XlsxColumn("Sheet", width=22), XlsxColumn("Note", width=110)),
                            [*notes, ("All sheets", f"{money.note()} Months are the first day of the month.")]))
    write_xlsx(sheets, path)


def _sheet(table: Table, formats: Mapping[Kind, str | None], charts: Sequence[XlsxChart]) -> XlsxSheet:
    columns = tuple(
        XlsxColumn(column.title, formats[column.kind],
                   _WIDE_TEXT.get(column.title, max(_WIDTHS[column.kind], min(len(column.title) + 2, 40))))
        for column in table.columns)
    # Systems keeps its ID and name in view while scrolling right; other sheets freeze the first column.
    freeze = "C2" if table.slug == "systems" else "B2"
    rows = _mixed_rows(table, formats) if table.mixed else table.rows()
    return XlsxSheet(table.name, columns, rows, freeze, charts, fit_width=bool(charts))


def _mixed_rows(table: Table, formats: Mapping[Kind, str | None]) -> Iterator[list[object]]:
    """Rows of a table whose cells may carry their own kind (`Cell`): those keep their own number format."""
    for row in table.rows():
        yield [Styled(value.value, formats[value.kind]) if isinstance(value, Cell) else value for value in row]


def savings_charts(report: SavingsReport, money: Money = USD) -> dict[str, list[XlsxChart]]:
    """The Summary sheet's charts, drawn from the Monthly and By wave sheets' cells: monthly net cash flow as
    columns with the cumulative as a line, and each wave's net over the horizon as horizontal bars."""
    tables = {table.slug: table for table in report_tables(report, money)}
    k = money.factor
    monthly, by_wave = tables["monthly"], tables["by_wave"]
    titles = [column.title for column in monthly.columns]
    rows = report.planned.monthly
    last = len(rows) + 1
    pricing = scenario_words(report.scenario)
    cash = XlsxChart(
        title=f"Net cash flow by month, planned ({pricing}, {money.code})",
        categories=cell_range(monthly.name, titles.index("Month"), 2, last),
        labels=[spreadsheet_serial(row.month) for row in rows], category_format="yyyy-mm",
        series=[ChartSeries("Net cash flow", cell_range(monthly.name, titles.index("Net"), 2, last),
                            [row.net * k for row in rows], "column", NET_GREEN, LOSS_RED),
                ChartSeries("Cumulative", cell_range(monthly.name, titles.index("Cumulative"), 2, last),
                            [row.cumulative * k for row in rows], "line", CUMULATIVE_BLUE)],
        left=CHART_LEFT, top=1, right=CHART_LEFT + 11, bottom=22)
    waves = list(report.planned.by_wave.values())  # By wave lists the planned rows first
    wave_titles = [column.title for column in by_wave.columns]
    height = max(16, 4 + len(waves) * 3 // 2)
    wave_chart = XlsxChart(
        title=f"Net cash flow by wave over {report.months} months, planned ({money.code})",
        categories=cell_range(by_wave.name, wave_titles.index("Wave"), 2, len(waves) + 1),
        labels=[wave_label(entry.key) for entry in waves],
        series=[ChartSeries("Net cash flow", cell_range(by_wave.name, wave_titles.index("Net"), 2, len(waves) + 1),
                            [entry.totals.net * k for entry in waves], "bar", NET_GREEN, LOSS_RED)],
        left=CHART_LEFT, top=24, right=CHART_LEFT + 11, bottom=24 + height)
    return {SUMMARY_SHEET: [cash, wave_chart]} if waves else {SUMMARY_SHEET: [cash]}
