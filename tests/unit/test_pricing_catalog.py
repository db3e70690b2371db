"""PriceCatalog: real prices pinned from the source files, and the pricing rules on tiny literal catalogs."""

from __future__ import annotations

from datetime import date

import pytest

from migrations_plan.pricing import (
    DiskKind,
    OsType,
    PriceCatalog,
    PriceNotFoundError,
    PricingOption,
    SqlTier,
    VmSize,
    load_catalog,
)
from migrations_plan.pricing.reserved import ReservedRates
from migrations_plan.pricing.vm_prices import RegionVmPrices

PAYG, RI1Y, RI3Y = PricingOption.PAYG, PricingOption.RI1Y, PricingOption.RI3Y


@pytest.fixture(scope="module")
def shipped() -> PriceCatalog:
    return load_catalog()


# ----- the shipped catalog: figures read from the CSV/JSON sources ------------------------------------------


def test_shipped_catalog_is_dated_and_sourced(shipped: PriceCatalog) -> None:
    assert shipped.as_of == date(2026, 8, 15)
    assert shipped.currency == "USD"
    assert len(shipped.regions()) == 44
    assert {"eastus", "eastus2", "westeurope", "centralus", "westus2"} <= set(shipped.regions())
    cited = " ".join(shipped.sources)
    for repo in ("Azure/karpenter-provider-azure @ 2b431da153a6", "DarrenJohns/djtools-azure-vm-sku-locator"):
        assert repo in cited


@pytest.mark.parametrize(
    ("size", "region", "os", "hourly"),
    [
        ("Standard_D4s_v5", "eastus", "windows", 0.376),
        ("Standard_D4s_v5", "eastus", "linux", 0.192),
        ("Standard_D2s_v5", "westeurope", "windows", 0.207),
        ("Standard_D2s_v5", "westeurope", "linux", 0.115),
        ("standard_d4s_v5", "eastus", "WINDOWS", 0.376),  # size and OS are case-insensitive
    ],
)
def test_payg_monthly_is_hourly_times_730(
    shipped: PriceCatalog, size: str, region: str, os: str, hourly: float
) -> None:
    cost = shipped.vm_monthly(size, region, os=os, option=PAYG, ahb=False)
    assert cost.amount == pytest.approx(hourly * 730)
    assert not cost.estimated


def test_basis_reads_as_a_sentence(shipped: PriceCatalog) -> None:
    cost = shipped.vm_monthly("Standard_D4s_v5", "eastus", os="windows", option=PAYG, ahb=False)
    assert cost.basis == "Standard_D4s_v5 eastus Windows PAYG 0.376/h x 730 h"


@pytest.mark.parametrize("option", list(PricingOption))
@pytest.mark.parametrize(("size", "region"), [("Standard_D4s_v5", "eastus"), ("Standard_E8s_v5", "westus2")])
def test_azure_hybrid_benefit_prices_windows_at_the_linux_rate(
    shipped: PriceCatalog, size: str, region: str, option: PricingOption
) -> None:
    ahb = shipped.vm_monthly(size, region, os="windows", option=option, ahb=True)
    linux = shipped.vm_monthly(size, region, os="linux", option=option, ahb=False)
    windows = shipped.vm_monthly(size, region, os="windows", option=option, ahb=False)
    assert ahb.amount == pytest.approx(linux.amount)
    assert ahb.amount < windows.amount
    assert "Azure Hybrid Benefit" in ahb.basis


@pytest.mark.parametrize(
    ("size", "region", "os", "option", "hourly"),
    [  # the rvtools estimator's reserved prices (USD per hour)
        ("Standard_D4s_v5", "eastus", "linux", RI1Y, 0.1184931506849315),
        ("Standard_D4s_v5", "eastus", "windows", RI3Y, 0.25983713850837137),
        ("Standard_E96s_v5", "westeurope", "linux", RI3Y, 2.881925418569254),
    ],
)
def test_real_reserved_prices_are_not_estimated(
    shipped: PriceCatalog, size: str, region: str, os: str, option: PricingOption, hourly: float
) -> None:
    cost = shipped.vm_monthly(size, region, os=os, option=option, ahb=False)
    assert cost.amount == pytest.approx(hourly * 730)
    assert not cost.estimated
    assert "estimated" not in cost.basis
    assert shipped.vm_rate(size, region).ri_estimated is False


def test_reserved_price_elsewhere_is_an_estimate_from_the_observed_ratio(shipped: PriceCatalog) -> None:
    ratio, count = shipped.ri_ratios().get(OsType.LINUX, RI1Y) or (0.0, 0)
    assert count == 34  # 17 sizes x 2 regions
    assert 0.58 < ratio < 0.62

    linux = shipped.vm_monthly("Standard_D4s_v5", "eastus2", os="linux", option=RI1Y)
    assert linux.estimated
    assert linux.amount == pytest.approx(0.192 * ratio * 730)
    assert "estimated" in linux.basis and "34" in linux.basis

    # Windows: the reserved compute plus the Windows licence (0.376 - 0.192) at its PAYG rate.
    windows = shipped.vm_monthly("Standard_D4s_v5", "eastus2", os="windows", option=RI1Y)
    assert windows.estimated
    assert windows.amount == pytest.approx((0.192 * ratio + 0.184) * 730)
    assert "Windows licence 0.184/h" in windows.basis


@pytest.mark.parametrize(
    ("size", "region", "windows_hourly"),
    [
        ("Standard_D8as_v5", "eastus2", 0.712),  # source Linux 0.712 == Windows: a Cloud Services meter
        ("Standard_D2as_v5", "mexicocentral", 0.187),  # raw Linux row is 0.0946; the file says 0.187
        ("Standard_E2as_v5", "eastasia", 0.242),  # source Linux 0.243 is above Windows
    ],
)
def test_polluted_linux_price_is_unknown(
    shipped: PriceCatalog, size: str, region: str, windows_hourly: float
) -> None:
    rate = shipped.vm_rate(size, region)
    assert rate.linux_payg is None
    assert rate.windows_payg == windows_hourly
    with pytest.raises(PriceNotFoundError, match="Cloud Services"):
        shipped.vm_monthly(size, region, os="linux")
    with pytest.raises(PriceNotFoundError, match="Cloud Services"):
        shipped.vm_monthly(size, region, os="windows", ahb=True)


def test_unverifiable_linux_price_in_a_polluted_family_is_unknown(shipped: PriceCatalog) -> None:
    # qatarcentral has no Windows price for B2as_v2 to check its Linux 0.0858 against, and Basv2 is polluted.
    with pytest.raises(PriceNotFoundError):
        shipped.vm_rate("Standard_B2as_v2", "qatarcentral")


def test_windows_ri_falls_back_to_the_windows_ratio_when_linux_is_unknown(shipped: PriceCatalog) -> None:
    ratio, _ = shipped.ri_ratios().get(OsType.WINDOWS, RI3Y) or (0.0, 0)
    cost = shipped.vm_monthly("Standard_D8as_v5", "eastus2", os="windows", option=RI3Y)
    assert cost.estimated
    assert cost.amount == pytest.approx(0.712 * ratio * 730)
    assert "Linux price unknown" in cost.basis


def test_zero_prices_are_excluded(shipped: PriceCatalog) -> None:
    rate = shipped.vm_rate("Standard_E2as_v6", "malaysiawest")  # Windows 0 in the source
    assert rate.windows_payg is None
    assert rate.linux_payg == 0.135
    with pytest.raises(PriceNotFoundError, match="no Windows price"):
        shipped.vm_monthly("Standard_E2as_v6", "malaysiawest", os="windows")
    names = {size.name for size, _ in shipped.candidate_sizes("malaysiawest", os="windows")}
    assert "Standard_E2as_v6" not in names


@pytest.mark.parametrize(
    ("region", "tier", "kind", "size_gib", "iops", "mbps", "lrs", "zrs"),
    [
        ("eastus2", "P10", DiskKind.PREMIUM_SSD, 128, 500, 100, 17.92, 26.88),
        ("centralus", "P10", DiskKind.PREMIUM_SSD, 128, 500, 100, 19.71, 29.565),
        ("eastus2", "E10", DiskKind.STANDARD_SSD, 128, 500, 60, 9.6, 14.4),
        ("westus2", "S4", DiskKind.STANDARD_HDD, 32, 500, 60, 1.536, None),
        ("eastus2", "p80", DiskKind.PREMIUM_SSD, 32767, 20000, 900, 3276.8, 4915.2),
    ],
)
def test_disk_tier_lookup(
    shipped: PriceCatalog,
    region: str,
    tier: str,
    kind: DiskKind,
    size_gib: int,
    iops: int,
    mbps: int,
    lrs: float,
    zrs: float | None,
) -> None:
    found = shipped.disk_tier(region, tier)
    assert (found.kind, found.size_gib, found.iops, found.mbps) == (kind, size_gib, iops, mbps)
    assert (found.monthly_usd, found.zrs_monthly_usd) == (lrs, zrs)


def test_disk_tiers_are_grouped_by_kind_then_size(shipped: PriceCatalog) -> None:
    tiers = shipped.disk_tiers("eastus2")
    assert len(tiers) == 14 + 14 + 11
    for kind in DiskKind:
        sizes = [tier.size_gib for tier in tiers if tier.kind is kind]
        assert sizes == sorted(sizes)


def test_sql_database_general_purpose_4_vcores_eastus2(shipped: PriceCatalog) -> None:
    cost = shipped.sql_db_monthly(
        "eastus2", tier=SqlTier.GENERAL_PURPOSE, vcores=4, storage_gb=100, licence_included=False
    )
    assert cost.amount == pytest.approx(4 * 0.152217 * 730 + 100 * 0.115)
    assert not cost.estimated
    assert "Azure Hybrid Benefit" in cost.basis


def test_sql_database_business_critical_centralus(shipped: PriceCatalog) -> None:
    rate = shipped.sql_db_rate("centralus", tier="business-critical")
    assert (rate.vcore_hour_ahb, rate.storage_gb_month) == (0.365322, 0.3)
    assert rate.vcore_options == (1, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 24, 32, 40, 80)


@pytest.mark.parametrize(("os", "hourly"), [("windows", 0.315), ("linux", 0.155)])
def test_app_service_p1v3(shipped: PriceCatalog, os: str, hourly: float) -> None:
    plan = shipped.app_service_plan("eastus2", "P1v3", os=os)
    assert (plan.vcpus, plan.memory_gib, plan.hourly) == (2, 8.0, hourly)
    assert plan.monthly == pytest.approx(hourly * 730)


def test_app_service_plans_cover_basic_standard_and_premium_v3(shipped: PriceCatalog) -> None:
    names = {plan.name for plan in shipped.app_service_plans("westus2")}
    assert {"B1", "S1", "P0v3", "P1v3", "P1mv3", "P5mv3"} <= names
    assert len(shipped.app_service_plans("westus2")) == 30


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.vm_rate("Standard_Nope_v9", "eastus"), "unknown VM size"),
        (lambda c: c.vm_rate("Standard_D4s_v5", "atlantis"), "not in the price catalog"),
        (lambda c: c.vm_rate("Standard_EC128ieds_v5", "eastus"), "no price"),
        (lambda c: c.vm_monthly("Standard_D4ps_v5", "eastus", os="windows"), "no Windows price"),
        (lambda c: c.disk_tiers("eastus"), "no managed-disk prices"),
        (lambda c: c.disk_tier("eastus2", "P99"), "P99"),
        (lambda c: c.sql_db_rate("westeurope", tier="general-purpose"), "no Azure SQL Database"),
        (
            lambda c: c.sql_db_monthly(
                "eastus2", tier="general-purpose", vcores=4, storage_gb=10, licence_included=True
            ),
            "licence-included",
        ),
        (
            lambda c: c.sql_db_monthly(
                "eastus2", tier="general-purpose", vcores=3, storage_gb=10, licence_included=False
            ),
            "no 3-vCore size",
        ),
        (
            lambda c: c.sql_mi_monthly(
                "eastus2", tier="general-purpose", vcores=8, storage_gb=64, licence_included=False
            ),
            "Managed Instance",
        ),
        (lambda c: c.app_service_plans("westeurope"), "no App Service prices"),
        (lambda c: c.candidate_sizes("atlantis", os="linux"), "not in the price catalog"),
    ],
)
def test_missing_prices_raise_price_not_found(shipped: PriceCatalog, call: object, message: str) -> None:
    assert callable(call)
    with pytest.raises(PriceNotFoundError, match=message):
        call(shipped)


def test_unknown_os_is_a_caller_error(shipped: PriceCatalog) -> None:
    with pytest.raises(ValueError, match="unknown operating system"):
        shipped.vm_monthly("Standard_D4s_v5", "eastus", os="solaris")


@pytest.mark.parametrize(
    ("region", "os", "option", "ahb"),
    [
        ("eastus", "windows", PAYG, False),
        ("eastus2", "linux", RI3Y, False),
        ("westeurope", "windows", RI1Y, True),
    ],
)
def test_candidate_sizes_are_sorted_priced_and_consistent(
    shipped: PriceCatalog, region: str, os: str, option: PricingOption, ahb: bool
) -> None:
    candidates = shipped.candidate_sizes(region, os=os, option=option, ahb=ahb)
    prices = [price for _, price in candidates]
    assert len(candidates) > 500
    assert prices == sorted(prices)
    assert all(price > 0 for price in prices)
    assert all(size.cpu_arch == "x64" for size, _ in candidates)
    for size, price in candidates[:: len(candidates) // 20]:
        assert price == shipped.vm_monthly(size.name, region, os=os, option=option, ahb=ahb).amount
    assert shipped.candidate_sizes(region, os=os, option=option, ahb=ahb) is candidates  # served from memory


def test_candidate_sizes_leave_out_sizes_without_a_price(shipped: PriceCatalog) -> None:
    linux = {size.name for size, _ in shipped.candidate_sizes("eastus2", os="linux")}
    windows = {size.name for size, _ in shipped.candidate_sizes("eastus2", os="windows")}
    assert "Standard_D8as_v5" not in linux  # polluted Linux price
    assert "Standard_D8as_v5" in windows
    assert "Standard_EC128ieds_v5" not in linux | windows  # no price in any source
    every_arch = {size.name for size, _ in shipped.candidate_sizes("eastus2", os="linux", cpu_arch=None)}
    assert "Standard_D4ps_v5" in every_arch - linux  # Arm64 only when asked for


def test_constrained_core_sizes_count_their_active_vcpus(shipped: PriceCatalog) -> None:
    assert shipped.vm_size("Standard_E8-2s_v3").vcpus == 2
    assert shipped.vm_size("Standard_E8s_v3").vcpus == 8


# ----- the rules on a tiny literal catalog ------------------------------------------------------------------


def tiny() -> PriceCatalog:
    sizes = {
        "Standard_A2": VmSize("Standard_A2", "famA", 2, 8.0, "x64"),
        "Standard_A4": VmSize("Standard_A4", "famA", 4, 16.0, "x64"),
        "Standard_W2": VmSize("Standard_W2", "famW", 2, 4.0, "x64"),
        "Standard_P2": VmSize("Standard_P2", "famP", 2, 8.0, "Arm64"),
    }
    prices = RegionVmPrices(
        linux={"Standard_A2": 0.1, "Standard_A4": 0.2, "Standard_P2": 0.05},
        windows={"Standard_A2": 0.2, "Standard_A4": 0.38, "Standard_W2": 0.3},
        linux_suspect=frozenset({"Standard_W2"}),
    )
    return PriceCatalog(
        as_of=date(2026, 1, 1),
        sources=("literal",),
        sizes=sizes,
        vm_prices={"r1": prices, "r2": prices},
        reserved={"r1": {"Standard_A2": ReservedRates(0.06, 0.04, 0.16, 0.14)}},
    )


@pytest.mark.parametrize(
    ("size", "region", "os", "option", "ahb", "hourly", "estimated"),
    [
        ("Standard_A2", "r1", "linux", RI1Y, False, 0.06, False),  # real
        ("Standard_A2", "r1", "windows", RI3Y, False, 0.14, False),  # real
        ("Standard_A2", "r2", "linux", RI1Y, False, 0.1 * 0.6, True),  # ratio 0.06/0.1
        ("Standard_A2", "r2", "linux", RI3Y, False, 0.1 * 0.4, True),
        ("Standard_A4", "r1", "linux", RI1Y, False, 0.2 * 0.6, True),
        ("Standard_A4", "r1", "windows", RI1Y, False, 0.2 * 0.6 + 0.18, True),  # + licence at PAYG
        ("Standard_A4", "r1", "windows", RI1Y, True, 0.2 * 0.6, True),  # AHB: Linux rate
        ("Standard_W2", "r1", "windows", RI1Y, False, 0.3 * 0.8, True),  # no Linux: Windows ratio 0.16/0.2
        ("Standard_W2", "r1", "windows", PAYG, False, 0.3, False),
        ("Standard_A4", "r2", "windows", PAYG, True, 0.2, False),
    ],
)
def test_pricing_rules(
    size: str, region: str, os: str, option: PricingOption, ahb: bool, hourly: float, estimated: bool
) -> None:
    cost = tiny().vm_monthly(size, region, os=os, option=option, ahb=ahb)
    assert cost.amount == pytest.approx(hourly * 730)
    assert cost.estimated is estimated
    assert ("estimated" in cost.basis) is estimated


def test_linux_only_size_has_no_windows_price_and_ahb_needs_linux() -> None:
    catalog = tiny()
    with pytest.raises(PriceNotFoundError, match="no Windows price"):
        catalog.vm_monthly("Standard_P2", "r1", os="windows")
    with pytest.raises(PriceNotFoundError, match="Cloud Services"):
        catalog.vm_monthly("Standard_W2", "r1", os="windows", ahb=True)


def test_reserved_without_any_observation_is_not_found() -> None:
    base = tiny()
    catalog = PriceCatalog(as_of=base.as_of, sources=(), sizes=base.sizes, vm_prices=base.vm_prices)
    assert catalog.vm_monthly("Standard_A2", "r1", os="linux").amount == pytest.approx(73.0)
    with pytest.raises(PriceNotFoundError, match="no real reserved prices"):
        catalog.vm_monthly("Standard_A2", "r1", os="linux", option=RI1Y)


def test_tiny_candidates_order_and_architecture() -> None:
    catalog = tiny()
    windows = [(size.name, round(price, 2)) for size, price in catalog.candidate_sizes("r1", os="windows")]
    assert windows == [("Standard_A2", 146.0), ("Standard_W2", 219.0), ("Standard_A4", 277.4)]
    linux = [size.name for size, _ in catalog.candidate_sizes("r1", os="linux", cpu_arch=None)]
    assert linux == ["Standard_P2", "Standard_A2", "Standard_A4"]


def test_catalog_is_hashable_and_options_accept_their_text(shipped: PriceCatalog) -> None:
    assert {shipped: 1}[shipped] == 1
    by_text = shipped.vm_monthly("Standard_D4s_v5", "eastus", os="linux", option="ri3y")
    assert by_text == shipped.vm_monthly("Standard_D4s_v5", "eastus", os="linux", option=RI3Y)
