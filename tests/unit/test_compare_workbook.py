"""Reading Azure Migrate Export's Core Report: its layout (two versions), aliases, and every bad row at once."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from inventory.errors import BadInputError
from inventory.importers import detect_format
from migrations_plan.assessment.model import SizingBasis
from migrations_plan.compare import parse
from tests.core_report import ALL_VM_PERF, LAYOUT_2023, VM_AS_IS, machine, write_core_report

ALL_VM = "All_VM_IaaS_Server_Rehost_Perf"


def test_the_core_report_layout_is_read_with_properties_and_one_row_per_machine(tmp_path: Path) -> None:
    path = write_core_report(tmp_path / "core.xlsx", {
        ALL_VM: [machine("web-01", "Standard_D2as_v5", 61.32, 5.28, **{"Cores": 4, "Memory (in MB)": 8192.0,
                                                                       "Monthly Security Cost Estimate": 15.0}),
                 machine("db-01", "Standard_E4s_v5", 200.0, 40.0,
                         **{"Azure VM Readiness": "Ready With Conditions",
                            "Azure VM Readiness - Warnings": "Unsupported boot type"})],
        "VM_IaaS_Server_Rehost_Perf": [machine("web-01", "Standard_D2as_v5", 61.32, 5.28)],
        "VM_IaaS_Server_Rehost_As-is": [machine("legacy-01", "Standard_D4s_v5", 140.0, 10.0)],
    }, currency="AUD")
    book = parse(path)
    assert (book.currency, book.region, book.properties["project"]) == ("AUD", "East US 2", "telco-migrate")
    assert book.sheets == (ALL_VM, "VM_IaaS_Server_Rehost_Perf", "SQL_IaaS_Server_Rehost_Perf",
                           "WebApp_IaaS_Server_Rehost_Perf", "VM_IaaS_Server_Rehost_As-is",
                           "SQL_IaaS_Server_Rehost_As-is", "WebApp_IaaS_Server_Rehost_As-is")
    assert [(m.name, m.sheet, m.row) for m in book.machines] == [
        ("web-01", ALL_VM, 2), ("db-01", ALL_VM, 3), ("web-01", "VM_IaaS_Server_Rehost_Perf", 2),
        ("legacy-01", "VM_IaaS_Server_Rehost_As-is", 2)]
    web = book.machines[0]
    assert (web.recommended_size, web.monthly_compute, web.monthly_storage, web.monthly_security) == (
        "Standard_D2as_v5", 61.32, 5.28, 15.0)
    assert web.monthly_total == pytest.approx(66.60)  # 61.32 + 5.28; security is not a VM cost
    assert (web.source_cores, web.source_memory_mb, web.cpu_util_pct, web.sizing) == (
        4, 8192.0, 10.0, SizingBasis.PERFORMANCE)
    assert book.machines[1].readiness == "Ready With Conditions"
    assert book.machines[1].readiness_warnings == "Unsupported boot type"
    assert book.machines[3].sizing is SizingBasis.AS_ON_PREMISES and book.machines[3].monthly_compute == 140.0
    # A machine on several sheets counts once, from the most telling sheet (All_VM first, As-is last).
    assert [(m.name, m.sheet) for m in book.preferred()] == [
        ("web-01", ALL_VM), ("db-01", ALL_VM), ("legacy-01", "VM_IaaS_Server_Rehost_As-is")]
    assert book.warnings == ()


def test_the_older_layout_without_support_status_and_an_unstated_currency(tmp_path: Path) -> None:
    path = write_core_report(tmp_path / "core.xlsx", {ALL_VM: [machine("web-01", "Standard_B2s", 30.0, 2.5)]},
                             layout=LAYOUT_2023, properties=False)
    book = parse(path)
    assert book.currency == "USD" and book.region is None
    assert book.machines[0].monthly_total == 32.5
    assert book.warnings == ("the workbook states no currency (Properties sheet, Currency): its amounts are taken "
                             "as USD",)


def test_headers_match_case_insensitively_and_by_their_other_names(tmp_path: Path) -> None:
    header = [{"Machine Name": "Machine", "Recommended VM Size": "recommended size",
               "Monthly Compute Cost Estimate (Pay as you go)": "MONTHLY COMPUTE COST ESTIMATE",
               "Memory (in MB)": "Memory(MB)"}.get(column, column) for column in ALL_VM_PERF]
    row = {**machine("web-01", None, None), "Machine": "web-01", "recommended size": "Standard_D2s_v5",
           "MONTHLY COMPUTE COST ESTIMATE": 70.0, "Memory(MB)": 2048.0, "Azure VM Readiness": "ConditionallySuitable"}
    path = write_core_report(tmp_path / "core.xlsx", {ALL_VM: [row]}, headers={ALL_VM: header})
    found = parse(path).machines[0]
    assert (found.name, found.recommended_size, found.monthly_compute, found.source_memory_mb, found.readiness) == (
        "web-01", "Standard_D2s_v5", 70.0, 2048.0, "Ready With Conditions")


def test_every_bad_row_of_every_sheet_is_reported_as_file_sheet_row_column(tmp_path: Path) -> None:
    path = write_core_report(tmp_path / "core.xlsx", {
        ALL_VM: [machine("web-01", "Standard_D2s_v5", "lots", 5.0),
                 machine(None, "Standard_D2s_v5", 10.0),  # type: ignore[arg-type]
                 machine("db-01", "Standard_E4s_v5", 100.0, -3.0, **{"Cores": 2.5}),
                 machine("app-01", "Standard_D4s_v5", 100.0, **{"Azure VM Readiness": "Maybe"}),
                 machine("WEB-02", "Standard_D2s_v5", 10.0), machine("web-02", "Standard_D2s_v5", 10.0)],
        "VM_IaaS_Server_Rehost_As-is": [machine("x-01", "Standard_B1s", 1.0, **{"CPU Utilization (in %)": 150})],
    }, currency="Dollars", headers={"VM_IaaS_Server_Rehost_As-is": [c for c in VM_AS_IS
                                                                    if c != "Monthly Storage Cost Estimate"]})
    with pytest.raises(BadInputError) as raised:
        parse(path)
    name = str(path)
    assert [str(problem) for problem in raised.value.problems] == [
        f"{name}:Properties:2:Currency: expected an ISO 4217 code such as USD or AUD, got 'Dollars'",
        f"{name}:{ALL_VM}:2:Monthly Compute Cost Estimate (Pay as you go): expected a number, got 'lots'",
        f"{name}:{ALL_VM}:3:Machine Name: missing machine name",
        f"{name}:{ALL_VM}:4:Monthly Storage Cost Estimate: must be at least 0, got -3",
        f"{name}:{ALL_VM}:4:Cores: expected a whole number, got 2.5",
        f"{name}:{ALL_VM}:5:Azure VM Readiness: unknown readiness 'Maybe'; expected one of Ready, Ready With "
        "Conditions, Not Ready, Readiness Unknown, Unknown",
        f"{name}:{ALL_VM}:7:Machine Name: duplicate machine name 'web-02' (first on row 6): machines are matched "
        "to our systems by name",
        f"{name}:VM_IaaS_Server_Rehost_As-is:1:Monthly Storage Cost Estimate: missing column 'Monthly Storage Cost "
        "Estimate' (the sheet's header is row 1)",
    ]


def test_a_workbook_without_per_server_sheets_is_rejected_naming_its_sheets(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    assert book.active is not None
    book.active.title = "vHost"
    book.save(tmp_path / "other.xlsx")
    with pytest.raises(BadInputError, match=r"not an Azure Migrate Export Core Report \(sheets found: vHost\)"):
        parse(tmp_path / "other.xlsx")
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(BadInputError, match="not a readable xlsx workbook"):
        parse(tmp_path / "broken.xlsx")


def test_an_empty_sheet_is_valid_and_says_so(tmp_path: Path) -> None:
    book = parse(write_core_report(tmp_path / "core.xlsx", {}))
    assert book.machines == () and "no machines" in book.warnings[0]


def test_importing_a_core_report_as_an_inventory_points_to_compare(tmp_path: Path) -> None:
    path = write_core_report(tmp_path / "core.xlsx", {})
    with pytest.raises(BadInputError, match="lumen-migrate compare azure-migrate FILE"):
        detect_format(path)
