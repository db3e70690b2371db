"""Azure Migrate Export "Core Report" workbooks for tests, in the tool's exact layout (no filled public one exists).

Sheet names, their order and the column headers are those of Azure/azure-migrate-export: src/Common/
CoreReportConstants.cs @ d8ec8c2976c9 (the layout with `Support Status` and `Business Proposal`; the older layout,
@ 13b73dad7ff8, lacks those two and is `LAYOUT_2023`) and src/Excel/ExportCoreReport.cs (the Properties sheet is a
header row and one value row; every other sheet has its headers on row 1 and data from row 2). Readiness values are
the descriptions of the tool's Suitabilities enum (src/Common/Enum.cs); Currency is an ISO code
(src/Common/InitializationData.cs); Target Region the region's display name ("East US 2").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import openpyxl

PROPERTIES = ("Tenant ID", "Subscription", "Resource Group Name", "Azure Migrate Project Name", "Assessment Site Name",
              "Workflow", "Business Proposal", "Target Region", "Currency", "Assessment Duration",
              "Optimization Preference", "Assess SQL Services", "vCPU Oversubscription", "Memory Overcommit",
              "Dedupe and Compression factor")
_DISKS = ("Network Adapters", "IP Addresses", "MAC Addresses", "Disk Names", "Azure Disk Readiness",
          "Recommended Disk SKUs", "Standard HDD Disks", "Standard SSD Disks", "Premium Disks", "Ultra Disks",
          "Monthly Storage Cost for Standard HDD Disks", "Monthly Storage Cost for Standard SSD Disks",
          "Monthly Storage Cost for Premium Disks", "Monthly Storage Cost for Ultra Disks")
_TAIL_PERF = (*_DISKS, "Monthly Azure Site Recovery Cost Estimate", "Monthly Azure Backup Cost Estimate",
              "Group Name", "Machine ID")
_MACHINE = ("Operating System", "Support Status", "VM Host", "Boot Type", "Cores", "Memory (in MB)")
_UTIL = ("CPU Utilization (in %)", "Memory Utilization (in %)", "Storage (in GB)")
_RI = ("Monthly Compute Cost Estimate (Pay as you go)", "Monthly Compute Cost Estimate (Pay as you go + RI)",
       "Monthly Compute Cost Estimate (Pay as you go + AHUB)",
       "Monthly Compute Cost Estimate (Pay as you go + AHUB + RI)",
       "Monthly Compute Cost Estimate (Pay as you go + ASP)")
_HEAD = ("Machine Name", "Environment", "Azure VM Readiness", "Azure VM Readiness - Warnings", "Recommended VM Size")

ALL_VM_PERF = (*_HEAD, "Monthly Compute Cost Estimate (Pay as you go)", "Monthly Storage Cost Estimate",
               "Monthly Security Cost Estimate", *_MACHINE, *_UTIL, *_TAIL_PERF)
VM_PERF = (*_HEAD, *_RI, "Monthly Storage Cost Estimate", "Monthly Security Cost Estimate", *_MACHINE, *_UTIL,
           *_TAIL_PERF)
VM_AS_IS = ("Machine Name", "Environment", "Azure VM Readiness", "Recommended VM Size", "Monthly Compute Cost Estimate",
            "Monthly Storage Cost Estimate", "Monthly Security Cost Estimate", *_MACHINE, "Storage (in GB)", *_DISKS,
            "Group Name", "Machine ID")

# The sheets in the order ExportCoreReport writes them; the ones a test does not fill get their header only.
SHEETS: dict[str, tuple[str, ...]] = {
    "Business_Case": ("Category", "On-Prem IaaS Cost", "On-Prem PaaS Cost", "On-Prem AVS Cost",
                      "Total On-Premises Cost", "Azure IaaS Cost", "Azure PaaS Cost", "AVS Cost", "Total Azure Cost",
                      "Windows Server License Savings", "SQL Server License Savings", "ESU Savings"),
    "Cash_Flows": ("", "", "Year 0", "Year 1", "Year 2", "Year 3"),
    "Financial_Summary": ("Migration Strategy", "Workload", "Source Count", "Target Count", "Storage Cost",
                          "Compute Cost", "Total Annual Cost"),
    "SQL_MI_PaaS": ("Machine Name", "SQL Instance", "Environment", "Azure SQL MI Readiness"),
    "SQL_IaaS_Instance_Rehost_Perf": ("Machine Name", "SQL Instance", "Environment"),
    "SQL_IaaS_Server_Rehost_Perf": VM_PERF,
    "SQL_IaaS_Server_Rehost_As-is": VM_AS_IS,
    "WebApp_PaaS": ("Machine Name", "Web Application Name", "Environment"),
    "WebApp_IaaS_Server_Rehost_Perf": VM_PERF,
    "WebApp_IaaS_Server_Rehost_As-is": VM_AS_IS,
    "VM_IaaS_Server_Rehost_Perf": VM_PERF,
    "VM_IaaS_Server_Rehost_As-is": VM_AS_IS,
    "SQL_All_Instances": ("Machine Name", "SQL Instance", "Environment"),
    "All_VM_IaaS_Server_Rehost_Perf": ALL_VM_PERF,
    "AVS_Summary": ("Subscription ID", "Resource Group", "Project Name"),
    "AVS_IaaS_Rehost_Perf": ("Machine Name", "Azure VMWare Solution Readiness"),
    "Decommissioned_Machines": ("Machine Name", "Machine ID"),
}
_LEGACY_DROPPED = ("Support Status", "Business Proposal", "vCPU Oversubscription", "Memory Overcommit",
                   "Dedupe and Compression factor")
LAYOUT_2025, LAYOUT_2023 = "2025", "2023"


def machine(name: str, size: str | None, compute: float | None, storage: float | None = 0.0, **cells: object,
            ) -> dict[str, object]:
    """One row of a per-server sheet, by header; `cells` adds or overrides columns (spaces as in the header)."""
    row: dict[str, object] = {"Machine Name": name, "Environment": "Prod", "Azure VM Readiness": "Ready",
                              "Azure VM Readiness - Warnings": "", "Recommended VM Size": size,
                              "Monthly Compute Cost Estimate (Pay as you go)": compute,
                              "Monthly Compute Cost Estimate": compute,
                              "Monthly Storage Cost Estimate": storage, "Monthly Security Cost Estimate": 0.0,
                              "Operating System": "Ubuntu 22.04", "Support Status": "Supported", "Cores": 2,
                              "Memory (in MB)": 4096.0, "CPU Utilization (in %)": 10.0,
                              "Memory Utilization (in %)": 20.0, "Storage (in GB)": 64.0, "Group Name": "all",
                              "Machine ID": f"/subscriptions/0/resourceGroups/rg/providers/Microsoft.OffAzure/"
                                            f"VMwareSites/site/machines/{name}"}
    row.update(cells)
    return row


def write_core_report(path: Path, rows: Mapping[str, Sequence[Mapping[str, object]]], *, currency: str | None = "USD",
                      region: str = "East US 2", layout: str = LAYOUT_2025,
                      headers: Mapping[str, Sequence[str]] | None = None, properties: bool = True) -> Path:
    """A Core Report at `path` with `rows` per sheet name (missing sheets get their header only). `headers`
    replaces a sheet's header (to test aliases and missing columns)."""
    book = openpyxl.Workbook()
    assert book.active is not None
    book.remove(book.active)
    if properties:
        names = [p for p in PROPERTIES if layout == LAYOUT_2025 or p not in _LEGACY_DROPPED]
        values = {"Tenant ID": "00000000-0000-0000-0000-000000000000", "Subscription": "sub",
                  "Resource Group Name": "rg-migrate", "Azure Migrate Project Name": "telco-migrate",
                  "Assessment Site Name": "telco-migrate-site", "Workflow": "Express", "Target Region": region,
                  "Currency": currency, "Assessment Duration": "Month", "Optimization Preference": "Modernize"}
        sheet = book.create_sheet("Properties")
        sheet.append(names)
        sheet.append([values.get(name) for name in names])
    for title, default in SHEETS.items():
        header = list((headers or {}).get(title, default))
        if layout == LAYOUT_2023:
            header = [column for column in header if column not in _LEGACY_DROPPED]
        sheet = book.create_sheet(title)
        sheet.append(header)
        for row in rows.get(title, ()):
            sheet.append([row.get(column) for column in header])
    book.save(path)
    return path
