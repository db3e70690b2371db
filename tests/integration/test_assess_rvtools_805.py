"""Acceptance: the 805-VM RVTools sample imported into a fresh database, assessed by the flow's tasks, read back.

Issue "Assessment", done-when point 2: every powered-on VM gets a strategy and a target or a not-ready reason,
and a handful of hand-checked recommendations are pinned with their arithmetic. The file (IBM sizing workshop,
tests/fixtures/PROVENANCE.md) has cores, memory, one disk per VM, OS and power state, and nothing else: no
utilisation, environment, tags, workload types, databases or dependencies. So every VM is sized as on
premises, no VM counts as production (its disks may go to Standard SSD), and only the power-state, Unix and
default rules can fire.

Expected prices are recomputed here from the shipped catalog's raw numbers (hourly rate x 730 h + disk tier
monthly price); "cheapest fitting" is checked by brute force over `candidate_sizes`, not with the engine's index.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from flows import assessment_store
from flows.assess_flow import assess_estate, store_assessment
from flows.parameters import AssessParameters
from inventory.db import dispose_engines, get_engine, session_scope
from inventory.importers import rvtools
from inventory.records import SystemRecord
from inventory.store import ImportSummary, apply_import
from inventory.tables import Assessment as AssessmentRow
from inventory.tables import System, TargetMapping
from migrations_plan.pricing import PriceCatalog, PricingOption, load_catalog
from migrations_plan.pricing.model import DiskKind, DiskTier, VmSize

pytestmark = pytest.mark.integration

SAMPLE = Path(__file__).parents[1] / "fixtures" / "rvtools_ibm_sizingworkshop_805vms.xlsx"
# The flow dates OS support by today's date; pinned so that e.g. Windows Server 2016 (extended support until
# 2027-01-12) stays "supported" whenever the test runs. Same date as the worked example in docs/assessment.md.
AS_OF = dt.date(2026, 9, 1)
REGION = "eastus2"  # AssessParameters' default, and one of the three regions with disk prices
HOURS = 730
# docs/assessment.md "Target mapping": the preferred series, written out here rather than imported.
PREFERRED_SERIES = {"Dsv5", "Dasv5", "Dlsv5", "Ddsv5", "Dadsv5", "Esv5", "Easv5", "Edsv5", "Eadsv5", "Fsv2"}
ALL_OPTIONS = [(option, ahb) for ahb in (False, True) for option in PricingOption]
_SERIES = re.compile(r"^Standard_([A-Z]+)\d+(?:-\d+)?([a-z]*)_(v\d+)$")


@dataclass(frozen=True)
class Stored:
    """One VM as the database holds it after the run: its system row, assessment row and target row (if any)."""

    system: System
    assessment: AssessmentRow | None
    target: TargetMapping | None


@dataclass(frozen=True)
class Estate:
    summary: ImportSummary
    records: dict[str, SystemRecord]
    stored: dict[str, Stored]
    catalog: PriceCatalog

    def powered(self, state: str) -> list[Stored]:
        return [vm for vm in self.stored.values() if vm.system.power_state == state]


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Estate]:
    """Import -> assess -> store once for the module (under 2 s), through the same calls the flow makes."""
    url = f"sqlite:///{tmp_path_factory.mktemp('rvtools805') / 'lumen.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LUMEN_MIGRATE_DB_URL", url)
        patch.setattr(assessment_store, "today", lambda: AS_OF)
        parsed = rvtools.parse(SAMPLE)
        with session_scope(url) as session:
            summary = apply_import(parsed, session=session, source="vcenter-ibm", file_name=SAMPLE.name,
                                   file_sha256=hashlib.sha256(SAMPLE.read_bytes()).hexdigest())
        result, settings = assess_estate.fn(AssessParameters())
        store_assessment.fn(result, settings)
        with Session(get_engine(url)) as session:
            rows = session.exec(
                select(System, AssessmentRow, TargetMapping)
                .join(AssessmentRow, col(AssessmentRow.system_id) == col(System.id), isouter=True)
                .join(TargetMapping, col(TargetMapping.system_id) == col(System.id), isouter=True)
            ).all()
            stored = {system.name: Stored(system, assessment, target) for system, assessment, target in rows}
    try:
        yield Estate(summary, {record.name: record for record in parsed.systems}, stored, load_catalog())
    finally:
        dispose_engines()


# ----- independent helpers: brute force over the catalog's raw tables ---------------------------------------


def series(size_name: str) -> str:
    """Standard_E16as_v5 -> "Easv5", Standard_F2s_v2 -> "Fsv2" (as Azure writes series)."""
    match = _SERIES.match(size_name)
    return f"{match.group(1)}{match.group(2)}{match.group(3)}" if match else size_name


def fully_priced(catalog: PriceCatalog, os: str) -> set[str]:
    """Sizes with a price under all six options (PAYG/RI1Y/RI3Y, with and without Hybrid Benefit): the engine
    only recommends those, so every savings scenario prices the same size."""
    names: set[str] | None = None
    for option, ahb in ALL_OPTIONS:
        priced = {size.name for size, _ in catalog.candidate_sizes(REGION, os=os, option=option, ahb=ahb)}
        names = priced if names is None else names & priced
    return names or set()


def cheapest_fitting(catalog: PriceCatalog, *, os: str, vcpus: int, memory_gib: float) -> tuple[VmSize, float]:
    """Scan every PAYG candidate: preferred series, fully priced, enough vCPU and memory; cheapest wins, and
    at equal price the bigger size (documented tie rule)."""
    complete = fully_priced(catalog, os)
    fits = [(size, monthly) for size, monthly in catalog.candidate_sizes(REGION, os=os, option=PricingOption.PAYG)
            if size.name in complete and series(size.name) in PREFERRED_SERIES
            and size.vcpus >= vcpus and size.memory_gib >= memory_gib]
    assert fits, f"no preferred size fits {vcpus} vCPU / {memory_gib} GiB"
    best = min(monthly for _, monthly in fits)
    return max(((size, monthly) for size, monthly in fits if monthly == best),
               key=lambda pair: (pair[0].vcpus, pair[0].memory_gib))


def cheapest_disk(catalog: PriceCatalog, size_gib: float) -> DiskTier:
    """Non-production disk without IOPS data: the cheapest Premium or Standard SSD tier at least that big."""
    fits = [tier for tier in catalog.disk_tiers(REGION)
            if tier.kind in (DiskKind.PREMIUM_SSD, DiskKind.STANDARD_SSD) and tier.size_gib >= size_gib]
    return min(fits, key=lambda tier: tier.monthly_usd)


def hourly(catalog: PriceCatalog, size: str, os: str) -> float:
    rate = catalog.vm_rate(size, REGION)
    price = rate.windows_payg if os == "windows" else rate.linux_payg
    assert price is not None
    return price


# ----- the whole file ------------------------------------------------------------------------------------


def test_the_sample_lands_in_the_database(estate: Estate) -> None:
    # 805 vInfo rows: 10 templates skipped, 795 VMs imported, 763 powered on and 32 powered off.
    assert estate.summary.added == 795 and len(estate.stored) == 795
    assert any("skipped 10 template(s)" in warning for warning in estate.summary.warnings)
    assert (len(estate.powered("on")), len(estate.powered("off"))) == (763, 32)
    assert all(vm.assessment is not None for vm in estate.stored.values()), "every imported VM is assessed"
    assert {vm.assessment.run_id for vm in estate.stored.values() if vm.assessment} == {1}


def test_every_powered_on_vm_gets_a_strategy_and_a_target_or_a_not_ready_reason(estate: Estate) -> None:
    outcomes: Counter[str] = Counter()
    for vm in estate.powered("on"):
        a = vm.assessment
        assert a is not None and a.strategy and a.rule_id and a.reason, vm.system.name
        if a.strategy in ("retire", "retain"):
            # Nothing moves: no Azure target by design; the rule's reason is the explanation.
            assert vm.target is None, vm.system.name
            outcomes[f"{a.strategy} (no target)"] += 1
        elif vm.target is not None:
            assert vm.target.service == "vm" and vm.target.sku, vm.system.name
            assert vm.target.monthly_cost is not None and vm.target.monthly_cost > 0, vm.system.name
            assert a.readiness in ("ready", "ready_with_conditions"), vm.system.name
            outcomes["target"] += 1
        else:
            assert a.readiness in ("not_ready", "unknown") and a.readiness_reasons, vm.system.name
            outcomes["not ready"] += 1
    # 698 priced VM targets (FreeBSD x64 included, priced as Linux) + 65 not ready (32-bit OS) = 763.
    assert outcomes == {"target": 698, "not ready": 65}


def test_powered_off_vms_are_retired(estate: Estate) -> None:
    # Rule 2 `retire-powered-off-isolated`: powered off and no dependencies. RVTools carries no dependencies,
    # so all 32 powered-off VMs are retired: ready (nothing moves), no target row, not sized.
    for vm in estate.powered("off"):
        a = vm.assessment
        assert a is not None
        assert (a.strategy, a.rule_id, a.readiness, a.readiness_reasons) == (
            "retire", "retire-powered-off-isolated", "ready", []), vm.system.name
        assert vm.target is None and a.needed_vcpus is None and a.sizing_basis is None


def test_strategy_and_readiness_counts_over_the_whole_file(estate: Estate) -> None:
    assessments = [vm.assessment for vm in estate.stored.values() if vm.assessment is not None]
    # Which rules fire on this file (default_rules.yaml, first match wins):
    # - rule 1 (tag migrate=no): no tags in the file -> never;
    # - rule 2 retire-powered-off-isolated: the 32 powered-off VMs (no dependencies known) -> retire 32;
    # - rule 3 retire-idle-out-of-support-nonprod: needs a dev/test environment and P95 CPU < 5%; the file has
    #   neither (environment unknown, no utilisation) -> never, although most of the estate is out of support;
    # - rule 4 retain-unix: no Solaris/AIX/HP-UX here ("FreeBSD (64-bit)" is an x86-64 OS Azure runs) -> never;
    # - rules 5-8 need a kind, workload type or database engine the file does not carry -> never;
    # - rule 9 rehost-default: everything else -> 795 - 32 = 763.
    assert Counter(a.rule_id for a in assessments) == {"rehost-default": 763, "retire-powered-off-isolated": 32}
    assert Counter(a.strategy for a in assessments) == {"rehost": 763, "retire": 32}
    # Readiness (as of 2026-09-01), powered-on rehosted VMs by OS:
    # - not ready 65: 32-bit OS = Windows Server 2003 Standard 32-bit 56 (57, one powered off)
    #   + Windows Server 2003 32-bit 6 + Windows XP Professional 32-bit 3;
    # - ready with conditions 683, OS out of support: Windows Server 2008 R2 327 (since 2020-01-14),
    #   Windows Server 2012 314 (2023-10-10), RHEL 6 14 (2020-11-30), SLES 11 8 (2019-03-31), Windows 7 7
    #   (2020-01-14), RHEL 5 5 (2017-03-31), Windows Server 2008 2, Windows Server 2003 64-bit 2 + 2003 Standard
    #   64-bit 2 (2015-07-14), "CentOS 4/5/6/7" 1 (read as its newest, CentOS 7: 2024-06-30); and FreeBSD 1
    #   (an OS the rules do not know: check Azure supports it, priced as Linux);
    # - ready 47: 32 retired (nothing moves) + 15 rehosted: Windows Server 2016 5 (supported until 2027-01-12)
    #   and "Other 2.6.x/3.x Linux" 10 (no lifecycle date known).
    assert Counter(a.readiness for a in assessments) == {"ready_with_conditions": 683, "not_ready": 65, "ready": 47}
    assert Counter(a.sizing_basis for a in assessments) == {"as-on-premises": 763, None: 32}


def test_every_vm_target_is_the_cheapest_covering_size_and_disk_and_its_price_adds_up(estate: Estate) -> None:
    """Estate-wide: never smaller than on premises, cheapest by brute force, cost = rate x 730 + disks."""
    catalog = estate.catalog
    best: dict[tuple[str, int, float], tuple[VmSize, float]] = {}
    checked = 0
    for vm in estate.stored.values():
        target = vm.target
        if target is None:
            continue
        record = estate.records[vm.system.name]
        os = target.details["os"]
        assert os == ("windows" if record.os_family.value == "windows" else "linux")
        assert record.cores is not None and record.memory_mb is not None
        # As on premises: allocated cores, memory in GiB rounded up to 0.01 (MiB x 100 / 1024 is exact).
        memory_gib = math.ceil(record.memory_mb * 100 / 1024) / 100
        key = (os, record.cores, memory_gib)
        if key not in best:
            best[key] = cheapest_fitting(catalog, os=os, vcpus=record.cores, memory_gib=memory_gib)
        size, _ = best[key]
        assert vm.assessment is not None and vm.assessment.sizing_basis == "as-on-premises"
        assert (vm.assessment.needed_vcpus, vm.assessment.needed_memory_gib) == (record.cores, memory_gib)
        assert target.sku == size.name, vm.system.name
        assert [disk["tier"] for disk in target.disks] == [cheapest_disk(catalog, d.size_gb).name
                                                           for d in record.disks], vm.system.name
        disks = sum(catalog.disk_tier(REGION, disk["tier"]).monthly_usd for disk in target.disks)
        assert target.monthly_cost == pytest.approx(round(hourly(catalog, size.name, os) * HOURS + disks, 2),
                                                    abs=0.005), vm.system.name
        assert target.monthly_cost_by_option["payg"] == target.monthly_cost
        checked += 1
    assert checked == 698


# ----- hand-checked recommendations ------------------------------------------------------------------------


def test_small_windows_2008_r2_vm(estate: Estate) -> None:
    vm = estate.stored["wadfs1"]
    a, target = vm.assessment, vm.target
    assert a is not None and target is not None
    # From the file: Windows Server 2008 R2 (64-bit), powered on, 1 CPU, 4,096 MiB, one disk of
    # 86,201 MiB = 84.18 GiB; no utilisation -> as on premises: 1 vCPU, 4096 / 1024 = 4.00 GiB.
    assert (vm.system.cores, vm.system.memory_mb, vm.system.power_state) == (1, 4096.0, "on")
    assert vm.system.disks == [{"size_gb": pytest.approx(84.18, abs=0.01)}]
    assert (a.strategy, a.rule_id, a.sizing_basis) == ("rehost", "rehost-default", "as-on-premises")
    assert (a.needed_vcpus, a.needed_memory_gib) == (1, 4.0)
    # Cheapest preferred size with >= 1 vCPU and >= 4 GiB, Windows PAYG in eastus2: F2s_v2 (2 vCPU, 4 GiB)
    # at 0.163/h; the next ones are D2ls_v5 0.177/h (2 vCPU, 4 GiB) and D2as_v5 0.178/h (8 GiB).
    size, _ = cheapest_fitting(estate.catalog, os="windows", vcpus=1, memory_gib=4.0)
    assert size.name == target.sku == "Standard_F2s_v2" and (size.vcpus, size.memory_gib) == (2, 4.0)
    rate = estate.catalog.vm_rate("Standard_F2s_v2", REGION)
    assert rate.windows_payg == 0.163 and rate.linux_payg == 0.0846
    # Disk: 84.18 GiB, not production, no IOPS data -> cheapest SSD >= 84.18 GiB: E10 (128 GiB) 9.60/month
    # (P10 128 GiB costs 17.92; E6 is 64 GiB).
    e10 = cheapest_disk(estate.catalog, 84.18)
    assert (e10.name, e10.size_gib, e10.monthly_usd) == ("E10", 128, 9.6)
    assert target.disks == [{"tier": "E10", "size_gib": 128}]
    # Monthly: 0.163 x 730 = 118.99 + E10 9.60 = 128.59. With Hybrid Benefit (Linux rate):
    # 0.0846 x 730 = 61.758 + 9.60 = 71.36.
    assert target.monthly_cost == round(rate.windows_payg * HOURS + e10.monthly_usd, 2) == 128.59
    assert target.monthly_cost_by_option["payg_ahb"] == round(rate.linux_payg * HOURS + e10.monthly_usd, 2) == 71.36
    # Windows Server 2008 R2 left extended support on 2020-01-14.
    assert a.readiness == "ready_with_conditions"
    assert a.readiness_reasons == ["OS Microsoft Windows Server 2008 R2 (64-bit) out of support since 2020-01-14: "
                                   "upgrade it, or buy extended security updates from its vendor"]


def test_large_memory_vm(estate: Estate) -> None:
    vm = estate.stored["BOWASGCLITEST"]
    a, target = vm.assessment, vm.target
    assert a is not None and target is not None
    # From the file: Windows Server 2008 R2, 4 CPUs, 131,072 MiB = 128 GiB, one 500.00 GiB disk
    # (512,001 MiB). As on premises: 4 vCPU, 128 GiB. Memory, not CPU, decides the size.
    assert (vm.system.cores, vm.system.memory_mb) == (4, 131072.0)
    assert (a.needed_vcpus, a.needed_memory_gib) == (4, 128.0)
    # Cheapest preferred Windows sizes with >= 4 vCPU and >= 128 GiB: E16-4as_v5, E16-8as_v5 and E16as_v5
    # (4, 8 and 16 active vCPU, 128 GiB), all 1.64/h (a constrained-core size keeps its parent's price in the
    # catalog); at equal price the bigger size wins -> E16as_v5. Next: the E16s_v5 family at 1.744/h.
    size, _ = cheapest_fitting(estate.catalog, os="windows", vcpus=4, memory_gib=128.0)
    assert size.name == target.sku == "Standard_E16as_v5" and (size.vcpus, size.memory_gib) == (16, 128.0)
    rate = estate.catalog.vm_rate("Standard_E16as_v5", REGION)
    assert rate.windows_payg == 1.64
    assert estate.catalog.vm_rate("Standard_E16-4as_v5", REGION).windows_payg == 1.64
    assert estate.catalog.vm_rate("Standard_E16s_v5", REGION).windows_payg == 1.744
    # Disk: 500.00 GiB -> E20 (512 GiB) 38.40/month.
    e20 = cheapest_disk(estate.catalog, 500.001)
    assert (e20.name, e20.size_gib, e20.monthly_usd) == ("E20", 512, 38.4)
    # Monthly: 1.64 x 730 = 1,197.20 + 38.40 = 1,235.60.
    assert target.monthly_cost == round(rate.windows_payg * HOURS + e20.monthly_usd, 2) == 1235.6
    assert a.readiness == "ready_with_conditions"


def test_linux_vm_memory_rounds_up(estate: Estate) -> None:
    vm = estate.stored["ns2-int"]
    a, target = vm.assessment, vm.target
    assert a is not None and target is not None
    # From the file: Red Hat Enterprise Linux 6 (64-bit), 1 CPU, 1,888 MiB, one 23.28 GiB disk.
    # Memory: 1888 / 1024 = 1.84375 GiB, rounded *up* to 0.01 -> 1.85 GiB (never below the allocation).
    assert (vm.system.os_family, vm.system.cores, vm.system.memory_mb) == ("linux", 1, 1888.0)
    assert (a.needed_vcpus, a.needed_memory_gib) == (1, 1.85)
    # Cheapest preferred Linux size with >= 1 vCPU and >= 1.85 GiB: F2s_v2 (2 vCPU, 4 GiB) 0.0846/h, just
    # under D2ls_v5 0.085/h and D2as_v5 0.086/h.
    size, _ = cheapest_fitting(estate.catalog, os="linux", vcpus=1, memory_gib=1.85)
    assert size.name == target.sku == "Standard_F2s_v2"
    assert target.details["os"] == "linux"
    rate = estate.catalog.vm_rate("Standard_F2s_v2", REGION)
    # Disk: 23.28 GiB -> E4 (32 GiB) 2.40/month.
    e4 = cheapest_disk(estate.catalog, 23.28)
    assert (e4.name, e4.size_gib, e4.monthly_usd) == ("E4", 32, 2.4)
    # Monthly: 0.0846 x 730 = 61.758 + 2.40 = 64.158 -> 64.16. Hybrid Benefit changes nothing for Linux.
    assert rate.linux_payg is not None
    assert target.monthly_cost == round(rate.linux_payg * HOURS + e4.monthly_usd, 2) == 64.16
    assert target.monthly_cost_by_option["payg_ahb"] == target.monthly_cost
    # RHEL 6 maintenance support ended 2020-11-30.
    assert a.readiness == "ready_with_conditions"
    assert a.readiness_reasons[0].startswith("OS Red Hat Enterprise Linux 6 (64-bit) out of support since 2020-11-30")


def test_supported_windows_2016_vm_with_a_disk_just_over_a_tier(estate: Estate) -> None:
    vm = estate.stored["BOWSCCMMPDP03"]
    a, target = vm.assessment, vm.target
    assert a is not None and target is not None
    # From the file: Windows Server 2016 (64-bit), 6 CPUs, 16,384 MiB = 16 GiB, one 2,136.00 GiB disk.
    assert (vm.system.cores, vm.system.memory_mb) == (6, 16384.0)
    # Needs 6 vCPU / 16 GiB: no preferred size has 6 vCPU; cheapest with >= 6 and >= 16 GiB is F8s_v2
    # (8 vCPU, 16 GiB) at 0.651/h; then D8ls_v5 0.708/h. (D8as_v5 0.712/h has no Linux rate in eastus2, hence
    # no Hybrid Benefit price, so it is never a candidate.)
    size, _ = cheapest_fitting(estate.catalog, os="windows", vcpus=6, memory_gib=16.0)
    assert size.name == target.sku == "Standard_F8s_v2" and (size.vcpus, size.memory_gib) == (8, 16.0)
    rate = estate.catalog.vm_rate("Standard_F8s_v2", REGION)
    assert rate.windows_payg == 0.651
    # Disk: 2,136 GiB is just over E40's 2,048 GiB -> E50 (4,096 GiB) 307.20/month (P50 costs 450.56).
    e50 = cheapest_disk(estate.catalog, 2136.0)
    assert (e50.name, e50.size_gib, e50.monthly_usd) == ("E50", 4096, 307.2)
    assert target.disks == [{"tier": "E50", "size_gib": 4096}]
    # Monthly: 0.651 x 730 = 475.23 + 307.20 = 782.43.
    assert target.monthly_cost == round(rate.windows_payg * HOURS + e50.monthly_usd, 2) == 782.43
    # Windows Server 2016 is in extended support until 2027-01-12 (> 2026-09-01): ready, no conditions.
    assert (a.readiness, a.readiness_reasons) == ("ready", [])


def test_powered_off_vm(estate: Estate) -> None:
    vm = estate.stored["wtableaup01-O - RIP"]
    a = vm.assessment
    assert a is not None
    # From the file: Windows Server 2012, 4 CPUs, 32 GiB, a 3,741 GiB disk, powered off. Powered off + no
    # dependencies -> rule 2 retire: no target, nothing sized or priced, ready (nothing moves).
    assert (vm.system.power_state, vm.system.cores) == ("off", 4)
    assert (a.strategy, a.rule_id, a.readiness) == ("retire", "retire-powered-off-isolated", "ready")
    assert a.reason == ("Powered off and no dependencies observed: decommission wtableaup01-O - RIP instead of "
                        "migrating it")
    assert vm.target is None and a.needed_vcpus is None


def test_32_bit_windows_2003_vm_is_not_ready(estate: Estate) -> None:
    vm = estate.stored["Ntedmprod01"]
    a = vm.assessment
    assert a is not None
    # From the file: Windows Server 2003 Standard (32-bit), powered on, 2 CPUs, 4 GiB. Rehost by default,
    # but a 32-bit OS is not ready (docs/assessment.md: only 32-bit Windows Server 2008 runs), and 2003 left
    # extended support on 2015-07-14. Sized (2 vCPU, 4 GiB) but no target row and no price.
    assert (vm.system.power_state, vm.system.cores, vm.system.memory_mb) == ("on", 2, 4096.0)
    assert (a.strategy, a.readiness) == ("rehost", "not_ready")
    assert (a.needed_vcpus, a.needed_memory_gib) == (2, 4.0)
    assert a.readiness_reasons == [
        "32-bit OS (Microsoft Windows Server 2003 Standard (32-bit)): Azure VMs need a 64-bit OS; upgrade or "
        "rebuild before migrating",
        "OS Microsoft Windows Server 2003 Standard (32-bit) out of support since 2015-07-14: upgrade it, or buy "
        "extended security updates from its vendor",
    ]
    assert vm.target is None


# ----- known bugs: the correct behaviour, expected to fail until fixed -----------------------------------------


def test_freebsd_x64_vm_is_rehosted(estate: Estate) -> None:
    vm = estate.stored["bonssftest01"]
    a = vm.assessment
    assert a is not None and vm.system.os_name == "FreeBSD (64-bit)" and vm.system.power_state == "on"
    assert a.strategy == "rehost" and "SPARC" not in a.reason
    assert vm.target is not None and vm.target.service == "vm" and vm.target.sku


def test_windows_7_vm_is_ready_with_conditions(estate: Estate) -> None:
    a = estate.stored["apporbit01-vm"].assessment
    assert a is not None
    assert a.readiness == "ready_with_conditions" and a.readiness_reasons


def test_centos_4_to_7_vm_is_out_of_support(estate: Estate) -> None:
    a = estate.stored["AO-PROXY"].assessment
    assert a is not None
    assert a.readiness == "ready_with_conditions"
    assert any("out of support" in reason for reason in a.readiness_reasons)
