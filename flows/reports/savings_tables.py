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

from flows.reports.money import USD, Money
from inventory.records import COST_LINE_NAMES
from migrations_plan.savings import (
    BreakdownEntry,
    PaybackStatus,
    Projection,
    SavingsReport,
    SystemStatus,
)
from migrations_plan.savings.projection import NO_WAVE

HEADLINE_MONTHS = 12
NO_WAVE_LABEL = "No wave (retired/retained)"
_SCENARIO_WORDS = {"payg": "Pay-as-you-go", "ri1y": "1-year reserved", "ri3y": "3-year reserved"}
_PAYBACK_WORDS = {PaybackStatus.PAID_BACK: "paid back", PaybackStatus.NOT_WITHIN_HORIZON: "not within the horizon",
                  PaybackStatus.NEVER_NEGATIVE: "never negative"}
# The assumptions as a reader says them; the key (what an assumptions file uses) stays in its own column.
ASSUMPTION_TITLES = {
    "hardware_per_core_year": "Hardware, per core",
    "storage_per_gb_year": "Storage, per GB",
    "facilities_per_server_year": "Facilities, per server",
    "facilities_per_core_year": "Facilities (power), per core",
    "labour_per_server_year": "Operations labour, per server",
    "network_share": "Network",
    "licence_os_per_core_year": "OS licences per core",
    "licence_db_per_core_year": "Database licences per core",
    "migration_labour_per_system": "Migration labour per system",
    "data_transfer_per_gb": "Data transfer per GB",
    "dual_running_months": "Dual-running months",
    "discount_rate": "Discount rate (NPV)",
    "hours_per_month": "Hours in a month",
    "ahb_licence_retained_share": "Licences kept under Hybrid Benefit",
    "assumed_cores_when_unknown": "Cores assumed when unknown",
    "assumed_storage_gb_when_unknown": "Storage (GB) assumed when unknown",
}


class Kind(StrEnum):
    """How a value is shown."""

    TEXT = "text"
    MONEY = "money"  # in the report's currency (tables convert from USD as they yield rows)
    USD = "usd"  # always USD: the cost assumptions, which the model takes in USD
    NUMBER = "number"
    INTEGER = "integer"
    SHARE = "share"  # 0.07 shown as 7%
    MONTH = "month"  # a date shown as YYYY-MM


@dataclass(frozen=True, slots=True)
class Column:
    title: str
    kind: Kind
    # An identifier for files (an assumptions file's key): spreadsheets keep it, a page people read leaves it out.
    machine: bool = False


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


def payback_words(status: PaybackStatus) -> str:
    """"paid back", "not within the horizon", "never negative"."""
    return _PAYBACK_WORDS[status]


def scenario_words(scenario: str) -> str:
    """"3-year reserved + Hybrid Benefit" for ri3y_ahb; a scenario we have no words for, with spaces."""
    base, ahb, rest = scenario.partition("_ahb")
    words = None if rest else _SCENARIO_WORDS.get(base)
    if words is None:
        return scenario.replace("_", " ")
    return f"{words} + Hybrid Benefit" if ahb else words


def wave_label(key: str) -> str:
    """A by-wave key as charts and tables show it: "W3", or "No wave (retired/retained)"."""
    return NO_WAVE_LABEL if key == NO_WAVE else f"W{key}"


def assumption_words(key: str) -> str:
    """"OS licences per core: windows" for licence_os_per_core_year.windows."""
    group, _, sub = key.partition(".")
    title = ASSUMPTION_TITLES.get(group, group.replace("_", " "))
    return f"{title}: {sub.replace('_', ' ')}" if sub else title


def headline_net(projection: Projection, months: int = HEADLINE_MONTHS) -> float:
    """Net cash flow over the first `months` months (all of them if the horizon is shorter)."""
    rows = projection.monthly[:months]
    return rows[-1].cumulative if rows else 0.0


def report_tables(report: SavingsReport, money: Money = USD) -> tuple[Table, ...]:
    """Every view, in sheet order: Summary, Monthly, By wave, By business unit, By strategy, Scenarios,
    Planned vs realised, Assumptions, Assessment, Systems. Money columns are in `money`'s currency."""
    months = [month_text(row.month) for row in report.planned.monthly]
    k = money.factor

    def breakdown(key_title: str) -> tuple[Column, ...]:
        return (Column("Basis", Kind.TEXT), Column(key_title, Kind.TEXT), Column("Systems", Kind.INTEGER),
                *_money("Legacy avoided", "Azure added", "One-time", "Net"),
                *(Column(f"Net {month}", Kind.MONEY) for month in months))

    pricing = scenario_words(report.scenario)
    return (
        Table("Summary", "summary", (Column("Figure", Kind.TEXT), Column("Planned", Kind.MONEY),
                                     Column("Realised", Kind.MONEY), Column("Variance", Kind.MONEY)),
              lambda: _summary_rows(report, money),
              note=f"Variance = realised - planned. {money.note()}", mixed=True),
        Table("Monthly", "monthly",
              (Column("Month", Kind.MONTH), *_money("Legacy avoided", "Azure added", "One-time", "Net",
                                                    "Cumulative")),
              lambda: ((row.month, row.legacy_avoided * k, row.azure_added * k, row.one_time * k, row.net * k,
                        row.cumulative * k) for row in report.planned.monthly),
              note=f"Planned basis, {pricing} pricing."),
        Table("By wave", "by_wave", breakdown("Wave"), lambda: _breakdown_rows(report, "by_wave", k),
              note=f"{NO_WAVE_LABEL}: systems that move in no wave (retired systems are switched off in the month "
                   "the plan gives them)."),
        Table("By business unit", "by_business_unit", breakdown("Business unit"),
              lambda: _breakdown_rows(report, "by_business_unit", k)),
        Table("By strategy", "by_strategy", breakdown("Strategy"), lambda: _breakdown_rows(report, "by_strategy", k)),
        Table("Scenarios", "scenarios",
              (Column("Pricing", Kind.TEXT), *_money("Legacy avoided", "Azure added", "One-time", "Net", "NPV"),
               Column("Payback month", Kind.INTEGER), Column("Payback", Kind.TEXT)),
              lambda: ((scenario_words(r.scenario), r.totals.legacy_avoided * k, r.totals.azure_added * k,
                        r.totals.one_time * k, r.totals.net * k, r.npv * k, r.payback_month,
                        payback_words(r.payback_status)) for r in report.scenarios.results),
              note="Planned basis, under each pricing the estate is priced for. Reserved instances are paid "
                   "monthly; Hybrid Benefit brings Windows Server and SQL Server licences with Software Assurance."),
        Table("Planned vs realised", "planned_vs_realised",
              (Column("Month", Kind.MONTH), *_money("Planned net", "Realised net", "Variance net",
                                                    "Planned cumulative", "Realised cumulative",
                                                    "Variance cumulative")),
              lambda: ((v.month, v.planned_net * k, v.realised_net * k, v.variance_net * k,
                        v.planned_cumulative * k, v.realised_cumulative * k, v.variance_cumulative * k)
                       for v in report.variance),
              note="Realised counts only waves that completed, at the month they completed."),
        Table("Assumptions", "assumptions",
              (Column("Assumption", Kind.TEXT), Column("Value", Kind.NUMBER), Column("Unit", Kind.TEXT),
               Column("Source", Kind.TEXT), Column("Key", Kind.TEXT, machine=True)),
              lambda: ((assumption_words(row.key), Cell(row.value, _assumption_kind(row.unit)), row.unit,
                        row.source, row.key) for row in report.assumption_rows),
              note="In USD, as the model takes them. The spreadsheet files add each one's key, as an assumptions file "
                   "names it.", mixed=True),
        Table("Assessment", "assessment", (Column("Setting", Kind.TEXT), Column("Value", Kind.TEXT)),
              lambda: iter(assessment_rows(report)),
              note="The assessment run the Azure prices come from and its settings, under Azure Migrate's names."),
        Table("Systems", "systems", SYSTEM_COLUMNS, lambda: system_rows(report, k),
              note="Annual legacy lines; 'Lines from defaults' names those computed from the assumptions."),
    )


def assessment_rows(report: SavingsReport) -> tuple[tuple[str, str], ...]:
    """The assessment run and its settings, or one row saying none was recorded."""
    return report.assessment or (("Assessment run", "not recorded"),)


def _money(*titles: str) -> tuple[Column, ...]:
    return tuple(Column(title, Kind.MONEY) for title in titles)


def _assumption_kind(unit: str) -> Kind:
    if unit.startswith("USD"):
        return Kind.USD
    return Kind.SHARE if unit.startswith("share") else Kind.NUMBER


def _summary_rows(report: SavingsReport, money: Money) -> Iterator[Row]:
    planned, realised = report.planned, report.realised
    k = money.factor

    def amounts(title: str, p: float, r: float) -> Row:
        return title, p * k, r * k, (r - p) * k

    counts = {id(p): Counter(system.status for system in p.systems) for p in (planned, realised)}

    def count(projection: Projection, status: SystemStatus) -> int:
        return counts[id(projection)][status]

    yield "Start month", Cell(planned.start, Kind.MONTH), Cell(realised.start, Kind.MONTH), None
    yield "Horizon (months)", Cell(planned.months, Kind.INTEGER), Cell(realised.months, Kind.INTEGER), None
    yield ("Azure pricing", Cell(scenario_words(planned.scenario), Kind.TEXT),
           Cell(scenario_words(realised.scenario), Kind.TEXT), None)
    yield "Currency", Cell(money.code, Kind.TEXT), Cell(money.code, Kind.TEXT), None
    if money.rate is not None:
        yield f"Exchange rate ({money.code} per USD)", Cell(f"{money.rate.per_usd:.10g}", Kind.TEXT), None, None
        yield "Rate of", Cell(money.rate.as_of.isoformat(), Kind.TEXT), None, None
        yield "Rate source", Cell(money.rate.source, Kind.TEXT), None, None
    headline = min(HEADLINE_MONTHS, planned.months)
    yield amounts(f"Net cash flow, first {headline} months", headline_net(planned), headline_net(realised))
    yield amounts("Legacy cost avoided", planned.totals.legacy_avoided, realised.totals.legacy_avoided)
    yield amounts("Azure cost added", planned.totals.azure_added, realised.totals.azure_added)
    yield amounts("One-time costs", planned.totals.one_time, realised.totals.one_time)
    yield amounts("Net cash flow", planned.totals.net, realised.totals.net)
    yield amounts(f"NPV at {planned.discount_rate:.1%} a year", planned.npv, realised.npv)
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


def _breakdown_rows(report: SavingsReport, view: str, k: float) -> Iterator[Row]:
    label = wave_label if view == "by_wave" else str
    for projection in (report.planned, report.realised):
        entries: dict[str, BreakdownEntry] = dict(getattr(projection, view))
        basis = projection.basis.value.capitalize()
        for entry in entries.values():
            totals = entry.totals
            yield (basis, label(entry.key), entry.systems, totals.legacy_avoided * k, totals.azure_added * k,
                   totals.one_time * k, totals.net * k, *(net * k for net in entry.monthly_net))


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


def system_rows(report: SavingsReport, k: float = 1.0) -> Iterator[Row]:
    """One row per system: identity, schedule, legacy lines and their origin, rates, net on both bases; money
    times `k` (units of the report's currency per USD)."""
    for p, r in report.system_pairs():
        planned_net = (p.legacy_avoided - p.azure_added - p.one_time_in_horizon) * k
        realised_net = (r.legacy_avoided - r.azure_added - r.one_time_in_horizon) * k
        # Strategies and statuses are str enums: writers show them as their values without `.value`.
        h, li, f, la, n = p.legacy_lines
        yield (p.id, p.name, p.business_unit, p.application, p.strategy, p.wave_number, p.month, r.month,
               p.status, r.status, h * k, li * k, f * k, la * k, n * k, ", ".join(p.default_lines) or "none",
               "yes" if p.size_assumed else "no", p.legacy_monthly_avoided * k, p.azure_monthly * k,
               p.one_time * k, planned_net, realised_net, realised_net - planned_net)
