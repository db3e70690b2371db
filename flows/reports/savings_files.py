"""The savings report as files: CSV, XLSX, JSON and a self-contained HTML page. Pure functions of the report.

CSV writes one file per view: `PATH` holds the monthly cash flow and `<stem>_<view>.csv` files sit beside it
(summary, by_wave, by_business_unit, by_strategy, scenarios, planned_vs_realised, assumptions, assessment,
systems).
Money is in the currency of the `Money` given (USD by default), converted as the rows are written, and rounded
to cents on output (totals are computed before rounding). Text cells starting with = + - @ (or a tab / carriage
return) get a leading ' so a spreadsheet never runs them as formulas.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson

from flows.reports.money import USD, Money
from flows.reports.savings_html import render_savings_html
from flows.reports.savings_tables import Cell, Column, Kind, Table, assessment_rows, month_text, report_tables
from flows.reports.savings_xlsx import savings_charts, write_xlsx_tables
from inventory.cells import FORMULA_STARTS, escape_formula
from inventory.records import COST_LINE_NAMES
from migrations_plan.pricing.currency import rate_dict
from migrations_plan.savings import BreakdownEntry, Projection, SavingsReport

SCHEMA_VERSION = 1


def csv_paths(report: SavingsReport, path: Path | str) -> tuple[Path, ...]:
    """The files `write_savings_csv(report, path)` writes: `path` (the monthly view), then one per other view."""
    path = Path(path)
    return (path, *(path.with_name(f"{path.stem}_{table.slug}{path.suffix or '.csv'}")
                    for table in report_tables(report) if table.slug != "monthly"))


def write_savings_csv(report: SavingsReport, path: Path | str, *, money: Money = USD) -> tuple[Path, ...]:
    """Write the monthly cash flow to `path` and every other view beside it; returns the files written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    others = []
    for table in report_tables(report, money):
        if table.slug == "monthly":
            _write_csv_table(table, path)
        else:
            target = path.with_name(f"{path.stem}_{table.slug}{path.suffix or '.csv'}")
            _write_csv_table(table, target, system_csv_rows(report, money) if table.slug == "systems" else None)
            others.append(target)
    return (path, *others)


def _write_csv_table(table: Table, target: Path, rows: Iterable[Sequence[object]] | None = None) -> None:
    """Write a table; `rows` (already formatted) replaces the generic per-kind formatting when given."""
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([escape_formula(column.title) for column in table.columns])
        if rows is None:
            rows = map(_csv_row_formatter(table.columns, mixed=table.mixed), table.rows())
        writer.writerows(rows)


def _month_texts() -> Callable[[dt.date | None], str | None]:
    """month_text(), remembered per month: 100,000 systems share a few dozen months."""
    months: dict[dt.date | None, str | None] = {None: None}

    def month(value: dt.date | None) -> str | None:
        text = months.get(value)
        if text is None and value is not None:
            text = months[value] = month_text(value)
        return text

    return month


def system_csv_rows(report: SavingsReport, money: Money = USD) -> Iterator[list[object]]:
    """The Systems table formatted for CSV in one step: the generic formatter's output (tests check they agree)
    without its per-cell passes, which matter at 100,000 rows."""
    month = _month_texts()

    def text(value: str | None) -> str | None:
        return escape_formula(value) if value else value

    r, k = round, money.factor
    for p, q in report.system_pairs():
        h, li, f, la, n = p.legacy_lines
        h, li, f, la, n = h * k, li * k, f * k, la * k, n * k
        planned_net = (p.legacy_avoided - p.azure_added - p.one_time_in_horizon) * k
        realised_net = (q.legacy_avoided - q.azure_added - q.one_time_in_horizon) * k
        yield [text(p.id), text(p.name), text(p.business_unit), text(p.application), p.strategy, p.wave_number,
               month(p.month), month(q.month), p.status, q.status, r(h * 100) / 100, r(li * 100) / 100,
               r(f * 100) / 100, r(la * 100) / 100, r(n * 100) / 100, ", ".join(p.default_lines) or "none",
               "yes" if p.size_assumed else "no", r(p.legacy_monthly_avoided * k * 100) / 100,
               r(p.azure_monthly * k * 100) / 100, r(p.one_time * k * 100) / 100, r(planned_net * 100) / 100,
               r(realised_net * 100) / 100, r((realised_net - planned_net) * 100) / 100]


def _csv_row_formatter(columns: tuple[Column, ...], *, mixed: bool) -> Callable[[Sequence[object]], list[object]]:
    """A function formatting a whole row: per-kind index lists instead of a call per cell (the Systems table
    has millions of cells). Cells wrapped in `Cell` (Summary, Assumptions) take the slower generic path."""
    texts = [i for i, c in enumerate(columns) if c.kind is Kind.TEXT]
    money = [i for i, c in enumerate(columns) if c.kind is Kind.MONEY]
    months = [i for i, c in enumerate(columns) if c.kind is Kind.MONTH]
    month_texts: dict[object, str] = {}

    def format_row(row: Sequence[object]) -> list[object]:
        out = list(row)
        if mixed:
            for i, value in enumerate(out):
                if isinstance(value, Cell):
                    out[i] = _csv_value(value.value, value.kind)
        for i in texts:
            value = out[i]
            if value is not None and (not isinstance(value, str) or value.startswith(FORMULA_STARTS)):
                out[i] = escape_formula(str(value))
        for i in money:
            value = out[i]
            if type(value) is float or type(value) is int:
                out[i] = round(value * 100) / 100  # cents, as round(value, 2) at half the cost
        for i in months:
            value = out[i]
            if value is not None:
                text = month_texts.get(value)
                if text is None:
                    text = month_texts[value] = month_text(value) if isinstance(value, dt.date) else str(value)
                out[i] = text
        return out

    return format_row


def _csv_value(value: object, kind: Kind) -> object:
    if value is None:
        return ""
    if kind is Kind.TEXT:
        return escape_formula(str(value))
    if kind in (Kind.MONEY, Kind.USD) and isinstance(value, float):
        return round(value, 2)
    if kind is Kind.MONTH and isinstance(value, dt.date):
        return month_text(value)
    return value


def write_savings_xlsx(report: SavingsReport, path: Path | str, *, money: Money = USD) -> Path:
    """One sheet per view, real numbers with currency formats, frozen header rows, native charts."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_xlsx_tables(report_tables(report, money), path, money=money, charts=savings_charts(report, money))
    return path


def write_savings_html(report: SavingsReport, path: Path | str, *, money: Money = USD) -> Path:
    """A single self-contained page (inline CSS and SVG charts, no script, nothing fetched)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_savings_html(report, money), encoding="utf-8")
    return path


def write_savings_json(report: SavingsReport, path: Path | str, *, money: Money = USD) -> Path:
    """The whole report as one JSON document (systems as a `columns` + `rows` table, like pandas' "split")."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # orjson encodes the 100,000-row systems table several times faster than json; every figure is finite
    # (SavingsSystem refuses NaN and infinities), so its NaN-as-null rule never applies.
    path.write_bytes(orjson.dumps(savings_json(report, money)))
    return path


def savings_json(report: SavingsReport, money: Money = USD) -> dict[str, Any]:
    """The JSON document as Python data (money in `money`'s currency, rounded to cents; months as "YYYY-MM").
    `exchange_rate` says how USD was converted (null when the money is USD)."""
    c = _cents(money.factor)
    return {
        "schema_version": SCHEMA_VERSION,
        "currency": money.code,
        "exchange_rate": None if money.rate is None else rate_dict(money.rate),
        "start": month_text(report.start),
        "months": report.months,
        "scenario": report.scenario,
        "planned": _projection_json(report.planned, c),
        "realised": _projection_json(report.realised, c),
        "variance": [{"month": month_text(v.month), "planned_net": c(v.planned_net),
                      "realised_net": c(v.realised_net), "variance_net": c(v.variance_net),
                      "planned_cumulative": c(v.planned_cumulative),
                      "realised_cumulative": c(v.realised_cumulative),
                      "variance_cumulative": c(v.variance_cumulative)} for v in report.variance],
        "scenarios": [{"scenario": r.scenario, **_totals_json(r.totals.legacy_avoided, r.totals.azure_added,
                                                              r.totals.one_time, c),
                       "npv": c(r.npv), "payback_month": r.payback_month,
                       "payback_status": r.payback_status.value, "cumulative": [c(x) for x in r.cumulative]}
                      for r in report.scenarios.results],
        # Inputs, in USD as the model takes them (their units say so).
        "assumptions": [{"key": row.key, "value": row.value, "unit": row.unit, "source": row.source}
                        for row in report.assumption_rows],
        "assessment": dict(assessment_rows(report)),
        "systems": {"columns": list(JSON_SYSTEM_COLUMNS), "rows": list(_system_json_rows(report, money.factor))},
    }


def _cents(factor: float) -> Callable[[float], float]:
    """USD to the report's currency, rounded to cents."""
    def c(value: float) -> float:
        return round(value * factor * 100) / 100
    return c


def _totals_json(legacy: float, azure: float, one_time: float, c: Callable[[float], float]) -> dict[str, float]:
    return {"legacy_avoided": c(legacy), "azure_added": c(azure), "one_time": c(one_time),
            "net": c(legacy - azure - one_time)}


def _breakdown_json(entries: dict[str, BreakdownEntry], c: Callable[[float], float]) -> list[dict[str, Any]]:
    return [{"key": e.key, "systems": e.systems,
             **_totals_json(e.totals.legacy_avoided, e.totals.azure_added, e.totals.one_time, c),
             "monthly_net": [c(x) for x in e.monthly_net]} for e in entries.values()]


def _projection_json(p: Projection, c: Callable[[float], float]) -> dict[str, Any]:
    return {
        "basis": p.basis.value, "scenario": p.scenario, "start": month_text(p.start), "months": p.months,
        "discount_rate": p.discount_rate, "dual_running_months": p.dual_running_months,
        "totals": _totals_json(p.totals.legacy_avoided, p.totals.azure_added, p.totals.one_time, c),
        "npv": c(p.npv), "payback_month": p.payback_month, "payback_status": p.payback_status.value,
        "monthly": [{"month": month_text(r.month), "legacy_avoided": c(r.legacy_avoided),
                     "azure_added": c(r.azure_added), "one_time": c(r.one_time), "net": c(r.net),
                     "cumulative": c(r.cumulative)} for r in p.monthly],
        "by_wave": _breakdown_json(dict(p.by_wave), c),
        "by_business_unit": _breakdown_json(dict(p.by_business_unit), c),
        "by_strategy": _breakdown_json(dict(p.by_strategy), c),
        "unscheduled": list(p.unscheduled),
    }


JSON_SYSTEM_COLUMNS: tuple[str, ...] = (
    "id", "name", "business_unit", "application", "strategy", "wave_number", "planned_month", "realised_month",
    "planned_status", "realised_status", *(f"legacy_{name}_annual" for name in COST_LINE_NAMES),
    "default_lines", "size_assumed", "legacy_monthly_avoided", "azure_monthly", "one_time",
    "planned_net", "realised_net",
)


def _system_json_rows(report: SavingsReport, k: float) -> Iterator[list[Any]]:
    month = _month_texts()

    # round(x * 100) / 100 gives the same cents as round(x, 2) at half the cost; strategies and statuses are
    # str enums, which json writes as their values. `h` is 100 x the rate, so each amount is one multiplication.
    r, h = round, 100 * k
    for p, q in report.system_pairs():
        hw, li, f, la, n = p.legacy_lines
        yield [p.id, p.name, p.business_unit, p.application, p.strategy, p.wave_number, month(p.month),
               month(q.month), p.status, q.status, r(hw * h) / 100, r(li * h) / 100, r(f * h) / 100,
               r(la * h) / 100, r(n * h) / 100, list(p.default_lines), p.size_assumed,
               r(p.legacy_monthly_avoided * h) / 100, r(p.azure_monthly * h) / 100, r(p.one_time * h) / 100,
               r((p.legacy_avoided - p.azure_added - p.one_time_in_horizon) * h) / 100,
               r((q.legacy_avoided - q.azure_added - q.one_time_in_horizon) * h) / 100]
