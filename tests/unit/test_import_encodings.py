"""CSV files as Excel and other tools really save them: UTF-16 with a byte-order mark, Windows-1252/Latin-1,
semicolons with decimal commas (European locales), tabs ("Unicode Text"). Each is read, and the user told how."""

from __future__ import annotations

from pathlib import Path

import pytest

from inventory.errors import BadInputError
from inventory.importers import detect_format, parse_file
from inventory.importers.common import open_csv, sniff_delimiter

ROWS = [["name", "cores", "memory_mb", "cpu_util_pct"],
        ["serveur-été-01", "4", "8192", "12,5"],
        ["Köln-db-02", "8", "16384", "40"]]


def encoded(text: str, codec: str) -> bytes:
    if codec == "utf-8-sig":
        return text.encode("utf-8-sig")
    if codec == "utf-16":  # what Python (and Excel's "Unicode Text") write: a BOM, then little-endian
        return text.encode("utf-16")
    return text.encode(codec)


@pytest.mark.parametrize(("codec", "note"), [
    ("utf-8", None),
    ("utf-8-sig", None),
    ("utf-16", "read as UTF-16 (the file starts with its byte-order mark)"),
    ("utf-16-le", "read as UTF-16 little-endian (no byte-order mark)"),
    ("utf-16-be", "read as UTF-16 big-endian (no byte-order mark)"),
    ("cp1252", "not UTF-8 (byte 0xe9 on line 2): read as Windows-1252 (Western European)"),
])
@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_canonical_csv_in_each_encoding_and_separator_is_read(tmp_path: Path, codec: str, note: str | None,
                                                             delimiter: str) -> None:
    rows = ROWS if delimiter == ";" else [[cell.replace("12,5", "12.5") for cell in cells] for cells in ROWS]
    text = "\r\n".join(delimiter.join(cells) for cells in rows) + "\r\n"
    path = tmp_path / "estate.csv"
    path.write_bytes(encoded(text, codec))
    parsed = parse_file(path)
    assert parsed.format == "canonical-csv"
    assert [(s.name, s.cores, s.memory_mb) for s in parsed.systems] == [
        ("serveur-été-01", 4, 8192.0), ("Köln-db-02", 8, 16384.0)]
    # With semicolons the comma is the decimal mark: "12,5" is 12.5 %.
    assert parsed.systems[0].cpu_util_pct == 12.5
    assert any(w.startswith({";": "semicolon-separated", "\t": "tab-separated"}[delimiter]) for w in parsed.warnings)
    if note:
        assert any(w.startswith(note) for w in parsed.warnings), parsed.warnings
    else:
        assert not any("UTF" in w or "Windows-1252" in w for w in parsed.warnings)


def test_tab_separated_decimal_comma_is_a_bad_number_named_by_cell(tmp_path: Path) -> None:
    path = tmp_path / "estate.csv"
    path.write_text("\n".join("\t".join(cells) for cells in ROWS) + "\n", encoding="utf-8")
    with pytest.raises(BadInputError) as error:
        parse_file(path)
    assert [str(p) for p in error.value.problems] == [f"{path}:2:cpu_util_pct: expected a number, got '12,5'"]


def test_semicolon_azure_migrate_csv_in_latin1(tmp_path: Path) -> None:
    path = tmp_path / "servers.csv"
    path.write_bytes("*Server name;*Cores;*Memory (In MB);*OS name;CPU utilization percentage\n"
                     "serveur-été;2;4096;Windows Server 2019;7,25\n".encode("latin-1"))
    assert detect_format(path) == "azure-migrate"
    parsed = parse_file(path)
    (system,) = parsed.systems
    assert (system.name, system.cores, system.cpu_util_pct) == ("serveur-été", 2, 7.25)
    assert parsed.warnings[:2] == (
        "not UTF-8 (byte 0xe9 on line 2): read as Windows-1252 (Western European), as Excel's plain 'CSV' writes "
        "it; check accented names, or save as 'CSV UTF-8'",
        "semicolon-separated (Excel in a locale with a decimal comma): read with ';' between fields and ',' as the "
        "decimal mark of numbers")


def test_semicolon_dependency_csv(tmp_path: Path) -> None:
    path = tmp_path / "deps.csv"
    path.write_text("source;target;port\nweb-01;db-01;1433\n", encoding="utf-8")
    (dependency,) = parse_file(path).dependencies
    assert (dependency.source, dependency.target, dependency.port) == ("web-01", "db-01", 1433)


def test_a_comma_file_with_semicolons_inside_quotes_stays_comma_separated(tmp_path: Path) -> None:
    path = tmp_path / "estate.csv"
    path.write_text('name,"tags"\nweb-01,"a=1;b=2;c=3"\n', encoding="utf-8")
    table = open_csv(path)
    assert (table.header, list(table.rows), table.notes) == (["name", "tags"], [(2, ["web-01", "a=1;b=2;c=3"])], ())


@pytest.mark.parametrize(("line", "expected"), [
    ("a,b,c", ","), ("a;b;c", ";"), ("a\tb\tc", "\t"), ("single", ","), ('"x;y;z",b', ","), ("a;b,c", ","),
    ("a;b;c,d", ";"),
])
def test_sniff_delimiter(line: str, expected: str) -> None:
    assert sniff_delimiter(line) == expected
