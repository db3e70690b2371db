"""The Azure Migrate server-import CSV importer: Microsoft's example and small hand-written files."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from inventory.errors import BadInputError
from inventory.importers.azure_migrate import parse
from inventory.records import Disk, OsFamily

FIXTURES = Path(__file__).parents[1] / "fixtures"
MICROHACK = FIXTURES / "azmigrate_import_90servers__microsoft_MicroHack.csv"
HEADER_ONLY = FIXTURES / "azmigrate_import_template_HEADER_ONLY_reconstructed.csv"
REQUIRED = "*Server name,*Cores,*Memory (In MB),*OS name"


def write(tmp_path: Path, content: str | bytes, name: str = "servers.csv") -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def messages(error: pytest.ExceptionInfo[BadInputError]) -> list[str]:
    return [str(problem) for problem in error.value.problems]


# ------------------------------------------------------------------------------------- the real example file


def test_microhack_file_gives_90_systems_with_pinned_totals() -> None:
    parsed = parse(MICROHACK)
    systems = parsed.systems
    assert parsed.format == "azure-migrate"
    assert parsed.warnings == ()
    assert len(systems) == 90
    assert sum(s.cores or 0 for s in systems) == 707
    assert sum(s.memory_mb or 0 for s in systems) == 3_732_898
    assert sum(s.storage_gb for s in systems) == 86_038
    assert sum(s.storage_used_gb or 0 for s in systems) == 48_659
    assert parsed.system_rows == tuple(range(2, 92))


def test_microhack_counts_by_os_family_server_type_and_hypervisor() -> None:
    systems = parse(MICROHACK).systems
    assert Counter(s.os_family for s in systems) == {OsFamily.WINDOWS: 64, OsFamily.LINUX: 26}
    assert Counter(s.server_type for s in systems) == {"Virtual": 85, "Physical": 5}
    # The file writes `Vmware`; we normalise to VMware.
    assert Counter(s.hypervisor for s in systems) == {"VMware": 75, "Hyper-V": 10, None: 5}


@pytest.mark.parametrize(
    ("name", "cores", "memory_mb", "os_name", "server_type", "hypervisor", "used_gb", "disk_gb"),
    [
        ("lnx5032", 2, 15884, "Red Hat Enterprise Linux 7 (64-bit)", "Virtual", "VMware", 665, 1146),
        ("lnx7017", 8, 539265, "Red Hat Enterprise Linux 7 (64-bit)", "Physical", None, 1094, 2330),
        ("nx7060", 1, 7784, "SUSE Linux Enterprise Server 12 (64-bit)", "Virtual", "VMware", 1314, 1844),
        ("WS0222", 24, 32768, "Microsoft Windows Server 2019 Standard", "Virtual", "Hyper-V", 203, 236),
        ("WS2907", 24, 65536, "Microsoft Windows Server 2019 Standard", "Physical", None, 4446, 13854),
    ],
)
def test_microhack_rows(
    name: str, cores: int, memory_mb: float, os_name: str, server_type: str, hypervisor: str | None,
    used_gb: float, disk_gb: float,
) -> None:
    system = {s.name: s for s in parse(MICROHACK).systems}[name]
    assert system.external_id == name
    assert (system.cores, system.memory_mb, system.os_name) == (cores, memory_mb, os_name)
    assert (system.server_type, system.hypervisor) == (server_type, hypervisor)
    assert system.storage_used_gb == used_gb
    assert system.disks == (Disk(size_gb=disk_gb),)
    assert (system.cpu_util_pct, system.util_percentile, system.ip_addresses) == (None, None, ())


def test_header_only_template_is_valid_with_no_rows_warning() -> None:
    parsed = parse(HEADER_ONLY)
    assert parsed.systems == ()
    assert parsed.warnings == ("no rows: the file has a header but no servers",)


# ------------------------------------------------------------------------------------- columns and values


def test_full_row_maps_every_column(tmp_path: Path) -> None:
    header = (
        "*Server Name,IP addresses,*Cores,*Memory (In MB),*OS name,OS version,OS architecture,Server type,"
        "Hypervisor,CPU utilization percentage,Memory utilization percentage,Network adapters,"
        "Network In throughput,Network Out throughput,Firmware type,Number of disks,Storage in use (In GB),"
        "MAC address,OS license,"
        "Disk 1 size (In GB),Disk 1 read throughput (MB per second),Disk 1 write throughput (MB per second),"
        "Disk 1 read ops (operations per second),Disk 1 write ops (operations per second),"
        "Disk 3 size (In GB),Disk 2 read ops (operations per second),Disk 20 size (In GB)"
    )
    row = (
        'VM001.corp.contoso.com,"10.0.0.4;fe80::1%3, 10.0.0.4",4,"8,192",Windows Server 2016,1607,amd64,'
        "virtual,vmware,35.5,60,2,1.5,2.5,UEFI,3,120,00:15:5D:01:02:03,Datacenter,"
        "128,10,20,300,400,"
        "512,77,64"
    )
    parsed = parse(write(tmp_path, f"{header}\n{row}\n"))
    (system,) = parsed.systems
    assert parsed.warnings == (
        "1 row(s) have disk throughput/ops but no disk size; those disks were ignored (first on row 2)",
    )
    assert system.name == system.external_id == "VM001.corp.contoso.com"
    assert system.ip_addresses == ("10.0.0.4", "fe80::1%3")
    assert (system.cores, system.memory_mb) == (4, 8192)
    assert (system.os_name, system.os_version, system.os_arch) == ("Windows Server 2016", "1607", "x64")
    assert (system.server_type, system.hypervisor, system.boot_type) == ("Virtual", "VMware", "UEFI")
    assert (system.cpu_util_pct, system.memory_util_pct, system.util_percentile) == (35.5, 60, None)
    assert (system.network_in_mbps, system.network_out_mbps, system.storage_used_gb) == (1.5, 2.5, 120)
    assert system.tags == {"mac_address": "00:15:5D:01:02:03", "os_license": "Datacenter"}
    assert system.disks == (
        Disk(size_gb=128, read_mbps=10, write_mbps=20, read_iops=300, write_iops=400),
        Disk(size_gb=512),
        Disk(size_gb=64),
    )


@pytest.mark.parametrize(
    ("given", "expected"),
    [("x64", "x64"), ("AMD64", "x64"), ("64-bit", "x64"), ("x86", "x86"), ("32-bit", "x86"), ("", None)],
)
def test_os_architecture_is_normalised(tmp_path: Path, given: str, expected: str | None) -> None:
    path = write(tmp_path, f"{REQUIRED},OS architecture\nvm1,2,1024,Ubuntu Linux,{given}\n")
    parsed = parse(path)
    assert parsed.systems[0].os_arch == expected
    assert parsed.warnings == ()


def test_unrecognised_architecture_is_kept_with_a_warning(tmp_path: Path) -> None:
    parsed = parse(write(tmp_path, f"{REQUIRED},OS architecture\nvm1,2,1024,Ubuntu Linux,arm64\n"))
    assert parsed.systems[0].os_arch == "arm64"
    assert parsed.warnings == (
        "OS architecture not one of x64, x86, amd64, 32-bit, 64-bit, kept as given: 'arm64' (row 2)",
    )


def test_any_subset_with_the_four_required_columns_is_accepted(tmp_path: Path) -> None:
    parsed = parse(write(tmp_path, "*OS NAME,*server name,Cores,memory (in mb)\nUbuntu Linux,web1,2,2048\n"))
    (system,) = parsed.systems
    assert (system.name, system.cores, system.memory_mb, system.os_name) == ("web1", 2, 2048, "Ubuntu Linux")
    assert system.disks == ()


def test_unknown_columns_are_ignored_with_one_warning(tmp_path: Path) -> None:
    content = f"{REQUIRED},Owner,Cost centre,Network adapters\nvm1,2,1024,Ubuntu,bob,42,1\n"
    parsed = parse(write(tmp_path, content))
    assert len(parsed.systems) == 1
    assert parsed.warnings == ("ignored 2 unknown column(s): Owner, Cost centre",)


def test_more_than_20000_rows_is_accepted_with_a_warning(tmp_path: Path) -> None:
    body = "".join(f"vm{i},1,1024,Ubuntu\n" for i in range(20_001))
    parsed = parse(write(tmp_path, f"{REQUIRED}\n{body}"))
    assert len(parsed.systems) == 20_001
    assert parsed.warnings == (
        "20001 rows: more than the 20,000 servers Azure Migrate accepts in one file; imported anyway",
    )


def test_progress_is_reported_every_1000_rows_and_at_the_end(tmp_path: Path) -> None:
    body = "".join(f"vm{i},1,1024,Ubuntu\n" for i in range(2500))
    calls: list[tuple[int, int]] = []
    parse(write(tmp_path, f"{REQUIRED}\n{body}"), progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1000, 2500), (2000, 2500), (2500, 2500)]


# ------------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(
            "*Server name,*Cores,*OS name\nvm1,2,Ubuntu\n",
            ["{f}:1:*Memory (In MB): missing required column '*Memory (In MB)'"],
            id="missing-required-column",
        ),
        pytest.param(
            f"{REQUIRED}\nvm1,four,1024,Ubuntu\n",
            ["{f}:2:*Cores: expected a whole number, got 'four'"],
            id="non-numeric-cores",
        ),
        pytest.param(
            f"{REQUIRED}\nvm1,2,-512,Ubuntu\n",
            ["{f}:2:*Memory (In MB): must be at least 1, got -512"],
            id="negative-memory",
        ),
        pytest.param(
            f"{REQUIRED},CPU utilization percentage\nvm1,2,512,Ubuntu,130\n",
            ["{f}:2:CPU utilization percentage: must be at most 100, got 130"],
            id="utilisation-over-100",
        ),
        pytest.param(
            f"{REQUIRED}\nweb1,2,512,Ubuntu\nvm2,2,512,Ubuntu\nWEB1,2,512,Ubuntu\n",
            ["{f}:4:*Server name: duplicate server name 'WEB1' (first on row 2)"],
            id="duplicate-server-name",
        ),
        pytest.param(
            f"{REQUIRED}\n,2,512,\n",
            [
                "{f}:2:*Server name: missing required value (*Server name is mandatory)",
                "{f}:2:*OS name: missing required value (*OS name is mandatory)",
            ],
            id="missing-required-values",
        ),
        pytest.param(
            f"{REQUIRED},Disk 21 size (In GB)\nvm1,2,512,Ubuntu,10\n",
            ["{f}:1:Disk 21 size (In GB): disk number 21 is outside Disk 1..Disk 20; "
             "the template allows at most 20 disks"],
            id="more-than-20-disks",
        ),
        pytest.param(
            f"{REQUIRED},Disk 1 size (In GB)\nvm1,2,512,Ubuntu,big\n",
            ["{f}:2:Disk 1 size (In GB): expected a number, got 'big'"],
            id="bad-disk-size",
        ),
        pytest.param("", ["{f}: the file is empty"], id="empty-file"),
    ],
)
def test_bad_input_is_rejected_with_exact_messages(tmp_path: Path, content: str, expected: list[str]) -> None:
    path = write(tmp_path, content)
    with pytest.raises(BadInputError) as error:
        parse(path)
    assert messages(error) == [line.format(f=path) for line in expected]


def test_every_problem_of_the_file_is_reported_at_once(tmp_path: Path) -> None:
    path = write(tmp_path, f"{REQUIRED}\nvm1,x,512,Ubuntu\nvm2,2,-1,Ubuntu\nvm3,2,512,\n")
    with pytest.raises(BadInputError) as error:
        parse(path)
    assert [(p.row, p.column) for p in error.value.problems] == [
        (2, "*Cores"), (3, "*Memory (In MB)"), (4, "*OS name"),
    ]


def test_latin1_file_is_read_and_the_encoding_named(tmp_path: Path) -> None:
    path = write(tmp_path, f"{REQUIRED}\nserveur-\xe9t\xe9,2,512,Ubuntu\n".encode("latin-1"))
    parsed = parse(path)
    assert [system.name for system in parsed.systems] == ["serveur-\xe9t\xe9"]
    assert parsed.warnings[0].startswith("not UTF-8 (byte 0xe9 on line 2): read as Windows-1252")
