"""RVTools importer: counts and field values pinned on three real exports, plus every kind of bad input."""

from __future__ import annotations

import io
import zipfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from inventory.errors import BadInputError
from inventory.importers import parse_file, rvtools
from inventory.importers import workbook as workbook_reader
from inventory.importers.rvtools import parse
from inventory.records import Criticality, Environment, PowerState, SystemRecord

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
BIG = FIXTURES / "rvtools_ibm_sizingworkshop_805vms.xlsx"
SMALL = FIXTURES / "rvtools_ibm_small_complete.xlsx"
KUBEV2V = FIXTURES / "rvtools_kubev2v_example1_9vms.xlsx"

# How the counts below were taken: each file opened with openpyxl (read_only, data_only), vInfo rows with
# any non-blank cell counted, then grouped with collections.Counter by (Template, Powerstate):
# - 805-VM file: 805 rows (806 is the last non-blank row of 3504); Template "True" on 10 rows, all
#   poweredOff; of the 795 others 763 poweredOn and 32 poweredOff. So the provenance's "763 powered on"
#   are all real VMs, and the 10 templates are among the 42 powered off. No duplicate names.
# - small file: 3 rows, no Template column; 2 poweredOn (web-01, db-01), 1 poweredOff (archive-01).
# - kubev2v file: 9 rows (vInfo reports max_row 1048576, the rest are formatted blank rows); Template and
#   SRM Placeholder "False" everywhere; poweredOn: vm-3, vm-8, vm-9; the other 6 poweredOff.
COUNTS = [
    # file, systems, templates skipped, powered on, powered off
    (BIG, 795, 10, 763, 32),
    (SMALL, 3, 0, 2, 1),
    (KUBEV2V, 9, 0, 3, 6),
]


@pytest.fixture(scope="module")
def parsed() -> dict[Path, Any]:
    return {path: parse(path) for path in (BIG, SMALL, KUBEV2V)}


def by_name(result: Any) -> dict[str, SystemRecord]:
    return {system.name: system for system in result.systems}


@pytest.mark.parametrize(("path", "systems", "templates", "on", "off"), COUNTS, ids=lambda v: getattr(v, "stem", v))
def test_counts_match_the_file(
    parsed: dict[Path, Any], path: Path, systems: int, templates: int, on: int, off: int
) -> None:
    result = parsed[path]
    assert result.format == "rvtools"
    assert len(result.systems) == systems
    assert len(result.system_rows) == systems
    skipped = [w for w in result.warnings if w.startswith("skipped ")]
    assert skipped == ([f"skipped {templates} template(s): " + _first_templates()] if templates else [])
    powers = Counter(system.power_state for system in result.systems)
    assert powers == Counter({PowerState.ON: on, PowerState.OFF: off})


def _first_templates() -> str:
    # vInfo rows 228, 728-732, 739-742 have Template "True"; the warning names the first five.
    return "Bowf17webprod, trhel6s_1, trhel6s-old, trhel6w-old, trhel7s-old (+5 more)"


def test_templates_are_not_imported(parsed: dict[Path, Any]) -> None:
    names = set(by_name(parsed[BIG]))
    templates = {"Bowf17webprod", "trhel6s_1", "trhel6s-old", "trhel6w-old", "trhel7s-old", "trhel7w-old",
                 "WS2008R2", "WS2008R2-O", "WS2012R2", "WS2012R2-O"}
    assert not names & templates
    # System rows are vInfo sheet rows: the first VM is on row 2, the last on row 806; row 228 is a template.
    rows = parsed[BIG].system_rows
    assert (rows[0], rows[-1]) == (2, 806)
    assert 228 not in rows


MIB = 1024
NAMED = [
    # Old headers (MB): one disk of "Provisioned MB", used from "In Use MB", IP from vNetwork.
    (BIG, "wadfs1", {
        "external_id": "wadfs1", "cores": 1, "memory_mb": 4096, "disks": [86201 / MIB],
        "storage_used_gb": 62420 / MIB, "os_name": "Microsoft Windows Server 2008 R2 (64-bit)", "os_arch": "x64",
        "host": "bovmsp-04.customer.com", "cluster": "Cluster1", "datacenter": "Datacenter1",
        "ip_addresses": ("10.0.0.0",), "power_state": PowerState.ON, "tags": {}, "boot_type": None,
        "server_type": "Virtual", "hypervisor": "VMware", "cpu_util_pct": None,
    }),
    # No VMware Tools OS: the configuration-file OS is used, and its "(32-bit)" gives x86.
    (BIG, "NTMAXTEST04", {
        "cores": 2, "memory_mb": 4096, "disks": [122873 / MIB], "storage_used_gb": 75980 / MIB,
        "os_name": "Microsoft Windows Server 2003 Standard (32-bit)", "os_arch": "x86",
        "host": "bovmprod3-01", "cluster": "Cluster2", "ip_addresses": ("10.0.2.151",),
    }),
    (BIG, "BOWSDSSRV01", {
        "cores": 8, "memory_mb": 4096, "power_state": PowerState.OFF, "storage_used_gb": 0.0,
        "disks": [86170 / MIB], "cluster": "Cluster2",
    }),
    # Small file: disks from vDisk (MiB), used storage from the vPartition "Consumed MiB" sum (vInfo has no
    # "In Use"), IPs from Primary IP + vNetwork de-duplicated, CPU Usage % as a point value, Firmware.
    (SMALL, "sample-web-01", {
        "cores": 2, "memory_mb": 8192, "disks": [80.0, 40.0], "storage_used_gb": 60.0, "cpu_util_pct": 35.0,
        "util_percentile": None, "os_name": "Ubuntu Linux (64-bit)", "os_arch": "x64", "boot_type": "BIOS",
        "host": "sample-host-01", "cluster": "sample-cluster-a", "datacenter": "sample-dc",
        # vHost row of sample-host-01: Speed 2400, # Cores 16 (this file's vHost has no other columns).
        "ip_addresses": ("10.10.1.10",), "tags": {"host_cpu_mhz": "2400", "host_cores": "16"},
    }),
    (SMALL, "sample-db-01", {
        "cores": 4, "memory_mb": 16384, "disks": [100.0, 220.0], "storage_used_gb": 250.0,
        "cpu_util_pct": 62.0, "os_name": "Microsoft Windows Server 2022", "os_arch": None, "boot_type": "UEFI",
        "ip_addresses": ("10.10.2.20", "10.10.3.20"), "host": "sample-host-02",
    }),
    (SMALL, "sample-archive-01", {
        "power_state": PowerState.OFF, "disks": [80.0], "storage_used_gb": 10.0, "cpu_util_pct": 2.0,
    }),
    # kubev2v: vDisk's VM names are shifted against vInfo, its "VM ID" column is not. Joined by VM ID,
    # vm-3 (vm-105889) gets the 512 GiB disk listed under "vm-2", and vm-8 (vm-107051) both disks listed
    # under "vm-7" and "vm-8" (their sum, 204800 MiB, equals vm-8's "Unshared MiB").
    (KUBEV2V, "vm-3", {
        "external_id": "500b4793-2a7b-f692-073b-a400ac8fccce", "cores": 3, "memory_mb": 3526,
        "disks": [512.0], "storage_used_gb": 8746 / MIB, "os_name": "Debian GNU/Linux 9 (64-bit)",
        "ip_addresses": ("10.58.58.28",), "host": "10.5.126.198", "cluster": "Cluster", "boot_type": "BIOS",
        "power_state": PowerState.ON, "tags": {},
    }),
    (KUBEV2V, "vm-8", {
        "cores": 13, "memory_mb": 34321, "disks": [100.0, 100.0], "storage_used_gb": 245873 / MIB,
        "os_name": "Red Hat Enterprise Linux 8 (64-bit)", "boot_type": "UEFI", "host": "10.41.187.30",
        "ip_addresses": ("10.219.147.82",),
    }),
    # Only the configuration-file OS; 32-bit.
    (KUBEV2V, "vm-2", {
        "os_name": "Red Hat Fedora (32-bit)", "os_arch": "x86", "disks": [], "power_state": PowerState.OFF,
    }),
    # vm-9 has empty CPUs/Memory and no VM ID: kept unsized, keyed by name; its disk is the vDisk row of
    # that name, whose VM ID no other vInfo row claims.
    (KUBEV2V, "vm-9", {
        "external_id": "vm-9", "cores": None, "memory_mb": None, "disks": [100.0], "os_name": None,
        "host": None, "power_state": PowerState.ON,
    }),
]


@pytest.mark.parametrize(("path", "vm", "expected"), NAMED, ids=[f"{p.stem[8:14]}-{vm}" for p, vm, _ in NAMED])
def test_named_vm_fields(parsed: dict[Path, Any], path: Path, vm: str, expected: dict[str, Any]) -> None:
    system = by_name(parsed[path])[vm]
    actual = {
        field: [disk.size_gb for disk in system.disks] if field == "disks" else getattr(system, field)
        for field in expected
    }
    assert actual == expected
    assert all(disk.used_gb is None for disk in system.disks)


def test_vhost_facts_become_tags_of_the_vms_on_that_host(parsed: dict[Path, Any]) -> None:
    # 805-VM file: only 6 of the 38 host names in vInfo appear in vHost as written (the export was anonymised
    # per sheet); bovmmgt-17 is one of them. Its vHost row: Intel Xeon E5-2667 v3 @ 3.20GHz, Speed 3196,
    # 16 cores, VMware ESXi 6.0.0 build-4192238, HP ProLiant DL380 Gen9.
    systems = [s for s in parsed[BIG].systems if s.host == "bovmmgt-17"]
    assert systems and all(s.tags == {
        "host_cpu_model": "Intel(R) Xeon(R) CPU E5-2667 v3 @ 3.20GHz", "host_cpu_mhz": "3196", "host_cores": "16",
        "host_esx_version": "VMware ESXi 6.0.0 build-4192238", "host_model": "HP ProLiant DL380 Gen9"}
        for s in systems)
    assert sum(1 for s in parsed[BIG].systems if "host_cpu_model" in s.tags) == 51


def test_unsized_vm_is_a_warning_not_a_problem(parsed: dict[Path, Any]) -> None:
    assert parsed[KUBEV2V].warnings == (
        "VM 'vm-9' (row 10) has no CPUs/Memory value: imported, but it cannot be sized until cores/memory are "
        "known",
    )


def test_formatted_blank_rows_are_not_read(parsed: dict[Path, Any]) -> None:
    # Performance sanity without a timing assert: the kubev2v vInfo claims 1,048,576 rows, and parsing stops
    # after a run of BLANK_RUN_LIMIT blank rows, so both real files parse in well under a second here.
    assert len(parsed[BIG].systems) == 795
    assert len(rvtools.read_sheets(KUBEV2V.read_bytes(), "k")["vinfo"].rows) == 9


# --- small generated workbooks -------------------------------------------------------------------------

HEADER = ["VM", "Powerstate", "Template", "CPUs", "Memory", "Provisioned MiB"]


def workbook(path: Path, sheets: dict[str, Sequence[Sequence[Any]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
    book.save(path)
    return path


def vinfo(path: Path, *rows: Sequence[Any], header: Sequence[str] = HEADER, **extra: Sequence[Any]) -> Path:
    return workbook(path, {"vInfo": [header, *rows], **extra})


def test_custom_attribute_columns_become_tags_and_fill_fields(tmp_path: Path) -> None:
    header = [*HEADER, "Network #1", "Annotation", "Environment", "App", "BU", "Criticality", "owner",
              "VI SDK Server"]
    path = vinfo(
        tmp_path / "tags.xlsx",
        ["a", "poweredOn", False, 2, 4096, 10240, "net", "web tier", "PRD", "billing", "Retail", "High", "ann",
         "vc01"],
        ["b", "poweredOn", False, 2, 4096, 10240, "net", None, "uat", None, None, "gold", None, "vc01"],
        header=header,
    )
    a, b = parse(path).systems
    assert a.tags == {"Annotation": "web tier", "Environment": "PRD", "App": "billing", "BU": "Retail",
                      "Criticality": "High", "owner": "ann"}
    assert (a.environment, a.application, a.business_unit, a.criticality) == (
        Environment.PRODUCTION, "billing", "Retail", Criticality.HIGH)
    # "gold" is no criticality: it stays a tag only.
    assert b.tags == {"Environment": "uat", "Criticality": "gold"}
    assert (b.environment, b.application, b.criticality) == (Environment.TEST, None, None)


@pytest.mark.parametrize(
    ("power", "template", "srm", "expected"),
    [
        ("poweredOn", "False", "False", PowerState.ON),
        ("poweredOff", False, None, PowerState.OFF),
        ("suspended", None, "False", PowerState.OFF),
        ("", None, None, PowerState.UNKNOWN),
        ("poweredOn", "True", "False", None),
        ("poweredOff", True, None, None),
        ("poweredOn", "False", "True", None),
    ],
)
def test_power_state_and_skipped_rows(tmp_path: Path, power: str, template: Any, srm: Any, expected: Any) -> None:
    header = ["VM", "Powerstate", "Template", "SRM Placeholder", "CPUs", "Memory"]
    path = vinfo(tmp_path / "p.xlsx", ["x", power, template, srm, 1, 1024], header=header)
    result = parse(path)
    assert [s.power_state for s in result.systems] == ([] if expected is None else [expected])
    if expected is None:
        kind = "SRM placeholder(s)" if srm == "True" else "template(s)"
        assert result.warnings == (f"skipped 1 {kind}: x",)


def test_duplicate_name_allowed_when_one_is_a_template(tmp_path: Path) -> None:
    path = vinfo(tmp_path / "d.xlsx", ["web", "poweredOff", "True", 1, 1024, 0],
                 ["web", "poweredOn", "False", 1, 1024, 0])
    assert [s.power_state for s in parse(path).systems] == [PowerState.ON]


def test_ids_disks_partitions_and_network_are_joined(tmp_path: Path) -> None:
    header = [*HEADER, "In Use MiB", "Total disk capacity MiB", "Primary IP Address", "VM ID", "VM UUID"]
    path = vinfo(
        tmp_path / "j.xlsx",
        ["a", "poweredOn", "False", 2, 2048, 30720, None, 20480, "10.0.0.1", "vm-1", "uuid-a"],
        ["b", "poweredOn", "False", 2, 2048, 30720, 5120, None, None, "vm-2", None],
        ["c", "poweredOn", "False", 2, 2048, 30720, 1024, 0, None, None, None],
        header=header,
        vDisk=[["VM", "Capacity MiB", "VM ID"], ["renamed", 1024, "vm-2"], ["renamed", 2048, "vm-2"]],
        vPartition=[["VM", "Consumed MiB"], ["a", 512], ["a", 1536], ["b", 99999]],
        vNetwork=[["VM", "IPv4 Address", "VM ID"], ["a", "10.0.0.1, 10.0.0.2;10.0.0.3", "vm-1"],
                  ["a", "fe80::1", "vm-1"], ["c", "10.9.9.9", None]],
    )
    a, b, c = parse(path).systems
    # a: no vDisk rows -> one disk of "Total disk capacity" (not "Provisioned"); no "In Use" -> vPartition sum.
    assert (a.external_id, [d.size_gb for d in a.disks], a.storage_used_gb) == ("uuid-a", [20.0], 2.0)
    assert a.ip_addresses == ("10.0.0.1", "10.0.0.2", "10.0.0.3", "fe80::1")
    # b: vDisk rows found by VM ID despite another name; "In Use" wins over vPartition; no capacity -> provisioned
    assert (b.external_id, [d.size_gb for d in b.disks], b.storage_used_gb) == ("vm-2", [1.0, 2.0], 5.0)
    # c: no VM ID: joined by name; a total capacity of 0 means no disk.
    assert (c.external_id, c.disks, c.ip_addresses) == ("c", (), ("10.9.9.9",))


def test_not_an_ip_is_dropped_with_a_warning(tmp_path: Path) -> None:
    header = ["VM", "CPUs", "Memory", "Primary IP Address"]
    path = vinfo(tmp_path / "ip.xlsx", ["a", 1, 1024, "10.0.0.1"], header=header,
                 vNetwork=[["VM", "IP Address"], ["a", "10.0.0.1; unknown"]])
    result = parse(path)
    assert result.systems[0].ip_addresses == ("10.0.0.1",)
    assert result.warnings == ("VM 'a': vNetwork row 2: 'unknown' is not an IP address; ignored",)


def test_old_mb_headers_and_case_insensitive_matching(tmp_path: Path) -> None:
    header = ["vm", "CPUS", "memory", "Provisioned MB", "in use mb", "CPU Usage %"]
    path = vinfo(tmp_path / "mb.xlsx", ["a", "4", "8192", 2048, 1024, "12.5%"], header=header)
    system = parse(path).systems[0]
    assert (system.cores, system.memory_mb, [d.size_gb for d in system.disks], system.storage_used_gb,
            system.cpu_util_pct) == (4, 8192, [2.0], 1.0, 12.5)


def test_blank_rows_inside_data_are_skipped_and_a_long_run_ends_the_sheet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "vInfo"
    sheet.append(["VM", "CPUs", "Memory"])
    sheet["A2"], sheet["B2"], sheet["C2"] = "a", 1, 1024
    sheet["A5"], sheet["B5"], sheet["C5"] = "b", 1, 1024  # after 2 blank rows
    sheet["A20"], sheet["B20"], sheet["C20"] = "c", 1, 1024  # after 14 blank rows
    book.save(tmp_path / "gaps.xlsx")
    monkeypatch.setattr(workbook_reader, "BLANK_RUN_LIMIT", 10)
    result = parse(tmp_path / "gaps.xlsx")
    assert [s.name for s in result.systems] == ["a", "b"]
    assert result.system_rows == (2, 5)


def test_progress_is_reported_every_thousand_rows(tmp_path: Path) -> None:
    rows = [[f"vm{i}", 1, 1024] for i in range(2500)]
    path = vinfo(tmp_path / "many.xlsx", *rows, header=["VM", "CPUs", "Memory"])
    calls: list[tuple[int, int]] = []
    parse(path, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1000, 0), (2000, 0), (2500, 2500)]


# --- bad inputs ----------------------------------------------------------------------------------------


def rejected(path: Path) -> str:
    with pytest.raises(BadInputError) as caught:
        parse(path)
    return str(caught.value)


def test_zero_byte_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    assert rejected(path) == f"{path}: the file is empty"


def test_truncated_workbook(tmp_path: Path) -> None:
    data = SMALL.read_bytes()
    path = tmp_path / "half.xlsx"
    path.write_bytes(data[: len(data) // 2])
    assert rejected(path) == (
        f"{path}: not a readable xlsx workbook (truncated or corrupt?): File is not a zip file; open it in "
        "Excel and save it again as .xlsx"
    )


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")
    path = tmp_path / "zip.xlsx"
    path.write_bytes(buffer.getvalue())
    assert rejected(path) == (
        f"{path}: not a readable xlsx workbook (truncated or corrupt?): There is no item named "
        "'[Content_Types].xml' in the archive; open it in Excel and save it again as .xlsx"
    )


def test_corrupt_sheet_data(tmp_path: Path) -> None:
    # The zip directory is intact but compressed bytes in the middle are zeroed: fails while reading rows.
    data = bytearray(SMALL.read_bytes())
    start = len(data) // 3
    data[start : start + 200] = bytes(200)
    path = tmp_path / "flip.xlsx"
    path.write_bytes(bytes(data))
    message = rejected(path)
    assert message.startswith(f"{path}: not a readable xlsx workbook (truncated or corrupt?): ")
    assert "\n" not in message and "Traceback" not in message


def test_wrong_sheet_names(tmp_path: Path) -> None:
    path = workbook(tmp_path / "sheet1.xlsx", {"Sheet1": [["VM", "CPUs", "Memory"], ["a", 1, 1024]]})
    assert rejected(path) == f"{path}: no vInfo sheet: not an RVTools export (sheets found: Sheet1)"


def test_missing_required_column(tmp_path: Path) -> None:
    path = vinfo(tmp_path / "nocpu.xlsx", ["a", 1024], header=["VM", "Memory"])
    assert rejected(path) == f"{path}:1:CPUs: missing required column 'CPUs'"


def test_non_numeric_cpus(tmp_path: Path) -> None:
    path = vinfo(tmp_path / "cpu.xlsx", ["a", "poweredOn", "False", "four", 1024, 0])
    assert rejected(path) == f"{path}:2:CPUs: expected a whole number, got 'four'"


def test_negative_memory(tmp_path: Path) -> None:
    path = vinfo(tmp_path / "mem.xlsx", ["a", "poweredOn", "False", 2, -1024, 0])
    assert rejected(path) == f"{path}:2:Memory: must be at least 0, got -1024"


def test_duplicate_vm_name(tmp_path: Path) -> None:
    path = vinfo(tmp_path / "dup.xlsx", ["web01", "poweredOn", "False", 1, 1024, 0],
                 ["Web01", "poweredOff", "False", 1, 1024, 0])
    assert rejected(path) == f"{path}:3:VM: duplicate server name 'Web01' (first on row 2)"


def test_every_problem_is_reported_together(tmp_path: Path) -> None:
    path = vinfo(
        tmp_path / "many.xlsx",
        ["a", "poweredOn", "False", "two", 1024, 0],
        ["b", "poweredOn", "False", 2, -5, 0],
        [None, "poweredOn", "False", 2, 1024, 0],
        ["c", "poweredOn", "False", 1.5, 1024, 0],
        ["d", "poweredOn", "False", 1, 1024, 0],
        ["d", "poweredOn", "False", 1, 1024, 0],
        vDisk=[["VM", "Capacity MiB"], ["d", "big"]],
    )
    with pytest.raises(BadInputError) as caught:
        parse(path)
    assert str(caught.value).splitlines() == [
        f"{path}:2:CPUs: expected a whole number, got 'two'",
        f"{path}:3:Memory: must be at least 0, got -5",
        f"{path}:4:VM: missing VM name",
        f"{path}:5:CPUs: expected a whole number, got 1.5",
        # The bad vDisk row belongs to both "d" rows but is reported once; the duplicate still is.
        f"{path}:2:vDisk!Capacity MiB: expected a number, got 'big'",
        f"{path}:7:VM: duplicate server name 'd' (first on row 6)",
    ]
    assert len(caught.value.problems) == 6


def test_xlsx_is_detected_as_rvtools() -> None:
    assert [s.name for s in parse_file(SMALL).systems] == ["sample-web-01", "sample-db-01", "sample-archive-01"]
