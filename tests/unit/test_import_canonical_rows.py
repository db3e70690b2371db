"""The canonical CSV fast path (FastRows) agrees with the slow path (cell parsers + pydantic) on any file."""

from __future__ import annotations

import contextlib
import csv
import io
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inventory.errors import BadInputError
from inventory.importers.canonical import CSV_COLUMNS, parse_csv, write_csv
from inventory.importers.canonical_rows import FastRows
from inventory.importers.rows import record_from_row
from inventory.records import CostLines, Criticality, Disk, Environment, PowerState, SystemKind, SystemRecord

Outcome = tuple[str, object, object]


def outcome(path: Path) -> Outcome:
    """What parse_csv makes of a file: its rows and warnings, or its problems."""
    try:
        parsed = parse_csv(path)
    except BadInputError as e:
        return ("rejected", [str(problem) for problem in e.problems], None)
    return ("parsed", parsed.system_table, parsed.warnings)


def slow_outcome(path: Path) -> Outcome:
    """The same with the fast path switched off: every row through the cell parsers and pydantic."""
    with mock.patch.object(FastRows, "__call__", lambda self, cells, row, escaped: None):
        return outcome(path)


def fast_rows_taken(path: Path) -> int:
    """How many rows the fast path built."""
    taken = 0
    original = FastRows.__call__

    def counting(self: FastRows, cells: list[str], row: int, escaped: list[tuple[int, str]]) -> object:
        nonlocal taken
        values = original(self, cells, row, escaped)
        taken += values is not None
        return values

    with mock.patch.object(FastRows, "__call__", counting), contextlib.suppress(BadInputError):
        parse_csv(path)
    return taken


def write_rows(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(stream.getvalue(), encoding="utf-8")
    return path


# Cells: mostly plainly valid (so the fast path is exercised), often not (so the fallback is).
_NUMBERS = st.one_of(
    st.floats(min_value=0, max_value=1e9, allow_nan=False).map(repr), st.integers(0, 10**6).map(str),
    st.sampled_from(["0", "-0", "1e3", " 12 ", "12,345", "1_000", "100", "101", "-1", "nan", "inf", "abc", "",
                     "  ", "1.5", "95", "2e53", "1e400"]),
)
_TEXT = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=6),
    st.sampled_from(["", " ", "'=SUM(A1)", "'-1", "'plain", " padded ", "x" * 300, "Ünïcode"]),
)
_KINDS = st.sampled_from(["server", "DATABASE", " appliance ", "vm", "", "Storage"])
_STATES = st.sampled_from(["on", "OFF", "unknown", "running", ""])
_LEVELS = st.sampled_from(["low", "High", "critical", "urgent", ""])
_ENVIRONMENTS = st.sampled_from(["production", "PRD", "uat", "Pre-Production", "lab", "", "dr", "unknown"])
_DATES = st.one_of(st.dates().map(str), st.sampled_from(
    ["2020-02-30", "31/12/2025", "2020-11-30T00:00:00", "20201130", "0000-01-01", "2020-1-3", "", "٢٠٢٠-01-01"]))
_DISK_PART = st.one_of(st.floats(min_value=0, max_value=1e6, allow_nan=False).map(repr),
                       st.sampled_from(["", " ", "x", "-1", "nan", "inf", "0"]))
_DISKS = st.lists(st.lists(_DISK_PART, min_size=1, max_size=7).map(":".join), max_size=3).map(";".join)
_IPS = st.lists(st.sampled_from(["10.0.0.1", "fe80::1%3", " 10.0.0.2 ", "10.0.0.1", "", "x"]),
                max_size=3).map(lambda parts: ";".join(parts) if len(parts) % 2 else ",".join(parts))
_TAGS = st.lists(st.sampled_from(["owner=ops", "tier = gold", "owner=dev", "novalue", "=x", "k=", "a=b=c", ""]),
                 max_size=3).map(";".join)
_CELLS: dict[str, st.SearchStrategy[str]] = {
    "kind": _KINDS, "power_state": _STATES, "criticality": _LEVELS, "environment": _ENVIRONMENTS,
    "os_end_of_support": _DATES, "disks": _DISKS, "ip_addresses": _IPS, "tags": _TAGS,
    **dict.fromkeys(("cores", "memory_mb", "cpu_util_pct", "memory_util_pct", "util_percentile", "storage_used_gb",
                     "network_in_mbps", "network_out_mbps", "db_size_gb", "cost_hardware", "cost_licences",
                     "cost_facilities", "cost_labour", "cost_network"), _NUMBERS),
}
_NAMES = st.sampled_from(["web-01", "WEB-01", "db-01", " app-01 ", "", "n" * 256, "'@evil"])


@st.composite
def csv_files(draw: st.DrawFn) -> tuple[list[str], list[list[str]]]:
    """A header (name, some other columns, maybe a tag column) and a few rows of cells for it."""
    others = draw(st.lists(st.sampled_from([c for c in CSV_COLUMNS if c != "name"]), unique=True, max_size=10))
    header = ["name", *others, *draw(st.sampled_from([[], ["tag:owner"]]))]
    rows = []
    for _ in range(draw(st.integers(1, 4))):
        cells = []
        for column in header:
            if column == "name":
                cells.append(draw(_NAMES))
            elif column == "external_id":
                cells.append(draw(st.sampled_from(["", "id-1", "id-2", " id-3 "])))
            else:
                cells.append(draw(_CELLS.get(column, _TEXT)))
        rows.append(cells)
    return header, rows


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=csv_files())
def test_fast_and_slow_paths_agree_on_any_file(tmp_path: Path, data: tuple[list[str], list[list[str]]]) -> None:
    path = write_rows(tmp_path / "inventory.csv", *data)
    assert outcome(path) == slow_outcome(path)


def _record(index: int) -> SystemRecord:
    return SystemRecord(
        external_id=f"vm-{index}", name=f"Host-{index}", kind=SystemKind.DATABASE, cores=index % 64,
        memory_mb=1024.0 * index, cpu_util_pct=index % 100 + 0.5, util_percentile=95,
        disks=(Disk(size_gb=100, used_gb=40, read_iops=1, write_iops=2, read_mbps=0.5, write_mbps=0.25),
               Disk(size_gb=20.5)), ip_addresses=(f"10.0.{index // 250}.{index % 250}",),
        os_name="Red Hat Enterprise Linux 8 (64-bit)", power_state=PowerState.ON, environment=Environment.TEST,
        criticality=Criticality.LOW, application="Billing", costs=CostLines(hardware=10.0 * index),
        tags={"owner": "ops", "role": "db"},
    )


def test_what_our_writer_writes_takes_the_fast_path_and_reads_back_equal(tmp_path: Path) -> None:
    records = [_record(index) for index in range(1, 201)]
    path = tmp_path / "estate.csv"
    write_csv(records, path)
    assert fast_rows_taken(path) == len(records), "every row of a plain export is built without pydantic"
    parsed = parse_csv(path)
    assert [record_from_row(row) for row in parsed.system_table] == records
    assert outcome(path) == slow_outcome(path)


@pytest.mark.parametrize(
    ("cells", "fast"),
    [
        (["web-01", "4", "40:1:2:3:4:5;20"], True),
        (["web-01", "4", "40::2"], True),
        (["web-01", "four", ""], False),
        (["web-01", "4", "40:x"], False),
        (["web-01", "1,024", ""], False),
        (["n" * 256, "4", ""], False),
    ],
    ids=["plain", "disk-parts-left-out", "bad-number", "bad-disk", "thousands-separator", "name-too-long"],
)
def test_only_plainly_valid_rows_take_the_fast_path(tmp_path: Path, cells: list[str], fast: bool) -> None:
    path = write_rows(tmp_path / "one.csv", ["name", "cores", "disks"], [cells])
    assert fast_rows_taken(path) == int(fast)
    assert outcome(path) == slow_outcome(path)
