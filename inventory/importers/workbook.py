"""Reading xlsx exports (RVTools, Azure Migrate's discovery report): sheets into memory, damage as bad input.

- Reading a sheet stops after `BLANK_RUN_LIMIT` consecutive blank rows: some exports carry a million formatted
  empty rows, and neither tool writes blank rows inside its data.
- `sheet_names` lists a workbook's sheets from its zip directory without loading it, for format detection.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from inventory.errors import BadInputError
from inventory.importers.common import ProgressFn, display_name, header_key, text

BLANK_RUN_LIMIT = 1000
PROGRESS_EVERY = 1000

# What a damaged xlsx raises inside zipfile/openpyxl; caught only around loading and reading the sheets.
UNREADABLE = (zipfile.BadZipFile, KeyError, EOFError, zlib.error, ParseError, InvalidFileException,
              OSError, ValueError, TypeError)

Cells = tuple[Any, ...]
_SHEET_NAME = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?\bname="([^"]*)"')


@dataclass(frozen=True)
class Sheet:
    """The header and non-blank rows (1-based sheet row, cells) of one worksheet, read into memory."""

    title: str
    header: Cells
    rows: tuple[tuple[int, Cells], ...]


def properties(sheet: Sheet | None, names: Mapping[str, str]) -> dict[str, str]:
    """A properties sheet (a header row and one value row, as Azure Migrate's reports write it) as a mapping:
    each header whose `header_key` is in `names` gives `names[key]` its non-blank value."""
    if sheet is None or not sheet.rows:
        return {}
    values = sheet.rows[0][1]
    found: dict[str, str] = {}
    for position, header in enumerate(sheet.header):
        key = names.get(header_key(header))
        value = text(values[position]) if position < len(values) else None
        if key and value:
            found[key] = value
    return found


def unreadable(name: str, error: BaseException) -> BadInputError:
    # KeyError's str() adds quotes around its message; take the message itself.
    detail = error.args[0] if isinstance(error, KeyError) and error.args else error
    reason = str(detail) or type(error).__name__
    return BadInputError.single(
        name, f"not a readable xlsx workbook (truncated or corrupt?): {reason}; open it in Excel and save it "
        "again as .xlsx"
    )


@contextmanager
def open_workbook(data: bytes, name: str) -> Iterator[Any]:
    """The workbook, read-only with cached values; damage while loading or reading is bad input. Always closed."""
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except UNREADABLE as e:
        raise unreadable(name, e) from e
    try:
        yield workbook
    except UNREADABLE as e:
        raise unreadable(name, e) from e
    finally:
        workbook.close()


def read_sheet(worksheet: Any, *, progress: ProgressFn | None = None) -> Sheet:
    """Header and non-blank rows, stopping after BLANK_RUN_LIMIT blank rows in a row (see module doc)."""
    rows = worksheet.iter_rows(values_only=True)
    header: Cells = tuple(next(rows, ()))
    kept: list[tuple[int, Cells]] = []
    blank_run = 0
    for row, cells in enumerate(rows, start=2):
        if not any(cell is not None and str(cell).strip() for cell in cells):
            blank_run += 1
            if blank_run >= BLANK_RUN_LIMIT:
                break
            continue
        blank_run = 0
        kept.append((row, tuple(cells)))
        if progress is not None and len(kept) % PROGRESS_EVERY == 0:
            progress(len(kept), 0)
    return Sheet(str(worksheet.title), header, tuple(kept))


def sheet_names(path: Path) -> list[str]:
    """The workbook's sheet names in order, read from xl/workbook.xml alone (milliseconds, whatever its size)."""
    name = display_name(path)
    try:
        with zipfile.ZipFile(path) as archive:
            listing = archive.read("xl/workbook.xml")
    except UNREADABLE as e:
        raise unreadable(name, e) from e
    return [unescape(found.decode("utf-8")) for found in _SHEET_NAME.findall(listing)]
