"""The savings report as a short Markdown text for a Prefect markdown artifact: the 12-month headline first, then
where the files are, the totals and the pricing scenarios."""

from __future__ import annotations

from collections.abc import Sequence

from flows.reports.money import USD, Money
from flows.reports.savings_tables import HEADLINE_MONTHS, headline_net, payback_text, payback_words, scenario_words
from migrations_plan.savings import PaybackStatus, SavingsReport


def markdown_summary(report: SavingsReport, money: Money = USD, files: Sequence[str] = ()) -> str:
    """ "Net cash flow over the next 12 months: +$X (payback in month N)", then the files written (absolute
    paths), planned vs realised totals and the pricing scenarios side by side, money in `money`."""
    planned, realised = report.planned, report.realised
    months = min(HEADLINE_MONTHS, planned.months)
    if planned.payback_status is PaybackStatus.PAID_BACK:
        payback = f"payback in month {planned.payback_month}"
    else:
        payback = f"payback: {payback_text(planned)}"
    lines = [
        f"## Migration savings from {planned.start:%Y-%m} ({scenario_words(planned.scenario)} pricing)",
        "",
        f"**Net cash flow over the next {months} months: {money.signed(headline_net(planned, months))}** "
        f"({payback}); NPV {money.text(planned.npv, decimals=0)}",
        "",
        money.note(),
    ]
    if files:
        # Paths as text: the Prefect UI drops file:// links, and a path is what a person copies anyway.
        lines += ["", "Files:", ""] + [f"- `{file}`" for file in files]
    lines += [
        "",
        f"| over {planned.months} months | planned | realised | variance |",
        "|---|---:|---:|---:|",
    ]
    figures = (
        ("Legacy cost avoided", planned.totals.legacy_avoided, realised.totals.legacy_avoided),
        ("Azure cost added", planned.totals.azure_added, realised.totals.azure_added),
        ("One-time costs", planned.totals.one_time, realised.totals.one_time),
        ("Net cash flow", planned.totals.net, realised.totals.net),
        (f"NPV at {planned.discount_rate:.1%}", planned.npv, realised.npv),
    )
    lines += [f"| {name} | {money.text(p)} | {money.text(r)} | {money.text(r - p)} |" for name, p, r in figures]
    if report.scenarios.results:
        lines += ["", "| pricing (planned) | net | NPV | payback |", "|---|---:|---:|---|"]
        lines += [f"| {scenario_words(r.scenario)} | {money.text(r.totals.net)} | {money.text(r.npv)} | "
                  f"{f'month {r.payback_month}' if r.payback_month else payback_words(r.payback_status)} |"
                  for r in report.scenarios.results]
    if planned.unscheduled:
        lines += ["", f"{len(planned.unscheduled):,} system(s) have no planned month and are not counted."]
    return "\n".join(lines) + "\n"
