"""Reading CSV files lazily (inventory.importers.common.open_csv): rows, line numbers and the expected row count."""

from __future__ import annotations

from pathlib import Path

import pytest

from inventory.errors import BadInputError
from inventory.importers.common import open_csv, read_csv


def write(tmp_path: Path, content: bytes) -> Path:
    path = tmp_path / "file.csv"
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("content", "expected_rows", "rows"),
    [
        (b"a,b\n1,2\n3,4\n", 2, [(2, ["1", "2"]), (3, ["3", "4"])]),
        (b"a,b\r\n1,2\r\n3,4", 2, [(2, ["1", "2"]), (3, ["3", "4"])]),
        (b"a,b\r1,2\r3,4\r", 2, [(2, ["1", "2"]), (3, ["3", "4"])]),
        (b"a,b\n1,2\n\n , \n3,4\n", 4, [(2, ["1", "2"]), (5, ["3", "4"])]),
        (b'a,b\n"multi\nline",2\n3,4\n', 3, [(3, ["multi\nline", "2"]), (4, ["3", "4"])]),
        ("\ufeffa,b\n\ufeff1,2\n".encode(), 1, [(2, ["1", "2"])]),
        (b"a,b\n", 0, []),
    ],
    ids=["lf", "crlf-no-final-newline", "cr", "blank-rows-skipped", "multi-line-cell", "bom-on-every-row",
         "header-only"],
)
def test_rows_line_numbers_and_expected_count(
    tmp_path: Path, content: bytes, expected_rows: int, rows: list[tuple[int, list[str]]]
) -> None:
    table = open_csv(write(tmp_path, content))
    assert table.header == ["a", "b"]
    assert list(table.rows) == rows
    assert table.expected_rows == expected_rows


def test_a_broken_row_is_reported_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, b"a,b\n1,2\n3," + b"x" * 200_000 + b"\n")
    table = open_csv(path)
    with pytest.raises(BadInputError) as error:
        list(table.rows)
    assert [str(problem) for problem in error.value.problems] == [
        f"{path}:3: not a readable CSV file: field larger than field limit (131072)"]


def test_non_utf8_is_read_as_windows_1252_and_says_so(tmp_path: Path) -> None:
    table = open_csv(write(tmp_path, b"a,b\n1,2\n\xff,3\n"))
    assert list(table.rows) == [(2, ["1", "2"]), (3, ["\xff", "3"])]
    assert table.notes[0].startswith("not UTF-8 (byte 0xff on line 3): read as Windows-1252")


def test_read_csv_gives_header_and_rows(tmp_path: Path) -> None:
    header, rows = read_csv(write(tmp_path, b"a,b\n1,2\n"))
    assert (header, list(rows)) == (["a", "b"], [(2, ["1", "2"])])
