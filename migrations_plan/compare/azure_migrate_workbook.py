"""Reading Azure Migrate's assessment workbook: the "Core Report" Microsoft's Azure Migrate Export tool writes.

The tool (Azure/azure-migrate-export) saves `Core-Report/AzureMigrate_Assessment_Core_Report.xlsx`: a `Properties`
sheet (a header row and one value row: tenant, subscription, project, target region, `Currency` as an ISO code
such as USD or AUD, ...), business-case sheets, and one sheet per assessment type with headers on row 1 and one
machine (or SQL instance, or web app) per row. Sheet names and headers are the tool's `CoreReportConstants.cs`.

Read here, per machine, from the IaaS sheets that hold one row per server:

    All_VM_IaaS_Server_Rehost_Perf     every server the tool found Ready / Ready With Conditions for an Azure VM,
                                       performance-based, pay-as-you-go compute cost
    VM_, SQL_, WebApp_, VM_SS_IaaS_Server_Rehost_Perf   the same, split by what the tool recommends per server
    VM_, SQL_, WebApp_, VM_SS_IaaS_Server_Rehost_As-is  sized as on premises (no performance data)

Columns used: Machine Name, Environment, Azure VM Readiness, Azure VM Readiness - Warnings, Recommended VM Size,
Monthly Compute Cost Estimate (Pay as you go) (the As-is sheets: Monthly Compute Cost Estimate), Monthly Storage
Cost Estimate, Monthly Security Cost Estimate, Operating System, Cores, Memory (in MB), CPU Utilization (in %),
Memory Utilization (in %), Storage (in GB), Group Name, Machine ID. Cores and memory are the source server's, not
the recommended size's. Other columns (disks, ASR and backup costs, IPs) are ignored. A sheet may be missing; a
workbook with none of these sheets is rejected. Every bad row is reported as `file:sheet:row:column: problem`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inventory.errors import BadInputError, InputProblem
from inventory.importers.common import Columns, Problems, display_name, header_key, number, read_bytes, text
from inventory.importers.workbook import Sheet, open_workbook, read_sheet
from inventory.importers.workbook import properties as properties_of
from migrations_plan.assessment.model import SizingBasis

PROPERTIES_SHEET = "Properties"


# The per-server IaaS sheets, in the order a machine's row is preferred when it is on several.
MACHINE_SHEETS: tuple[tuple[str, SizingBasis], ...] = (
    ("All_VM_IaaS_Server_Rehost_Perf", SizingBasis.PERFORMANCE),
    ("VM_IaaS_Server_Rehost_Perf", SizingBasis.PERFORMANCE),
    ("SQL_IaaS_Server_Rehost_Perf", SizingBasis.PERFORMANCE),
    ("WebApp_IaaS_Server_Rehost_Perf", SizingBasis.PERFORMANCE),
    ("VM_SS_IaaS_Server_Rehost_Perf", SizingBasis.PERFORMANCE),
    ("VM_IaaS_Server_Rehost_As-is", SizingBasis.AS_ON_PREMISES),
    ("SQL_IaaS_Server_Rehost_As-is", SizingBasis.AS_ON_PREMISES),
    ("WebApp_IaaS_Server_Rehost_As-is", SizingBasis.AS_ON_PREMISES),
    ("VM_SS_IaaS_Server_Rehost_As-is", SizingBasis.AS_ON_PREMISES),
)

_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("Machine Name", "Machine", "Server Name"),
    "environment": ("Environment",),
    "readiness": ("Azure VM Readiness",),
    "warnings": ("Azure VM Readiness - Warnings", "Azure VM Readiness - Issues"),
    "size": ("Recommended VM Size", "Recommended Size"),
    "compute": ("Monthly Compute Cost Estimate (Pay as you go)", "Monthly Compute Cost Estimate"),
    "storage": ("Monthly Storage Cost Estimate",),
    "security": ("Monthly Security Cost Estimate",),
    "os": ("Operating System",),
    "cores": ("Cores",),
    "memory": ("Memory (in MB)", "Memory(MB)", "Memory (MB)"),
    "cpu": ("CPU Utilization (in %)",),
    "memory_util": ("Memory Utilization (in %)",),
    "disk_gb": ("Storage (in GB)",),
    "group": ("Group Name",),
    "machine_id": ("Machine ID",),
}
_REQUIRED = {"name": "Machine Name", "size": "Recommended VM Size",
             "compute": "Monthly Compute Cost Estimate (Pay as you go)", "storage": "Monthly Storage Cost Estimate"}
# Readiness as the tool writes it (the descriptions of its Suitabilities enum), and the API's own names.
READINESS_LABELS = ("Ready", "Ready With Conditions", "Not Ready", "Readiness Unknown", "Unknown")
_READINESS = {header_key(label): label for label in READINESS_LABELS} | {
    "suitable": "Ready", "conditionallysuitable": "Ready With Conditions", "notsuitable": "Not Ready",
    "readinessunknown": "Readiness Unknown"}
_PROPERTIES = {"currency": "currency", "target region": "region", "azure migrate project name": "project",
               "assessment site name": "site", "assessment duration": "duration"}


@dataclass(frozen=True, slots=True)
class AssessedMachine:
    """One server as Azure Migrate assessed it. Money is in the workbook's currency, per month; `source_cores`
    and `source_memory_mb` are the server's own, `recommended_size` the Azure VM size the tool chose."""

    name: str
    sheet: str
    row: int
    sizing: SizingBasis
    recommended_size: str | None
    readiness: str | None
    readiness_warnings: str | None
    monthly_compute: float | None
    monthly_storage: float | None
    monthly_security: float | None = None
    source_cores: int | None = None
    source_memory_mb: float | None = None
    cpu_util_pct: float | None = None
    memory_util_pct: float | None = None
    storage_gb: float | None = None
    environment: str | None = None
    os_name: str | None = None
    group: str | None = None
    machine_id: str | None = None

    @property
    def monthly_total(self) -> float | None:
        """Compute + storage: what the tool prices for the VM (security, site recovery and backup left out)."""
        if self.monthly_compute is None and self.monthly_storage is None:
            return None
        return (self.monthly_compute or 0.0) + (self.monthly_storage or 0.0)


@dataclass(frozen=True, slots=True)
class AssessmentWorkbook:
    """What was read from one Core Report: the machines (a machine on several sheets once per sheet) and the
    properties that matter for comparing (currency, target region, project)."""

    file: str
    currency: str | None
    region: str | None
    properties: Mapping[str, str]
    machines: tuple[AssessedMachine, ...]
    sheets: tuple[str, ...]
    warnings: tuple[str, ...] = ()

    def preferred(self) -> tuple[AssessedMachine, ...]:
        """One row per machine name (case-insensitive): the row of the first sheet in MACHINE_SHEETS order."""
        order = {name: index for index, (name, _) in enumerate(MACHINE_SHEETS)}
        chosen: dict[str, AssessedMachine] = {}
        for machine in sorted(self.machines, key=lambda m: (order.get(m.sheet, len(order)), m.row)):
            chosen.setdefault(machine.name.lower(), machine)
        return tuple(sorted(chosen.values(), key=lambda m: (order.get(m.sheet, len(order)), m.row)))


def is_assessment_workbook(sheet_names: list[str]) -> bool:
    keys = {header_key(name) for name in sheet_names}
    return any(header_key(name) in keys for name, _ in MACHINE_SHEETS)


def parse(path: Path) -> AssessmentWorkbook:
    """Read an Azure Migrate Core Report; raises BadInputError listing every problem of every sheet."""
    name = display_name(path)
    with open_workbook(read_bytes(path), name) as workbook:
        titles = {header_key(title): str(title) for title in workbook.sheetnames}
        found = [(titles[header_key(sheet)], sizing) for sheet, sizing in MACHINE_SHEETS
                 if header_key(sheet) in titles]
        if not found:
            raise BadInputError.single(name, "no per-server assessment sheet (All_VM_IaaS_Server_Rehost_Perf, "
                                       "VM_IaaS_Server_Rehost_Perf, ...): not an Azure Migrate Export Core Report "
                                       f"(sheets found: {', '.join(workbook.sheetnames) or 'none'})")
        sheets = [(read_sheet(workbook[title]), sizing) for title, sizing in found]
        properties = (read_sheet(workbook[titles[header_key(PROPERTIES_SHEET)]])
                      if header_key(PROPERTIES_SHEET) in titles else None)
    return build_workbook(name, sheets, properties)


def build_workbook(name: str, sheets: list[tuple[Sheet, SizingBasis]],
                   properties: Sheet | None) -> AssessmentWorkbook:
    """The model from sheets already read (the pure part of `parse`)."""
    props = properties_of(properties, _PROPERTIES)
    problems = Problems(name)
    currency = props.get("currency", "").strip().upper() or None
    if currency is not None and not (len(currency) == 3 and currency.isalpha()):
        problems.items.append(InputProblem(f"{name}:{PROPERTIES_SHEET}", 2, "Currency", "expected an ISO 4217 "
                                           f"code such as USD or AUD, got {props['currency']!r}"))
    machines: list[AssessedMachine] = []
    for sheet, sizing in sheets:
        machines += _machines(sheet, sizing, name, problems)
    if problems.items:
        raise BadInputError(problems.items)
    warnings = []
    if properties is None or currency is None:
        warnings.append("the workbook states no currency (Properties sheet, Currency): its amounts are taken as USD")
    if not machines:
        warnings.append("no machines: the per-server sheets have headers but no rows")
    return AssessmentWorkbook(file=name, currency=currency or "USD", region=props.get("region") or None,
                              properties=props, machines=tuple(machines), sheets=tuple(s.title for s, _ in sheets),
                              warnings=tuple(warnings))


def _machines(sheet: Sheet, sizing: SizingBasis, name: str, problems: Problems) -> list[AssessedMachine]:
    where = Problems(f"{name}:{sheet.title}")
    columns = Columns.match(sheet.header, _ALIASES)
    for field, expected in _REQUIRED.items():
        if field not in columns:
            if field == "compute" and sizing is SizingBasis.AS_ON_PREMISES:
                expected = "Monthly Compute Cost Estimate"
            where.add(1, expected, f"missing column {expected!r} (the sheet's header is row 1)")
    if where:
        problems.items.extend(where.items)
        return []
    machines = []
    first_row: dict[str, int] = {}
    for row, cells in sheet.rows:
        machine = _machine(cells, row, columns, sheet.title, sizing, where)
        if machine is None:
            continue
        key = machine.name.lower()
        if key in first_row:
            where.add(row, columns.column("name"), f"duplicate machine name {machine.name!r} (first on row "
                      f"{first_row[key]}): machines are matched to our systems by name")
            continue
        first_row[key] = row
        machines.append(machine)
    problems.items.extend(where.items)
    return machines


def _machine(cells: tuple[Any, ...], row: int, columns: Columns, title: str, sizing: SizingBasis,
             problems: Problems) -> AssessedMachine | None:
    before = len(problems.items)

    def num(field: str, **kwargs: Any) -> Any:
        return number(columns.get(cells, field), problems, row, columns.column(field), **kwargs)

    machine = text(columns.get(cells, "name"))
    if machine is None:
        problems.add(row, columns.column("name"), "missing machine name")
    readiness_text = text(columns.get(cells, "readiness"))
    readiness = _READINESS.get(header_key(readiness_text)) if readiness_text else None
    if readiness_text and readiness is None:
        problems.add(row, columns.column("readiness"), f"unknown readiness {readiness_text!r}; expected one of "
                     f"{', '.join(READINESS_LABELS)}")
    found = AssessedMachine(
        name=machine or "", sheet=title, row=row, sizing=sizing, recommended_size=text(columns.get(cells, "size")),
        readiness=readiness, readiness_warnings=text(columns.get(cells, "warnings")),
        monthly_compute=num("compute"), monthly_storage=num("storage"), monthly_security=num("security"),
        source_cores=num("cores", integer=True), source_memory_mb=num("memory"),
        cpu_util_pct=num("cpu", maximum=100), memory_util_pct=num("memory_util", maximum=100),
        storage_gb=num("disk_gb"), environment=text(columns.get(cells, "environment")),
        os_name=text(columns.get(cells, "os")), group=text(columns.get(cells, "group")),
        machine_id=text(columns.get(cells, "machine_id")),
    )
    return found if len(problems.items) == before else None
