"""Table form of parsed systems (inventory.importers.rows): columns, record round trips, digests, ParsedInventory."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inventory.importers.common import ParsedInventory
from inventory.importers.rows import (
    DERIVED_COLUMNS,
    JSON_COLUMNS,
    SYSTEM_COLUMNS,
    DependencyRow,
    SystemRow,
    record_from_row,
    row_digest,
    row_from_record,
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
from inventory.tables import System

REPO = Path(__file__).parents[2]
RECORD = SystemRecord(
    external_id="vm-1", name="Web-01", kind=SystemKind.DATABASE, cores=4, memory_mb=8192, cpu_util_pct=12.5,
    disks=(Disk(size_gb=100, read_iops=500), Disk(size_gb=50.5, used_gb=20)), ip_addresses=("10.0.0.1", "fe80::1%3"),
    os_name="Microsoft Windows Server 2019", os_end_of_support=dt.date(2029, 1, 9), power_state=PowerState.ON,
    environment=Environment.PRODUCTION, criticality=Criticality.HIGH, costs=CostLines(hardware=1200, labour=300.5),
    tags={"owner": "billing", "note": "ünïcode"},
)
# The digest of RECORD. It is stored as row_hash: if this changes, every system of every existing database
# reads as "changed" on its next re-import, so change it only on purpose.
RECORD_DIGEST = "05bebe2a22b22182891c405ca3a74435"


def test_columns_are_the_system_table_minus_bookkeeping() -> None:
    bookkeeping = {"id", "source", "state", "row_hash", "import_id", "created_at", "updated_at", "removed_at"}
    table_columns = [column.key for column in System.metadata.tables["system"].columns]
    assert [column for column in table_columns if column not in bookkeeping] == list(SYSTEM_COLUMNS)


def test_columns_cover_every_record_field() -> None:
    spread = {f"cost_{line}" for line in COST_LINE_NAMES}
    assert set(SYSTEM_COLUMNS) - DERIVED_COLUMNS == set(SystemRecord.model_fields) - {"costs"} | spread


def test_row_of_a_record_holds_derived_columns_and_json_text() -> None:
    row = row_from_record(RECORD, 7)
    values = dict(zip(SYSTEM_COLUMNS, row.values, strict=True))
    assert (row.line, row.external_id, row.name, row.name_key) == (7, "vm-1", "Web-01", "web-01")
    assert (values["kind"], values["environment"], values["criticality"], values["power_state"]) == (
        "database", "production", "high", "on")
    assert (values["os_family"], values["disk_count"], values["storage_gb"]) == ("windows", 2, 150.5)
    assert values["disks"] == ('[{"size_gb": 100.0, "read_iops": 500.0}, '
                               '{"size_gb": 50.5, "used_gb": 20.0}]')
    assert json.loads(values["tags"]) == RECORD.tags and json.loads(values["ip_addresses"]) == ["10.0.0.1", "fe80::1%3"]
    assert (values["cost_hardware"], values["cost_licences"], values["cost_labour"]) == (1200.0, None, 300.5)
    assert all(isinstance(values[column], str) for column in JSON_COLUMNS)


def test_digest_is_pinned_and_the_same_in_another_process() -> None:
    assert row_from_record(RECORD, 0).digest == RECORD_DIGEST
    code = ("from tests.unit.test_import_rows import RECORD; from inventory.importers.rows import row_from_record; "
            "print(row_from_record(RECORD, 0).digest)")
    other = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": "123", "PATH": ""})
    assert other.stdout.strip() == RECORD_DIGEST


@pytest.mark.parametrize(
    "change",
    [{"cores": 8}, {"name": "web-01"}, {"os_version": "None"}, {"disks": (Disk(size_gb=100, read_iops=500),)},
     {"tags": {"owner": "billing"}}, {"environment": "dev"}, {"costs": CostLines(hardware=1200)},
     {"os_end_of_support": dt.date(2029, 1, 10)}, {"ip_addresses": ("10.0.0.1",)}],
    ids=lambda change: next(iter(change)),
)
def test_any_change_changes_the_digest(change: dict[str, object]) -> None:
    changed = RECORD.model_copy(update=change) if "environment" not in change else SystemRecord.model_validate(
        {**RECORD.model_dump(), **change})
    assert row_from_record(changed, 0).digest != RECORD_DIGEST


def test_digest_depends_on_values_not_on_object_identity() -> None:
    values = row_from_record(RECORD, 0).values
    copied = tuple("".join(value) if isinstance(value, str) else value for value in values)
    assert row_digest(copied) == row_digest(values)


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=8).map(str.strip).filter(bool)
_NUMBER = st.floats(min_value=0, max_value=1e12, allow_nan=False)
_RECORDS = st.builds(
    SystemRecord,
    external_id=_TEXT, name=_TEXT, kind=st.sampled_from(SystemKind), cores=st.none() | st.integers(0, 512),
    memory_mb=st.none() | _NUMBER | st.integers(0, 10**6), util_percentile=st.none() | st.integers(1, 100),
    disks=st.lists(st.builds(Disk, size_gb=_NUMBER, used_gb=st.none() | _NUMBER, write_mbps=st.none() | _NUMBER),
                   max_size=3).map(tuple),
    os_name=st.none() | _TEXT, os_end_of_support=st.none() | st.dates(), power_state=st.sampled_from(PowerState),
    ip_addresses=st.lists(_TEXT, max_size=3, unique=True).map(tuple), environment=st.sampled_from(Environment),
    criticality=st.none() | st.sampled_from(Criticality),
    costs=st.builds(CostLines, hardware=st.none() | _NUMBER, network=st.none() | _NUMBER),
    tags=st.dictionaries(_TEXT, st.text(max_size=5).map(str.strip), max_size=3),
)


@settings(max_examples=150, deadline=None)
@given(record=_RECORDS, line=st.integers(1, 10**6))
def test_a_record_survives_its_row(record: SystemRecord, line: int) -> None:
    row = row_from_record(record, line)
    assert record_from_row(row) == record
    assert row_from_record(record_from_row(row), line) == row


def test_parsed_inventory_from_records_keeps_records_and_rows() -> None:
    deps = (DependencyRecord(source="a", target="b", port=443), DependencyRecord(source="b", target="c"))
    parsed = ParsedInventory.of("canonical-json", systems=(RECORD,), dependencies=deps, warnings=["w"],
                                system_rows=(4,))
    assert parsed.systems == (RECORD,) and parsed.dependencies == deps and parsed.warnings == ("w",)
    assert parsed.system_rows == (4,) and parsed.dependency_rows == (2, 3), "dependency rows default to 2, 3, ..."
    assert parsed.system_table == (row_from_record(RECORD, 4),)
    assert parsed.dependency_table[0] == DependencyRow(2, "a", "b", 443)


def test_system_row_of_computes_the_digest() -> None:
    values = row_from_record(RECORD, 0).values
    assert SystemRow.of(values, 3) == SystemRow(3, values, RECORD_DIGEST)
