"""The HTML savings report rendered in headless Chromium: the charts are drawn, visible and not blank; a
1,000-system page stays a few screens tall, labels every bar, shows words rather than codes, and prints with
nothing lost (screenshots and the first printed page under test-artifacts/screenshots)."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from flows.reports.money import Money
from flows.reports.savings_files import write_savings_html
from migrations_plan.pricing.currency import default_rates
from migrations_plan.savings import SavingsSystem, add_months, build_savings_report, default_assumptions
from migrations_plan.strategy_types import Strategy
from tests.e2e.browser import NEGATIVE_RED, PLANNED_BLUE, POSITIVE_GREEN, chromium, near, pixels
from tests.e2e.ui import artifacts_dir, keep_screenshot

pytestmark = pytest.mark.browser

# A word_joined_by_underscores: what an enum value or a data key looks like, and what a reader should never see.
SNAKE_CASE = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")
SCREEN = {"width": 1400, "height": 1000}

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


@pytest.fixture
def thousand_systems(tmp_path: Path) -> Path:
    """1,000 systems in 40 waves over 36 months, some retired or retained (no wave), in EUR."""
    start = dt.date(2026, 1, 1)
    strategies = [Strategy.REHOST] * 6 + [Strategy.REPLATFORM, Strategy.REFACTOR, Strategy.RETIRE, Strategy.RETAIN]
    systems = []
    for i in range(1000):
        strategy = strategies[i % len(strategies)]
        block = (i // len(strategies)) % 40
        wave = None if strategy in (Strategy.RETIRE, Strategy.RETAIN) else block
        month = add_months(start, block * 36 // 40)
        systems.append(SavingsSystem(
            id=f"sys{i:04d}", name=f"srv{i:04d}", strategy=strategy, business_unit=f"Unit {i % 12}",
            wave_number=wave, planned_month=month if strategy is not Strategy.RETAIN else None,
            realised_month=month if wave is not None and wave < 10 else None, cores=4 + i % 5, storage_gb=200,
            cost_lines={"hardware": 6000.0, "labour": 3000.0, "licences": 1800.0} if i % 3 else {},
            azure_monthly={"payg": 90.0 + (i % 17) * 60, "ri3y": 60.0 + (i % 17) * 40}, migration_data_gb=100))
    report = build_savings_report(systems, default_assumptions(), start=start, months=36, scenario="ri3y")
    return write_savings_html(report, tmp_path / "savings.html", money=Money.of(default_rates().get("EUR")))


def test_a_thousand_systems_page_is_short_labels_every_bar_and_shows_words(thousand_systems: Path) -> None:
    with chromium() as browser:
        page = browser.new_page(viewport=SCREEN)
        page.goto(thousand_systems.as_uri())
        height = page.evaluate("document.documentElement.scrollHeight")
        assert height < 5 * SCREEN["height"], f"a few screens, not {height} px"  # 59,000 px before tables folded
        systems = page.locator("#systems")
        assert systems.locator("summary").inner_text() == "Show the table (1,000 systems)"
        assert not systems.locator("tbody tr").first.is_visible(), "collapsed until asked for"
        keep_screenshot(page, "savings-html-1000-systems")

        # One bar per wave and one for the systems in none, each with its label beside it.
        chart = page.locator("svg.chart-by-wave")
        labels = chart.locator("text.bar-label").all_text_contents()
        assert labels == [f"W{n}" for n in range(40)] + ["No wave (retired/retained)"]
        assert chart.locator("rect.bar").count() == len(labels)
        frame = chart.bounding_box()
        assert frame is not None
        for label in chart.locator("text.bar-label").all():
            box = label.bounding_box()
            assert box is not None and box["x"] >= frame["x"] and box["height"] > 5, label.text_content()
        assert "EUR " in (chart.text_content() or "")

        # Words, not codes, in everything a reader sees, the collapsed tables opened too.
        for summary in page.locator("details > summary").all():
            summary.click()
        assert systems.locator("tbody tr").first.is_visible()
        text = page.locator("body").inner_text()
        assert "3-year reserved" in text and "paid back" in text and "Migration labour per system: rehost" in text
        assert SNAKE_CASE.findall(text) == []
        money = [section.inner_text() for section in page.locator("section").all()
                 if section.get_attribute("id") != "assumptions"]  # the model's inputs, in USD as their unit says
        assert all("$" not in section for section in money), "money in EUR throughout"


def test_the_page_prints_everything_with_charts_within_the_page(thousand_systems: Path, tmp_path: Path) -> None:
    with chromium() as browser:
        page = browser.new_page(viewport=SCREEN)
        page.goto(thousand_systems.as_uri())
        page.emulate_media(media="print")
        systems = page.locator("#systems")
        assert systems.locator("tbody tr").first.is_visible(), "a collapsed table prints open"
        assert systems.locator("tbody tr").last.is_visible()
        assert not systems.locator("summary").is_visible()
        assert systems.evaluate("s => getComputedStyle(s).breakBefore") == "page", "each view on its own page"
        pdf = tmp_path / "savings.pdf"
        page.pdf(path=str(pdf), format="A4", landscape=True, prefer_css_page_size=True)
        # The printable width of landscape A4 with 12 mm margins, in CSS pixels (96 per inch).
        printable = (297 - 2 * 12) / 25.4 * 96
        page.set_viewport_size({"width": int(printable), "height": 700})
        for chart in page.locator("svg.chart").all():
            box = chart.bounding_box()
            assert box is not None and box["width"] <= printable + 1 and box["height"] <= 180 / 25.4 * 96 + 1
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))
    assert pages > 20, f"every system printed: {pages} pages"
    if shutil.which("pdftoppm"):
        for number in (1, 2):
            subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", str(number), "-l", str(number), "-singlefile",
                            str(pdf), str(artifacts_dir() / f"savings-html-printed-page-{number}")], check=True,
                           timeout=60)
