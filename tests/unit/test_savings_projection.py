"""The savings projection, checked cell by cell against arithmetic done by hand.

The estate: three systems, two waves, start 2026-01, 12 months, dual running 1 month, discount 12% a year.
  A  rehost, wave 1, planned 2026-01 (realised 2026-02). Every cost line from the inventory:
     4,800 + 2,400 + 1,200 + 2,400 + 1,200 = 12,000 a year = 1,000 a month. Azure: payg 300, ri3y 200,
     ri3y_ahb 150 a month. One-time: rehost labour 1,000 + 100 GB x 0.50 = 1,050. Linux, no DB.
  B  replatform, wave 2, planned 2026-03 (not realised). 4 cores, 500 GB, Windows + SQL Server; only labour
     (1,800) from the inventory, the rest from the assumptions below:
       hardware   = 4 x 120 + 500 x 1.2       = 1,080
       licences   = 4 x (windows 60 + sqlserver 300) = 1,440
       facilities = 240 + 4 x 0               =   240
       labour     = 1,800 (inventory)
       network    = 0.1 x 1,080               =   108
       total 4,668 a year = 389 a month. Azure: payg 250, ri3y 180, ri3y_ahb 100. One-time 3,000 + 200 x 0.5.
  C  retire, no wave, switched off 2026-02 (planned and realised). Size unknown: 2 cores and 100 GB assumed.
       hardware 2 x 120 + 100 x 1.2 = 360; licences 2 x 0 = 0; facilities 240; labour 600; network 36
       total 1,236 a year = 103 a month. One-time: retire labour 200.
"""

from __future__ import annotations

import datetime as dt
import math

import pytest

from inventory.records import CostLines
from migrations_plan.savings import (
    Basis,
    CostAssumptions,
    PaybackStatus,
    SavingsInputError,
    SavingsSystem,
    SystemStatus,
    build_savings_report,
    compare_scenarios,
    legacy_run_rate,
    planned_vs_realised,
    project,
)
from migrations_plan.strategy_types import Strategy

JAN = dt.date(2026, 1, 1)
FEB = dt.date(2026, 2, 1)
MAR = dt.date(2026, 3, 1)


def hand_assumptions(**changes: object) -> CostAssumptions:
    values: dict[str, object] = {
        "hardware_per_core_year": 120, "storage_per_gb_year": 1.2, "facilities_per_server_year": 240,
        "facilities_per_core_year": 0, "labour_per_server_year": 600, "network_share": 0.1,
        "licence_os_per_core_year": {"windows": 60, "linux": 0, "other": 0},
        "licence_db_per_core_year": {"sqlserver": 300, "other": 0},
        "migration_labour_per_system": {"rehost": 1000, "replatform": 3000, "refactor": 9000,
                                        "repurchase": 2000, "relocate": 500, "retire": 200, "retain": 0},
        "data_transfer_per_gb": 0.5, "dual_running_months": 1, "discount_rate": 0.12, "hours_per_month": 730,
        "ahb_licence_retained_share": 1.0, "assumed_cores_when_unknown": 2,
        "assumed_storage_gb_when_unknown": 100,
    }
    values.update(changes)
    return CostAssumptions.model_validate(values)


def hand_estate() -> list[SavingsSystem]:
    return [
        SavingsSystem(id="A", name="web-01", strategy=Strategy.REHOST, business_unit="Retail", application="shop",
                      wave_number=1, planned_month=JAN, realised_month=FEB, cores=8, storage_gb=400,
                      os_family="linux",
                      cost_lines=CostLines(hardware=4800, licences=2400, facilities=1200, labour=2400, network=1200),
                      azure_monthly={"payg": 300, "ri3y": 200, "ri3y_ahb": 150}, migration_data_gb=100),
        SavingsSystem(id="B", name="db-01", strategy=Strategy.REPLATFORM, business_unit="Retail",
                      application="shop", wave_number=2, planned_month=MAR, cores=4, storage_gb=500,
                      os_family="windows", db_engine="Microsoft SQL Server 2019", cost_lines={"labour": 1800},
                      azure_monthly={"payg": 250, "ri3y": 180, "ri3y_ahb": 100}, migration_data_gb=200),
        SavingsSystem(id="C", name="old-report", strategy=Strategy.RETIRE, business_unit="Finance",
                      planned_month=FEB, realised_month=FEB, os_family="linux"),
    ]


# Planned, pay-as-you-go. Month index: legacy avoided, Azure added, one-time.
#   A: one-time 1,050 in Jan; Azure 300 from Jan; legacy 1,000 avoided from Feb (Jan + 1 dual-running month).
#   C: one-time 200 in Feb; legacy 103 avoided from Feb (retired: nothing runs in parallel).
#   B: one-time 3,100 in Mar; Azure 250 from Mar; legacy 389 avoided from Apr.
PLANNED_ROWS = [
    # month, legacy avoided, azure added, one-time, net, cumulative
    (JAN, 0, 300, 1050, 0 - 300 - 1050, -1350),
    (FEB, 1000 + 103, 300, 200, 1103 - 300 - 200, -1350 + 603),
    (MAR, 1103, 300 + 250, 3100, 1103 - 550 - 3100, -747 - 2547),
    (dt.date(2026, 4, 1), 1103 + 389, 550, 0, 1492 - 550, -3294 + 942),
    (dt.date(2026, 5, 1), 1492, 550, 0, 942, -2352 + 942),
    (dt.date(2026, 6, 1), 1492, 550, 0, 942, -1410 + 942),
    (dt.date(2026, 7, 1), 1492, 550, 0, 942, -468 + 942),  # first month >= 0: payback month 7
    (dt.date(2026, 8, 1), 1492, 550, 0, 942, 474 + 942),
    (dt.date(2026, 9, 1), 1492, 550, 0, 942, 1416 + 942),
    (dt.date(2026, 10, 1), 1492, 550, 0, 942, 2358 + 942),
    (dt.date(2026, 11, 1), 1492, 550, 0, 942, 3300 + 942),
    (dt.date(2026, 12, 1), 1492, 550, 0, 942, 4242 + 942),
]

# Realised: A moved in Feb, C switched off in Feb, B not done.
REALISED_ROWS = [
    (JAN, 0, 0, 0, 0, 0),
    (FEB, 103, 300, 1050 + 200, 103 - 300 - 1250, -1447),
    (MAR, 103 + 1000, 300, 0, 1103 - 300, -1447 + 803),
    (dt.date(2026, 4, 1), 1103, 300, 0, 803, -644 + 803),  # payback month 4
    *[(dt.date(2026, m, 1), 1103, 300, 0, 803, 159 + 803 * (m - 4)) for m in range(5, 13)],
]


def monthly_tuples(projection: object) -> list[tuple[object, ...]]:
    return [(r.month, r.legacy_avoided, r.azure_added, r.one_time, r.net, r.cumulative)
            for r in projection.monthly]  # type: ignore[attr-defined]


def assert_rows(actual: list[tuple[object, ...]], expected: list[tuple[object, ...]]) -> None:
    assert len(actual) == len(expected)
    for got, want in zip(actual, expected, strict=True):
        assert got[0] == want[0]
        assert got[1:] == pytest.approx(want[1:], abs=1e-9), f"month {want[0]}"


def test_legacy_lines_of_the_hand_estate_say_where_each_came_from() -> None:
    a = hand_assumptions()
    b = legacy_run_rate(hand_estate()[1], a)
    assert [line.name for line in b.lines] == ["hardware", "licences", "facilities", "labour", "network"]
    assert [line.annual for line in b.lines] == pytest.approx([1080, 1440, 240, 1800, 108])
    assert [line.from_inventory for line in b.lines] == [False, False, False, True, False]
    assert b.line("licences").basis == "4 cores x (windows 60 + sqlserver 300) USD/year"
    assert b.monthly == pytest.approx(389)
    assert b.default_lines == ("hardware", "licences", "facilities", "network")
    c = legacy_run_rate(hand_estate()[2], a)
    assert c.annual == pytest.approx(1236)
    assert "assumed" in c.line("hardware").basis


def test_planned_projection_every_month_payback_and_npv() -> None:
    p = project(hand_estate(), hand_assumptions(), start=JAN, months=12, scenario="payg")
    assert_rows(monthly_tuples(p), PLANNED_ROWS)
    assert p.totals.legacy_avoided == pytest.approx(0 + 1103 * 2 + 1492 * 9)  # 15,634
    assert p.totals.azure_added == pytest.approx(300 * 2 + 550 * 10)  # 6,100
    assert p.totals.one_time == pytest.approx(1050 + 200 + 3100)
    assert p.totals.net == pytest.approx(15634 - 6100 - 4350) == 5184
    assert (p.payback_month, p.payback_status) == (7, PaybackStatus.PAID_BACK)
    # NPV: month m's net discounted by (1 + r_m)^m, r_m = 1.12^(1/12) - 1.
    monthly_rate = 1.12 ** (1 / 12) - 1
    nets = [-1350, 603, -2547] + [942] * 9
    assert p.npv == pytest.approx(sum(net / (1 + monthly_rate) ** m for m, net in enumerate(nets, start=1)),
                                  abs=1e-9)
    assert p.npv == pytest.approx(4641.96, abs=0.005)
    assert p.unscheduled == ()


def test_planned_breakdowns_by_wave_business_unit_and_strategy() -> None:
    p = project(hand_estate(), hand_assumptions(), start=JAN, months=12)
    wave_1 = 1000 * 11 - 300 * 12 - 1050  # A: 6,350
    wave_2 = 389 * 9 - 250 * 10 - 3100  # B: -2,099
    retired = 103 * 11 - 200  # C: 933
    assert {k: e.totals.net for k, e in p.by_wave.items()} == pytest.approx(
        {"1": wave_1, "2": wave_2, "no wave": retired})
    assert list(p.by_wave) == ["1", "2", "no wave"]
    assert {k: e.totals.net for k, e in p.by_business_unit.items()} == pytest.approx(
        {"Retail": wave_1 + wave_2, "Finance": retired})
    assert {k: e.totals.net for k, e in p.by_strategy.items()} == pytest.approx(
        {"rehost": wave_1, "replatform": wave_2, "retire": retired})
    assert p.by_wave["2"].monthly_net == pytest.approx((0, 0, -250 - 3100) + (389 - 250,) * 9)
    assert {k: e.systems for k, e in p.by_business_unit.items()} == {"Retail": 2, "Finance": 1}


def test_per_system_rows_trace_defaults_and_horizon_sums() -> None:
    p = project(hand_estate(), hand_assumptions(), start=JAN, months=12)
    a, b, c = p.systems
    assert (a.default_lines, a.size_assumed, a.legacy_avoided, a.azure_added, a.one_time_in_horizon) == (
        (), False, pytest.approx(11000), pytest.approx(3600), pytest.approx(1050))
    assert b.default_lines == ("hardware", "licences", "facilities", "network") and not b.size_assumed
    assert (c.size_assumed, c.status, c.azure_monthly, c.net) == (True, SystemStatus.SCHEDULED, 0.0,
                                                                  pytest.approx(933))


def test_realised_projection_and_variance() -> None:
    both = planned_vs_realised(hand_estate(), hand_assumptions(), start=JAN, months=12)
    assert_rows(monthly_tuples(both.realised), REALISED_ROWS)
    assert both.realised.totals.net == pytest.approx(103 + 1103 * 10 - 300 * 11 - 1250) == 6583
    assert (both.realised.payback_month, both.realised.unscheduled) == (4, ("B",))
    assert [v.variance_net for v in both.variance] == pytest.approx(
        [r[4] - p[4] for r, p in zip(REALISED_ROWS, PLANNED_ROWS, strict=True)])
    assert both.variance[-1].variance_cumulative == pytest.approx(6583 - 5184)


def test_scenarios_side_by_side() -> None:
    comparison = compare_scenarios(hand_estate(), hand_assumptions(), start=JAN, months=12)
    assert [r.scenario for r in comparison.results] == ["payg", "ri3y", "ri3y_ahb"]
    assert comparison.get("payg").totals.net == pytest.approx(5184)
    # ri3y: Azure 200 in Jan-Feb, 200 + 180 from Mar.
    assert comparison.get("ri3y").totals.net == pytest.approx(15634 - (200 * 2 + 380 * 10) - 4350)
    # ri3y_ahb: B (Windows + SQL Server) keeps paying its licences (1,440 / 12 = 120 a month), so only
    # 389 - 120 = 269 of it is avoided; A (Linux) is not affected. Azure 150, then 150 + 100.
    legacy = 1103 * 2 + (1103 + 269) * 9
    assert comparison.get("ri3y_ahb").totals.net == pytest.approx(legacy - (150 * 2 + 250 * 10) - 4350)


def test_report_bundles_both_bases_scenarios_and_assumptions() -> None:
    report = build_savings_report(hand_estate(), hand_assumptions(), start=dt.date(2026, 1, 15), months=12)
    assert report.start == JAN
    assert report.planned.totals.net == pytest.approx(5184)
    assert report.realised.totals.net == pytest.approx(6583)
    assert report.scenarios.get("payg").totals.net == pytest.approx(report.planned.totals.net)
    keys = {row.key for row in report.assumption_rows}
    assert keys >= {"hardware_per_core_year", "licence_db_per_core_year.sqlserver",
                    "migration_labour_per_system.retire"}
    assert [(p.id, r.status) for p, r in report.system_pairs()] == [
        ("A", SystemStatus.SCHEDULED), ("B", SystemStatus.UNSCHEDULED), ("C", SystemStatus.SCHEDULED)]


def one(strategy: Strategy, month: dt.date | None, **changes: object) -> SavingsSystem:
    """A system costing 1,200 a year (100 a month) with Azure at 40 a month and no data to move."""
    values: dict[str, object] = {
        "id": "s", "name": "s", "strategy": strategy, "wave_number": 1, "planned_month": month, "cores": 2,
        "storage_gb": 0, "os_family": "linux", "azure_monthly": {"payg": 40},
        "cost_lines": CostLines(hardware=600, licences=0, facilities=0, labour=600, network=0),
    }
    values.update(changes)
    return SavingsSystem(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(("system", "dual", "legacy", "azure", "one_time"), [
    # Timing rule table (6 months from Jan; one-time labour rehost 1,000, retire 200).
    pytest.param(one(Strategy.REHOST, MAR), 1, [0, 0, 0, 100, 100, 100], [0, 0, 40, 40, 40, 40],
                 [0, 0, 1000, 0, 0, 0], id="rehost: Azure from M, legacy avoided from M+1"),
    pytest.param(one(Strategy.REHOST, MAR), 0, [0, 0, 100, 100, 100, 100], [0, 0, 40, 40, 40, 40],
                 [0, 0, 1000, 0, 0, 0], id="no dual running"),
    pytest.param(one(Strategy.REHOST, MAR), 2, [0, 0, 0, 0, 100, 100], [0, 0, 40, 40, 40, 40],
                 [0, 0, 1000, 0, 0, 0], id="two dual-running months"),
    pytest.param(one(Strategy.REHOST, dt.date(2025, 11, 1)), 1, [100] * 6, [40] * 6, [0] * 6,
                 id="moved before the start: one-time is history, savings run from month 1"),
    pytest.param(one(Strategy.REHOST, dt.date(2026, 6, 20)), 1, [0] * 6, [0, 0, 0, 0, 0, 40],
                 [0, 0, 0, 0, 0, 1000], id="last month: legacy still paid"),
    pytest.param(one(Strategy.REHOST, dt.date(2026, 7, 1)), 1, [0] * 6, [0] * 6, [0] * 6,
                 id="after the horizon: nothing"),
    pytest.param(one(Strategy.RETIRE, MAR), 1, [0, 0, 100, 100, 100, 100], [0] * 6, [0, 0, 200, 0, 0, 0],
                 id="retire: avoided from M, no Azure"),
    pytest.param(one(Strategy.RETAIN, MAR), 1, [0] * 6, [0] * 6, [0] * 6, id="retain: nothing"),
    pytest.param(one(Strategy.REHOST, None), 1, [0] * 6, [0] * 6, [0] * 6, id="no month: nothing"),
])
def test_timing_rules(system: SavingsSystem, dual: int, legacy: list[float], azure: list[float],
                      one_time: list[float]) -> None:
    p = project([system], hand_assumptions(dual_running_months=dual), start=JAN, months=6)
    assert [r.legacy_avoided for r in p.monthly] == pytest.approx(legacy)
    assert [r.azure_added for r in p.monthly] == pytest.approx(azure)
    assert [r.one_time for r in p.monthly] == pytest.approx(one_time)
    assert p.systems[0].net == pytest.approx(sum(legacy) - sum(azure) - sum(one_time))


@pytest.mark.parametrize(("strategy", "month", "status", "listed"), [
    (Strategy.RETAIN, MAR, SystemStatus.RETAINED, ()),
    (Strategy.REHOST, None, SystemStatus.UNSCHEDULED, ("s",)),
    (Strategy.RETIRE, None, SystemStatus.UNSCHEDULED, ("s",)),
    (Strategy.REHOST, MAR, SystemStatus.SCHEDULED, ()),
])
def test_status_and_unscheduled_list(strategy: Strategy, month: dt.date | None, status: SystemStatus,
                                     listed: tuple[str, ...]) -> None:
    p = project([one(strategy, month)], hand_assumptions(), start=JAN, months=6)
    assert (p.systems[0].status, p.unscheduled) == (status, listed)


@pytest.mark.parametrize(("cumulative", "month", "status"), [
    ([-5, -1, 0, 3], 3, PaybackStatus.PAID_BACK),
    ([-5, 2, -1, 4], 2, PaybackStatus.PAID_BACK),  # the first recovery counts
    ([0, 0, 1], None, PaybackStatus.NEVER_NEGATIVE),
    ([-1, -2, -0.5], None, PaybackStatus.NOT_WITHIN_HORIZON),
    ([-1e-9, 5], None, PaybackStatus.NEVER_NEGATIVE),  # float dust is zero
])
def test_payback_definition(cumulative: list[float], month: int | None, status: PaybackStatus) -> None:
    from migrations_plan.savings import payback

    assert payback(cumulative) == (month, status)


def test_npv_discounts_month_one_by_one_month() -> None:
    from migrations_plan.savings import npv

    assert npv([100.0], 0.0) == 100.0
    assert npv([0.0] * 11 + [107.0], 0.07) == pytest.approx(100.0)  # 12 months at 7% a year = 1.07
    assert math.isclose(npv([1.0, 1.0], 0.12), 1 / 1.12 ** (1 / 12) + 1 / 1.12 ** (2 / 12))


def test_missing_price_for_the_scenario_is_an_error_naming_the_system() -> None:
    with pytest.raises(SavingsInputError, match=r"'ri1y'.*'A'"):
        project(hand_estate(), hand_assumptions(), start=JAN, months=12, scenario="ri1y")
    with pytest.raises(SavingsInputError, match="'ri1y'"):
        compare_scenarios(hand_estate(), hand_assumptions(), start=JAN, scenarios=["payg", "ri1y"])


def test_systems_without_a_month_need_no_price() -> None:
    system = one(Strategy.REHOST, None, azure_monthly={})
    assert project([system], hand_assumptions(), start=JAN, months=3, basis=Basis.REALISED).totals.net == 0


@pytest.mark.parametrize(("changes", "message"), [
    ({"cost_lines": {"hardware": -1.0}}, "cost_lines.hardware must be a finite number >= 0"),
    ({"cost_lines": {"power": 5.0}}, "'power' is not one of"),
    ({"azure_monthly": {"payg": float("nan")}}, "azure_monthly.payg"),
    ({"migration_data_gb": -3.0}, "migration_data_gb"),
])
def test_bad_system_input_is_rejected(changes: dict[str, object], message: str) -> None:
    with pytest.raises(SavingsInputError, match=message):
        one(Strategy.REHOST, MAR, **changes)


def test_unknown_strategy_is_rejected() -> None:
    with pytest.raises(SavingsInputError, match="unknown strategy 'lift'"):
        SavingsSystem(id="x", name="x", strategy="lift")  # type: ignore[arg-type]


@pytest.mark.parametrize("months", [0, -1, 601])
def test_horizon_must_be_sane(months: int) -> None:
    with pytest.raises(SavingsInputError, match="months"):
        project([], hand_assumptions(), start=JAN, months=months)


def test_projection_prints_as_a_table() -> None:
    text = str(project(hand_estate(), hand_assumptions(), start=JAN, months=12))
    assert "payback in month 7" in text
    assert "2026-12" in text and "5,184.00" in text


def test_basis_may_be_given_as_text() -> None:
    realised = project(hand_estate(), hand_assumptions(), start=JAN, months=12, basis="realised")  # type: ignore[arg-type]
    assert realised.totals.net == pytest.approx(6583)
    comparison = compare_scenarios(hand_estate(), hand_assumptions(), start=JAN, basis="realised")  # type: ignore[arg-type]
    assert comparison.get("payg").totals.net == pytest.approx(6583)
