"""Azure Migrate's discovery report workbook (what the Azure Migrate Export utility writes after discovery).

No public filled report was found; the workbooks here are built with the sheet names, header row and column order
of the utility's writer (DiscoveryReportConstants / DiscoveryData in Azure/azure-migrate-export), values in its
formats: memory in MB, `[ip,ip];` per adapter, the ARM id lower-cased, timestamps as the API's text.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from inventory.errors import BadInputError
from inventory.importers import Format, detect_format, parse_file
from inventory.importers.azure_migrate_discovery import parse
from inventory.records import Disk, Environment, PowerState

HEADER = ["Machine Name", "Environment", "Software Inventory Count", "SQL Discovery Server Count",
          "Is SQL Service Present", "Web Applications Count", "Operating System", "Cores", "Memory (in MB)",
          "Total Disks", "IP Addresses", "MAC Addresses", "Total Network Adapters", "Boot Type", "Power Stats",
          "Support Status", "First Discovery Time", "Last Updated Time", "Machine ID"]
SUB = "/subscriptions/11111111-2222-3333-4444-555555555555/resourcegroups/rg-migrate/providers/microsoft.offazure"
ROWS: list[list[Any]] = [
    ["FABSQLSRV01", None, 143, 2, False, 0, "Microsoft Windows Server 2019 Datacenter", 8, 32768, 3,
     "[10.20.1.15,fe80::8d1:2a3b:4c5d:6e7f];", "[00:50:56:9a:3c:01];", 1, "BIOS", "ON", "Mainstream",
     "2024-02-05T10:14:22.4561234Z", "2024-03-11T09:42:17.5312345Z", f"{SUB}/vmwaresites/site1/machines/5012a3b4"],
    ["FABWEBSRV1", "Dev", 87, 0, True, 3, "Microsoft Windows Server 2016 Standard", 4, 16384, 2,
     "[10.20.1.21];[192.168.50.21];", "[00:15:5d:01:0a:21];[00:15:5d:01:0a:22];", 2, "UEFI", "Running", "Extended",
     "2024-02-06T08:01:09.1200000Z", "2024-03-11T09:40:55.0000000Z", f"{SUB}/hypervsites/site2/machines/0d5f6e7a"],
    ["lnx-app-03", "Prod", 412, 0, False, 0, "Ubuntu 20.04.6 LTS", 2, 8192, 1, "[10.20.2.30];", "[00:0c:29:ab:cd:ef];",
     1, "BIOS", None, "Unknown", "2024-02-07T12:30:00.0000000Z", "2024-03-11T09:39:12.0000000Z",
     f"{SUB}/serversites/site3/machines/A1B2C3-lnx-app-03"],
    ["old-fax-01", None, 0, 0, False, 0, "Microsoft Windows Server 2008 R2 Standard", 1, 2048, 1, "[10.20.3.9];",
     None, 1, None, "Powered Off", "OutOfSupport", "2024-02-07T12:30:00Z", "2024-03-11T09:39:12Z",
     f"{SUB}/vmwaresites/site1/machines/77aa"],
]
PROPERTIES = (["Tenant ID", "Subscription", "Resource Group", "Azure Migrate Project Name", "Discovery Site Name",
               "Workflow", "Source Appliances"],
              ["72f988bf-0000-0000-0000-000000000000", "Contoso-Prod-Sub", "rg-migrate", "ContosoMigrate",
               "ContosoMigrate1234site", "Custom - Discovery", "vmware,hyperv,physical"])


def report(path: Path, rows: Sequence[Sequence[Any]] = ROWS, header: Sequence[str] = HEADER,
           properties: bool = True) -> Path:
    book = openpyxl.Workbook()
    first = book.active
    if properties:
        first.title = "Properties"
        for line in PROPERTIES:
            first.append(list(line))
        sheet = book.create_sheet("Discovery_Report")
    else:
        first.title = "Discovery_Report"
        sheet = first
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    hosts = book.create_sheet("vCenter_Host_Report")
    hosts.append(["vCenters", "Hosts"])
    hosts.append([1, 6])
    book.save(path)
    return path


def test_every_machine_is_read_with_power_state_os_ips_and_discovery_facts(tmp_path: Path) -> None:
    path = report(tmp_path / "AzureMigrate_Discovery_Report.xlsx")
    assert detect_format(path) == Format.AZURE_MIGRATE_DISCOVERY
    parsed = parse_file(path)
    assert parsed.format == "azure-migrate-discovery"
    systems = {system.name: system for system in parsed.systems}
    sql, web, lnx, fax = (systems[name] for name in ("FABSQLSRV01", "FABWEBSRV1", "lnx-app-03", "old-fax-01"))
    assert [(s.cores, s.memory_mb, s.power_state) for s in (sql, web, lnx, fax)] == [
        (8, 32768.0, PowerState.ON), (4, 16384.0, PowerState.ON), (2, 8192.0, PowerState.UNKNOWN),
        (1, 2048.0, PowerState.OFF)]
    assert sql.os_name == "Microsoft Windows Server 2019 Datacenter" and sql.os_family == "windows"
    assert (sql.server_type, sql.hypervisor, web.hypervisor, lnx.server_type, lnx.hypervisor) == (
        "Virtual", "VMware", "Hyper-V", "Physical", None)
    assert sql.ip_addresses == ("10.20.1.15", "fe80::8d1:2a3b:4c5d:6e7f")
    assert web.ip_addresses == ("10.20.1.21", "192.168.50.21")
    assert (web.boot_type, fax.boot_type) == ("UEFI", None)
    assert (sql.environment, web.environment, lnx.environment) == (
        Environment.UNKNOWN, Environment.DEVELOPMENT, Environment.PRODUCTION)
    assert lnx.external_id == f"{SUB}/serversites/site3/machines/a1b2c3-lnx-app-03"
    assert sql.tags == {
        "azure_migrate_project": "ContosoMigrate", "discovery_site": "ContosoMigrate1234site",
        "discovery_sources": "vmware,hyperv,physical", "os_support_status": "Mainstream",
        "first_discovered": "2024-02-05T10:14:22.4561234Z", "last_discovered": "2024-03-11T09:42:17.5312345Z",
        "disk_count": "3", "network_adapters": "1", "installed_software": "143", "sql_instances": "2",
        "sql_services_present": "false", "web_apps": "0", "mac_addresses": "[00:50:56:9a:3c:01];"}
    assert fax.tags["os_support_status"] == "OutOfSupport"
    assert sql.disks == () and parsed.system_rows == (2, 3, 4, 5)
    assert any(w.startswith("4 machine(s) have no disk sizes (the report counts disks only)")
               for w in parsed.warnings), parsed.warnings


def test_storage_in_use_stands_in_for_the_disks_when_the_report_has_it(tmp_path: Path) -> None:
    header = [*HEADER, "Total Storage In Use (in GB)"]
    rows = [[*ROWS[0], 412.5], [*ROWS[1], None]]
    parsed = parse(report(tmp_path / "r.xlsx", rows, header))
    sql, web = parsed.systems
    assert (sql.disks, sql.storage_used_gb, sql.storage_gb) == ((Disk(size_gb=412.5, used_gb=412.5),), 412.5, 412.5)
    assert web.disks == ()
    assert any(w.startswith("1 machine(s) have no Total Storage In Use (in GB) value") for w in parsed.warnings)


def test_older_discovered_vms_spellings_and_no_properties_sheet(tmp_path: Path) -> None:
    header = ["Machine", "MachineArmId", "IPaddress", "Cores", "Memory(MB)", "TotalDisks", "OperatingSystem",
              "Powerstatus", "EnvironmentType"]
    rows = [["vm-a", f"{SUB}/vmwaresites/s/machines/X1", "10.0.0.1", 2, 4096, 1, "Red Hat Enterprise Linux 8",
             "PoweredOff", "Prod"]]
    (system,) = parse(report(tmp_path / "r.xlsx", rows, header, properties=False)).systems
    assert (system.name, system.cores, system.memory_mb, system.power_state, system.environment) == (
        "vm-a", 2, 4096.0, PowerState.OFF, Environment.PRODUCTION)
    assert system.ip_addresses == ("10.0.0.1",) and "azure_migrate_project" not in system.tags


def test_bad_cells_are_reported_all_at_once_by_row_and_column(tmp_path: Path) -> None:
    rows = [[*ROWS[0][:7], "eight", *ROWS[0][8:]], [*ROWS[1][:8], -5, *ROWS[1][9:]], [None, *ROWS[2][1:]],
            ROWS[0]]
    path = report(tmp_path / "bad.xlsx", rows)
    with pytest.raises(BadInputError) as error:
        parse(path)
    assert [str(problem) for problem in error.value.problems] == [
        f"{path}:2:Cores: expected a whole number, got 'eight'",
        f"{path}:3:Memory (in MB): must be at least 0, got -5",
        f"{path}:4:Machine Name: missing machine name",
        f"{path}:5:Machine Name: duplicate server name 'FABSQLSRV01' (first on row 2)",
    ]


def test_missing_required_columns_are_named(tmp_path: Path) -> None:
    path = report(tmp_path / "r.xlsx", [["a", 2]], ["Machine Name", "Cores"])
    with pytest.raises(BadInputError) as error:
        parse(path)
    assert [str(problem) for problem in error.value.problems] == [
        f"{path}:1:Memory (in MB): missing required column 'Memory (in MB)'",
        f"{path}:1:Operating System: missing required column 'Operating System'"]


def test_unknown_power_values_and_non_ip_tokens_are_warned_about(tmp_path: Path) -> None:
    rows = [[*ROWS[0][:10], "[10.0.0.5,not-an-ip];", *ROWS[0][11:14], "Hibernating", *ROWS[0][15:]]]
    parsed = parse(report(tmp_path / "r.xlsx", rows))
    (system,) = parsed.systems
    assert (system.power_state, system.ip_addresses) == (PowerState.UNKNOWN, ("10.0.0.5",))
    assert "unrecognised Power Stats value(s) 'Hibernating' (1): power state unknown for those machines" \
        in parsed.warnings
    assert any("'FABSQLSRV01': 'not-an-ip'" in w for w in parsed.warnings)
