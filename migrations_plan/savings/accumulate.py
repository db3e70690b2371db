"""The one pass over the systems that every projection makes: per-system timing, summed per group.

A group is the systems sharing (legacy-avoided-from month, Azure-from month, one-time month) — and, for a
detailed projection, (wave, business unit, strategy). Month indices are 0-based within the horizon; the index
`months` means "not within the horizon". These loops run once per system per projection, so they are written
for speed: locals, columns zipped, no helper call per system.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from migrations_plan.savings.estate import DEFAULT_LINES, Effect, PreparedEstate
from migrations_plan.savings.inputs import Basis, SavingsInputError
from migrations_plan.savings.results import SystemResult, SystemStatus

HYBRID_BENEFIT_SUFFIX = "_ahb"

# A group's sums: legacy avoided per month, Azure added per month, one-time cost, number of systems.
Groups = dict[tuple[Any, ...], list[float]]


def is_hybrid_benefit(scenario: str) -> bool:
    """Scenarios named `*_ahb` price Azure with Azure Hybrid Benefit (licences brought from the estate)."""
    return scenario.endswith(HYBRID_BENEFIT_SUFFIX)


def accumulate_detail(
    estate: PreparedEstate, start: dt.date, months: int, scenario: str, basis: Basis
) -> tuple[Groups, list[SystemResult], list[str]]:
    """Groups keyed (timing..., wave, business unit, strategy), a result per system, the unscheduled ids."""
    dual = estate.assumptions.dual_running_months
    retained_share = estate.assumptions.ahb_licence_retained_share if is_hybrid_benefit(scenario) else 0.0
    start_index = start.year * 12 + start.month
    planned = basis is Basis.PLANNED
    groups: Groups = {}
    results: list[SystemResult] = []
    unscheduled: list[str] = []
    missing: list[str] = []
    scheduled, retained, not_scheduled = SystemStatus.SCHEDULED, SystemStatus.RETAINED, SystemStatus.UNSCHEDULED
    move, retire, none = Effect.MOVE, Effect.RETIRE, Effect.NONE
    columns = zip(estate.systems, estate.effects, estate.legacy_monthly, estate.licences_monthly,
                  estate.hybrid_benefit_eligible, estate.one_time, estate.figures, strict=True)
    for s, effect, legacy_monthly, licences_monthly, eligible, full_one_time, figures in columns:
        month = s.planned_month if planned else s.realised_month
        legacy = azure = one_time = 0.0
        legacy_from = azure_from = one_time_at = months
        if effect is move:
            price = s.azure_monthly.get(scenario)
            azure_rate = 0.0 if price is None else price
            legacy_rate = legacy_monthly - licences_monthly * retained_share if eligible else legacy_monthly
        else:
            price = azure_rate = 0.0
            legacy_rate = legacy_monthly if effect is retire else 0.0
        if effect is none:
            status = retained
        elif month is None:
            status = not_scheduled
            unscheduled.append(s.id)
        else:
            status = scheduled
            if price is None:
                missing.append(s.id)
                continue
            index = month.year * 12 + month.month - start_index
            legacy, azure = legacy_rate, azure_rate
            legacy_from = index + dual if effect is move else index
            legacy_from = 0 if legacy_from < 0 else months if legacy_from > months else legacy_from
            if effect is move:
                azure_from = 0 if index < 0 else months if index > months else index
            if 0 <= index < months:
                one_time, one_time_at = full_one_time, index
        results.append(SystemResult(
            s.id, s.name, s.business_unit, s.application, s.strategy, s.wave_number, month, status,
            figures.lines, DEFAULT_LINES[figures.default_mask], figures.size_assumed, legacy_rate, azure_rate,
            full_one_time, legacy * (months - legacy_from), azure * (months - azure_from), one_time,
        ))
        key = (legacy_from, azure_from, one_time_at, s.wave_number, s.business_unit, s.strategy)
        group = groups.get(key)
        if group is None:
            groups[key] = [legacy, azure, one_time, 1.0]
        else:
            group[0] += legacy
            group[1] += azure
            group[2] += one_time
            group[3] += 1.0
    _raise_if_missing(scenario, missing)
    return groups, results, unscheduled


def accumulate_scenarios(
    estate: PreparedEstate, start: dt.date, months: int, scenarios: Sequence[str], basis: Basis
) -> tuple[dict[str, Groups], list[str]]:
    """Groups keyed by timing only, for several scenarios in one pass (they differ only in the Azure price,
    and in the licences kept under Hybrid Benefit)."""
    a = estate.assumptions
    dual = a.dual_running_months
    retained_share = a.ahb_licence_retained_share
    start_index = start.year * 12 + start.month
    planned = basis is Basis.PLANNED
    # Sums per timing: [legacy, legacy under Hybrid Benefit, one-time, systems, price of each scenario...]
    sums: dict[tuple[int, int, int], list[float]] = {}
    unscheduled: list[str] = []
    missing: dict[str, list[str]] = {name: [] for name in scenarios}
    move, retire = Effect.MOVE, Effect.RETIRE
    columns = zip(estate.systems, estate.effects, estate.legacy_monthly, estate.licences_monthly,
                  estate.hybrid_benefit_eligible, estate.one_time, strict=True)
    for s, effect, legacy_monthly, licences_monthly, eligible, full_one_time in columns:
        if effect is not move and effect is not retire:
            continue
        month = s.planned_month if planned else s.realised_month
        if month is None:
            unscheduled.append(s.id)
            continue
        index = month.year * 12 + month.month - start_index
        if effect is move:
            prices = s.azure_monthly
            amounts = []
            for name in scenarios:
                price = prices.get(name)
                if price is None:
                    missing[name].append(s.id)
                    price = 0.0
                amounts.append(price)
            legacy_from = index + dual
            azure_from = 0 if index < 0 else months if index > months else index
            legacy_ahb = legacy_monthly - licences_monthly * retained_share if eligible else legacy_monthly
        else:
            amounts = [0.0] * len(scenarios)
            legacy_from, azure_from, legacy_ahb = index, months, legacy_monthly
        legacy_from = 0 if legacy_from < 0 else months if legacy_from > months else legacy_from
        in_horizon = 0 <= index < months
        key = (legacy_from, azure_from, index if in_horizon else months)
        one_time = full_one_time if in_horizon else 0.0
        group = sums.get(key)
        if group is None:
            sums[key] = [legacy_monthly, legacy_ahb, one_time, 1.0, *amounts]
        else:
            group[0] += legacy_monthly
            group[1] += legacy_ahb
            group[2] += one_time
            group[3] += 1.0
            for i, price in enumerate(amounts, start=4):
                group[i] += price
    for name in scenarios:
        _raise_if_missing(name, missing[name])
    per_scenario: dict[str, Groups] = {}
    for position, name in enumerate(scenarios, start=4):
        legacy_column = 1 if is_hybrid_benefit(name) else 0
        per_scenario[name] = {key: [group[legacy_column], group[position], group[2], group[3]]
                              for key, group in sums.items()}
    return per_scenario, unscheduled


def _raise_if_missing(scenario: str, missing: list[str]) -> None:
    if missing:
        shown = ", ".join(repr(system_id) for system_id in missing[:10])
        more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        raise SavingsInputError(
            f"no Azure price for scenario {scenario!r} on {len(missing)} system(s) that move: {shown}{more}; "
            "price every target for this scenario or choose another")
