"""`lumen-migrate demo` as a new user runs it: embedded defaults, clean output, files they would open."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import openpyxl
import pytest

from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS, PLANNED_BLUE, near, pixels
from tests.e2e.conftest import Result, assert_clean, run_cli

pytestmark = pytest.mark.e2e


def query(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql).fetchall()


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Result]:
    """One demo run shared by the tests below (each run starts Prefect's temporary server)."""
    tmp_path = tmp_path_factory.mktemp("demo-run")
    folder = tmp_path / "demo"
    return folder, run_cli("demo", "--systems", "300", "--dir", str(folder), cwd=tmp_path)


def test_demo_runs_on_the_embedded_defaults_and_again_safely(first_run: tuple[Path, Result]) -> None:
    folder, first = first_run
    tmp_path = folder.parent
    assert first.code == 0, first.output
    assert_clean(first)
    db = folder / "lumen-migrate.db"
    assert db.exists() and (folder / "prefect.log").exists()

    # The printed summary says what the database holds.
    waves = query(db, "select count(*), min(planned_date), max(planned_date), sum(systems) from wave")[0]
    match = re.search(r"waves:\s+(\d+) from (\S+) to (\S+) \((\d+) systems", first.stdout)
    assert match, first.stdout
    assert (int(match[1]), match[2], match[3], int(match[4])) == waves
    strategies = dict(query(db, "select strategy, count(*) from assessment group by strategy"))
    printed = dict(re.findall(r"(\w+) (\d+)", re.search(r"strategies:\s+(.*)", first.stdout)[1]))  # type: ignore[index]
    assert {k: int(v) for k, v in printed.items()} == strategies
    not_ready = query(db, "select count(*) from assessment where readiness in ('not_ready', 'unknown')")[0][0]
    assert re.search(rf"not ready:\s+{not_ready}\b", first.stdout)

    # The pilot wave ran on the simulator; the injected failure was rolled back with nothing left behind.
    pilot = re.search(r"pilot run:\s+wave (\d+) on the simulator: (\d+) of (\d+) migrated; the injected failure "
                      r"\((\S+) at cutover\) was rolled back, 0 resource\(s\) left behind", first.stdout)
    assert pilot, first.stdout
    states = dict(query(db, "select name, state from system where state in ('migrated', 'rolled_back')"))
    assert states[pilot[4]] == "rolled_back"
    assert sum(1 for state in states.values() if state == "migrated") == int(pilot[2]) == int(pilot[3]) - 1
    moved = {row[0] for row in query(folder / "simulator" / "simulator.db", "select distinct system_id from resource")}
    assert moved == {row[0] for row in query(db, "select id from system where state = 'migrated'")}

    # The files a person opens: wave plan and savings workbooks with real numbers.
    plan = openpyxl.load_workbook(folder / "wave-plan.xlsx", read_only=True)
    plan_rows = list(plan["Plan"].iter_rows(min_row=2, values_only=True))
    plan.close()  # read-only workbooks keep their file open: an unclosed one warns (an error here) when collected
    assert len(plan_rows) == query(db, "select count(*) from assessment")[0][0]
    assert all(isinstance(row[0], int) for row in plan_rows if row[0] is not None)
    savings = openpyxl.load_workbook(folder / "reports" / "savings.xlsx", read_only=True)
    assert "Monthly" in savings.sheetnames
    monthly = list(savings["Monthly"].iter_rows(min_row=2, values_only=True))
    savings.close()
    assert len(monthly) == 12
    assert all(isinstance(cell, int | float) for row in monthly for cell in row[1:])
    assert (folder / "reports" / "savings.html").read_text(encoding="utf-8").count("<svg") >= 2

    # Again, in the same folder: safe, nothing duplicated, numbers consistent with the files.
    second = run_cli("--json", "demo", "--systems", "300", "--dir", str(folder), cwd=tmp_path)
    assert second.code == 0, second.output
    assert_clean(second)
    result = json.loads(second.stdout)
    assert result["import"]["systems"] == {"added": 0, "changed": 0, "unchanged": 300, "removed": 0}
    assert query(db, "select count(*) from system")[0][0] == 300
    assert query(db, "select count(*) from wave_member")[0][0] == result["plan"]["planned_systems"]
    assert result["assessment"]["by_strategy"] == strategies
    assert result["execution"]["status"] == "failed earlier", "the pilot is run once per demo folder"
    assert result["execution"]["rolled_back"] == 1
    book = openpyxl.load_workbook(folder / "reports" / "savings.xlsx", read_only=True)
    cumulative_12 = list(book["Monthly"].iter_rows(min_row=13, max_row=13, values_only=True))[0]
    book.close()
    assert round(float(cumulative_12[-1]), 2) == pytest.approx(result["savings"]["net_12_months"], abs=0.01)


def test_a_demo_folder_that_is_a_file_is_bad_input_in_one_line(tmp_path: Path) -> None:
    # The demo folder cannot be created where a file already stands: said before Prefect starts.
    (tmp_path / "taken").write_text("a file, not a folder", encoding="utf-8")
    result = run_cli("demo", "--systems", "20", "--dir", str(tmp_path / "taken"), cwd=tmp_path)
    assert result.code == 2, result.output
    assert_clean(result)
    assert result.stderr == f"error: --dir: {tmp_path / 'taken'} is a file, not a folder (nothing was written)\n"
    assert not (tmp_path / "lumen-migrate.log").exists(), "Prefect was never started"


@pytest.mark.browser
def test_the_demo_savings_page_renders_its_charts_in_chromium(first_run: tuple[Path, Result], tmp_path: Path) -> None:
    folder, first = first_run
    assert first.code == 0, first.output
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (Debian package chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    page_file = folder / "reports" / "savings.html"
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(page_file.as_uri())
            chart = page.locator("svg.chart-cumulative")
            assert chart.is_visible() and page.locator("svg.chart-by-wave").is_visible()
            assert chart.locator('path.series[data-series="Planned"]').count() == 1
            png = chart.screenshot(path=str(tmp_path / "demo-cumulative.png"))
            headline = page.locator("body").inner_text()
        finally:
            browser.close()
    assert "Net cash flow over the next 12 months" in headline
    painted = list(pixels(png))
    assert sum(1 for p in painted if min(p) < 235) > 0.02 * len(painted), "the chart is not blank"
    assert sum(1 for p in painted if near(p, PLANNED_BLUE)) > 200, "the planned cash-flow line is drawn"
