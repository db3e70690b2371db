"""A small streaming XLSX writer: typed cells, number formats, a bold header row, frozen panes, column widths.

Every report workbook (the savings report, the wave plan) goes through here; the sample generator's
RVTools-shaped workbook is still written with openpyxl. openpyxl, even in its write-only mode, spends 16-20 s on
a 100,000-row sheet of 23 columns (it builds a cell object and looks its style up for each of 2.3 million
cells); this writes the same sheet's XML directly, in about a tenth of that.
openpyxl stays the reader the tests check these files with.

The package holds the parts of an Office Open XML workbook (ECMA-376 SpreadsheetML) that Excel, LibreOffice
and openpyxl need: content types, relationships, the workbook, one worksheet per sheet and the styles, and for a
sheet with charts its drawing and chart parts (`flows/reports/xlsx_charts.py`). Text is
written as inline strings, so a value starting with "=" is always text, never a formula. Characters XML cannot
carry (control characters other than tab, newline and carriage return) are replaced by U+FFFD, and text longer
than a cell holds (32,767 characters) is cut, saying so.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from flows.reports.xlsx_charts import (
    CHART_REL,
    CHART_TYPE,
    DRAWING_REL,
    DRAWING_TYPE,
    XlsxChart,
    chart_xml,
    drawing_xml,
    relationships_xml,
)

MAX_ROWS = 1_048_576
MAX_TEXT = 32_767  # characters in one cell
_TRUNCATED = " [truncated]"
_EPOCH = dt.datetime(1899, 12, 30, tzinfo=dt.UTC).replace(tzinfo=None)  # spreadsheets hold wall-clock times
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_DEFAULT_DATE_FORMAT = "yyyy-mm-dd"
_DEFAULT_DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
_ROWS_PER_WRITE = 2000
_FIT_PAGE = '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
_FIT_SETUP = '<pageSetup orientation="landscape" fitToWidth="1" fitToHeight="0"/>'


@dataclass(frozen=True, slots=True)
class Styled:
    """A value with its own number format, in a column whose format differs (summary tables mix kinds)."""

    value: object
    number_format: str | None


@dataclass(frozen=True, slots=True)
class XlsxColumn:
    """A column: its header, the number format of its numbers and dates (None: General; dates get
    yyyy-mm-dd), and its width in characters."""

    title: str
    number_format: str | None = None
    width: float = 12.0


@dataclass(frozen=True, slots=True)
class XlsxSheet:
    """One sheet: a bold header row of the column titles, then `rows` (values in column order; None = empty).

    `freeze` is the top-left cell of the part that scrolls: "B2" keeps the header row and the first column in
    view, "A2" the header row only. `charts` are drawn over the sheet, each anchored to its cells. `fit_width`
    prints the sheet landscape, scaled to one page wide (a summary with its charts on one page)."""

    name: str
    columns: Sequence[XlsxColumn]
    rows: Iterable[Sequence[object]]
    freeze: str = "A2"
    charts: Sequence[XlsxChart] = ()
    fit_width: bool = False


class _Styles:
    """The cell formats used so far: index 0 is the default, 1 the bold header; one more per number format."""

    def __init__(self) -> None:
        self.formats: dict[str, int] = {}

    def index(self, number_format: str | None) -> int:
        if number_format is None:
            return 0
        found = self.formats.get(number_format)
        if found is None:
            found = self.formats[number_format] = len(self.formats) + 2
        return found

    def xml(self) -> str:
        codes = list(self.formats)
        num_fmts = "".join(f'<numFmt numFmtId="{164 + i}" formatCode={quoteattr(code)}/>'
                           for i, code in enumerate(codes))
        xfs = "".join(f'<xf numFmtId="{164 + i}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
                      for i in range(len(codes)))
        return (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{_MAIN}">'
            + (f'<numFmts count="{len(codes)}">{num_fmts}</numFmts>' if codes else "")
            + '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
            '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            f'<cellXfs count="{2 + len(codes)}"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
            f"{xfs}</cellXfs>"
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
        )


def column_letter(index: int) -> str:
    """"A" for 0, "Z" for 25, "AA" for 26..."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def cell_range(sheet: str, column: int, first_row: int, last_row: int) -> str:
    """An absolute range of one column, for a chart: 'By wave'!$G$2:$G$9 (column 0-based, rows 1-based)."""
    letter = column_letter(column)
    quoted = sheet.replace("'", "''")
    return f"'{quoted}'!${letter}${first_row}:${letter}${last_row}"


def _text(value: str) -> str:
    if len(value) > MAX_TEXT:  # Excel refuses a file with a longer cell
        value = value[:MAX_TEXT - len(_TRUNCATED)] + _TRUNCATED
    return escape(_ILLEGAL.sub("\ufffd", value))


def spreadsheet_serial(value: dt.date) -> float:
    """Excel's day number (1900 date system): days since 1899-12-30, the time of day as a fraction."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return (value - _EPOCH).total_seconds() / 86400
    return float((value - _EPOCH.date()).days)


class _CellWriter:
    """Turns one column's values into cell XML, its style indexes worked out once."""

    def __init__(self, letter: str, number_format: str | None, styles: _Styles) -> None:
        self.letter = letter
        self.styles = styles
        self.number = styles.index(number_format)
        self.date = styles.index(number_format or _DEFAULT_DATE_FORMAT)
        self.datetime = styles.index(number_format or _DEFAULT_DATETIME_FORMAT)

    def cell(self, value: object, row: int) -> str:
        ref = f"{self.letter}{row}"
        if isinstance(value, Styled):
            if value.value is None:
                return ""
            return _CellWriter(self.letter, value.number_format, self.styles).cell(value.value, row)
        kind = type(value)
        if kind is float or kind is int:
            if kind is float and not math.isfinite(value):  # type: ignore[arg-type]
                return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'
            style = f' s="{self.number}"' if self.number else ""
            return f'<c r="{ref}"{style}><v>{value!r}</v></c>'
        if isinstance(value, str):
            return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{_text(value)}</t></is></c>'
        if isinstance(value, bool):
            return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
        if isinstance(value, int | float):  # other numeric types (an IntEnum, a numpy scalar...)
            return self.cell(float(value) if isinstance(value, float) else int(value), row)
        if isinstance(value, dt.datetime):
            return f'<c r="{ref}" s="{self.datetime}"><v>{spreadsheet_serial(value)!r}</v></c>'
        if isinstance(value, dt.date):
            return f'<c r="{ref}" s="{self.date}"><v>{spreadsheet_serial(value)!r}</v></c>'
        return self.cell(str(value), row)


def _pane(freeze: str) -> str:
    match = re.fullmatch(r"([A-Z]+)(\d+)", freeze)
    if match is None:
        raise ValueError(f"freeze must be a cell reference such as 'B2', got {freeze!r}")
    letters, row_text = match.groups()
    x_split = 0
    for char in letters:
        x_split = x_split * 26 + ord(char) - 64
    x_split, y_split = x_split - 1, int(row_text) - 1
    if not x_split and not y_split:
        return '<sheetViews><sheetView workbookViewId="0"/></sheetViews>'
    active = "bottomRight" if x_split and y_split else ("topRight" if x_split else "bottomLeft")
    splits = (f' xSplit="{x_split}"' if x_split else "") + (f' ySplit="{y_split}"' if y_split else "")
    return (f'<sheetViews><sheetView workbookViewId="0"><pane{splits} topLeftCell="{freeze}" '
            f'activePane="{active}" state="frozen"/><selection pane="{active}" activeCell="{freeze}" '
            f'sqref="{freeze}"/></sheetView></sheetViews>')


def _write_sheet(sheet: XlsxSheet, styles: _Styles, archive: zipfile.ZipFile, part: str) -> None:
    """The sheet's rows go to a spooled file first: the dimension element, which comes before them, needs the
    row count. Memory stays small however long the sheet is."""
    writers = [_CellWriter(column_letter(i), column.number_format, styles) for i, column in enumerate(sheet.columns)]
    width = len(writers)
    with tempfile.SpooledTemporaryFile(max_size=8 << 20, mode="w+b") as body:
        header = "".join(f'<c r="{w.letter}1" s="1" t="inlineStr"><is><t xml:space="preserve">{_text(c.title)}'
                         f"</t></is></c>" for w, c in zip(writers, sheet.columns, strict=True))
        body.write(f'<row r="1">{header}</row>'.encode())
        number = 1
        chunk: list[str] = []
        for values in sheet.rows:
            number += 1
            if number > MAX_ROWS:
                raise ValueError(f"sheet {sheet.name!r} has more than {MAX_ROWS:,} rows, the XLSX limit")
            if len(values) != width:
                raise ValueError(f"sheet {sheet.name!r} row {number} has {len(values)} values for {width} columns")
            cells = "".join([w.cell(v, number) for w, v in zip(writers, values, strict=True) if v is not None])
            chunk.append(f'<row r="{number}">{cells}</row>')
            if len(chunk) >= _ROWS_PER_WRITE:
                body.write("".join(chunk).encode())
                chunk.clear()
        body.write("".join(chunk).encode())
        last = f"{column_letter(max(width, 1) - 1)}{number}"
        cols = "".join(f'<col min="{i}" max="{i}" width="{column.width:g}" customWidth="1"/>'
                       for i, column in enumerate(sheet.columns, start=1))
        with archive.open(part, "w", force_zip64=True) as out:
            out.write(f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_MAIN}" '
                      f'xmlns:r="{_REL}">{_FIT_PAGE if sheet.fit_width else ""}<dimension ref="A1:{last}"/>'
                      f"{_pane(sheet.freeze)}"
                      f'<sheetFormatPr defaultRowHeight="15"/>{f"<cols>{cols}</cols>" if cols else ""}'
                      "<sheetData>".encode())
            body.seek(0)
            shutil.copyfileobj(body, out)
            ending = (_FIT_SETUP if sheet.fit_width else "") + ('<drawing r:id="rId1"/>' if sheet.charts else "")
            out.write(b'</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
                      b'footer="0.3"/>' + ending.encode() + b"</worksheet>")


def _check_names(sheets: Sequence[XlsxSheet]) -> None:
    seen: set[str] = set()
    for sheet in sheets:
        if not 1 <= len(sheet.name) <= 31 or _SHEET_NAME_FORBIDDEN.search(sheet.name):
            raise ValueError(f"not a sheet name Excel accepts: {sheet.name!r} "
                             "(1-31 characters, none of [ ] : * ? / \\)")
        if sheet.name.lower() in seen:
            raise ValueError(f"two sheets are called {sheet.name!r}")
        seen.add(sheet.name.lower())


def write_xlsx(sheets: Sequence[XlsxSheet], path: Path) -> Path:
    """Write the workbook to `path`: next to it first, then moved into place, so no reader sees half a file."""
    if not sheets:
        raise ValueError("a workbook needs at least one sheet")
    _check_names(sheets)
    path.parent.mkdir(parents=True, exist_ok=True)
    styles = _Styles()
    partial = path.with_name(f".{path.name}.partial")
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            for number, sheet in enumerate(sheets, start=1):
                _write_sheet(sheet, styles, archive, f"xl/worksheets/sheet{number}.xml")
            _write_package_parts(archive, sheets, styles)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def _chart_parts(sheets: Sequence[XlsxSheet]) -> tuple[dict[str, str], list[str]]:
    """The drawing and chart parts of the sheets with charts (drawing n belongs to sheet n), and their content
    type overrides."""
    parts: dict[str, str] = {}
    types: list[str] = []
    chart_number = 0
    for n, sheet in enumerate(sheets, start=1):
        if not sheet.charts:
            continue
        parts[f"xl/worksheets/_rels/sheet{n}.xml.rels"] = relationships_xml(
            [(DRAWING_REL, f"../drawings/drawing{n}.xml")])
        parts[f"xl/drawings/drawing{n}.xml"] = drawing_xml(sheet.charts)
        types.append(f'<Override PartName="/xl/drawings/drawing{n}.xml" ContentType="{DRAWING_TYPE}"/>')
        targets = []
        for chart in sheet.charts:
            chart_number += 1
            parts[f"xl/charts/chart{chart_number}.xml"] = chart_xml(chart)
            types.append(f'<Override PartName="/xl/charts/chart{chart_number}.xml" ContentType="{CHART_TYPE}"/>')
            targets.append((CHART_REL, f"../charts/chart{chart_number}.xml"))
        parts[f"xl/drawings/_rels/drawing{n}.xml.rels"] = relationships_xml(targets)
    return parts, types


def _write_package_parts(archive: zipfile.ZipFile, sheets: Sequence[XlsxSheet], styles: _Styles) -> None:
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    count = len(sheets)
    chart_parts, chart_types = _chart_parts(sheets)
    sheet_types = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for n in range(1, count + 1)) + "".join(chart_types)
    parts: dict[str, str] = {
        "[Content_Types].xml": (
            f'{head}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f"{sheet_types}"
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>'),
        "_rels/.rels": (
            f'{head}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (
            f'{head}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><bookViews><workbookView/></bookViews><sheets>'
            + "".join(f'<sheet name={quoteattr(sheet.name)} sheetId="{n}" r:id="rId{n}"/>'
                      for n, sheet in enumerate(sheets, start=1))
            + "</sheets></workbook>"),
        "xl/_rels/workbook.xml.rels": (
            f'{head}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(f'<Relationship Id="rId{n}" Type="{_REL}/worksheet" Target="worksheets/sheet{n}.xml"/>'
                      for n in range(1, count + 1))
            + f'<Relationship Id="rId{count + 1}" Type="{_REL}/styles" Target="styles.xml"/></Relationships>'),
        "xl/styles.xml": styles.xml(),
        **chart_parts,
    }
    for name, text in parts.items():
        archive.writestr(name, text.encode())
