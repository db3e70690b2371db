"""The workbooks open in a real spreadsheet application: LibreOffice Calc (Debian's libreoffice-calc-nogui, which
CI installs) converts them to CSV as it displays them, number formats applied, and prints the savings workbook's
charts to PDF (rendered to PNG with poppler's pdftoppm, kept under test-artifacts/screenshots)."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest

from flows.reports.money import Money
from flows.reports.savings_files import write_savings_xlsx
from flows.reports.xlsx import Styled, XlsxColumn, XlsxSheet, write_xlsx
from migrations_plan.pricing.currency import default_rates
from migrations_plan.savings import SavingsSystem, build_savings_report, default_assumptions
from migrations_plan.strategy_types import Strategy
from tests.e2e.browser import NEGATIVE_RED, PLANNED_BLUE, POSITIVE_GREEN, decode_png, near
from tests.e2e.ui import artifacts_dir

pytestmark = pytest.mark.e2e

SOFFICE = shutil.which("soffice")
PDFTOPPM = shutil.which("pdftoppm")
# CSV of every sheet (token 12 = -1), comma separated, UTF-8 (76), cells as shown (formatted, token 9 = true).
ALL_SHEETS_AS_SHOWN = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"


def displayed(workbook: Path, tmp_path: Path) -> dict[str, list[list[str]]]:
    """Each sheet as LibreOffice Calc shows it."""
    if SOFFICE is None:
        pytest.skip("LibreOffice is not installed (Debian package libreoffice-calc-nogui)")
    out = tmp_path / "shown"
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless", "--norestore",
                    "--convert-to", ALL_SHEETS_AS_SHOWN, "--outdir", str(out), str(workbook)],
                   check=True, capture_output=True, timeout=180)
    sheets = {}
    for path in out.glob(f"{workbook.stem}-*.csv"):
        with path.open(encoding="utf-8", newline="") as handle:
            sheets[path.stem.removeprefix(f"{workbook.stem}-")] = list(csv.reader(handle))
    return sheets


def test_typed_cells_show_with_their_formats(tmp_path: Path) -> None:
    rows = [[1, 0.1 + 0.2, True, dt.date(2027, 3, 1), dt.datetime(2026, 11, 25, 6, 30, tzinfo=dt.UTC),
             '=HYPERLINK("http://evil.example")'],
            [None, -1234.5, False, dt.date(1999, 12, 31), None, "a & b <c> ü"],
            [Styled(0.07, "0.0%"), 2.0, None, None, None, "  spaced  "]]
    columns = (XlsxColumn("n", "0"), XlsxColumn("money", '"$"#,##0.00;[Red]-"$"#,##0.00'), XlsxColumn("flag"),
               XlsxColumn("month", "yyyy-mm"), XlsxColumn("when"), XlsxColumn("text"))
    path = write_xlsx([XlsxSheet("Data", columns, rows, "B2"), XlsxSheet("Two & more", (XlsxColumn("x"),), [[5]])],
                      tmp_path / "typed.xlsx")
    shown = displayed(path, tmp_path)
    assert shown["Data"] == [
        ["n", "money", "flag", "month", "when", "text"],
        ["1", "$0.30", "TRUE", "2027-03", "2026-11-25 06:30", '=HYPERLINK("http://evil.example")'],
        ["", "-$1,234.50", "FALSE", "1999-12", "", "a & b <c> ü"],
        ["7.0%", "$2.00", "", "", "", "  spaced  "],
    ]
    assert shown["Two & more"] == [["x"], ["5"]]


def test_the_savings_workbook_shows_the_reports_figures(tmp_path: Path) -> None:
    jan = dt.date(2027, 1, 1)
    systems = [
        SavingsSystem(id="web", name="web-01", strategy=Strategy.REHOST, business_unit="Retail", wave_number=1,
                      planned_month=jan, cost_lines={"hardware": 12000.0, "licences": 0.0, "facilities": 0.0,
                                                     "labour": 0.0, "network": 0.0},
                      azure_monthly={"payg": 300.0}),
        SavingsSystem(id="old", name="=old", strategy=Strategy.RETIRE, business_unit="Finance", planned_month=jan),
    ]
    report = build_savings_report(systems, default_assumptions(), start=jan, months=12)
    shown = displayed(write_savings_xlsx(report, tmp_path / "savings.xlsx"), tmp_path)
    assert set(shown) == {"Summary", "Monthly", "By wave", "By business unit", "By strategy", "Scenarios",
                          "Planned vs realised", "Assumptions", "Assessment", "Systems", "Notes"}
    monthly = shown["Monthly"]
    assert monthly[0] == ["Month", "Legacy avoided", "Azure added", "One-time", "Net", "Cumulative"]
    for row, expected in zip(monthly[1:], report.planned.monthly, strict=True):
        assert row[0] == f"{expected.month:%Y-%m}"
        net = f"${abs(expected.net):,.2f}"
        assert row[4] == (f"-{net}" if round(expected.net, 2) < 0 else net)
    names = [row[1] for row in shown["Systems"][1:]]
    assert names == ["web-01", "=old"], "a name starting with = is shown as text"


def test_the_savings_workbooks_charts_print_from_libreoffice(tmp_path: Path) -> None:
    """The Summary sheet prints on one landscape page wide with both charts drawn: the monthly net as green and
    red columns under the blue cumulative line, and one bar per wave."""
    if SOFFICE is None:
        pytest.skip("LibreOffice is not installed (Debian package libreoffice-calc-nogui)")
    if PDFTOPPM is None:
        pytest.skip("pdftoppm is not installed (Debian package poppler-utils)")
    jan = dt.date(2027, 1, 1)
    systems = [SavingsSystem(id=f"s{i}", name=f"srv{i}", strategy=Strategy.REHOST, wave_number=wave,
                             planned_month=dt.date(2027, 1 + wave, 1),
                             cost_lines={"hardware": 9000.0, "licences": 1200.0, "facilities": 600.0,
                                         "labour": 2400.0, "network": 600.0},
                             azure_monthly={"payg": 200.0 if wave < 4 else 1500.0}, migration_data_gb=300)
               for i, wave in enumerate([0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8])]
    report = build_savings_report(systems, default_assumptions(), start=jan, months=12)
    workbook = write_savings_xlsx(report, tmp_path / "savings.xlsx", money=Money.of(default_rates().get("AUD")))
    out = tmp_path / "pdf"
    converted = subprocess.run([SOFFICE, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
                                "--norestore", "--convert-to", "pdf", "--outdir", str(out), str(workbook)],
                               capture_output=True, text=True, timeout=180)
    assert converted.returncode == 0 and (out / "savings.pdf").is_file(), converted.stdout + converted.stderr
    subprocess.run([PDFTOPPM, "-r", "80", "-png", "-f", "1", "-l", "1", "-singlefile", str(out / "savings.pdf"),
                    str(artifacts_dir() / "savings-xlsx-summary-libreoffice")], check=True, timeout=60)
    width, height, rows = decode_png((artifacts_dir() / "savings-xlsx-summary-libreoffice.png").read_bytes())
    assert width > height, "landscape"
    colours = [(row[i], row[i + 1], row[i + 2]) for row in rows for i in range(0, len(row), 3)]
    # The figures sit on the left; everything right of the middle is the charts.
    right = [colour for n, colour in enumerate(colours) if n % width > width // 2]
    assert sum(1 for c in right if near(c, POSITIVE_GREEN, 30)) > 300, "gains as green columns and bars"
    assert sum(1 for c in right if near(c, NEGATIVE_RED, 30)) > 300, "losses in red"
    assert sum(1 for c in right if near(c, PLANNED_BLUE, 30)) > 50, "the cumulative line"
