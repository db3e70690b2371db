"""What every importer shares: reading text safely, matching headers, parsing cells, collecting problems.

An importer reads the whole file, collects *every* problem as an `InputProblem` and raises one
`BadInputError` at the end, so a user fixes a file in one pass and nothing is written from a bad file.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from inventory.errors import BadInputError, InputProblem
from inventory.importers.rows import DependencyRow, SystemRow, record_from_row, row_from_record
from inventory.records import DependencyRecord, SystemRecord

# progress(done, total): importers call it as they go; total may be 0 when unknown.
ProgressFn = Callable[[int, int], None]

_BOM = "\ufeff"
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class ParsedInventory:
    """The result of parsing one file, in table form: systems and/or dependencies, plus warnings worth showing.

    Rows, not models: 100,000 systems stay small in memory and go to the database without conversion. The
    `systems` / `dependencies` properties rebuild the records, for tests and small files only.
    """

    format: str
    system_table: tuple[SystemRow, ...] = ()
    dependency_table: tuple[DependencyRow, ...] = ()
    warnings: tuple[str, ...] = ()

    @classmethod
    def of(
        cls,
        format: str,
        *,
        systems: Iterable[SystemRecord] = (),
        dependencies: Iterable[DependencyRecord] = (),
        warnings: Iterable[str] = (),
        system_rows: Sequence[int] = (),
        dependency_rows: Sequence[int] = (),
    ) -> ParsedInventory:
        """From records; `*_rows` are their 1-based file rows (default: 2, 3, ... as under a header row)."""
        systems, dependencies = tuple(systems), tuple(dependencies)
        system_lines = system_rows or range(2, len(systems) + 2)
        dependency_lines = dependency_rows or range(2, len(dependencies) + 2)
        return cls(
            format=format,
            system_table=tuple(row_from_record(record, line)
                               for line, record in zip(system_lines, systems, strict=True)),
            dependency_table=tuple(DependencyRow.from_record(record, line)
                                   for line, record in zip(dependency_lines, dependencies, strict=True)),
            warnings=tuple(warnings),
        )

    @property
    def systems(self) -> tuple[SystemRecord, ...]:
        return tuple(record_from_row(row) for row in self.system_table)

    @property
    def dependencies(self) -> tuple[DependencyRecord, ...]:
        return tuple(row.record() for row in self.dependency_table)

    @property
    def system_rows(self) -> tuple[int, ...]:
        """The 1-based file row of each system."""
        return tuple(row.line for row in self.system_table)

    @property
    def dependency_rows(self) -> tuple[int, ...]:
        """The 1-based file row of each dependency, for messages raised later (e.g. by the store)."""
        return tuple(row.line for row in self.dependency_table)


@dataclass
class Problems:
    """Collects the problems of one file; `raise_if_any()` turns them into one BadInputError."""

    file: str
    items: list[InputProblem] = field(default_factory=list)

    def add(self, row: int, column: str, message: str) -> None:
        self.items.append(InputProblem(self.file, row, column, message))

    def raise_if_any(self) -> None:
        if self.items:
            raise BadInputError(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)


def display_name(path: Path) -> str:
    """How a file is named in messages: as the user gave it."""
    return str(path)


def read_bytes(path: Path) -> bytes:
    """The file's bytes; a missing, unreadable or empty file is bad input."""
    name = display_name(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as e:
        raise BadInputError.single(name, "file not found") from e
    except IsADirectoryError as e:
        raise BadInputError.single(name, "is a directory, expected a file") from e
    except OSError as e:
        raise BadInputError.single(name, f"cannot read the file: {e.strerror}") from e
    if not data.strip():
        raise BadInputError.single(name, "the file is empty")
    return data


@dataclass(frozen=True)
class TextEncoding:
    """How a text file's bytes are read: the codec, and a note for the user when it is not plain UTF-8."""

    codec: str
    note: str | None = None


_UTF8_BOM, _UTF32_BOMS, _UTF16_BOMS = b"\xef\xbb\xbf", (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"), \
    (b"\xff\xfe", b"\xfe\xff")


def detect_encoding(data: bytes, name: str, *, kind: str = "CSV") -> TextEncoding:
    """UTF-8 (with or without a byte-order mark), UTF-16/32 by their byte-order mark or NUL pattern, else the
    Windows-1252 / Latin-1 text that Excel's plain "CSV" writes in Western locales, saying so. A binary file (an
    .xlsx renamed .csv, say) is rejected as not `kind` text."""
    if data.startswith(_UTF8_BOM):
        return TextEncoding("utf-8")
    if data.startswith(_UTF32_BOMS):
        return TextEncoding("utf-32", "read as UTF-32 (the file starts with its byte-order mark)")
    if data.startswith(_UTF16_BOMS):
        return TextEncoding("utf-16", "read as UTF-16 (the file starts with its byte-order mark)")
    head = data[:4096]
    if b"\x00" in head:
        if head.startswith(b"PK\x03\x04"):
            hint = ": import the .xlsx file under its own name" if kind == "CSV" else ""
            raise BadInputError.single(name, f"a zip archive or Excel workbook, not {kind} text{hint}")
        even, odd = head[0::2].count(0), head[1::2].count(0)
        if odd > len(head) // 4 and not even:
            return TextEncoding("utf-16-le", "read as UTF-16 little-endian (no byte-order mark)")
        if even > len(head) // 4 and not odd:
            return TextEncoding("utf-16-be", "read as UTF-16 big-endian (no byte-order mark)")
        offset = data.index(b"\x00")
        raise BadInputError.single(name, f"not a text file (a NUL byte at offset {offset}); expected {kind} text",
                                   row=data[:offset].count(b"\n") + 1)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        first = f"byte 0x{data[e.start]:02x} on line {line}"
        for codec, label in (("cp1252", "Windows-1252 (Western European)"), ("latin-1", "ISO-8859-1 (Latin-1)")):
            try:
                data.decode(codec)
            except UnicodeDecodeError:
                continue
            return TextEncoding(codec, f"not UTF-8 ({first}): read as {label}, as Excel's plain 'CSV' writes it; "
                                       "check accented names, or save as 'CSV UTF-8'")
    return TextEncoding("utf-8")


def decode_text(data: bytes, name: str, *, kind: str = "CSV") -> str:
    """The file's text in its detected encoding (see `detect_encoding`), without a byte-order mark."""
    return data.decode(detect_encoding(data, name, kind=kind).codec).lstrip(_BOM)


@dataclass(frozen=True)
class CsvInput:
    """A CSV file being read: its header, its non-blank rows as (line number, cells), and how many rows to expect.

    `expected_rows` counts the lines after the header (exact unless the file has blank lines or multi-line cells):
    a progress total, read without holding every row in memory. `notes` say how the file was read when that is
    not plain UTF-8 with commas (another encoding, semicolons); importers pass them on as warnings.
    """

    header: list[str]
    rows: Iterator[tuple[int, list[str]]]
    expected_rows: int
    notes: tuple[str, ...] = ()


def read_csv(path: Path) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """Header and (line number, cells) of a CSV (see `open_csv`)."""
    table = open_csv(path)
    return table.header, table.rows


_DELIMITER_NOTES = {
    ";": "semicolon-separated (Excel in a locale with a decimal comma): read with ';' between fields and ',' as "
         "the decimal mark of numbers",
    "\t": "tab-separated: read with tabs between fields",
}
_DECIMAL_COMMA = re.compile(r"-?\d+,\d+")


def sniff_delimiter(first_line: str) -> str:
    """The field separator of a header line: whichever of , ; and tab occurs most outside quotes (',' on a tie)."""
    outside = "".join(part for index, part in enumerate(first_line.split('"')) if index % 2 == 0)
    counts = {delimiter: outside.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] > counts[","] else ","


def open_csv(path: Path) -> CsvInput:
    """Read a CSV lazily, in its detected encoding and with its detected separator. A BOM is stripped from every
    row, not only the first (real dependency exports join chunks that each start with one)."""
    name = display_name(path)
    data = read_bytes(path)
    encoding = detect_encoding(data, name)
    first_line = data[:65536].decode(encoding.codec, errors="ignore").lstrip(_BOM).split("\n", 1)[0]
    delimiter = sniff_delimiter(first_line)
    notes = tuple(note for note in (encoding.note, _DELIMITER_NOTES.get(delimiter)) if note)
    reader = csv.reader(io.TextIOWrapper(io.BytesIO(data), encoding=encoding.codec, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration as e:  # pragma: no cover - read_bytes already rejects blank files
        raise BadInputError.single(name, "the file is empty") from e
    except csv.Error as e:
        raise BadInputError.single(name, f"not a readable CSV file: {e}", row=1) from e
    except UnicodeDecodeError as e:
        raise BadInputError.single(name, f"not {encoding.codec} text: {e.reason}", row=1) from e
    header = [cell.lstrip(_BOM).strip() for cell in header]
    decimal_comma = delimiter == ";"

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for cells in reader:
                if not (cells and cells[0].strip()) and not any(cell.strip() for cell in cells):
                    continue
                if cells[0].startswith(_BOM):
                    cells[0] = cells[0].lstrip(_BOM)
                if decimal_comma:
                    cells = [cell.replace(",", ".") if "," in cell and _DECIMAL_COMMA.fullmatch(cell.strip())
                             else cell for cell in cells]
                yield reader.line_num, cells
        except csv.Error as e:
            raise BadInputError.single(name, f"not a readable CSV file: {e}", row=reader.line_num) from e
        except UnicodeDecodeError as e:
            raise BadInputError.single(name, f"not {encoding.codec} text: {e.reason}", row=reader.line_num) from e

    lines = data.count(b"\n") or data.count(b"\r")
    if not data.endswith((b"\n", b"\r", b"\n\x00", b"\r\x00")):
        lines += 1
    return CsvInput(header, rows(), max(lines - 1, 0), notes)


def header_key(text: object) -> str:
    """Normalise a column header for matching: no `*` marker, case-insensitive, single spaces."""
    return _SPACES.sub(" ", str(text or "").replace("*", "").strip()).lower()


@dataclass(frozen=True)
class Columns:
    """Where each wanted column sits in a header row, matched by any of its aliases."""

    positions: Mapping[str, int]
    names: Mapping[str, str]

    @classmethod
    def match(cls, header: Sequence[object], aliases: Mapping[str, Sequence[str]]) -> Columns:
        index: dict[str, int] = {}
        for position, text in enumerate(header):
            key = header_key(text)
            if key and key not in index:
                index[key] = position
        positions: dict[str, int] = {}
        names: dict[str, str] = {}
        for field_name, candidates in aliases.items():
            for candidate in candidates:
                found = index.get(header_key(candidate))
                if found is not None:
                    positions[field_name] = found
                    names[field_name] = str(header[found]).strip()
                    break
        return cls(positions, names)

    def __contains__(self, field_name: object) -> bool:
        return field_name in self.positions

    def column(self, field_name: str) -> str:
        """The header text of a field as it appears in the file (for messages)."""
        return self.names.get(field_name, field_name)

    def get(self, cells: Sequence[Any], field_name: str) -> Any:
        position = self.positions.get(field_name)
        if position is None or position >= len(cells):
            return None
        return cells[position]


def text(value: Any) -> str | None:
    """A cell as stripped text, None when empty. Formula-looking text stays plain text: nothing is evaluated."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    result = str(value).strip()
    return result or None


def number(
    value: Any,
    problems: Problems,
    row: int,
    column: str,
    *,
    integer: bool = False,
    minimum: float | None = 0,
    maximum: float | None = None,
) -> float | int | None:
    """A numeric cell, None when empty; a problem (and None) when it is not a number or out of range."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        problems.add(row, column, f"expected a number, got {value!r}")
        return None
    if isinstance(value, int | float):
        parsed = float(value)
    else:
        raw = str(value).strip().replace(",", "") if _THOUSANDS.match(str(value).strip()) else str(value).strip()
        try:
            parsed = float(raw)
        except ValueError:
            kind = "a whole number" if integer else "a number"
            problems.add(row, column, f"expected {kind}, got {str(value).strip()!r}")
            return None
    if parsed != parsed or parsed in (float("inf"), float("-inf")):
        problems.add(row, column, f"expected a finite number, got {value!r}")
        return None
    if integer and not parsed.is_integer():
        problems.add(row, column, f"expected a whole number, got {value!r}")
        return None
    if minimum is not None and parsed < minimum:
        problems.add(row, column, f"must be at least {minimum:g}, got {parsed:g}")
        return None
    if maximum is not None and parsed > maximum:
        problems.add(row, column, f"must be at most {maximum:g}, got {parsed:g}")
        return None
    return int(parsed) if integer else parsed


# "12,345" or "1,234.5": thousands separators as spreadsheets export them.
_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")


def build_record(
    data: dict[str, Any],
    problems: Problems,
    row: int,
    column_of: Callable[[str], str],
) -> SystemRecord | None:
    """Validate one system; pydantic's complaints become problems on the file's own column names."""
    try:
        return SystemRecord.model_validate(data)
    except ValidationError as e:
        for error in e.errors():
            location = [str(part) for part in error["loc"]]
            column = column_of(location[0]) if location else ""
            detail = error["msg"]
            if error.get("input") is not None and error["type"] != "missing":
                detail += f", got {error['input']!r}"
            if len(location) > 1:
                detail = f"{'.'.join(location[1:])}: {detail}"
            problems.add(row, column, detail)
        return None


def check_unique_names(rows: Iterable[SystemRow], problems: Problems, column: str) -> None:
    """A server name may appear once per file: dependencies and overrides name systems by it."""
    first_row: dict[str, int] = {}
    for row in rows:
        key = row.name_key
        if key in first_row:
            problems.add(row.line, column, f"duplicate server name {row.name!r} (first on row {first_row[key]})")
        else:
            first_row[key] = row.line


def require_columns(columns: Columns, required: Mapping[str, str], problems: Problems) -> None:
    """Report every required column that the header lacks (row 1), naming it as the template does."""
    for field_name, expected in required.items():
        if field_name not in columns:
            problems.add(1, expected, f"missing required column {expected!r}")
