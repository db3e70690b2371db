"""How to assess, in Azure Migrate's terms: target location, sizing criterion, percentile, performance history,
comfort factor, VM series, savings option, Azure Hybrid Benefit, discount and the default environment; and rules.

Defaults are Azure Migrate's where it documents one (docs/assessment.md, "Our settings beside Azure Migrate's",
names the Microsoft Learn page of each), and the safer choice where it does not.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from inventory.records import Criticality, Environment
from migrations_plan.assessment.model import AssessmentError
from migrations_plan.assessment.rules import RuleSet, default_rules
from migrations_plan.assessment.series import AZURE_MIGRATE_SERIES, DEFAULT_VM_SERIES, expand_series, is_burstable
from migrations_plan.pricing.model import DEFAULT_REGION, PricingOption


class SizingCriterion(StrEnum):
    """Azure Migrate's "Sizing criteria": from utilisation, or the allocated cores and memory as they are."""

    PERFORMANCE_BASED = "performance-based"
    AS_ON_PREMISES = "as-on-premises"


# Azure Migrate's "Percentile utilization" choices, and the performance histories it keeps (up to one month).
PERCENTILES: tuple[int, ...] = (50, 90, 95, 99)
MAX_PERFORMANCE_HISTORY_DAYS = 31
# Savings option spellings (ours and Azure Migrate's API values), compared without case, spaces, "_" or "-".
SAVINGS_OPTION_NAMES: dict[str, PricingOption] = {
    "payg": PricingOption.PAYG, "none": PricingOption.PAYG, "payasyougo": PricingOption.PAYG,
    "ri1y": PricingOption.RI1Y, "ri1year": PricingOption.RI1Y, "1yearreserved": PricingOption.RI1Y,
    "ri3y": PricingOption.RI3Y, "ri3year": PricingOption.RI3Y, "3yearreserved": PricingOption.RI3Y,
    "3yearsreserved": PricingOption.RI3Y,
}


def name_key(text: str) -> str:
    """A name compared as Azure Migrate's settings and region names are: without case, spaces or punctuation
    ("Savings options (compute)" -> "savingsoptionscompute", "East US 2" -> "eastus2")."""
    return "".join(ch for ch in text.lower() if ch.isalnum())


DISCOUNT_NEEDS_PAYG = ("the discount applies to pay-as-you-go compute only (in Azure Migrate, Discount (%) is not "
                       "applicable with a savings option): use savings option payg, or discount 0")


def discount_problem(discount: float, pricing: PricingOption | str) -> str | None:
    """Why a discount cannot go with this savings option, or None."""
    return DISCOUNT_NEEDS_PAYG if discount and PricingOption(pricing) is not PricingOption.PAYG else None


def parse_savings_option(text: str) -> PricingOption:
    """payg (None), ri1y (RI1Year), ri3y (RI3Year); a savings plan is refused: the catalog has no such prices."""
    key = name_key(text)
    if key in SAVINGS_OPTION_NAMES:
        return SAVINGS_OPTION_NAMES[key]
    if "savingsplan" in key or key in ("sp1y", "sp3y"):
        raise ValueError(f"savings option {text.strip()!r}: the price catalog has pay-as-you-go and reserved-instance "
                         "prices only, no savings-plan prices, so a savings plan cannot be priced honestly; choose "
                         "payg, ri1y or ri3y")
    raise ValueError(f"unknown savings option {text.strip()!r}; expected payg (None), ri1y (RI1Year) or ri3y (RI3Year)")


OPTION_KEYS: tuple[tuple[str, PricingOption, bool], ...] = (
    ("payg", PricingOption.PAYG, False),
    ("ri1y", PricingOption.RI1Y, False),
    ("ri3y", PricingOption.RI3Y, False),
    ("payg_ahb", PricingOption.PAYG, True),
    ("ri1y_ahb", PricingOption.RI1Y, True),
    ("ri3y_ahb", PricingOption.RI3Y, True),
)


def option_key(option: PricingOption, ahb: bool) -> str:
    """The `monthly_cost_by_option` key of a pricing option: "payg", "ri3y_ahb"..."""
    return f"{PricingOption(option).value}_ahb" if ahb else PricingOption(option).value


@dataclass(frozen=True, kw_only=True)
class AssessSettings:
    """Settings of one assessment run. `as_of` dates the OS support status (pure code reads no clock).

    The default region is DEFAULT_REGION (eastus2): the shipped catalog prices VMs in 44 regions but disks,
    Azure SQL and App Service only in centralus, eastus2 and westus2 (`catalog refresh` adds others).
    `vm_series` empty means Azure Migrate's default (every series it knows); names are Azure Migrate families
    ("Dsv5", "Mv2") or series of size names ("Dlsv5", "Bsv2"). Burstable B-series are included only with
    `burstable` (or when named), and then only for quiet non-production systems sized from performance data.
    `default_environment` stands in for an unknown environment when choosing disks and burstable sizes (the
    strategy rules still see "unknown": an assumption must never retire a system).
    """

    as_of: dt.date
    region: str = DEFAULT_REGION
    pricing: PricingOption = PricingOption.PAYG
    ahb: bool = False
    sizing: SizingCriterion = SizingCriterion.PERFORMANCE_BASED
    percentile: int = 95
    # Informational: the inventory's utilisation figures are already percentiles over the source's own window.
    performance_history_days: int = 1
    comfort_factor: float = 1.3
    vm_series: tuple[str, ...] = ()
    burstable: bool = False
    # B-series only when the P95 CPU is under this: above it a burstable size runs out of credits.
    burstable_max_cpu_pct: float = 20.0
    discount_pct: float = 0.0
    default_environment: Environment = Environment.PRODUCTION
    # Ours, off by default: Azure Migrate may recommend more than the allocation (comfort factor on utilisation).
    cap_at_allocation: bool = False
    # The currency the run's figures are shown in (ISO 4217): prices stay USD, converted when shown (`status`,
    # `report savings` default to it), as Azure Migrate's Currency setting does.
    currency: str = "USD"
    production_environments: frozenset[Environment] = frozenset({Environment.PRODUCTION, Environment.DR})
    production_criticality: frozenset[Criticality] = frozenset({Criticality.CRITICAL})
    rules: RuleSet = field(default_factory=default_rules)

    def __post_init__(self) -> None:
        problems = []
        if self.percentile not in PERCENTILES:
            problems.append(f"percentile must be one of {', '.join(f'P{p}' for p in PERCENTILES)} (Azure Migrate's "
                            f"choices), got {self.percentile}")
        if not 1 <= self.performance_history_days <= MAX_PERFORMANCE_HISTORY_DAYS:
            problems.append(f"performance_history_days must be 1..{MAX_PERFORMANCE_HISTORY_DAYS} (a day, a week, a "
                            f"month), got {self.performance_history_days}")
        if not 1.0 <= self.comfort_factor <= 5.0:
            problems.append(f"comfort_factor must be between 1.0 and 5.0 (below 1 would undersize), got "
                            f"{self.comfort_factor}")
        if not self.region.strip():
            problems.append("region must be an Azure region name such as 'eastus2'")
        if any(not name.strip() for name in self.vm_series):
            problems.append("vm_series names must not be blank (e.g. 'Dsv5', 'Esv5')")
        if not 0.0 <= self.discount_pct < 100.0:
            problems.append(f"discount_pct must be 0 or more and below 100, got {self.discount_pct:g}")
        elif discount := discount_problem(self.discount_pct, self.pricing):
            problems.append(f"discount_pct: {discount}")
        if not (len(self.currency) == 3 and self.currency.isalpha() and self.currency.isupper()):
            problems.append(f"currency must be an ISO 4217 code such as USD or AUD, got {self.currency!r}")
        if self.default_environment is Environment.UNKNOWN:
            problems.append("default_environment must be a known environment (production, staging, test, "
                            "development, dr)")
        if problems:
            raise AssessmentError("; ".join(problems))
        object.__setattr__(self, "pricing", PricingOption(self.pricing))
        object.__setattr__(self, "sizing", SizingCriterion(self.sizing))
        object.__setattr__(self, "default_environment", Environment(self.default_environment))

    @property
    def pricing_key(self) -> str:
        return option_key(self.pricing, self.ahb)

    def included_series(self) -> tuple[frozenset[str], bool]:
        """Size-name series (lower case) the size must be of, and whether every burstable series is included."""
        if not self.vm_series:
            return DEFAULT_VM_SERIES, self.burstable
        covered, all_burstable = expand_series(self.vm_series)
        return covered, all_burstable or self.burstable

    def describe(self) -> dict[str, str]:
        """The settings under Azure Migrate's names, as text (stored with the run, shown by `status`)."""
        covered, all_burstable = self.included_series()
        if self.vm_series:
            series = ", ".join(self.vm_series)
        else:
            series = f"Azure Migrate's default ({len(AZURE_MIGRATE_SERIES)} series)"
        if all_burstable:
            series += ", with burstable B-series"
        elif not any(is_burstable(name) for name in covered):
            series += ", burstable B-series excluded"
        return {
            "Target location": self.region,
            "Sizing criteria": self.sizing.value,
            "Percentile utilization": f"P{self.percentile}",
            "Performance history": f"{self.performance_history_days} day(s) (informational: the inventory's "
                                   "figures are used as they are)",
            "Comfort factor": f"{self.comfort_factor:g}",
            "VM series": series,
            "Savings option": {PricingOption.PAYG: "pay-as-you-go (None)", PricingOption.RI1Y: "1 year reserved",
                               PricingOption.RI3Y: "3 years reserved"}[self.pricing],
            "Azure Hybrid Benefit": "yes" if self.ahb else "no",
            "Discount (%)": f"{self.discount_pct:g}",
            "Default environment": self.default_environment.value,
            "Cap at allocation": "yes" if self.cap_at_allocation else "no",
            "Currency": self.currency,
        }
