"""Format auto-detection (inventory.importers.detect_format) for every supported format, and parse_file."""

from __future__ import annotations

import zipfile
from pathlib import Path

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
        pytest.param("rv.xlsm", b"", Format.RVTOOLS, id="xlsm-by-extension"),
    ],
)
def test_detects_each_format(tmp_path: Path, name: str, content: str | bytes, expected: Format) -> None:
    assert detect_format(write(tmp_path, name, content)) == expected


def test_zip_with_unknown_extension_is_taken_for_rvtools(tmp_path: Path) -> None:
    path = tmp_path / "export.dat"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    assert detect_format(path) == Format.RVTOOLS


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
            "latin1.csv", "name,cores\nserveur-\xe9t\xe9,2\n".encode("latin-1"),
            "{f}:2: not UTF-8 text (byte 0xe9 at offset 19); save the file as UTF-8 (in Excel: 'CSV UTF-8')",
            id="not-utf8",
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
