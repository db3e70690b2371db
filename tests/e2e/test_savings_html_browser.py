"""The HTML savings report rendered in headless Chromium: the charts are drawn, visible and not blank."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from flows.reports.savings_files import write_savings_html
from migrations_plan.savings import SavingsSystem, build_savings_report, default_assumptions
from migrations_plan.strategy_types import Strategy
from tests.e2e.browser import NEGATIVE_RED, PLANNED_BLUE, POSITIVE_GREEN, chromium, near, pixels

pytestmark = pytest.mark.browser

@pytest.fixture
def html_report(tmp_path: Path) -> Path:
    jan = dt.date(2026, 1, 1)
    systems = [
        SavingsSystem(id=f"s{i}", name=f"srv{i}", strategy=Strategy.REHOST, wave_number=wave,
                      planned_month=dt.date(2026, wave, 1),
                      realised_month=dt.date(2026, wave, 1) if wave == 1 else None,
                      cost_lines={"hardware": 6000.0, "licences": 1200.0, "facilities": 600.0, "labour": 2400.0,
                                  "network": 600.0},  # 10,800 a year, 900 a month
                      azure_monthly={"payg": 150.0 if wave < 3 else 1200.0}, migration_data_gb=300)
        for i, wave in enumerate([1, 1, 2, 2, 3])
    ]
    report = build_savings_report(systems, default_assumptions(), start=jan, months=12)
    assert report.planned.by_wave["3"].totals.net < 0 < report.planned.by_wave["1"].totals.net
    return write_savings_html(report, tmp_path / "savings.html")


def test_charts_render_with_visible_lines_and_bars(html_report: Path, tmp_path: Path) -> None:
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.goto(html_report.as_uri())
        cumulative = page.locator("svg.chart-cumulative")
        by_wave = page.locator("svg.chart-by-wave")
        # DOM: two cumulative lines with a point per month, one bar per wave.
        assert cumulative.locator("path.series").count() == 2
        d = cumulative.locator('path.series[data-series="Planned"]').get_attribute("d") or ""
        assert d.startswith("M ") and d.count(" L ") == 11
        assert by_wave.locator("rect.bar").count() == 3
        box = cumulative.bounding_box()
        assert box is not None and box["width"] > 600 and box["height"] > 250
        assert cumulative.is_visible() and by_wave.is_visible()
        line_png = cumulative.screenshot(path=str(tmp_path / "cumulative.png"))
        bars_png = by_wave.screenshot(path=str(tmp_path / "by_wave.png"))
    assert requests == [html_report.as_uri()], "the page fetched nothing else"
    # Pixels: the chart area is not blank, and the series colours were actually painted.
    line_pixels = list(pixels(line_png))
    non_white = sum(1 for p in line_pixels if min(p) < 235)
    assert non_white > 0.02 * len(line_pixels)
    assert sum(1 for p in line_pixels if near(p, PLANNED_BLUE)) > 200
    bar_pixels = list(pixels(bars_png))
    assert sum(1 for p in bar_pixels if near(p, POSITIVE_GREEN)) > 500
    assert sum(1 for p in bar_pixels if near(p, NEGATIVE_RED)) > 100
