"""The issue's table of bad inputs, end to end through parse + write: each is rejected with its exact message and
the database (already holding an estate) is exactly as it was."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import text

from inventory.db import get_engine, session_scope
from inventory.errors import BadInputError
from inventory.importers import parse_file
from inventory.store import apply_import

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
HEADER = "*Server name,*Cores,*Memory (In MB),*OS name\n"


def import_file(path: Path, *, fmt: str | None = None) -> None:
    """What the import flow does: parse, then write in one transaction."""
    parsed = parse_file(path, fmt=fmt)
    with session_scope() as session:
        apply_import(parsed, session=session, source=path.stem, file_name=path.name, file_sha256="-")


def snapshot() -> list[tuple[object, ...]]:
    with get_engine().connect() as connection:
        rows: list[tuple[object, ...]] = []
        for table in ("system", "dependency", "import_run"):
            rows += [(table, *row) for row in connection.execute(text(f"select * from {table} order by id"))]
        return rows


def csv_file(text_: str) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / "bad.csv"
        path.write_text(text_, encoding="utf-8")
        return path
    return make


def raw_file(name: str, data: bytes) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(data)
        return path
    return make


def truncated_xlsx(folder: Path) -> Path:
    data = (FIXTURES / "rvtools_ibm_small_complete.xlsx").read_bytes()
    path = folder / "truncated.xlsx"
    path.write_bytes(data[: len(data) // 2])
    return path


def wrong_sheets(folder: Path) -> Path:
    path = folder / "sheets.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "Sheet1"
    book.active.append(["VM", "CPUs", "Memory"])
    book.save(path)
    return path


CASES: list[tuple[str, Callable[[Path], Path], str]] = [
    ("missing required column", csv_file("*Server name,*Cores,*OS name,*Memory\nvm1,2,Ubuntu,1024\n"),
     "bad.csv:1:*Memory (In MB): missing required column '*Memory (In MB)'"),
    ("non-numeric cores", csv_file(HEADER + "vm1,two,1024,Ubuntu\n"),
     "bad.csv:2:*Cores: expected a whole number, got 'two'"),
    ("negative memory", csv_file(HEADER + "vm1,2,-5,Ubuntu\n"),
     "bad.csv:2:*Memory (In MB): must be at least 1, got -5"),
    ("duplicate server name", csv_file(HEADER + "vm1,2,1024,Ubuntu\nVM1,2,1024,Ubuntu\n"),
     "bad.csv:3:*Server name: duplicate server name 'VM1' (first on row 2)"),
    ("unknown format", csv_file("alpha,beta\n1,2\n"), "bad.csv:1: unknown format"),
    ("empty file", raw_file("empty.csv", b""), "empty.csv: the file is empty"),
    ("wrong sheet names", wrong_sheets, "sheets.xlsx: no vInfo sheet: not an RVTools export, and no Discovery_Report "
     "sheet: not an Azure Migrate discovery report (sheets found: Sheet1)"),
    ("dependency naming an unknown server", csv_file("source,target,port\nweb-01,ghost-99,443\n"),
     "bad.csv:2:target: unknown server 'ghost-99': not in the inventory (import it first)"),
    ("0-byte xlsx", raw_file("zero.xlsx", b""), "zero.xlsx: the file is empty"),
    ("truncated xlsx", truncated_xlsx, "truncated.xlsx: not a readable xlsx workbook"),
    ("binary file named .csv", raw_file("binary.csv", HEADER.encode() + b"\x00\x01\x02\xff\xfe"),
     "binary.csv:2: not a text file"),
]


@pytest.mark.parametrize(("make", "message"), [(make, message) for _, make, message in CASES],
                         ids=[case for case, _, _ in CASES])
def test_bad_input_is_rejected_with_its_message_and_writes_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_url: str, make: Callable[[Path], Path],
        message: str) -> None:
    monkeypatch.setenv("LUMEN_MIGRATE_DB_URL", sqlite_url)
    estate = tmp_path / "estate.csv"
    estate.write_text(HEADER + "web-01,2,4096,Ubuntu\ndb-01,4,8192,Windows Server 2019\n", encoding="utf-8")
    import_file(estate)
    shutil.copy(FIXTURES / "rvtools_ibm_small_complete.xlsx", tmp_path / "small.xlsx")
    import_file(tmp_path / "small.xlsx")
    before = snapshot()
    assert len(before) > 5

    bad = make(tmp_path)
    with pytest.raises(BadInputError) as caught:
        import_file(bad)
    first = str(caught.value).splitlines()[0]
    assert first.replace(str(tmp_path) + "/", "").startswith(message), first
    assert snapshot() == before, "a rejected file writes nothing"
