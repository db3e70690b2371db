"""The savings report as one self-contained HTML page: inline CSS, inline SVG charts, no script, no fetches.

The Systems table is cut at `HTML_SYSTEM_ROWS` rows (a 100,000-row table makes a page no browser enjoys); the
page says so and points to the XLSX/CSV/JSON files, which hold every system.
"""

from __future__ import annotations

import datetime as dt
from html import escape
from itertools import islice

from flows.reports.savings_tables import (
    Cell,
    Column,
    Kind,
    Table,
    headline_net,
    month_text,
    payback_text,
    report_tables,
)
from flows.reports.svg_charts import Series, bar_chart, line_chart
from migrations_plan.savings import SavingsReport

HTML_SYSTEM_ROWS = 1000
PLANNED_COLOUR = "#1f6feb"
REALISED_COLOUR = "#e36209"

_CSS = """
body { font-family: system-ui, sans-serif; margin: 24px; color: #111; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
.headline { font-size: 18px; margin: 8px 0 16px; } .note { color: #555; font-size: 12px; margin: 4px 0; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
.chart { border: 1px solid #ddd; border-radius: 4px; }
table { border-collapse: collapse; font-size: 12px; margin-bottom: 8px; }
th, td { border: 1px solid #ddd; padding: 3px 6px; } th { background: #f4f4f4; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.neg { color: #c62828; } .scroll { overflow-x: auto; max-width: 100%; }
"""


def money_text(value: float) -> str:
    """$1,234.56 / -$1,234.56."""
    return f"-${-value:,.2f}" if value < 0 else f"${value:,.2f}"


def signed_money_text(value: float) -> str:
    """+$1,234 / -$1,234 (whole dollars, for headlines)."""
    return f"-${-value:,.0f}" if value < 0 else f"+${value:,.0f}"


def render_savings_html(report: SavingsReport) -> str:
    """The whole page as a string."""
    planned = report.planned
    headline_months = min(12, planned.months)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Savings report from {month_text(report.start)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>Migration savings from {month_text(report.start)}, {report.months} months "
        f"({escape(report.scenario)} pricing)</h1>",
        f'<p class="headline">Net cash flow over the next {headline_months} months: '
        f"<strong>{signed_money_text(headline_net(planned, headline_months))}</strong> "
        f"(payback: {escape(payback_text(planned))})"
        + (f"; over {planned.months} months: <strong>{signed_money_text(planned.totals.net)}</strong>"
           if planned.months != headline_months else "")
        + f"; NPV {money_text(planned.npv)}.</p>",
        '<div class="charts">',
        _cumulative_chart(report),
        _wave_chart(report),
        "</div>",
    ]
    for table in report_tables(report):
        parts.append(_table_html(table))
    parts.append("</body></html>")
    return "\n".join(parts)


def _cumulative_chart(report: SavingsReport) -> str:
    labels = [month_text(row.month) for row in report.planned.monthly]
    return line_chart(
        labels,
        [Series("Planned", [row.cumulative for row in report.planned.monthly], PLANNED_COLOUR),
         Series("Realised", [row.cumulative for row in report.realised.monthly], REALISED_COLOUR)],
        title="Cumulative net cash flow (USD)", css_class="chart-cumulative",
    )


def _wave_chart(report: SavingsReport) -> str:
    entries = list(report.planned.by_wave.values())
    labels = [entry.key if entry.key == "no wave" else f"W{entry.key}" for entry in entries]
    return bar_chart(labels, [entry.totals.net for entry in entries],
                     title=f"Net cash flow by wave over {report.months} months (planned, USD)",
                     css_class="chart-by-wave")


def _table_html(table: Table) -> str:
    rows = table.rows()
    limit = HTML_SYSTEM_ROWS if table.slug == "systems" else None
    body = []
    for row in islice(rows, None if limit is None else limit + 1):
        cells = (_cell_html(value, column) for value, column in zip(row, table.columns, strict=True))
        body.append("<tr>" + "".join(cells) + "</tr>")
    notes = [table.note] if table.note else []
    if limit is not None and len(body) > limit:
        del body[limit:]
        notes.append(f"The first {HTML_SYSTEM_ROWS:,} systems are shown; the XLSX, CSV and JSON reports list them all.")
    header = "".join(f"<th>{escape(column.title)}</th>" for column in table.columns)
    return (f'<section id="{table.slug}"><h2>{escape(table.name)}</h2>'
            + "".join(f'<p class="note">{escape(note)}</p>' for note in notes)
            + f'<div class="scroll"><table><thead><tr>{header}</tr></thead><tbody>'
            + "\n".join(body) + "</tbody></table></div></section>")


def _cell_html(value: object, column: Column) -> str:
    kind = column.kind
    if isinstance(value, Cell):
        kind = value.kind
        value = value.value
    if value is None:
        return "<td></td>"
    if kind is Kind.MONEY and isinstance(value, int | float):
        css = "num neg" if value < 0 else "num"
        return f'<td class="{css}">{money_text(value)}</td>'
    if kind is Kind.SHARE and isinstance(value, int | float):
        return f'<td class="num">{value:.1%}</td>'
    if kind in (Kind.NUMBER, Kind.INTEGER) and isinstance(value, int | float):
        return f'<td class="num">{value:,.10g}</td>'
    if kind is Kind.MONTH and isinstance(value, dt.date):
        return f"<td>{month_text(value)}</td>"
    return f"<td>{escape(str(value))}</td>"
