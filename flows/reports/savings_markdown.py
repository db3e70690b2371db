"""The savings report as a short Markdown text for a Prefect markdown artifact: the 12-month headline first."""

from __future__ import annotations

from flows.reports.savings_html import money_text, signed_money_text
from flows.reports.savings_tables import HEADLINE_MONTHS, headline_net, payback_text
from migrations_plan.savings import PaybackStatus, SavingsReport


def markdown_summary(report: SavingsReport) -> str:
    """ "Net cash flow over the next 12 months: +$X (payback in month N)", then planned vs realised totals
    and the pricing scenarios side by side."""
    planned, realised = report.planned, report.realised
    months = min(HEADLINE_MONTHS, planned.months)
    if planned.payback_status is PaybackStatus.PAID_BACK:
        payback = f"payback in month {planned.payback_month}"
    else:
        payback = f"payback: {payback_text(planned)}"
    lines = [
        f"## Migration savings from {planned.start:%Y-%m} ({planned.scenario} pricing)",
        "",
        f"**Net cash flow over the next {months} months: {signed_money_text(headline_net(planned, months))}** "
        f"({payback})",
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
    lines += [f"| {name} | {money_text(p)} | {money_text(r)} | {money_text(r - p)} |" for name, p, r in figures]
    if report.scenarios.results:
        lines += ["", "| scenario (planned) | net | NPV | payback |", "|---|---:|---:|---|"]
        lines += [f"| {r.scenario} | {money_text(r.totals.net)} | {money_text(r.npv)} | "
                  f"{f'month {r.payback_month}' if r.payback_month else r.payback_status.value.replace('_', ' ')} |"
                  for r in report.scenarios.results]
    if planned.unscheduled:
        lines += ["", f"{len(planned.unscheduled):,} system(s) have no planned month and are not counted."]
    return "\n".join(lines) + "\n"
