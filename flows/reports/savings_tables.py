"""The savings report as tables (one per view), shared by the CSV, XLSX and HTML writers.

A table knows its columns' kinds (money, month, text...) so each writer formats them its own way: real numbers
with currency formats in XLSX, plain numbers in CSV, formatted text in HTML. Rows are produced lazily, so a
100,000-system Systems table is streamed, never held twice.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum

from inventory.records import COST_LINE_NAMES
from migrations_plan.savings import (
    BreakdownEntry,
    PaybackStatus,
    Projection,
    SavingsReport,
    SystemStatus,
)

HEADLINE_MONTHS = 12


class Kind(StrEnum):
    """How a value is shown."""

    TEXT = "text"
    MONEY = "money"  # USD
    NUMBER = "number"
    INTEGER = "integer"
    SHARE = "share"  # 0.07 shown as 7%
    MONTH = "month"  # a date shown as YYYY-MM


@dataclass(frozen=True, slots=True)
class Column:
    title: str
    kind: Kind


@dataclass(frozen=True, slots=True)
class Cell:
    """A value whose kind differs from its column's (the Summary and Assumptions tables mix kinds)."""

    value: object
    kind: Kind


Row = Sequence[object]


@dataclass(frozen=True, slots=True)
class Table:
    """One view of the report: a sheet in XLSX, a file in CSV, a section in HTML."""

    name: str
    slug: str
    columns: tuple[Column, ...]
    rows: Callable[[], Iterator[Row]]
    note: str = ""
    mixed: bool = False  # some cells are wrapped in `Cell` with their own kind


def kind_of(value: object, column: Column) -> tuple[object, Kind]:
    """The bare value and its kind, unwrapping a Cell."""
    if isinstance(value, Cell):
        return value.value, value.kind
    return value, column.kind


def month_text(month: dt.date) -> str:
    """A month as "YYYY-MM"."""
    return f"{month.year:04d}-{month.month:02d}"


def payback_text(projection: Projection) -> str:
    """"month 11", "never negative" or "not within 36 months"."""
    if projection.payback_status is PaybackStatus.PAID_BACK:
        return f"month {projection.payback_month}"
    if projection.payback_status is PaybackStatus.NEVER_NEGATIVE:
        return "never negative (nothing to pay back)"
    return f"not within {projection.months} months"


def headline_net(projection: Projection, months: int = HEADLINE_MONTHS) -> float:
    """Net cash flow over the first `months` months (all of them if the horizon is shorter)."""
    rows = projection.monthly[:months]
    return rows[-1].cumulative if rows else 0.0


def report_tables(report: SavingsReport) -> tuple[Table, ...]:
    """Every view, in sheet order: Summary, Monthly, By wave, By business unit, By strategy, Scenarios,
    Planned vs realised, Assumptions, Assessment, Systems."""
    months = [month_text(row.month) for row in report.planned.monthly]
    breakdown_columns = (Column("Basis", Kind.TEXT), Column("Key", Kind.TEXT), Column("Systems", Kind.INTEGER),
                         *_money("Legacy avoided", "Azure added", "One-time", "Net"),
                         *(Column(f"Net {month}", Kind.MONEY) for month in months))
    return (
        Table("Summary", "summary", (Column("Figure", Kind.TEXT), Column("Planned", Kind.MONEY),
                                     Column("Realised", Kind.MONEY), Column("Variance", Kind.MONEY)),
              lambda: _summary_rows(report),
              note="Variance = realised - planned. Money in USD.", mixed=True),
        Table("Monthly", "monthly",
              (Column("Month", Kind.MONTH), *_money("Legacy avoided", "Azure added", "One-time", "Net",
                                                    "Cumulative")),
              lambda: ((row.month, row.legacy_avoided, row.azure_added, row.one_time, row.net, row.cumulative)
                       for row in report.planned.monthly),
              note=f"Planned basis, {report.scenario} pricing."),
        Table("By wave", "by_wave", breakdown_columns, lambda: _breakdown_rows(report, "by_wave")),
        Table("By business unit", "by_business_unit", breakdown_columns,
              lambda: _breakdown_rows(report, "by_business_unit")),
        Table("By strategy", "by_strategy", breakdown_columns, lambda: _breakdown_rows(report, "by_strategy")),
        Table("Scenarios", "scenarios",
              (Column("Scenario", Kind.TEXT), *_money("Legacy avoided", "Azure added", "One-time", "Net", "NPV"),
               Column("Payback month", Kind.INTEGER), Column("Payback", Kind.TEXT)),
              lambda: ((r.scenario, r.totals.legacy_avoided, r.totals.azure_added, r.totals.one_time,
                        r.totals.net, r.npv, r.payback_month, r.payback_status.value)
                       for r in report.scenarios.results),
              note="Planned basis. payg = pay-as-you-go, ri3y = 3-year reserved, _ahb = with Azure Hybrid Benefit."),
        Table("Planned vs realised", "planned_vs_realised",
              (Column("Month", Kind.MONTH), *_money("Planned net", "Realised net", "Variance net",
                                                    "Planned cumulative", "Realised cumulative",
                                                    "Variance cumulative")),
              lambda: ((v.month, v.planned_net, v.realised_net, v.variance_net, v.planned_cumulative,
                        v.realised_cumulative, v.variance_cumulative) for v in report.variance),
              note="Realised counts only waves that completed, at the month they completed."),
        Table("Assumptions", "assumptions",
              (Column("Key", Kind.TEXT), Column("Value", Kind.NUMBER), Column("Unit", Kind.TEXT),
               Column("Source", Kind.TEXT)),
              lambda: ((row.key, Cell(row.value, _assumption_kind(row.unit)), row.unit, row.source)
                       for row in report.assumption_rows), mixed=True),
        Table("Assessment", "assessment", (Column("Setting", Kind.TEXT), Column("Value", Kind.TEXT)),
              lambda: iter(assessment_rows(report)),
              note="The assessment run the Azure prices come from and its settings, under Azure Migrate's names."),
        Table("Systems", "systems", SYSTEM_COLUMNS, lambda: system_rows(report),
              note="Annual legacy lines; 'Lines from defaults' names those computed from the assumptions."),
    )


def assessment_rows(report: SavingsReport) -> tuple[tuple[str, str], ...]:
    """The assessment run and its settings, or one row saying none was recorded."""
    return report.assessment or (("Assessment run", "not recorded"),)


def _money(*titles: str) -> tuple[Column, ...]:
    return tuple(Column(title, Kind.MONEY) for title in titles)


def _assumption_kind(unit: str) -> Kind:
    if unit.startswith("USD"):
        return Kind.MONEY
    return Kind.SHARE if unit.startswith("share") else Kind.NUMBER


def _summary_rows(report: SavingsReport) -> Iterator[Row]:
    planned, realised = report.planned, report.realised

    def money(title: str, p: float, r: float) -> Row:
        return title, p, r, r - p

    counts = {id(p): Counter(system.status for system in p.systems) for p in (planned, realised)}

    def count(projection: Projection, status: SystemStatus) -> int:
        return counts[id(projection)][status]

    yield "Start month", Cell(planned.start, Kind.MONTH), Cell(realised.start, Kind.MONTH), None
    yield "Horizon (months)", Cell(planned.months, Kind.INTEGER), Cell(realised.months, Kind.INTEGER), None
    yield "Pricing scenario", Cell(planned.scenario, Kind.TEXT), Cell(realised.scenario, Kind.TEXT), None
    headline = min(HEADLINE_MONTHS, planned.months)
    yield money(f"Net cash flow, first {headline} months", headline_net(planned), headline_net(realised))
    yield money("Legacy cost avoided", planned.totals.legacy_avoided, realised.totals.legacy_avoided)
    yield money("Azure cost added", planned.totals.azure_added, realised.totals.azure_added)
    yield money("One-time costs", planned.totals.one_time, realised.totals.one_time)
    yield money("Net cash flow", planned.totals.net, realised.totals.net)
    yield money(f"NPV at {planned.discount_rate:.1%} a year", planned.npv, realised.npv)
    yield ("Payback month", Cell(planned.payback_month, Kind.INTEGER), Cell(realised.payback_month, Kind.INTEGER),
           None)
    yield "Payback", Cell(payback_text(planned), Kind.TEXT), Cell(payback_text(realised), Kind.TEXT), None
    yield ("Systems scheduled", Cell(count(planned, SystemStatus.SCHEDULED), Kind.INTEGER),
           Cell(count(realised, SystemStatus.SCHEDULED), Kind.INTEGER), None)
    yield ("Systems without a month", Cell(len(planned.unscheduled), Kind.INTEGER),
           Cell(len(realised.unscheduled), Kind.INTEGER), None)
    yield ("Systems retained", Cell(count(planned, SystemStatus.RETAINED), Kind.INTEGER),
           Cell(count(realised, SystemStatus.RETAINED), Kind.INTEGER), None)
    yield ("Dual-running months", Cell(planned.dual_running_months, Kind.INTEGER),
           Cell(realised.dual_running_months, Kind.INTEGER), None)


def _breakdown_rows(report: SavingsReport, view: str) -> Iterator[Row]:
    for projection in (report.planned, report.realised):
        entries: dict[str, BreakdownEntry] = dict(getattr(projection, view))
        for entry in entries.values():
            totals = entry.totals
            yield (projection.basis.value, entry.key, entry.systems, totals.legacy_avoided, totals.azure_added,
                   totals.one_time, totals.net, *entry.monthly_net)


SYSTEM_COLUMNS: tuple[Column, ...] = (
    Column("ID", Kind.TEXT), Column("Name", Kind.TEXT), Column("Business unit", Kind.TEXT),
    Column("Application", Kind.TEXT), Column("Strategy", Kind.TEXT), Column("Wave", Kind.INTEGER),
    Column("Planned month", Kind.MONTH), Column("Realised month", Kind.MONTH),
    Column("Planned status", Kind.TEXT), Column("Realised status", Kind.TEXT),
    *(Column(f"Legacy {name} / year", Kind.MONEY) for name in COST_LINE_NAMES),
    Column("Lines from defaults", Kind.TEXT), Column("Size assumed", Kind.TEXT),
    *_money("Legacy avoided / month", "Azure / month", "One-time cost", "Planned net", "Realised net",
            "Variance net"),
)


def system_rows(report: SavingsReport) -> Iterator[Row]:
    """One row per system: identity, schedule, legacy lines and their origin, rates, net on both bases."""
    for p, r in report.system_pairs():
        planned_net = p.legacy_avoided - p.azure_added - p.one_time_in_horizon
        realised_net = r.legacy_avoided - r.azure_added - r.one_time_in_horizon
        # Strategies and statuses are str enums: writers show them as their values without `.value`.
        yield (p.id, p.name, p.business_unit, p.application, p.strategy, p.wave_number, p.month, r.month,
               p.status, r.status, *p.legacy_lines, ", ".join(p.default_lines) or "none",
               "yes" if p.size_assumed else "no", p.legacy_monthly_avoided, p.azure_monthly, p.one_time,
               planned_net, realised_net, realised_net - planned_net)
