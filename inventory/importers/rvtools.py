"""Importer for RVTools xlsx exports of a VMware estate: one system per VM row of the vInfo sheet.

- Headers match case-insensitively, old and new variants alike ("Provisioned MB" / "Provisioned MiB").
  RVTools' "MB" is MiB too: memory_mb keeps the Memory value (MiB), disk sizes become GiB (MiB / 1024).
- Templates and SRM placeholders are skipped and counted in a warning; powered-off VMs are kept (OFF).
- A VM with empty CPUs/Memory is kept with a warning (it cannot be sized yet); bad numbers are problems.
- Disks: one per vDisk row of the VM; without vDisk rows, one disk of "Total disk capacity" (else
  "Provisioned") from vInfo. Used storage: vInfo "In Use", else the sum of the VM's vPartition "Consumed".
- IPs: vInfo "Primary IP Address", then the VM's vNetwork "IPv4 Address"/"IP Address" cells, split on
  "," or ";", de-duplicated in order; a token that is no IP address is dropped with a warning.
- Detail sheets (vDisk, vPartition, vNetwork) are joined to vInfo by "VM UUID" or "VM ID" when both sheets
  carry it (names can disagree between sheets, as in anonymised exports), otherwise by VM name.
- Tags: every vInfo column RVTools does not itself define (Annotation, custom attributes) becomes a tag
  when non-empty. Tags named environment/env, application/app, business unit/bu and criticality (only
  low/medium/high/critical) also fill those fields.
- Reading a sheet stops after a long run of blank rows (see `inventory.importers.workbook`).
- Problems on detail sheets name their column as `sheet!column` (e.g. `vDisk!Capacity MiB`).
- vHost, when present, describes the VM's host (matched by host name, case-insensitively): its CPU model, clock,
  core count, ESXi version and server model become tags (`host_cpu_model`, `host_cpu_mhz`, `host_cores`,
  `host_esx_version`, `host_model`), what an engineer checks when comparing on-premises and Azure CPU generations.
  A tag of the same name from vInfo wins.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
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
from inventory.records import Criticality, Disk, PowerState

FORMAT = "rvtools"
MIB_PER_GIB = 1024

_ID_ALIASES: dict[str, tuple[str, ...]] = {"vm_uuid": ("VM UUID",), "vm_id": ("VM ID",)}
_VINFO: dict[str, tuple[str, ...]] = {
    "name": ("VM",),
    "power": ("Powerstate", "Power state"),
    "template": ("Template",),
    "srm": ("SRM Placeholder",),
    "cores": ("CPUs",),
    "memory": ("Memory",),
    "capacity": ("Total disk capacity MiB", "Total disk capacity MB"),
    "provisioned": ("Provisioned MiB", "Provisioned MB"),
    "in_use": ("In Use MiB", "In Use MB"),
    "cpu_usage": ("CPU Usage %", "CPU usage"),
    "primary_ip": ("Primary IP Address",),
    "os_tools": ("OS according to the VMware Tools",),
    "os_config": ("OS according to the configuration file",),
    "firmware": ("Firmware",),
    "host": ("Host",),
    "cluster": ("Cluster",),
    "datacenter": ("Datacenter",),
    **_ID_ALIASES,
}
_REQUIRED = {"name": "VM", "cores": "CPUs", "memory": "Memory"}
_DETAIL: dict[str, dict[str, tuple[str, ...]]] = {
    "vdisk": {"name": ("VM",), "capacity": ("Capacity MiB", "Capacity MB"), **_ID_ALIASES},
    "vpartition": {"name": ("VM",), "consumed": ("Consumed MiB", "Consumed MB"), **_ID_ALIASES},
    "vnetwork": {"name": ("VM",), "ipv4": ("IPv4 Address",), "ip": ("IP Address",), **_ID_ALIASES},
}
# A detail sheet is used only when it has a VM column and one of these.
_DETAIL_NEEDS = {"vdisk": ("capacity",), "vpartition": ("consumed",), "vnetwork": ("ipv4", "ip")}

# vInfo columns RVTools defines itself (3.x to 4.x); any other header is an annotation/custom attribute.
_KNOWN_VINFO = frozenset(header_key(name) for aliases in _VINFO.values() for name in aliases) | frozenset(
    header_key(name) for name in (
        "Config status", "DNS Name", "Connection state", "Guest state", "Heartbeat", "Consolidation Needed",
        "PowerOn", "Suspended To Memory", "Suspend time", "Suspend Interval", "Creation date",
        "Change Version", "Overall Cpu Readiness", "Active Memory", "NICs", "Disks", "Fixed Passthru HotPlug",
        "min Required EVC Mode Key", "Latency Sensitivity", "Op Notification Timeout", "EnableUUID", "CBT",
        "Num Monitors", "Video Ram KiB", "Video Ram KB", "Resource pool", "Folder ID", "Folder", "vApp",
        "DAS protection", "FT State", "FT Role", "FT Latency", "FT Bandwidth", "FT Sec. Latency",
        "Vm Failover In Progress", "Unshared MiB", "Unshared MB", "HA Restart Priority",
        "HA Isolation Response", "HA VM Monitoring", "Cluster rule(s)", "Cluster rule name(s)",
        "Boot Required", "Boot delay", "Boot retry delay", "Boot retry enabled", "Boot BIOS setup",
        "Reboot PowerOff", "EFI Secure boot", "HW version", "HW upgrade status", "HW upgrade policy",
        "HW target", "Path", "Log directory", "Snapshot directory", "Suspend directory",
        "Customization Info", "Guest Detailed Data", "SMBIOS UUID", "VI SDK Server type",
        "VI SDK API Version", "VI SDK Server", "VI SDK UUID", "Object ID",
    )
)
_NETWORK_N = re.compile(r"^network #\d+$")
_TAG_FIELDS = {
    "environment": "environment", "env": "environment",
    "application": "application", "app": "application",
    "business unit": "business_unit", "businessunit": "business_unit", "bu": "business_unit",
    "criticality": "criticality",
}
_POWER = {"poweredon": PowerState.ON, "poweredoff": PowerState.OFF, "suspended": PowerState.OFF}
_BOOT = {"bios": "BIOS", "efi": "UEFI", "uefi": "UEFI"}
_ARCH = re.compile(r"\((64|32)-bit\)", re.IGNORECASE)
_IP_SPLIT = re.compile(r"[;,]")
_TRUE = {"true", "yes", "1"}
_CRITICALITIES = {level.value for level in Criticality}

def parse(path: Path, *, progress: ProgressFn | None = None) -> ParsedInventory:
    """Parse an RVTools export into systems; raises BadInputError listing every problem of the file."""
    name = display_name(path)
    sheets = read_sheets(read_bytes(path), name, progress=progress)
    return build_inventory(sheets, name, progress=progress)


def read_sheets(data: bytes, name: str, *, progress: ProgressFn | None = None) -> dict[str, Sheet]:
    """vInfo and the detail sheets present, keyed by lower-case title."""
    with open_workbook(data, name) as workbook:
        titles = {str(title).lower(): str(title) for title in workbook.sheetnames}
        if "vinfo" not in titles:
            found = ", ".join(workbook.sheetnames) or "none"
            raise BadInputError.single(name, f"no vInfo sheet: not an RVTools export (sheets found: {found})")
        return {
            key: read_sheet(workbook[titles[key]], progress=progress if key == "vinfo" else None)
            for key in ("vinfo", *_DETAIL, "vhost")
            if key in titles
        }


def build_inventory(
    sheets: Mapping[str, Sheet], name: str, *, progress: ProgressFn | None = None
) -> ParsedInventory:
    """Turn the read sheets into validated systems; every problem is collected, then raised at once."""
    problems = Problems(name)
    vinfo = sheets["vinfo"]
    columns = Columns.match(vinfo.header, _VINFO)
    require_columns(columns, _REQUIRED, problems)
    problems.raise_if_any()

    warnings: list[str] = []
    details = {
        key: _Detail.index(sheets[key], vinfo, columns, warnings)
        for key in _DETAIL if key in sheets
    }
    tag_columns = _tag_columns(vinfo.header)
    hosts = _host_facts(sheets["vhost"]) if "vhost" in sheets else {}
    records: list[SystemRow] = []
    templates: list[str] = []
    placeholders: list[str] = []
    unsized: list[str] = []
    for row, cells in vinfo.rows:
        vm = text(columns.get(cells, "name"))
        if vm is None:
            problems.add(row, columns.column("name"), "missing VM name")
            continue
        if _flag(columns.get(cells, "template")):
            templates.append(vm)
            continue
        if _flag(columns.get(cells, "srm")):
            placeholders.append(vm)
            continue
        data = _system(vm, cells, row, columns, details, tag_columns, problems, warnings)
        host_tags = hosts.get((data["host"] or "").lower())
        if host_tags:
            data["tags"] = {**host_tags, **data["tags"]}
        if data["cores"] is None or data["memory_mb"] is None:
            unsized.append(f"{vm!r} (row {row})")
        record = build_record(data, problems, row, _column_of(columns))
        if record is not None:
            records.append(row_from_record(record, row))
    check_unique_names(records, problems, columns.column("name"))
    problems.raise_if_any()

    if templates:
        warnings.append(f"skipped {len(templates)} template(s): {_some(templates)}")
    if placeholders:
        warnings.append(f"skipped {len(placeholders)} SRM placeholder(s): {_some(placeholders)}")
    warnings.extend(
        f"VM {vm} has no CPUs/Memory value: imported, but it cannot be sized until cores/memory are known"
        for vm in unsized
    )
    if progress is not None:
        progress(len(vinfo.rows), len(vinfo.rows))
    return ParsedInventory(format=FORMAT, system_table=tuple(records), warnings=tuple(warnings))


def _system(
    vm: str,
    cells: Cells,
    row: int,
    columns: Columns,
    details: Mapping[str, _Detail],
    tag_columns: Sequence[tuple[int, str]],
    problems: Problems,
    warnings: list[str],
) -> dict[str, Any]:
    """The SystemRecord fields of one vInfo row; a rejected number is a problem and stays None here."""

    def num(field: str, **kwargs: Any) -> Any:
        value = columns.get(cells, field)
        if isinstance(value, str):
            value = value.strip().removesuffix("%")
        return number(value, problems, row, columns.column(field), **kwargs)

    uuid, vm_id = text(columns.get(cells, "vm_uuid")), text(columns.get(cells, "vm_id"))
    os_name = text(columns.get(cells, "os_tools")) or text(columns.get(cells, "os_config"))
    arch = _ARCH.search(os_name or "")
    firmware = text(columns.get(cells, "firmware"))
    data: dict[str, Any] = {
        "external_id": uuid or vm_id or vm,
        "name": vm,
        "cores": num("cores", integer=True),
        "memory_mb": num("memory"),
        "cpu_util_pct": num("cpu_usage", maximum=100),
        "os_name": os_name,
        "os_arch": None if arch is None else ("x64" if arch.group(1) == "64" else "x86"),
        "boot_type": None if firmware is None else _BOOT.get(firmware.lower(), firmware),
        "server_type": "Virtual",
        "hypervisor": "VMware",
        "host": text(columns.get(cells, "host")),
        "cluster": text(columns.get(cells, "cluster")),
        "datacenter": text(columns.get(cells, "datacenter")),
        "power_state": _POWER.get((text(columns.get(cells, "power")) or "").lower(), PowerState.UNKNOWN),
    }
    ids = {"vm_uuid": uuid, "vm_id": vm_id}
    disk_rows = details["vdisk"].rows_for(ids, vm) if "vdisk" in details else []
    if disk_rows:
        sizes = [details["vdisk"].number(r, c, "capacity", problems) for r, c in disk_rows]
        data["disks"] = tuple(Disk(size_gb=size / MIB_PER_GIB) for size in sizes if size is not None)
    else:
        total = num("capacity") if text(columns.get(cells, "capacity")) is not None else num("provisioned")
        data["disks"] = (Disk(size_gb=total / MIB_PER_GIB),) if total else ()
    used = num("in_use")
    if used is None and "vpartition" in details:
        partition = details["vpartition"]
        consumed = [partition.number(r, c, "consumed", problems) for r, c in partition.rows_for(ids, vm)]
        known = [value for value in consumed if value is not None]
        used = sum(known) if known else None
    data["storage_used_gb"] = None if used is None else used / MIB_PER_GIB
    data["ip_addresses"] = _ips(vm, cells, columns, details.get("vnetwork"), ids, warnings)
    data.update(_tags(cells, tag_columns))
    return data


@dataclass(frozen=True)
class _Detail:
    """One per-VM detail sheet, its rows indexed by the VM id shared with vInfo and by VM name."""

    sheet: Sheet
    columns: Columns
    id_field: str | None
    by_id: Mapping[str, list[tuple[int, Cells]]]
    by_name: Mapping[str, list[tuple[int, Cells]]]
    checked: dict[tuple[int, str], float | None] = dataclasses.field(default_factory=dict)

    @classmethod
    def index(cls, sheet: Sheet, vinfo: Sheet, vinfo_columns: Columns, warnings: list[str]) -> _Detail:
        key = header_key(sheet.title)
        columns = Columns.match(sheet.header, _DETAIL[key])
        needs = _DETAIL_NEEDS[key]
        if "name" not in columns or not any(field in columns for field in needs):
            wanted = " or ".join(repr(_DETAIL[key][field][0]) for field in needs)
            warnings.append(f"{sheet.title} sheet ignored: it needs a 'VM' and a {wanted} column")
            columns = Columns({}, {})
        id_field = next((f for f in _ID_ALIASES if f in columns and f in vinfo_columns), None)
        # An id is claimed when exactly one vInfo row carries it: its detail rows belong to that VM only.
        claimed: set[str] = set()
        if id_field is not None:
            counts = Counter(text(vinfo_columns.get(cells, id_field)) for _row, cells in vinfo.rows)
            claimed = {value for value, count in counts.items() if value is not None and count == 1}
        by_id: defaultdict[str, list[tuple[int, Cells]]] = defaultdict(list)
        by_name: defaultdict[str, list[tuple[int, Cells]]] = defaultdict(list)
        for row, cells in sheet.rows if columns.positions else ():
            vm_id = text(columns.get(cells, id_field)) if id_field else None
            if vm_id is not None and vm_id in claimed:
                by_id[vm_id].append((row, cells))
            else:
                by_name[(text(columns.get(cells, "name")) or "").lower()].append((row, cells))
        return cls(sheet, columns, id_field, dict(by_id), dict(by_name))

    def rows_for(self, ids: Mapping[str, str | None], vm: str) -> list[tuple[int, Cells]]:
        """The VM's rows: by its id when this sheet lists that id, else by name among unclaimed rows."""
        vm_id = ids.get(self.id_field) if self.id_field else None
        if vm_id is not None and vm_id in self.by_id:
            return self.by_id[vm_id]
        return self.by_name.get(vm.lower(), [])

    def cell(self, cells: Cells, field: str) -> Any:
        return self.columns.get(cells, field)

    def number(self, row: int, cells: Cells, field: str, problems: Problems) -> float | None:
        """A numeric cell, checked once even when two VMs (say, duplicates) share the row."""
        if (row, field) not in self.checked:
            column = f"{self.sheet.title}!{self.columns.column(field)}"
            value = number(self.columns.get(cells, field), problems, row, column)
            self.checked[row, field] = None if value is None else float(value)
        return self.checked[row, field]


def _ips(
    vm: str,
    cells: Cells,
    columns: Columns,
    network: _Detail | None,
    ids: Mapping[str, str | None],
    warnings: list[str],
) -> tuple[str, ...]:
    """Primary IP first, then each vNetwork address of the VM, de-duplicated in order; non-IPs are dropped."""
    found: dict[str, None] = {}
    sources: list[tuple[str, Any]] = [(columns.column("primary_ip"), columns.get(cells, "primary_ip"))]
    if network is not None:
        for row, nic in network.rows_for(ids, vm):
            sources.extend((f"{network.sheet.title} row {row}", network.cell(nic, field)) for field in ("ipv4", "ip"))
    for where, value in sources:
        for token in _IP_SPLIT.split(text(value) or ""):
            address = token.strip()
            if not address:
                continue
            try:
                ipaddress.ip_address(address)
            except ValueError:
                warnings.append(f"VM {vm!r}: {where}: {address!r} is not an IP address; ignored")
                continue
            found.setdefault(address, None)
    return tuple(found)


def _tag_columns(header: Cells) -> list[tuple[int, str]]:
    """Positions and names of the vInfo columns RVTools does not define (annotation, custom attributes)."""
    unknown = []
    for position, cell in enumerate(header):
        key = header_key(cell)
        if key and key not in _KNOWN_VINFO and not _NETWORK_N.match(key):
            unknown.append((position, str(cell).strip()))
    return unknown


_VHOST: dict[str, tuple[str, ...]] = {
    "host": ("Host",), "host_cpu_model": ("CPU Model",), "host_cpu_mhz": ("Speed",), "host_cores": ("# Cores",),
    "host_esx_version": ("ESX Version",), "vendor": ("Vendor",), "model": ("Model",),
}


def _host_facts(sheet: Sheet) -> dict[str, dict[str, str]]:
    """Host name (lower case) -> the host's facts as tags."""
    columns = Columns.match(sheet.header, _VHOST)
    facts: dict[str, dict[str, str]] = {}
    for _row, cells in sheet.rows:
        host = text(columns.get(cells, "host"))
        if host is None:
            continue
        tags = {field: value for field in ("host_cpu_model", "host_cpu_mhz", "host_cores", "host_esx_version")
                if (value := text(columns.get(cells, field))) is not None}
        model = " ".join(part for part in (text(columns.get(cells, "vendor")), text(columns.get(cells, "model")))
                         if part)
        if model:
            tags["host_model"] = model
        facts[host.lower()] = tags
    return facts


def _tags(cells: Cells, tag_columns: Sequence[tuple[int, str]]) -> dict[str, Any]:
    """Tags of one VM, plus environment/application/business unit/criticality when a tag names them."""
    tags = {
        column: value
        for position, column in tag_columns
        if position < len(cells) and (value := text(cells[position])) is not None
    }
    fields: dict[str, Any] = {"tags": tags}
    for column, value in tags.items():
        field = _TAG_FIELDS.get(header_key(column))
        if field == "criticality":
            if value.lower() in _CRITICALITIES:
                fields[field] = Criticality(value.lower())
        elif field is not None:
            fields.setdefault(field, value)
    return fields


def _column_of(columns: Columns) -> Callable[[str], str]:
    """Map a SystemRecord field to the vInfo header it came from, for validation messages."""
    source = {"name": "name", "external_id": "name", "cores": "cores", "memory_mb": "memory",
              "cpu_util_pct": "cpu_usage"}
    return lambda field: columns.column(source[field]) if field in source else field


def _flag(value: Any) -> bool:
    """RVTools writes booleans as True/False cells or as "True"/"False" text."""
    return value is True or (isinstance(value, str) and value.strip().lower() in _TRUE)


def _some(names: Sequence[str], *, shown: int = 5) -> str:
    """The first few names for a warning, and how many more there are."""
    more = f" (+{len(names) - shown} more)" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more
