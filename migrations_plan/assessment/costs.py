"""Monthly cost of a target under every pricing option, with the sentence that explains the chosen one.

Keys: "payg", "ri1y", "ri3y" and the same with "_ahb" (Azure Hybrid Benefit). A key is missing when the
catalog cannot price that option; `basis` then says why. The settings' discount (%) comes off pay-as-you-go VM
compute only, as Azure Migrate's does (not off reservations, disks or platform services). Results are memoised
per (target, disks): an estate has far fewer distinct targets than systems.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from migrations_plan.assessment.model import AssessmentError
from migrations_plan.assessment.paas import SqlChoice
from migrations_plan.assessment.ports import CatalogPort
from migrations_plan.assessment.settings import OPTION_KEYS, AssessSettings
from migrations_plan.pricing.model import (
    HOURS_PER_MONTH,
    AppServicePlan,
    DiskTier,
    MonthlyCost,
    PriceNotFoundError,
    PricingOption,
    SqlTier,
    format_rate,
)


@dataclass(frozen=True, slots=True)
class Priced:
    """A target's monthly cost by option key; `monthly` is the settings' option (None when not priced)."""

    by_option: Mapping[str, float]
    monthly: float | None
    estimated: bool
    basis: str


_EMPTY: Mapping[str, float] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class _Compute:
    """VM compute by option key; `missing` says why the chosen option has no price (empty when it has)."""

    amounts: Mapping[str, float]
    basis: str
    estimated: bool
    missing: str
    # The option keys the catalog cannot price for this size (a Windows size without a Linux rate has no Hybrid
    # Benefit price), said in the basis rather than dropping the size.
    gaps: str = ""


def _paas(choice: SqlChoice) -> tuple[SqlTier, int]:
    if choice.tier is None or choice.vcores is None:
        raise AssessmentError(f"SQL Server on a VM is priced as a VM, not as Azure SQL ({choice.why})")
    return choice.tier, choice.vcores


def _money(value: float) -> str:
    return f"{value:,.2f}"


class Pricer:
    """Prices targets for one assessment run (one region, one chosen option)."""

    def __init__(self, catalog: CatalogPort, settings: AssessSettings) -> None:
        self._catalog = catalog
        self._region = settings.region
        self._key = settings.pricing_key
        self._option = settings.pricing
        self._discount = settings.discount_pct / 100
        self._vm: dict[tuple[str, str, int], _Compute] = {}
        self._disks: dict[tuple[str, ...] | None, tuple[float, str]] = {}
        self._memo: dict[tuple[object, ...], Priced] = {}

    def nothing(self, why: str) -> Priced:
        """No Azure resources at all (retire, retain): zero under every option."""
        key = ("zero", why)
        if key not in self._memo:
            self._memo[key] = Priced(MappingProxyType({k: 0.0 for k, _, _ in OPTION_KEYS}), 0.0, False, why)
        return self._memo[key]

    def unpriced(self, why: str) -> Priced:
        return Priced(_EMPTY, None, False, why)

    def _vm_compute(self, size: str, os: str, count: int) -> _Compute:
        """Compute cost of `count` VMs under every option (disks excluded), once per (size, OS, count)."""
        key = (size, os, count)
        found = self._vm.get(key)
        if found is None:
            amounts: dict[str, float] = {}
            chosen: MonthlyCost | None = None
            missing = ""
            unpriced: dict[str, str] = {}
            for option_name, option, ahb in OPTION_KEYS:
                try:
                    quote = self._catalog.vm_monthly(size, self._region, os=os, option=option, ahb=ahb)
                except PriceNotFoundError as e:
                    unpriced[option_name] = str(e)
                    if option_name == self._key:
                        missing = str(e)
                    continue
                off = self._discount if option is PricingOption.PAYG else 0.0
                amounts[option_name] = quote.amount * count * (1.0 - off)
                if option_name == self._key:
                    chosen = quote
            gaps = ""
            if unpriced:
                reasons = "; ".join(dict.fromkeys(unpriced.values()))
                gaps = f"{', '.join(unpriced)} not priced for {size} ({reasons})"
            if chosen is None:
                found = _Compute(amounts, "", False, missing or f"no {self._key} price for {size}", gaps)
            else:
                basis = chosen.basis if count == 1 else f"{count} x ({chosen.basis})"
                if self._discount and self._option is PricingOption.PAYG:
                    basis += f" less {self._discount * 100:g}% discount"
                found = _Compute(amounts, basis, chosen.estimated, "", gaps)
            self._vm[key] = found
        return found

    def _disk_part(self, disks: tuple[DiskTier, ...] | None) -> tuple[float, str]:
        key = tuple(tier.name for tier in disks) if disks is not None else None
        found = self._disks.get(key)
        if found is None:
            if disks is None:
                found = (0.0, f"managed disks not priced in {self._region}: compute only")
            elif not disks:
                found = (0.0, "")
            else:
                text = "disks " + " + ".join([f"{tier.name} {_money(tier.monthly_usd)}" for tier in disks])
                found = (sum([tier.monthly_usd for tier in disks]), text)
            self._disks[key] = found
        return found

    def vm(self, size: str, os: str, disks: tuple[DiskTier, ...] | None, *, count: int = 1,
           note: str = "") -> Priced:
        """`count` VMs of `size` plus `disks` (None = disk prices missing in the region: compute only)."""
        compute = self._vm_compute(size, os, count)
        disk_total, disk_text = self._disk_part(disks)
        by_option = {key: round(amount + disk_total, 2) for key, amount in compute.amounts.items()}
        if compute.missing:
            return Priced(MappingProxyType(by_option), None, False, f"not priced: {compute.missing}")
        monthly = by_option[self._key]
        basis = "; ".join(part for part in (compute.basis, disk_text, note) if part) + f" = {_money(monthly)}/month"
        if compute.gaps:
            basis += f"; {compute.gaps}"
        return Priced(MappingProxyType(by_option), monthly, compute.estimated or disks is None, basis)

    def sql_db(self, choice: SqlChoice) -> Priced:
        """Azure SQL Database: only the Hybrid Benefit (licence-excluded) price exists, and no reservations."""
        memo_key = ("sql-db", choice.tier, choice.vcores, choice.storage_gb)
        found = self._memo.get(memo_key)
        if found is not None:
            return found
        tier, vcores = _paas(choice)
        try:
            ahb = self._catalog.sql_db_monthly(self._region, tier=tier, vcores=vcores,
                                               storage_gb=choice.storage_gb, licence_included=False)
        except PriceNotFoundError as e:
            priced = self.unpriced(f"not priced: {e}")
        else:
            priced = self._ahb_only(ahb.amount, ahb.basis, ahb.estimated, "Azure SQL Database")
        self._memo[memo_key] = priced
        return priced

    def sql_mi_proxy(self, choice: SqlChoice) -> Priced:
        """SQL Managed Instance has no price in the catalog: the same vCores and storage at the Azure SQL
        Database rates of the same tier stand in for it, flagged as an estimate."""
        memo_key = ("sql-mi", choice.tier, choice.vcores, choice.storage_gb)
        found = self._memo.get(memo_key)
        if found is not None:
            return found
        tier, vcores = _paas(choice)
        try:
            rate = self._catalog.sql_db_rate(self._region, tier=tier)
        except PriceNotFoundError as e:
            priced = self.unpriced(f"not priced: SQL Managed Instance has no price in the catalog, and no proxy: {e}")
        else:
            amount = vcores * rate.vcore_hour_ahb * HOURS_PER_MONTH + choice.storage_gb * rate.storage_gb_month
            basis = (f"estimated: SQL Managed Instance is not priced in the catalog; proxy = Azure SQL Database "
                     f"{tier.label} rates in {self._region}: {vcores} vCores x "
                     f"{format_rate(rate.vcore_hour_ahb)}/vCore-h x {HOURS_PER_MONTH} h + {choice.storage_gb:g} GB x "
                     f"{format_rate(rate.storage_gb_month)}/GB-month (Azure Hybrid Benefit, licence excluded)")
            priced = self._ahb_only(amount, basis, True, "SQL Managed Instance")
        self._memo[memo_key] = priced
        return priced

    def _ahb_only(self, amount: float, basis: str, estimated: bool, service: str) -> Priced:
        value = round(amount, 2)
        by_option = {"payg_ahb": value, "ri1y_ahb": value, "ri3y_ahb": value}
        if self._key == "payg_ahb":
            return Priced(MappingProxyType(by_option), value, estimated, f"{basis} = {_money(value)}/month")
        if self._key.endswith("_ahb"):
            return Priced(MappingProxyType(by_option), value, True,
                          f"{basis} = {_money(value)}/month (no reserved {service} prices in the catalog: "
                          "pay-as-you-go used)")
        return Priced(MappingProxyType(by_option), None, False,
                      f"not priced: licence-included {service} prices are not in the catalog (only the Azure Hybrid "
                      f"Benefit rate is); with Hybrid Benefit it is {_money(value)}/month ({basis})")

    def app_service(self, plan: AppServicePlan) -> Priced:
        """App Service plan: pay-as-you-go only in the catalog, and Hybrid Benefit does not apply."""
        memo_key = ("app", plan.name, plan.os)
        found = self._memo.get(memo_key)
        if found is not None:
            return found
        value = round(plan.monthly, 2)
        by_option = {key: value for key, _, _ in OPTION_KEYS}
        basis = (f"App Service {plan.name} ({plan.os}) {self._region} {format_rate(plan.hourly)}/h x "
                 f"{HOURS_PER_MONTH} h = {_money(value)}/month")
        estimated = not self._key.startswith("payg")
        if estimated:
            basis += " (no reserved App Service prices in the catalog: pay-as-you-go used)"
        priced = Priced(MappingProxyType(by_option), value, estimated, basis)
        self._memo[memo_key] = priced
        return priced
