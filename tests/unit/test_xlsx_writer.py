"""The streaming XLSX writer, read back with openpyxl (a real spreadsheet library) in both of its modes."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
from openpyxl import load_workbook

from flows.reports.xlsx import Styled, XlsxColumn, XlsxSheet, cell_range, column_letter, write_xlsx
from flows.reports.xlsx_charts import ChartSeries, XlsxChart

TEXTS = ["plain", "a & b < c > d \"q\" 'a'", "  spaced  ", '=HYPERLINK("http://evil.example")', "+1", "@x",
         "ünïcødé €", "line\nbreak\ttab", ""]


def wall(*parts: int) -> dt.datetime:
    """A date and time as a spreadsheet holds it: no time zone (the writer stores UTC)."""
    return dt.datetime(*parts, tzinfo=dt.UTC).replace(tzinfo=None)


def test_values_come_back_as_written(tmp_path: Path) -> None:
    when = dt.datetime(2026, 11, 25, 6, 30, 15, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    rows = [
        [1, 0.1 + 0.2, True, dt.date(2027, 3, 1), when, "plain"],
        [-7, 1e-12, False, dt.date(1999, 12, 31), dt.datetime(2030, 1, 1, tzinfo=dt.UTC), None],
        [None, 123456789.125, None, None, None, "last"],
    ]
    columns = (XlsxColumn("int"), XlsxColumn("money", '"$"#,##0.00', 15), XlsxColumn("flag"),
               XlsxColumn("month", "yyyy-mm"), XlsxColumn("when"), XlsxColumn("text", width=40))
    path = write_xlsx([XlsxSheet("Data", columns, rows)], tmp_path / "book.xlsx")
    sheet = load_workbook(path)["Data"]
    assert [c.value for c in sheet[1]] == ["int", "money", "flag", "month", "when", "text"]
    assert all(c.font.bold for c in sheet[1])
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert values[0][:3] == [1, 0.1 + 0.2, True], "floats keep every digit"
    assert values[0][3] == wall(2027, 3, 1) and values[0][4] == wall(2026, 11, 25, 4, 30, 15)
    assert values[1] == [-7, 1e-12, False, wall(1999, 12, 31), wall(2030, 1, 1), None]
    assert values[2] == [None, 123456789.125, None, None, None, "last"]
    formats = [c.number_format for c in sheet[2]]
    assert formats[1] == '"$"#,##0.00' and formats[3] == "yyyy-mm" and formats[4] == "yyyy-mm-dd hh:mm"
    assert sheet.column_dimensions["B"].width == 15 and sheet.column_dimensions["F"].width == 40
    assert sheet.freeze_panes == "A2"


def test_text_is_exact_and_never_a_formula(tmp_path: Path) -> None:
    path = write_xlsx([XlsxSheet("Text", (XlsxColumn("value"),), [[text] for text in TEXTS])], tmp_path / "t.xlsx")
    cells = [row[0] for row in load_workbook(path)["Text"].iter_rows(min_row=2)]
    assert [c.value or "" for c in cells] == TEXTS
    assert all(c.data_type == "s" for c in cells if c.value)


def test_characters_xml_cannot_carry_are_replaced_not_fatal(tmp_path: Path) -> None:
    rows = [["bell\x07 and nul\x00"], [float("nan")], ["x" * 40_000], [Styled(None, "0")]]
    path = write_xlsx([XlsxSheet("S", (XlsxColumn("v"),), rows)], tmp_path / "c.xlsx")
    sheet = load_workbook(path)["S"]
    assert sheet["A2"].value == "bell\ufffd and nul\ufffd"
    assert sheet["A3"].value == "nan", "a value that is not a number is shown, as text"
    long = sheet["A4"].value
    assert len(long) == 32_767 and long.endswith(" [truncated]"), "no cell beyond what Excel opens"
    assert sheet["A5"].value is None, "an empty cell with a format is empty"


def test_cells_of_their_own_format_in_a_mixed_column(tmp_path: Path) -> None:
    rows = [["Discount rate", Styled(0.07, "0.0%")], ["Horizon", Styled(12, "0")], ["Note", Styled("text", None)]]
    path = write_xlsx([XlsxSheet("Mixed", (XlsxColumn("figure"), XlsxColumn("value", '"$"#,##0.00')), rows)],
                      tmp_path / "m.xlsx")
    sheet = load_workbook(path)["Mixed"]
    assert (sheet["B2"].value, sheet["B2"].number_format) == (0.07, "0.0%")
    assert (sheet["B3"].value, sheet["B3"].number_format) == (12, "0")
    assert sheet["B4"].value == "text"


@pytest.mark.parametrize("freeze", ["A1", "A2", "B2", "C2", "B1", "D5"])
def test_frozen_panes(tmp_path: Path, freeze: str) -> None:
    path = write_xlsx([XlsxSheet("F", (XlsxColumn("a"), XlsxColumn("b")), [[1, 2]], freeze)], tmp_path / "f.xlsx")
    assert load_workbook(path)["F"].freeze_panes == (None if freeze == "A1" else freeze)


def test_many_rows_stream_and_read_back_in_read_only_mode(tmp_path: Path) -> None:
    count = 30_000
    rows = ([i, f"system-{i}", i * 1.5 if i % 7 else None] for i in range(count))
    path = write_xlsx([XlsxSheet("Big", (XlsxColumn("n"), XlsxColumn("name"), XlsxColumn("x")), rows)],
                      tmp_path / "big.xlsx")
    book = load_workbook(path, read_only=True)
    sheet = book["Big"]
    assert (sheet.max_row, sheet.max_column) == (count + 1, 3)
    body = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(body) == count and body[0] == (0, "system-0", None) and body[-1] == (count - 1, f"system-{count - 1}",
                                                                                    (count - 1) * 1.5)
    book.close()


def test_the_package_parts_are_well_formed_xml(tmp_path: Path) -> None:
    sheets = [XlsxSheet(name, (XlsxColumn("a"),), [["x & y"]]) for name in ("One", "Two & Three", "Four's")]
    path = write_xlsx(sheets, tmp_path / "p.xlsx")
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        assert {"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
                "xl/styles.xml", "xl/worksheets/sheet1.xml", "xl/worksheets/sheet3.xml"} <= names
        for name in names:
            ElementTree.fromstring(archive.read(name))  # raises on malformed XML
    assert load_workbook(path).sheetnames == ["One", "Two & Three", "Four's"]


def test_charts_are_drawing_and_chart_parts_that_openpyxl_reads_back(tmp_path: Path) -> None:
    data = [["W1", 100.0, 100.0], ["W2", -40.0, 60.0], ["No wave", 5.0, 65.0]]
    columns = (XlsxColumn("wave"), XlsxColumn("net"), XlsxColumn("cumulative"))
    combined = XlsxChart("Net & cumulative", cell_range("Data's", 0, 2, 4), [row[0] for row in data],
                         [ChartSeries("Net", cell_range("Data's", 1, 2, 4), [row[1] for row in data], "column",
                                      negative_colour="C62828"),
                          ChartSeries("Cumulative", cell_range("Data's", 2, 2, 4), [row[2] for row in data], "line")],
                         left=4, top=1, right=12, bottom=18)
    bars = XlsxChart("By wave", cell_range("Data's", 0, 2, 4), [row[0] for row in data],
                     [ChartSeries("Net", cell_range("Data's", 1, 2, 4), [row[1] for row in data], "bar")],
                     left=4, top=20, right=12, bottom=36)
    sheets = [XlsxSheet("Plain", (XlsxColumn("a"),), [[1]]),
              XlsxSheet("Data's", columns, data, charts=[combined], fit_width=True),
              XlsxSheet("More", (XlsxColumn("a"),), [[2]], charts=[bars])]
    path = write_xlsx(sheets, tmp_path / "charts.xlsx")
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        for name in names:
            ElementTree.fromstring(archive.read(name))  # raises on malformed XML
        types = archive.read("[Content_Types].xml").decode()
        sheet_rels = archive.read("xl/worksheets/_rels/sheet2.xml.rels").decode()
        drawing_rels = archive.read("xl/drawings/_rels/drawing3.xml.rels").decode()
    # Drawing n belongs to sheet n; charts are numbered across the workbook; a sheet without charts has neither.
    assert {"xl/drawings/drawing2.xml", "xl/drawings/drawing3.xml", "xl/charts/chart1.xml",
            "xl/charts/chart2.xml"} <= names
    assert not any(name.endswith(("drawing1.xml", "sheet1.xml.rels")) for name in names)
    assert 'Target="../drawings/drawing2.xml"' in sheet_rels and 'Target="../charts/chart2.xml"' in drawing_rels
    assert types.count("drawingml.chart+xml") == 2 and types.count("officedocument.drawing+xml") == 2
    book = load_workbook(path)
    assert [len(sheet._charts) for sheet in book.worksheets] == [0, 1, 1]
    (chart,) = book["Data's"]._charts
    assert [series.val.numRef.f for part in chart._charts for series in part.series] == [
        "'Data''s'!$B$2:$B$4", "'Data''s'!$C$2:$C$4"], "a quote in a sheet name is doubled"
    assert [point.v for point in chart._charts[0].series[0].val.numRef.numCache.pt] == [100.0, -40.0, 5.0]
    assert book["Data's"].page_setup.orientation == "landscape" and book["Data's"].page_setup.fitToWidth == 1
    (wave_chart,) = book["More"]._charts
    assert wave_chart.type == "bar" and wave_chart.x_axis.scaling.orientation == "maxMin", "first wave on top"


@pytest.mark.parametrize(("sheets", "message"), [
    ([], "at least one sheet"),
    ([XlsxSheet("a/b", (XlsxColumn("x"),), [])], "not a sheet name"),
    ([XlsxSheet("x" * 32, (XlsxColumn("x"),), [])], "not a sheet name"),
    ([XlsxSheet("Same", (XlsxColumn("x"),), []), XlsxSheet("same", (XlsxColumn("x"),), [])], "two sheets"),
    ([XlsxSheet("Short", (XlsxColumn("x"), XlsxColumn("y")), [[1, 2], [3]])], "row 3 has 1 values for 2 columns"),
])
def test_bad_workbooks_are_refused_and_leave_no_file(tmp_path: Path, sheets: list[XlsxSheet], message: str) -> None:
    target = tmp_path / "out.xlsx"
    target.write_bytes(b"the previous file")
    with pytest.raises(ValueError, match=message):
        write_xlsx(sheets, target)
    assert target.read_bytes() == b"the previous file"
    assert [p.name for p in tmp_path.iterdir()] == ["out.xlsx"]


@pytest.mark.parametrize(("index", "letters"), [(0, "A"), (25, "Z"), (26, "AA"), (51, "AZ"), (52, "BA"),
                                                (701, "ZZ"), (702, "AAA"), (16383, "XFD")])
def test_column_letters(index: int, letters: str) -> None:
    assert column_letter(index) == letters
