"""Target mapping, sizing edges, readiness and prices, against a small literal catalog.

Prices are real eastus2 figures from the public data (the shared data PROVENANCE rows for the Windows and
Linux PAYG files, the managed-disk, SQL Database and App Service files); the reserved prices of D4s_v5 are the
rvtools estimator's eastus figures, placed in eastus2 so one size has a real (not estimated) reservation.
"""

from __future__ import annotations

import datetime as dt
import gc
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inventory.importers import azure_migrate
from inventory.records import Criticality, Disk, Environment, OsFamily, PowerState, SystemKind, SystemRecord
from migrations_plan.assessment import (
    AssessInput,
    AssessmentError,
    AssessSettings,
    DiskLoad,
    Override,
    SizingBasis,
    TargetService,
    assess,
)
from migrations_plan.pricing import (
    AppServicePlan,
    DiskTier,
    OsType,
    PriceCatalog,
    SqlDbRate,
    SqlTier,
    VmSize,
)
from migrations_plan.pricing.reserved import ReservedRates
from migrations_plan.pricing.specs import APP_SERVICE_PLAN_SPECS, DISK_TIER_BY_NAME
from migrations_plan.pricing.vm_prices import RegionVmPrices
from migrations_plan.strategy_types import Readiness, Strategy

AS_OF = dt.date(2026, 9, 1)
H = 730  # hours per month

# name, family, vcpus, memory GiB, max data disks, uncached IOPS, uncached MB/s, premium (azure_vm_sizes.csv)
_SIZES = [
    ("Standard_B2s", "standardBSFamily", 2, 4, 4, 1280, 21, True),
    ("Standard_B2ms", "standardBSFamily", 2, 8, 4, 1920, 21, True),
    ("Standard_D2s_v5", "standardDSv5Family", 2, 8, 4, 3750, 81, None),
    ("Standard_D4s_v5", "standardDSv5Family", 4, 16, 8, 6400, 138, None),
    ("Standard_D8s_v5", "standardDSv5Family", 8, 32, 16, 12800, 276, None),
    ("Standard_D16s_v5", "standardDSv5Family", 16, 64, 32, 25600, 572, None),
    ("Standard_E2s_v5", "standardESv5Family", 2, 16, 4, 3750, 81, None),
    ("Standard_E4s_v5", "standardESv5Family", 4, 32, 8, 6400, 138, None),
    ("Standard_E8s_v5", "standardESv5Family", 8, 64, 16, 12800, 276, None),
    ("Standard_F2s_v2", "standardFSv2Family", 2, 4, 4, 3200, 45, True),
    ("Standard_F4s_v2", "standardFSv2Family", 4, 8, 8, 6400, 91, True),
    ("Standard_M416ms_v2", "standardMSv2Family", 416, 11400, 64, 80000, 1907, True),
    ("Standard_D2as_v5", "standardDASv5Family", 2, 8, 4, 3750, 78, None),
    # 1-vCPU sizes of two series in Azure Migrate's default list (Fs, DSv2): reachable for small needs.
    ("Standard_F1s", "standardFSFamily", 1, 2, 4, 3200, 45, True),
    ("Standard_DS1_v2", "standardDSv2Family", 1, 3.5, 4, 3200, 45, True),
]
# eastus2 hourly USD: (linux, windows)
_PRICES = {
    "Standard_B2s": (0.0416, 0.0496),
    "Standard_B2ms": (0.0832, 0.0912),
    "Standard_D2s_v5": (0.096, 0.188),
    "Standard_D4s_v5": (0.192, 0.376),
    "Standard_D8s_v5": (0.384, 0.752),
    "Standard_D16s_v5": (0.768, 1.504),
    "Standard_E2s_v5": (0.126, 0.218),
    "Standard_E4s_v5": (0.252, 0.436),
    "Standard_E8s_v5": (0.504, 0.872),
    "Standard_F2s_v2": (0.0846, 0.163),
    "Standard_F4s_v2": (0.169, 0.326),
    "Standard_M416ms_v2": (99.15, 118.29),
    "Standard_F1s": (0.0497, 0.0957),
    "Standard_DS1_v2": (0.057, 0.117),
}
# Windows only (its eastus2 Linux figure is a Cloud Services meter, dropped): priced from the Windows rate.
D2AS_WINDOWS = 0.178
_DISK_PRICES = {"P6": 9.2801, "P10": 17.92, "P15": 34.56, "P20": 66.56, "P30": 122.88, "P40": 235.52,
                "P50": 450.56, "P80": 3276.8, "E6": 4.8, "E10": 9.6, "E15": 19.2, "E20": 38.4, "E30": 76.8,
                "E40": 153.6, "E50": 307.2, "E80": 2457.6}
_APP_PRICES = {  # plan -> (linux, windows) per hour
    "B1": (0.017, 0.075), "B2": (0.034, 0.15), "P0v3": (0.0775, 0.1575), "P1v3": (0.155, 0.315),
    "P2v3": (0.31, 0.63), "P3v3": (0.62, 1.26), "P5mv3": (2.976, 5.536),
}
D4S_RESERVED = ReservedRates(linux_ri1y=0.1184931506849315, linux_ri3y=0.07583713850837139,
                             windows_ri1y=0.3024931506849315, windows_ri3y=0.25983713850837137)


def _catalog() -> PriceCatalog:
    sizes = {name: VmSize(name, family, vcpus, float(mem), "x64", disks, iops, mbps, premium)
             for name, family, vcpus, mem, disks, iops, mbps, premium in _SIZES}
    # D2as_v5: Windows price only, as in eastus2 where its Linux figure is a Cloud Services meter (dropped).
    prices = RegionVmPrices(linux={k: v[0] for k, v in _PRICES.items()},
                            windows={**{k: v[1] for k, v in _PRICES.items()}, "Standard_D2as_v5": D2AS_WINDOWS},
                            linux_suspect=frozenset({"Standard_D2as_v5"}))
    disks = tuple(
        DiskTier(name, DISK_TIER_BY_NAME[name].kind, DISK_TIER_BY_NAME[name].size_gib, DISK_TIER_BY_NAME[name].iops,
                 DISK_TIER_BY_NAME[name].mbps, price)
        for name, price in _DISK_PRICES.items()
    )
    options = (2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 24, 32, 40, 80)
    sql = {SqlTier.GENERAL_PURPOSE: SqlDbRate(SqlTier.GENERAL_PURPOSE, 0.152217, 0.115, options),
           SqlTier.BUSINESS_CRITICAL: SqlDbRate(SqlTier.BUSINESS_CRITICAL, 0.304435, 0.25, options)}
    plans = tuple(
        AppServicePlan(name, os, *APP_SERVICE_PLAN_SPECS[name], hourly)
        for name, (linux, windows) in _APP_PRICES.items()
        for os, hourly in ((OsType.LINUX, linux), (OsType.WINDOWS, windows))
    )
    return PriceCatalog(
        as_of=dt.date(2026, 8, 15),
        sources=("literal test catalog (eastus2 figures from the public price files)",),
        sizes=sizes,
        # westus3: VM prices only, like the regions the shipped catalog has no disk/SQL/App Service prices for.
        vm_prices={"eastus2": prices, "westus3": prices},
        reserved={"eastus2": {"Standard_D4s_v5": D4S_RESERVED}},
        disks={"eastus2": disks},
        sql_db={"eastus2": sql},
        app_service={"eastus2": plans},
    )


CATALOG = _catalog()


def system(**overrides: Any) -> AssessInput:
    """A production RHEL 8 server, 4 cores / 16 GiB, one 64 GiB disk, no utilisation data, unless overridden."""
    base: dict[str, Any] = {
        "id": 1, "name": "srv-1", "os_name": "Red Hat Enterprise Linux 8 (64-bit)", "os_family": OsFamily.LINUX,
        "cores": 4, "memory_mb": 16384, "disks": (DiskLoad(64),), "environment": Environment.PRODUCTION,
        "power_state": PowerState.ON, "dependency_count": 3,
    }
    base.update(overrides)
    return AssessInput(**base)


def run(*systems: AssessInput, overrides: dict[int, Override] | None = None, **settings: Any) -> Any:
    """One system -> its Assessment; several -> the AssessmentResult."""
    result = assess(systems, catalog=CATALOG, settings=AssessSettings(as_of=AS_OF, **settings),
                    overrides=overrides or {})
    return result.assessments[0] if len(systems) == 1 else result


def money(value: float) -> float:
    return round(value, 2)


# ----- VM sizing edges ----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("case", "inputs", "settings", "size", "basis"),
    [
        ("tiny production VM: ceil(1 x 10% x 1.3 = 0.13) = 1 vCPU, 2 x 50% x 1.3 = 1.3 GiB -> F1s (1 vCPU, 2 GiB, "
         "0.0497/h): a 1-vCPU size is reachable, and never burstable",
         {"cores": 1, "memory_mb": 2048, "cpu_util_pct": 10, "memory_util_pct": 50, "util_percentile": 95}, {},
         "Standard_F1s", SizingBasis.PERFORMANCE),
        ("tiny idle dev VM, default settings: burstable B-series excluded (B2s 0.0416/h is cheaper) -> F1s",
         {"cores": 1, "memory_mb": 2048, "cpu_util_pct": 10, "memory_util_pct": 50, "util_percentile": 95,
              "environment": Environment.DEVELOPMENT}, {}, "Standard_F1s", SizingBasis.PERFORMANCE),
        ("tiny idle dev VM, burstable included: P95 CPU 10% < 20% -> B2s (2 vCPU, 4 GiB, 0.0416/h)",
         {"cores": 1, "memory_mb": 2048, "cpu_util_pct": 10, "memory_util_pct": 50, "util_percentile": 95,
              "environment": Environment.DEVELOPMENT}, {"burstable": True}, "Standard_B2s", SizingBasis.PERFORMANCE),
        ("busy dev VM, burstable included: P95 CPU 60% >= 20%, no burstable -> F1s",
         {"cores": 1, "memory_mb": 2048, "cpu_util_pct": 60, "memory_util_pct": 50, "util_percentile": 95,
              "environment": Environment.DEVELOPMENT}, {"burstable": True}, "Standard_F1s", SizingBasis.PERFORMANCE),
        ("idle dev VM with 3 GiB: 1 vCPU, 4 x 50% x 1.3 = 2.6 GiB -> DS1_v2 (3.5 GiB, 0.057/h; F1s has 2 GiB)",
         {"cores": 1, "memory_mb": 4096, "cpu_util_pct": 10, "memory_util_pct": 50, "util_percentile": 95,
              "environment": Environment.DEVELOPMENT}, {}, "Standard_DS1_v2", SizingBasis.PERFORMANCE),
        ("no performance data: as on premises (4 cores, 16 GiB)", {}, {}, "Standard_D4s_v5",
         SizingBasis.AS_ON_PREMISES),
        ("lower percentile than asked: as on premises",
         {"cpu_util_pct": 10, "memory_util_pct": 10, "util_percentile": 50}, {}, "Standard_D4s_v5",
         SizingBasis.AS_ON_PREMISES),
        ("performance: 8 cores x 40% x 1.3 = 4.16 -> 5 vCPU, 32 GiB x 50% x 1.3 = 20.8 GiB",
         {"cores": 8, "memory_mb": 32768, "cpu_util_pct": 40, "memory_util_pct": 50, "util_percentile": 95}, {},
         "Standard_D8s_v5", SizingBasis.PERFORMANCE),
        ("memory-heavy: 3 vCPU, 64 GiB x 35% x 1.3 = 29.1 GiB -> E4s_v5",
         {"cores": 8, "memory_mb": 65536, "cpu_util_pct": 20, "memory_util_pct": 35, "util_percentile": 95}, {},
         "Standard_E4s_v5", SizingBasis.PERFORMANCE),
        ("VM series narrowed to Esv5",
         {"cores": 1, "memory_mb": 2048, "cpu_util_pct": 10, "memory_util_pct": 50, "util_percentile": 95},
         {"vm_series": ("Esv5",)}, "Standard_E2s_v5", SizingBasis.PERFORMANCE),
        ("VM series named the Azure Migrate way (Fsv2_series): 1 vCPU -> F2s_v2, the smallest Fsv2",
         {"cores": 1, "memory_mb": 2048, "cpu_util_pct": 10, "memory_util_pct": 50, "util_percentile": 95},
         {"vm_series": ("Fsv2_series",)}, "Standard_F2s_v2", SizingBasis.PERFORMANCE),
        ("comfort factor 1.0: 8 cores x 50% = 4 vCPU exactly, 16 GiB x 60% = 9.6 GiB (F4s_v2 has 8)",
         {"cores": 8, "memory_mb": 16384, "cpu_util_pct": 50, "memory_util_pct": 60, "util_percentile": 95},
         {"comfort_factor": 1.0}, "Standard_D4s_v5", SizingBasis.PERFORMANCE),
        ("200 cores / 1 TiB as on premises: M416ms_v2 (Mv2 is in Azure Migrate's default series)",
         {"cores": 200, "memory_mb": 1024 * 1024}, {}, "Standard_M416ms_v2", SizingBasis.AS_ON_PREMISES),
        ("sizing criterion as-on-premises: 40%/50% ignored, 8 cores / 32 GiB -> D8s_v5",
         {"cores": 8, "memory_mb": 32768, "cpu_util_pct": 40, "memory_util_pct": 50, "util_percentile": 95},
         {"sizing": "as-on-premises"}, "Standard_D8s_v5", SizingBasis.AS_ON_PREMISES),
        ("powered off with utilisation figures: sized as on premises, 4 cores / 16 GiB -> D4s_v5",
         {"cpu_util_pct": 5, "memory_util_pct": 10, "util_percentile": 95, "power_state": PowerState.OFF}, {},
         "Standard_D4s_v5", SizingBasis.AS_ON_PREMISES),
        ("0% CPU, 0% memory, no power state, no environment, burstable included: not measured-idle B1s-class, but "
         "as on premises 4 / 16 -> D4s_v5",
         {"cpu_util_pct": 0, "memory_util_pct": 0, "power_state": PowerState.UNKNOWN,
          "environment": Environment.UNKNOWN}, {"burstable": True}, "Standard_D4s_v5", SizingBasis.AS_ON_PREMISES),
    ],
)
def test_vm_size(case: str, inputs: dict[str, Any], settings: dict[str, Any], size: str,
                 basis: SizingBasis) -> None:
    result = run(system(**inputs), **settings)
    assert result.target is not None, case
    assert result.target.service is TargetService.VM
    assert result.target.sku == size, case
    assert result.sizing_basis is basis


def test_performance_arithmetic_is_reported() -> None:
    result = run(system(cores=8, memory_mb=32768, cpu_util_pct=40, memory_util_pct=50, util_percentile=95))
    assert (result.needed_vcpus, result.needed_memory_gib) == (5, 20.8)
    assert "-> 5 vCPU" in result.sizing_note and "-> 20.8 GiB" in result.sizing_note


def test_huge_vm_beyond_largest_size_is_not_ready() -> None:
    result = run(system(cores=500, memory_mb=2048 * 1024))
    assert result.readiness is Readiness.NOT_READY
    assert result.target is None and result.monthly_cost is None
    assert any("vCPU 500 exceeds the largest available (416)" in reason for reason in result.readiness_reasons)


@pytest.mark.parametrize(("field", "value"), [("cores", None), ("memory_mb", None), ("cores", 0)])
def test_unknown_cores_or_memory_makes_readiness_unknown(field: str, value: Any) -> None:
    result = run(system(**{field: value}))
    assert result.readiness is Readiness.UNKNOWN
    assert result.target is None and result.needed_vcpus is None
    assert any("unknown: cannot size" in reason for reason in result.readiness_reasons)


# ----- prices: Windows vs Linux, Hybrid Benefit, reservations --------------------------------------------

@pytest.mark.parametrize(
    ("os_name", "family", "settings", "expected"),
    [
        ("Red Hat Enterprise Linux 8 (64-bit)", OsFamily.LINUX, {}, 0.192 * H + 9.2801),
        ("Microsoft Windows Server 2019 (64-bit)", OsFamily.WINDOWS, {}, 0.376 * H + 9.2801),
        ("Microsoft Windows Server 2019 (64-bit)", OsFamily.WINDOWS, {"ahb": True}, 0.192 * H + 9.2801),
        ("Red Hat Enterprise Linux 8 (64-bit)", OsFamily.LINUX, {"ahb": True}, 0.192 * H + 9.2801),
        ("Red Hat Enterprise Linux 8 (64-bit)", OsFamily.LINUX, {"pricing": "ri3y"},
         0.07583713850837139 * H + 9.2801),
        ("Microsoft Windows Server 2019 (64-bit)", OsFamily.WINDOWS, {"pricing": "ri1y"},
         0.3024931506849315 * H + 9.2801),
        ("Microsoft Windows Server 2019 (64-bit)", OsFamily.WINDOWS, {"pricing": "ri3y", "ahb": True},
         0.07583713850837139 * H + 9.2801),
    ],
)
def test_monthly_cost_by_os_ahb_and_reservation(os_name: str, family: OsFamily, settings: dict[str, Any],
                                                expected: float) -> None:
    result = run(system(os_name=os_name, os_family=family), **settings)
    assert result.target is not None and result.target.sku == "Standard_D4s_v5"
    assert result.monthly_cost == pytest.approx(money(expected), abs=0.01)
    assert result.cost_estimated is False  # D4s_v5 has real reserved prices


def test_cost_by_option_holds_every_key_for_the_same_size() -> None:
    result = run(system(os_name="Microsoft Windows Server 2019 (64-bit)", os_family=OsFamily.WINDOWS))
    by_option = result.monthly_cost_by_option
    assert set(by_option) == {"payg", "ri1y", "ri3y", "payg_ahb", "ri1y_ahb", "ri3y_ahb"}
    assert by_option["payg"] == pytest.approx(money(0.376 * H + 9.2801), abs=0.01)
    assert by_option["payg_ahb"] == pytest.approx(money(0.192 * H + 9.2801), abs=0.01)
    assert by_option["ri3y_ahb"] < by_option["ri3y"] < by_option["ri1y"] < by_option["payg"]


def test_windows_size_without_a_linux_rate_is_priced_from_windows_prices() -> None:
    # 2 vCPU / 6 GiB on Windows, as on premises: D2as_v5 (8 GiB, Windows 0.178/h) is cheaper than D2s_v5 (0.188/h).
    # Its Linux rate is unknown, so its Hybrid Benefit keys cannot be priced: said in the cost basis, not a reason
    # to drop the size. 0.178 x 730 = 129.94 + P6 9.28 = 139.22.
    windows = {"os_name": "Microsoft Windows Server 2022 (64-bit)", "os_family": OsFamily.WINDOWS, "cores": 2,
               "memory_mb": 6144}
    result = run(system(**windows))
    assert result.target is not None and result.target.sku == "Standard_D2as_v5"
    assert result.monthly_cost == pytest.approx(money(D2AS_WINDOWS * H + 9.2801))
    assert set(result.monthly_cost_by_option) == {"payg", "ri1y", "ri3y"}
    assert "payg_ahb, ri1y_ahb, ri3y_ahb not priced for Standard_D2as_v5 (no Linux price" in result.cost_basis
    # With Hybrid Benefit the Linux rate is the price: D2as_v5 has none, so D2s_v5 (0.096/h) is chosen.
    assert run(system(**windows), ahb=True).target.sku == "Standard_D2s_v5"
    # On Linux the same need gets D2s_v5 too: D2as_v5 has no Linux price at all.
    assert run(system(cores=2, memory_mb=6144)).target.sku == "Standard_D2s_v5"


def test_estimated_reservation_is_flagged() -> None:
    # 8 cores as on premises -> D8s_v5, which has no real reserved price: estimated from the D4s_v5 ratio.
    result = run(system(cores=8, memory_mb=32768), pricing="ri3y")
    assert result.target is not None and result.target.sku == "Standard_D8s_v5"
    ratio = 0.07583713850837139 / 0.192
    assert result.monthly_cost == pytest.approx(0.384 * ratio * H + 9.2801, abs=0.01)
    assert result.cost_estimated is True
    assert "estimated" in result.cost_basis


@pytest.mark.parametrize(
    ("environment", "settings", "size", "passed_over"),
    [
        # B-series are off unless asked for (not in Azure Migrate's VM series list)
        (Environment.TEST, {}, "Standard_F1s", "Standard_B2s: burstable excluded"),
        (Environment.TEST, {"burstable": True}, "Standard_B2s", None),
        # asked for, but never for production
        (Environment.PRODUCTION, {"burstable": True}, "Standard_F1s", "Standard_B2s: burstable, production system"),
        # no environment: the default environment (production) decides ...
        (Environment.UNKNOWN, {"burstable": True}, "Standard_F1s", "Standard_B2s: burstable, production system"),
        # ... unless the default environment is set to a non-production one
        (Environment.UNKNOWN, {"burstable": True, "default_environment": Environment.TEST}, "Standard_B2s", None),
    ],
)
def test_burstable_only_when_included_and_never_for_production(environment: Environment, settings: dict[str, Any],
                                                               size: str, passed_over: str | None) -> None:
    # 1 core at 5% CPU, 2 GiB at 20%: 1 vCPU, 0.52 GiB. B2s 0.0416/h is the cheapest; F1s 0.0497/h the next.
    result = run(system(cores=1, memory_mb=2048, cpu_util_pct=5, memory_util_pct=20, util_percentile=95,
                        environment=environment), **settings)
    assert result.target is not None and result.target.sku == size
    if passed_over is not None:
        assert passed_over in result.rejected_sizes


@pytest.mark.parametrize(
    ("inputs", "why"),
    [
        ({"environment": Environment.PRODUCTION}, "burstable sizes are not offered to production systems"),
        ({"environment": Environment.UNKNOWN}, "burstable sizes are not offered to production systems"),
        ({"environment": Environment.TEST, "cpu_util_pct": 60},
         "burstable sizes are not offered to this system: P95 CPU not under 20% (credits would run out)"),
    ],
)
def test_burstable_series_only_say_why_a_system_gets_no_size(inputs: dict[str, Any], why: str) -> None:
    # `--series B`: B2s would fit (1 vCPU, 0.52 GiB), but not for production systems or a busy one.
    quiet = {"cores": 1, "memory_mb": 2048, "cpu_util_pct": 5, "memory_util_pct": 20, "util_percentile": 95}
    result = run(system(**{**quiet, **inputs}), vm_series=("B",))
    assert result.readiness is Readiness.NOT_READY and result.target is None
    assert result.readiness_reasons == (
        f"no linux VM size: the included series (B) are all burstable, and {why}; include a "
        "non-burstable series (Dsv5, Esv5...)",)
    # a quiet test system may have one
    assert run(system(**{**quiet, "environment": Environment.TEST}), vm_series=("B",)).target.sku == "Standard_B2s"


@pytest.mark.parametrize(
    ("environment", "settings", "tiers"),
    [
        (Environment.UNKNOWN, {}, ["P6"]),  # default environment production: Premium SSD (Azure Migrate's default)
        (Environment.UNKNOWN, {"default_environment": Environment.DEVELOPMENT}, ["E6"]),
        (Environment.TEST, {}, ["E6"]),  # a known environment is never replaced by the default
    ],
)
def test_default_environment_decides_disks_of_systems_without_one(environment: Environment,
                                                                  settings: dict[str, Any], tiers: list[str]) -> None:
    result = run(system(environment=environment), **settings)
    assert result.target is not None and [disk.tier for disk in result.target.disks] == tiers


def test_reasons_say_which_need_decided_the_size_and_which_cheaper_sizes_were_passed_over() -> None:
    # 2 cores at 50%: ceil(2 x 0.5 x 1.3 = 1.3) = 2 vCPU; 8 GiB at 70%: 8 x 0.7 x 1.3 = 7.28 GiB; production.
    # Linux prices: F2s_v2 (2 vCPU, 4 GiB) 0.0846 lacks memory only, B2ms (2, 8) 0.0832 is burstable, so the
    # cheapest fit is D2s_v5 (2, 8) 0.096; without the memory need F2s_v2 would do, so memory decided it.
    result = run(system(cores=2, memory_mb=8192, cpu_util_pct=50, memory_util_pct=70, util_percentile=95))
    assert result.target is not None and result.target.sku == "Standard_D2s_v5"
    assert result.needed_memory_gib == 7.28
    assert result.sizing_reason.startswith("memory 7.28 GiB -> 8 GiB decided it")
    assert result.rejected_sizes == ("Standard_F2s_v2: 4 GiB < 7.28 GiB", "Standard_B2ms: burstable excluded")
    text = str(result)
    assert "size: memory 7.28 GiB -> 8 GiB" in text and "cheaper sizes passed over: Standard_F2s_v2" in text
    row = result.to_dict()
    assert row["sizing_reason"] == result.sizing_reason and row["rejected_sizes"] == list(result.rejected_sizes)


# 2 cores at 50%: ceil(2 x 0.5 x 1.3 = 1.3) = 2 vCPU; 8 GiB at 70%: 8 x 0.7 x 1.3 = 7.28 GiB; production (Premium
# SSD, no burstable). Without the disk need D2s_v5 (2 vCPU, 8 GiB, 4 data disks, 3,750 IOPS, 81 MB/s, 0.096/h)
# would do; each case below needs more of one disk figure, which then decides the size.
SMALL = {"cores": 2, "memory_mb": 8192, "cpu_util_pct": 50, "memory_util_pct": 70, "util_percentile": 95}


@pytest.mark.parametrize(
    ("case", "inputs", "size", "reason", "passed_over", "monthly"),
    [
        ("8 disks, as on premises (2 vCPU, 8 GiB): the OS disk and 7 data disks; D2s_v5 takes 4 data disks, so the "
         "cheapest with >= 7 is F4s_v2 (8 data disks, 0.169/h); 8 x P6",
         {"cores": 2, "memory_mb": 8192, "disks": tuple(DiskLoad(64) for _ in range(8))}, "Standard_F4s_v2",
         "data disks 7 -> 8 decided it", "Standard_D2s_v5: 4 data disks < 7", 0.169 * H + 8 * 9.2801),
        ("IOPS: (3,000 + 500) x 1.3 = 4,550 > D2s_v5's 3,750 -> F4s_v2 (6,400 IOPS, 0.169/h); P30 (5,000 IOPS)",
         {**SMALL, "disks": (DiskLoad(100, 3000, 500),)}, "Standard_F4s_v2", "disk IOPS 4550 -> 6400 decided it",
         "Standard_D2s_v5: 3750 IOPS < 4550", 0.169 * H + 122.88),
        ("IOPS as on premises: 3,500 as measured (no comfort factor) <= D2s_v5's 3,750 -> D2s_v5 (0.096/h)",
         {"cores": 2, "memory_mb": 8192, "disks": (DiskLoad(100, 3000, 500),)}, "Standard_D2s_v5",
         "the cheapest size of the included series, and it covers every need", None, 0.096 * H + 122.88),
        ("MB/s: (60 + 17) x 1.3 = 100.1 > D2s_v5's 81 (and F4s_v2's 91) -> D4s_v5 (138 MB/s, 0.192/h); P15 (125)",
         {**SMALL, "disks": (DiskLoad(100, None, None, 60, 17),)}, "Standard_D4s_v5",
         "disk MB/s 100.1 -> 138 decided it", "Standard_D2s_v5: 81 MB/s < 100.1", 0.192 * H + 34.56),
    ],
)
def test_disk_needs_decide_the_vm_size(case: str, inputs: dict[str, Any], size: str, reason: str,
                                       passed_over: str | None, monthly: float) -> None:
    result = run(system(**inputs))
    assert result.target is not None and result.target.sku == size, case
    assert result.sizing_reason.startswith(reason), result.sizing_reason
    if passed_over is not None:
        assert result.rejected_sizes[0] == passed_over
    assert result.monthly_cost == pytest.approx(money(monthly), abs=0.01)


def test_a_performance_based_recommendation_checked_by_hand() -> None:
    # Microsoft's performance-based sizing (https://learn.microsoft.com/azure/migrate/concepts-assessment-calculation,
    # "Calculate sizing (performance-based)"): utilisation at the percentile x the comfort factor gives the effective
    # need of compute and of each disk's IOPS and throughput; the cheapest size of the included series that covers
    # them is recommended, and each disk the cheapest tier (Premium SSD for production) that covers it.
    # 8 cores at P95 40%: ceil(8 x 0.40 x 1.3 = 4.16) = 5 vCPU; 32 GiB at 50%: 32 x 0.50 x 1.3 = 20.8 GiB.
    # Disk: 200 GiB, (500 + 300) x 1.3 = 1,040 IOPS, (20 + 10) x 1.3 = 39 MB/s -> P15 (256 GiB, 1,100, 125): P10 is
    # 128 GiB. Sizes with >= 5 vCPU and >= 20.8 GiB, cheapest first: D8s_v5 (8, 32) 0.384/h, E8s_v5 0.504/h,
    # D16s_v5 0.768/h; E4s_v5 (4 vCPU, 0.252/h) lacks one vCPU, so vCPU decided it.
    # Monthly: 0.384 x 730 = 280.32 + P15 34.56 = 314.88.
    result = run(system(cores=8, memory_mb=32768, cpu_util_pct=40, memory_util_pct=50, util_percentile=95,
                        disks=(DiskLoad(200, 500, 300, 20, 10),)))
    assert result.sizing_basis is SizingBasis.PERFORMANCE
    assert (result.needed_vcpus, result.needed_memory_gib) == (5, 20.8)
    assert result.target is not None and result.target.sku == "Standard_D8s_v5"
    assert [disk.tier for disk in result.target.disks] == ["P15"]
    assert result.sizing_reason.startswith("vCPU 5 -> 8 decided it")
    assert result.rejected_sizes[0] == "Standard_E4s_v5: 4 vCPU < 5"
    assert result.monthly_cost == pytest.approx(314.88, abs=0.01) == money(0.384 * H + 34.56)


def test_a_requirement_above_the_allocation_is_said_in_the_sizing_note() -> None:
    # 2 cores at 100%: 2 x 1.00 x 1.3 = 2.6 -> 3 vCPU, above the 2 allocated (allowed by default, as in Azure Migrate)
    result = run(system(cores=2, memory_mb=8192, cpu_util_pct=100, memory_util_pct=50, util_percentile=95))
    assert result.needed_vcpus == 3
    said = "vCPU 2.6 above the allocated 2 (comfort factor 1.3 on 100% use; --cap-at-allocation caps it)"
    assert said in result.sizing_note and said in str(result)
    capped = run(system(cores=2, memory_mb=8192, cpu_util_pct=100, memory_util_pct=50, util_percentile=95),
                 cap_at_allocation=True)
    assert capped.needed_vcpus == 2 and "above the allocated" not in capped.sizing_note


def test_discount_comes_off_pay_as_you_go_compute_only() -> None:
    # D2s_v5 Linux 0.096 x 730 = 70.08, less 10% = 63.07, + P6 9.28 = 72.35; reservations and disks undiscounted.
    need = {"cores": 2, "memory_mb": 8192, "cpu_util_pct": 50, "memory_util_pct": 70, "util_percentile": 95}
    full, discounted = run(system(**need)), run(system(**need), discount_pct=10)
    assert discounted.monthly_cost == pytest.approx(money(0.096 * H * 0.9 + 9.2801))
    assert "less 10% discount" in discounted.cost_basis
    assert discounted.monthly_cost_by_option["ri3y"] == full.monthly_cost_by_option["ri3y"]
    assert discounted.monthly_cost_by_option["payg_ahb"] == discounted.monthly_cost


def test_unknown_vm_series_is_rejected() -> None:
    with pytest.raises(AssessmentError, match="'Zzv9': no size of that series is priced in eastus2"):
        run(system(), vm_series=("Dsv5", "Zzv9"))


def test_result_carries_the_settings_under_azure_migrate_names() -> None:
    result = run(system(id=1), system(id=2, name="srv-2"), percentile=99, comfort_factor=1.5, burstable=True)
    assert result.settings["Sizing criteria"] == "performance-based"
    assert result.settings["Percentile utilization"] == "P99"
    assert result.settings["Comfort factor"] == "1.5"
    assert result.settings["VM series"].endswith("with burstable B-series")
    assert "Settings: Sizing criteria performance-based; Percentile utilization P99" in str(result)


# ----- disks ----------------------------------------------------------------------------------------------

MEASURED = {"cpu_util_pct": 40, "memory_util_pct": 50, "util_percentile": 95}  # sized from performance data


@pytest.mark.parametrize(
    ("environment", "disks", "inputs", "tiers"),
    [
        (Environment.PRODUCTION, (DiskLoad(64),), {}, ["P6"]),
        (Environment.TEST, (DiskLoad(64),), {}, ["E6"]),
        (Environment.TEST, (DiskLoad(100), DiskLoad(3000)), {}, ["E10", "E50"]),
        (Environment.PRODUCTION, (DiskLoad(100), DiskLoad(600)), {}, ["P10", "P30"]),
        # 1,200 + 400 IOPS x 1.3 = 2,080: over standard SSD's 500 -> the cheapest premium tier with 2,300 IOPS.
        (Environment.TEST, (DiskLoad(100, 1200, 400),), MEASURED, ["P20"]),
        # 150 MB/s x 1.3 = 195 MB/s: P30 (200 MB/s) ...
        (Environment.PRODUCTION, (DiskLoad(100, None, None, 100, 50),), MEASURED, ["P30"]),
        # ... as on premises (no utilisation figures) no comfort factor: 150 MB/s -> P20 (150 MB/s)
        (Environment.PRODUCTION, (DiskLoad(100, None, None, 100, 50),), {}, ["P20"]),
        # as on premises, 1,000 + 100 = 1,100 IOPS as measured -> P15 (1,100); x 1.3 = 1,430 would need P20 (2,300)
        (Environment.PRODUCTION, (DiskLoad(100, 1000, 100),), {}, ["P15"]),
        (Environment.PRODUCTION, (DiskLoad(100, 1000, 100),), MEASURED, ["P20"]),
    ],
)
def test_disk_tiers(environment: Environment, disks: tuple[DiskLoad, ...], inputs: dict[str, Any],
                    tiers: list[str]) -> None:
    result = run(system(environment=environment, disks=disks, **inputs))
    assert result.target is not None
    assert [disk.tier for disk in result.target.disks] == tiers


def test_premium_disk_needs_a_premium_capable_size() -> None:
    # P20 for IOPS in a test system: the VM must support premium storage (all sizes here do: s-suffix).
    result = run(system(environment=Environment.TEST, disks=(DiskLoad(100, 1200, 400),)))
    assert result.target is not None and result.target.sku is not None and "s" in result.target.sku.split("_")[1]


def test_disk_beyond_largest_tier_is_not_ready() -> None:
    result = run(system(disks=(DiskLoad(64), DiskLoad(40000))))
    assert result.readiness is Readiness.NOT_READY
    assert any("40000" in reason for reason in result.readiness_reasons)


def test_no_disk_data_assumes_an_os_disk() -> None:
    result = run(system(disks=()))
    assert result.target is not None and [disk.tier for disk in result.target.disks] == ["P10"]
    assert "128 GiB OS disk assumed" in result.sizing_note


def test_region_without_disk_prices_prices_compute_only() -> None:
    result = run(system(), region="westus3")
    assert result.target is not None and result.target.sku == "Standard_D4s_v5" and result.target.disks == ()
    assert result.monthly_cost == pytest.approx(money(0.192 * H))
    assert result.cost_estimated is True
    assert result.readiness is Readiness.READY_WITH_CONDITIONS


def test_unknown_region_is_rejected() -> None:
    with pytest.raises(AssessmentError, match="mars-east"):
        run(system(), region="mars-east")


# ----- readiness ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("inputs", "readiness", "fragment"),
    [
        ({"os_name": "Red Hat Enterprise Linux 6 (32-bit)", "os_arch": "x86"}, Readiness.NOT_READY, "32-bit OS"),
        ({"os_name": "Microsoft Windows Server 2012 R2 (64-bit)", "os_family": OsFamily.WINDOWS},
         Readiness.READY_WITH_CONDITIONS, "out of support since 2023-10-10"),
        ({"os_name": "Red Hat Enterprise Linux 7 (64-bit)"}, Readiness.READY_WITH_CONDITIONS,
         "out of support since 2024-06-30"),
        ({"os_name": "Red Hat Enterprise Linux 8 (64-bit)", "os_end_of_support": dt.date(2026, 1, 1)},
         Readiness.READY_WITH_CONDITIONS, "out of support since 2026-01-01"),
        ({"os_name": "Red Hat Enterprise Linux 9 (64-bit)"}, Readiness.READY, ""),
        ({"os_name": None, "os_family": OsFamily.UNKNOWN}, Readiness.READY_WITH_CONDITIONS, "OS unknown"),
        ({"os_name": "Other (64-bit)", "os_family": OsFamily.OTHER}, Readiness.READY_WITH_CONDITIONS,
         "not recognised"),
        ({"os_name": "Microsoft Windows Server 2008 (32-bit)", "os_family": OsFamily.WINDOWS, "os_arch": "x86"},
         Readiness.READY_WITH_CONDITIONS, "32-bit Windows Server 2008"),
    ],
)
def test_rehost_readiness(inputs: dict[str, Any], readiness: Readiness, fragment: str) -> None:
    result = run(system(**inputs))
    assert result.strategy is Strategy.REHOST
    assert result.readiness is readiness
    assert fragment in " ".join(result.readiness_reasons)


def test_unix_forced_to_rehost_is_not_ready_and_marked_as_override() -> None:
    aix = system(os_name="IBM AIX 7.1 (64-bit)", os_family=OsFamily.UNIX)
    assert run(aix).strategy is Strategy.RETAIN  # what the rules say
    result = run(aix, overrides={1: Override(Strategy.REHOST, "the owner wants it in Azure", author="jo")})
    assert (result.strategy, result.rule_id, result.overridden) == (Strategy.REHOST, "override", True)
    assert result.reason == "the owner wants it in Azure"
    assert result.readiness is Readiness.NOT_READY
    assert "Unix" in result.readiness_reasons[0]


# ----- platform targets ----------------------------------------------------------------------------------

def sql(**overrides: Any) -> AssessInput:
    """A production SQL Server 2019 database: 4 cores at 50% CPU, 16 GiB at 50%, 100 GB."""
    base: dict[str, Any] = {
        "kind": SystemKind.DATABASE, "os_name": "Microsoft Windows Server 2019 (64-bit)", "os_family": OsFamily.WINDOWS,
        "db_engine": "Microsoft SQL Server", "db_version": "2019", "db_size_gb": 100.0, "cpu_util_pct": 50,
        "memory_util_pct": 50, "util_percentile": 95,
    }
    base.update(overrides)
    return system(**base)


def test_sql_server_to_sql_database_priced_with_hybrid_benefit_only() -> None:
    result = run(sql(), ahb=True)
    assert result.strategy is Strategy.REPLATFORM and result.rule_id == "replatform-sql-server"
    assert result.target is not None and result.target.service is TargetService.SQL_DB
    assert result.target.sku == "GP_Gen5_4"  # 4 x 50% x 1.3 = 2.6 -> 3 vCPU -> next offer 4 vCores
    expected = money(4 * 0.152217 * H + 100 * 0.115)
    assert result.monthly_cost == pytest.approx(expected)
    assert dict(result.monthly_cost_by_option) == {"payg_ahb": expected, "ri1y_ahb": expected, "ri3y_ahb": expected}
    assert result.readiness is Readiness.READY


def test_sql_database_without_hybrid_benefit_is_not_priced() -> None:
    result = run(sql())
    assert result.target is not None and result.target.service is TargetService.SQL_DB
    assert result.monthly_cost is None
    assert "licence-included" in result.cost_basis
    assert "payg" not in result.monthly_cost_by_option and "payg_ahb" in result.monthly_cost_by_option


def test_critical_production_database_gets_business_critical() -> None:
    result = run(sql(criticality=Criticality.CRITICAL), ahb=True)
    assert result.target is not None and result.target.sku == "BC_Gen5_4"


@pytest.mark.parametrize(
    ("inputs", "service", "sku", "fragment"),
    [
        ({"tags": {"sql_features": "SQL Agent, linked servers"}}, TargetService.SQL_MI, "GP_Gen5_4",
         "instance features"),
        ({"db_size_gb": 6000.0}, TargetService.SQL_MI, "GP_Gen5_4", "over Azure SQL Database"),
        ({"tags": {"sql_features": "filestream"}}, TargetService.VM, "Standard_D4s_v5", "filestream"),
        ({"db_size_gb": 20000.0}, TargetService.VM, "Standard_D4s_v5", "beyond SQL Managed Instance"),
    ],
)
def test_sql_server_instance_features_and_size(inputs: dict[str, Any], service: TargetService, sku: str,
                                               fragment: str) -> None:
    result = run(sql(**inputs), ahb=True)
    assert result.target is not None
    assert (result.target.service, result.target.sku) == (service, sku)
    assert fragment in str(result.target.details.get("why", "")) + result.cost_basis


def test_managed_instance_is_not_priced_but_estimated() -> None:
    result = run(sql(tags={"sql_features": "clr"}), ahb=True)
    assert result.readiness is Readiness.READY_WITH_CONDITIONS
    assert any(reason.startswith("not priced") for reason in result.readiness_reasons)
    assert result.cost_estimated is True
    assert result.monthly_cost == pytest.approx(money(4 * 0.152217 * H + 100 * 0.115))
    assert "proxy" in result.cost_basis


def test_sql_server_on_vm_says_licence_is_excluded() -> None:
    result = run(sql(tags={"sql_features": "filestream"}))
    assert result.target is not None and result.target.details["sql_server"] is True
    assert "SQL Server licence not included" in result.cost_basis


@pytest.mark.parametrize(
    ("environment", "os_name", "family", "plan", "hourly"),
    [
        (Environment.PRODUCTION, "Red Hat Enterprise Linux 8 (64-bit)", OsFamily.LINUX, "P1v3", 0.155),
        (Environment.TEST, "Red Hat Enterprise Linux 8 (64-bit)", OsFamily.LINUX, "B2", 0.034),
        (Environment.PRODUCTION, "Microsoft Windows Server 2016 (64-bit)", OsFamily.WINDOWS, "P1v3", 0.315),
    ],
)
def test_web_tier_to_app_service(environment: Environment, os_name: str, family: OsFamily, plan: str,
                                 hourly: float) -> None:
    # 2 cores x 50% x 1.3 -> 2 vCPU; 4 GiB x 50% x 1.3 = 2.6 GiB.
    web = system(workload_type="web", environment=environment, os_name=os_name, os_family=family, cores=2,
                 memory_mb=4096, cpu_util_pct=50, memory_util_pct=50, util_percentile=95)
    result = run(web)
    assert result.rule_id == "replatform-web-app-service"
    assert result.target is not None and result.target.service is TargetService.APP_SERVICE
    assert result.target.sku == plan
    assert result.monthly_cost == pytest.approx(money(hourly * H))


def test_web_tier_falls_back_to_vm_without_app_service_prices() -> None:
    result = run(system(workload_type="web"), region="westus3")
    assert result.strategy is Strategy.REPLATFORM
    assert result.target is not None and result.target.service is TargetService.VM
    assert any("App Service" in reason for reason in result.readiness_reasons)


def test_containers_to_aks_priced_as_a_node() -> None:
    result = run(system(workload_type="container", cores=1, memory_mb=1024, cpu_util_pct=20, memory_util_pct=50,
                        util_percentile=95))
    assert result.strategy is Strategy.REFACTOR
    assert result.target is not None and result.target.service is TargetService.AKS
    assert result.target.sku == "Standard_F2s_v2"  # AKS node minimum: 2 vCPU, 4 GiB
    assert result.target.details["nodes"] == 1
    assert result.monthly_cost == pytest.approx(money(0.0846 * H + 9.2801))


def test_appliance_repurchased_as_marketplace_nva_on_linux_pricing() -> None:
    result = run(system(kind=SystemKind.APPLIANCE, os_name="Other (64-bit)", os_family=OsFamily.OTHER,
                        workload_type="firewall"))
    assert result.strategy is Strategy.REPURCHASE
    assert result.target is not None and result.target.service is TargetService.VM
    assert result.target.details["os"] == "linux" and "Marketplace" in str(result.target.details["image"])
    assert "licence not priced" in result.cost_basis
    assert result.readiness is Readiness.READY  # the box's own OS does not move


@pytest.mark.parametrize(
    ("inputs", "override", "strategy", "cost"),
    [
        ({"power_state": PowerState.OFF, "dependency_count": 0}, None, Strategy.RETIRE, 0.0),
        ({"tags": {"migrate": "no"}}, None, Strategy.RETAIN, 0.0),
        ({}, Override(Strategy.RELOCATE, "moving to AVS with its cluster"), Strategy.RELOCATE, None),
    ],
)
def test_strategies_without_a_vm(inputs: dict[str, Any], override: Override | None, strategy: Strategy,
                                 cost: float | None) -> None:
    result = run(system(**inputs), overrides={1: override} if override else None)
    assert result.strategy is strategy
    assert result.monthly_cost == cost
    if cost is None:
        assert result.monthly_cost_by_option == {}
        assert result.readiness is Readiness.READY_WITH_CONDITIONS and "not priced" in result.cost_basis
    else:
        assert set(result.monthly_cost_by_option.values()) == {0.0} and len(result.monthly_cost_by_option) == 6


# ----- the result object ----------------------------------------------------------------------------------

def test_result_counts_and_not_ready_and_text() -> None:
    systems = [
        system(id=1, name="ok"),
        system(id=2, name="huge", cores=999),
        system(id=3, name="off", power_state=PowerState.OFF, dependency_count=0),
        system(id=4, name="blank", cores=None),
    ]
    result = run(*systems)
    assert result.counts_by_strategy() == {Strategy.REHOST: 3, Strategy.RETIRE: 1}
    assert [a.name for a in result.not_ready()] == ["huge", "blank"]
    assert result.get(1).target.sku == "Standard_D4s_v5"
    text = str(result)
    assert "4 system(s)" in text and "not ready #2 huge" in text
    assert "#1 ok: rehost (rule rehost-default) -> vm Standard_D4s_v5" in str(result.get(1))
    row = result.get(1).to_dict()
    assert row["target"]["disks"] == [{"tier": "P6", "size_gib": 64}] and row["strategy"] == "rehost"


# ----- invariant: never smaller than the workload needs ---------------------------------------------------

@settings(max_examples=150, deadline=None)
@given(cores=st.integers(1, 64), memory_gib=st.integers(1, 512), cpu=st.none() | st.floats(0, 100),
       mem=st.floats(0, 100), environment=st.sampled_from(list(Environment)),
       windows=st.booleans())
def test_vm_is_never_smaller_than_the_need(cores: int, memory_gib: int, cpu: float | None, mem: float,
                                           environment: Environment, windows: bool) -> None:
    family = OsFamily.WINDOWS if windows else OsFamily.LINUX
    name = "Microsoft Windows Server 2022 (64-bit)" if windows else "Red Hat Enterprise Linux 9 (64-bit)"
    result = run(system(cores=cores, memory_mb=memory_gib * 1024, cpu_util_pct=cpu, memory_util_pct=mem,
                        util_percentile=95, environment=environment, os_name=name, os_family=family))
    assert result.target is not None and result.target.sku is not None
    size = CATALOG.sizes[result.target.sku]
    assert size.vcpus >= result.needed_vcpus
    assert size.memory_gib >= result.needed_memory_gib
    if cpu is not None and mem > 0:
        assert result.needed_vcpus >= cores * cpu / 100 * 1.3 - 1e-6
        assert result.needed_memory_gib >= memory_gib * mem / 100 * 1.3 - 1e-6
    else:  # no CPU figure, or 0% memory (no measurement): the allocation
        assert (result.needed_vcpus, result.needed_memory_gib) == (cores, memory_gib)
    # and it is the cheapest size that fits among Azure Migrate's default series (every literal size but the
    # B-series, which are off by default): no cheaper one covers the need
    prices = {n: win for n, (_, win) in _PRICES.items()} | {"Standard_D2as_v5": D2AS_WINDOWS} if windows else \
        {n: linux for n, (linux, _) in _PRICES.items()}
    cheaper = [n for n, price in prices.items()
               if price < prices[size.name] and CATALOG.sizes[n].vcpus >= result.needed_vcpus
               and CATALOG.sizes[n].memory_gib >= result.needed_memory_gib and not n.startswith("Standard_B")]
    assert cheaper == []
    assert not result.target.sku.startswith("Standard_B")


def test_replatform_without_a_platform_service_is_sized_as_a_vm() -> None:
    oracle = system(kind=SystemKind.DATABASE, db_engine="Oracle", db_version="19c")
    result = run(oracle, overrides={1: Override(Strategy.REPLATFORM, "move to a supported Oracle on new OS")})
    assert result.target is not None and result.target.service is TargetService.VM
    assert "no platform service in the catalog" in result.cost_basis


def test_assess_reads_an_imported_record_and_leaves_gc_as_it_was() -> None:
    record = SystemRecord(external_id="vm-77", name="crm-web-p-01", os_name="Microsoft Windows Server 2022 (64-bit)",
                          cores=2, memory_mb=4096, cpu_util_pct=50, memory_util_pct=50, util_percentile=95,
                          disks=(Disk(size_gb=64),), environment="prd", workload_type="web")
    assert gc.isenabled()
    result = run(AssessInput.from_record(77, record, dependency_count=2))
    assert gc.isenabled()
    assert (result.system_id, result.strategy, result.target.sku) == (77, Strategy.REPLATFORM, "P1v3")


def test_azure_migrate_csv_with_zero_utilisation_and_no_power_state_is_sized_as_on_premises(tmp_path: Path) -> None:
    # The Azure Migrate import CSV has no power-state or environment column; tools fill blank utilisation with 0.
    # Before: "measured idle" -> 1 vCPU / 0 GiB -> the smallest burstable size. Now: as on premises, 4 cores /
    # 16 GiB -> D4s_v5 (Linux 0.192/h) on a P6 disk (default environment production), even with B-series included.
    path = tmp_path / "import.csv"
    path.write_text("*Server name,*Cores,*Memory (In MB),*OS name,CPU utilization percentage,"
                    "Memory utilization percentage,Disk 1 size (In GB)\n"
                    "app-01,4,16384,Red Hat Enterprise Linux 8 (64-bit),0,0,64\n", encoding="utf-8")
    record = azure_migrate.parse(path).systems[0]
    assert (record.power_state, record.environment, record.cpu_util_pct) == (PowerState.UNKNOWN,
                                                                            Environment.UNKNOWN, 0.0)
    result = run(AssessInput.from_record(1, record), burstable=True)
    assert result.sizing_basis is SizingBasis.AS_ON_PREMISES
    assert result.sizing_note.startswith("0% CPU and 0% memory utilisation read as no performance data")
    assert result.target is not None and result.target.sku == "Standard_D4s_v5"
    assert [disk.tier for disk in result.target.disks] == ["P6"]
    assert result.monthly_cost == pytest.approx(money(0.192 * H + 9.2801))
