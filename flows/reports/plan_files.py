"""The wave plan for the change board: CSV and XLSX (wave, date, group, system, strategy, target, cost, and why
the target has its size)."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from flows.reports.xlsx import XlsxColumn, XlsxSheet, write_xlsx
from inventory.cells import escape_formula
from inventory.tables import Assessment, PlanExclusion, System, TargetMapping, Wave, WaveMember

COLUMNS: tuple[str, ...] = ("wave", "wave_name", "date", "wave_status", "group", "system", "application",
                            "environment", "business_unit", "strategy", "readiness", "target", "usd_per_month",
                            "storage_gb", "note", "sizing")
_USD = '"$"#,##0.00'


def plan_rows(*, session: Session) -> list[dict[str, Any]]:
    """Every active assessed system once: planned ones wave by wave, then the excluded ones with the reason."""
    statement = (
        select(*(col(column) for column in (
            System.name, System.application, System.environment, System.business_unit, Assessment.strategy,
            Assessment.readiness, TargetMapping.service, TargetMapping.sku, TargetMapping.monthly_cost,
            System.storage_gb, Wave.number, Wave.name, Wave.planned_date, Wave.status, WaveMember.group_key,
            PlanExclusion.reason)),
            # Why the size: read out of the target's details in SQL (json_extract / ->>), not 100,000 decodes.
            col(TargetMapping.details)["sizing_reason"].as_string(),
            col(TargetMapping.details)["sizing_note"].as_string())
        .join(Assessment, col(Assessment.system_id) == col(System.id))
        .outerjoin(TargetMapping, col(TargetMapping.system_id) == col(System.id))
        .outerjoin(WaveMember, col(WaveMember.system_id) == col(System.id))
        .outerjoin(Wave, col(Wave.id) == col(WaveMember.wave_id))
        .outerjoin(PlanExclusion, col(PlanExclusion.system_id) == col(System.id))
        .where(col(System.removed_at).is_(None))
    )
    rows = []
    for (name, application, environment, business_unit, strategy, readiness, service, sku, monthly, storage,
         number, wave_name, date, status, group, excluded, reason, note) in session.execute(statement):
        rows.append({
            "wave": number, "wave_name": wave_name or ("excluded" if excluded else "not planned"), "date": date,
            "wave_status": status or "", "group": group or "", "system": name, "application": application or "",
            "environment": environment, "business_unit": business_unit or "", "strategy": strategy,
            "readiness": readiness, "target": f"{service} {sku}" if sku else (service or ""),
            "usd_per_month": round(monthly, 2) if monthly is not None else None, "storage_gb": round(storage, 1),
            "note": excluded or "", "sizing": "; ".join(text for text in (reason, note) if text),
        })
    rows.sort(key=lambda row: (row["wave"] is None, row["wave"] or 0, row["group"], row["system"]))
    return rows


def _text(value: Any) -> Any:
    if isinstance(value, str):
        return escape_formula(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else value


def write_plan_csv(rows: Sequence[dict[str, Any]], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows([_text(row[column]) for column in COLUMNS] for row in rows)
    return path


def write_plan_xlsx(rows: Sequence[dict[str, Any]], waves: Sequence[dict[str, Any]], path: Path, *,
                    quality: Sequence[Mapping[str, Any]] = ()) -> Path:
    """Sheets Waves (one row per wave), Plan (one row per system) and, when given, Quality (the order's net cash
    flow beside the naive order and the upper bound, per horizon); numbers stay numbers, dates are date cells, text
    stays the exact text (a name starting with "=" is a text cell, not a formula)."""
    wave_columns = ("number", "name", "date", "status", "frozen", "systems", "storage_tb")
    quality_columns = ("horizon_months", "chosen_net", "naive_net", "bound_net", "chosen_vs_naive",
                       "chosen_vs_bound")
    extra = [XlsxSheet("Quality", _columns(quality_columns), [[row[c] for c in quality_columns] for row in quality])]
    return write_xlsx([
        XlsxSheet("Waves", _columns(wave_columns),
                  [[wave[c] if c != "date" else dt.date.fromisoformat(wave[c]) for c in wave_columns]
                   for wave in waves]),
        XlsxSheet("Plan", _columns(COLUMNS), ([row[c] for c in COLUMNS] for row in rows)),
        *(extra if quality else []),
    ], path)


def _columns(names: Sequence[str]) -> tuple[XlsxColumn, ...]:
    formats = {"date": "yyyy-mm-dd", "usd_per_month": _USD, "chosen_net": _USD, "naive_net": _USD,
               "bound_net": _USD}
    return tuple(XlsxColumn(name, formats.get(name), max(10, min(40, len(name) + 4))) for name in names)
