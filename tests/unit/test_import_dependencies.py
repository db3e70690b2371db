"""Dependency importers: Azure Migrate's agentless export (real and docs-shaped) and source,target CSV."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from inventory.errors import BadInputError
from inventory.importers.common import ParsedInventory
from inventory.importers.dependencies import parse_azure_migrate, parse_simple_csv
from inventory.records import DependencyRecord

FIXTURES = Path(__file__).parents[1] / "fixtures"
DOCS_SAMPLE = FIXTURES / (
    "azmigrate_dependency_export_handwritten_5rows__shabbirnkhan1_azure-migrate-move-group-planner.csv"
)
REAL_HEADER = (
    "Time slot,Source server name,Source IP,Source application,Source process,Destination server name,"
    "Destination IP,Destination application,Destination process,Destination port"
)
BOM = "\ufeff"

# The shape of a real export: BOM at the start, CRLF, an extra tool column, a chunk joined mid-file with its
# own BOM, repeated rows across time slots, an IPv6 link-local address with a zone index, `Unknown process`.
WINDOWS = "Microsoft® Windows® Operating System"
REAL_EXPORT = (
    BOM + REAL_HEADER + ",Source VLAN\r\n"
    f"1/31/2025 18:00-0:00,app01,10.1.0.4,{WINDOWS},svchost.exe,,10.1.0.9,,,443,v1\r\n"
    "1/31/2025 18:00-0:00,app01,10.1.0.4,,sqlcmd.exe,db01,10.1.0.5,SQL Server,sqlservr.exe,1433,v1\r\n"
    f"2/1/2025 0:00-6:00,app01,10.1.0.4,{WINDOWS},svchost.exe,,10.1.0.9,,,443,v1\r\n"
    + BOM + "2/1/2025 0:00-6:00,app01,10.1.0.4,,sqlcmd.exe,db01,10.1.0.5,SQL Server,sqlservr.exe,1433,v1\r\n"
    + BOM + "2/1/2025 6:00-12:00,app01,10.1.0.4,,sqlcmd.exe,db01,10.1.0.5,SQL Server,sqlservr.exe,1433,v1\r\n"
    "2/1/2025 6:00-12:00,web01,fe80::1%3,,Unknown process,,fe80::2%3,,,5985,v2\r\n"
    "2/1/2025 6:00-12:00,,52.1.2.3,,,app01,10.1.0.4,IIS,w3wp.exe,80,v2\r\n"
)


def write(tmp_path: Path, content: str | bytes, name: str = "deps.csv") -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_bytes(content.encode("utf-8"))
    else:
        path.write_bytes(content)
    return path


def messages(error: pytest.ExceptionInfo[BadInputError]) -> list[str]:
    return [str(problem) for problem in error.value.problems]


def test_docs_shaped_sample_gives_five_dependencies() -> None:
    parsed = parse_azure_migrate(DOCS_SAMPLE)
    assert parsed.format == "azure-migrate-dependencies"
    assert parsed.warnings == ()
    assert parsed.dependencies == (
        DependencyRecord(source="app1-server", target="app2-server", port=443, process="svchost.exe"),
        DependencyRecord(source="app1-server", target="db1-server", port=1433, process="svchost.exe"),
        DependencyRecord(source="web1-server", target="api1-server", port=8080, process="nginx.exe"),
        DependencyRecord(source="web2-server", target="api2-server", port=8080, process="nginx.exe"),
        DependencyRecord(source="admin-server", target="app1-server", port=3389, process="rdp.exe"),
    )
    assert parsed.dependency_rows == (2, 3, 4, 5, 6)


def test_real_shaped_export_is_aggregated_with_observation_counts(tmp_path: Path) -> None:
    parsed = parse_azure_migrate(write(tmp_path, REAL_EXPORT))
    assert parsed.dependencies == (
        DependencyRecord(source="app01", target="10.1.0.9", port=443, process="svchost.exe", observations=2),
        DependencyRecord(source="app01", target="db01", port=1433, process="sqlcmd.exe", observations=3),
        DependencyRecord(source="web01", target="fe80::2%3", port=5985, process="Unknown process"),
        DependencyRecord(source="52.1.2.3", target="app01", port=80),
    )
    assert parsed.dependency_rows == (2, 3, 7, 8)
    assert parsed.warnings == ("ignored 1 unknown column(s): Source VLAN",)


def test_progress_is_reported_every_1000_rows_and_at_the_end(tmp_path: Path) -> None:
    body = "".join(f"a{i},b{i}\n" for i in range(2100))
    calls: list[tuple[int, int]] = []
    parsed = parse_simple_csv(write(tmp_path, "source,target\n" + body), progress=lambda *c: calls.append(c))
    assert len(parsed.dependencies) == 2100
    assert calls == [(1000, 2100), (2000, 2100), (2100, 2100)]


def test_header_only_export_is_valid_with_no_dependencies(tmp_path: Path) -> None:
    parsed = parse_azure_migrate(write(tmp_path, BOM + REAL_HEADER + "\r\n"))
    assert parsed.dependencies == ()
    assert parsed.warnings == ("no rows: the file has a header but no dependencies",)


def test_self_dependencies_are_dropped_with_a_warning(tmp_path: Path) -> None:
    content = (
        f"{REAL_HEADER}\nslot,app01,10.0.0.1,,p,APP01,10.0.0.1,,,80\nslot,app01,10.0.0.1,,p,db01,10.0.0.2,,,1433\n"
    )
    parsed = parse_azure_migrate(write(tmp_path, content))
    assert parsed.dependencies == (DependencyRecord(source="app01", target="db01", port=1433, process="p"),)
    assert parsed.warnings == ("dropped 1 self-dependencies (source equals target): 'app01' (row 2)",)


def test_simple_csv_with_port_and_protocol(tmp_path: Path) -> None:
    content = (
        "Source,Target,Port,Protocol\nweb1,db1,5432,TCP\nweb1,db1,5432,tcp\nweb1,10.0.0.7,,\nweb1,cache1,6379,\n"
    )
    parsed = parse_simple_csv(write(tmp_path, content))
    assert parsed.format == "dependency-csv"
    assert parsed.dependencies == (
        DependencyRecord(source="web1", target="db1", port=5432, protocol="tcp", observations=2),
        DependencyRecord(source="web1", target="10.0.0.7"),
        DependencyRecord(source="web1", target="cache1", port=6379),
    )


@pytest.mark.parametrize(
    ("parser", "content", "expected"),
    [
        pytest.param(
            parse_azure_migrate, f"{REAL_HEADER}\nslot,app01,10.0.0.1,,p,,10.0.0.2,,,70000\n",
            ["{f}:2:Destination port: must be at most 65535, got 70000"], id="port-out-of-range",
        ),
        pytest.param(
            parse_azure_migrate, f"{REAL_HEADER}\nslot,app01,10.0.0.1,,p,,10.0.0.2,,,https\n",
            ["{f}:2:Destination port: expected a whole number, got 'https'"], id="port-not-a-number",
        ),
        pytest.param(
            parse_azure_migrate, f"{REAL_HEADER}\nslot,,,,p,,,,,443\n",
            [
                "{f}:2:Source server name: missing value: 'Source server name' or 'Source IP' must be given",
                "{f}:2:Destination server name: missing value: 'Destination server name' or 'Destination IP' "
                "must be given",
            ],
            id="no-name-no-ip",
        ),
        pytest.param(
            parse_azure_migrate,
            "Time slot,Source server name,Source IP,Destination IP\nslot,a,1.1.1.1,2.2.2.2\n",
            [
                "{f}:1:Destination server name: missing required column 'Destination server name'",
                "{f}:1:Destination port: missing required column 'Destination port'",
            ],
            id="missing-required-columns",
        ),
        pytest.param(
            parse_simple_csv, "source,target,port\na,b,-1\n",
            ["{f}:2:port: must be at least 0, got -1"], id="simple-negative-port",
        ),
        pytest.param(
            parse_simple_csv, "source,target\na,\n",
            ["{f}:2:target: missing required value"], id="simple-missing-target",
        ),
        pytest.param(
            parse_simple_csv, "from,to\na,b\n",
            [
                "{f}:1:source: missing required column 'source'",
                "{f}:1:target: missing required column 'target'",
            ],
            id="simple-wrong-header",
        ),
        pytest.param(parse_simple_csv, "", ["{f}: the file is empty"], id="empty-file"),
    ],
)
def test_bad_input_is_rejected_with_exact_messages(
    tmp_path: Path, parser: Callable[[Path], ParsedInventory], content: str, expected: list[str]
) -> None:
    path = write(tmp_path, content)
    with pytest.raises(BadInputError) as error:
        parser(path)
    assert messages(error) == [line.format(f=path) for line in expected]


def test_latin1_dependency_file_is_read_and_the_encoding_named(tmp_path: Path) -> None:
    path = write(tmp_path, "source,target\nserveur-\xe9t\xe9,b\n".encode("latin-1"))
    parsed = parse_simple_csv(path)
    assert [dependency.source for dependency in parsed.dependencies] == ["serveur-\xe9t\xe9"]
    assert "read as Windows-1252" in parsed.warnings[0]


@pytest.mark.parametrize(
    ("cell", "port"),
    [("443", 443), (" 443 ", 443), ("0443", 443), ("443.0", 443), ("65535", 65535), ("0", 0), ("٤٤٣", 443),
     ("", None)],
    ids=["digits", "padded", "leading-zero", "decimal-point", "highest", "zero", "arabic-digits", "empty"],
)
def test_ports_in_any_plain_spelling_are_read_the_same(tmp_path: Path, cell: str, port: int | None) -> None:
    parsed = parse_simple_csv(write(tmp_path, f"source,target,port\na,b,{cell}\n"))
    assert parsed.dependencies == (DependencyRecord(source="a", target="b", port=port),)
    assert parsed.dependency_table[0].port == port and type(parsed.dependency_table[0].port) is type(port)


@pytest.mark.parametrize(
    ("cell", "message"),
    [("65536", "must be at most 65535, got 65536"), ("4.5", "expected a whole number, got '4.5'"),
     ("1e9", "must be at most 65535, got 1e+09")],
)
def test_ports_out_of_range_keep_their_messages(tmp_path: Path, cell: str, message: str) -> None:
    path = write(tmp_path, f"source,target,port\na,b,{cell}\n")
    with pytest.raises(BadInputError) as error:
        parse_simple_csv(path)
    assert messages(error) == [f"{path}:2:port: {message}"]


def test_repeated_connections_count_observations_from_their_first_row(tmp_path: Path) -> None:
    body = "source,target,port\n" + "a,b,80\nc,d,\n" * 3 + "a,b,81\n"
    parsed = parse_simple_csv(write(tmp_path, body))
    assert [(row.line, row.source, row.port, row.observations) for row in parsed.dependency_table] == [
        (2, "a", 80, 3), (3, "c", None, 3), (8, "a", 81, 1)]
