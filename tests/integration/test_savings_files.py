"""The savings report files, read back: CSV (formula-safe), XLSX (typed cells, formats, frozen headers, native
charts), JSON, and HTML (self-contained, long tables collapsed, words for people); in USD or converted."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from flows.reports.money import Money
from flows.reports.savings_files import (
    JSON_SYSTEM_COLUMNS,
    _csv_row_formatter,
    csv_paths,
    system_csv_rows,
    write_savings_csv,
    write_savings_html,
    write_savings_json,
    write_savings_xlsx,
)
from flows.reports.savings_tables import SYSTEM_COLUMNS, system_rows
from migrations_plan.pricing.currency import ExchangeRate
from migrations_plan.savings import SavingsReport, SavingsSystem, build_savings_report, default_assumptions
from migrations_plan.strategy_types import Strategy

JAN, FEB, MAR = dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)
HOSTILE_NAMES = ['=HYPERLINK("http://evil.example","x")', "+SUM(A1:A9)", "-2+3", "@cmd", "\tTAB"]
EURO = Money.of(ExchangeRate("EUR", 0.877578, dt.date(2026, 8, 3), "Azure Retail Prices API EUR/USD price ratio"))


def lines(hardware: float) -> dict[str, float | None]:
    return {"hardware": hardware, "licences": 0.0, "facilities": 0.0, "labour": 0.0, "network": 0.0}


@pytest.fixture
def report() -> SavingsReport:
    """Two waves and a retirement; one system per hostile name, plus an HTML-hostile one."""
    systems = [
        SavingsSystem(id="web", name="<script>alert(1)</script>", strategy=Strategy.REHOST,
                      business_unit='Retail, "EU"', wave_number=1, planned_month=JAN, realised_month=FEB,
                      cost_lines=lines(12000.0), azure_monthly={"payg": 300.0, "ri3y": 200.0}),
        SavingsSystem(id="db", name="db-01", strategy=Strategy.REPLATFORM, business_unit="Retail", wave_number=2,
                      planned_month=MAR, cores=4, storage_gb=500, os_family="windows", db_engine="SQL Server",
                      azure_monthly={"payg": 250.0, "ri3y": 180.0}, migration_data_gb=200),
        SavingsSystem(id="old", name="old-report", strategy=Strategy.RETIRE, business_unit="Finance",
                      planned_month=FEB, realised_month=FEB),
        *[SavingsSystem(id=f"h{i}", name=name, application=name, strategy=Strategy.RETAIN, business_unit=name)
          for i, name in enumerate(HOSTILE_NAMES)],
    ]
    return build_savings_report(systems, default_assumptions(), start=JAN, months=12)


def test_csv_files_hold_every_view_and_escape_formulas(report: SavingsReport, tmp_path: Path) -> None:
    written = write_savings_csv(report, tmp_path / "out" / "savings.csv")
    assert written == csv_paths(report, tmp_path / "out" / "savings.csv"), "the names are known before writing"
    assert [p.name for p in written] == [
        "savings.csv", "savings_summary.csv", "savings_by_wave.csv", "savings_by_business_unit.csv",
        "savings_by_strategy.csv", "savings_scenarios.csv", "savings_planned_vs_realised.csv",
        "savings_assumptions.csv", "savings_assessment.csv", "savings_systems.csv"]
    # Built without an assessment run: the view says so rather than being empty.
    assert (tmp_path / "out" / "savings_assessment.csv").read_text(encoding="utf-8").splitlines() == [
        "Setting,Value", "Assessment run,not recorded"]
    with written[0].open(encoding="utf-8", newline="") as handle:
        monthly = list(csv.DictReader(handle))
    assert [row["Month"] for row in monthly] == [f"2026-{m:02d}" for m in range(1, 13)]
    assert [float(row["Net"]) for row in monthly] == pytest.approx([round(r.net, 2) for r in report.planned.monthly])
    assert float(monthly[-1]["Cumulative"]) == pytest.approx(report.planned.totals.net, abs=0.01)

    with (tmp_path / "out" / "savings_systems.csv").open(encoding="utf-8", newline="") as handle:
        systems = {row["ID"]: row for row in csv.DictReader(handle)}
    for i, name in enumerate(HOSTILE_NAMES):
        row = systems[f"h{i}"]
        assert row["Name"] == "'" + name and row["Application"] == "'" + name and row["Business unit"] == "'" + name
        assert row["Planned status"] == "retained"
    assert systems["web"]["Business unit"] == 'Retail, "EU"'  # quoting survives the round trip
    assert systems["db"]["Lines from defaults"] == "hardware, licences, facilities, labour, network"
    assert systems["web"]["Lines from defaults"] == "none"
    web_planned, web_realised = report.planned.systems[0], report.realised.systems[0]
    assert float(systems["web"]["Planned net"]) == pytest.approx(web_planned.net, abs=0.005)
    assert float(systems["web"]["Variance net"]) == pytest.approx(web_realised.net - web_planned.net, abs=0.01)
    # Negative numbers are numbers, not text: no quote added.
    with (tmp_path / "out" / "savings_planned_vs_realised.csv").open(encoding="utf-8", newline="") as handle:
        first = next(csv.DictReader(handle))
    assert first["Planned net"].startswith("-") and float(first["Planned net"]) < 0


def test_fast_systems_csv_rows_match_the_generic_formatting(report: SavingsReport) -> None:
    generic = list(map(_csv_row_formatter(SYSTEM_COLUMNS, mixed=False), system_rows(report)))
    assert list(system_csv_rows(report)) == generic
    assert len(generic[0]) == len(SYSTEM_COLUMNS)
    converted = list(map(_csv_row_formatter(SYSTEM_COLUMNS, mixed=False), system_rows(report, EURO.factor)))
    assert list(system_csv_rows(report, EURO)) == converted != generic


def test_xlsx_sheets_typed_cells_formats_and_frozen_headers(report: SavingsReport, tmp_path: Path) -> None:
    path = write_savings_xlsx(report, tmp_path / "savings.xlsx")
    book = load_workbook(path)
    assert book.sheetnames == ["Summary", "Monthly", "By wave", "By business unit", "By strategy", "Scenarios",
                               "Planned vs realised", "Assumptions", "Assessment", "Systems", "Notes"]
    for sheet in book.worksheets:
        expected = {"Systems": "C2", "Notes": "A2"}.get(sheet.title, "B2")
        assert sheet.freeze_panes == expected, sheet.title
        assert all(cell.font.bold for cell in sheet[1]), sheet.title
    notes = dict(book["Notes"].iter_rows(min_row=2, values_only=True))
    assert "'Lines from defaults' names those computed from the assumptions" in notes["Systems"]
    assert notes["Scenarios"].startswith("Planned basis")
    assert notes["All sheets"].startswith("Money in USD.")

    monthly = book["Monthly"]
    assert [c.value for c in monthly[1]] == ["Month", "Legacy avoided", "Azure added", "One-time", "Net",
                                            "Cumulative"]
    for row_number, expected in enumerate(report.planned.monthly, start=2):
        month, *money = monthly[row_number]
        assert month.value == dt.datetime.combine(expected.month, dt.time())  # a real date cell
        assert month.number_format == "yyyy-mm"
        for cell, value in zip(money, (expected.legacy_avoided, expected.azure_added, expected.one_time,
                                       expected.net, expected.cumulative), strict=True):
            assert isinstance(cell.value, int | float) and cell.value == pytest.approx(value)
            assert "$" in cell.number_format

    summary = {row[0].value: row for row in book["Summary"].iter_rows(min_row=2)}
    assert summary["Net cash flow"][1].value == pytest.approx(report.planned.totals.net)
    assert summary["Net cash flow"][3].value == pytest.approx(report.realised.totals.net - report.planned.totals.net)
    assert summary["Horizon (months)"][1].value == 12 and summary["Horizon (months)"][1].number_format == "0"

    assert [c.value for c in book["Assumptions"][1]] == ["Assumption", "Value", "Unit", "Source", "Key"]
    assumptions = {row[4].value: row for row in book["Assumptions"].iter_rows(min_row=2)}
    assert assumptions["discount_rate"][1].value == 0.07 and "%" in assumptions["discount_rate"][1].number_format
    assert "$" in assumptions["hardware_per_core_year"][1].number_format
    assert "WACC" in assumptions["discount_rate"][3].value
    assert assumptions["licence_os_per_core_year.windows"][0].value == "OS licences per core: windows"

    systems = {row[0].value: row for row in book["Systems"].iter_rows(min_row=2)}
    header = [c.value for c in book["Systems"][1]]
    for i, name in enumerate(HOSTILE_NAMES):
        cell = systems[f"h{i}"][header.index("Name")]
        assert (cell.value, cell.data_type) == (name, "s")  # stored as text, never as a formula
    db = systems["db"]
    assert db[header.index("Legacy hardware / year")].value == pytest.approx(4 * 30.5 + 500 * 0.7)
    assert "$" in db[header.index("Legacy hardware / year")].number_format
    assert db[header.index("Wave")].value == 2

    by_wave = list(book["By wave"].iter_rows(min_row=2, values_only=True))
    assert [c.value for c in book["By wave"][1]][:2] == ["Basis", "Wave"]
    assert [(row[0], row[1]) for row in by_wave][:3] == [("Planned", "W1"), ("Planned", "W2"),
                                                         ("Planned", "No wave (retired/retained)")]
    scenarios = list(book["Scenarios"].iter_rows(min_row=2, values_only=True))
    assert [(row[0], row[-1]) for row in scenarios] == [("Pay-as-you-go", "paid back"),
                                                         ("3-year reserved", "paid back")]


def test_xlsx_has_native_charts_on_the_summary_reading_the_monthly_and_by_wave_cells(
        report: SavingsReport, tmp_path: Path) -> None:
    path = write_savings_xlsx(report, tmp_path / "savings.xlsx", money=EURO)
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        types = archive.read("[Content_Types].xml").decode()
    assert {"xl/drawings/drawing1.xml", "xl/charts/chart1.xml", "xl/charts/chart2.xml",
            "xl/worksheets/_rels/sheet1.xml.rels", "xl/drawings/_rels/drawing1.xml.rels"} <= names
    assert types.count("drawingml.chart+xml") == 2 and "officedocument.drawing+xml" in types
    book = load_workbook(path)  # openpyxl's reader loads the charts it finds through the sheet's drawing
    charts = {sheet.title: sheet._charts for sheet in book.worksheets if sheet._charts}
    assert list(charts) == ["Summary"] and len(charts["Summary"]) == 2
    cash, waves = charts["Summary"]
    assert [type(chart).__name__ for chart in cash._charts] == ["BarChart", "LineChart"]  # one chart, shared axes
    monthly_refs = [series.val.numRef.f for chart in cash._charts for series in chart.series]
    assert monthly_refs == ["'Monthly'!$E$2:$E$13", "'Monthly'!$F$2:$F$13"]  # Net as columns, Cumulative a line
    assert cash.series[0].cat.numRef.f == "'Monthly'!$A$2:$A$13"
    (bars,) = waves.series
    assert waves.type == "bar" and bars.val.numRef.f == "'By wave'!$G$2:$G$4"
    assert bars.cat.strRef.f == "'By wave'!$B$2:$B$4"
    # The cells the charts read: converted to EUR, in a EUR format, the rate stated on the Summary.
    monthly = book["Monthly"]
    assert monthly["E2"].value == pytest.approx(report.planned.monthly[0].net * EURO.factor)
    assert monthly["E2"].number_format == '"EUR "#,##0.00;[Red]-"EUR "#,##0.00'
    summary = {row[0].value: row[1].value for row in book["Summary"].iter_rows(min_row=2)}
    assert summary["Currency"] == "EUR" and summary["Exchange rate (EUR per USD)"] == "0.877578"
    assert summary["Rate of"] == "2026-08-03"
    assert summary["Net cash flow"] == pytest.approx(report.planned.totals.net * EURO.factor)
    assumptions = {row[4].value: row[1] for row in book["Assumptions"].iter_rows(min_row=2)}
    assert assumptions["hardware_per_core_year"].value == 30.5, "assumptions stay in USD, as their unit says"
    assert "$" in assumptions["hardware_per_core_year"].number_format


def test_json_document(report: SavingsReport, tmp_path: Path) -> None:
    data = json.loads(write_savings_json(report, tmp_path / "savings.json").read_text(encoding="utf-8"))
    assert (data["schema_version"], data["start"], data["months"], data["currency"]) == (1, "2026-01", 12, "USD")
    assert data["exchange_rate"] is None
    assert data["planned"]["totals"]["net"] == pytest.approx(report.planned.totals.net, abs=0.005)
    assert [m["cumulative"] for m in data["realised"]["monthly"]] == pytest.approx(
        [r.cumulative for r in report.realised.monthly], abs=0.005)
    assert [w["key"] for w in data["planned"]["by_wave"]] == ["1", "2", "no wave"]
    assert [s["scenario"] for s in data["scenarios"]] == ["payg", "ri3y"]
    assert data["realised"]["unscheduled"] == ["db"]
    assert data["systems"]["columns"] == list(JSON_SYSTEM_COLUMNS)
    assert data["assessment"] == {"Assessment run": "not recorded"}, "as in the CSV and XLSX views"
    rows = {row[0]: dict(zip(data["systems"]["columns"], row, strict=True)) for row in data["systems"]["rows"]}
    assert rows["db"]["default_lines"] == ["hardware", "licences", "facilities", "labour", "network"]
    assert (rows["db"]["planned_month"], rows["db"]["realised_month"], rows["db"]["strategy"]) == (
        "2026-03", None, "replatform")
    assert rows["h0"]["name"] == HOSTILE_NAMES[0]  # JSON is data, not a spreadsheet: no escaping
    assert {row["key"] for row in data["assumptions"]} >= {"discount_rate", "migration_labour_per_system.retire"}


def test_html_is_self_contained_and_escaped(report: SavingsReport, tmp_path: Path) -> None:
    html = write_savings_html(report, tmp_path / "savings.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "Net cash flow over the next 12 months" in html
    assert re.search(r"<(script|link|img|iframe)\b", html) is None, "nothing that loads or runs code"
    assert "http://" not in html.replace("http://evil.example", "") and "https://" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count('<svg class="chart') == 2
    assert 'class="chart chart-cumulative"' in html and 'class="chart chart-by-wave"' in html
    assert len(re.findall(r'<path class="series"', html)) == 2
    for section in ("summary", "monthly", "by_wave", "by_business_unit", "by_strategy", "scenarios",
                    "planned_vs_realised", "assumptions", "assessment", "systems"):
        assert f'<section id="{section}">' in html


@pytest.mark.parametrize(("count", "noted"), [(1000, False), (1001, True)])
def test_html_systems_table_is_cut_at_1000_rows_and_says_so(tmp_path: Path, count: int, noted: bool) -> None:
    systems = [SavingsSystem(id=f"r{i}", name=f"r{i}", strategy=Strategy.RETAIN) for i in range(count)]
    report = build_savings_report(systems, default_assumptions(), start=JAN, months=3)
    html = write_savings_html(report, tmp_path / "s.html").read_text(encoding="utf-8")
    section = html[html.index('<section id="systems">'):]
    assert section.count("<tr><td>r") == 1000
    assert ("The first 1,000 systems are shown" in section) is noted


def test_json_and_csv_in_another_currency_state_the_rate(report: SavingsReport, tmp_path: Path) -> None:
    usd = json.loads(write_savings_json(report, tmp_path / "usd.json").read_text(encoding="utf-8"))
    eur = json.loads(write_savings_json(report, tmp_path / "eur.json", money=EURO).read_text(encoding="utf-8"))
    assert eur["currency"] == "EUR"
    assert eur["exchange_rate"] == {"code": "EUR", "per_usd": 0.877578, "date": "2026-08-03",
                                    "source": "Azure Retail Prices API EUR/USD price ratio"}
    assert eur["planned"]["totals"]["net"] == pytest.approx(usd["planned"]["totals"]["net"] * 0.877578, abs=0.01)
    assert eur["systems"]["rows"][0][-1] == pytest.approx(usd["systems"]["rows"][0][-1] * 0.877578, abs=0.01)
    assert eur["assumptions"] == usd["assumptions"], "inputs stay in USD"
    write_savings_csv(report, tmp_path / "eur" / "savings.csv", money=EURO)
    with (tmp_path / "eur" / "savings_summary.csv").open(encoding="utf-8", newline="") as handle:
        summary = {row["Figure"]: row for row in csv.DictReader(handle)}
    assert summary["Currency"]["Planned"] == "EUR" and summary["Rate of"]["Planned"] == "2026-08-03"
    assert float(summary["Net cash flow"]["Planned"]) == pytest.approx(report.planned.totals.net * 0.877578, abs=0.01)


def test_html_collapses_long_tables_and_shows_words_in_the_reports_currency(report: SavingsReport,
                                                                           tmp_path: Path) -> None:
    html = write_savings_html(report, tmp_path / "savings.html", money=EURO).read_text(encoding="utf-8")
    systems = html[html.index('<section id="systems">'):]
    assert systems.index("<details><summary>Show the table (8 systems)</summary>") < systems.index("<table>")
    monthly = html[html.index('<section id="monthly">'):html.index('<section id="by_wave">')]
    assert "<details>" not in monthly, "a short table stays open"
    assert "EUR " in monthly and "$" not in monthly
    assert "0.877578 EUR per USD, rate of 2026-08-03" in html
    assert ">W1</text>" in html and ">No wave (retired/retained)</text>" in html
    assert "paid back" in html and "paid_back" not in html and "payg" not in html
    assert "licence_os_per_core_year" not in html and "OS licences per core: windows" in html
    assert "@media print" in html
