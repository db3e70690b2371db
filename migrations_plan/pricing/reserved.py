"""Reserved-instance prices: the real ones a catalog holds, and the ratios used to estimate the rest.

A reservation discounts the compute only; the Windows licence stays billed at its pay-as-you-go rate. So a
Windows reserved price is the Linux reserved price plus the licence (Windows PAYG - Linux PAYG). The rvtools
estimator's 34 size-region pairs follow this to the last digit, and the Retail Prices API publishes
reservation rows only for the Linux (base) meters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from statistics import fmean

from migrations_plan.pricing.model import OsType, PricingOption
from migrations_plan.pricing.vm_prices import RegionVmPrices

RESERVED_OPTIONS = (PricingOption.RI1Y, PricingOption.RI3Y)


@dataclass(frozen=True, slots=True)
class ReservedRates:
    """Hourly reserved prices of one size in one region read from a price list (not estimated)."""

    linux_ri1y: float | None
    linux_ri3y: float | None
    windows_ri1y: float | None = None
    windows_ri3y: float | None = None

    def linux(self, option: PricingOption) -> float | None:
        return self.linux_ri1y if option is PricingOption.RI1Y else self.linux_ri3y

    def windows(self, option: PricingOption) -> float | None:
        return self.windows_ri1y if option is PricingOption.RI1Y else self.windows_ri3y


def windows_reserved(linux_reserved: float, *, linux_payg: float, windows_payg: float) -> float:
    """Windows reserved hourly price: the reserved compute plus the Windows licence at its PAYG rate."""
    return linux_reserved + (windows_payg - linux_payg)


@dataclass(frozen=True, slots=True)
class RiRatios:
    """Mean reserved/PAYG price ratio per OS and term, over the real reserved prices of a catalog."""

    ratios: Mapping[tuple[OsType, PricingOption], float]
    observations: Mapping[tuple[OsType, PricingOption], int]

    def get(self, os: OsType, option: PricingOption) -> tuple[float, int] | None:
        """(ratio, number of size-region pairs it is the mean of), or None when nothing was observed."""
        key = (os, option)
        if key not in self.ratios:
            return None
        return self.ratios[key], self.observations[key]


def observe_ratios(
    reserved: Mapping[str, Mapping[str, ReservedRates]], payg: Mapping[str, RegionVmPrices]
) -> RiRatios:
    """Average RI/PAYG over every size-region pair that has both a real reserved and a PAYG price."""
    samples: dict[tuple[OsType, PricingOption], list[float]] = {}
    for region, by_size in reserved.items():
        prices = payg.get(region)
        if prices is None:
            continue
        for size, rates in by_size.items():
            linux_payg = prices.linux.get(size)
            windows_payg = prices.windows.get(size)
            for option in RESERVED_OPTIONS:
                linux_ri = rates.linux(option)
                windows_ri = rates.windows(option)
                if windows_ri is None and linux_ri is not None and linux_payg and windows_payg:
                    windows_ri = windows_reserved(linux_ri, linux_payg=linux_payg, windows_payg=windows_payg)
                if linux_ri is not None and linux_payg:
                    samples.setdefault((OsType.LINUX, option), []).append(linux_ri / linux_payg)
                if windows_ri is not None and windows_payg:
                    samples.setdefault((OsType.WINDOWS, option), []).append(windows_ri / windows_payg)
    return RiRatios(
        ratios={key: fmean(values) for key, values in samples.items()},
        observations={key: len(values) for key, values in samples.items()},
    )
