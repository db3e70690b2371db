"""Format auto-detection (inventory.importers.detect_format) for every supported format, and parse_file."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from inventory.errors import BadInputError
from inventory.importers import FORMAT_HELP, Format, detect_format, parse_file
from inventory.importers.canonical import write_csv, write_json
from inventory.records import SystemRecord

FIXTURES = Path(__file__).parents[1] / "fixtures"


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("azmigrate_import_90servers__microsoft_MicroHack.csv", Format.AZURE_MIGRATE),
        ("azmigrate_import_template_HEADER_ONLY_reconstructed.csv", Format.AZURE_MIGRATE),
        ("azmigrate_dependency_export_handwritten_5rows__shabbirnkhan1_azure-migrate-move-group-planner.csv",
         Format.AZURE_MIGRATE_DEPENDENCIES),
        ("rvtools_ibm_small_complete.xlsx", Format.RVTOOLS),
    ],
)
def test_real_files(fixture: str, expected: Format) -> None:
    assert detect_format(FIXTURES / fixture) == expected


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        pytest.param("a.csv", "*Server Name,*Cores,*Memory (In MB),*OS name\n", Format.AZURE_MIGRATE,
                     id="azure-migrate-capital-N"),
        pytest.param("a.txt", "\ufeffserver name,cores,memory (in mb),os name\n", Format.AZURE_MIGRATE,
                     id="azure-migrate-no-stars-bom-txt"),
        pytest.param(
            "deps.csv",
            "\ufeffTime slot,Source server name,Source IP,Source application,Source process,"
            "Destination server name,Destination IP,Destination application,Destination process,"
            "Destination port\r\n",
            Format.AZURE_MIGRATE_DEPENDENCIES, id="azure-dependencies-real-10-columns",
        ),
        pytest.param("deps.csv", "source,target,port,protocol\na,b,1,tcp\n", Format.DEPENDENCY_CSV,
                     id="dependency-csv"),
        pytest.param("deps", "Source,Target\n", Format.DEPENDENCY_CSV, id="dependency-csv-no-extension"),
        pytest.param("inv.csv", "name,cores,memory_mb\nweb1,2,1024\n", Format.CANONICAL_CSV,
                     id="canonical-name-cores"),
        pytest.param("inv.csv", "external_id,name\nx,web1\n", Format.CANONICAL_CSV,
                     id="canonical-external-id"),
        pytest.param("inv.csv", "name,kind\nweb1,server\n", Format.CANONICAL_CSV, id="canonical-kind"),
        pytest.param("inv.json", "[]", Format.CANONICAL_JSON, id="json"),
        pytest.param("INV.JSON", "{}", Format.CANONICAL_JSON, id="json-upper-case-suffix"),
    ],
)
def test_detects_each_format(tmp_path: Path, name: str, content: str | bytes, expected: Format) -> None:
    assert detect_format(write(tmp_path, name, content)) == expected


def sheets_workbook(path: Path, *titles: str) -> Path:
    book = openpyxl.Workbook()
    book.active.title = titles[0]
    for title in titles[1:]:
        book.create_sheet(title)
    book.save(path)
    return path


@pytest.mark.parametrize(("name", "titles", "expected"), [
    ("export.dat", ("vInfo", "vDisk"), Format.RVTOOLS),
    ("rv.xlsm", ("tabvInfo", "VINFO"), Format.RVTOOLS),
    ("AzureMigrate_Discovery_Report.xlsx", ("Properties", "Discovery_Report", "vCenter_Host_Report"),
     Format.AZURE_MIGRATE_DISCOVERY),
    ("report.xlsx", ("discovery_report",), Format.AZURE_MIGRATE_DISCOVERY),
])
def test_workbooks_are_told_apart_by_their_sheets(tmp_path: Path, name: str, titles: tuple[str, ...],
                                                  expected: Format) -> None:
    assert detect_format(sheets_workbook(tmp_path / name, *titles)) == expected


def test_a_workbook_of_neither_kind_is_bad_input_naming_its_sheets(tmp_path: Path) -> None:
    path = sheets_workbook(tmp_path / "costs.xlsx", "Sheet1", "Budget & Plan")
    with pytest.raises(BadInputError) as error:
        detect_format(path)
    assert str(error.value) == (f"{path}: no vInfo sheet: not an RVTools export, and no Discovery_Report sheet: not an "
                                "Azure Migrate discovery report (sheets found: Sheet1, Budget & Plan)")


@pytest.mark.parametrize("content", [b"PK\x03\x04 truncated", b"not a zip at all"])
def test_a_damaged_workbook_is_bad_input_before_any_import(tmp_path: Path, content: bytes) -> None:
    path = write(tmp_path, "broken.xlsx", content)
    with pytest.raises(BadInputError, match="not a readable xlsx workbook"):
        detect_format(path)


def test_files_our_writers_produce_are_detected(tmp_path: Path) -> None:
    systems = [SystemRecord(external_id="1", name="web1")]
    write_csv(systems, tmp_path / "out.csv")
    write_json(systems, [], tmp_path / "out.json")
    assert detect_format(tmp_path / "out.csv") == Format.CANONICAL_CSV
    assert detect_format(tmp_path / "out.json") == Format.CANONICAL_JSON


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        pytest.param(
            "odd.csv", "Hostname,CPU,RAM\nweb1,2,4096\n",
            "{f}:1: unknown format: the header matches none of the supported CSV formats "
            "(first columns: Hostname, CPU, RAM); pass --format, one of " + FORMAT_HELP,
            id="unknown-csv-header",
        ),
        pytest.param(
            "inventory.dat", "name,cores\n",
            "{f}: unknown format: cannot tell the format from the extension '.dat'; pass --format, one of "
            + FORMAT_HELP,
            id="unknown-extension",
        ),
        pytest.param("empty.csv", "", "{f}: the file is empty", id="empty-file"),
        pytest.param(
            "binary.csv", b"name,cores\n\x00\x01\x02\x03\xff",
            "{f}:2: not a text file (a NUL byte at offset 11); expected CSV text",
            id="binary",
        ),
        pytest.param(
            "workbook.csv", b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00",
            "{f}: a zip archive or Excel workbook, not CSV text: import the .xlsx file under its own name",
            id="xlsx-named-csv",
        ),
    ],
)
def test_undetectable_files_are_bad_input(
    tmp_path: Path, name: str, content: str | bytes, expected: str
) -> None:
    path = write(tmp_path, name, content)
    with pytest.raises(BadInputError) as error:
        detect_format(path)
    assert str(error.value) == expected.format(f=path)


def test_parse_file_detects_and_parses(tmp_path: Path) -> None:
    path = write(tmp_path, "deps.csv", "source,target\nweb1,db1\n")
    parsed = parse_file(path)
    assert (parsed.format, len(parsed.dependencies)) == ("dependency-csv", 1)
    assert parse_file(path, fmt="dependency-csv") == parsed


def test_parse_file_rejects_an_unknown_format_name(tmp_path: Path) -> None:
    path = write(tmp_path, "deps.csv", "source,target\n")
    with pytest.raises(BadInputError) as error:
        parse_file(path, fmt="nonsense")
    assert str(error.value) == f"{path}: unknown format 'nonsense'; expected one of {FORMAT_HELP}"


# Minimal files are still recognised, so that the importer (not detection) reports what is missing.
@pytest.mark.parametrize("header", ["name", "name,os_name,memory_mb", "name,tags,tag:owner"])
def test_minimal_canonical_csv_is_detected(tmp_path: Path, header: str) -> None:
    assert detect_format(write(tmp_path, "inv.csv", header + "\n")) == Format.CANONICAL_CSV


def test_azure_migrate_file_missing_memory_column_is_detected(tmp_path: Path) -> None:
    path = write(tmp_path, "servers.csv", "*Server name,*Cores,*OS name\nvm1,2,Ubuntu\n")
    assert detect_format(path) == Format.AZURE_MIGRATE
