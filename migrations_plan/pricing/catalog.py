"""`PriceCatalog`: every Azure price the planner uses, dated and sourced, with the rules that turn them into
monthly costs (Azure Hybrid Benefit, reserved-instance estimates). Lookups raise `PriceNotFoundError`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from migrations_plan.pricing.model import (
    HOURS_PER_MONTH,
    AppServicePlan,
    DiskTier,
    MonthlyCost,
    OsType,
    PriceNotFoundError,
    PricingOption,
    SqlDbRate,
    SqlTier,
    VmRate,
    VmSize,
    format_rate,
    parse_os,
)
from migrations_plan.pricing.reserved import ReservedRates, RiRatios, observe_ratios, windows_reserved
from migrations_plan.pricing.vm_prices import RegionVmPrices


@dataclass(frozen=True, slots=True)
class _Quote:
    hourly: float
    estimated: bool
    basis: str


@dataclass(frozen=True)
class PriceCatalog:
    """Dated USD prices by region. Build it with `load_catalog()`; the fields are the raw tables."""

    as_of: date
    sources: tuple[str, ...]
    sizes: Mapping[str, VmSize]
    vm_prices: Mapping[str, RegionVmPrices]
    reserved: Mapping[str, Mapping[str, ReservedRates]] = field(default_factory=dict)
    disks: Mapping[str, tuple[DiskTier, ...]] = field(default_factory=dict)
    sql_db: Mapping[str, Mapping[SqlTier, SqlDbRate]] = field(default_factory=dict)
    app_service: Mapping[str, tuple[AppServicePlan, ...]] = field(default_factory=dict)
    currency: str = "USD"
    # Memo of derived values (ratios, rates, sorted candidates); not part of the catalog's identity.
    _memo: dict[Any, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __hash__(self) -> int:
        # The tables are dicts; equal catalogs share their date and sources, so these identify it enough.
        return hash((self.as_of, self.sources))

    # ----- what is in it -------------------------------------------------------------------------------

    def regions(self) -> tuple[str, ...]:
        """Regions with VM prices (disk, SQL and App Service prices cover fewer regions)."""
        return tuple(sorted(self.vm_prices))

    def vm_sizes(self) -> tuple[VmSize, ...]:
        return tuple(self.sizes[name] for name in sorted(self.sizes))

    def vm_size(self, name: str) -> VmSize:
        """The size called `name` (case-insensitive, e.g. "standard_d4s_v5")."""
        return self.sizes[self._size_name(name)]

    def ri_ratios(self) -> RiRatios:
        """Mean RI/PAYG ratios over the catalog's real reserved prices; the basis of every RI estimate."""
        if "ratios" not in self._memo:
            self._memo["ratios"] = observe_ratios(self.reserved, self.vm_prices)
        ratios: RiRatios = self._memo["ratios"]
        return ratios

    # ----- virtual machines ----------------------------------------------------------------------------

    def vm_rate(self, size: str, region: str) -> VmRate:
        """Hourly prices of `size` in `region`; reserved ones real or estimated (`VmRate.ri_estimated`)."""
        key = ("rate", size, region)
        if key not in self._memo:
            self._memo[key] = self._build_rate(self._size_name(size), region)
        rate: VmRate = self._memo[key]
        return rate

    def vm_monthly(
        self,
        size: str,
        region: str,
        *,
        os: str,
        option: PricingOption | str = PricingOption.PAYG,
        ahb: bool = False,
    ) -> MonthlyCost:
        """Monthly cost of one VM running all month. `ahb` (Azure Hybrid Benefit) prices a Windows VM at the
        Linux rate of the same option; it changes nothing for Linux."""
        quote = self._quote(self._size_name(size), region, parse_os(os), PricingOption(option), ahb)
        return MonthlyCost(quote.hourly * HOURS_PER_MONTH, quote.estimated, quote.basis)

    def candidate_sizes(
        self,
        region: str,
        *,
        os: str,
        option: PricingOption | str = PricingOption.PAYG,
        ahb: bool = False,
        cpu_arch: str | None = "x64",
    ) -> tuple[tuple[VmSize, float], ...]:
        """Every size priced in `region` for this OS and option, with its monthly price, cheapest first.

        Sizes without a price are left out, and so are sizes of another CPU architecture than `cpu_arch`
        (x64 by default: a rehosted legacy server cannot boot on Arm64; None keeps every size).
        Computed once per (region, os, option, ahb, cpu_arch), then served from memory.
        """
        os_type, chosen = parse_os(os), PricingOption(option)
        use_linux = os_type is OsType.LINUX or ahb
        key = ("candidates", region, use_linux, chosen, cpu_arch)
        if key not in self._memo:
            self._require_region(region)
            found: list[tuple[VmSize, float]] = []
            for name, spec in self.sizes.items():
                if cpu_arch is not None and spec.cpu_arch.lower() != cpu_arch.lower():
                    continue
                try:
                    quote = self._quote(name, region, os_type, chosen, ahb)
                except PriceNotFoundError:
                    continue
                found.append((spec, quote.hourly * HOURS_PER_MONTH))
            found.sort(key=lambda pair: (pair[1], pair[0].vcpus, pair[0].memory_gib, pair[0].name))
            self._memo[key] = tuple(found)
        candidates: tuple[tuple[VmSize, float], ...] = self._memo[key]
        return candidates

    # ----- disks, databases, app service ---------------------------------------------------------------

    def disk_tiers(self, region: str) -> tuple[DiskTier, ...]:
        """Managed-disk tiers priced in `region`, by kind then size."""
        tiers = self.disks.get(region)
        if not tiers:
            raise self._not_priced("managed-disk", region, self.disks)
        return tiers

    def disk_tier(self, region: str, name: str) -> DiskTier:
        """One tier by name ("P10", "E30", "S4")."""
        for tier in self.disk_tiers(region):
            if tier.name.upper() == name.upper():
                return tier
        raise PriceNotFoundError(f"no price for managed-disk tier {name!r} in region {region!r}")

    def sql_db_rate(self, region: str, *, tier: SqlTier | str) -> SqlDbRate:
        tier = SqlTier(tier)
        rates = self.sql_db.get(region)
        if not rates or tier not in rates:
            raise self._not_priced(f"Azure SQL Database {tier.label}", region, self.sql_db)
        return rates[tier]

    def sql_db_monthly(
        self,
        region: str,
        *,
        tier: SqlTier | str,
        vcores: int,
        storage_gb: float,
        licence_included: bool,
    ) -> MonthlyCost:
        """Monthly cost of one provisioned single database (compute + data storage, no backup storage).

        Only the bring-your-own-licence price exists: see docs/pricing.md for why licence-included is missing.
        """
        rate = self.sql_db_rate(region, tier=tier)
        if licence_included:
            raise PriceNotFoundError(
                "licence-included Azure SQL Database prices are not in the catalog: its source holds only "
                "the compute meter (the Azure Hybrid Benefit price) and no SQL Server licence meter; "
                "price with licence_included=False (Azure Hybrid Benefit)"
            )
        if vcores not in rate.vcore_options:
            offered = ", ".join(str(option) for option in rate.vcore_options)
            raise PriceNotFoundError(
                f"Azure SQL Database {rate.tier.label} has no {vcores}-vCore size (offered: {offered})"
            )
        if storage_gb < 0:
            raise ValueError(f"storage_gb must be >= 0, got {storage_gb}")
        compute = vcores * rate.vcore_hour_ahb * HOURS_PER_MONTH
        storage = storage_gb * rate.storage_gb_month
        basis = (
            f"Azure SQL Database {rate.tier.label} {region} {vcores} vCores x "
            f"{format_rate(rate.vcore_hour_ahb)}/vCore-h (Azure Hybrid Benefit, licence excluded) x "
            f"{HOURS_PER_MONTH} h + {format_rate(storage_gb)} GB x "
            f"{format_rate(rate.storage_gb_month)}/GB-month"
        )
        return MonthlyCost(compute + storage, False, basis)

    def sql_mi_monthly(
        self,
        region: str,
        *,
        tier: SqlTier | str,
        vcores: int,
        storage_gb: float,
        licence_included: bool,
    ) -> MonthlyCost:
        """Azure SQL Managed Instance is not priced: none of the catalog's sources carries its meters."""
        raise PriceNotFoundError(
            f"Azure SQL Managed Instance ({SqlTier(tier).label}, {vcores} vCores, {region}) is not priced: "
            f"the catalog dated {self.as_of} has no SQL Managed Instance prices in any region"
        )

    def app_service_plans(self, region: str) -> tuple[AppServicePlan, ...]:
        """App Service plan sizes priced in `region`, by OS then price."""
        plans = self.app_service.get(region)
        if not plans:
            raise self._not_priced("App Service", region, self.app_service)
        return plans

    def _not_priced(self, what: str, region: str, table: Mapping[str, object]) -> PriceNotFoundError:
        """The error for a region a price table does not cover, naming the regions it does."""
        priced = ", ".join(sorted(table)) or "none"
        return PriceNotFoundError(f"no {what} prices for region {region!r} in the catalog dated {self.as_of} "
                                  f"(priced: {priced})")

    def app_service_plan(self, region: str, name: str, *, os: str) -> AppServicePlan:
        os_type = parse_os(os)
        for plan in self.app_service_plans(region):
            if plan.os is os_type and plan.name.lower() == name.lower():
                return plan
        raise PriceNotFoundError(f"no {os_type} App Service plan {name!r} priced in region {region!r}")

    # ----- internals -----------------------------------------------------------------------------------

    def _size_name(self, name: str) -> str:
        if name in self.sizes:
            return name
        folded: dict[str, str] | None = self._memo.get("folded")
        if folded is None:
            folded = {size.lower(): size for size in self.sizes}
            self._memo["folded"] = folded
        if name.lower() in folded:
            return folded[name.lower()]
        raise PriceNotFoundError(f"unknown VM size {name!r}: not in the catalog's {len(self.sizes)} sizes")

    def _require_region(self, region: str) -> RegionVmPrices:
        prices = self.vm_prices.get(region)
        if prices is None:
            raise PriceNotFoundError(
                f"region {region!r} is not in the price catalog dated {self.as_of} "
                f"({len(self.vm_prices)} regions are priced; see PriceCatalog.regions())"
            )
        return prices

    def _build_rate(self, size: str, region: str) -> VmRate:
        prices = self._require_region(region)
        linux, windows = prices.linux.get(size), prices.windows.get(size)
        if linux is None and windows is None:
            raise PriceNotFoundError(f"no price for {size} in {region}: {self._linux_gap(size, region)}")
        real = self.reserved.get(region, {}).get(size)
        ri: dict[str, float | None] = {}
        for option in (PricingOption.RI1Y, PricingOption.RI3Y):
            if real is not None:
                linux_ri, windows_ri = real.linux(option), real.windows(option)
                if windows_ri is None and linux_ri is not None and linux is not None and windows is not None:
                    windows_ri = windows_reserved(linux_ri, linux_payg=linux, windows_payg=windows)
            else:
                linux_ri, windows_ri = self._estimate(linux, windows, option)
            ri[f"linux_{option}"], ri[f"windows_{option}"] = linux_ri, windows_ri
        return VmRate(
            size=size,
            region=region,
            linux_payg=linux,
            windows_payg=windows,
            linux_ri1y=ri["linux_ri1y"],
            linux_ri3y=ri["linux_ri3y"],
            windows_ri1y=ri["windows_ri1y"],
            windows_ri3y=ri["windows_ri3y"],
            ri_estimated=real is None,
        )

    def _estimate(
        self, linux: float | None, windows: float | None, option: PricingOption
    ) -> tuple[float | None, float | None]:
        ratios = self.ri_ratios()
        linux_ratio, windows_ratio = ratios.get(OsType.LINUX, option), ratios.get(OsType.WINDOWS, option)
        linux_ri = linux * linux_ratio[0] if linux is not None and linux_ratio else None
        if windows is None:
            windows_ri = None
        elif linux_ri is not None and linux is not None:
            windows_ri = windows_reserved(linux_ri, linux_payg=linux, windows_payg=windows)
        else:
            windows_ri = windows * windows_ratio[0] if windows_ratio else None
        return linux_ri, windows_ri

    def _quote(self, size: str, region: str, os: OsType, option: PricingOption, ahb: bool) -> _Quote:
        rate = self.vm_rate(size, region)
        use_linux = os is OsType.LINUX or ahb
        hourly = _pick(rate, use_linux, option)
        if hourly is None:
            raise PriceNotFoundError(self._missing(rate, use_linux, option))
        if os is OsType.LINUX:
            who = "Linux"
        else:
            who = "Windows with Azure Hybrid Benefit (Linux rate)" if ahb else "Windows"
        basis = f"{size} {region} {who} {option.label} {format_rate(hourly)}/h x {HOURS_PER_MONTH} h"
        estimated = option is not PricingOption.PAYG and rate.ri_estimated
        if estimated:
            basis += f" ({self._estimate_note(rate, use_linux, option)})"
        return _Quote(hourly, estimated, basis)

    def _estimate_note(self, rate: VmRate, use_linux: bool, option: PricingOption) -> str:
        term = "1-year" if option is PricingOption.RI1Y else "3-year"
        ratios = self.ri_ratios()
        if rate.linux_payg is not None:
            ratio, count = ratios.get(OsType.LINUX, option) or (0.0, 0)
            note = (
                f"estimated: Linux PAYG {format_rate(rate.linux_payg)}/h x {ratio:.4f}, the mean {term} "
                f"RI/PAYG ratio of {count} priced size-region pairs"
            )
            if not use_linux and rate.windows_payg is not None:
                licence = rate.windows_payg - rate.linux_payg
                note += f", plus the Windows licence {format_rate(licence)}/h at PAYG"
            return note
        ratio, count = ratios.get(OsType.WINDOWS, option) or (0.0, 0)
        return (
            f"estimated: Windows PAYG {format_rate(rate.windows_payg or 0.0)}/h x {ratio:.4f}, the mean "
            f"Windows {term} RI/PAYG ratio of {count} priced size-region pairs (Linux price unknown)"
        )

    def _missing(self, rate: VmRate, use_linux: bool, option: PricingOption) -> str:
        if use_linux and rate.linux_payg is None:
            return (
                f"no Linux price for {rate.size} in {rate.region}: {self._linux_gap(rate.size, rate.region)}"
            )
        if not use_linux and rate.windows_payg is None:
            return f"no Windows price for {rate.size} in {rate.region} (absent or zero in the source)"
        return (
            f"no {option.label} price for {rate.size} in {rate.region}: the catalog has no real reserved "
            "prices to estimate it from"
        )

    def _linux_gap(self, size: str, region: str) -> str:
        if size in self.vm_prices[region].linux_suspect:
            return "its Linux figure was dropped as a Cloud Services meter (not below the Windows price)"
        return "the source has no usable price"


def _pick(rate: VmRate, use_linux: bool, option: PricingOption) -> float | None:
    if option is PricingOption.PAYG:
        return rate.linux_payg if use_linux else rate.windows_payg
    if option is PricingOption.RI1Y:
        return rate.linux_ri1y if use_linux else rate.windows_ri1y
    return rate.linux_ri3y if use_linux else rate.windows_ri3y
