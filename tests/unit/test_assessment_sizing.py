"""Sizing arithmetic, the fit index and the OS/database lifecycle table."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inventory.errors import BadInputError
from inventory.records import Environment, PowerState
from migrations_plan.assessment import (
    AssessInput,
    AssessmentError,
    AssessSettings,
    DiskLoad,
    SizingBasis,
    SupportStatus,
    lookup_database,
    lookup_os,
    requirement,
    series_of,
    support_status,
)
from migrations_plan.assessment.fit import Fit, FitIndex, NoFitError
from migrations_plan.assessment.series import DEFAULT_VM_SERIES
from migrations_plan.assessment.settings import SizingCriterion, parse_savings_option
from migrations_plan.assessment.settings_file import load_settings_file, parse_settings
from migrations_plan.assessment.sizing import UnknownSizeError
from migrations_plan.assessment.vm import premium_capable
from migrations_plan.pricing import PricingOption, VmSize


def system(**overrides: Any) -> AssessInput:
    base: dict[str, Any] = {"id": 1, "name": "s", "cores": 8, "memory_mb": 32768, "disks": (DiskLoad(100),)}
    base.update(overrides)
    return AssessInput(**base)


# ----- requirement arithmetic -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("inputs", "percentile", "comfort", "vcpus", "memory", "basis"),
    [
        # ceil(8 x 0.40 x 1.3 = 4.16) = 5; 32 x 0.50 x 1.3 = 20.8
        ({"cpu_util_pct": 40, "memory_util_pct": 50, "util_percentile": 95}, 95, 1.3, 5, 20.8,
         SizingBasis.PERFORMANCE),
        # exactly 4.0 must not become 5 through float noise: 8 x 0.5 x 1.0
        ({"cpu_util_pct": 50, "memory_util_pct": 50, "util_percentile": 95}, 95, 1.0, 4, 16.0,
         SizingBasis.PERFORMANCE),
        # measured idle (0% CPU, 10% memory): at least one vCPU; 32 x 0.10 x 1.3 = 4.16 GiB
        ({"cpu_util_pct": 0, "memory_util_pct": 10, "util_percentile": 95}, 95, 1.3, 1, 4.16,
         SizingBasis.PERFORMANCE),
        # busy: 8 x 100% x 1.3 = 10.4 -> 11 vCPU, 32 x 1.3 = 41.6 GiB, more than the 8 cores / 32 GiB allocated.
        # Azure Migrate does the same: "An Azure VM assessment might recommend Azure VM SKUs with more cores and
        # memory than the current on-premises allocation" (comfort factor on utilisation), Microsoft Learn,
        # https://learn.microsoft.com/azure/migrate/troubleshoot-assessment-supported-scenarios
        ({"cpu_util_pct": 100, "memory_util_pct": 100, "util_percentile": 95}, 95, 1.3, 11, 41.6,
         SizingBasis.PERFORMANCE),
        # a higher percentile than asked is usable (conservative)
        ({"cpu_util_pct": 40, "memory_util_pct": 50, "util_percentile": 99}, 95, 1.3, 5, 20.8,
         SizingBasis.PERFORMANCE),
        # percentile not given: the figures are used as they are
        ({"cpu_util_pct": 40, "memory_util_pct": 50}, 95, 1.3, 5, 20.8, SizingBasis.PERFORMANCE),
        # a lower percentile than asked would undersize: as on premises
        ({"cpu_util_pct": 40, "memory_util_pct": 50, "util_percentile": 50}, 95, 1.3, 8, 32.0,
         SizingBasis.AS_ON_PREMISES),
        ({}, 95, 1.3, 8, 32.0, SizingBasis.AS_ON_PREMISES),
        ({"cpu_util_pct": 40}, 95, 1.3, 8, 32.0, SizingBasis.AS_ON_PREMISES),
        ({"memory_mb": 3000}, 95, 1.3, 8, 2.93, SizingBasis.AS_ON_PREMISES),  # 2.9297 GiB rounded up
        # powered off: no performance data while it is off, whatever figures the inventory holds -> 8 / 32
        ({"cpu_util_pct": 40, "memory_util_pct": 50, "util_percentile": 95, "power_state": PowerState.OFF}, 95, 1.3,
         8, 32.0, SizingBasis.AS_ON_PREMISES),
        # 0% CPU and 0% memory and no power state (a CSV with blanks written as zeros): not "measured idle", which
        # would be 1 vCPU / 0 GiB, but as on premises -> 8 / 32
        ({"cpu_util_pct": 0, "memory_util_pct": 0}, 95, 1.3, 8, 32.0, SizingBasis.AS_ON_PREMISES),
        # 0% memory alone is no measurement either (a running OS always uses memory) -> 8 / 32
        ({"cpu_util_pct": 30, "memory_util_pct": 0, "util_percentile": 95, "power_state": PowerState.ON}, 95, 1.3,
         8, 32.0, SizingBasis.AS_ON_PREMISES),
    ],
)
def test_requirement(inputs: dict[str, Any], percentile: int, comfort: float, vcpus: int, memory: float,
                     basis: SizingBasis) -> None:
    need = requirement(system(**inputs), percentile=percentile, comfort_factor=comfort)
    assert (need.vcpus, need.memory_gib, need.basis) == (vcpus, memory, basis)


@pytest.mark.parametrize(
    ("inputs", "kwargs", "vcpus", "memory", "basis", "fragment"),
    [
        # criterion as-on-premises: utilisation ignored, allocated 8 cores / 32 GiB, no comfort factor
        ({"cpu_util_pct": 40, "memory_util_pct": 50, "util_percentile": 95}, {"as_on_premises": True}, 8, 32.0,
         SizingBasis.AS_ON_PREMISES, "sizing criterion as-on-premises"),
        # 2 cores at 100% x 1.3 = 2.6 -> 3 vCPU (above the allocation, as Azure Migrate may) ...
        ({"cores": 2, "memory_mb": 4096, "cpu_util_pct": 100, "memory_util_pct": 90, "util_percentile": 95}, {}, 3,
         4.68, SizingBasis.PERFORMANCE, "-> 3 vCPU"),
        # ... capped at the 2 allocated cores / 4 GiB only when asked (4 x 0.90 x 1.3 = 4.68 -> 4)
        ({"cores": 2, "memory_mb": 4096, "cpu_util_pct": 100, "memory_util_pct": 90, "util_percentile": 95},
         {"cap_at_allocation": True}, 2, 4.0, SizingBasis.PERFORMANCE, "capped at the allocation: 2 vCPU, 4 GiB"),
        # within the allocation the cap changes nothing: 4 cores x 50% x 1.3 = 2.6 -> 3 vCPU, 16 x 0.5 x 1.3 = 10.4
        ({"cores": 4, "memory_mb": 16384, "cpu_util_pct": 50, "memory_util_pct": 50, "util_percentile": 95},
         {"cap_at_allocation": True}, 3, 10.4, SizingBasis.PERFORMANCE, "-> 3 vCPU"),
        ({"power_state": PowerState.OFF, "cpu_util_pct": 5, "memory_util_pct": 5}, {}, 8, 32.0,
         SizingBasis.AS_ON_PREMISES, "powered off (no performance data while it is off): sized as on premises"),
        ({"cpu_util_pct": 0, "memory_util_pct": 0}, {}, 8, 32.0, SizingBasis.AS_ON_PREMISES,
         "0% CPU and 0% memory utilisation read as no performance data"),
    ],
)
def test_requirement_criterion_cap_and_missing_data(inputs: dict[str, Any], kwargs: dict[str, Any], vcpus: int,
                                                    memory: float, basis: SizingBasis, fragment: str) -> None:
    need = requirement(system(**inputs), percentile=95, comfort_factor=1.3, **kwargs)
    assert (need.vcpus, need.memory_gib, need.basis) == (vcpus, memory, basis)
    assert fragment in need.note


MEASURED = {"cpu_util_pct": 40, "memory_util_pct": 50, "util_percentile": 95}  # sized from performance data


@pytest.mark.parametrize(
    ("disks", "storage", "inputs", "sizes", "iops", "mbps", "data_disks"),
    [
        # performance-based: (100 + 50) IOPS x 1.3 = 195; (10 + 5) MB/s x 1.3 = 19.5
        ((DiskLoad(40), DiskLoad(200, 100, 50, 10, 5)), None, MEASURED, [40, 200], [0, 195], [0, 19.5], 1),
        # performance-based: (3,000 + 500) IOPS x 1.3 = 4,550; (60 + 17) MB/s x 1.3 = 100.1
        ((DiskLoad(100, 3000, 500, 60, 17),), None, MEASURED, [100], [4550], [100.1], 0),
        # as on premises (no utilisation figures): no comfort factor, 3,500 IOPS stays 3,500 (not 4,550), 77 MB/s
        # stays 77 (not 100.1), as the allocated cores and memory stay what they are
        ((DiskLoad(100, 3000, 500, 60, 17),), None, {}, [100], [3500], [77], 0),
        # the criterion as-on-premises with measured figures: the same, 150 IOPS and 15 MB/s (not 195 / 19.5)
        ((DiskLoad(40), DiskLoad(200, 100, 50, 10, 5)), None, {**MEASURED, "as_on_premises": True}, [40, 200],
         [0, 150], [0, 15], 1),
        # powered off: as on premises, 150 IOPS as measured
        ((DiskLoad(200, 100, 50),), None, {**MEASURED, "power_state": PowerState.OFF}, [200], [150], [0], 0),
        ((DiskLoad(0.2),), None, {}, [1.0], [0], [0], 0),
        ((), 500.0, {}, [500.0], [0], [0], 0),
        ((), None, {}, [128.0], [0], [0], 0),
    ],
)
def test_disk_requirement(disks: tuple[DiskLoad, ...], storage: float | None, inputs: dict[str, Any],
                          sizes: list[float], iops: list[float], mbps: list[float], data_disks: int) -> None:
    fields = dict(inputs)
    as_on_premises = bool(fields.pop("as_on_premises", False))
    need = requirement(system(disks=disks, storage_gb=storage, **fields), percentile=95, comfort_factor=1.3,
                       as_on_premises=as_on_premises)
    assert need.basis is (SizingBasis.PERFORMANCE if inputs is MEASURED else SizingBasis.AS_ON_PREMISES)
    assert [d.size_gib for d in need.disks] == sizes
    assert [d.iops for d in need.disks] == iops
    assert [d.mbps for d in need.disks] == mbps
    assert need.data_disks == data_disks
    assert need.iops == sum(iops)
    assert need.mbps == pytest.approx(sum(mbps))


CAP_HINT = "; --cap-at-allocation caps it)"


@pytest.mark.parametrize(
    ("inputs", "cap", "vcpus", "memory", "said"),
    [
        # 2 cores x 100% x 1.3 = 2.6 -> 3 vCPU, above the 2 allocated; 4 GiB x 50% x 1.3 = 2.6 GiB is within
        ({"cores": 2, "memory_mb": 4096, "cpu_util_pct": 100, "memory_util_pct": 50}, False, 3, 2.6,
         "vCPU 2.6 above the allocated 2 (comfort factor 1.3 on 100% use" + CAP_HINT),
        # both above: 2.6 -> 3 vCPU, and 4 GiB x 90% x 1.3 = 4.68 GiB above the 4 GiB allocated
        ({"cores": 2, "memory_mb": 4096, "cpu_util_pct": 100, "memory_util_pct": 90}, False, 3, 4.68,
         "vCPU 2.6 above the allocated 2 (comfort factor 1.3 on 100% use), memory 4.68 GiB above the allocated "
         "4 GiB (comfort factor 1.3 on 90% use" + CAP_HINT),
        # memory only: 4 cores x 50% x 1.3 = 2.6 -> 3 vCPU is within; 8 GiB x 80% x 1.3 = 8.32 GiB above 8 GiB
        ({"cores": 4, "memory_mb": 8192, "cpu_util_pct": 50, "memory_util_pct": 80}, False, 3, 8.32,
         "memory 8.32 GiB above the allocated 8 GiB (comfort factor 1.3 on 80% use" + CAP_HINT),
        # 4 cores x 60% x 1.3 = 3.12 -> 4 vCPU: rounded up to the allocation, not above it; nothing said
        ({"cores": 4, "memory_mb": 16384, "cpu_util_pct": 60, "memory_util_pct": 50}, False, 4, 10.4, None),
        # capped when asked: 3 -> 2 vCPU, 4.68 -> 4 GiB, and the note says it was capped instead
        ({"cores": 2, "memory_mb": 4096, "cpu_util_pct": 100, "memory_util_pct": 90}, True, 2, 4.0,
         "capped at the allocation: 2 vCPU, 4 GiB"),
    ],
)
def test_a_requirement_above_the_allocation_says_so(inputs: dict[str, Any], cap: bool, vcpus: int, memory: float,
                                                    said: str | None) -> None:
    need = requirement(system(util_percentile=95, **inputs), percentile=95, comfort_factor=1.3,
                       cap_at_allocation=cap)
    assert (need.vcpus, need.memory_gib, need.basis) == (vcpus, memory, SizingBasis.PERFORMANCE)
    if said is None:
        assert "above the allocated" not in need.note and "capped" not in need.note
    else:
        assert need.note.endswith(said), need.note
    if cap:
        assert "above the allocated" not in need.note


@pytest.mark.parametrize("inputs", [{"cores": None}, {"memory_mb": None}, {"cores": 0}, {"memory_mb": 0}])
def test_requirement_needs_cores_and_memory(inputs: dict[str, Any]) -> None:
    with pytest.raises(UnknownSizeError, match="unknown: cannot size"):
        requirement(system(**inputs), percentile=95, comfort_factor=1.3)


@given(cores=st.integers(1, 256), memory_mb=st.floats(256, 4_000_000), cpu=st.floats(0, 100),
       mem=st.floats(0, 100), comfort=st.floats(1.0, 3.0))
def test_requirement_is_never_below_the_workload(cores: int, memory_mb: float, cpu: float, mem: float,
                                                 comfort: float) -> None:
    need = requirement(system(cores=cores, memory_mb=memory_mb, cpu_util_pct=cpu, memory_util_pct=mem,
                              util_percentile=95), percentile=95, comfort_factor=comfort)
    if mem > 0:
        assert need.basis is SizingBasis.PERFORMANCE
        assert need.vcpus >= max(1, cores * cpu / 100 * comfort - 1e-6)
        assert need.memory_gib >= memory_mb / 1024 * mem / 100 * comfort - 1e-6
        assert need.vcpus <= max(1, math.ceil(cores * cpu / 100 * comfort + 1e-6))
    else:  # 0% memory is no measurement: the allocation, never less
        assert need.basis is SizingBasis.AS_ON_PREMISES
        assert (need.vcpus, need.memory_gib) == (cores, math.ceil(memory_mb / 1024 * 100 - 1e-9) / 100)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [({"percentile": 0}, "percentile"), ({"percentile": 80}, "P50, P90, P95, P99"),
     ({"comfort_factor": 0.8}, "comfort_factor"), ({"region": " "}, "region"),
     ({"vm_series": ("Dsv5", " ")}, "vm_series"), ({"performance_history_days": 0}, "performance_history_days"),
     ({"discount_pct": 100}, "discount_pct"), ({"discount_pct": 10, "pricing": "ri3y"}, "pay-as-you-go compute only"),
     ({"default_environment": Environment.UNKNOWN}, "default_environment")],
)
def test_bad_settings_are_rejected(kwargs: dict[str, Any], fragment: str) -> None:
    with pytest.raises(AssessmentError, match=fragment):
        AssessSettings(as_of=dt.date(2026, 9, 1), **kwargs)


# ----- the fit index --------------------------------------------------------------------------------------

def test_fit_index_picks_cheapest_covering_item() -> None:
    index = FitIndex([("big", 10.0, (8, 32)), ("small", 2.0, (2, 4)), ("mid", 5.0, (4, 16)), ("odd", 4.0, (8, 2))],
                     dimensions=("vCPU", "GiB"))
    assert index.first_fit((1.0, 1.0)) == ("small", 2.0)
    assert index.first_fit((3.0, 1.0)) == ("odd", 4.0)
    assert index.first_fit((3.0, 5.0)) == ("mid", 5.0)
    assert index.first_fit((5.0, 20.0)) == ("big", 10.0)
    with pytest.raises(NoFitError, match="vCPU 9 exceeds the largest available") as too_big:
        index.first_fit((9.0, 1.0))
    assert too_big.value.dimension == 0
    with pytest.raises(NoFitError, match="together") as combination:
        FitIndex([("cpu", 1.0, (8, 2)), ("mem", 1.0, (2, 32))], dimensions=("vCPU", "GiB")).first_fit((8.0, 32.0))
    assert combination.value.dimension is None


@pytest.mark.parametrize(
    ("need", "fit", "why"),
    [
        # 2 vCPU / 7 GiB: "small" (2, 4) is cheaper but lacks memory, so memory decided "mid"; dropping the vCPU
        # need finds nothing cheaper ("odd" has 2 GiB), so vCPU did not decide it.
        ((2.0, 7.0), Fit(2, (1,), (0,)), "memory binding; small passed over"),
        # 5 vCPU / 3 GiB: only "big" fits; without the vCPU need "small" (2, 4) would, without the memory need
        # "odd" (8, 2) would: both decided it
        ((5.0, 3.0), Fit(3, (0, 1), (0, 1)), "both binding"),
        # 1 vCPU / 1 GiB: the cheapest item covers it, nothing decided it
        ((1.0, 1.0), Fit(0, (), ()), "cheapest covers everything"),
    ],
)
def test_fit_names_the_deciding_dimensions(need: tuple[float, float], fit: Fit, why: str) -> None:
    # cheapest first: small 2.0 (2, 4), odd 4.0 (8, 2), mid 5.0 (4, 16), big 10.0 (8, 32)
    index = FitIndex([("big", 10.0, (8, 32)), ("small", 2.0, (2, 4)), ("mid", 5.0, (4, 16)), ("odd", 4.0, (8, 2))],
                     dimensions=("vCPU", "GiB"))
    assert index.fit(need) == fit, why
    assert index.item(fit.position) == index.first_fit(need)


def test_fit_index_prefers_more_capacity_at_equal_price() -> None:
    index = FitIndex([("E8-2s", 5.0, (2, 64)), ("E8s", 5.0, (8, 64))], dimensions=("vCPU", "GiB"))
    assert index.first_fit((2.0, 10.0))[0] == "E8s"


items = st.lists(st.tuples(st.floats(0.01, 100), st.tuples(st.integers(0, 64), st.integers(0, 512),
                                                           st.integers(0, 10))), min_size=1, max_size=40)


@settings(max_examples=200)
@given(entries=items, needs=st.lists(st.tuples(st.integers(0, 70), st.integers(0, 600), st.integers(0, 12)),
                                     min_size=1, max_size=10))
def test_fit_index_equals_brute_force(entries: list[tuple[float, tuple[int, int, int]]],
                                      needs: list[tuple[int, int, int]]) -> None:
    index = FitIndex([(i, price, caps) for i, (price, caps) in enumerate(entries)], dimensions=("a", "b", "c"))
    for need in needs:
        fitting = [(price, i) for i, (price, caps) in enumerate(entries)
                   if all(c >= n for c, n in zip(caps, need, strict=True))]
        key = tuple(float(n) for n in need)
        if not fitting:
            with pytest.raises(NoFitError):
                index.first_fit(key)
            continue
        item, price = index.first_fit(key)
        assert price == min(fitting)[0]
        assert all(c >= n for c, n in zip(entries[item][1], need, strict=True))
        assert index.first_fit(key) == (item, price)  # memoised answer is the same


@pytest.mark.parametrize(
    ("name", "series", "premium"),
    [("Standard_D4s_v5", "Dsv5", True), ("Standard_E8-2s_v5", "Esv5", True), ("Standard_D2as_v5", "Dasv5", True),
     ("Standard_B2s", "Bs", True), ("Standard_F16s_v2", "Fsv2", True), ("Standard_D2_v5", "Dv5", False),
     ("Standard_M416ms_v2", "Mmsv2", True), ("Standard_A2m_v2", "Amv2", False), ("Standard_DC2s_v3", "DCsv3", True)],
)
def test_series_and_premium(name: str, series: str, premium: bool) -> None:
    assert series_of(name) == series
    assert premium_capable(VmSize(name, "f", 2, 8.0, "x64")) is premium


# ----- lifecycle -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("os_name", "os_version", "end"),
    [
        ("Microsoft Windows Server 2003 (32-bit)", None, dt.date(2015, 7, 14)),
        ("Microsoft Windows Server 2008 R2 (64-bit)", None, dt.date(2020, 1, 14)),
        ("Microsoft Windows Server 2012 R2 Datacenter", None, dt.date(2023, 10, 10)),
        ("Windows Server 2016", None, dt.date(2027, 1, 12)),
        ("Microsoft Windows Server 2019 (64-bit)", None, dt.date(2029, 1, 9)),
        ("Microsoft Windows Server 2022 (64-bit)", None, dt.date(2031, 10, 14)),
        ("Red Hat Enterprise Linux 6 (64-bit)", None, dt.date(2020, 11, 30)),
        ("Red Hat Enterprise Linux 7 (64-bit)", None, dt.date(2024, 6, 30)),
        ("RHEL", "8.6", dt.date(2029, 5, 31)),
        ("Red Hat Enterprise Linux 9 (64-bit)", None, dt.date(2032, 5, 31)),
        ("CentOS 7 (64-bit)", None, dt.date(2024, 6, 30)),
        ("CentOS Linux release 8.4", None, dt.date(2021, 12, 31)),
        ("SUSE Linux Enterprise Server 12 (64-bit)", None, dt.date(2024, 10, 31)),
        ("SUSE Linux Enterprise 15 (64-bit)", None, dt.date(2031, 7, 31)),
        ("Ubuntu Linux 16.04 LTS (64-bit)", None, dt.date(2021, 4, 30)),
        ("Ubuntu", "20.04", dt.date(2025, 5, 31)),
        ("Microsoft Windows 7 (64-bit)", None, dt.date(2020, 1, 14)),
        ("Microsoft Windows XP Professional (32-bit)", None, dt.date(2014, 4, 8)),
        ("Microsoft Windows 10 (64-bit)", None, dt.date(2025, 10, 14)),
        ("CentOS 4/5/6/7 (64-bit)", None, dt.date(2024, 6, 30)),
        ("Red Hat Enterprise Linux 5/6 (64-bit)", None, dt.date(2020, 11, 30)),
    ],
)
def test_os_lifecycle(os_name: str, os_version: str | None, end: dt.date) -> None:
    entry = lookup_os(os_name, os_version)
    assert entry is not None and entry.end_of_support == end and entry.source


@pytest.mark.parametrize("os_name", ["Red Hat Enterprise Linux (64-bit)", "Ubuntu Linux (64-bit)",
                                     "Oracle Solaris 10 (64-bit)", "Other (64-bit)", "", None])
def test_unknown_os_lifecycle_is_not_guessed(os_name: str | None) -> None:
    assert lookup_os(os_name) is None


@pytest.mark.parametrize(
    ("engine", "version", "end"),
    [
        ("SQL Server", "2012", dt.date(2022, 7, 12)),
        ("Microsoft SQL Server 2014", None, dt.date(2024, 7, 9)),
        ("MSSQL", "13.0.5026.0", dt.date(2026, 7, 14)),
        ("SQL Server", "2019", dt.date(2030, 1, 8)),
        ("Oracle", "11g", dt.date(2020, 12, 31)),
        ("Oracle", "12.1.0.2", dt.date(2022, 7, 31)),
        ("Oracle", "12.2.0.1", None),
        ("Oracle", "19c", dt.date(2029, 12, 31)),
        ("PostgreSQL", "13", None),
    ],
)
def test_database_lifecycle(engine: str, version: str | None, end: dt.date | None) -> None:
    entry = lookup_database(engine, version)
    assert (entry.end_of_support if entry else None) == end


@pytest.mark.parametrize(
    ("end", "status"),
    [(dt.date(2026, 8, 31), SupportStatus.OUT_OF_SUPPORT), (dt.date(2026, 9, 1), SupportStatus.SUPPORTED),
     (None, SupportStatus.UNKNOWN)],
)
def test_support_status_on_the_day(end: dt.date | None, status: SupportStatus) -> None:
    assert support_status(end, dt.date(2026, 9, 1)) is status



# ----- assessment settings under Azure Migrate's names ----------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "option"),
    [("payg", PricingOption.PAYG), ("None", PricingOption.PAYG), ("Pay-as-you-go", PricingOption.PAYG),
     ("RI1Year", PricingOption.RI1Y), ("ri1y", PricingOption.RI1Y), ("RI3Year", PricingOption.RI3Y),
     ("3 years reserved", PricingOption.RI3Y)],
)
def test_savings_options(text: str, option: PricingOption) -> None:
    assert parse_savings_option(text) is option


@pytest.mark.parametrize("text", ["SavingsPlan3Year", "1 year savings plan", "sp3y"])
def test_savings_plans_are_refused_because_the_catalog_has_no_such_prices(text: str) -> None:
    with pytest.raises(ValueError, match="no savings-plan prices"):
        parse_savings_option(text)


def test_settings_file_with_azure_migrate_names() -> None:
    values = parse_settings(
        "Target location: East US 2\n"
        "Sizing criteria: As on-premises\n"
        "Percentile utilization: 99th\n"
        "Performance history: 1 week\n"
        "Comfort factor: 1.5\n"
        "VM series: [Dsv5, Esv5_series]\n"
        "Savings options (compute): RI3Year\n"
        "Azure Hybrid Benefit: Yes\n"
        "Discount (%): 0\n"
        "Default environment: Dev/Test\n"
        "Currency: aud\n"
        "Offer: Pay-as-you-go\n"
        "VM uptime: {Days per month: 31, Hours per day: 24}\n")
    assert values == {
        "region": "eastus2", "sizing": SizingCriterion.AS_ON_PREMISES, "percentile": 99, "performance_history_days": 7,
        "comfort_factor": 1.5, "series": ["Dsv5", "Esv5_series"], "pricing": PricingOption.RI3Y, "ahb": True,
        "discount": 0.0, "default_environment": Environment.TEST, "currency": "AUD",
    }


def test_settings_file_reports_every_problem_with_its_line_and_key() -> None:
    text = ("Comfort factor: 0.5\n"          # 1: below 1
            "Percentile utilization: 80th\n"  # 2: not an Azure Migrate choice
            "Sizing criteria: gut feeling\n"  # 3
            "Savings options: SavingsPlan3Year\n"  # 4: not in the catalog
            "Currency: XYZ\n"                 # 5: no rate for it
            "Storage type: Premium\n"         # 6: not supported
            "Colour: blue\n"                  # 7: unknown key
            "comfort_factor: 1.3\n")          # 8: set twice
    with pytest.raises(BadInputError) as rejected:
        parse_settings(text, source="am.yaml")
    problems = [(problem.row, problem.column) for problem in rejected.value.problems]
    assert problems == [(1, "Comfort factor"), (2, "Percentile utilization"), (3, "Sizing criteria"),
                        (4, "Savings options"), (5, "Currency"), (6, "Storage type"), (7, "Colour"),
                        (8, "comfort_factor")]
    text = str(rejected.value)
    assert "am.yaml:1:Comfort factor: expected 1.0 to 5.0" in text
    assert "am.yaml:4:Savings options: savings option 'SavingsPlan3Year': the price catalog has" in text
    assert "am.yaml:8:comfort_factor: set twice (first as 'Comfort factor' on line 1)" in text
    assert "am.yaml:5:Currency: unknown currency 'XYZ': the shipped rates know AUD," in text


def test_settings_file_discount_needs_pay_as_you_go() -> None:
    with pytest.raises(BadInputError, match=r"x.yaml:2:Discount \(%\): the discount applies to pay-as-you-go"):
        parse_settings("Savings options (compute): RI3Year\nDiscount (%): 15\n", source="x.yaml")


def test_settings_file_not_in_utf8_is_read_and_its_problems_name_the_file(tmp_path: Path) -> None:
    # Saved by Notepad in Windows-1252: read in that encoding (not a UnicodeDecodeError), so a bad value is still
    # reported at its file, line and key; bytes that are no text name the file too.
    path = tmp_path / "am.yaml"
    path.write_bytes("# Réglages de l'équipe\nComfort factor: 1.5\n".encode("cp1252"))
    assert load_settings_file(path) == {"comfort_factor": 1.5}
    path.write_bytes("# Réglages\nDefault environment: Développement\n".encode("cp1252"))
    with pytest.raises(BadInputError) as rejected:
        load_settings_file(path)
    assert str(rejected.value.problems[0]).startswith(f"{path}:2:Default environment: expected Production or "
                                                      "Dev/Test") and "got 'Développement'" in str(rejected.value)
    path.write_bytes(b"Comfort factor: 1.5\x00\x00\n")
    with pytest.raises(BadInputError, match=r"am\.yaml:1: not a text file \(a NUL byte at offset 19\); expected YAML "
                                            r"text"):
        load_settings_file(path)
    path.write_bytes(b"PK\x03\x04\x00\x00rest of a workbook")
    with pytest.raises(BadInputError, match=r"am\.yaml: a zip archive or Excel workbook, not YAML text$"):
        load_settings_file(path)
    with pytest.raises(BadInputError, match=r"missing\.yaml: file not found"):
        load_settings_file(tmp_path / "missing.yaml")


@pytest.mark.parametrize(
    ("names", "covered", "burstable"),
    [
        ((), None, False),  # Azure Migrate's default list
        (("Dsv5", "Mv2_series"), {"dsv5", "msv2", "mmsv2"}, False),
        (("Dlsv5",), {"dlsv5"}, False),  # a size-name series outside Azure Migrate's list
        (("Dsv5", "B-series"), {"dsv5"}, True),
    ],
)
def test_vm_series_settings(names: tuple[str, ...], covered: set[str] | None, burstable: bool) -> None:
    included, all_burstable = AssessSettings(as_of=dt.date(2026, 9, 1), vm_series=names).included_series()
    assert included == (DEFAULT_VM_SERIES if covered is None else covered)
    assert all_burstable is burstable
    assert not any(series.startswith("b") for series in DEFAULT_VM_SERIES)
