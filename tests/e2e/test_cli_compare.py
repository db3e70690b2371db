"""`compare azure-migrate` as a user runs it, on an assessed estate and a Core Report workbook built in the test;
and the money lines of `status` and `report savings` in another currency.

The estate is imported and assessed in this process through the flows' own tasks (`.fn()`, no Prefect), so the
workbook can be written from our real sizes and prices. The CLI runs with PREFECT_API_URL on a closed port: a
read-only command that tried to reach Prefect would fail.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select
from sqlmodel import Session

from inventory.db import dispose_engines, get_engine, session_scope
from inventory.importers.common import ParsedInventory
from inventory.store import apply_import
from inventory.tables import System, TargetMapping
from tests.core_report import machine, write_core_report
from tests.e2e.conftest import assert_clean, run_cli
from tests.integration.estates import server

pytestmark = pytest.mark.e2e

NO_PREFECT = "http://127.0.0.1:9/api"
EUR = 0.877578  # the shipped table's EUR rate, 2026-08-03 (migrations_plan/pricing/data/exchange_rates.yaml)
ALL_VM = "All_VM_IaaS_Server_Rehost_Perf"


@pytest.fixture
def assessed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, tuple[str, float]]]:
    """An imported and assessed estate in tmp_path/lumen-migrate.db; yields our (size, USD payg) by system."""
    from flows.assess_flow import assess_estate, store_assessment
    from flows.parameters import AssessParameters

    monkeypatch.setenv("LUMEN_MIGRATE_DB_URL", f"sqlite:///{tmp_path / 'lumen-migrate.db'}")
    with session_scope() as session:
        apply_import(ParsedInventory.of("canonical-csv", systems=(
            server("web-01"), server("db-01", os_name="Microsoft Windows Server 2019 (64-bit)", cores=8,
                                     memory_mb=32768, memory_util_pct=50.0),
            server("app-01", cores=4, memory_mb=16384, memory_util_pct=60.0), server("old-01", power_state="off"),
            server("only-ours-01"))), session=session, source="estate", file_name="estate.csv", file_sha256="-")
    result, settings = assess_estate.fn(AssessParameters())
    store_assessment.fn(result, settings)
    with Session(get_engine()) as session:
        rows = session.execute(select(System.name, TargetMapping.sku, TargetMapping.monthly_cost_by_option)
                               .join(TargetMapping, TargetMapping.system_id == System.id)).all()
    yield {name: (sku, by_option["payg"]) for name, sku, by_option in rows}
    dispose_engines()


def core_report(folder: Path, ours: dict[str, tuple[str, float]], *, currency: str = "EUR") -> Path:
    """Microsoft's side: web-01 (by its FQDN) agrees, db-01 another size and 50 % dearer, app-01 the same size at
    half our price, old-01 (we retire it) a small VM, ghost-01 only in the workbook."""
    def eur(name: str, factor: float) -> float:
        return round(ours[name][1] * EUR * factor, 2)

    return write_core_report(folder / "AzureMigrate_Assessment_Core_Report.xlsx", {ALL_VM: [
        machine("web-01.corp.example", ours["web-01"][0], eur("web-01", 1.05) - 4.0, 4.0),
        machine("DB-01", "Standard_E16s_v5", eur("db-01", 1.5), 0.0,
                **{"Cores": 8, "Memory (in MB)": 32768.0, "Azure VM Readiness": "Ready With Conditions",
                   "Azure VM Readiness - Warnings": "Unsupported boot type"}),
        machine("app-01", ours["app-01"][0], eur("app-01", 0.5), 0.0),
        machine("old-01", "Standard_B1s", 7.0, 1.5),
        machine("ghost-01", "Standard_B2s", 30.0, 2.0),
    ]}, currency=currency)


def test_compare_prints_both_sides_agreement_totals_and_reasons(tmp_path: Path,
                                                                assessed: dict[str, tuple[str, float]]) -> None:
    ours = assessed
    report = core_report(tmp_path, ours)
    result = run_cli("--json", "compare", "azure-migrate", report.name, "--xlsx", "out/compare.xlsx", cwd=tmp_path,
                     api_url=NO_PREFECT)
    assert result.code == 0, result.output
    assert_clean(result)
    data = json.loads(result.stdout)
    assert data["currency"] == "EUR"
    assert data["conversions"]["ours"]["rates"] == [{"code": "EUR", "per_usd": EUR, "date": "2026-08-03",
                                                     "source": "Azure Retail Prices API EUR/USD price ratio "
                                                               "(approximate)"}]
    assert data["conversions"]["microsoft"]["identity"] is True
    machines = {m["name"]: m for m in data["machines"]}
    assert set(machines) == {"web-01", "db-01", "app-01", "old-01"}
    assert machines["web-01"]["microsoft_name"] == "web-01.corp.example"
    assert machines["web-01"]["matched_by"] == "short name"
    assert machines["web-01"]["ours"]["monthly"] == pytest.approx(ours["web-01"][1] * EUR, abs=0.01)
    assert (machines["web-01"]["same_size"], machines["web-01"]["cost_within_tolerance"]) == (True, True)
    assert machines["db-01"]["same_size"] is False and machines["db-01"]["cost_within_tolerance"] is False
    assert machines["db-01"]["microsoft"]["vcpus"] == 16, "Microsoft's size is looked up in our catalog"
    assert any("Microsoft: ready with conditions (Unsupported boot type)" in r for r in machines["db-01"]["reasons"])
    assert any("for the same size: a different price" in r for r in machines["app-01"]["reasons"])
    assert machines["old-01"]["reasons"][0].startswith("we retire it")
    # same size: web-01 and app-01 of the three where both have a size (we retire old-01) -> 2/3
    assert data["agreement"]["same_size"] == {"agreeing": 2, "compared": 3, "rate": pytest.approx(2 / 3)}
    # cost within 10 %: web-01 only (db-01 +50 %, app-01 -50 %, old-01 ours 0) -> 1/4
    assert data["agreement"]["cost_within_tolerance"] == {"agreeing": 1, "compared": 4, "rate": 0.25}
    ours_total = sum(ours[name][1] * EUR for name in ("web-01", "db-01", "app-01"))
    theirs_total = sum(m["microsoft"]["monthly"] for m in data["machines"])
    assert data["totals"]["both_priced"]["machines"] == 4
    assert data["totals"]["both_priced"]["ours"] == pytest.approx(ours_total, abs=0.02)
    assert data["totals"]["both_priced"]["microsoft"] == pytest.approx(theirs_total, abs=0.02)
    assert [s["name"] for s in data["only_ours"]] == ["only-ours-01"]
    assert [m["name"] for m in data["only_microsoft"]] == ["ghost-01"]
    # our side's settings: the latest assessment run's, under Azure Migrate's names (AssessParameters' defaults)
    settings = data["our_assessment"]["settings"]
    assert data["our_assessment"]["run"] == 1
    assert (settings["Target location"], settings["Sizing criteria"], settings["Percentile utilization"],
            settings["Comfort factor"], settings["Savings option"]) == (
        "eastus2", "performance-based", "P95", "1.3", "pay-as-you-go (None)")
    assert data["our_assessment"]["text"].startswith(
        "assessment run 1 in eastus2: Sizing criteria performance-based; Percentile utilization P95; Comfort factor "
        "1.3; VM series Azure Migrate's default")
    # both size explanations the assessment stored in the target details (sizing note, sizing reason) reach the
    # reasons: ceil(8 cores x 40% x 1.3 = 4.16) = 5 vCPU, 32 GiB x 50% x 1.3 = 20.8 GiB
    assert machines["db-01"]["reasons"][:2] == [
        "ours: utilisation (percentile not given) CPU 40% of 8 cores x 1.3 -> 5 vCPU; memory 50% of 32 GiB x 1.3 "
        "-> 20.8 GiB",
        "ours: vCPU 5 -> 8 and memory 20.8 GiB -> 32 GiB decided it (without it a cheaper size would do)"]

    book = openpyxl.load_workbook(tmp_path / "out" / "compare.xlsx", read_only=True)
    try:
        assert book.sheetnames == ["Summary", "Machines", "Only ours", "Only Microsoft"]
        rows = list(book["Machines"].iter_rows(values_only=True))
        header = rows[0]
        assert header[:3] == ("Machine", "Microsoft name", "Sheet") and "Why they differ" in header
        by_machine = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
        assert set(by_machine) == {"web-01", "db-01", "app-01", "old-01"}
        assert by_machine["db-01"]["Microsoft size"] == "Standard_E16s_v5"
        assert by_machine["web-01"]["Our / month"] == pytest.approx(ours["web-01"][1] * EUR)
        summary_rows = list(book["Summary"].iter_rows(min_row=2, values_only=True))
        summary = {row[0]: row[1] for row in summary_rows}
        assert summary["Same size"] == pytest.approx(2 / 3) and summary["Currency"] == "EUR"
        assert summary["Our assessment run"] == 1
        mine = "our assessment's setting"
        assert [row for row in summary_rows if row[2] == mine] == [
            (f"Ours: {name}", value, mine) for name, value in settings.items()]
        assert ("Ours: Sizing criteria", "performance-based", mine) in summary_rows
        assert [row[0] for row in book["Only Microsoft"].iter_rows(min_row=2, values_only=True)] == ["ghost-01"]
    finally:
        book.close()

    text = run_cli("compare", "azure-migrate", report.name, "--currency", "aud", cwd=tmp_path, api_url=NO_PREFECT)
    assert text.code == 0, text.output
    assert "per month, AUD" in text.stdout
    assert "ours from assessment run 1 in eastus2: Sizing criteria performance-based; Percentile utilization P95; " \
           "Comfort factor 1.3;" in " ".join(text.stdout.split())
    assert "Agreement: same size 2/3 (67%)" in text.stdout and "cost within 10% 1/4 (25%)" in text.stdout
    assert "rate of 2023-07-20" in text.stdout and "EUR -> AUD via USD" in text.stdout
    assert "only ours (1): only-ours-01" in text.stdout and "only Microsoft's (1): ghost-01" in text.stdout
    assert "Why we differ:" in text.stdout and "db-01:" in text.stdout


def test_compare_rejects_bad_input_with_exit_2_and_writes_nothing(tmp_path: Path,
                                                                  assessed: dict[str, tuple[str, float]]) -> None:
    report = core_report(tmp_path, assessed, currency="XTS")
    unknown = run_cli("compare", "azure-migrate", report.name, "--xlsx", "out.xlsx", cwd=tmp_path,
                      api_url=NO_PREFECT)
    assert unknown.code == 2, unknown.output
    assert "the workbook's amounts are in XTS" in unknown.stderr and "AUD, BRL, CAD" in unknown.stderr
    assert not (tmp_path / "out.xlsx").exists()
    rates = tmp_path / "rates.csv"
    rates.write_text("code,per_usd,date,source\nXTS,2.0,2026-08-01,test\n", encoding="utf-8")
    known = run_cli("--json", "compare", "azure-migrate", report.name, "--rates", str(rates), cwd=tmp_path,
                    api_url=NO_PREFECT)
    assert known.code == 0, known.output
    assert json.loads(known.stdout)["conversions"]["ours"]["rates"][0] == {
        "code": "XTS", "per_usd": 2.0, "date": "2026-08-01", "source": "test"}

    currency = run_cli("compare", "azure-migrate", report.name, "--currency", "XYZ", cwd=tmp_path)
    assert currency.code == 2 and "unknown currency 'XYZ'" in currency.stderr
    bad = write_core_report(tmp_path / "bad.xlsx", {ALL_VM: [machine("web-01", "Standard_D2s_v5", "lots")]})
    rejected = run_cli("compare", "azure-migrate", bad.name, cwd=tmp_path)
    assert rejected.code == 2
    assert (f"bad.xlsx:{ALL_VM}:2:Monthly Compute Cost Estimate (Pay as you go): expected a number, got 'lots'"
            in rejected.stderr)
    assert run_cli("compare", "azure-migrate", "missing.xlsx", cwd=tmp_path).code == 2


@pytest.mark.parametrize("out", ["AzureMigrate_Assessment_Core_Report.xlsx",
                                 "sub/../AzureMigrate_Assessment_Core_Report.xlsx", "link.xlsx"])
def test_compare_refuses_to_write_over_the_workbook_it_reads(tmp_path: Path, assessed: dict[str, tuple[str, float]],
                                                             out: str) -> None:
    # the same file by its name, by another spelling of its path, or through a link to it
    report = core_report(tmp_path, assessed)
    (tmp_path / "sub").mkdir()
    (tmp_path / "link.xlsx").symlink_to(report.name)
    before = report.read_bytes()
    result = run_cli("compare", "azure-migrate", report.name, "--xlsx", out, cwd=tmp_path, api_url=NO_PREFECT)
    assert result.code == 2, result.output
    assert result.stderr.strip().splitlines() == [
        f"error: {out}: --xlsx names the workbook being compared ({report.name}): writing the comparison there would "
        "overwrite it; name another file (nothing was written)"]
    assert report.read_bytes() == before


def test_compare_without_an_assessment_says_what_to_run(tmp_path: Path) -> None:
    report = write_core_report(tmp_path / "core.xlsx", {ALL_VM: [machine("web-01", "Standard_D2s_v5", 70.0)]})
    result = run_cli("compare", "azure-migrate", report.name, cwd=tmp_path, api_url=NO_PREFECT)
    assert result.code == 2, result.output
    assert "no assessed systems (run `lumen-migrate assess` first)" in result.stderr


def test_status_prints_the_run_rate_converted_with_its_rate_and_date(tmp_path: Path,
                                                                     assessed: dict[str, tuple[str, float]]) -> None:
    result = run_cli("--json", "status", "--currency", "AUD", cwd=tmp_path, api_url=NO_PREFECT)
    assert result.code == 0, result.output
    data = json.loads(result.stdout)
    usd = data["assessment"]["azure_monthly"]
    assert data["converted"]["currency"] == "AUD" and data["converted"]["date"] == "2023-07-20"
    assert data["converted"]["azure_monthly"] == pytest.approx(usd * 1.463251, abs=0.01)
    text = run_cli("status", "--currency", "AUD", cwd=tmp_path)
    assert "1.463251 AUD per USD, rate of 2023-07-20" in text.stdout
    assert run_cli("status", "--currency", "ZZZ", cwd=tmp_path).code == 2


def test_status_shows_money_in_the_assessments_currency_unless_told_otherwise(
        tmp_path: Path, prefect_server: str, assessed: dict[str, tuple[str, float]]) -> None:
    again = run_cli("assess", "--currency", "aud", cwd=tmp_path, api_url=prefect_server)
    assert again.code == 0, again.output
    assert "Currency AUD" in again.stdout, "the settings line names it"
    data = json.loads(run_cli("--json", "status", cwd=tmp_path, api_url=NO_PREFECT).stdout)
    assert data["assessment"]["last_run"]["settings"]["Currency"] == "AUD"
    assert data["converted"]["currency"] == "AUD"
    assert data["converted"]["azure_monthly"] == pytest.approx(data["assessment"]["azure_monthly"] * 1.463251,
                                                               abs=0.01)
    usd = json.loads(run_cli("--json", "status", "--currency", "USD", cwd=tmp_path, api_url=NO_PREFECT).stdout)
    assert "converted" not in usd, "--currency USD shows the stored dollars"


def test_report_savings_checks_the_currency_before_prefect_starts(tmp_path: Path) -> None:
    result = run_cli("report", "savings", "--currency", "ZZZ", cwd=tmp_path, api_url=NO_PREFECT)
    assert result.code == 2, result.output
    assert "unknown currency 'ZZZ'" in result.stderr


def test_report_savings_prints_its_headline_in_another_currency(tmp_path: Path, prefect_server: str,
                                                                assessed: dict[str, tuple[str, float]]) -> None:
    result = run_cli("--json", "report", "savings", "--currency", "EUR", "--format", "json", cwd=tmp_path,
                     api_url=prefect_server)
    assert result.code == 0, result.output
    data = json.loads(result.stdout)
    assert data["converted"]["currency"] == "EUR" and data["converted"]["per_usd"] == EUR
    assert data["converted"]["azure_monthly"] == pytest.approx(data["azure_monthly"] * EUR, abs=0.01)
    assert data["converted"]["net_12_months"] == pytest.approx(data["net_12_months"] * EUR, abs=0.01)
    text = run_cli("report", "savings", "--currency", "EUR", "--format", "json", cwd=tmp_path,
                   api_url=prefect_server)
    assert text.code == 0, text.output
    assert "EUR " in text.stdout and "0.877578 EUR per USD, rate of 2026-08-03" in text.stdout
