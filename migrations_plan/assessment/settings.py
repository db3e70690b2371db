"""How to assess: target region, pricing option, sizing percentile and comfort factor, VM series, rules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from inventory.records import Criticality, Environment
from migrations_plan.assessment.model import AssessmentError
from migrations_plan.assessment.rules import RuleSet, default_rules
from migrations_plan.pricing.model import DEFAULT_REGION, PricingOption

# General purpose, memory and compute optimised v5 (and Fsv2) sizes with premium storage: what a migration
# engineer picks by default. Names are series as in the size name: Standard_D4s_v5 -> "Dsv5".
DEFAULT_FAMILY_PREFERENCE: tuple[str, ...] = (
    "Dsv5", "Dasv5", "Dlsv5", "Ddsv5", "Dadsv5", "Esv5", "Easv5", "Edsv5", "Eadsv5", "Fsv2",
)
# Burstable series: offered to quiet non-production systems only (never to production, whatever the price).
DEFAULT_BURSTABLE_SERIES: tuple[str, ...] = ("Bsv2", "Basv2", "Bs")
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
    """

    as_of: dt.date
    region: str = DEFAULT_REGION
    pricing: PricingOption = PricingOption.PAYG
    ahb: bool = False
    percentile: int = 95
    comfort_factor: float = 1.3
    family_preference: tuple[str, ...] = DEFAULT_FAMILY_PREFERENCE
    burstable_series: tuple[str, ...] = DEFAULT_BURSTABLE_SERIES
    # B-series only when the P95 CPU is under this: above it a burstable size runs out of credits.
    burstable_max_cpu_pct: float = 20.0
    production_environments: frozenset[Environment] = frozenset({Environment.PRODUCTION, Environment.DR})
    production_criticality: frozenset[Criticality] = frozenset({Criticality.CRITICAL})
    rules: RuleSet = field(default_factory=default_rules)

    def __post_init__(self) -> None:
        problems = []
        if not 1 <= self.percentile <= 100:
            problems.append(f"percentile must be 1..100, got {self.percentile}")
        if not 1.0 <= self.comfort_factor <= 5.0:
            problems.append(f"comfort_factor must be between 1.0 and 5.0 (below 1 would undersize), got "
                            f"{self.comfort_factor}")
        if not self.region.strip():
            problems.append("region must be an Azure region name such as 'eastus2'")
        if not self.family_preference:
            problems.append("family_preference needs at least one VM series, e.g. 'Dsv5'")
        if problems:
            raise AssessmentError("; ".join(problems))
        object.__setattr__(self, "pricing", PricingOption(self.pricing))

    @property
    def pricing_key(self) -> str:
        return option_key(self.pricing, self.ahb)
