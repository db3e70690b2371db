"""Importer for the Azure Migrate server-import CSV (portal: Discover > Using import).

Follows Microsoft's template: four mandatory `*` columns, any subset of the optional ones, up to 20
`Disk N ...` column groups and 20,000 rows. Headers match case-insensitively, with or without the `*`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from inventory.importers.common import (
    Columns,
    ParsedInventory,
    Problems,
    ProgressFn,
    build_record,
    check_unique_names,
    display_name,
    header_key,
    number,
    open_csv,
    require_columns,
    text,
)
from inventory.importers.rows import SystemRow, row_from_record
from inventory.records import Disk, SystemRecord

FORMAT = "azure-migrate"
MAX_DISKS = 20
MAX_ROWS = 20_000
PROGRESS_EVERY = 1000

# Field -> header aliases (matched by `header_key`: no `*`, case-insensitive).
_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("Server name",),
    "ip_addresses": ("IP addresses", "IP address"),
    "cores": ("Cores",),
    "memory_mb": ("Memory (In MB)",),
    "os_name": ("OS name",),
    "os_version": ("OS version",),
    "os_arch": ("OS architecture",),
    "server_type": ("Server type",),
    "hypervisor": ("Hypervisor",),
    "cpu_util_pct": ("CPU utilization percentage",),
    "memory_util_pct": ("Memory utilization percentage",),
    "network_in_mbps": ("Network In throughput",),
    "network_out_mbps": ("Network Out throughput",),
    "boot_type": ("Boot type", "Firmware type"),
    "storage_used_gb": ("Storage in use (In GB)",),
    "mac_address": ("MAC address",),
    "os_license": ("OS license",),
}
_REQUIRED = {"name": "*Server name", "cores": "*Cores", "memory_mb": "*Memory (In MB)", "os_name": "*OS name"}

# Documented columns that have no SystemRecord field: accepted without a warning, not used.
_KNOWN_UNUSED = {
    "network adapters",
    "number of disks",
    "total disks read throughput (mb per second)",
    "total disks write throughput (mb per second)",
    "total disks read ops (operations per second)",
    "total disks write ops (operations per second)",
}

_DISK_HEADER = re.compile(
    r"^disk (\d+) (size \(in gb\)|read throughput \(mb per second\)|write throughput \(mb per second\)"
    r"|read ops \(operations per second\)|write ops \(operations per second\))$"
)
_DISK_PART = {
    "size (in gb)": "size_gb",
    "read throughput (mb per second)": "read_mbps",
    "write throughput (mb per second)": "write_mbps",
    "read ops (operations per second)": "read_iops",
    "write ops (operations per second)": "write_iops",
}

_ARCH = {
    "x64": "x64", "amd64": "x64", "64-bit": "x64", "64 bit": "x64", "x86_64": "x64", "x86-64": "x64",
    "x86": "x86", "32-bit": "x86", "32 bit": "x86", "i386": "x86", "i686": "x86",
}
_HYPERVISOR = {"vmware": "VMware", "hyper-v": "Hyper-V", "hyperv": "Hyper-V"}
_SERVER_TYPE = {"virtual": "Virtual", "physical": "Physical"}
_IP_SPLIT = re.compile(r"[;,]")


def parse(path: Path, *, progress: ProgressFn | None = None) -> ParsedInventory:
    """Parse an Azure Migrate import CSV into systems; raises BadInputError listing every problem."""
    problems = Problems(display_name(path))
    table = open_csv(path)
    header = table.header
    columns = Columns.match(header, _ALIASES)
    require_columns(columns, _REQUIRED, problems)
    disks = _disk_columns(header, problems)
    warnings: list[str] = list(table.notes)
    unknown = [
        cell for position, cell in enumerate(header)
        if cell and position not in columns.positions.values() and position not in disks.positions
        and header_key(cell) not in _KNOWN_UNUSED
    ]
    if unknown:
        warnings.append(f"ignored {len(unknown)} unknown column(s): {', '.join(unknown)}")
    problems.raise_if_any()

    rows = list(table.rows)  # the template's 20,000 rows at most: counted exactly for the warning below
    total = len(rows)
    records: list[SystemRow] = []
    odd_arch: dict[str, int] = {}
    sizeless: list[int] = []
    for done, (row, cells) in enumerate(rows, start=1):
        record = _record(cells, row, columns, disks, problems, odd_arch, sizeless)
        if record is not None:
            records.append(row_from_record(record, row))
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, total)
    check_unique_names(records, problems, columns.column("name"))
    problems.raise_if_any()
    if progress is not None:
        progress(total, total)

    if not rows:
        warnings.append("no rows: the file has a header but no servers")
    if total > MAX_ROWS:
        warnings.append(
            f"{total} rows: more than the {MAX_ROWS:,} servers Azure Migrate accepts in one file; "
            "imported anyway"
        )
    if odd_arch:
        listed = ", ".join(f"{value!r} (row {row})" for value, row in odd_arch.items())
        warnings.append(
            f"OS architecture not one of x64, x86, amd64, 32-bit, 64-bit, kept as given: {listed}"
        )
    if sizeless:
        warnings.append(
            f"{len(sizeless)} row(s) have disk throughput/ops but no disk size; those disks were ignored "
            f"(first on row {sizeless[0]})"
        )
    return ParsedInventory(format=FORMAT, system_table=tuple(records), warnings=tuple(warnings))


class _DiskColumns:
    """Positions of the `Disk N ...` columns: disk number -> {Disk field -> column position}."""

    def __init__(self) -> None:
        self.by_disk: dict[int, dict[str, int]] = {}
        self.names: dict[int, str] = {}

    @property
    def positions(self) -> set[int]:
        return set(self.names)


def _disk_columns(header: Sequence[str], problems: Problems) -> _DiskColumns:
    """Find every disk column group; disk numbers beyond the template's 20 are a header problem."""
    found = _DiskColumns()
    for position, cell in enumerate(header):
        match = _DISK_HEADER.match(header_key(cell))
        if match is None:
            continue
        disk_number = int(match.group(1))
        found.names[position] = cell
        if not 1 <= disk_number <= MAX_DISKS:
            problems.add(1, cell, f"disk number {disk_number} is outside Disk 1..Disk {MAX_DISKS}; "
                                  f"the template allows at most {MAX_DISKS} disks")
            continue
        found.by_disk.setdefault(disk_number, {})[_DISK_PART[match.group(2)]] = position
    return found


def _record(
    cells: Sequence[str],
    row: int,
    columns: Columns,
    disk_columns: _DiskColumns,
    problems: Problems,
    odd_arch: dict[str, int],
    sizeless: list[int],
) -> SystemRecord | None:
    """One data row as a SystemRecord, or None after adding this row's problems."""
    before = len(problems.items)

    def cell(field_name: str) -> Any:
        return columns.get(cells, field_name)

    for field_name, expected in _REQUIRED.items():
        if text(cell(field_name)) is None:
            problems.add(row, columns.column(field_name), f"missing required value ({expected} is mandatory)")
    col = columns.column
    data: dict[str, Any] = {
        "cores": number(cell("cores"), problems, row, col("cores"), integer=True, minimum=1),
        "memory_mb": number(cell("memory_mb"), problems, row, col("memory_mb"), minimum=1),
        "cpu_util_pct": number(cell("cpu_util_pct"), problems, row, col("cpu_util_pct"), maximum=100),
        "memory_util_pct": number(
            cell("memory_util_pct"), problems, row, col("memory_util_pct"), maximum=100
        ),
        "network_in_mbps": number(cell("network_in_mbps"), problems, row, col("network_in_mbps")),
        "network_out_mbps": number(cell("network_out_mbps"), problems, row, col("network_out_mbps")),
        "storage_used_gb": number(cell("storage_used_gb"), problems, row, col("storage_used_gb")),
        "os_name": text(cell("os_name")),
        "os_version": text(cell("os_version")),
        "os_arch": _arch(text(cell("os_arch")), row, odd_arch),
        "boot_type": text(cell("boot_type")),
        "server_type": _canonical_spelling(text(cell("server_type")), _SERVER_TYPE),
        "hypervisor": _canonical_spelling(text(cell("hypervisor")), _HYPERVISOR),
        "ip_addresses": split_ips(text(cell("ip_addresses"))),
        "disks": _disks(cells, row, disk_columns, problems, sizeless),
    }
    tags = {tag: value for tag in ("mac_address", "os_license") if (value := text(cell(tag))) is not None}
    if tags:
        data["tags"] = tags
    name = text(cell("name"))
    data["external_id"] = data["name"] = name
    if len(problems.items) > before:
        return None
    return build_record({k: v for k, v in data.items() if v is not None}, problems, row, col)


def _disks(
    cells: Sequence[str], row: int, disk_columns: _DiskColumns, problems: Problems, sizeless: list[int]
) -> tuple[Disk, ...]:
    """The row's disks in disk-number order; a disk exists when its size is given."""
    disks: list[Disk] = []
    for _disk_number, parts in sorted(disk_columns.by_disk.items()):
        values: dict[str, float] = {}
        for part, position in parts.items():
            raw = cells[position] if position < len(cells) else None
            value = number(raw, problems, row, disk_columns.names[position])
            if value is not None:
                values[part] = value
        if "size_gb" in values:
            disks.append(Disk(**values))
        elif values and (not sizeless or sizeless[-1] != row):
            sizeless.append(row)
    return tuple(disks)


def split_ips(value: str | None) -> tuple[str, ...]:
    """IP addresses from one cell, separated by `;` or `,`, in order and without repeats."""
    if value is None:
        return ()
    return tuple(dict.fromkeys(part.strip() for part in _IP_SPLIT.split(value) if part.strip()))


def _arch(value: str | None, row: int, odd: dict[str, int]) -> str | None:
    """x64/amd64/64-bit -> x64 and x86/32-bit -> x86; anything else is kept and reported once."""
    if value is None:
        return None
    normal = _ARCH.get(value.lower())
    if normal is None:
        odd.setdefault(value, row)
        return value
    return normal


def _canonical_spelling(value: str | None, spellings: dict[str, str]) -> str | None:
    """The usual spelling of a known value (`Vmware` -> `VMware`); unknown text is kept as given."""
    if value is None:
        return None
    return spellings.get(value.lower(), value)
