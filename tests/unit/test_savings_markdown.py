"""The Markdown summary for the Prefect artifact: the 12-month headline, the files, then the totals and scenarios,
in the report's currency."""

from __future__ import annotations

import datetime as dt

import pytest

from flows.reports.money import Money
from flows.reports.savings_markdown import markdown_summary
from migrations_plan.pricing.currency import ExchangeRate
from migrations_plan.savings import SavingsSystem, build_savings_report, default_assumptions
from migrations_plan.strategy_types import Strategy

JAN = dt.date(2026, 1, 1)


def estate(month: dt.date, *, azure: float, one_time_gb: float = 0.0) -> list[SavingsSystem]:
    """One rehosted system: 2,400 a year of legacy cost (200 a month), one-time 1,500 + data transfer."""
    return [SavingsSystem(id="a", name="a", strategy=Strategy.REHOST, wave_number=1, planned_month=month,
                          cost_lines={"hardware": 2400.0, "licences": 0.0, "facilities": 0.0, "labour": 0.0,
                                      "network": 0.0},
                          azure_monthly={"payg": azure, "ri3y": azure / 2}, migration_data_gb=one_time_gb)]


@pytest.mark.parametrize(("months", "azure", "headline"), [
    # Jan: -50 - 1,500; Feb..Dec: +150 x 11 = 1,650 -> +100 over 12 months; cumulative >= 0 first in Dec.
    (12, 50.0, "**Net cash flow over the next 12 months: +$100** (payback in month 12)"),
    # 36 months: the headline still covers 12 months; payback at month 12 too.
    (36, 50.0, "**Net cash flow over the next 12 months: +$100** (payback in month 12)"),
    # Azure dearer than legacy: never pays back.
    (12, 250.0, "**Net cash flow over the next 12 months: -$2,300** (payback: not within 12 months)"),
    # A 6-month report says 6 months: -50 - 1,500 + 150 x 5 = -800.
    (6, 50.0, "**Net cash flow over the next 6 months: -$800** (payback: not within 6 months)"),
])
def test_headline(months: int, azure: float, headline: str) -> None:
    report = build_savings_report(estate(JAN, azure=azure), default_assumptions(), start=JAN, months=months)
    text = markdown_summary(report)
    assert text.splitlines()[2].startswith(headline + "; NPV ")


def test_table_shows_planned_realised_variance_and_scenarios() -> None:
    report = build_savings_report(estate(JAN, azure=50.0), default_assumptions(), start=JAN, months=12)
    text = markdown_summary(report)
    assert "| Net cash flow | $100.00 | $0.00 | -$100.00 |" in text
    assert "| Pay-as-you-go | $100.00 |" in text
    assert "| 3-year reserved | $400.00 |" in text  # Azure 25 instead of 50 for 12 months
    assert "payg" not in text and "_" not in text.replace("\n", ""), "words, not the scenarios' codes"


def test_money_in_the_reports_currency_with_its_rate_and_the_files_linked() -> None:
    report = build_savings_report(estate(JAN, azure=50.0), default_assumptions(), start=JAN, months=12)
    euro = Money.of(ExchangeRate("EUR", 0.5, dt.date(2026, 8, 3), "a test rate"))
    text = markdown_summary(report, euro, ["/srv/reports/savings 1.xlsx", "/srv/reports/savings 1.html"])
    lines = text.splitlines()
    assert lines[2].startswith("**Net cash flow over the next 12 months: +EUR 50** (payback in month 12); NPV EUR ")
    assert lines[4] == ("Money in EUR, converted from USD (the model's currency) at 0.5 EUR per USD, rate of "
                        "2026-08-03 (a test rate).")
    assert lines[6:10] == ["Files:", "", "- `/srv/reports/savings 1.xlsx`", "- `/srv/reports/savings 1.html`"]
    assert "| Net cash flow | EUR 50.00 | EUR 0.00 | -EUR 50.00 |" in text
