"""Our canonical CSV/JSON format: readers, writers, round trips, formula escaping and the committed schema."""

from __future__ import annotations

import csv
import datetime as dt
import json
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inventory.errors import BadInputError
from inventory.importers.canonical import (
    CSV_COLUMNS,
    canonical_schema,
    parse_csv,
    parse_json,
    write_csv,
    write_json,
)
from inventory.records import (
    COST_LINE_NAMES,
    CostLines,
    Criticality,
    DependencyRecord,
    Disk,
    Environment,
    PowerState,
    SystemKind,
    SystemRecord,
)

SCHEMA = Path(__file__).parents[2] / "docs" / "canonical-system.schema.json"

FULL = SystemRecord(
    external_id="vm-42f1",
    name="web01.corp.example",
    kind=SystemKind.DATABASE,
    cores=8,
    memory_mb=32768,
    cpu_util_pct=37.5,
    memory_util_pct=81.25,
    util_percentile=95,
    disks=(
        Disk(size_gb=128),
        Disk(size_gb=1024.5, used_gb=700, read_iops=1200, write_iops=300, read_mbps=48.5, write_mbps=12),
        Disk(size_gb=64, write_iops=50),
    ),
    storage_used_gb=812.3,
    network_in_mbps=3.5,
    network_out_mbps=0.25,
    os_name="Microsoft Windows Server 2012 R2 Standard",
    os_version="6.3",
    os_arch="x64",
    os_end_of_support=dt.date(2023, 10, 10),
    boot_type="UEFI",
    server_type="Virtual",
    hypervisor="VMware",
    host="esx07",
    cluster="CL-Prod, Frankfurt",
    power_state=PowerState.ON,
    ip_addresses=("10.20.0.7", "fe80::1%3"),
    environment=Environment.PRODUCTION,
    criticality=Criticality.HIGH,
    application="Billing \"rating\" engine",
    business_unit="Consumer — Mobile",
    datacenter="FRA1",
    workload_type="sql",
    db_engine="SQL Server",
    db_version="2014 SP3",
    db_size_gb=420,
    costs=CostLines(hardware=5200, licences=1800.5, facilities=None, labour=2400, network=120),
    tags={"owner": "ops-team", "cost centre": "CC 4711", "note": "", "a=b": "c", "list": "x;y", "url": "a=b"},
)
MINIMAL = SystemRecord(external_id="app-9", name="app-9")
DEPENDENCIES = (
    DependencyRecord(source="web01.corp.example", target="app-9", port=8443, protocol="tcp", observations=4),
    DependencyRecord(source="app-9", target="10.0.0.5", process="java"),
)


def write(tmp_path: Path, content: str | bytes, name: str = "inventory.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def csv_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.reader(stream))


def messages(error: pytest.ExceptionInfo[BadInputError]) -> list[str]:
    return [str(problem) for problem in error.value.problems]


# ------------------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("records", [[FULL, MINIMAL], [MINIMAL], []], ids=["full", "minimal", "none"])
def test_csv_round_trip_gives_equal_records(tmp_path: Path, records: list[SystemRecord]) -> None:
    path = tmp_path / "out.csv"
    assert write_csv(records, path) == len(records)
    parsed = parse_csv(path)
    assert parsed.systems == tuple(records)
    assert parsed.format == "canonical-csv"


@pytest.mark.parametrize("records", [[FULL, MINIMAL], [MINIMAL]], ids=["full", "minimal"])
def test_json_round_trip_gives_equal_records(tmp_path: Path, records: list[SystemRecord]) -> None:
    path = tmp_path / "out.json"
    write_json(records, DEPENDENCIES, path)
    parsed = parse_json(path)
    assert parsed.systems == tuple(records)
    assert parsed.dependencies == DEPENDENCIES
    assert parsed.format == "canonical-json"
    assert parsed.system_rows == tuple(range(1, len(records) + 1))


def test_csv_columns_cover_every_system_field() -> None:
    expected = set(SystemRecord.model_fields) - {"costs"} | {f"cost_{line}" for line in COST_LINE_NAMES}
    assert set(CSV_COLUMNS) == expected


def test_writer_puts_awkward_tags_in_their_own_columns(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_csv([FULL], path)
    header, row = csv_rows(path)
    cells = dict(zip(header, row, strict=True))
    assert header[-2:] == ["tag:a=b", "tag:list"]
    assert (cells["tags"], cells["tag:a=b"], cells["tag:list"]) == (
        "owner=ops-team;cost centre=CC 4711;note=;url=a=b", "c", "x;y",
    )
    assert cells["disks"] == "128;1024.5:1200:300:48.5:12:700;64::50"
    assert (cells["ip_addresses"], cells["cost_facilities"], cells["cost_licences"]) == (
        "10.20.0.7;fe80::1%3", "", "1800.5",
    )


# Text that survives a CSV round trip unchanged: stripped, non-empty, not starting like a formula.
_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")) | st.sampled_from(";,=:'\"\n"),
    min_size=1, max_size=12,
).map(str.strip).filter(lambda s: bool(s) and not s.startswith(("=", "+", "-", "@")))
_NUMBER = st.floats(min_value=0, max_value=1e12, allow_nan=False, allow_infinity=False)
_IPS = st.lists(st.ip_addresses().map(str), max_size=3, unique=True).map(tuple)
_TAGS = st.dictionaries(
    st.text(alphabet=string.ascii_letters + " =;-_'", min_size=1, max_size=6).map(str.strip)
    .filter(lambda key: bool(key) and not key.startswith(("=", "+", "-", "@"))),
    st.one_of(st.just(""), _TEXT),
    max_size=4,
).filter(lambda tags: all(value or not (";" in key or "=" in key) for key, value in tags.items()))
_SYSTEMS = st.builds(
    SystemRecord,
    external_id=_TEXT,
    name=_TEXT,
    kind=st.sampled_from(SystemKind),
    cores=st.none() | st.integers(min_value=0, max_value=10_000),
    memory_mb=st.none() | _NUMBER,
    cpu_util_pct=st.none() | st.floats(min_value=0, max_value=100),
    util_percentile=st.none() | st.integers(min_value=1, max_value=100),
    disks=st.lists(
        st.builds(Disk, size_gb=_NUMBER, used_gb=st.none() | _NUMBER, read_iops=st.none() | _NUMBER,
                  write_mbps=st.none() | _NUMBER),
        max_size=3,
    ).map(tuple),
    os_name=st.none() | _TEXT,
    os_end_of_support=st.none() | st.dates(),
    power_state=st.sampled_from(PowerState),
    ip_addresses=_IPS,
    environment=st.sampled_from(Environment),
    criticality=st.none() | st.sampled_from(Criticality),
    business_unit=st.none() | _TEXT,
    costs=st.builds(CostLines, hardware=st.none() | _NUMBER, labour=st.none() | _NUMBER),
    tags=_TAGS,
)


def _unique(systems: list[SystemRecord]) -> bool:
    return len({s.external_id for s in systems}) == len(systems) and len(
        {s.name.lower() for s in systems}) == len(systems)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(systems=st.lists(_SYSTEMS, max_size=4).filter(_unique))
def test_any_records_round_trip_through_csv_and_json(tmp_path: Path, systems: list[SystemRecord]) -> None:
    write_csv(systems, tmp_path / "p.csv")
    assert parse_csv(tmp_path / "p.csv").systems == tuple(systems)
    write_json(systems, [], tmp_path / "p.json")
    assert parse_json(tmp_path / "p.json").systems == tuple(systems)


# ------------------------------------------------------------------------------------- formula escaping


def test_writer_escapes_formula_text_and_reader_keeps_it_with_a_warning(tmp_path: Path) -> None:
    record = SystemRecord(external_id="x1", name="@evil", application="=HYPERLINK(\"http://x\")",
                          os_version="-1", host="+44", cores=2, memory_mb=0.5, tags={"=k": "v", "k": "-v"})
    path = tmp_path / "out.csv"
    write_csv([record], path)
    header, row = csv_rows(path)
    cells = dict(zip(header, row, strict=True))
    assert (cells["name"], cells["application"], cells["os_version"], cells["host"]) == (
        "'@evil", "'=HYPERLINK(\"http://x\")", "'-1", "'+44",
    )
    assert (cells["tag:=k"], cells["tags"]) == ("v", "k=-v")
    assert (cells["external_id"], cells["cores"], cells["memory_mb"]) == ("x1", "2", "0.5")

    parsed = parse_csv(path)
    (read,) = parsed.systems
    assert (read.name, read.application, read.os_version, read.host) == (
        "'@evil", "'=HYPERLINK(\"http://x\")", "'-1", "'+44",
    )
    assert read.tags == {"=k": "v", "k": "-v"}
    assert parsed.warnings == (
        "4 text cell(s) start with an apostrophe before =, +, - or @ (a spreadsheet formula escape; first on "
        "row 2, column name); kept as written, the apostrophe is not removed",
    )


# ------------------------------------------------------------------------------------- CSV reader


def test_hand_written_csv_maps_columns(tmp_path: Path) -> None:
    content = (
        "Name,Cores,Memory_MB,Kind,Environment,Power_State,disks,ip_addresses,tags,tag:Owner,cost_hardware,Notes\n"
        'db7,4,"16,384",Database,PRD,ON,500:3000;100,"10.0.0.1, 10.0.0.2",tier=gold;dr=,alice,900,hello\n'
        "app3,,,,,,,,,,,\n"
    )
    parsed = parse_csv(write(tmp_path, content))
    assert parsed.warnings == ("ignored 1 unknown column(s): Notes",)
    db7, app3 = parsed.systems
    assert db7 == SystemRecord(
        external_id="db7", name="db7", cores=4, memory_mb=16384, kind=SystemKind.DATABASE,
        environment=Environment.PRODUCTION, power_state=PowerState.ON,
        disks=(Disk(size_gb=500, read_iops=3000), Disk(size_gb=100)), ip_addresses=("10.0.0.1", "10.0.0.2"),
        tags={"tier": "gold", "dr": "", "Owner": "alice"}, costs=CostLines(hardware=900),
    )
    assert app3 == SystemRecord(external_id="app3", name="app3")
    assert parsed.system_rows == (2, 3)


def test_header_only_csv_is_valid_with_no_rows_warning(tmp_path: Path) -> None:
    parsed = parse_csv(write(tmp_path, ",".join(CSV_COLUMNS) + "\n"))
    assert (parsed.systems, parsed.warnings) == ((), ("no rows: the file has a header but no systems",))


def test_progress_is_reported_every_1000_rows_and_at_the_end(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    path = write(tmp_path, "name\n" + "".join(f"s{i}\n" for i in range(1500)))
    parse_csv(path, progress=lambda *call: calls.append(call))
    assert calls == [(1000, 1500), (1500, 1500)]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param("external_id,cores\nx,2\n", ["{f}:1:name: missing required column 'name'"],
                     id="no-name"),
        pytest.param("name,cores\nweb1,four\n", ["{f}:2:cores: expected a whole number, got 'four'"],
                     id="non-numeric-cores"),
        pytest.param("name,memory_mb\nweb1,-512\n", ["{f}:2:memory_mb: must be at least 0, got -512"],
                     id="negative-memory"),
        pytest.param("name,cpu_util_pct\nweb1,101\n", ["{f}:2:cpu_util_pct: must be at most 100, got 101"],
                     id="utilisation-over-100"),
        pytest.param("name\nweb1\nWeb1\n", ["{f}:3:name: duplicate server name 'Web1' (first on row 2)"],
                     id="duplicate-name"),
        pytest.param("external_id,name\nid1,a\nid1,b\n",
                     ["{f}:3:external_id: duplicate external_id 'id1' (first on row 2)"], id="duplicate-id"),
        pytest.param("name,disks\nweb1,100:x;:5;1:2:3:4:5:6:7\n", [
            "{f}:2:disks: disk 1: expected a number, got 'x'",
            "{f}:2:disks: disk 2: size_gb is required, got ':5'",
            "{f}:2:disks: disk 3: 7 values in '1:2:3:4:5:6:7', expected at most 6 "
            "(size_gb:read_iops:write_iops:read_mbps:write_mbps:used_gb)",
        ], id="bad-disks"),
        pytest.param("name,tags\nweb1,owner;x=1\n", ["{f}:2:tags: expected key=value, got 'owner'"],
                     id="bad-tags"),
        pytest.param("name,kind\nweb1,vm\n", [
            "{f}:2:kind: Input should be 'server', 'database', 'application', 'appliance' or 'storage', "
            "got 'vm'",
        ], id="bad-kind"),
        pytest.param("name,os_end_of_support\nweb1,31/12/2025\n", [
            "{f}:2:os_end_of_support: Input should be a valid date or datetime, invalid character in year, "
            "got '31/12/2025'",
        ], id="bad-date"),
        pytest.param("name,cost_labour\nweb1,-5\n", ["{f}:2:cost_labour: must be at least 0, got -5"],
                     id="negative-cost"),
        pytest.param("name,tag:\nweb1,x\n", ["{f}:1:tag:: a tag column needs a name after 'tag:'"],
                     id="empty-tag-column"),
        pytest.param("", ["{f}: the file is empty"], id="empty-file"),
    ],
)
def test_bad_csv_is_rejected_with_exact_messages(tmp_path: Path, content: str, expected: list[str]) -> None:
    path = write(tmp_path, content)
    with pytest.raises(BadInputError) as error:
        parse_csv(path)
    assert messages(error) == [line.format(f=path) for line in expected]


def test_latin1_csv_is_read_and_the_encoding_named(tmp_path: Path) -> None:
    path = write(tmp_path, "name\nserveur-\xe9t\xe9\n".encode("latin-1"))
    parsed = parse_csv(path)
    assert [system.name for system in parsed.systems] == ["serveur-\xe9t\xe9"]
    assert "read as Windows-1252" in parsed.warnings[0]


# ------------------------------------------------------------------------------------- JSON reader


def test_bare_list_and_defaulted_external_id(tmp_path: Path) -> None:
    path = write(tmp_path, json.dumps([{"name": "web1", "cores": 2}, {"name": "db1", "environment": "uat"}]),
                 "inv.json")
    parsed = parse_json(path)
    assert parsed.systems == (
        SystemRecord(external_id="web1", name="web1", cores=2),
        SystemRecord(external_id="db1", name="db1", environment=Environment.TEST),
    )


def test_document_with_schema_key_and_self_dependency(tmp_path: Path) -> None:
    document = {
        "$schema": "./canonical-system.schema.json",
        "systems": [{"name": "a"}, {"name": "b"}],
        "dependencies": [{"source": "a", "target": "b", "port": 443}, {"source": "b", "target": "B"}],
    }
    parsed = parse_json(write(tmp_path, "\ufeff" + json.dumps(document), "inv.json"))
    assert parsed.dependencies == (DependencyRecord(source="a", target="b", port=443),)
    assert parsed.dependency_rows == (1,)
    assert parsed.warnings == ("dropped 1 self-dependencies (source equals target): 'b' (row 2)",)


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        pytest.param(
            {"systems": [{"name": "a"}, {"name": "b", "cores": -1, "disks": [{"size_gb": "big"}]}]},
            [
                "{f}:2:cores: in the systems list: Input should be greater than or equal to 0, got -1",
                "{f}:2:disks.0.size_gb: in the systems list: Input should be a valid number, unable to parse "
                "string as a number, got 'big'",
            ],
            id="bad-system-fields",
        ),
        pytest.param(
            {"systems": [{"name": "a", "colour": "red"}], "dependencies": [{"source": "a"}, 7]},
            [
                "{f}:1:colour: in the systems list: Extra inputs are not permitted, got 'red'",
                "{f}:1:target: in the dependencies list: Field required",
                "{f}:2: in the dependencies list: expected an object, got int",
            ],
            id="extra-field-and-bad-dependencies",
        ),
        pytest.param(
            {"dependencies": [{"source": "a", "target": "b", "port": 70000}]},
            ["{f}:1:port: in the dependencies list: Input should be less than or equal to 65535, got 70000"],
            id="port-out-of-range",
        ),
        pytest.param(
            {"systems": [{"name": "a"}, {"name": "A"}]},
            ["{f}:2:name: duplicate server name 'A' (first on row 1)"],
            id="duplicate-name",
        ),
        pytest.param(
            {"servers": [], "systems": {}},
            [
                "{f}: unknown top-level key(s) 'servers'; expected 'systems' and 'dependencies'",
                "{f}:systems: expected a list, got dict",
            ],
            id="wrong-shape",
        ),
        pytest.param("just text", ["{f}: expected an object with 'systems' and 'dependencies' or a list of "
                                   "systems, got str"], id="not-an-object"),
    ],
)
def test_bad_json_is_rejected_with_exact_messages(
    tmp_path: Path, document: object, expected: list[str]
) -> None:
    path = write(tmp_path, json.dumps(document), "inv.json")
    with pytest.raises(BadInputError) as error:
        parse_json(path)
    assert messages(error) == [line.format(f=path) for line in expected]


def test_invalid_json_syntax_names_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, '{"systems": [\n  {"name": "a",}\n]}', "inv.json")
    with pytest.raises(BadInputError) as error:
        parse_json(path)
    assert messages(error) == [f"{path}: not valid JSON: Expecting property name enclosed in double quotes "
                               "at line 2 column 16"]


# ------------------------------------------------------------------------------------- schema


def test_committed_schema_equals_generated_one() -> None:
    committed = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert committed == canonical_schema(), (
        "docs/canonical-system.schema.json is stale; regenerate with "
        "`python -m inventory.importers.canonical docs/canonical-system.schema.json`"
    )


def test_schema_makes_external_id_optional_and_name_required() -> None:
    system = canonical_schema()["$defs"]["SystemRecord"]
    assert system["required"] == ["name"]
    assert system["additionalProperties"] is False
