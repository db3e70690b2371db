"""The Azure Migrate comparison as JSON data and as an XLSX workbook (Summary, Machines, Only ours, Only Microsoft,
Notes), written by the project's XLSX writer: numbers stay numbers in the comparison's currency, text stays text."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from flows.reports.xlsx import Styled, XlsxColumn, XlsxSheet, write_xlsx
from migrations_plan.compare import Agreement, Comparison, MachineComparison
from migrations_plan.compare.azure_migrate import BASIS

SHARE_FORMAT = "0.0%"


def money_format(code: str) -> str:
    return f'#,##0.00 "{code}";[Red]-#,##0.00 "{code}"'


def _round(value: float | None) -> float | None:
    return None if value is None else round(value * 100) / 100


def _flag(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def _agreement(agreement: Agreement) -> dict[str, Any]:
    return {"agreeing": agreement.agreeing, "compared": agreement.compared, "rate": agreement.rate}


def comparison_json(comparison: Comparison, *, warnings: Sequence[str] = ()) -> dict[str, Any]:
    """Everything the table shows, as data (money rounded to cents, in `currency`)."""
    c = comparison
    return {
        "workbook": c.workbook, "workbook_region": c.workbook_region, "currency": c.currency,
        "basis": BASIS, "tolerance": c.tolerance,
        "our_assessment": None if c.our_run is None else {"run": c.our_run.id, "settings": dict(c.our_run.settings),
                                                          "text": str(c.our_run)},
        "conversions": {"ours": {"text": str(c.our_conversion), **c.our_conversion.as_dict()},
                        "microsoft": {"text": str(c.their_conversion), **c.their_conversion.as_dict()}},
        "agreement": {"same_size": _agreement(c.same_size), "same_vcpu_and_memory": _agreement(c.same_shape),
                      "cost_within_tolerance": _agreement(c.cost_within)},
        "totals": {"both_priced": {"machines": c.both_priced.machines, "ours": _round(c.both_priced.ours),
                                   "microsoft": _round(c.both_priced.theirs),
                                   "difference": _round(c.both_priced.difference)},
                   "all": {"ours": _round(c.our_total_all()), "microsoft": _round(c.their_total_all())}},
        "machines": [_machine_json(m) for m in c.machines],
        "only_ours": [{"name": s.name, "strategy": s.strategy, "service": s.service, "size": s.size,
                       "monthly": _round(c.our_conversion.apply(s.monthly_usd)) if s.monthly_usd is not None
                       else None} for s in c.only_ours],
        "only_microsoft": [{"name": m.name, "sheet": m.sheet, "row": m.row, "size": m.recommended_size,
                            "readiness": m.readiness,
                            "monthly": _round(c.their_conversion.apply(t)) if (t := m.monthly_total) is not None
                            else None} for m in c.only_theirs],
        "ambiguous": list(c.ambiguous),
        "warnings": list(warnings),
    }


def _machine_json(m: MachineComparison) -> dict[str, Any]:
    ours, theirs = m.ours, m.theirs
    return {
        "name": ours.name, "microsoft_name": theirs.name, "sheet": theirs.sheet, "row": theirs.row,
        "matched_by": m.matched_by,
        "ours": {"strategy": ours.strategy, "readiness": ours.readiness, "service": ours.service, "size": ours.size,
                 "vcpus": ours.vcpus, "memory_gib": ours.memory_gib, "monthly": _round(m.our_monthly),
                 "region": ours.region, "sizing_basis": ours.sizing_basis},
        "microsoft": {"size": theirs.recommended_size, "vcpus": m.their_vcpus, "memory_gib": m.their_memory_gib,
                      "monthly": _round(m.their_monthly), "readiness": theirs.readiness,
                      "sizing": theirs.sizing.value},
        "same_size": m.same_size, "same_vcpu_and_memory": m.same_shape, "cost_within_tolerance": m.cost_within,
        "difference": _round(m.difference),
        "difference_share": None if m.difference_share is None else round(m.difference_share, 4),
        "reasons": list(m.reasons),
    }


MACHINE_COLUMNS = ("Machine", "Microsoft name", "Sheet", "Matched by", "Strategy", "Our target", "Our size",
                   "Our vCPU", "Our GiB", "Microsoft size", "Microsoft vCPU", "Microsoft GiB", "Our / month",
                   "Microsoft / month", "Difference", "Difference %", "Same size", "Same vCPU and memory",
                   "Cost within tolerance", "Microsoft readiness", "Why they differ")


def machine_rows(comparison: Comparison) -> Iterator[list[object]]:
    for m in comparison.machines:
        ours, theirs = m.ours, m.theirs
        yield [ours.name, theirs.name, theirs.sheet, m.matched_by, ours.strategy, ours.service, ours.size, ours.vcpus,
               ours.memory_gib, theirs.recommended_size, m.their_vcpus, m.their_memory_gib, m.our_monthly,
               m.their_monthly, m.difference, m.difference_share, _flag(m.same_size), _flag(m.same_shape),
               _flag(m.cost_within), theirs.readiness, "; ".join(m.reasons)]


def _our_run_rows(comparison: Comparison) -> list[list[object]]:
    """Our assessment run and its settings under Azure Migrate's names, one row each, noted as ours."""
    run = comparison.our_run
    if run is None:
        return [["Our assessment run", "not known", ""]]
    rows: list[list[object]] = [["Our assessment run", run.id, "our side was assessed with the settings below"]]
    if not run.settings:
        return [*rows, ["Our settings", "not recorded (an older run)", ""]]
    # Named "Ours: ..." so a setting never shadows a row of the comparison (its Currency, say).
    return rows + [[f"Ours: {name}", value, "our assessment's setting"] for name, value in run.settings.items()]


def summary_rows(comparison: Comparison, warnings: Sequence[str] = ()) -> list[list[object]]:
    c, money = comparison, money_format(comparison.currency)

    def rate(agreement: Agreement) -> object:
        return Styled(agreement.rate, SHARE_FORMAT) if agreement.rate is not None else "none compared"

    rows: list[list[object]] = [
        ["Workbook", c.workbook, ""],
        ["Currency", c.currency, "Microsoft's figures in the workbook's currency; ours converted"],
        ["Our amounts", str(c.our_conversion), ""],
        ["Microsoft's amounts", str(c.their_conversion), ""],
        ["Basis", BASIS, ""],
        *_our_run_rows(c),
        ["Machines on both sides", len(c.machines), ""],
        ["Only ours", len(c.only_ours), ""],
        ["Only Microsoft's", len(c.only_theirs), ""],
        ["Same size", rate(c.same_size), f"{c.same_size.agreeing} of {c.same_size.compared}"],
        ["Same vCPU and memory", rate(c.same_shape), f"{c.same_shape.agreeing} of {c.same_shape.compared}"],
        [f"Cost within {c.tolerance:.0%}", rate(c.cost_within), f"{c.cost_within.agreeing} of "
                                                                   f"{c.cost_within.compared}"],
        ["Ours / month, both priced", Styled(c.both_priced.ours, money), f"{c.both_priced.machines} machines"],
        ["Microsoft / month, both priced", Styled(c.both_priced.theirs, money), f"{c.both_priced.machines} machines"],
        ["Difference / month", Styled(c.both_priced.difference, money), "ours - Microsoft's"],
        ["Ours / month, all", Styled(c.our_total_all(), money), "matched and ours only"],
        ["Microsoft / month, all", Styled(c.their_total_all(), money), "matched and Microsoft's only"],
    ]
    rows += [["Ambiguous name", text, "not matched"] for text in c.ambiguous]
    rows += [["Warning", text, ""] for text in warnings]
    return rows


def write_comparison_xlsx(comparison: Comparison, path: Path, *, warnings: Sequence[str] = ()) -> Path:
    """Write the comparison to a new workbook at `path`."""
    c, money = comparison, money_format(comparison.currency)
    formats = {"Our / month": money, "Microsoft / month": money, "Difference": money, "Difference %": SHARE_FORMAT,
               "Our GiB": "0.##", "Microsoft GiB": "0.##"}
    wide = {"Why they differ": 100, "Machine": 24, "Microsoft name": 28, "Sheet": 30}
    machine_columns = tuple(XlsxColumn(title, formats.get(title), wide.get(title, max(10, len(title) + 2)))
                            for title in MACHINE_COLUMNS)
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_xlsx([
        XlsxSheet("Summary", (XlsxColumn("Figure", width=32), XlsxColumn("Value", width=60),
                              XlsxColumn("Note", width=60)), summary_rows(c, warnings)),
        XlsxSheet("Machines", machine_columns, machine_rows(c), freeze="B2"),
        XlsxSheet("Only ours", (XlsxColumn("Machine", width=24), XlsxColumn("Strategy"), XlsxColumn("Target"),
                                XlsxColumn("Size", width=20), XlsxColumn("Our / month", money, 16)),
                  [[s.name, s.strategy, s.service, s.size,
                    c.our_conversion.apply(s.monthly_usd) if s.monthly_usd is not None else None]
                   for s in c.only_ours]),
        XlsxSheet("Only Microsoft", (XlsxColumn("Machine", width=28), XlsxColumn("Sheet", width=30),
                                     XlsxColumn("Row", width=6), XlsxColumn("Size", width=20),
                                     XlsxColumn("Readiness", width=22), XlsxColumn("Microsoft / month", money, 18)),
                  [[m.name, m.sheet, m.row, m.recommended_size, m.readiness,
                    c.their_conversion.apply(t) if (t := m.monthly_total) is not None else None]
                   for m in c.only_theirs]),
    ], path)
