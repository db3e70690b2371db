"""Importer for Azure Migrate's discovery report workbook: one system per row of its `Discovery_Report` sheet.

The workbook is what Microsoft's Azure Migrate Export utility writes after discovery (AzureMigrate_Discovery_Report
.xlsx): sheet `Properties` (a header row and one value row: tenant, subscription, resource group, project, site,
workflow, source appliances), sheet `Discovery_Report` (headers on row 1, one machine per row), and in newer
versions `vCenter_Host_Report`. Columns, as the utility writes them:

    Machine Name, Environment, Software Inventory Count, SQL Discovery Server Count, Is SQL Service Present,
    Web Applications Count, Operating System, Cores, Memory (in MB), Total Disks, IP Addresses, MAC Addresses,
    Total Network Adapters, Boot Type, Power Stats, Support Status, First Discovery Time, Last Updated Time,
    Machine ID [, Total Storage In Use (in GB)]

- Key: the machine's ARM id (`Machine ID`), else its name. The id's site type tells VMware / Hyper-V / physical.
- Power state: the "Power Stats" column (sic) holds the discovery API's value: ON / Running / PoweredOn are on,
  OFF / Powered Off / PoweredOff / Stopped / Suspended are off; empty (always, for CSV-imported machines) is unknown.
- IP addresses come per adapter as `[ip1,ip2];[ip3];`; every address is kept once, in order.
- The report has a disk count but no disk sizes. With `Total Storage In Use (in GB)` one disk of that size stands in
  (waves are packed by storage); without it the system has no disks, and a warning says so.
- Environment: Dev / Prod as the user typed them (the utility writes it blank: unknown here).
- Discovery facts become tags: first/last discovery time, OS support status, disk and adapter counts, software,
  SQL and web-app counts, and the project and site from the Properties sheet.
- The older PowerShell-era `Discovered_VMs.xlsx` header spellings (Machine, Memory(MB), Powerstatus, ...) are
  accepted too.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from inventory.errors import BadInputError
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
    read_bytes,
    require_columns,
    text,
)
from inventory.importers.rows import SystemRow, row_from_record
from inventory.importers.workbook import Cells, Sheet, open_workbook, read_sheet
from inventory.importers.workbook import properties as properties_of
from inventory.records import Disk, PowerState, normalise_environment

FORMAT = "azure-migrate-discovery"
REPORT_SHEET = "Discovery_Report"
PROPERTIES_SHEET = "Properties"

_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("Machine Name", "Machine"),
    "environment": ("Environment", "EnvironmentType", "Environment Type"),
    "software": ("Software Inventory Count", "Softwareinventory"),
    "sql_servers": ("SQL Discovery Server Count", "sqlDiscoveryServerCount"),
    "sql_services": ("Is SQL Service Present", "sqlServicePresent"),
    "web_apps": ("Web Applications Count", "WebappsCount"),
    "os": ("Operating System", "OperatingSystem"),
    "cores": ("Cores",),
    "memory": ("Memory (in MB)", "Memory(MB)", "Memory (MB)"),
    "disks": ("Total Disks", "TotalDisks"),
    "ips": ("IP Addresses", "IPaddress", "IP Address"),
    "macs": ("MAC Addresses", "MACaddress"),
    "adapters": ("Total Network Adapters", "TotalNetworkadapters"),
    "boot": ("Boot Type", "Boottype"),
    "power": ("Power Stats", "Power Status", "Powerstatus"),
    "support": ("Support Status",),
    "first_seen": ("First Discovery Time", "Firstdiscoverytime"),
    "last_seen": ("Last Updated Time", "Lastupdatedtime"),
    "machine_id": ("Machine ID", "MachineArmId"),
    "storage": ("Total Storage In Use (in GB)",),
}
_REQUIRED = {"name": "Machine Name", "cores": "Cores", "memory": "Memory (in MB)", "os": "Operating System"}
_POWER = {"on": PowerState.ON, "running": PowerState.ON, "poweredon": PowerState.ON, "powered on": PowerState.ON,
          "off": PowerState.OFF, "poweredoff": PowerState.OFF, "powered off": PowerState.OFF,
          "stopped": PowerState.OFF, "suspended": PowerState.OFF}
_SITES = {"vmwaresites": ("Virtual", "VMware"), "hypervsites": ("Virtual", "Hyper-V"),
          "serversites": ("Physical", None)}
_SITE = re.compile(r"/providers/microsoft\.offazure/(\w+)/", re.IGNORECASE)
_IP_SPLIT = re.compile(r"[\[\];,\s]+")
# Tags from the report's own count and status columns (the name the tag gets, the field).
_TAG_COLUMNS = (("os_support_status", "support"), ("first_discovered", "first_seen"),
                ("last_discovered", "last_seen"), ("disk_count", "disks"), ("network_adapters", "adapters"),
                ("installed_software", "software"), ("sql_instances", "sql_servers"),
                ("sql_services_present", "sql_services"), ("web_apps", "web_apps"), ("mac_addresses", "macs"))
_PROPERTY_TAGS = {"azure migrate project name": "azure_migrate_project", "discovery site name": "discovery_site",
                  "source appliances": "discovery_sources"}


def is_discovery_report(sheet_names: list[str]) -> bool:
    return any(header_key(name) == header_key(REPORT_SHEET) for name in sheet_names)


def parse(path: Path, *, progress: ProgressFn | None = None) -> ParsedInventory:
    """Parse an Azure Migrate discovery report into systems; raises BadInputError listing every problem."""
    name = display_name(path)
    with open_workbook(read_bytes(path), name) as workbook:
        titles = {header_key(title): str(title) for title in workbook.sheetnames}
        if header_key(REPORT_SHEET) not in titles:
            found = ", ".join(workbook.sheetnames) or "none"
            raise BadInputError.single(name, f"no {REPORT_SHEET} sheet: not an Azure Migrate discovery report "
                                             f"(sheets found: {found})")
        report = read_sheet(workbook[titles[header_key(REPORT_SHEET)]], progress=progress)
        properties = (read_sheet(workbook[titles[header_key(PROPERTIES_SHEET)]])
                      if header_key(PROPERTIES_SHEET) in titles else None)
    return build_inventory(report, properties_of(properties, _PROPERTY_TAGS), name, progress=progress)


def build_inventory(report: Sheet, shared_tags: Mapping[str, str], name: str, *,
                    progress: ProgressFn | None = None) -> ParsedInventory:
    problems = Problems(name)
    columns = Columns.match(report.header, _ALIASES)
    require_columns(columns, _REQUIRED, problems)
    problems.raise_if_any()
    records: list[SystemRow] = []
    unsized: list[str] = []
    no_storage: list[str] = []
    odd_power: dict[str, int] = {}
    bad_ips: list[str] = []
    for row, cells in report.rows:
        machine = text(columns.get(cells, "name"))
        if machine is None:
            problems.add(row, columns.column("name"), "missing machine name")
            continue
        data = _system(machine, cells, row, columns, problems, odd_power, bad_ips)
        data["tags"] = {**shared_tags, **data["tags"]}
        if data["cores"] is None or data["memory_mb"] is None:
            unsized.append(f"{machine!r} (row {row})")
        if not data["disks"]:
            no_storage.append(machine)
        record = build_record(data, problems, row, lambda field: columns.column(_FIELD_COLUMN.get(field, field)))
        if record is not None:
            records.append(row_from_record(record, row))
    check_unique_names(records, problems, columns.column("name"))
    problems.raise_if_any()
    if progress is not None:
        progress(len(report.rows), len(report.rows))
    return ParsedInventory(format=FORMAT, system_table=tuple(records),
                           warnings=tuple(_warnings(records, unsized, no_storage, odd_power, bad_ips, columns)))


# SystemRecord fields whose column has another name here (for problems raised by validation).
_FIELD_COLUMN = {"memory_mb": "memory", "os_name": "os", "boot_type": "boot", "power_state": "power"}


def _system(machine: str, cells: Cells, row: int, columns: Columns, problems: Problems,
            odd_power: dict[str, int], bad_ips: list[str]) -> dict[str, Any]:
    def num(field: str, **kwargs: Any) -> Any:
        return number(columns.get(cells, field), problems, row, columns.column(field), **kwargs)

    machine_id = text(columns.get(cells, "machine_id"))
    site = _SITE.search(machine_id or "")
    server_type, hypervisor = _SITES.get(site.group(1).lower(), (None, None)) if site else (None, None)
    power_text = text(columns.get(cells, "power"))
    power = _POWER.get((power_text or "").lower(), PowerState.UNKNOWN)
    if power_text and power is PowerState.UNKNOWN:
        odd_power[power_text] = odd_power.get(power_text, 0) + 1
    storage = num("storage")
    num("disks", integer=True)
    boot = text(columns.get(cells, "boot"))
    tags = {tag: value for tag, field in _TAG_COLUMNS if (value := _tag_text(columns.get(cells, field)))}
    return {
        "external_id": machine_id.lower() if machine_id else machine,
        "name": machine,
        "cores": num("cores", integer=True),
        "memory_mb": num("memory"),
        "os_name": text(columns.get(cells, "os")),
        "boot_type": boot.upper() if boot else None,
        "server_type": server_type,
        "hypervisor": hypervisor,
        "power_state": power,
        "ip_addresses": _ips(machine, columns.get(cells, "ips"), bad_ips),
        "environment": normalise_environment(text(columns.get(cells, "environment"))),
        "storage_used_gb": storage,
        "disks": (Disk(size_gb=storage, used_gb=storage),) if storage else (),
        "tags": tags,
    }


def _tag_text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    return text(value)


def _ips(machine: str, value: Any, bad: list[str]) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for token in _IP_SPLIT.split(text(value) or ""):
        if not token:
            continue
        try:
            ipaddress.ip_address(token)
        except ValueError:
            bad.append(f"{machine!r}: {token!r}")
            continue
        found.setdefault(token, None)
    return tuple(found)


def _warnings(records: list[SystemRow], unsized: list[str], no_storage: list[str], odd_power: Mapping[str, int],
              bad_ips: list[str], columns: Columns) -> list[str]:
    warnings = []
    if not records:
        warnings.append(f"no rows: the {REPORT_SHEET} sheet has a header but no machines")
    warnings.extend(f"machine {machine} has no Cores/Memory value: imported, but it cannot be sized until they "
                    "are known" for machine in unsized)
    if no_storage:
        source = ("no Total Storage In Use (in GB) value" if "storage" in columns
                  else "no disk sizes (the report counts disks only)")
        warnings.append(f"{len(no_storage)} machine(s) have {source}: imported without disks, so waves do not count "
                        f"their storage and no managed disks are mapped (e.g. {', '.join(no_storage[:3])}); import "
                        "the Azure Migrate CSV or RVTools export with disk sizes for them")
    if odd_power:
        shown = ", ".join(f"{value!r} ({count})" for value, count in sorted(odd_power.items()))
        warnings.append(f"unrecognised Power Stats value(s) {shown}: power state unknown for those machines")
    if bad_ips:
        warnings.append(f"{len(bad_ips)} IP address cell part(s) are not IP addresses and were ignored: "
                        f"{', '.join(bad_ips[:3])}")
    return warnings
