"""Write a generated estate in the files engineers really have: our canonical CSV, the Azure Migrate import
template with its dependency export, or an RVTools-like workbook — so demos and tests go through the importers.

Every text cell that a spreadsheet would run as a formula (starting with = + - @) is written with a leading `'`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from enum import StrEnum
from pathlib import Path

from inventory.cells import escape_formula
from inventory.records import DependencyRecord, Environment, PowerState, SystemRecord
from inventory.sample import SampleEstate


class SampleFormat(StrEnum):
    CSV = "csv"
    AZURE_MIGRATE = "azure-migrate"
    RVTOOLS = "rvtools"


FORMAT_CHOICES = ", ".join(f.value for f in SampleFormat)

# The Azure Migrate import template as downloaded (27 columns, two disk groups); `*` marks required columns.
AZURE_MIGRATE_HEADER: tuple[str, ...] = (
    "*Server name", "IP addresses", "*Cores", "*Memory (In MB)", "*OS name", "OS version", "OS architecture",
    "Server type", "Hypervisor", "CPU utilization percentage", "Memory utilization percentage",
    "Network adapters", "Network In throughput", "Network Out throughput", "Boot type", "Number of disks",
    "Storage in use (In GB)",
    *(column for n in (1, 2) for column in (
        f"Disk {n} size (In GB)", f"Disk {n} read throughput (MB per second)",
        f"Disk {n} write throughput (MB per second)", f"Disk {n} read ops (operations per second)",
        f"Disk {n} write ops (operations per second)")),
)
_TEMPLATE_DISKS = 2

# The agentless dependency export as the portal writes it (10 columns).
AZURE_MIGRATE_DEPENDENCY_HEADER: tuple[str, ...] = (
    "Time slot", "Source server name", "Source IP", "Source application", "Source process",
    "Destination server name", "Destination IP", "Destination application", "Destination process",
    "Destination port",
)
# Six-hour slots of one day, written as the portal writes them (no zero padding, "0:00" = next midnight).
_TIME_SLOTS = ("1/31/2025 0:00-6:00", "1/31/2025 6:00-12:00", "1/31/2025 12:00-18:00", "1/31/2025 18:00-0:00")
# Listening port -> (application, process) as agentless discovery names them.
_LISTENERS: dict[int, tuple[str, str]] = {
    22: ("OpenSSH", "sshd"),
    53: ("DNS Server", "named"),
    88: ("Active Directory Domain Services", "lsass.exe"),
    123: ("chrony", "chronyd"),
    389: ("Active Directory Domain Services", "lsass.exe"),
    443: ("Web Server", "httpd"),
    445: ("Microsoft® Windows® Operating System", "System"),
    514: ("rsyslog", "rsyslogd"),
    1433: ("Microsoft SQL Server", "sqlservr.exe"),
    1521: ("Oracle Database", "tnslsnr"),
    3306: ("MySQL", "mysqld"),
    5022: ("Microsoft SQL Server", "sqlservr.exe"),
    5432: ("PostgreSQL", "postgres"),
    8080: ("Java Application Server", "java"),
    8443: ("Java Application Server", "java"),
    9092: ("Apache Kafka", "java"),
    9100: ("Prometheus node exporter", "node_exporter"),
    9182: ("Prometheus windows exporter", "windows_exporter.exe"),
    10000: ("Backup Exec Remote Agent", "beremote.exe"),
    61616: ("Apache ActiveMQ", "java"),
}

RVTOOLS_VINFO_HEADER: tuple[str, ...] = (
    "VM", "Powerstate", "Template", "CPUs", "Memory", "NICs", "Disks", "Provisioned MiB", "In Use MiB",
    "Primary IP Address", "Datacenter", "Cluster", "Host", "OS according to the configuration file",
    "OS according to the VMware Tools", "Firmware", "VM UUID", "env", "app", "bu",
)
RVTOOLS_VDISK_HEADER: tuple[str, ...] = ("VM", "Disk", "Capacity MiB")
RVTOOLS_VNETWORK_HEADER: tuple[str, ...] = ("VM", "IPv4 Address")
DEPENDENCY_CSV_HEADER: tuple[str, ...] = ("source", "target", "port", "protocol")
# Custom attribute values as estates write them; the importers normalise them back.
_ENV_ATTRIBUTE = {Environment.PRODUCTION: "prod", Environment.DEVELOPMENT: "dev"}



def write_sample(estate: SampleEstate, fmt: str, out: Path) -> list[Path]:
    """Write `estate` as `fmt` to `out` (plus `<stem>-dependencies.csv` next to it); return the files written."""
    try:
        chosen = SampleFormat(fmt)
    except ValueError as e:
        raise ValueError(f"unknown sample format {fmt!r}; expected one of {FORMAT_CHOICES}") from e
    out.parent.mkdir(parents=True, exist_ok=True)
    dependencies = dependencies_path(out)
    if chosen is SampleFormat.CSV:
        # Imported here: the canonical importer module is heavier than this one and not always needed.
        from inventory.importers.canonical import write_csv

        write_csv(estate.systems, out)
        write_dependency_csv(estate.dependencies, dependencies)
    elif chosen is SampleFormat.AZURE_MIGRATE:
        write_azure_migrate_csv(estate.systems, out)
        write_azure_migrate_dependencies(estate, dependencies)
    else:
        write_rvtools_xlsx(estate.systems, out)
        write_dependency_csv(estate.dependencies, dependencies)
    return [out, dependencies]


def dependencies_path(out: Path) -> Path:
    """Where the dependency file of a sample written to `out` goes."""
    return out.with_name(f"{out.stem}-dependencies.csv")


def write_dependency_csv(dependencies: Iterable[DependencyRecord], path: Path) -> None:
    """Our simple dependency CSV: source,target,port,protocol."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(DEPENDENCY_CSV_HEADER)
        writer.writerows(
            (escape_formula(d.source), escape_formula(d.target), "" if d.port is None else d.port, _text(d.protocol))
            for d in dependencies
        )


def write_azure_migrate_csv(systems: Sequence[SystemRecord], path: Path) -> None:
    """The Azure Migrate import template, with `Disk N` column groups added for systems with more disks.
    UTF-8 without BOM and LF line ends, like Microsoft's own filled example."""
    disk_groups = max([_TEMPLATE_DISKS, *(len(s.disks) for s in systems)])
    header = list(AZURE_MIGRATE_HEADER) + [
        column for n in range(_TEMPLATE_DISKS + 1, disk_groups + 1) for column in (
            f"Disk {n} size (In GB)", f"Disk {n} read throughput (MB per second)",
            f"Disk {n} write throughput (MB per second)", f"Disk {n} read ops (operations per second)",
            f"Disk {n} write ops (operations per second)")
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for s in systems:
            row: list[object] = [
                escape_formula(s.name), escape_formula(";".join(s.ip_addresses)), _num(s.cores), _num(s.memory_mb),
                _text(s.os_name), _text(s.os_version), _text(s.os_arch), _text(s.server_type),
                _text(s.hypervisor), _num(s.cpu_util_pct), _num(s.memory_util_pct),
                len(s.ip_addresses) or "", _num(s.network_in_mbps), _num(s.network_out_mbps), _text(s.boot_type),
                len(s.disks), _num(s.storage_used_gb),
            ]
            for disk in s.disks:
                row += [_num(disk.size_gb), _num(disk.read_mbps), _num(disk.write_mbps), _num(disk.read_iops),
                        _num(disk.write_iops)]
            row += [""] * (len(header) - len(row))
            writer.writerow(row)


def write_azure_migrate_dependencies(estate: SampleEstate, path: Path) -> None:
    """The agentless dependency export: one row per edge in one six-hour slot, UTF-8 with BOM and CRLF as the
    portal writes it. The export has no protocol column, so protocols are lost."""
    ip = {s.name: s.ip_addresses[0] if s.ip_addresses else "" for s in estate.systems}
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(AZURE_MIGRATE_DEPENDENCY_HEADER)
        for index, d in enumerate(estate.dependencies):
            application, process = _LISTENERS.get(d.port or -1, ("", "Unknown process"))
            writer.writerow((
                _TIME_SLOTS[index % len(_TIME_SLOTS)], escape_formula(d.source), ip.get(d.source, ""), "",
                "Unknown process", escape_formula(d.target), ip.get(d.target, ""), application, process,
                "" if d.port is None else d.port,
            ))


def write_rvtools_xlsx(systems: Sequence[SystemRecord], path: Path) -> None:
    """An RVTools-like workbook (modern headers): vInfo (with Firmware and env/app/bu custom attributes),
    vDisk, vNetwork.
    Every system is listed, physical ones too, so that the sample imports whole."""
    from openpyxl import Workbook

    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = Workbook(write_only=True)
    info = workbook.create_sheet("vInfo")
    info.append(RVTOOLS_VINFO_HEADER)
    for s in systems:
        info.append([
            escape_formula(s.name), "poweredOff" if s.power_state is PowerState.OFF else "poweredOn", "False",
            s.cores, _mib(s.memory_mb, per_gb=False), len(s.ip_addresses), len(s.disks), _mib(s.storage_gb),
            _mib(s.storage_used_gb), s.ip_addresses[0] if s.ip_addresses else None, _cell(s.datacenter),
            _cell(s.cluster), _cell(s.host), _cell(s.os_name), _cell(s.os_name),
            "efi" if s.boot_type == "UEFI" else "bios" if s.boot_type else None, _cell(s.external_id),
            _ENV_ATTRIBUTE.get(s.environment, s.environment.value), _cell(s.application), _cell(s.business_unit),
        ])
    disks = workbook.create_sheet("vDisk")
    disks.append(RVTOOLS_VDISK_HEADER)
    for s in systems:
        for number, disk in enumerate(s.disks, start=1):
            disks.append([escape_formula(s.name), f"Hard disk {number}", _mib(disk.size_gb)])
    network = workbook.create_sheet("vNetwork")
    network.append(RVTOOLS_VNETWORK_HEADER)
    for s in systems:
        for address in s.ip_addresses:
            network.append([escape_formula(s.name), address])
    workbook.save(path)


def _text(value: str | None) -> str:
    return "" if value is None else escape_formula(value)


def _cell(value: str | None) -> str | None:
    return None if value is None else escape_formula(value)


def _num(value: float | int | None) -> str:
    """A number as a spreadsheet user expects it: 16384, not 16384.0."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _mib(value: float | None, *, per_gb: bool = True) -> int | None:
    """MiB from GB (RVTools counts binary units; our records keep the source's GB) or from MB as is."""
    if value is None:
        return None
    return round(value * 1024) if per_gb else round(value)
