"""The savings report as one self-contained HTML page: inline CSS, inline SVG charts, no script, no fetches.

Written for a person: the headline, two charts, then every view. A page of 1,000 systems stays a few screens
tall: a long table (the Systems table always) is collapsed under a line saying what it holds, and opens on a
click. Printed, nothing is lost: collapsed tables print open, charts shrink to the page's width, and each view
starts on a page of its own. The Systems table is cut at `HTML_SYSTEM_ROWS` rows (a 100,000-row table makes a
page no browser enjoys); the page says so and points to the XLSX/CSV/JSON files, which hold every system.
"""

from __future__ import annotations

import datetime as dt
from html import escape
from itertools import islice

from flows.reports.money import USD, Money, compact_amount
from flows.reports.savings_tables import (
    Cell,
    Column,
    Kind,
    Table,
    headline_net,
    month_text,
    payback_text,
    report_tables,
    scenario_words,
    wave_label,
)
from flows.reports.svg_charts import Series, bar_chart, line_chart
from migrations_plan.pricing.currency import BASE_CURRENCY, format_money
from migrations_plan.savings import SavingsReport

HTML_SYSTEM_ROWS = 1000
# A table longer than this is collapsed (the Systems table always is; the monthly cash flow, the report's core,
# never is).
OPEN_TABLE_ROWS = 24
PLANNED_COLOUR = "#1f6feb"
REALISED_COLOUR = "#e36209"
_USD_NOTE = "Assumptions are in USD, as the model takes them."

_CSS = """
body { font-family: system-ui, sans-serif; margin: 24px; color: #111; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
.headline { font-size: 18px; margin: 8px 0 16px; } .note { color: #555; font-size: 12px; margin: 4px 0; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
.chart { border: 1px solid #ddd; border-radius: 4px; max-width: 100%; height: auto; }
table { border-collapse: collapse; font-size: 12px; margin-bottom: 8px; }
th, td { border: 1px solid #ddd; padding: 3px 6px; } th { background: #f4f4f4; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.neg { color: #c62828; } .scroll { overflow-x: auto; max-width: 100%; }
details > summary { cursor: pointer; color: #1f4fb0; font-size: 13px; margin: 4px 0 8px; }
@media print {
  @page { size: A4 landscape; margin: 12mm; }
  body { margin: 0; font-size: 11px; }
  .charts { display: block; }
  .chart { display: block; width: auto; height: auto; max-width: 100%; max-height: 180mm; margin: 0 0 6mm;
           border: none; break-inside: avoid; }
  section { break-before: page; page-break-before: always; }
  h2 { break-after: avoid; }
  table { font-size: 10px; } th, td { padding: 1px 3px; }
  thead { display: table-header-group; } tr { break-inside: avoid; }
  .scroll { overflow: visible; }
  details > summary { display: none; }
  details::details-content { content-visibility: visible; display: contents; }
}
"""


def render_savings_html(report: SavingsReport, money: Money = USD) -> str:
    """The whole page as a string, money in `money`'s currency."""
    planned = report.planned
    headline_months = min(12, planned.months)
    pricing = scenario_words(report.scenario)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Savings report from {month_text(report.start)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>Migration savings from {month_text(report.start)}, {report.months} months "
        f"({escape(pricing)} pricing)</h1>",
        f'<p class="headline">Net cash flow over the next {headline_months} months: '
        f"<strong>{escape(money.signed(headline_net(planned, headline_months)))}</strong> "
        f"(payback: {escape(payback_text(planned))})"
        + (f"; over {planned.months} months: <strong>{escape(money.signed(planned.totals.net))}</strong>"
           if planned.months != headline_months else "")
        + f"; NPV {escape(money.text(planned.npv, decimals=0))}.</p>",
        f'<p class="note">{escape(money.note())} {_USD_NOTE}</p>',
        '<div class="charts">',
        _cumulative_chart(report, money),
        _wave_chart(report, money),
        "</div>",
    ]
    for table in report_tables(report, money):
        parts.append(_table_html(table, money))
    parts.append("</body></html>")
    return "\n".join(parts)


def _cumulative_chart(report: SavingsReport, money: Money) -> str:
    """Charts get amounts in the report's currency, so their axes step in round amounts of it."""
    labels = [month_text(row.month) for row in report.planned.monthly]
    return line_chart(
        labels,
        [Series("Planned", [money.amount(row.cumulative) for row in report.planned.monthly], PLANNED_COLOUR),
         Series("Realised", [money.amount(row.cumulative) for row in report.realised.monthly], REALISED_COLOUR)],
        title=f"Cumulative net cash flow ({money.code})", css_class="chart-cumulative",
        amount=lambda value: compact_amount(value, money.code),
    )


def _wave_chart(report: SavingsReport, money: Money) -> str:
    entries = list(report.planned.by_wave.values())
    return bar_chart([wave_label(entry.key) for entry in entries],
                     [money.amount(entry.totals.net) for entry in entries],
                     title=f"Net cash flow by wave over {report.months} months (planned, {money.code})",
                     css_class="chart-by-wave", amount=lambda value: compact_amount(value, money.code))


def _table_html(table: Table, money: Money) -> str:
    columns = [(i, column) for i, column in enumerate(table.columns) if not column.machine]
    limit = HTML_SYSTEM_ROWS if table.slug == "systems" else None
    body = []
    for row in islice(table.rows(), None if limit is None else limit + 1):
        body.append("<tr>" + "".join(_cell_html(row[i], column, money) for i, column in columns) + "</tr>")
    notes = [table.note] if table.note else []
    cut = limit is not None and len(body) > limit
    if cut:
        del body[HTML_SYSTEM_ROWS:]
        notes.append(f"The first {HTML_SYSTEM_ROWS:,} systems are shown; the XLSX, CSV and JSON reports list them all.")
    header = "".join(f"<th>{escape(column.title)}</th>" for _, column in columns)
    content = (f'<div class="scroll"><table><thead><tr>{header}</tr></thead><tbody>' + "\n".join(body)
               + "</tbody></table></div>")
    if table.slug == "systems" or (len(body) > OPEN_TABLE_ROWS and table.slug != "monthly"):
        shown = f"{'the first ' if cut else ''}{len(body):,} {'systems' if table.slug == 'systems' else 'rows'}"
        content = f"<details><summary>Show the table ({shown})</summary>{content}</details>"
    return (f'<section id="{table.slug}"><h2>{escape(table.name)}</h2>'
            + "".join(f'<p class="note">{escape(note)}</p>' for note in notes) + content + "</section>")


def _cell_html(value: object, column: Column, money: Money) -> str:
    kind = column.kind
    if isinstance(value, Cell):
        kind = value.kind
        value = value.value
    if value is None:
        return "<td></td>"
    if kind in (Kind.MONEY, Kind.USD) and isinstance(value, int | float):
        css = "num neg" if value < 0 else "num"
        # Table values are already in the report's currency (assumptions in USD): formatted, not converted.
        text = format_money(value, money.code if kind is Kind.MONEY else BASE_CURRENCY, decimals=2)
        return f'<td class="{css}">{escape(text)}</td>'
    if kind is Kind.SHARE and isinstance(value, int | float):
        return f'<td class="num">{value:.1%}</td>'
    if kind in (Kind.NUMBER, Kind.INTEGER) and isinstance(value, int | float):
        return f'<td class="num">{value:,.10g}</td>'
    if kind is Kind.MONTH and isinstance(value, dt.date):
        return f"<td>{month_text(value)}</td>"
    return f"<td>{escape(str(value))}</td>"
